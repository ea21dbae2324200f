"""When a convention applies: a schedule in Brussels time, a declared incident, break-glass."""

from datetime import timedelta

import pytest

from conventions import services
from conventions.models import DeclaredIncident
from tests.conventions.policy_rules.world import AT, DAY, SECOND, ask, outcome, person, utc
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


# -- time conditions: schedule (Brussels local time) ------------------------------------------------------------

WORKING_HOURS = [{"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}]

SCHEDULE_TABLE = [
    ("wed-0659-cet", utc(2026, 3, 4, 5, 59), "outside_schedule"),
    ("wed-0700-cet", utc(2026, 3, 4, 6, 0), None),
    ("wed-1100-cet", utc(2026, 3, 4, 10, 0), None),
    ("wed-185959-cet", utc(2026, 3, 4, 17, 59, 59), None),
    ("wed-1900-cet", utc(2026, 3, 4, 18, 0), "outside_schedule"),
    ("wed-2330-cet", utc(2026, 3, 4, 22, 30), "outside_schedule"),
    ("sat-1100-cet", utc(2026, 3, 7, 10, 0), "outside_schedule"),
    ("sun-1100-cet", utc(2026, 3, 8, 10, 0), "outside_schedule"),
    ("fri-0600-cet-before-dst", utc(2026, 3, 27, 5, 0), "outside_schedule"),
    ("fri-0700-cet-before-dst", utc(2026, 3, 27, 6, 0), None),
    ("mon-0700-cest-after-dst", utc(2026, 3, 30, 5, 0), None),
    ("mon-0659-cest-after-dst", utc(2026, 3, 30, 4, 59), "outside_schedule"),
    ("mon-1900-cest", utc(2026, 6, 1, 17, 0), "outside_schedule"),
    ("mon-1859-cest", utc(2026, 6, 1, 16, 59), None),
    ("fri-1830-cest-before-fallback", utc(2026, 10, 23, 16, 30), None),
    ("fri-1930-cest", utc(2026, 10, 23, 17, 30), "outside_schedule"),
    ("mon-0700-cet-after-fallback", utc(2026, 10, 26, 6, 0), None),
    ("mon-0630-cet-after-fallback", utc(2026, 10, 26, 5, 30), "outside_schedule"),
    ("mon-1830-cet-after-fallback", utc(2026, 10, 26, 17, 30), None),
    ("tue-0030-cet", utc(2026, 10, 26, 23, 30), "outside_schedule"),
]


@pytest.mark.parametrize(("at", "refusal"), [row[1:] for row in SCHEDULE_TABLE], ids=[r[0] for r in SCHEDULE_TABLE])
def test_schedule_in_brussels_time(world, at, refusal):
    world.convene(time_condition="schedule", schedule=WORKING_HOURS)
    decision = ask(world.operator, world.camera, at=at)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))


def test_a_slot_without_days_holds_every_day_and_slots_add_up(world):
    world.convene(time_condition="schedule", schedule=[*WORKING_HOURS, {"start": "22:00", "end": "23:59"}])
    assert ask(world.operator, world.camera, at=utc(2026, 3, 7, 21, 30)).allowed  # Saturday 22:30
    assert ask(world.operator, world.camera, at=utc(2026, 3, 7, 20, 30)).reason == "outside_schedule"


def test_schedule_does_not_restrict_the_owner(world):
    world.convene(time_condition="schedule", schedule=WORKING_HOURS)
    assert ask(person(world.provider, "operator"), world.camera, at=utc(2026, 3, 7, 10, 0)).allowed


# -- time conditions: declared incident ------------------------------------------------------------------------

INCIDENT_TABLE = [
    ("none", None, None, None, "no_declared_incident"),
    ("provider-ongoing", "provider", -DAY, None, None),
    ("consumer-ongoing", "consumer", -DAY, None, None),
    ("provider-started-now", "provider", timedelta(0), None, None),
    ("consumer-ends-later", "consumer", -DAY, DAY, None),
    ("unrelated-organisation", "stranger", -DAY, None, "no_declared_incident"),
    ("provider-ended", "provider", -2 * DAY, -DAY, "no_declared_incident"),
    ("consumer-ended-exactly-now", "consumer", -DAY, timedelta(0), "no_declared_incident"),
    ("provider-starts-later", "provider", SECOND, None, "no_declared_incident"),
]


