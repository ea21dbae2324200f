"""The central recorder worker in a background thread, for tests (recorder tests, playback end to end).

    with RtspTestStream() as stream, running_recorder(tmp_path / "recordings", segment_seconds=2) as recorder:
        camera = stream_camera(owner, stream, recorded_centrally=True)   # committed data: transactional_db
        rows = wait_for_segments(camera, 3)

`running_recorder(root, **supervisor_options)` points PORTAL_RECORDING_ROOT at `root` for the duration, runs
`RecorderSupervisor(root).run(stop)` in a daemon thread and yields the supervisor; leaving the block stops the
worker, which stops every ffmpeg it started after indexing what they wrote. Defaults fit tests: 2 s segments, a
look at the cameras to record every 0.3 s, short backoffs. The worker reads the database from its own thread, so the
test must commit its data (`django_db(transaction=True)` or `live_server`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.test import override_settings

from media.models import RecordingSegment
from media.recorder import RecorderSupervisor
from tests.support.relay import wait_for
from tests.support.workers import supervisor_in_thread

__all__ = ["running_recorder", "segments_of", "wait_for_segments"]


@contextlib.contextmanager
def running_recorder(root, **options):
    root = Path(root)
    options.setdefault("segment_seconds", 2)
    options.setdefault("poll_seconds", 0.1)
    options.setdefault("refresh_seconds", 0.3)
    options.setdefault("backoff_base", 0.5)
    options.setdefault("backoff_cap", 2.0)
    options.setdefault("stable_seconds", 3.0)
    options.setdefault("gap_refresh_seconds", 0.5)
    with (
        override_settings(PORTAL_RECORDING_ROOT=root),
        supervisor_in_thread(RecorderSupervisor(root=root, **options), "recorder worker") as supervisor,
    ):
        yield supervisor


def segments_of(camera, *, gaps=False):
    rows = RecordingSegment.objects.filter(camera=camera, purged_at__isnull=True).order_by("started_at", "pk")
    return list(rows if gaps else rows.filter(is_gap=False))


def wait_for_segments(camera, count, timeout=40.0):
    """Wait until `count` recorded (non-gap) segments of `camera` are indexed; returns them in time order."""
    return wait_for(
        lambda: (rows := segments_of(camera)) and len(rows) >= count and rows,
        timeout=timeout,
        interval=0.2,
        message=f"{count} recorded segments",
    )
