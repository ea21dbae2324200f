"""The built-in live relay: ffmpeg pulls a camera's RTSP main stream and writes HLS by stream copy.

One ffmpeg per camera, writing short segments and a bounded playlist into PORTAL_RELAY_ROOT/<camera id>/, shared by
every viewer of that camera. Web processes never hold ffmpeg children: a playlist fetch records demand with `want()`
(a throttled write of `RelayStream.wanted_until`), and the relay worker (`manage.py run_relay`, its own process and
systemd unit) polls those rows, starts ffmpeg when a camera is wanted, stops it PORTAL_RELAY_GRACE_SECONDS after the
last fetch, restarts it when it crashes or stalls, retries a camera that does not answer with a capped exponential
backoff, and keeps the disk bounded (ffmpeg deletes old segments; a sweep removes anything left behind). What it is
doing is published on the row (state, problem, retry_at) so the viewer gets a clear message.

The relay writes nothing to the access log: the live session's consultation entry is the record.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cameras.models import Camera
from media.ffmpeg import hls_command
from media.models import RelayStream
from media.supervisor import Child, Supervisor, WorkerBusy, remove_folder

__all__ = [
    "PLAYLIST",
    "SEGMENT_NAME",
    "RelayBusy",
    "RelaySupervisor",
    "camera_folder",
    "ffmpeg_command",
    "forget_demand",
    "playlist_segments",
    "relay_root",
    "release",
    "want",
]

PLAYLIST = "index.m3u8"
SEGMENT_PATTERN = "seg%06d.ts"
SEGMENT_NAME = re.compile(r"^seg\d{6,10}\.ts$")  # what ffmpeg writes (SEGMENT_PATTERN) and all the relay ever serves
SEGMENT_SECONDS = 1  # a target: segments end on keyframes, so a 1 s GOP gives 1 s segments
LIST_SIZE = 6
DELETE_THRESHOLD = 3  # segments kept after leaving the playlist, for players holding an older playlist
IDLE = RelayStream.State.IDLE
STARTING = RelayStream.State.STARTING
RUNNING = RelayStream.State.RUNNING
RETRYING = RelayStream.State.RETRYING
Problem = RelayStream.Problem


def relay_root():
    """Where the relay writes (PORTAL_RELAY_ROOT), and where the web side reads."""
    return Path(settings.PORTAL_RELAY_ROOT)


def camera_folder(camera_id, root=None):
    """The folder where the relay of `camera_id` writes its playlist and segments."""
    return Path(root or relay_root()) / str(int(camera_id))


def playlist_segments(text):
    """The segment names a playlist lists, in order."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# --- Demand (web side) -------------------------------------------------------------------------------------------

_demand = {}  # camera id -> monotonic time of this process's last write
_demand_lock = threading.Lock()


def _throttle_seconds():
    return max(0.05, min(2.0, settings.PORTAL_RELAY_GRACE_SECONDS / 4))


def want(camera_id, *, force=False):
    """Someone is watching `camera_id`: keep its relay running for the grace period from now.

    Writes at most every few seconds per camera and process (a playlist fetch usually writes nothing); the
    demand written covers the throttle too, so the relay stops between one and one-and-a-bit grace periods after
    the last fetch. `force` writes anyway (the caller is about to read the row)."""
    throttle = _throttle_seconds()
    now = time.monotonic()
    with _demand_lock:
        last = _demand.get(camera_id)
        if not force and last is not None and now - last < throttle:
            return False
        _demand[camera_id] = now
    until = timezone.now() + timedelta(seconds=settings.PORTAL_RELAY_GRACE_SECONDS + throttle)
    if not RelayStream.objects.filter(camera_id=camera_id).update(wanted_until=until):
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
                RelayStream.objects.create(camera_id=camera_id, wanted_until=until)
        except IntegrityError:  # another process created it meanwhile
            RelayStream.objects.filter(camera_id=camera_id).update(wanted_until=until)
    return True


def release(camera_id):
    """Nobody may watch `camera_id` any more: end its demand now, so the relay stops it at its next round."""
    with _demand_lock:
        _demand.pop(camera_id, None)
    RelayStream.objects.filter(camera_id=camera_id, wanted_until__gt=timezone.now()).update(wanted_until=timezone.now())


