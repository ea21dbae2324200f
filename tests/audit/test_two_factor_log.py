"""Second-factor changes are in the access log's platform chain."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.chain import verify_chain
from audit.models import AccessLogEntry
from tests.factories import PASSWORD, MembershipFactory, totp_code
from zones import services
from zones.twofactor import BACKUP_CODES_ISSUED, second_factor_changed

ROOT = Path(__file__).resolve().parents[2]


def _two_factor_entries():
    return list(AccessLogEntry.objects.filter(chain="PLATFORM", action="two_factor_change").order_by("sequence"))


@pytest.mark.django_db
def test_enrolling_replacing_and_removing_an_authenticator_are_logged(client):
    user = MembershipFactory(role="operator").user
    response = client.post(reverse("zones:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.get(reverse("zones:two_factor_setup"))  # starts the enrolment: an unconfirmed authenticator
    assert _two_factor_entries() == []  # nothing changed yet
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("zones:two_factor_setup"), {"code": totp_code(device)})
    assert response.status_code == 302
    enrolled, issued = _two_factor_entries()  # enrolment hands out the first backup codes
    assert (enrolled.reason, enrolled.actor_id, enrolled.details["user"]) == ("authenticator_enrolled", user.pk,
                                                                               user.username)  # fmt: skip
    assert (issued.reason, issued.actor_id) == ("backup_codes_issued", user.pk)

    second = TOTPDevice.objects.create(user=user, name="New phone", confirmed=False)
    second.confirmed = True
    second.save(update_fields=["confirmed"])
    device.refresh_from_db()
    device.delete()
    changes = [(e.reason, e.details.get("device")) for e in _two_factor_entries()]
    assert changes == [
        ("authenticator_enrolled", "Authenticator"),
        ("backup_codes_issued", None),
        ("authenticator_replaced", "New phone"),
        ("authenticator_removed", "Authenticator"),
    ]
    assert verify_chain("PLATFORM").ok


@pytest.mark.django_db
def test_issuing_backup_codes_is_logged_by_the_caller():
    user = MembershipFactory(role="operator").user
    second_factor_changed(user=user, change=BACKUP_CODES_ISSUED, by=user)
    [entry] = _two_factor_entries()
    assert (entry.reason, entry.actor_id, entry.details) == ("backup_codes_issued", user.pk, {"user": user.username})


@pytest.mark.django_db
def test_regenerating_backup_codes_is_logged_with_the_new_codes():
    user = MembershipFactory(role="operator").user
    first = services.backup_codes_regenerate(user=user)
    second = services.backup_codes_regenerate(user=user)
    assert len(first) == len(second) == 10 and set(first).isdisjoint(second)
    entries = _two_factor_entries()
    assert [(e.reason, e.actor_id, e.details) for e in entries] == [
        ("backup_codes_issued", user.pk, {"user": user.username}),
    ] * 2
    assert all(code not in str(e.details) for e in entries for code in first + second)  # codes never logged
    assert verify_chain("PLATFORM").ok


def test_the_two_factor_log_hooks_load_with_the_application():
    """The model signals live in zones.twofactor: the app loads them, whatever else is imported (shell, admin)."""
    script = "import sys, django; django.setup(); print('zones.twofactor' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev")}
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "True"
