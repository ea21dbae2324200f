"""Tenant-isolation registration of the camera catalogue's API and pages (see tests/tenancy/harness.py)."""

from django.core.files.base import ContentFile

from cameras import services
from cameras.crypto import encrypt_credentials
from cameras.selectors import MANAGE_GROUP
from tests.factories import CameraFactory, CameraGroupFactory, MembershipFactory
from tests.tenancy.harness import Case, Page, register, register_pages
from zones.tenancy import actor_for


def make_camera(organisation):
    camera = CameraFactory(owner=organisation)
    camera.credentials_encrypted = encrypt_credentials("admin", "s3cret")
    camera.save()
    return camera, MembershipFactory(organisation=organisation, role="operator")


register(name="cameras", list_route="camera-list", detail_route="camera-detail", make=make_camera)


# --- Pages -------------------------------------------------------------------------------------------------------


def page_camera(organisation):
    """A camera with a snapshot (the snapshot page answers 404 without one)."""
    camera, operator = make_camera(organisation)
    camera.snapshot.save("snapshot.jpg", ContentFile(b"\xff\xd8\xff\xe0 a picture \xff\xd9"), save=True)
    return Case(camera, {"viewer": operator, "chief": MembershipFactory(organisation=organisation, role="chief")})


def page_delegation(organisation):
    chief = MembershipFactory(organisation=organisation, role="chief")
    operator = MembershipFactory(organisation=organisation, role="operator")
    delegation = services.delegation_grant(
        actor=actor_for(chief.user, organisation.pk),
        group=CameraGroupFactory(owner=organisation),
        user=operator.user,
        codename=MANAGE_GROUP,
    )
    return Case(delegation, {"viewer": chief})


register_pages(
    name="camera",
    make=page_camera,
    pages=[
        Page("cameras:detail"),
        Page("cameras:snapshot"),
        Page("cameras:recording", method="POST", data={"recorded": "on"}, person="chief"),
        # No positive control: the owner's request queues a real snapshot task; cameras:detail proves the id.
        Page("cameras:snapshot_refresh", method="POST", person=None),
    ],
)
register_pages(name="delegation", make=page_delegation, pages=[Page("cameras:delegation_revoke", method="POST")])