def forget_demand():
    """Forget this process's write throttle (tests that reuse camera ids in a fresh database)."""
    with _demand_lock:
        _demand.clear()


# --- ffmpeg -------------------------------------------------------------------------------------------------------


def ffmpeg_command(uri, *, segment_seconds=SEGMENT_SECONDS, list_size=LIST_SIZE, ffmpeg=None):
    """The ffmpeg command relaying `uri` into the current folder (video only, stream copy), under setpriv."""
    return hls_command(
        uri, playlist=PLAYLIST, segment_pattern=SEGMENT_PATTERN, segment_seconds=segment_seconds,
        list_size=list_size, delete_threshold=DELETE_THRESHOLD, executable=ffmpeg,
    )  # fmt: skip


# --- The worker ---------------------------------------------------------------------------------------------------


class RelayBusy(WorkerBusy):
    """Another relay worker already uses this folder."""


@dataclass
class _Child(Child):
    running: bool = False  # its first playlist appeared


class RelaySupervisor(Supervisor):
    """The relay's policy: a camera is relayed while someone watches it (`RelayStream.wanted_until` is ahead), its
    child is watched for a first playlist and for stalls, and the disk is swept. The loop, the lock, the children
    and the retries are the shared Supervisor's."""

    name = "Live relay"
    lock_name = ".worker.lock"
    busy_error = RelayBusy
    streams = RelayStream
    child_type = _Child

    def __init__(
        self,
        root=None,
        *,
        poll_seconds=0.2,
        backoff_base=1.0,
        backoff_cap=30.0,
        start_timeout=20.0,
        stall_seconds=15.0,
        stable_seconds=30.0,
        sweep_seconds=2.0,
        segment_seconds=SEGMENT_SECONDS,
        list_size=LIST_SIZE,
        ffmpeg=None,
    ):
        super().__init__(
            root or relay_root(), poll_seconds=poll_seconds, backoff_base=backoff_base, backoff_cap=backoff_cap,
            ffmpeg=ffmpeg,
        )  # fmt: skip
        self.start_timeout = start_timeout
        self.stall_seconds = stall_seconds
        self.stable_seconds = stable_seconds
        self.sweep_seconds = sweep_seconds
        self.segment_seconds = segment_seconds
        self.list_size = list_size
        self._last_sweep = 0.0

    # ---- the policy's hooks

    def command(self, uri):
        return ffmpeg_command(uri, segment_seconds=self.segment_seconds, list_size=self.list_size, ffmpeg=self.ffmpeg)

    def child_folder(self, camera_id):
        return camera_folder(camera_id, self.root)

    def is_child_folder(self, path):
        return path.parent == self.root.resolve()

    def problem_values(self, problem):
        return {"problem": Problem(problem)}

    def recover(self):
        # Whatever a previous worker left: its children died with it (pdeathsig); its folders and states go.
        for folder in self._camera_folders():
            remove_folder(folder)
        RelayStream.objects.exclude(state=IDLE).update(state=IDLE, pid=None, retry_at=None, failures=0)

    def release_all(self):
        super().release_all()
        try:  # nothing runs or retries without a worker
            RelayStream.objects.exclude(state=IDLE).update(state=IDLE, pid=None, retry_at=None, failures=0)
        except DatabaseError:
            self.log.warning("Live relay: could not mark the relays idle on the way out")

    # ---- one round

    def step(self):
        """Which cameras are wanted now (watched within the grace period): start those without a child, watch the
        others, stop the children of cameras nobody watches any more, and sweep the disk now and then."""
        now = timezone.now()
        rows = {
            row["camera_id"]: row
            for row in RelayStream.objects.filter(Q(wanted_until__gt=now) | ~Q(state=IDLE)).values(
                "camera_id", "wanted_until", "state"
            )
        }
        wanted = {cid for cid, row in rows.items() if row["wanted_until"] and row["wanted_until"] > now}

        for camera_id, child in list(self.children.items()):
            if camera_id not in wanted:
                self._stop(child)
            else:
                self._watch(child)

        for camera_id in sorted(wanted - set(self.children)):
            if self.retry_due(camera_id):
                self._start(camera_id)

        for camera_id, row in rows.items():
            if camera_id not in wanted and camera_id not in self.children and row["state"] != IDLE:
                self.retries.pop(camera_id, None)
                self.publish(camera_id, state=IDLE, pid=None, retry_at=None, failures=0)
        for camera_id in list(self.retries):
            if camera_id not in wanted:
                del self.retries[camera_id]

        mono = time.monotonic()
        if mono - self._last_sweep >= self.sweep_seconds:
            self._last_sweep = mono
            self.sweep()

    def _watch(self, child):
        if child.process.poll() is not None:
            self._failed(child, f"ffmpeg exited with status {child.process.returncode}")
            return
        playlist = child.folder / PLAYLIST
        if not child.running:
            if playlist.exists():  # published first: whoever sees it running finds its row saying so
                self.publish(child.camera_id, state=RUNNING, problem="", message="", retry_at=None)
                child.running = True
            elif time.monotonic() - child.started > self.start_timeout:
                self._failed(child, f"no segment within {self.start_timeout:g} s")
            return
        try:
            age = time.time() - playlist.stat().st_mtime
        except OSError:
            age = float("inf")
        if age > self.stall_seconds:
            self._failed(child, f"the playlist has not changed for {self.stall_seconds:g} s")

    # ---- starting and stopping ffmpeg

    def _start(self, camera_id):
        camera = Camera.objects.filter(pk=camera_id).only("rtsp_main_uri", "rtsp_sub_uri", "credentials_encrypted")
        camera = camera.first()
        if camera is not None:
            self.start(camera_id, camera, started_at=timezone.now())

    def _stop(self, child):
        # Its folder and its idle state are gone and published before it leaves `children`.
        self.end_child(child, state=IDLE, pid=None, retry_at=None, failures=0, problem="", message="")
        self.forget(child.camera_id)
        self.log.info("Live relay: camera %s: nobody watches any more; ffmpeg stopped", child.camera_id)

    def _failed(self, child, why):
        """ffmpeg exited (or is stopped for stalling): say why, and try again after the backoff."""
        self.end_child(child)  # the view answers "not ready" until the next playlist
        lines = self.child_output(child)
        detail = lines[-1].strip() if lines else why
        ran = time.monotonic() - child.started
        stable = child.running and ran >= self.stable_seconds  # it had been working: restart at once
        problem = Problem.INTERRUPTED if child.running else Problem.NO_ANSWER
        self.log.warning(
            "Live relay: camera %s: %s after %.1f s (%s); output:\n%s",
            child.camera_id, why, ran, problem, "\n".join(lines[-10:]) or "(nothing)",
        )  # fmt: skip
        self.retry_later(child.camera_id, f"{why}: {detail}", problem=problem, stable=stable)

    # ---- disk

    def _camera_folders(self):
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]

    def sweep(self):
        """Bound the disk whatever ffmpeg does: folders of cameras not relayed go; in a relayed folder, segments
        neither listed nor among the few just dropped from the playlist go, and so do stale temporary files."""
        keep = self.list_size + DELETE_THRESHOLD + 2
        now = time.time()
        for folder in self._camera_folders():
            camera_id = int(folder.name)
            if camera_id not in self.children:
                remove_folder(folder, attempts=1)
                continue
            try:
                listed = set(playlist_segments((folder / PLAYLIST).read_text()))
            except OSError:
                listed = set()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            segments = sorted((e for e in entries if SEGMENT_NAME.match(e.name)), key=lambda e: int(e.name[3:-3]))
            extra = [e for e in segments[:-keep] if e.name not in listed]
            stale = [e for e in entries if e.name.endswith(".tmp") and now - _mtime(e) > 60]
            for entry in extra + stale:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
        for log_path in (self.root / "logs").glob("*.log"):
            with contextlib.suppress(OSError, ValueError):
                camera_id = int(log_path.stem)
                if camera_id not in self.children:
                    log_path.unlink()
                elif log_path.stat().st_size > 1_000_000:  # opened for appending: ffmpeg goes on at 0
                    os.truncate(log_path, 0)


def _mtime(entry):
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0
