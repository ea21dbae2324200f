"""The Brussels reference data and the demo people."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from zones.models import ApiToken, LegalRegime, Membership, Municipality, Organisation, User

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "organisations": list(Organisation.objects.order_by("code").values()),
        "municipalities": list(Municipality.objects.order_by("nis_code").values()),
        "users": list(User.objects.order_by("username").values("username", "password", "is_staff")),
        "memberships": list(Membership.objects.order_by("id").values()),
        "totp": list(TOTPDevice.objects.order_by("id").values("user_id", "key")),
        "backup": list(StaticToken.objects.order_by("id").values("token")),
        "tokens": list(ApiToken.objects.order_by("id").values("key_hash", "organisation_id")),
    }


def test_reference_data_matches_the_region():
    call_command("seed_brussels")
    zones = Organisation.objects.filter(kind=Organisation.Kind.POLICE_ZONE)
    assert sorted(zones.values_list("code", flat=True)) == ["5339", "5340", "5341", "5342", "5343", "5344"]
    assert all(zone.legal_regime == LegalRegime.POLICE for zone in zones)
    assert Municipality.objects.count() == 19
    assert Municipality.objects.get(nis_code="21016").zone.code == "5342"  # Uccle belongs to Marlow
    assert Organisation.objects.get(code="STIB").name_nl == "MIVB"
    assert Organisation.objects.get(code="STIB").legal_regime == LegalRegime.CAMERA_LAW
    assert Organisation.objects.get(code="COC").kind == Organisation.Kind.SUPERVISOR


def test_running_it_twice_changes_nothing(tmp_path):
    call_command("seed_brussels", "--demo", "--credentials-out", str(tmp_path / "one.json"))
    first = _snapshot()
    call_command("seed_brussels", "--demo", "--credentials-out", str(tmp_path / "two.json"))
    assert _snapshot() == first
    assert (tmp_path / "one.json").read_text() == (tmp_path / "two.json").read_text()


def test_demo_logins_written_to_the_file_work(tmp_path, client):
    out = tmp_path / "credentials.json"
    call_command("seed_brussels", "--demo", "--credentials-out", str(out))
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    people = {person["username"]: person for person in json.loads(out.read_text())}
    roles = {person["role"] for person in people.values()}
    assert roles == {"chief", "operator", "approver", "dpo", "mayor", "platform_admin", "supervisor"}
    assert Membership.objects.get(user__username="5342-mayor").municipality is not None

    chief = people["5339-chief"]
    login = client.post(reverse("zones:login"), {"username": chief["username"], "password": chief["password"]})
    assert login.status_code == 302
    device = TOTPDevice.objects.get(user__username="5339-chief")
    assert chief["totp_secret"] and chief["otpauth_uri"].startswith("otpauth://totp/")
    code = f"{TOTP(device.bin_key).token():06d}"
    assert client.post(reverse("zones:login_verify"), {"code": code}).status_code == 302
    assert b'data-role="chief"' in client.get(reverse("zones:dashboard")).content

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {people['stib-operator']['api_token']}")
    organisations = api.get(reverse("organisation-list")).json()["results"]
    assert [org["code"] for org in organisations] == ["STIB"]


def test_credentials_file_needs_demo(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="needs --demo"):
        call_command("seed_brussels", "--credentials-out", str(tmp_path / "x.json"))


def test_demo_with_cameras_adds_signed_conventions_and_history_once(tmp_path):
    from audit.chain import verify_chain
    from audit.models import AccessLogEntry
    from conventions.models import Convention
    from conventions.signing import verify_version

    for _ in range(2):
        call_command("seed_brussels", "--demo", "--cameras", "300", "--audit-events", "400")
    conventions = Convention.objects.all()
    assert conventions.count() == 2
    assert all(not verify_version(c.versions.get()) and c.versions.get().status == "signed" for c in conventions)
    assert 400 <= AccessLogEntry.objects.count() < 800
    assert all(verify_chain(chain).ok for chain in set(AccessLogEntry.objects.values_list("chain", flat=True)))
