"""Every rule and boundary of the access decision (conventions.policy, DESIGN.md §3), table by table.

Each decision is taken at an explicit instant (`at=`) in UTC, so that day boundaries, validity instants and the
Brussels schedule are exact. Conventions are made the way people make them (services: draft, propose, sign).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction

from audit.models import AccessLogEntry
from cameras.importing import import_cameras
from cameras.models import Camera
from cameras.services import camera_create, group_set_cameras
from conventions import policy, services
from conventions.models import Convention, DeclaredIncident, PolicyGeneration
from conventions.policy import decide, evaluate
from tests.factories import (
    CameraFactory,
    CameraGroupFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
)
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Brussels (CET)
LONG_AGO = AT - timedelta(days=400)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
REF = "BR.12.34.5678/26"


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Every test starts from an empty cache of compiled conventions, so that no test depends on what an
    earlier one compiled."""
    policy._cache.clear()
    yield
    policy._cache.clear()


def person(organisation, role):
    return actor_for(MembershipFactory(organisation=organisation, role=role).user, organisation.pk)


@dataclass
class World:
    provider: object
    consumer: object
    provider_chief: object
    consumer_chief: object
    operator: object  # the consumer's operator
    camera: object  # a police camera of the provider
    make: object

    def convene(self, sign="both", **fields):
        fields.setdefault("valid_from", LONG_AGO)
        return self.make(self.provider_chief, self.consumer, sign=sign, consumer_chief=self.consumer_chief, **fields)

    def amend(self, convention, sign="both", **fields):
        version = services.version_amend(actor=self.provider_chief, convention=convention)
        services.version_update(actor=self.provider_chief, version=version, **fields)
        if sign == "draft":
            return version
        services.version_propose(actor=self.provider_chief, version=version)
        if sign in {"provider", "both"}:
            services.version_sign(actor=self.provider_chief, version=version, recent_second_factor=True)
        if sign == "both":
            services.version_sign(actor=self.consumer_chief, version=version, recent_second_factor=True)
        return version


@pytest.fixture
def world(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    return World(
        provider=provider,
        consumer=consumer,
        provider_chief=provider_chief,
        consumer_chief=consumer_chief,
        operator=person(consumer, "operator"),
        camera=CameraFactory(owner=provider),
        make=make_convention,
    )


def ask(actor, camera, mode="live", purpose="public_order", *, at=AT, age=None, **kwargs):
    """evaluate() at `at`; `age` asks for one hour of recorded footage starting that long before `at`."""
    if age is not None:
        start = at - age
        kwargs.setdefault("window_start", start)
        kwargs.setdefault("window_end", min(start + timedelta(hours=1), at))
    return evaluate(actor=actor, camera=camera, mode=mode, purpose=purpose, at=at, **kwargs)


def outcome(decision):
    return ("allowed" if decision.allowed else "denied", decision.reason)


# -- own cameras: by role --------------------------------------------------------------------------------------

OWN_ROLE_TABLE = [
    *[(role, mode, True) for role in ("chief", "operator") for mode in ("live", "playback", "export", "ptz")],
    ("approver", "playback", True),
    ("approver", "live", False),
    ("approver", "export", False),
    ("approver", "ptz", False),
    *[
        (role, mode, False)
        for role in ("dpo", "mayor", "platform_admin", "supervisor")
        for mode in ("live", "playback", "export", "ptz")
    ],
]


@pytest.mark.parametrize(
    ("role", "mode", "allowed"),
    OWN_ROLE_TABLE,
    ids=[f"{role}-{mode}-{'allowed' if ok else 'refused'}" for role, mode, ok in OWN_ROLE_TABLE],
)
def test_own_cameras_by_role(db, role, mode, allowed):
    organisation = OrganisationFactory()
    camera = CameraFactory(owner=organisation)
    decision = ask(person(organisation, role), camera, mode, age=DAY)
    assert outcome(decision) == (("allowed", "own_camera") if allowed else ("denied", "no_role"))
    assert decision.convention_version_id is None


def test_own_cameras_need_no_convention_and_ignore_break_glass(world):
    operator = person(world.provider, "operator")
    assert outcome(ask(operator, world.camera, break_glass=True)) == ("allowed", "own_camera")


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


# -- validity instants -----------------------------------------------------------------------------------------

START = AT - 10 * DAY
END = AT + 10 * DAY
VALIDITY_TABLE = [
    ("one-second-before-valid-from", START - SECOND, "outside_validity"),
    ("at-valid-from", START, None),
    ("one-second-after-valid-from", START + SECOND, None),
    ("one-second-before-valid-until", END - SECOND, None),
    ("at-valid-until", END, "outside_validity"),
    ("after-valid-until", END + DAY, "outside_validity"),
]


@pytest.mark.parametrize(("at", "refusal"), [row[1:] for row in VALIDITY_TABLE], ids=[r[0] for r in VALIDITY_TABLE])
def test_validity_instants(world, at, refusal):
    convention = world.convene(valid_from=START, valid_until=END)
    decision = ask(world.operator, world.camera, at=at)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))
    assert decision.convention_reference == convention.reference


