"""Live sessions: starting, renewing and ending them, and the gate every live stream request passes.

A session is granted by the access decision (mode live) and recorded as one consultation entry in the access log;
its end (with its duration) is one more entry. The token is shown once and stored as its SHA-256; it lapses
after PORTAL_LIVE_TOKEN_SECONDS unless the open page renews it, and never outlives the convention's maximum
session length. Anything that withdraws the right to watch (suspension, termination, a withdrawn role, a disabled
person, the owner ending it) ends the session; the gate re-checks a session at most every
PORTAL_LIVE_GATE_CACHE_SECONDS, so the relay and the media gateway stop serving it within a few seconds.
"""

import hashlib
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from cameras.models import Camera
from common.tasks import enqueue
from conventions.models import ConventionVersion, Mode, Purpose
from conventions.policy import (
    Reason,
    clean_justification,
    decide,
    evaluate,
    may_end_live_view,
    policy_generation,
    viewer_limit_reached,
)
from footage.models import GatewayConnection, LiveSession
from footage.requests import break_glass_live_record
from media import relay
from media.gates import GateAnswer
from media.gateway_control import KickReport, kick_viewers
from zones.models import Role
from zones.notifications import notify
from zones.tenancy import actor_for

__all__ = [
    "MAX_WALL",
    "GateAnswer",
    "LiveGrant",
    "LiveRefused",
    "gate",
    "session_end",
    "session_end_by_owner",
    "session_renew",
    "sessions_close_expired",
    "sessions_end_where",
    "sessions_recheck",
    "sessions_start",
    "token_digest",
]

log = logging.getLogger(__name__)

MAX_WALL = 9
OWN_CAMERA_MAX_SESSION = timedelta(hours=12)  # no convention caps watching one's own cameras; the day does
VIEWER_LIMIT = "viewer_limit"


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _token_ttl():
    return timedelta(seconds=settings.PORTAL_LIVE_TOKEN_SECONDS)


@dataclass
class LiveGrant:
    session: LiveSession
    token: str  # shown once: only its digest is stored


class LiveRefused(Exception):
    """Some cameras may not be watched: {camera: reason}. Each refusal is in the access log."""

    def __init__(self, refusals):
        self.refusals = refusals
        super().__init__("; ".join(f"{camera}: {reason}" for camera, reason in refusals.items()))


def _open_sessions(at):
    return LiveSession.objects.filter(ended_at__isnull=True, expires_at__gt=at)


def _viewer_limit_reached(actor, camera, decision, at):
    """The convention's cap on the consumer's people watching one camera at once (the rule: conventions.policy)."""
    others = _open_sessions(at).filter(camera=camera, organisation=actor.organisation).exclude(user=actor.user)
    return viewer_limit_reached(decision, others_watching=others.count)


def _refuse(actor, refusals, *, purpose, justification, case_reference, request, break_glass=False):
    """Log every refusal as a denied attempt (committed even though no session starts), then raise."""
    for camera, reason in refusals.items():
        if reason == VIEWER_LIMIT:
            record_access(
                AccessRecord(
                    action=AccessAction.DENIED, controller=camera.owner, actor=actor.user,
                    actor_organisation=actor.organisation, cameras=[camera], mode=Mode.LIVE, purpose=purpose,
                    justification=justification, case_reference=case_reference, decision="deny", reason=reason,
                    recipient=actor.organisation if camera.owner_id != actor.organisation.pk else None,
                    request=request,
                )
            )  # fmt: skip
        else:
            decide(
                actor=actor, camera=camera, mode=Mode.LIVE, purpose=purpose, justification=justification,
                case_reference=case_reference, request=request, break_glass=break_glass,
            )  # fmt: skip
    raise LiveRefused(refusals)


