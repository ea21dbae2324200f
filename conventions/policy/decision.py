"""The access decision: the single checkpoint every access to footage passes (DESIGN.md §3).

`decide()` answers whether a person, acting for an organisation, may use a camera in a mode, for a purpose, over
a window of recorded footage; it logs every decision, allowed or denied, through audit.access in the same
transaction, and refuses when the log cannot be written. `evaluate()` is the same decision without the log, for
previews ("what would be allowed?"). The legal rules it applies are in conventions.policy.legal; the contractual
ones (a convention's scope, modes, purposes, validity, schedule, incidents, break-glass) are here.

Conventions are compiled once per policy generation (a token the database replaces on every change that can
alter a decision, whatever made it: conventions.staleness), so a decision costs one small query plus set lookups,
and a suspension takes effect on the very next decision, in every process. A compiled policy is also rebuilt
after PORTAL_POLICY_MAX_AGE_SECONDS as a last resort (a restored backup can bring back an old token).
"""

import json
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from cameras.models import Camera
from conventions.models import (
    ConventionVersion,
    DeclaredIncident,
    Mode,
    PolicyGeneration,
    Purpose,
    TimeCondition,
)
from conventions.policy.legal import regime_check
from conventions.policy.reasons import AccessDecision, Reason
from conventions.scope import in_force, scope_named, scope_q_of
from zones.models import Role

__all__ = [
    "OWN_CAMERA_MODES",
    "SHARED_CAMERA_ROLES",
    "cameras_shared_with",
    "decide",
    "evaluate",
    "policy_generation",
    "shared_camera_ids",
    "shared_cameras_q",
]

BRUSSELS = ZoneInfo("Europe/Brussels")
RECORDED_MODES = {Mode.PLAYBACK, Mode.EXPORT}
# What each role may do with its own organisation's cameras. DPOs, mayors, administrators and supervisors see
# no footage at all: they read logs and reports.
OWN_CAMERA_MODES = {
    Role.CHIEF: {Mode.LIVE, Mode.PLAYBACK, Mode.EXPORT, Mode.PTZ},
    Role.OPERATOR: {Mode.LIVE, Mode.PLAYBACK, Mode.EXPORT, Mode.PTZ},
    Role.APPROVER: {Mode.PLAYBACK},
}
SHARED_CAMERA_ROLES = {Role.CHIEF, Role.OPERATOR}
CLOCK_SKEW = timedelta(minutes=1)


# How far a request got before a convention refused it: the deepest refusal is the one reported.
_DEPTH = {
    Reason.NO_CONVENTION: 0,
    Reason.CONVENTION_SUSPENDED: 1,
    Reason.OUTSIDE_VALIDITY: 2,
    Reason.CAMERA_OUT_OF_SCOPE: 3,
    Reason.MODE_NOT_ALLOWED: 4,
    Reason.PURPOSE_NOT_ALLOWED: 5,
    Reason.LOOKBACK_EXCEEDED: 6,
    Reason.BREAK_GLASS_NOT_ALLOWED: 7,
    Reason.OUTSIDE_SCHEDULE: 8,
    Reason.NO_DECLARED_INCIDENT: 8,
}


def _deny(reason, compiled=None):
    if compiled is None:
        return AccessDecision(False, reason)
    return AccessDecision(False, reason, compiled.version_id, compiled.reference, compiled.number)


# -- compiled conventions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledVersion:
    version_id: int
    convention_id: int
    reference: str
    number: int
    provider_id: int
    consumer_id: int
    suspended: bool
    valid_from: datetime
    valid_until: datetime | None
    camera_ids: frozenset
    scope_named: frozenset
    kinds: tuple
    purposes: frozenset
    modes: frozenset
    lookback_days: int
    time_condition: str
    schedule: tuple
    conditions: dict
    emergency_allowed: bool
    emergency_max_hours: int
    emergency_review_hours: int


@dataclass
class _Compiled:
    generation: str
    built_at: float  # time.monotonic()
    by_consumer: dict  # consumer id -> provider id -> convention id -> [compiled versions]
    incidents: list  # (organisation id, started_at, ended_at)


_cache = {}
_lock = threading.Lock()


_GENERATION_SQL = f"SELECT value FROM {PolicyGeneration._meta.db_table} WHERE name = %s"  # noqa: S608 - fixed


def policy_generation():
    """The current generation: one indexed row read per decision (raw SQL: the ORM would triple its cost)."""
    with connection.cursor() as cursor:
        cursor.execute(_GENERATION_SQL, ["policy"])
        row = cursor.fetchone()
    return row[0] if row else ""