def test_microseconds_of_the_validity_are_dropped_at_drafting(world):
    world.convene(valid_from=START + timedelta(microseconds=999_999))
    assert ask(world.operator, world.camera, at=START).allowed


# -- convention states and parties -----------------------------------------------------------------------------


def test_suspended_then_resumed(world):
    convention = world.convene()
    assert outcome(ask(world.operator, world.camera)) == ("allowed", "convention")
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    decision = ask(world.operator, world.camera)
    assert outcome(decision) == ("denied", "convention_suspended")
    assert decision.convention_reference == convention.reference
    services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
    assert outcome(ask(world.operator, world.camera)) == ("allowed", "convention")


@pytest.mark.parametrize("by", ["provider", "consumer"])
def test_terminated_is_no_convention(world, by):
    convention = world.convene()
    chief = world.provider_chief if by == "provider" else world.consumer_chief
    services.convention_terminate(actor=chief, convention=convention, reason="No longer needed")
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_terminated_while_suspended_is_no_convention(world):
    convention = world.convene()
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    services.convention_terminate(actor=world.consumer_chief, convention=convention, reason="Ended for good")
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


@pytest.mark.parametrize("sign", ["draft", "none", "provider"], ids=["draft", "proposed", "provider-signed"])
def test_not_fully_signed_is_no_convention(world, sign):
    world.convene(sign=sign)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_another_consumers_convention_is_no_convention(world, make_convention):
    other = OrganisationFactory()
    make_convention(world.provider_chief, other, valid_from=LONG_AGO)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")
    assert ask(person(other, "operator"), world.camera).allowed


def test_a_convention_with_another_provider_does_not_cover_this_providers_cameras(world, make_convention):
    other_provider = OrganisationFactory()
    make_convention(person(other_provider, "chief"), world.consumer, valid_from=LONG_AGO)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_direction_matters_the_provider_gets_nothing_from_the_consumer(world):
    world.convene()
    consumer_camera = CameraFactory(owner=world.consumer)
    assert outcome(ask(person(world.provider, "operator"), consumer_camera)) == ("denied", "no_convention")


# -- consumer roles --------------------------------------------------------------------------------------------

CONSUMER_ROLES = [
    ("chief", True),
    ("operator", True),
    ("approver", False),
    ("dpo", False),
    ("mayor", False),
    ("platform_admin", False),
    ("supervisor", False),
]


@pytest.mark.parametrize(("role", "allowed"), CONSUMER_ROLES, ids=[role for role, _ in CONSUMER_ROLES])
@pytest.mark.parametrize("mode", ["live", "playback"])
def test_consumer_roles_on_shared_cameras(world, role, allowed, mode):
    world.convene()
    decision = ask(person(world.consumer, role), world.camera, mode, age=DAY)
    assert outcome(decision) == (("allowed", "convention") if allowed else ("denied", "no_role"))


# -- scope -----------------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    """Three provider cameras: a (fixed, m1, g1), b (ptz, m2, g2), c (anpr, nowhere); d: another owner's in m1."""
    m1, m2 = MunicipalityFactory(zone=world.provider), MunicipalityFactory(zone=world.provider)
    g1, g2 = CameraGroupFactory(owner=world.provider), CameraGroupFactory(owner=world.provider)
    a = CameraFactory(owner=world.provider, kind="fixed", municipality=m1)
    b = CameraFactory(owner=world.provider, kind="ptz", municipality=m2)
    c = CameraFactory(owner=world.provider, kind="anpr")
    a.groups.add(g1)
    b.groups.add(g2)
    d = CameraFactory(owner=OrganisationFactory(), kind="fixed", municipality=m1)
    return {"a": a, "b": b, "c": c, "d": d, "m1": m1, "m2": m2, "g1": g1, "g2": g2}