def sessions_start(*, actor, cameras, purpose, justification, case_reference="", request=None, break_glass=False):
    """Start one session per camera (several make a wall sharing one purpose and justification).

    All or nothing: if any camera is refused, no session starts and every refusal is logged. With break_glass,
    the convention's emergency clause lets the viewer in outside its schedule or without a declared incident, for
    at most the clause's hours; the use is recorded as a footage request taken under break-glass, announced to
    the owner's chief and DPO and reviewed like any other (footage.requests)."""
    cameras = list(cameras)
    if not cameras:
        raise ValidationError(_("Choose at least one camera."))
    if len(cameras) > MAX_WALL:
        raise ValidationError(_("A wall shows at most %(count)d cameras.") % {"count": MAX_WALL})
    if len({c.pk for c in cameras}) != len(cameras):
        raise ValidationError(_("Each camera appears only once on a wall."))
    if purpose not in Purpose.values:
        raise ValidationError(_("Choose a purpose from the list."))
    justification = clean_justification(justification)
    case_reference = (case_reference or "").strip()[:100]
    facts = {"purpose": purpose, "justification": justification, "case_reference": case_reference}

    at = timezone.now()
    refusals = {}
    versions = set()
    for camera in cameras:
        decision = evaluate(actor=actor, camera=camera, mode=Mode.LIVE, purpose=purpose, at=at, break_glass=break_glass)
        if not decision:
            refusals[camera] = decision.reason
        elif _viewer_limit_reached(actor, camera, decision, at):
            refusals[camera] = VIEWER_LIMIT
        versions.add(decision.convention_version_id)
    if refusals:
        _refuse(actor, refusals, request=request, break_glass=break_glass, **facts)
    if break_glass and len(versions) != 1:
        raise ValidationError(_("Break-glass covers the cameras of one convention at a time: split the wall."))

    wall = uuid.uuid4() if len(cameras) > 1 else None
    with transaction.atomic():
        # Grants of the same camera queue on its row, so two viewers never both take the last place.
        locked = {c.pk: c for c in Camera.objects.select_for_update().filter(pk__in=[c.pk for c in cameras])}
        record = None
        if break_glass:
            version = ConventionVersion.objects.get(pk=versions.pop())
            record = break_glass_live_record(actor=actor, cameras=cameras, version=version, at=at, **facts)
        grants = []
        for camera in sorted(cameras, key=lambda c: c.pk):
            camera = locked[camera.pk]
            decision = decide(
                actor=actor, camera=camera, mode=Mode.LIVE, at=at, request=request, break_glass=break_glass,
                logged_as=AccessAction.CONSULTATION, details={"footage_request": record.reference} if record else None,
                **facts,
            )  # fmt: skip
            if not decision:
                raise LiveRefused({camera: decision.reason})
            if _viewer_limit_reached(actor, camera, decision, at):
                raise LiveRefused({camera: VIEWER_LIMIT})
            grants.append(_create(actor, camera, decision, wall, at, facts, record))
        if record is None:
            _notify_owners(actor, grants)
    order = {c.pk: i for i, c in enumerate(cameras)}
    return sorted(grants, key=lambda g: order[g.session.camera_id])


def _create(actor, camera, decision, wall, at, facts, record=None):
    version = None
    if decision.convention_version_id:
        version = ConventionVersion.objects.get(pk=decision.convention_version_id)
    longest = timedelta(minutes=version.max_session_minutes) if version else OWN_CAMERA_MAX_SESSION
    if record is not None:  # break-glass: never beyond the emergency clause's hours
        longest = min(longest, record.access_until - at)
    token = secrets.token_urlsafe(32)  # 256 bits
    session = LiveSession.objects.create(
        token_digest=token_digest(token), user=actor.user, organisation=actor.organisation, camera=camera,
        convention_version=version, wall=wall, started_at=at, expires_at=min(at + _token_ttl(), at + longest),
        max_until=at + longest, log_entry_id=decision.log_entry_id, break_glass=record is not None, **facts,
    )  # fmt: skip
    return LiveGrant(session, token)


def _notify_owners(actor, grants):
    by_owner = {}
    for grant in grants:
        version = grant.session.convention_version
        if version is not None and version.notify_owner_on_live:
            by_owner.setdefault(grant.session.camera.owner, []).append(grant.session)
    for owner, sessions in by_owner.items():
        names = ", ".join(s.camera.name for s in sessions)
        notify(
            organisation=owner,
            roles=[Role.CHIEF],
            kind="live_started",
            subject=_("%(organisation)s is watching %(cameras)s live")
            % {"organisation": actor.organisation.name, "cameras": names},
            body=_("%(person)s (%(organisation)s) started watching live for the purpose “%(purpose)s”: %(why)s")
            % {
                "person": actor.user,
                "organisation": actor.organisation.name,
                "purpose": Purpose(sessions[0].purpose).label,
                "why": sessions[0].justification,
            },
            link="/live/on-my-cameras/",
        )


def session_renew(*, actor, session, purpose=None, request=None):
    """Keep an open session alive for another token period; a new purpose is a new consultation entry.

    Raises ValidationError when the session has ended (ending it for good when its right to exist is gone)."""
    with transaction.atomic():
        session, problem = _renew(actor, session, purpose, request)
    if problem:
        raise problem
    return session


