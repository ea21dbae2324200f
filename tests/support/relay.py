"""The live relay worker in a background thread, for tests (relay tests, the end-to-end test, browser tests).

    with RtspTestStream() as stream, running_relay(tmp_path / "relay", grace=2) as relay:
        camera = stream_camera(owner, stream)          # a camera whose main stream is the test stream
        grant = live.sessions_start(...)               # committed data: use transactional_db / live_server
        playlist = wait_for_playlist(client, grant.token)

`running_relay(root, *, grace=None, **supervisor_options)` points PORTAL_RELAY_ROOT (and, if given,
PORTAL_RELAY_GRACE_SECONDS) at its arguments for the duration, runs `RelaySupervisor(root).run(stop)` in a daemon
thread and yields the supervisor; leaving the block stops the worker, which stops every ffmpeg it started. The
worker reads the database from its own thread, so the test must commit its data (`transactional_db`,
`django_db(transaction=True)` or `live_server`). Supervisor options worth changing in tests: `backoff_base`,
`backoff_cap`, `stall_seconds`, `stable_seconds` (see media/relay.py).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

from django.test import override_settings

from media import relay
from media.relay import RelaySupervisor
from tests.support.workers import supervisor_in_thread

__all__ = [
    "ffprobe_video",
    "running_relay",
    "stream_camera",
    "wait_for",
    "wait_for_playlist",
]


@contextlib.contextmanager
def running_relay(root, *, grace=None, **options):
    root = Path(root)
    overrides = {"PORTAL_RELAY_ROOT": root}
    if grace is not None:
        overrides["PORTAL_RELAY_GRACE_SECONDS"] = grace
    options.setdefault("poll_seconds", 0.1)
    with override_settings(**overrides):
        relay.forget_demand()
        try:
            with supervisor_in_thread(RelaySupervisor(root=root, **options), "relay worker") as supervisor:
                yield supervisor
        finally:
            relay.forget_demand()


def stream_camera(owner, stream, path=None, **fields):
    """A camera of `owner` whose main stream is the RtspTestStream's `path` (default: its first)."""
    from tests.factories import CameraFactory

    uri = stream.uri_for(path) if path else stream.uri
    return CameraFactory(owner=owner, rtsp_main_uri=uri, **fields)


def wait_for(predicate, timeout=20.0, interval=0.05, message="condition"):
    """Poll `predicate` until it returns something truthy (returned) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout:g} s")
        time.sleep(interval)


def wait_for_playlist(client, token, timeout=20.0):
    """GET the relay playlist with `token` until it answers 200 with a segment; returns its text."""

    def ready():
        response = client.get(f"/gateway/relay/{token}/index.m3u8")
        if response.status_code == 200:
            text = response.content.decode()
            return text if relay.playlist_segments(text) else None
        assert response.status_code == 503, (response.status_code, response.content[:300])
        return None

    return wait_for(ready, timeout=timeout, interval=0.1, message="a relay playlist with a segment")


def ffprobe_video(data_or_path):
    """(codec, width, height, decoded frames) of the first video stream of a file or of bytes (decodes it all)."""
    ffprobe = shutil.which("ffprobe") or "ffprobe"
    command = [ffprobe, "-v", "error", "-select_streams", "v:0", "-count_frames",
               "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0"]  # fmt: skip
    if isinstance(data_or_path, bytes | bytearray):
        result = subprocess.run([*command, "-"], input=bytes(data_or_path), capture_output=True, timeout=30)
    else:
        result = subprocess.run([*command, str(data_or_path)], capture_output=True, timeout=30)
    out = result.stdout.decode().strip()
    if result.returncode != 0 or not out:
        raise AssertionError(f"ffprobe could not read the video: {result.stderr.decode()[-500:]}")
    codec, width, height, frames = out.splitlines()[0].split(",")[:4]
    return codec, int(width), int(height), int(frames) if frames.isdigit() else 0
