"""Serving recorded footage as HLS: GET /gateway/playback/<key>/<camera id>/index.m3u8 (a VOD playlist of the approved
window, built from the recorder's index) and /gateway/playback/<key>/<camera id>/<segment id>.ts.

Every request passes the playback gate (registered by the footage app in media.gates): the key, the request still
granted, the camera one of the request's, and the convention still allowing playback of the window. Only the
segments overlapping the approved window are listed and served; a segment crossing an edge of the window is cut to
it (stream copy, so it starts on the key frame at or before the window's start, like the evidence export's default
cut) and the cut is kept an hour in PORTAL_RECORDING_ROOT/.playback-cache/ (media.tasks.purge_recordings removes
older ones). Each recorded file starts its timestamps at 0, so every segment after the first is marked `#EXT-X-
DISCONTINUITY`; gaps are left out, and `#EXT-X-PROGRAM-DATE-TIME` gives each segment's wall-clock start so the
player shows true times."""

import contextlib
import math
import os
import subprocess
import time
import uuid
from datetime import UTC

from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from media import gates
from media.ffmpeg import playback_cut_command
from media.models import RecordingSegment
from media.recording import recording_root

__all__ = ["playback_cache_clean", "playlist", "segment", "vod_playlist"]

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
CACHE = ".playback-cache"
CACHE_SECONDS = 3600


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _refusal_message(reason):
    if reason in {"no_token", "unknown_token"}:
        return _("This playback link is not valid. Start the playback again.")
    if reason == "playback_expired" or reason.startswith("playback_"):
        return _("This playback has ended. Start the playback again.")
    if reason == "wrong_camera":
        return _("This playback is for other cameras.")
    if reason in {"request_lapsed", "request_not_granted"}:
        return _("This request gives no access to footage any more.")
    return _("Access to this footage has ended.")


def _refused(answer):
    response = JsonResponse(
        {"allowed": False, "reason": answer.reason, "message": _refusal_message(answer.reason)}, status=answer.status
    )
    response._has_been_logged = True  # a refused key is the gate's ordinary answer, not a server error
    return _no_store(response)


def _not_found(reason, message):
    response = JsonResponse({"reason": reason, "message": message}, status=404)
    response._has_been_logged = True
    return _no_store(response)


def _in_window(camera_id, window_start, window_end):
    # A machine endpoint with no actor: the playback gate has already checked the key for this request and camera,
    # so the plain manager reads that camera's segments of the approved window only.
    return RecordingSegment.objects.filter(
        camera_id=camera_id, purged_at__isnull=True, started_at__lt=window_end, ended_at__gt=window_start
    )


def _date_time(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def vod_playlist(rows, window_start, window_end):
    """The VOD playlist of the recorded files among `rows` (time order) cut to the window; None if there are none.
    Segment URIs are `<segment id>.ts`, relative to the playlist."""
    entries = []
    for row in rows:
        if row.is_gap:
            continue
        start, end = max(row.started_at, window_start), min(row.ended_at, window_end)
        seconds = (end - start).total_seconds()
        if seconds > 0:
            entries.append((row.pk, start, seconds))
    if not entries:
        return None
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(max(seconds for _pk, _start, seconds in entries)))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for number, (pk, start, seconds) in enumerate(entries):
        if number:
            lines.append("#EXT-X-DISCONTINUITY")  # each file's timestamps start at 0
        lines += [f"#EXT-X-PROGRAM-DATE-TIME:{_date_time(start)}", f"#EXTINF:{seconds:.3f},", f"{pk}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@require_safe
def playlist(request, token, camera_id):
    camera_id = int(camera_id)
    answer = gates.ask("playback", token=token, camera_id=camera_id)
    if not answer.allowed:
        return _refused(answer)
    rows = _in_window(camera_id, answer.window_start, answer.window_end).order_by("started_at", "pk")
    text = vod_playlist(rows, answer.window_start, answer.window_end)
    if text is None:
        return _not_found("no_footage", _("No recorded footage of this camera in the approved window."))
    return _no_store(HttpResponse(text, content_type=PLAYLIST_TYPE))


def _cut(path, row, offset, seconds):
    """The part of a recorded file inside the window (stream copy from the key frame at or before `offset`)."""
    folder = recording_root() / CACHE
    name = f"{row.pk}-{round(offset * 1000)}-{round(seconds * 1000)}.ts"
    cut = folder / name
    if cut.exists():
        with contextlib.suppress(OSError):
            os.utime(cut)
        return cut
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    command = playback_cut_command(path, partial, offset=offset, seconds=seconds)
    try:
        result = subprocess.run(command, capture_output=True, timeout=60)  # noqa: S603 - fixed arguments
    except (OSError, subprocess.TimeoutExpired):
        partial.unlink(missing_ok=True)
        return None
    if result.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        return None
    os.replace(partial, cut)
    return cut


@require_safe
def segment(request, token, camera_id, segment_id):
    camera_id = int(camera_id)
    answer = gates.ask("playback", token=token, camera_id=camera_id)
    if not answer.allowed:
        return _refused(answer)
    window_start, window_end = answer.window_start, answer.window_end
    row = _in_window(camera_id, window_start, window_end).filter(pk=int(segment_id), is_gap=False).first()
    gone = _("This part of the footage is not available.")
    if row is None:
        return _not_found("segment_gone", gone)
    path = recording_root() / row.file_name
    if row.started_at < window_start or row.ended_at > window_end:
        offset = max(0.0, (window_start - row.started_at).total_seconds())
        seconds = (min(row.ended_at, window_end) - max(row.started_at, window_start)).total_seconds()
        path = _cut(path, row, offset, seconds)
        if path is None:
            return _not_found("segment_gone", gone)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        return _not_found("segment_gone", gone)
    return _no_store(FileResponse(handle, content_type=SEGMENT_TYPE))


def playback_cache_clean(max_age=CACHE_SECONDS):
    """Remove cut copies (and stale partial ones) older than `max_age` seconds; returns how many."""
    folder = recording_root() / CACHE
    removed, now = 0, time.time()
    if not folder.is_dir():
        return 0
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > max_age:
                os.unlink(entry.path)
                removed += 1
    return removed