def _renew(actor, session, purpose, request):
    session = LiveSession.objects.select_for_update().select_related("camera__owner").get(pk=session.pk)
    if session.user_id != actor.user.pk:
        raise PermissionDenied(_("Only the viewer renews a live session."))
    at = timezone.now()
    if session.ended_at is not None:
        return session, ValidationError(_("This live session has ended."))
    if at >= session.expires_at:
        _end(session, LiveSession.EndReason.EXPIRED, at=session.expires_at)
        return session, ValidationError(_("This live session has ended."))
    if at >= session.max_until:
        _end(session, LiveSession.EndReason.LIMIT, at=session.max_until)
        return session, ValidationError(_("The maximum length of a live session under this convention is reached."))
    purpose = purpose or session.purpose
    if purpose != session.purpose:
        decision = decide(
            actor=actor, camera=session.camera, mode=Mode.LIVE, purpose=purpose, at=at, request=request,
            justification=session.justification, case_reference=session.case_reference,
            logged_as=AccessAction.CONSULTATION, break_glass=session.break_glass,
        )  # fmt: skip
        if not decision:  # the refusal is logged; the session goes on under its old purpose
            return session, LiveRefused({session.camera: decision.reason})
        session.purpose, session.log_entry_id = purpose, decision.log_entry_id
    else:
        decision = evaluate(actor=actor, camera=session.camera, mode=Mode.LIVE, purpose=purpose, at=at,
                            break_glass=session.break_glass)  # fmt: skip
        if not decision:
            _end(session, LiveSession.EndReason.REVOKED, at=at, why=decision.reason)
            return session, ValidationError(_("Access to this camera has been withdrawn."))
    session.expires_at = min(at + _token_ttl(), session.max_until)
    session.save(update_fields=["purpose", "log_entry_id", "expires_at"])
    transaction.on_commit(lambda: _forget([session.token_digest]))
    return session, None


def session_end_by_owner(*, actor, session):
    """The camera owner's chief or operator cuts someone's live view of their camera."""
    if not may_end_live_view(actor, session.camera):
        raise PermissionDenied(_("Only the camera owner's chief or operators end someone else's live view."))
    return session_end(session=session, reason=LiveSession.EndReason.ENDED_BY_OWNER, by=actor.user)


@transaction.atomic
def session_end(*, session, reason=LiveSession.EndReason.STOPPED, by=None):
    """End a session now (idempotent). `by` is the person ending someone else's session, if any."""
    session = LiveSession.objects.select_for_update().select_related("camera__owner").get(pk=session.pk)
    if session.ended_at is not None:
        return session
    at = timezone.now()
    if at >= session.expires_at:  # it had lapsed already: it ended when its token did
        reason, at = LiveSession.EndReason.EXPIRED, session.expires_at
    return _end(session, reason, at=at, by=by)


def _end(session, reason, *, at, by=None, why=""):
    """Close the session and write its end, with its duration, to the access log (fail closed: if the entry
    cannot be written the session stays open in the database, but a session past its token never plays)."""
    session.ended_at, session.end_reason = at, reason
    session.save(update_fields=["ended_at", "end_reason"])
    record_access(
        AccessRecord(
            action=AccessAction.SESSION_END, controller=session.camera.owner, actor=by or session.user,
            actor_organisation=session.organisation if by is None else None, cameras=[session.camera],
            mode=Mode.LIVE, purpose=session.purpose, case_reference=session.case_reference,
            recipient=session.organisation if session.camera.owner_id != session.organisation_id else None,
            convention_version=session.convention_version, reason=reason,
            details={
                "session": session.pk, "viewer": str(session.user),
                "started_at": session.started_at.isoformat(), "duration_seconds": round(
                    (at - session.started_at).total_seconds()),
                "consultation_entry": session.log_entry_id, **({"why": why} if why else {}),
            },
        )
    )  # fmt: skip
    transaction.on_commit(lambda: _forget([session.token_digest]))
    transaction.on_commit(lambda: _announce_end([session.pk]))
    transaction.on_commit(lambda: _release_relay_if_unwatched(session.camera_id))
    return session


def _release_relay_if_unwatched(camera_id):
    """After commit: the built-in relay stops a camera nobody may watch any more at its next round, rather than
    after the grace period that covers viewers between two playlist fetches."""
    if not LiveSession.objects.filter(camera_id=camera_id, ended_at__isnull=True).exists():
        relay.release(camera_id)


