"""Playback of approved recorded footage in the browser: starting it, renewing it, and the gate every playback
request passes (the portal's own HLS server, media/recording_views.py, and a production MediaMTX's `playback`
requests through the gateway hook, which calls the gate registered here).

The requester of a granted footage request (approved, or taken under break-glass), for playback or export, until
its `access_until`, starts playback on the request's page: the decision function is asked again for every camera
(mode playback, the request's window and purpose), and one consultation entry is written to the access log (mode
playback, the window, the request's reference). The key is shown once and stored as its SHA-256; it lapses after
PORTAL_PLAYBACK_TOKEN_SECONDS (default 120) unless the open page renews it, and never outlives the request's access.

The gate answers from a short in-process cache: a key's answer for a camera is checked again in full after
PORTAL_LIVE_GATE_CACHE_SECONDS, so suspending the convention, a withdrawn approval or a lapsed request stops the
playlist and its segments within a few seconds; a key's own expiry is checked on every request.
"""

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from conventions.models import ConventionVersion, Mode
from conventions.policy import Reason, decide, evaluate, request_lapsed_reason
from footage.live import token_digest
from footage.models import FootageRequest, PlaybackToken
from media.gates import GateAnswer
from zones.tenancy import actor_for

__all__ = [
    "PlaybackAnswer",
    "PlaybackRefused",
    "gate",
    "playback_renew",
    "playback_start",
    "playback_stop",
    "playbacks_close_expired",
]


def _ttl():
    return timedelta(seconds=getattr(settings, "PORTAL_PLAYBACK_TOKEN_SECONDS", 120))


@dataclass(frozen=True)
class PlaybackAnswer(GateAnswer):
    """The gate's answer, with what the media server needs: the request and its window."""

    request_id: int | None = None
    window_start: object = None
    window_end: object = None


class PlaybackRefused(Exception):
    """The decision function refuses a camera of the request now (the refusal is in the access log)."""

    def __init__(self, camera, reason):
        self.camera, self.reason = camera, reason
        super().__init__(f"{camera}: {reason}")


def _evaluate(actor, footage, camera, at):
    return evaluate(
        actor=actor, camera=camera, mode=Mode.PLAYBACK, purpose=footage.purpose, window_start=footage.window_start,
        window_end=footage.window_end, prosecutor_reference=footage.prosecutor_reference,
        break_glass=footage.status == FootageRequest.Status.BREAK_GLASS, at=at,
    )  # fmt: skip


def _check_requester(actor, footage):
    if footage.requester_id != actor.user.pk or footage.organisation_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the requester plays the footage of this request."))


def playback_start(*, actor, footage, request=None):
    """Start playing a granted request's footage: returns (PlaybackToken, key shown once).

    Raises PermissionDenied (not the requester), ValidationError (not granted or lapsed), PlaybackRefused (the
    convention no longer allows it, logged as a denied attempt) or AccessLogUnavailable (nothing is started)."""
    _check_requester(actor, footage)
    at = timezone.now()
    if request_lapsed_reason(footage, at=at):
        raise ValidationError(_("This request gives no access to footage now."))
    cameras = list(footage.cameras.select_related("owner").order_by("pk"))
    decisions = []
    for camera in cameras:
        decision = _evaluate(actor, footage, camera, at)
        if not decision:
            decide(
                actor=actor, camera=camera, mode=Mode.PLAYBACK, purpose=footage.purpose,
                justification=footage.justification, window_start=footage.window_start,
                window_end=footage.window_end, case_reference=footage.case_reference,
                prosecutor_reference=footage.prosecutor_reference,
                break_glass=footage.status == FootageRequest.Status.BREAK_GLASS, at=at, request=request,
            )  # fmt: skip
            raise PlaybackRefused(camera, decision.reason)
        decisions.append(decision)
    version_id = decisions[0].convention_version_id if decisions else footage.convention_version_id
    version = ConventionVersion.objects.select_related("convention").filter(pk=version_id).first()
    token = secrets.token_urlsafe(32)  # 256 bits
    with transaction.atomic():
        entry = record_access(
            AccessRecord(
                action=AccessAction.CONSULTATION, controller=footage.owner, actor=actor.user,
                actor_organisation=actor.organisation, cameras=cameras, window_start=footage.window_start,
                window_end=footage.window_end, mode=Mode.PLAYBACK, purpose=footage.purpose,
                justification=footage.justification, case_reference=footage.case_reference,
                prosecutor_reference=footage.prosecutor_reference, recipient=footage.organisation,
                convention_version=version, decision="allow", reason=decisions[0].reason if decisions else "",
                request=request, occurred_at=at,
                details={"footage_request": footage.reference, "footage_request_id": footage.pk,
                         "request_status": footage.status},
            )
        )  # fmt: skip
        row = PlaybackToken.objects.create(
            token_digest=token_digest(token), request=footage, user=actor.user, organisation=actor.organisation,
            started_at=at, expires_at=min(at + _ttl(), footage.access_until), log_entry_id=entry.pk,
        )  # fmt: skip
    return row, token


