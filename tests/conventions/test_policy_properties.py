"""Properties of the access decision, checked with hypothesis over generated conventions and requests.

(a) A convention for another consumer, or over other cameras of the same provider, never turns a denial into an
    allowance (nor an allowance into a denial).
(b) The decision is deterministic: the same inputs give the same decision, from the cache or freshly compiled.
(c) A more restrictive convention never allows more.

The parties and cameras are made once per test; each example makes its conventions inside a savepoint that is
rolled back. The policy cache is emptied at the start of each example, so that a failing example fails on its
own (the cache across rollbacks has its own test:
policy_rules/test_cache.py::test_a_rolled_back_change_never_leaks_into_decisions).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conventions import policy, services
from conventions.models import DeclaredIncident, Mode, Purpose
from conventions.policy import evaluate
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 11:00 in Brussels
DAY = timedelta(days=1)
INSTANTS = [AT, datetime(2026, 3, 7, 10, 0, tzinfo=UTC), datetime(2026, 3, 4, 19, 0, tzinfo=UTC), AT + 30 * DAY]
WORKING_HOURS = [{"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}]
AGES = [None, timedelta(hours=2), 7 * DAY, 30 * DAY, 30 * DAY + timedelta(seconds=1), 31 * DAY, 90 * DAY,
        91 * DAY, 200 * DAY, 365 * DAY, 366 * DAY]  # fmt: skip
VALID_FROM = [-400 * DAY, -DAY, timedelta(0), DAY]
VALID_UNTIL = [timedelta(hours=1), 10 * DAY, 40 * DAY, None]
ROLES = ["operator", "chief", "dpo"]
CAMERA_KINDS = ["fixed", "ptz", "anpr", "fixed"]  # the kinds of Base.cameras, in order

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def person(organisation, role):
    return actor_for(MembershipFactory(organisation=organisation, role=role).user, organisation.pk)


@dataclass
class Base:
    provider: object
    provider_chief: object
    cameras: list
    consumers: dict  # name -> (organisation, {role: actor})


@pytest.fixture
def base(db):
    provider = OrganisationFactory()
    cameras = [
        CameraFactory(owner=provider, kind=CAMERA_KINDS[0]),
        CameraFactory(owner=provider, kind=CAMERA_KINDS[1]),
        CameraFactory(owner=provider, kind=CAMERA_KINDS[2], legal_regime="camera_law"),
        CameraFactory(owner=provider, kind=CAMERA_KINDS[3], legal_regime="camera_law", special_risk_place=True),
    ]
    consumers = {}
    for name in ("a", "b", "stranger"):
        organisation = OrganisationFactory()
        consumers[name] = (organisation, {role: person(organisation, role) for role in ROLES})
    provider_chief = person(provider, "chief")
    # An incident of the provider counts for every convention of the provider.
    DeclaredIncident.objects.create(
        organisation=provider, title="Summit", declared_by=provider_chief.user, started_at=AT - DAY,
        ended_at=AT + timedelta(hours=2),
    )  # fmt: skip
    return Base(provider, provider_chief, cameras, consumers)


@dataclass(frozen=True)
class Spec:
    purposes: tuple
    modes: tuple
    lookback: int
    cameras: tuple  # indices into Base.cameras; empty: all the provider's cameras
    kinds: tuple
    time_condition: str
    emergency: bool
    valid_from: timedelta
    valid_until: timedelta | None
    state: str  # signed, suspended, provider_signed


def nonempty_subset(values):
    return st.lists(st.sampled_from(sorted(values)), min_size=1, unique=True).map(lambda v: tuple(sorted(v)))


def subset(values):
    return st.lists(st.sampled_from(sorted(values)), unique=True).map(lambda v: tuple(sorted(v)))


@st.composite
def specs(draw, cameras=None, states=("signed", "signed", "signed", "suspended", "provider_signed")):
    valid_from = draw(st.sampled_from(VALID_FROM))
    valid_until = draw(st.sampled_from([u for u in VALID_UNTIL if u is None or u > valid_from]))
    return Spec(
        purposes=draw(nonempty_subset(Purpose.values)),
        modes=draw(nonempty_subset(Mode.values)),
        lookback=draw(st.sampled_from([0, 7, 30, 90, 365, 400])),
        cameras=draw(subset(range(4)) if cameras is None else cameras),
        kinds=draw(st.one_of(st.just(()), nonempty_subset(["fixed", "ptz", "anpr", "mobile"]))),
        time_condition=draw(st.sampled_from(["always", "always", "schedule", "incident"])),
        emergency=draw(st.booleans()),
        valid_from=valid_from,
        valid_until=valid_until,
        state=draw(st.sampled_from(states)),
    )


def _later_or_equal(until, other):
    """until <= other, None meaning never."""
    return other is None or (until is not None and until <= other)


@st.composite
def narrower(draw, broad):
    """A convention that allows at most what `broad` allows."""
    valid_from = draw(
        st.sampled_from(
            [f for f in VALID_FROM if f >= broad.valid_from and (broad.valid_until is None or f < broad.valid_until)]
        )
    )
    untils = [u for u in VALID_UNTIL if (u is None or u > valid_from) and _later_or_equal(u, broad.valid_until)]
    return Spec(
        purposes=draw(nonempty_subset(broad.purposes)),
        modes=draw(nonempty_subset(broad.modes)),
        lookback=draw(st.integers(0, broad.lookback)),
        cameras=draw(nonempty_subset(broad.cameras) if broad.cameras else subset(range(4))),
        kinds=draw(
            nonempty_subset(broad.kinds)
            if broad.kinds
            else st.one_of(st.just(()), nonempty_subset(["fixed", "ptz", "anpr", "mobile"]))
        ),
        time_condition=draw(
            st.sampled_from(["always", "schedule", "incident"])
            if broad.time_condition == "always"
            else st.just(broad.time_condition)
        ),
        emergency=broad.emergency and draw(st.booleans()),
        valid_from=valid_from,
        valid_until=draw(st.sampled_from(untils)),
        state="signed" if broad.state == "signed" else broad.state,
    )


@dataclass(frozen=True)
class Request:
    camera: int
    mode: str
    purpose: str
    age: timedelta | None
    prosecutor_reference: str
    break_glass: bool
    at: datetime
    role: str


requests = st.builds(
    Request,
    camera=st.integers(0, 3),
    mode=st.sampled_from(Mode.values),
    purpose=st.sampled_from(Purpose.values),
    age=st.sampled_from(AGES),
    prosecutor_reference=st.sampled_from(["", "BR.12.34.5678/26"]),
    break_glass=st.booleans(),
    at=st.sampled_from(INSTANTS),
    role=st.sampled_from(["operator", "operator", "chief", "dpo"]),
)


@st.composite
def aligned_requests(draw, spec):
    """A request that the convention is meant to answer: its cameras, modes and purposes, recent footage, now."""
    mode = draw(st.sampled_from(spec.modes))
    cameras = [i for i in spec.cameras or range(4) if not spec.kinds or CAMERA_KINDS[i] in spec.kinds]
    ages = [age for age in (timedelta(hours=2), 7 * DAY) if age <= spec.lookback * DAY] or [timedelta(hours=2)]
    return Request(
        camera=draw(st.sampled_from(cameras or range(4))),
        mode=mode,
        purpose=draw(st.sampled_from(spec.purposes)),
        age=draw(st.sampled_from(ages)) if mode in {"playback", "export"} else None,
        prosecutor_reference=draw(st.sampled_from(["", "BR.12.34.5678/26"])),
        break_glass=spec.emergency and draw(st.booleans()),
        at=AT,
        role=draw(st.sampled_from(["operator", "chief"])),
    )


def requests_for(spec):
    """Mostly requests aligned with the convention (so that allowances are common), sometimes anything."""
    if spec is None:
        return requests
    return st.one_of(aligned_requests(spec), aligned_requests(spec), aligned_requests(spec), requests)


def convene(base, consumer_name, spec):
    consumer, actors = base.consumers[consumer_name]
    convention = services.convention_create(
        actor=base.provider_chief,
        consumer=consumer,
        title="Property",
        cameras=[base.cameras[i] for i in spec.cameras],
        purposes=list(spec.purposes),
        modes=list(spec.modes),
        lookback_days=spec.lookback,
        kinds=list(spec.kinds),
        time_condition=spec.time_condition,
        schedule=WORKING_HOURS if spec.time_condition == "schedule" else [],
        emergency_allowed=spec.emergency,
        legal_basis="Police Function Act art. 25/4.",
        valid_from=AT + spec.valid_from,
        valid_until=None if spec.valid_until is None else AT + spec.valid_until,
    )
    version = convention.versions.get()
    services.version_propose(actor=base.provider_chief, version=version)
    services.version_sign(actor=base.provider_chief, version=version, recent_second_factor=True)
    if spec.state == "provider_signed":
        return convention
    consumer_chief = actors["chief"]
    services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    if spec.state == "suspended":
        services.convention_suspend(actor=base.provider_chief, convention=convention, reason="Property check")
    return convention


def ask(base, consumer_name, request):
    actor = base.consumers[consumer_name][1][request.role]
    window = {}
    if request.age is not None:
        start = request.at - request.age
        window = {"window_start": start, "window_end": start + timedelta(hours=1)}
    return evaluate(
        actor=actor, camera=base.cameras[request.camera], mode=request.mode, purpose=request.purpose,
        prosecutor_reference=request.prosecutor_reference, break_glass=request.break_glass, at=request.at, **window,
    )  # fmt: skip


class _Rollback(Exception):
    pass


def in_savepoint(check):
    """Run check() inside a savepoint that is always rolled back, with an empty policy cache."""
    policy._cache.clear()
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass
    finally:
        policy._cache.clear()


@PROPERTY_SETTINGS
@given(
    original=st.one_of(st.none(), specs(), specs(), specs()),
    extra_kind=st.sampled_from(["other_consumer", "other_cameras"]),
    data=st.data(),
)
def test_a_convention_for_someone_else_or_other_cameras_changes_nothing(base, original, extra_kind, data):
    request = data.draw(requests_for(original), label="request")
    if extra_kind == "other_consumer":
        extra = data.draw(specs(states=("signed",)), label="extra")
    else:
        others = [i for i in range(4) if i != request.camera]
        extra = data.draw(specs(cameras=nonempty_subset(others), states=("signed",)), label="extra")

    def check():
        if original is not None:
            convene(base, "a", original)
        before = ask(base, "a", request)
        convene(base, "stranger" if extra_kind == "other_consumer" else "a", extra)
        after = ask(base, "a", request)
        event(f"before: {before.reason} {request.role}")
        assert after.allowed == before.allowed, (before, after)
        if before.allowed:
            assert after == before

    in_savepoint(check)


@PROPERTY_SETTINGS
@given(conventions=st.lists(specs(), max_size=3), data=st.data())
def test_decisions_are_deterministic(base, conventions, data):
    asked = data.draw(st.lists(requests_for(conventions[0] if conventions else None), min_size=1, max_size=6))

    def check():
        for index, spec in enumerate(conventions):
            convene(base, "a" if index % 2 == 0 else "b", spec)
        for request in asked:
            first = ask(base, "a", request)
            second = ask(base, "a", request)
            policy._cache.clear()
            fresh = ask(base, "a", request)
            assert first == second == fresh
            event(f"decision: {first.reason}")
            assert bool(first) is first.allowed
            assert first.allowed == (first.reason in {"own_camera", "convention", "break_glass"})

    in_savepoint(check)


@PROPERTY_SETTINGS
@given(broad=specs(states=("signed",)), data=st.data())
def test_a_more_restrictive_convention_never_allows_more(base, broad, data):
    narrow = data.draw(narrower(broad), label="narrow")
    asked = data.draw(st.lists(requests_for(narrow), min_size=4, max_size=10), label="requests")

    def check():
        convene(base, "a", broad)
        convene(base, "b", narrow)
        for request in asked:
            wide, tight = ask(base, "a", request), ask(base, "b", request)
            event(f"narrow {'allowed' if tight.allowed else 'denied'}, broad {'allowed' if wide.allowed else 'denied'}")
            assert wide.allowed or not tight.allowed, (request, wide, tight)

    in_savepoint(check)