def sessions_end_where(*, reason=LiveSession.EndReason.REVOKED, by=None, why="", **filters):
    """End every open session matching `filters` (a convention suspended, a role withdrawn...). Returns how many."""
    at = timezone.now()
    ended = 0
    with transaction.atomic():
        for session in (
            LiveSession.objects.select_for_update(of=("self",))  # PostgreSQL locks no outer-joined row
            .select_related("camera__owner", "convention_version__convention", "user", "organisation")
            .filter(ended_at__isnull=True, **filters)
        ):
            if at >= session.expires_at:
                _end(session, LiveSession.EndReason.EXPIRED, at=session.expires_at)
            else:
                _end(session, reason, at=at, by=by, why=why)
            ended += 1
    return ended


def sessions_close_expired(*, at=None):
    """Record the end of sessions whose token lapsed (periodic, idempotent). The gate never waited for this."""
    at = at or timezone.now()
    ended = 0
    with transaction.atomic():
        for session in (
            LiveSession.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("camera__owner", "convention_version__convention", "user", "organisation")
            .filter(ended_at__isnull=True, expires_at__lte=at)
        ):
            _end(session, LiveSession.EndReason.EXPIRED, at=session.expires_at)
            ended += 1
    return ended


def kick_ended_sessions(session_ids, *, control=None):
    """Have the media gateway drop every viewer of these live sessions, if they have ended (an open session is left
    alone): the connections the hook let through for them, and viewers carrying their token in the query string."""
    ended = LiveSession.objects.filter(pk__in=list(session_ids), ended_at__isnull=False)
    digests = set(ended.values_list("token_digest", flat=True))
    if not digests:
        return KickReport()
    connections = list(GatewayConnection.objects.filter(session__in=ended).values_list("gateway_id", "protocol"))
    return kick_viewers(
        connections=connections, token_digests=digests, control=control, asked_for=f"live sessions {list(session_ids)}"
    )


def _announce_end(session_ids):
    """After commit: the media gateway drops the viewers of ended sessions (footage.tasks.gateway_kick_sessions)."""
    if settings.PORTAL_MEDIAMTX_API_URL:
        try:
            enqueue("footage.tasks.gateway_kick_sessions", session_ids)
        except Exception:  # a broker outage must not undo the end: the gate refuses the token anyway
            log.exception("Could not ask the media gateway to drop %d ended session(s)", len(session_ids))


# --- The gate --------------------------------------------------------------------------------------------------


_cache = {}  # token digest -> (monotonic time of the full check, GateAnswer)
_cache_lock = threading.Lock()
_swept = {"at": float("-inf"), "since": None, "generation": None}
# A cached answer is checked again in full after this long even if nothing said it changed: this only matters for
# changes made behind the portal's back (SQL by hand), since every withdrawal made through the portal ends the
# session and moves the policy generation, which the sweep sees within PORTAL_LIVE_GATE_CACHE_SECONDS.
FULL_RECHECK_SECONDS = 30
# How far back the sweep looks for ends: an end is stamped before its transaction commits.
_SWEEP_MARGIN = timedelta(seconds=60)
_ENDED_SQL = f"SELECT token_digest FROM {LiveSession._meta.db_table} WHERE ended_at >= %s"  # noqa: S608 - fixed


def _forget(digests):
    with _cache_lock:
        for digest in digests:
            _cache.pop(digest, None)


def _sweep(now):
    """At most once per PORTAL_LIVE_GATE_CACHE_SECONDS in each process: drop the cached answers of sessions that
    ended since the last sweep (in any process), and every cached answer if the policy generation moved. Two small
    queries, whatever the number of viewers; the request that finds the sweep due pays for it."""
    with _cache_lock:
        if now - _swept["at"] <= settings.PORTAL_LIVE_GATE_CACHE_SECONDS:
            return
        _swept["at"], since = now, _swept["since"]
    started = timezone.now()
    generation = policy_generation()
    ended = []
    if since is not None:
        with connection.cursor() as cursor:  # raw SQL, like policy_generation: the ORM would cost more than the query
            cursor.execute(_ENDED_SQL, [connection.ops.adapt_datetimefield_value(since - _SWEEP_MARGIN)])
            ended = [row[0] for row in cursor.fetchall()]
    with _cache_lock:
        if generation != _swept["generation"]:
            if _swept["generation"] is not None:
                _cache.clear()
            _swept["generation"] = generation
        for digest in ended:
            _cache.pop(digest, None)
        _swept["since"] = started