def _compile(generation):
    by_consumer = {}
    versions = ConventionVersion.objects.filter(
        status=ConventionVersion.Status.SIGNED, convention__terminated_at__isnull=True
    ).select_related("convention")
    for version in versions:
        convention = version.convention
        named = scope_named(version)
        compiled = _CompiledVersion(
            version_id=version.pk,
            convention_id=convention.pk,
            reference=convention.reference,
            number=version.number,
            provider_id=convention.provider_id,
            consumer_id=convention.consumer_id,
            suspended=convention.suspended_at is not None,
            valid_from=version.valid_from,
            valid_until=version.valid_until,
            camera_ids=frozenset(
                Camera.objects.filter(
                    scope_q_of(
                        version_id=version.pk, provider_id=convention.provider_id, kinds=version.kinds, named=named
                    )  # fmt: skip
                ).values_list("pk", flat=True)
            ),
            scope_named=named,
            kinds=tuple(version.kinds),
            purposes=frozenset(version.purposes),
            modes=frozenset(version.modes),
            lookback_days=version.lookback_days,
            time_condition=version.time_condition,
            schedule=tuple(
                (frozenset(slot.get("days", range(7))), slot["start"], slot["end"]) for slot in version.schedule
            ),
            conditions={
                "four_eyes_export": version.four_eyes_export,
                "notify_owner_on_live": version.notify_owner_on_live,
                "max_session_minutes": version.max_session_minutes,
                "max_concurrent_viewers": version.max_concurrent_viewers,
                "export_retention_days": version.export_retention_days,
            },
            emergency_allowed=version.emergency_allowed,
            emergency_max_hours=version.emergency_max_hours,
            emergency_review_hours=version.emergency_review_hours,
        )
        providers = by_consumer.setdefault(convention.consumer_id, {})
        providers.setdefault(convention.provider_id, {}).setdefault(convention.pk, []).append(compiled)
    incidents = list(DeclaredIncident.objects.values_list("organisation_id", "started_at", "ended_at"))
    return _Compiled(generation, time.monotonic(), by_consumer, incidents)


def _fresh(compiled, generation):
    return (
        compiled is not None
        and compiled.generation == generation
        and time.monotonic() - compiled.built_at < settings.PORTAL_POLICY_MAX_AGE_SECONDS
    )


def _compiled():
    generation = policy_generation()
    current = _cache.get("compiled")
    if _fresh(current, generation):
        return current
    with _lock:
        current = _cache.get("compiled")
        if not _fresh(current, generation):
            current = _compile(generation)
            _cache["compiled"] = current
    return current


def shared_camera_ids(*, consumer_id, at=None):
    """Ids of other owners' cameras an active convention shares with the consumer at `at`, whatever the mode or
    purpose: the catalogue's "shared with me", from the same compiled scope the decisions use."""
    at = at or timezone.now()
    shared = set()
    for conventions in _compiled().by_consumer.get(consumer_id, {}).values():
        for versions in conventions.values():
            current = in_force(versions, at)
            if current is not None and not current.suspended:
                shared |= current.camera_ids
    return shared


def shared_cameras_q(*, consumer_id, at=None):
    """The same set as a Q on Camera, passed to the database as ONE array parameter (a long IN list would cost
    more to build than to run); None when nothing is shared."""
    ids = shared_camera_ids(consumer_id=consumer_id, at=at)
    if not ids:
        return None
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [sorted(ids)]))
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(sorted(ids))]))


def cameras_shared_with(actor):
    """The catalogue's "shared with me" for a person (cameras.sharing): other owners' cameras an active convention
    shares with their organisation, for the roles that may use shared cameras; None otherwise."""
    if not actor.roles & SHARED_CAMERA_ROLES:
        return None
    return shared_cameras_q(consumer_id=actor.organisation.pk)


def _in_schedule(schedule, at):
    local = at.astimezone(BRUSSELS)
    clock = local.strftime("%H:%M")
    return any(local.weekday() in days and start <= clock < end for days, start, end in schedule)


def _incident_declared(compiled, version, at):
    parties = {version.provider_id, version.consumer_id}
    return any(org in parties and start <= at and (end is None or at < end) for org, start, end in compiled.incidents)


