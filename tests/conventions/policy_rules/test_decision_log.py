"""decide(): one access-log entry per decision, in the same transaction, and no access when the entry cannot be
written."""

from datetime import timedelta

import pytest

from audit.models import AccessLogEntry
from conventions import services
from conventions.models import Convention
from conventions.policy import decide
from tests.conventions.policy_rules.world import AT, DAY, ask, outcome, person
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


# -- decide(): one access-log entry per decision, in the same transaction, fail closed --------------------------

DECIDE_TABLE = [
    ("allowed-by-convention", "convention", True),
    ("denied-suspended", "suspended", False),
    ("denied-out-of-scope", "out_of_scope", False),
    ("denied-no-convention", "none", False),
    ("allowed-own-camera", "own", True),
    ("denied-own-camera-dpo", "own_dpo", False),
]


@pytest.mark.parametrize(("case", "allowed"), [row[1:] for row in DECIDE_TABLE], ids=[r[0] for r in DECIDE_TABLE])
def test_decide_writes_exactly_one_access_log_entry(world, case, allowed):
    camera, actor = world.camera, world.operator
    convention = None
    if case in {"convention", "suspended", "out_of_scope"}:
        convention = world.convene(cameras=[world.camera] if case != "out_of_scope" else [CameraFactory(
            owner=world.provider)])  # fmt: skip
    if case == "suspended":
        services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    if case == "own":
        actor = person(world.provider, "operator")
    if case == "own_dpo":
        actor = person(world.provider, "dpo")
    before = AccessLogEntry.objects.count()
    start = AT - 2 * DAY
    decision = decide(
        actor=actor, camera=camera, mode="playback", purpose="public_order", justification="Theft at the station",
        window_start=start, window_end=start + timedelta(hours=1), case_reference="PV 123", at=AT,
    )  # fmt: skip
    assert decision.allowed is allowed
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.latest("id")
    assert entry.decision == ("allow" if allowed else "deny")
    assert entry.action == ("decision" if allowed else "denied")
    assert entry.reason == decision.reason
    assert entry.occurred_at == AT
    assert entry.camera_ids == [camera.pk]
    assert entry.controller_id == world.provider.pk
    assert entry.actor_id == actor.user.pk
    assert entry.actor_organisation_code == actor.organisation.code
    assert entry.mode == "playback" and entry.purpose == "public_order"
    assert entry.window_start == start and entry.justification == "Theft at the station"
    assert entry.case_reference == "PV 123"
    if convention is not None:
        assert entry.convention_reference == convention.reference
        assert entry.convention_version == 1
        assert entry.recipient_code == world.consumer.code
    else:
        assert entry.convention_reference == "" and entry.convention_version is None
    if case in {"own", "own_dpo"}:
        assert entry.recipient_code == ""


def test_decide_logs_the_conditions_of_break_glass(world):
    world.convene(emergency_allowed=True, emergency_review_hours=6)
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order",
                      justification="Hostage situation", break_glass=True, at=AT)  # fmt: skip
    assert decision.reason == "break_glass"
    entry = AccessLogEntry.objects.get()
    assert entry.details["conditions"]["break_glass"] is True
    assert entry.details["conditions"]["review_due_at"] == (AT + timedelta(hours=6)).isoformat()


def test_every_call_is_logged_even_the_same_request_twice(world):
    world.convene()
    for _ in range(3):
        decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    decide(actor=world.operator, camera=world.camera, mode="live", purpose="curiosity", at=AT)
    assert list(AccessLogEntry.objects.values_list("decision", "reason")) == [("allow", "convention")] * 3 + [
        ("deny", "unknown_purpose")
    ]


def test_evaluate_writes_nothing(world):
    world.convene()
    ask(world.operator, world.camera)
    ask(world.operator, world.camera, purpose="curiosity")
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("whose", ["shared", "own"])
def test_fail_closed_when_the_database_refuses_the_log(world, access_log_refuses_inserts, whose):
    world.convene()
    actor = world.operator if whose == "shared" else person(world.provider, "chief")
    assert ask(actor, world.camera).allowed  # the rules alone would allow it
    decision = decide(actor=actor, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "audit_unavailable")
    assert decision.convention_version_id is None and decision.conditions == {}
    # The refusal is clean: the caller's transaction goes on.
    assert Convention.objects.filter(provider=world.provider).count() == 1


def test_a_denial_that_cannot_be_logged_stays_a_denial(world, access_log_refuses_inserts):
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "audit_unavailable")
