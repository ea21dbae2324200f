"""Serving the built-in relay's HLS: GET /gateway/relay/<token>/index.m3u8 and /gateway/relay/<token>/segNNNNNN.ts.

Every request passes the live gate (the token names the session, hence the camera); nothing else is read for a
segment. A playlist fetch renews the camera's demand (throttled) so the relay worker keeps it running; while the
playlist is not there yet the answer is 503 with Retry-After and what the relay is doing, in words for the viewer.
The relay writes nothing to the access log: the session's consultation entry is the record.
"""

import math
import os
import time

from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from media import gates, relay
from media.models import RelayStream

__all__ = ["playlist", "segment"]

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
STALE_PLAYLIST_SECONDS = 30  # older than this, the relay is not running (its worker is down): not served


def _refusal_message(reason):
    if reason in {"no_token", "unknown_token"}:
        return _("This viewing link is not valid. Start a live session again.")
    if reason == "session_expired":
        return _("This live session has expired. Start a live session again.")
    if reason == "wrong_camera":
        return _("This live session is for another camera.")
    if reason in {"session_stopped", "session_ended", "session_limit"}:
        return _("This live session has ended.")
    return _("Access to this camera has ended.")


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _refused(answer):
    return _no_store(
        JsonResponse(
            {"allowed": False, "reason": answer.reason, "message": _refusal_message(answer.reason)},
            status=answer.status,
        )
    )


def _not_ready(camera_id):
    """Record demand now and say what the relay is doing (the only path that reads the relay's row)."""
    relay.want(camera_id, force=True)
    # A machine endpoint with no actor: the live gate has already checked the token for this camera.
    row = RelayStream.objects.filter(camera_id=camera_id).values("state", "problem", "retry_at").first() or {}
    state, problem, retry_at = row.get("state", "idle"), row.get("problem", ""), row.get("retry_at")
    retry_in = 1
    if state == RelayStream.State.RETRYING and retry_at is not None:
        retry_in = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    if state != RelayStream.State.RETRYING:
        state, message = "starting", _("The live stream is starting.")
    elif problem == RelayStream.Problem.NO_ADDRESS:
        message = _("This camera has no stream address; it cannot be shown live.")
    elif problem == RelayStream.Problem.INTERRUPTED:
        message = _("The stream was interrupted; reconnecting in %(seconds)d s.") % {"seconds": retry_in}
    else:
        message = _("The camera does not answer; trying again in %(seconds)d s.") % {"seconds": retry_in}
    response = JsonResponse({"state": state, "problem": problem, "retry_in": retry_in, "message": message}, status=503)
    response["Retry-After"] = str(retry_in)
    response._has_been_logged = True  # a relay warming up is normal: Django would log every 503 as an error
    return _no_store(response)


@require_safe
def playlist(request, token):
    answer = gates.ask("read", token=token)
    if not answer.allowed:
        return _refused(answer)
    path = relay.camera_folder(answer.camera_id) / relay.PLAYLIST
    try:
        with open(path, "rb") as handle:
            fresh = time.time() - os.fstat(handle.fileno()).st_mtime < STALE_PLAYLIST_SECONDS
            body = handle.read()
    except OSError:
        fresh, body = False, b""
    if not fresh or not body:
        return _not_ready(answer.camera_id)
    relay.want(answer.camera_id)
    return _no_store(HttpResponse(body, content_type=PLAYLIST_TYPE))


@require_safe
def segment(request, token, name):
    if not relay.SEGMENT_NAME.match(name):  # the URL pattern says so already; never trust one check
        return _no_store(JsonResponse({"reason": "not_found"}, status=404))
    answer = gates.ask("read", token=token)
    if not answer.allowed:
        return _refused(answer)
    try:
        handle = open(relay.camera_folder(answer.camera_id) / name, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        message = _("This part of the stream is no longer available; reload the playlist.")
        return _no_store(JsonResponse({"reason": "segment_gone", "message": message}, status=404))
    return _no_store(FileResponse(handle, content_type=SEGMENT_TYPE))