@pytest.mark.parametrize(
    ("who", "started", "ended", "refusal"), [row[1:] for row in INCIDENT_TABLE], ids=[r[0] for r in INCIDENT_TABLE]
)
def test_incident_condition(world, who, started, ended, refusal):
    world.convene(time_condition="incident")
    if who is not None:
        organisation = {"provider": world.provider, "consumer": world.consumer, "stranger": OrganisationFactory()}[who]
        DeclaredIncident.objects.create(
            organisation=organisation,
            title="Demonstration",
            declared_by=world.provider_chief.user,
            started_at=AT + started,
            ended_at=None if ended is None else AT + ended,
        )
    decision = ask(world.operator, world.camera)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))


def test_ending_an_incident_takes_effect_on_the_next_decision(world):
    world.convene(time_condition="incident")
    incident = DeclaredIncident.objects.create(
        organisation=world.consumer, title="Riot", declared_by=world.consumer_chief.user, started_at=AT - DAY
    )
    assert ask(world.operator, world.camera).allowed
    incident.ended_at = AT - SECOND
    incident.save()
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_declared_incident")


# -- break-glass -----------------------------------------------------------------------------------------------

SATURDAY = utc(2026, 3, 7, 10, 0)
BREAK_GLASS_TABLE = [
    # id, emergency clause, time condition, at, break_glass asked, expected outcome
    ("schedule-bypassed", True, "schedule", SATURDAY, True, ("allowed", "break_glass")),
    ("incident-bypassed", True, "incident", AT, True, ("allowed", "break_glass")),
    ("always", True, "always", AT, True, ("allowed", "break_glass")),
    ("no-clause-schedule", False, "schedule", SATURDAY, True, ("denied", "break_glass_not_allowed")),
    ("no-clause-inside-schedule", False, "schedule", AT, True, ("denied", "break_glass_not_allowed")),
    ("no-clause-always", False, "always", AT, True, ("denied", "break_glass_not_allowed")),
    ("clause-not-used-schedule", True, "schedule", SATURDAY, False, ("denied", "outside_schedule")),
    ("clause-not-used-incident", True, "incident", AT, False, ("denied", "no_declared_incident")),
]


@pytest.mark.parametrize(
    ("emergency", "condition", "at", "break_glass", "expected"),
    [row[1:] for row in BREAK_GLASS_TABLE],
    ids=[r[0] for r in BREAK_GLASS_TABLE],
)
def test_break_glass(world, emergency, condition, at, break_glass, expected):
    world.convene(
        time_condition=condition,
        schedule=WORKING_HOURS if condition == "schedule" else [],
        emergency_allowed=emergency,
        emergency_max_hours=3,
        emergency_review_hours=12,
    )
    decision = ask(world.operator, world.camera, at=at, break_glass=break_glass)
    assert outcome(decision) == expected
    if decision.allowed:
        assert decision.conditions["break_glass"] is True
        assert decision.conditions["break_glass_max_hours"] == 3
        assert decision.conditions["review_due_at"] == (at + timedelta(hours=12)).isoformat()
        assert decision.conditions["notify_owner_now"] is True
        assert decision.convention_version_number == 1


@pytest.mark.parametrize(
    ("mode", "purpose", "age", "refusal"),
    [
        ("ptz", "public_order", None, "mode_not_allowed"),
        ("live", "traffic_management", None, "purpose_not_allowed"),
        ("playback", "public_order", 20 * DAY, "lookback_exceeded"),
        ("playback", "public_order", 40 * DAY, "administrative_window_exceeded"),
    ],
    ids=["mode", "purpose", "lookback", "legal-regime"],
)
def test_break_glass_does_not_widen_the_scope(world, mode, purpose, age, refusal):
    world.convene(emergency_allowed=True, lookback_days=10)
    decision = ask(world.operator, world.camera, mode, purpose, age=age, break_glass=True)
    assert outcome(decision) == ("denied", refusal)


def test_break_glass_on_a_suspended_convention_is_refused(world):
    convention = world.convene(emergency_allowed=True)
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    assert outcome(ask(world.operator, world.camera, break_glass=True)) == ("denied", "convention_suspended")
