"""How far back, and which window of recorded footage: the legal regimes (police 12 months, the first month
for administrative purposes; Camera Law one or three months), the convention's look-back, the window itself."""

from datetime import timedelta

import pytest

from tests.conventions.policy_rules.world import AT, DAY, REF, SECOND, ask, outcome, person
from tests.factories import CameraFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# -- legal regimes: police 12 months / first month administrative; Camera Law one or three months -------------

REGIME_TABLE = [
    # id, regime, special-risk place, purpose, age of the window start, prosecutor reference, refusal (None: allowed)
    ("police-admin-day30", "police", False, "public_order", 30 * DAY, "", None),
    ("police-admin-day30+1s", "police", False, "public_order", 30 * DAY + SECOND, "", "administrative_window_exceeded"),
    ("police-admin-day31", "police", False, "public_order", 31 * DAY, "", "administrative_window_exceeded"),
    ("police-admin-day31-with-reference", "police", False, "public_order", 31 * DAY, REF,
     "administrative_window_exceeded"),
    ("police-judicial-day30-no-reference", "police", False, "criminal_investigation", 30 * DAY, "", None),
    ("police-judicial-day30+1s-no-reference", "police", False, "criminal_investigation", 30 * DAY + SECOND, "",
     "prosecutor_decision_required"),
    ("police-judicial-day45-blank-reference", "police", False, "criminal_investigation", 45 * DAY, "   ",
     "prosecutor_decision_required"),
    ("police-judicial-day45-reference", "police", False, "criminal_investigation", 45 * DAY, REF, None),
    ("police-judicial-day365-reference", "police", False, "criminal_investigation", 365 * DAY, REF, None),
    ("police-judicial-day365+1s-reference", "police", False, "criminal_investigation", 365 * DAY + SECOND, REF,
     "retention_exceeded"),
    ("police-judicial-day366-reference", "police", False, "criminal_investigation", 366 * DAY, REF,
     "retention_exceeded"),
    ("police-admin-day366", "police", False, "public_order", 366 * DAY, "", "retention_exceeded"),
    ("camera-law-day30", "camera_law", False, "public_order", 30 * DAY, "", None),
    ("camera-law-day30+1s", "camera_law", False, "public_order", 30 * DAY + SECOND, "", "retention_exceeded"),
    ("camera-law-day31", "camera_law", False, "public_order", 31 * DAY, "", "retention_exceeded"),
    ("camera-law-day31-judicial-reference", "camera_law", False, "criminal_investigation", 31 * DAY, REF,
     "retention_exceeded"),
    ("special-risk-day60-admin", "camera_law", True, "public_order", 60 * DAY, "", None),
    ("special-risk-day90", "camera_law", True, "public_order", 90 * DAY, "", None),
    ("special-risk-day90+1s", "camera_law", True, "public_order", 90 * DAY + SECOND, "", "retention_exceeded"),
    ("special-risk-day91", "camera_law", True, "public_order", 91 * DAY, "", "retention_exceeded"),
    ("police-special-risk-flag-ignored-day366", "police", True, "criminal_investigation", 366 * DAY, REF,
     "retention_exceeded"),
]  # fmt: skip


@pytest.mark.parametrize("whose", ["own", "shared"])
@pytest.mark.parametrize(
    ("regime", "special", "purpose", "age", "reference", "refusal"),
    [row[1:] for row in REGIME_TABLE],
    ids=[row[0] for row in REGIME_TABLE],
)
@pytest.mark.parametrize("mode", ["playback", "export"])
def test_legal_regime_boundaries(world, whose, regime, special, purpose, age, reference, refusal, mode):
    camera = CameraFactory(owner=world.provider, legal_regime=regime, special_risk_place=special)
    if whose == "own":
        actor, allowed_reason = person(world.provider, "operator"), "own_camera"
    else:
        world.convene(lookback_days=400)
        actor, allowed_reason = world.operator, "convention"
    decision = ask(actor, camera, mode, purpose, age=age, prosecutor_reference=reference)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", allowed_reason))


