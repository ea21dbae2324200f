"""Tenant-isolation registration of the camera catalogue (see tests/tenancy/harness.py)."""

from cameras.crypto import encrypt_credentials
from tests.factories import CameraFactory, MembershipFactory
from tests.tenancy.harness import register


def make_camera(organisation):
    camera = CameraFactory(owner=organisation)
    camera.credentials_encrypted = encrypt_credentials("admin", "s3cret")
    camera.save()
    return camera, MembershipFactory(organisation=organisation, role="operator")


register(name="cameras", list_route="camera-list", detail_route="camera-detail", make=make_camera)
