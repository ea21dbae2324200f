"""The demo's access-log history reads true: every allowed access to another owner's camera names the signed
convention that allowed it, and the DPO console has anomalies to show."""

import pytest
from django.core.management import call_command

from audit.chain import verify_chain
from audit.models import AccessLogEntry, ChainHead
from conventions.models import Convention
from oversight.anomalies import REPEATED_DENIALS, VOLUME, find_anomalies
from zones.models import Membership
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_brussels", "--demo", "--cameras", "80", "--audit-events", "600", verbosity=0)


def test_every_allowed_shared_access_names_a_real_convention(seeded):
    shared = AccessLogEntry.objects.filter(decision="allow").exclude(recipient_code="")
    assert shared.count() > 20
    references = set(Convention.objects.values_list("reference", flat=True))
    named = set(shared.values_list("convention_reference", flat=True))
    assert named and named <= references, f"history names conventions that do not exist: {named - references}"
    assert not shared.filter(convention_version__isnull=True).exists()
    unfounded = AccessLogEntry.objects.filter(reason="no_convention")
    assert unfounded.exists() and not unfounded.filter(decision="allow").exists()


def test_the_dpo_console_has_anomalies_to_show_and_the_chains_verify(seeded):
    membership = Membership.objects.get(user__username="stib-dpo")
    kinds = {anomaly.kind for anomaly in find_anomalies(actor=actor_for(membership.user, membership.organisation_id))}
    assert {VOLUME, REPEATED_DENIALS} <= kinds
    for head in ChainHead.objects.all():
        assert verify_chain(head.chain).ok, head.chain


def test_seeding_again_takes_no_new_demo_decisions(seeded):
    count = AccessLogEntry.objects.count()
    call_command("seed_brussels", "--demo", "--cameras", "80", "--audit-events", "600", verbosity=0)
    assert AccessLogEntry.objects.count() == count