SCOPE_TABLE = [
    ("explicit-camera", {"cameras": ["a"]}, {"a"}),
    ("explicit-cameras", {"cameras": ["a", "c"]}, {"a", "c"}),
    ("group", {"groups": ["g1"]}, {"a"}),
    ("municipality", {"municipalities": ["m2"]}, {"b"}),
    ("kinds-narrow-everything", {"kinds": ["ptz", "anpr"]}, {"b", "c"}),
    ("groups-narrowed-by-kind", {"groups": ["g1", "g2"], "kinds": ["fixed"]}, {"a"}),
    ("municipality-narrowed-to-nothing", {"municipalities": ["m1"], "kinds": ["anpr"]}, set()),
    ("union-of-camera-and-municipality", {"cameras": ["c"], "municipalities": ["m2"]}, {"b", "c"}),
    ("union-of-group-and-municipality", {"groups": ["g1"], "municipalities": ["m2"]}, {"a", "b"}),
    ("nothing-named-is-everything", {}, {"a", "b", "c"}),
]


@pytest.mark.parametrize(("scope", "covered"), [row[1:] for row in SCOPE_TABLE], ids=[r[0] for r in SCOPE_TABLE])
def test_scope(world, catalogue, scope, covered):
    fields = {name: [catalogue[key] for key in keys] for name, keys in scope.items() if name != "kinds"}
    if "kinds" in scope:
        fields["kinds"] = scope["kinds"]
    world.convene(**fields)
    for key in ("a", "b", "c"):
        expected = ("allowed", "convention") if key in covered else ("denied", "camera_out_of_scope")
        assert outcome(ask(world.operator, catalogue[key])) == expected, key
    # Another owner's camera in a shared municipality is never shared by this provider's convention.
    assert outcome(ask(world.operator, catalogue["d"])) == ("denied", "no_convention")


def test_camera_added_to_a_shared_group_after_signing_is_covered_on_the_next_decision(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    late = CameraFactory(owner=world.provider)
    assert outcome(ask(world.operator, late)) == ("denied", "camera_out_of_scope")
    late.groups.add(catalogue["g1"])
    assert outcome(ask(world.operator, late)) == ("allowed", "convention")
    late.groups.remove(catalogue["g1"])
    assert outcome(ask(world.operator, late)) == ("denied", "camera_out_of_scope")


def test_camera_put_into_a_shared_group_by_the_services_is_covered(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    created = camera_create(
        actor=world.provider_chief, group=catalogue["g1"], name="Late arrival", latitude="50.85", longitude="4.35"
    )
    assert outcome(ask(world.operator, created)) == ("allowed", "convention")
    later = CameraFactory(owner=world.provider)
    assert outcome(ask(world.operator, later)) == ("denied", "camera_out_of_scope")
    group_set_cameras(actor=world.provider_chief, group=catalogue["g1"], cameras=[catalogue["a"], later])
    assert outcome(ask(world.operator, later)) == ("allowed", "convention")
    assert outcome(ask(world.operator, created)) == ("denied", "camera_out_of_scope")


def test_imported_cameras_in_a_shared_group_are_covered(world, catalogue):
    world.convene(groups=[catalogue["g1"]])
    assert outcome(ask(world.operator, catalogue["a"])) == ("allowed", "convention")  # compiled before the import
    code, shared, other = world.provider.code, catalogue["g1"].name, "Not shared"
    raw = (
        "owner,name,latitude,longitude,groups\n"
        f"{code},Imported shared,50.8500,4.3500,{shared}\n"
        f"{code},Imported elsewhere,50.8510,4.3510,{other}\n"
    ).encode()
    report = import_cameras(actor=world.provider_chief, filename="cameras.csv", raw=raw)
    assert report.ok and report.created == 2, report.issues
    imported = Camera.objects.get(owner=world.provider, name="Imported shared")
    elsewhere = Camera.objects.get(owner=world.provider, name="Imported elsewhere")
    assert outcome(ask(world.operator, imported)) == ("allowed", "convention")
    assert outcome(ask(world.operator, elsewhere)) == ("denied", "camera_out_of_scope")


def test_new_camera_in_a_shared_municipality_and_a_kind_change_take_effect_at_once(world, catalogue):
    world.convene(municipalities=[catalogue["m1"]], kinds=["fixed"])
    new = CameraFactory(owner=world.provider, municipality=catalogue["m1"], kind="fixed")
    assert outcome(ask(world.operator, new)) == ("allowed", "convention")
    new.kind = "ptz"
    new.save(update_fields=["kind"])
    assert outcome(ask(world.operator, new)) == ("denied", "camera_out_of_scope")
    new.municipality = catalogue["m2"]
    new.kind = "fixed"
    new.save()
    assert outcome(ask(world.operator, new)) == ("denied", "camera_out_of_scope")


def test_camera_given_to_another_owner_leaves_the_scope(world):
    world.convene()
    assert ask(world.operator, world.camera).allowed
    world.camera.owner = OrganisationFactory()
    world.camera.save(update_fields=["owner"])
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


# -- modes, purposes, unknown values ----------------------------------------------------------------------------

MODE_PURPOSE_TABLE = [
    ("live-public-order", "live", "public_order", None),
    ("ptz-not-allowed", "ptz", "public_order", "mode_not_allowed"),
    ("playback-not-allowed", "playback", "public_order", "mode_not_allowed"),
    ("export-not-allowed", "export", "public_order", "mode_not_allowed"),
    ("traffic-not-allowed", "live", "traffic_management", "purpose_not_allowed"),
    ("missing-person-not-allowed", "live", "missing_person", "purpose_not_allowed"),
    ("unknown-purpose", "live", "curiosity", "unknown_purpose"),
    ("empty-purpose", "live", "", "unknown_purpose"),
    ("unknown-mode", "download", "public_order", "unknown_mode"),
    ("unknown-mode-and-purpose", "download", "curiosity", "unknown_purpose"),
    ("mode-before-purpose", "ptz", "traffic_management", "mode_not_allowed"),
]


@pytest.mark.parametrize(
    ("mode", "purpose", "refusal"), [row[1:] for row in MODE_PURPOSE_TABLE], ids=[r[0] for r in MODE_PURPOSE_TABLE]
)
def test_modes_and_purposes(world, mode, purpose, refusal):
    world.convene(modes=["live"], purposes=["public_order"])
    decision = ask(world.operator, world.camera, mode, purpose, age=DAY)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))


