"""The gateway hook's guard: rate limits on its refusals, a sign-in-like throttle on the control-API credentials,
and the refusals' bounded trace in the access log.

Everything is counted in Django's default cache: in production Redis (CACHE_URL), which every web process shares;
without it, the in-process memory cache, where each process counts alone (the limits then hold per process).

- Per source address (the viewer's address as the authenticated media server reports it in `ip`), the refusals
  that guess (GUESSES: an unknown token, a path naming no camera, an action never allowed...): past
  PORTAL_GATEWAY_SOURCE_FAILURES in the current minute, every request from that source answers 429 without the
  gates until the minute ends. A known token refused (ended session, suspended convention, another camera) does not
  count against its source, so that a control room behind one address is not shut out by a player that keeps
  asking for an ended session.
- Per token (its SHA-256): every refusal of it; past PORTAL_GATEWAY_TOKEN_FAILURES in a minute, 429 for it.
- The `api` action (MediaMTX's control API): PORTAL_GATEWAY_API_FAILURES wrong credentials from one source within
  PORTAL_GATEWAY_API_WINDOW_SECONDS, and that source is refused (429), right password or not, for
  PORTAL_GATEWAY_API_COOL_OFF_SECONDS.

Refusals are tallied per minute and (media server, source, reason, camera); when the minute is over, each tally
becomes one access-log entry (action DENIED, reason `gateway_<reason>`) carrying its count, the number of distinct
tokens and a few of their digests, on the camera owner's chain (the platform chain when no camera is named). 500
wrong guesses thus leave a handful of entries, not 500 and not none. The tallies are written by the Celery beat task
media.tasks.flush_gateway_refusals every minute, and by the hook itself at its first refusal of a new minute (which
is what writes them when the cache is not shared with the Celery worker, as in development).
"""

import hashlib
import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from cameras.models import Camera

__all__ = [
    "GUESSES",
    "PROBE_REASONS",
    "api_failed",
    "api_throttled",
    "blocked",
    "flush",
    "flush_if_due",
    "refused",
    "token_digest",
]

log = logging.getLogger(__name__)

PREFIX = "gw:"
COUNTER_SECONDS = 120  # a minute's counters, with a margin
TALLY_SECONDS = 15 * 60  # a minute's tallies wait this long for the flusher
FLUSH_REACH = 10  # minutes back the flusher looks
GRACE_SECONDS = 2  # a minute is flushed this long after its end, when every request of it is counted
SAMPLES = 5  # token digests kept per tally
MAX_TALLIES = 2000  # tallies per minute itemised; beyond, the entry of the minute's overflow says how many