def test_regime_uses_the_owner_regime_when_the_camera_names_none(world):
    regional = OrganisationFactory(regional=True)
    camera = CameraFactory(owner=regional)
    assert camera.legal_regime == "camera_law"
    actor = person(regional, "operator")
    assert ask(actor, camera, "playback", age=30 * DAY).allowed
    assert ask(actor, camera, "playback", age=31 * DAY).reason == "retention_exceeded"


def test_live_ignores_the_window_and_the_regime(world):
    world.convene()
    start = AT - 200 * DAY
    decision = ask(world.operator, world.camera, "live", window_start=start, window_end=start + DAY)
    assert outcome(decision) == ("allowed", "convention")


# -- look-back limit of the convention -------------------------------------------------------------------------

LOOKBACK_TABLE = [
    ("day7", 7, 7 * DAY, None),
    ("day7+1s", 7, 7 * DAY + SECOND, "lookback_exceeded"),
    ("day8", 7, 8 * DAY, "lookback_exceeded"),
    ("zero-days-one-second", 0, SECOND, "lookback_exceeded"),
    ("judicial-day200-lookback-200", 200, 200 * DAY, None),
    ("judicial-day200+1s-lookback-200", 200, 200 * DAY + SECOND, "lookback_exceeded"),
]


@pytest.mark.parametrize(
    ("lookback", "age", "refusal"), [row[1:] for row in LOOKBACK_TABLE], ids=[row[0] for row in LOOKBACK_TABLE]
)
def test_convention_lookback(world, lookback, age, refusal):
    world.convene(lookback_days=lookback)
    decision = ask(world.operator, world.camera, "playback", "criminal_investigation", age=age,
                   prosecutor_reference=REF)  # fmt: skip
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))
    if refusal:
        assert decision.convention_reference and decision.convention_version_number == 1


def test_lookback_does_not_limit_the_owner(world):
    world.convene(lookback_days=1)
    assert ask(person(world.provider, "operator"), world.camera, "playback", age=20 * DAY).allowed


# -- windows of recorded footage --------------------------------------------------------------------------------

WINDOW_TABLE = [
    ("playback-no-window", "playback", None, None, "window_required"),
    ("export-no-window", "export", None, None, "window_required"),
    ("playback-start-only", "playback", -DAY, None, "window_required"),
    ("playback-end-only", "playback", None, -DAY, "window_required"),
    ("end-before-start", "playback", -DAY, -2 * DAY, "invalid_window"),
    ("end-equals-start", "export", -DAY, -DAY, "invalid_window"),
    ("end-in-the-future", "playback", -DAY, timedelta(hours=1), "invalid_window"),
    ("end-past-the-clock-skew", "export", -DAY, timedelta(minutes=1) + SECOND, "invalid_window"),
    ("whole-window-in-the-future", "playback", DAY, 2 * DAY, "invalid_window"),
    ("end-within-the-clock-skew", "playback", -DAY, timedelta(minutes=1), None),
    ("end-now", "export", -DAY, timedelta(0), None),
    ("live-needs-no-window", "live", None, None, None),
    ("ptz-needs-no-window", "ptz", None, None, None),
]


@pytest.mark.parametrize("whose", ["own", "shared"])
@pytest.mark.parametrize(
    ("mode", "start", "end", "refusal"), [row[1:] for row in WINDOW_TABLE], ids=[r[0] for r in WINDOW_TABLE]
)
def test_windows(world, whose, mode, start, end, refusal):
    if whose == "own":
        actor, reason = person(world.provider, "chief"), "own_camera"
    else:
        world.convene(modes=["live", "playback", "export", "ptz"])
        actor, reason = world.operator, "convention"
    decision = ask(
        actor, world.camera, mode,
        window_start=None if start is None else AT + start, window_end=None if end is None else AT + end,
    )  # fmt: skip
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", reason))