@pytest.mark.parametrize(("mode", "purpose"), [("download", "public_order"), ("live", "curiosity")])
def test_unknown_values_are_refused_on_own_cameras_too(world, mode, purpose):
    decision = ask(person(world.provider, "chief"), world.camera, mode, purpose)
    assert not decision.allowed and decision.reason in {"unknown_mode", "unknown_purpose"}


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


# -- time conditions: schedule (Brussels local time) ------------------------------------------------------------

WORKING_HOURS = [{"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


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


# -- amendments ------------------------------------------------------------------------------------------------


def test_amendment_applies_from_its_own_start_and_the_previous_version_stays_in_force(world):
    convention = world.convene(purposes=["public_order"])
    pending = world.amend(convention, sign="provider", purposes=["public_order", "traffic_management"],
                          valid_from=AT + DAY)  # fmt: skip
    # Not fully signed yet: version 1 applies, even after the amendment's start.
    for at in (AT, AT + 2 * DAY):
        decision = ask(world.operator, world.camera, purpose="traffic_management", at=at)
        assert outcome(decision) == ("denied", "purpose_not_allowed")
        assert decision.convention_version_number == 1
    services.version_sign(actor=world.consumer_chief, version=pending, recent_second_factor=True)
    before = ask(world.operator, world.camera, purpose="traffic_management", at=AT + DAY - SECOND)
    assert outcome(before) == ("denied", "purpose_not_allowed") and before.convention_version_number == 1
    assert ask(world.operator, world.camera, at=AT + DAY - SECOND).convention_version_number == 1
    after = ask(world.operator, world.camera, purpose="traffic_management", at=AT + DAY)
    assert outcome(after) == ("allowed", "convention") and after.convention_version_number == 2
    assert after.convention_version_id == pending.pk


def test_amendment_narrowing_the_scope_removes_access_from_its_start(world):
    other = CameraFactory(owner=world.provider)
    convention = world.convene()
    world.amend(convention, cameras=[other], valid_from=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).allowed
    decision = ask(world.operator, world.camera, at=AT)
    assert outcome(decision) == ("denied", "camera_out_of_scope") and decision.convention_version_number == 2
    assert ask(world.operator, other, at=AT).allowed


def test_expired_version_is_outside_validity_and_an_amendment_after_a_gap(world):
    convention = world.convene(valid_until=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).allowed
    decision = ask(world.operator, world.camera, at=AT)
    assert outcome(decision) == ("denied", "outside_validity") and decision.convention_version_number == 1
    world.amend(convention, valid_from=AT + DAY, valid_until=None)
    gap = ask(world.operator, world.camera, at=AT + SECOND)
    assert outcome(gap) == ("denied", "outside_validity")
    assert outcome(ask(world.operator, world.camera, at=AT + DAY)) == ("allowed", "convention")


def test_an_amendment_that_ended_does_not_revive_its_predecessor(world):
    convention = world.convene()  # open-ended
    world.amend(convention, valid_from=AT - DAY, valid_until=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).convention_version_number == 2
    assert outcome(ask(world.operator, world.camera, at=AT)) == ("denied", "outside_validity")


# -- several conventions between the same parties: the first allowance wins, else the deepest refusal ---------


def test_two_conventions_any_allowance_wins(world, catalogue):
    world.convene(cameras=[catalogue["a"]], modes=["live"])
    world.convene(cameras=[catalogue["b"]], modes=["live", "playback"])
    assert ask(world.operator, catalogue["a"]).allowed
    assert ask(world.operator, catalogue["b"], "playback", age=DAY).allowed
    # a is in the first convention's scope, but only live: the deeper refusal (mode) is reported.
    assert outcome(ask(world.operator, catalogue["a"], "playback", age=DAY)) == ("denied", "mode_not_allowed")
    assert outcome(ask(world.operator, catalogue["c"])) == ("denied", "camera_out_of_scope")


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


@pytest.fixture
def access_log_refuses_inserts(db):
    """The database itself refuses new access-log rows (a trigger, undone with the test's transaction)."""
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_access_log BEFORE INSERT ON " + table +
                " BEGIN SELECT RAISE(ABORT, 'access log offline'); END"
            )  # fmt: skip
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_access_log() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'access log offline'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_access_log BEFORE INSERT ON " + table +
                " FOR EACH ROW EXECUTE FUNCTION refuse_access_log()"
            )  # fmt: skip
        else:
            pytest.fail(f"no refusing trigger written for {connection.vendor}")


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


