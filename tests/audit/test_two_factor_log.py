"""Second-factor changes are in the access log's platform chain."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.chain import verify_chain
from audit.models import AccessLogEntry
from tests.factories import PASSWORD, MembershipFactory, totp_code
from zones.twofactor import BACKUP_CODES_ISSUED, second_factor_changed


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
    [enrolled] = _two_factor_entries()
    assert (enrolled.reason, enrolled.actor_id, enrolled.details["user"]) == ("authenticator_enrolled", user.pk,
                                                                               user.username)  # fmt: skip

    second = TOTPDevice.objects.create(user=user, name="New phone", confirmed=False)
    second.confirmed = True
    second.save(update_fields=["confirmed"])
    device.refresh_from_db()
    device.delete()
    changes = [(e.reason, e.details.get("device")) for e in _two_factor_entries()]
    assert changes == [
        ("authenticator_enrolled", "Authenticator"),
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