# What the full check reads of a session, its viewer and its camera: building whole User and Camera objects cost
# about as much as the rest of the check. Any other field still loads (deferred) if a later change reads it.
_CHECKED_FIELDS = (
    "id", "user_id", "organisation_id", "camera_id", "purpose", "break_glass", "ended_at", "end_reason", "expires_at",
    "user__is_active", "camera__owner_id",
)  # fmt: skip


def _refusal(session, at):
    """Why the session's viewer may no longer watch its camera at `at`, or None if they still may."""
    actor = actor_for(session.user, session.organisation_id)
    if actor is None:
        return Reason.NO_ROLE
    decision = evaluate(actor=actor, camera=session.camera, mode=Mode.LIVE, purpose=session.purpose, at=at,
                        break_glass=session.break_glass)  # fmt: skip
    return None if decision else decision.reason


def _check(digest, at):
    """Load and fully check the session behind a token (three small queries: the session with its viewer and
    camera, the viewer's roles, the policy generation). No ordering: the digest is unique."""
    sessions = LiveSession.objects.select_related("user", "camera").only(*_CHECKED_FIELDS)
    session = next(iter(sessions.filter(token_digest=digest)[:1]), None)
    if session is None:
        return GateAnswer(False, 401, "unknown_token")
    if session.ended_at is not None:
        return GateAnswer(False, 403, f"session_{session.end_reason or 'ended'}", session.pk, session.camera_id)
    if at >= session.expires_at:
        return GateAnswer(False, 403, "session_expired", session.pk, session.camera_id)
    why = _refusal(session, at)
    if why is not None:
        sessions_end_where(pk=session.pk, why=why)
        return GateAnswer(False, 403, why, session.pk, session.camera_id)
    return GateAnswer(True, 200, "ok", session.pk, session.camera_id, session.expires_at)


def sessions_recheck(*, at=None):
    """End every open session whose viewer may no longer watch (periodic, idempotent): a right withdrawn behind
    the portal's back (plain SQL, a restored backup) ends the session even when no viewer asks the gate again, so
    the media gateway drops its viewers and the relay stops. Returns how many ended."""
    at = at or timezone.now()
    refused = {}
    for session in LiveSession.objects.select_related("user", "camera").filter(
        ended_at__isnull=True, expires_at__gt=at
    ):
        why = _refusal(session, at)
        if why is not None:
            refused.setdefault(why, []).append(session.pk)
    return sum(sessions_end_where(pk__in=ids, why=why) for why, ids in refused.items())


def gate(*, token, camera_id=None, action="read"):
    """May the holder of `token` receive camera `camera_id`'s live stream now? Answers from an in-process cache kept
    true by a sweep every PORTAL_LIVE_GATE_CACHE_SECONDS (ended sessions, policy changes); a token's own expiry is
    checked on every call. A cached answer costs no query."""
    if not token or len(token) > 200:
        return GateAnswer(False, 401, "no_token")
    if action != "read":
        return GateAnswer(False, 403, "action_not_allowed")
    digest = token_digest(token)
    now = time.monotonic()
    try:
        _sweep(now)
        with _cache_lock:
            cached = _cache.get(digest)
        if cached is not None:
            checked_at, answer = cached
            stale = now - checked_at > FULL_RECHECK_SECONDS
            transient = answer.reason == Reason.AUDIT_UNAVAILABLE
            lapsed = answer.allowed and timezone.now() >= answer.expires_at  # renewed since, maybe: ask again
            if stale or lapsed or (transient and now - checked_at > settings.PORTAL_LIVE_GATE_CACHE_SECONDS):
                cached = None
        if cached is None:
            answer = _check(digest, timezone.now())
            with _cache_lock:
                if len(_cache) > 50_000:
                    _cache.clear()
                _cache[digest] = (now, answer)
    except AccessLogUnavailable:
        answer = GateAnswer(False, 403, Reason.AUDIT_UNAVAILABLE)
        with _cache_lock:
            _cache[digest] = (now, answer)
    if answer.allowed and timezone.now() >= answer.expires_at:
        return GateAnswer(False, 403, "session_expired", answer.session_id, answer.camera_id)
    if answer.allowed and camera_id is not None and camera_id != answer.camera_id:
        return GateAnswer(False, 403, "wrong_camera", answer.session_id, answer.camera_id)
    return answer