# -- the compiled-conventions cache ----------------------------------------------------------------------------


def test_changes_in_the_same_process_take_effect_on_the_next_decision(world, catalogue):
    convention = world.convene(modes=["live"])
    for _ in range(3):
        assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "convention_suspended")
    services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
    assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    services.convention_terminate(actor=world.consumer_chief, convention=convention, reason="Ended for good")
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "no_convention")


def test_camera_snapshots_leave_the_cache_alone(world):
    world.convene()
    assert ask(world.operator, world.camera).allowed
    generation = policy.policy_generation()
    world.camera.status = "online"
    world.camera.save(update_fields=["status"])
    assert policy.policy_generation() == generation
    assert ask(world.operator, world.camera).allowed


@pytest.mark.django_db(transaction=True)
def test_a_change_made_through_another_connection_takes_effect_once_the_generation_moves(world):
    """Another process suspends the convention with plain SQL and only moves the policy generation: this
    process's compiled conventions must not be reused."""
    convention = world.convene()
    assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    stale = policy._cache["compiled"].generation
    current = PolicyGeneration.objects.get(name="policy").value
    moved = current + 1 if isinstance(current, int) else uuid.uuid4().hex
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE conventions_convention SET suspended_at = %s, suspended_reason = %s WHERE id = %s",
                [other.ops.adapt_datetimefield_value(AT), "Suspended elsewhere", convention.pk],
            )
            cursor.execute("UPDATE conventions_policygeneration SET value = %s WHERE name = 'policy'", [moved])
        if not other.get_autocommit():
            other.commit()
    finally:
        other.close()
    assert PolicyGeneration.objects.get(name="policy").value == moved != stale
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "convention_suspended")


def test_a_rolled_back_change_never_leaks_into_decisions(world):
    """A decision taken inside a transaction that is then rolled back compiles the conventions as that
    transaction saw them, at a generation number the rollback gives back. The next committed change reaches the
    same number again, and the compiled conventions of the rolled-back transaction must not be reused."""
    convention = world.convene()
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    assert ask(world.operator, world.camera).reason == "convention_suspended"

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
        assert ask(world.operator, world.camera).allowed  # as seen inside the abandoned transaction
        raise Abandon
    convention.refresh_from_db()
    assert convention.suspended_at is not None
    # An unrelated change (an incident elsewhere) moves the generation again.
    DeclaredIncident.objects.create(organisation=OrganisationFactory(), title="Elsewhere",
                                    declared_by=world.provider_chief.user)  # fmt: skip
    assert outcome(ask(world.operator, world.camera)) == ("denied", "convention_suspended")
