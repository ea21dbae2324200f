"""The change log says who changed memberships, people and tokens."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.factories import api_token_for

pytestmark = pytest.mark.django_db


def test_withdrawing_a_role_is_in_the_change_log_with_the_chief_as_actor(client, person, signed_in):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    signed_in(chief)
    client.post(reverse("zones:membership_disable", args=[operator.pk]), {"reason": "Moved to another unit"})
    entry = LogEntry.objects.get_for_object(operator).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == chief.user
    assert entry.changes_dict["is_active"] == ["True", "False"]
    assert entry.changes_dict["disabled_reason"][1] == "Moved to another unit"


def test_token_revocation_is_logged_without_the_secret(client, person, signed_in):
    membership = person()
    token, key = api_token_for(membership)
    signed_in(membership)
    client.post(reverse("zones:api_token_revoke", args=[token.pk]))
    entries = LogEntry.objects.get_for_object(token)
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()
    assert all(key not in str(entry.changes) and token.key_hash not in str(entry.changes) for entry in entries)


def test_password_changes_never_reach_the_change_log(person):
    membership = person()
    membership.user.set_password("another long password 7")
    membership.user.save()
    assert all("password" not in (entry.changes_dict or {}) for entry in LogEntry.objects.all())