# Refusals that guess: counted against their source as well as their token.
GUESSES = frozenset({
    "unknown_token", "unknown_path", "action_not_allowed", "playback_not_granted", "not_a_media_server",
    "caller_not_a_gateway", "api_credentials",
})  # fmt: skip
# Not counted against anyone: the portal's own trouble, not the caller's.
NOT_COUNTED = frozenset({"audit_unavailable"})
# The access-log reasons the DPO console's "gateway probing" anomaly adds up.
PROBE_REASONS = frozenset(f"gateway_{reason}" for reason in GUESSES | {"wrong_camera", "rate_limited", "api_throttled"})


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def _minute(now=None):
    return int((time.time() if now is None else now) // 60)


def _count(key, timeout):
    """Add one to a shared counter (created with this timeout); the new value."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout)
        return 1


def _source_key(minute, server, source):
    return f"{PREFIX}src:{minute}:{server}:{source}"


def _token_key(minute, digest):
    return f"{PREFIX}tok:{minute}:{digest}"


def blocked(*, server, source, digest, now=None):
    """Whether this source or this token has had too many refusals this minute (one cache round trip)."""
    minute = _minute(now)
    keys = [_source_key(minute, server, source)] + ([_token_key(minute, digest)] if digest else [])
    counts = cache.get_many(keys)
    if counts.get(keys[0], 0) >= settings.PORTAL_GATEWAY_SOURCE_FAILURES:
        return True
    return bool(digest) and counts.get(keys[-1], 0) >= settings.PORTAL_GATEWAY_TOKEN_FAILURES


def refused(*, server, source, reason, digest="", camera_id=None, now=None):
    """Count one refusal against its source (a guess) and its token, and tally it for the access log."""
    now = time.time() if now is None else now
    minute = _minute(now)
    if reason not in NOT_COUNTED and reason != "rate_limited":
        if reason in GUESSES:
            _count(_source_key(minute, server, source), COUNTER_SECONDS)
        if digest:
            _count(_token_key(minute, digest), COUNTER_SECONDS)
    _tally(minute, now, server=server, source=source, reason=reason, digest=digest, camera_id=camera_id)
    flush_if_due(now)


# --- The control-API credentials: throttled like a sign-in ------------------------------------------------------


def _api_keys(server, source):
    return f"{PREFIX}api:fail:{server}:{source}", f"{PREFIX}api:lock:{server}:{source}"


def api_throttled(*, server, source):
    return bool(cache.get(_api_keys(server, source)[1]))


def api_failed(*, server, source):
    """One more wrong control-API credential from this source; locks it out past the limit."""
    failures, lock = _api_keys(server, source)
    if _count(failures, settings.PORTAL_GATEWAY_API_WINDOW_SECONDS) >= settings.PORTAL_GATEWAY_API_FAILURES:
        cache.set(lock, 1, settings.PORTAL_GATEWAY_API_COOL_OFF_SECONDS)
        cache.delete(failures)


# --- Tallies and their access-log entries ----------------------------------------------------------------------


def _tally_key(minute, ident):
    return f"{PREFIX}tally:{minute}:{ident}"


def _tally(minute, now, *, server, source, reason, digest, camera_id):
    ident = hashlib.sha256(f"{server}|{source}|{reason}|{camera_id}".encode()).hexdigest()[:32]
    key = _tally_key(minute, ident)
    if cache.add(key, 0, TALLY_SECONDS):  # the first of this minute: give it a slot in the minute's index
        slot = _count(_tally_key(minute, "n"), TALLY_SECONDS)
        if slot <= MAX_TALLIES:
            facts = {"id": ident, "server": server, "source": source, "reason": reason, "camera": camera_id, "at": now}
            cache.set(_tally_key(minute, f"slot{slot}"), facts, TALLY_SECONDS)
    _count(key, TALLY_SECONDS)
    if digest and cache.add(f"{key}:seen:{digest}", 1, TALLY_SECONDS):
        distinct = _count(f"{key}:tokens", TALLY_SECONDS)
        if distinct <= SAMPLES:
            cache.set(f"{key}:token{distinct}", digest, TALLY_SECONDS)


def _records(minute):
    slots = cache.get(_tally_key(minute, "n")) or 0
    if not slots:
        return []
    found = cache.get_many([_tally_key(minute, f"slot{i}") for i in range(1, min(slots, MAX_TALLIES) + 1)])
    tallies = list(found.values())
    cameras = Camera.objects.select_related("owner").in_bulk([t["camera"] for t in tallies if t["camera"]])
    start = datetime.fromtimestamp(minute * 60, UTC)
    records = []
    for tally in tallies:
        key = _tally_key(minute, tally["id"])
        facts = cache.get_many([key, f"{key}:tokens", *(f"{key}:token{i}" for i in range(1, SAMPLES + 1))])
        camera = cameras.get(tally["camera"])
        details = {
            "gateway": tally["server"],
            "count": facts.get(key, 0),
            "tokens": facts.get(f"{key}:tokens", 0),
            "token_digests": [facts[f"{key}:token{i}"] for i in range(1, SAMPLES + 1) if f"{key}:token{i}" in facts],
            "minute": start.isoformat(),
        }
        if tally["camera"] and camera is None:
            details["camera_id"] = tally["camera"]  # a camera the portal does not know
        records.append(
            AccessRecord(
                action=AccessAction.DENIED,
                controller=camera.owner if camera else None,
                cameras=[camera] if camera else [],
                decision="deny",
                reason=f"gateway_{tally['reason']}"[:60],
                source_address=tally["source"],
                occurred_at=datetime.fromtimestamp(tally["at"], UTC),
                details=details,
            )
        )
    if slots > MAX_TALLIES:
        records.append(
            AccessRecord(
                action=AccessAction.DENIED,
                controller=None,
                decision="deny",
                reason="gateway_overflow",
                occurred_at=start,
                details={"minute": start.isoformat(), "tallies_not_itemised": slots - MAX_TALLIES},
            )
        )
    return records


def flush(now=None):
    """Write the tallies of every closed minute within reach that no process has written yet: one access-log entry
    per tally, all of a minute in one transaction. Returns the number of entries written."""
    now = time.time() if now is None else now
    closed = _minute(now - GRACE_SECONDS)
    written = 0
    for minute in range(closed - FLUSH_REACH, closed):
        done = _tally_key(minute, "done")
        if not cache.add(done, 1, TALLY_SECONDS + 3600):  # another process has it
            continue
        try:
            records = _records(minute)
            with transaction.atomic():
                for record in records:
                    record_access(record)
        except Exception:
            cache.delete(done)  # written by the next flush
            raise
        written += len(records)
    return written


_flushed = {"minute": None}


def flush_if_due(now=None):
    """Flush once per minute and process, at the first refusal of a new minute; never raises."""
    closed = _minute((time.time() if now is None else now) - GRACE_SECONDS)
    if _flushed["minute"] == closed:
        return
    _flushed["minute"] = closed
    try:
        flush(now)
    except (AccessLogUnavailable, DatabaseError):
        log.exception("Gateway refusals could not be written to the access log; the next flush retries")
