"""ONVIF onboarding end to end against a real device service on loopback (tests/support/onvif_device.py)."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from cameras.crypto import decrypt_credentials
from cameras.models import Camera
from tests.factories import CameraGroupFactory, api_token_for
from tests.support.onvif_device import OnvifDeviceSimulator

pytestmark = pytest.mark.django_db

POSITION = {"latitude": "50.846700", "longitude": "4.352500"}


@pytest.fixture
def device():
    with OnvifDeviceSimulator(username="admin", password="camera-secret") as simulator:
        yield simulator


def test_chief_onboards_a_camera_from_the_page(client, person, signed_in, device):
    chief = person(role="chief")
    signed_in(chief)
    response = client.post(
        reverse("cameras:onboard"),
        {
            "onvif_address": device.address,
            "username": "admin",
            "password": "camera-secret",
            "name": "Grand-Place",
            **POSITION,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    camera = Camera.objects.get(name="Grand-Place")
    assert camera.owner == chief.organisation
    assert camera.manufacturer == device.manufacturer and camera.serial_number == device.serial_number
    assert camera.rtsp_main_uri and camera.rtsp_sub_uri and camera.snapshot_uri
    assert camera.ptz_capable and camera.kind == "ptz" and len(camera.onvif_profiles) == 2
    assert decrypt_credentials(camera.credentials_encrypted) == ("admin", "camera-secret")
    detail = client.get(reverse("cameras:detail", args=[camera.pk])).content.decode()
    assert "camera-secret" not in detail and device.model in detail


def test_wrong_password_is_a_clear_422_and_nothing_is_stored(client, person, signed_in, device):
    signed_in(person(role="chief"))
    response = client.post(
        reverse("cameras:onboard"),
        {"onvif_address": device.address, "username": "admin", "password": "wrong", **POSITION},
    )
    assert response.status_code == 422
    assert "refused the username or password" in response.content.decode()
    assert not Camera.objects.exists()


def test_clock_drift_is_named(client, person, signed_in):
    signed_in(person(role="chief"))
    with OnvifDeviceSimulator(username="admin", password="camera-secret", clock_offset=900) as drifting:
        response = client.post(
            reverse("cameras:onboard"),
            {"onvif_address": drifting.address, "username": "admin", "password": "camera-secret", **POSITION},
        )
    assert response.status_code == 422
    assert "clock" in response.content.decode()


def test_operator_without_delegation_cannot_onboard(client, person, signed_in, device):
    signed_in(person(role="operator"))
    assert client.get(reverse("cameras:onboard")).status_code == 403


def test_delegated_administrator_onboards_into_their_group_only(person, device):
    from cameras import selectors, services
    from zones.tenancy import actor_for

    chief = person(role="chief")
    admin = person(organisation=chief.organisation, role="operator")
    group, other = CameraGroupFactory(owner=chief.organisation), CameraGroupFactory(owner=chief.organisation)
    services.delegation_grant(
        actor=actor_for(chief.user, chief.organisation_id),
        group=group,
        user=admin.user,
        codename=selectors.MANAGE_GROUP,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(admin)[1]}")
    body = {"onvif_address": device.address, "username": "admin", "password": "camera-secret", **POSITION}
    assert api.post(reverse("camera-onboard"), {**body, "group": other.pk}, format="json").status_code == 403
    response = api.post(reverse("camera-onboard"), {**body, "group": group.pk}, format="json")
    assert response.status_code == 201, response.content
    assert "camera-secret" not in response.content.decode()
    assert list(Camera.objects.get(pk=response.json()["id"]).groups.all()) == [group]


def test_api_onboarding_refuses_a_foreign_group_with_404(person, device):
    chief = person(role="chief")
    foreign_group = CameraGroupFactory()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(chief)[1]}")
    body = {
        "onvif_address": device.address,
        "username": "admin",
        "password": "camera-secret",
        "group": foreign_group.pk,
    }
    assert api.post(reverse("camera-onboard"), {**body, **POSITION}, format="json").status_code == 404


def test_api_reports_unreachable_devices_with_a_code(person):
    chief = person(role="chief")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(chief)[1]}")
    body = {"onvif_address": "http://127.0.0.1:9", "username": "a", "password": "b", **POSITION}
    response = api.post(reverse("camera-onboard"), body, format="json")
    assert response.status_code == 422 and response.json()["code"] == "unreachable"


def test_command_onboards_and_fails_clearly(person, device, capsys):
    from zones.models import Organisation

    organisation = Organisation.objects.create(code="5399", kind="police_zone", name_fr="Z", name_nl="Z")
    call_command(
        "onboard_camera", "--owner", "5399", "--onvif", device.address, "--user", "admin",
        "--password", "camera-secret", "--name", "From the shell", "--latitude", "50.85", "--longitude", "4.35",
    )  # fmt: skip
    assert Camera.objects.get(name="From the shell").owner == organisation
    assert "From the shell" in capsys.readouterr().out
    with pytest.raises(CommandError, match="auth_failed"):
        call_command(
            "onboard_camera", "--owner", "5399", "--onvif", device.address, "--user", "admin", "--password", "nope",
            "--latitude", "50.85", "--longitude", "4.35",
        )  # fmt: skip
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("onboard_camera", "--owner", "NOPE", "--onvif", device.address, "--user", "a", "--password", "b")