def _end(row, reason, at=None):
    """Close the key once and write its end, with its duration, to the access log (beside its consultation)."""
    at = at or timezone.now()
    with transaction.atomic():
        if PlaybackToken.objects.filter(pk=row.pk, ended_at__isnull=True).update(ended_at=at, end_reason=reason[:40]):
            row = PlaybackToken.objects.select_related("request__owner", "request__organisation", "user").get(pk=row.pk)
            footage = row.request
            record_access(
                AccessRecord(
                    action=AccessAction.SESSION_END, controller=footage.owner, actor=row.user,
                    actor_organisation=row.organisation, cameras=list(footage.cameras.all()),
                    window_start=footage.window_start, window_end=footage.window_end, mode=Mode.PLAYBACK,
                    purpose=footage.purpose, case_reference=footage.case_reference, recipient=footage.organisation,
                    convention_version=footage.convention_version, reason=reason[:60],
                    details={"playback_key": row.pk, "footage_request": footage.reference,
                             "duration_seconds": max(0, round((at - row.started_at).total_seconds())),
                             "consultation_entry": row.log_entry_id},
                )
            )  # fmt: skip
    _forget(row.token_digest)


def playbacks_close_expired(*, at=None):
    """Record the end of playback keys that lapsed without being renewed (periodic, idempotent)."""
    at = at or timezone.now()
    lapsed = list(PlaybackToken.objects.filter(ended_at__isnull=True, expires_at__lte=at))
    for row in lapsed:
        _end(row, "expired", at=row.expires_at)
    return len(lapsed)


def playback_renew(*, actor, row):
    """Keep an open playback going for another key period. ValidationError says why it has ended."""
    with transaction.atomic():
        row, problem = _renew(actor, row)
    _forget(row.token_digest)
    if problem:
        raise ValidationError(problem)
    return row


def _renew(actor, row):
    row = PlaybackToken.objects.select_for_update().select_related("request").get(pk=row.pk)
    if row.user_id != actor.user.pk:
        raise PermissionDenied(_("Only the viewer renews a playback."))
    at = timezone.now()
    footage = row.request
    if row.ended_at is not None or at >= row.expires_at:
        return row, _("This playback has ended. Start it again.")
    lapsed = request_lapsed_reason(footage, at=at)
    if lapsed:
        _end(row, lapsed, at)
        return row, _("This request gives no access to footage any more.")
    for camera in footage.cameras.select_related("owner"):
        decision = _evaluate(actor, footage, camera, at)
        if not decision:
            _end(row, decision.reason, at)
            return row, _("Access to this footage has been withdrawn.")
    row.expires_at = min(at + _ttl(), footage.access_until)
    row.save(update_fields=["expires_at"])
    return row, ""


def playback_stop(*, actor, row):
    if row.user_id != actor.user.pk:
        raise PermissionDenied(_("Only the viewer stops a playback."))
    _end(row, "stopped")


# --- The gate --------------------------------------------------------------------------------------------------

_cache = {}  # (token digest, camera id) -> (monotonic time of the full check, PlaybackAnswer)
_cache_lock = threading.Lock()


def _forget(digest):
    with _cache_lock:
        for key in [key for key in _cache if key[0] == digest]:
            del _cache[key]


def _refuse(status, reason, row=None, camera_id=None):
    return PlaybackAnswer(False, status, reason, None, camera_id, request_id=row.request_id if row else None)


def _check(digest, camera_id, at):
    row = next(iter(PlaybackToken.objects.select_related("request", "user").filter(token_digest=digest)[:1]), None)
    if row is None:
        return _refuse(401, "unknown_token")
    if row.ended_at is not None:
        return _refuse(403, f"playback_{row.end_reason or 'ended'}"[:40], row, camera_id)
    if at >= row.expires_at:
        return _refuse(403, "playback_expired", row, camera_id)
    footage = row.request
    lapsed = request_lapsed_reason(footage, at=at)
    if lapsed:
        return _refuse(403, lapsed, row, camera_id)
    cameras = {camera.pk: camera for camera in footage.cameras.select_related("owner")}
    if camera_id not in cameras:
        return _refuse(403, "wrong_camera", row, camera_id)
    actor = actor_for(row.user, row.organisation_id)
    decision = _evaluate(actor, footage, cameras[camera_id], at) if actor is not None else None
    if actor is None or not decision:
        why = decision.reason if decision is not None else Reason.NO_ROLE
        _end(row, why, at)
        return _refuse(403, why, row, camera_id)
    return PlaybackAnswer(
        True, 200, "ok", None, camera_id, min(row.expires_at, footage.access_until),
        request_id=footage.pk, window_start=footage.window_start, window_end=footage.window_end,
    )  # fmt: skip


def gate(*, token, camera_id=None, action="playback"):
    """May the holder of `token` receive recorded footage of camera `camera_id` now? A PlaybackAnswer (a
    GateAnswer, as the gateway hook expects: its session id is None, a playback key is not a live session)."""
    if not token or len(token) > 200:
        return PlaybackAnswer(False, 401, "no_token")
    if action != "playback":
        return PlaybackAnswer(False, 403, "action_not_allowed")
    if camera_id is None:
        return PlaybackAnswer(False, 403, "unknown_path")
    digest, now = token_digest(token), time.monotonic()
    with _cache_lock:
        cached = _cache.get((digest, camera_id))
    if cached is None or now - cached[0] > settings.PORTAL_LIVE_GATE_CACHE_SECONDS:
        try:
            answer = _check(digest, camera_id, timezone.now())
        except AccessLogUnavailable:
            answer = PlaybackAnswer(False, 403, Reason.AUDIT_UNAVAILABLE)
        with _cache_lock:
            if len(_cache) > 50_000:
                _cache.clear()
            _cache[(digest, camera_id)] = (now, answer)
    else:
        answer = cached[1]
    if answer.allowed and timezone.now() >= answer.expires_at:
        return PlaybackAnswer(False, 403, "playback_expired", None, camera_id, request_id=answer.request_id)
    return answer