def _check_version(compiled_all, version, camera, mode, purpose, window_start, at, break_glass):
    if version.suspended:
        return _deny(Reason.CONVENTION_SUSPENDED, version)
    if camera.pk not in version.camera_ids:
        return _deny(Reason.CAMERA_OUT_OF_SCOPE, version)
    if mode not in version.modes:
        return _deny(Reason.MODE_NOT_ALLOWED, version)
    if purpose not in version.purposes:
        return _deny(Reason.PURPOSE_NOT_ALLOWED, version)
    if window_start is not None and at - window_start > timedelta(days=version.lookback_days):
        return _deny(Reason.LOOKBACK_EXCEEDED, version)
    conditions = dict(version.conditions)
    if break_glass:
        if not version.emergency_allowed:
            return _deny(Reason.BREAK_GLASS_NOT_ALLOWED, version)
        conditions.update(
            break_glass=True,
            break_glass_max_hours=version.emergency_max_hours,
            review_due_at=(at + timedelta(hours=version.emergency_review_hours)).isoformat(),
            four_eyes_export=False,
            notify_owner_now=True,
        )
        return AccessDecision(
            True, Reason.BREAK_GLASS, version.version_id, version.reference, version.number, conditions
        )
    if version.time_condition == TimeCondition.SCHEDULE and not _in_schedule(version.schedule, at):
        return _deny(Reason.OUTSIDE_SCHEDULE, version)
    if version.time_condition == TimeCondition.INCIDENT and not _incident_declared(compiled_all, version, at):
        return _deny(Reason.NO_DECLARED_INCIDENT, version)
    return AccessDecision(True, Reason.CONVENTION, version.version_id, version.reference, version.number, conditions)


def evaluate(*, actor, camera, mode, purpose, window_start=None, window_end=None, prosecutor_reference="",
             break_glass=False, at=None):  # fmt: skip
    """The decision, without logging it."""
    at = at or timezone.now()
    if purpose not in Purpose.values:
        return _deny(Reason.UNKNOWN_PURPOSE)
    if mode not in Mode.values:
        return _deny(Reason.UNKNOWN_MODE)
    if mode in RECORDED_MODES:
        if window_start is None or window_end is None:
            return _deny(Reason.WINDOW_REQUIRED)
        if window_end <= window_start or window_end > at + CLOCK_SKEW:
            return _deny(Reason.INVALID_WINDOW)
    else:
        window_start = None

    if camera.owner_id == actor.organisation.pk:
        allowed_modes = set().union(*(OWN_CAMERA_MODES.get(role, set()) for role in actor.roles))
        if mode not in allowed_modes:
            return _deny(Reason.NO_ROLE)
        if window_start is not None:
            refused = regime_check(camera, purpose, window_start, prosecutor_reference, at)
            if refused:
                return _deny(refused)
        return AccessDecision(True, Reason.OWN_CAMERA)

    if not actor.roles & SHARED_CAMERA_ROLES:
        return _deny(Reason.NO_ROLE)
    if window_start is not None:
        refused = regime_check(camera, purpose, window_start, prosecutor_reference, at)
        if refused:
            return _deny(refused)

    compiled = _compiled()
    conventions = compiled.by_consumer.get(actor.organisation.pk, {}).get(camera.owner_id, {})
    best = _deny(Reason.NO_CONVENTION)
    for versions in conventions.values():
        current = in_force(versions, at)
        if current is None:
            outcome = _deny(Reason.OUTSIDE_VALIDITY, max(versions, key=lambda v: v.number))
        else:
            outcome = _check_version(compiled, current, camera, mode, purpose, window_start, at, break_glass)
        if outcome.allowed:
            return outcome
        if _DEPTH[outcome.reason] > _DEPTH[best.reason]:
            best = outcome
    return best


def decide(*, actor, camera, mode, purpose, justification="", window_start=None, window_end=None,
           case_reference="", prosecutor_reference="", break_glass=False, at=None, request=None,
           logged_as=AccessAction.DECISION, details=None):  # fmt: skip
    """The decision, written to the access log in the caller's transaction. No log, no access.

    `logged_as` names what an allowed decision is recorded as when it is the access itself (a live session is a
    consultation: one entry holds both the decision and the viewing); a refusal is always a denied attempt."""
    at = at or timezone.now()
    decision = evaluate(
        actor=actor, camera=camera, mode=mode, purpose=purpose, window_start=window_start, window_end=window_end,
        prosecutor_reference=prosecutor_reference, break_glass=break_glass, at=at,
    )  # fmt: skip
    version = None
    if decision.convention_version_id:
        version = ConventionVersion.objects.select_related("convention").get(pk=decision.convention_version_id)
    try:
        entry = record_access(
            AccessRecord(
                action=logged_as if decision.allowed else AccessAction.DENIED,
                controller=camera.owner,
                actor=actor.user,
                actor_organisation=actor.organisation,
                cameras=[camera],
                window_start=window_start,
                window_end=window_end,
                mode=mode,
                purpose=purpose,
                justification=justification,
                case_reference=case_reference,
                prosecutor_reference=prosecutor_reference,
                recipient=actor.organisation if camera.owner_id != actor.organisation.pk else None,
                convention_version=version,
                decision="allow" if decision.allowed else "deny",
                reason=decision.reason,
                request=request,
                details={**({"conditions": decision.conditions} if decision.conditions else {}), **(details or {})},
                occurred_at=at,
            )
        )
    except AccessLogUnavailable:
        return AccessDecision(False, Reason.AUDIT_UNAVAILABLE)
    return replace(decision, log_entry_id=entry.pk)
