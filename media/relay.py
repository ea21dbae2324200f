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
import fcntl
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cameras.models import Camera
from media.ffmpeg import binary, hls_command
from media.models import RelayStream
from media.processes import log_tail, public_uri, redact, start_child, stream_uri, terminate

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
    "want",
]

log = logging.getLogger(__name__)

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
    return Path(settings.PORTAL_RELAY_ROOT)


def camera_folder(camera_id, root=None):
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


class RelayBusy(RuntimeError):
    """Another relay worker already uses this folder."""


@dataclass
class _Child:
    camera_id: int
    process: subprocess.Popen
    folder: Path
    log_path: Path
    secrets: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    running: bool = False  # its first playlist appeared


@dataclass
class _Retry:
    failures: int
    at: float  # monotonic


class RelaySupervisor:
    """Starts, watches and stops one ffmpeg per wanted camera. `run(stop_event)` loops until the event is set (in
    the worker's main thread, or a background thread in tests) and always stops every child before returning."""

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
        self.root = Path(root or relay_root())
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.start_timeout = start_timeout
        self.stall_seconds = stall_seconds
        self.stable_seconds = stable_seconds
        self.sweep_seconds = sweep_seconds
        self.segment_seconds = segment_seconds
        self.list_size = list_size
        self.ffmpeg = ffmpeg or binary()
        self.children = {}  # camera id -> _Child
        self._retries = {}  # camera id -> _Retry
        self._last_sweep = 0.0
        self._lock_file = None

    # ---- life cycle

    def run(self, stop_event=None):
        stop_event = stop_event or threading.Event()
        self._open()
        log.info("Live relay worker started in %s", self.root)
        try:
            while not stop_event.is_set():
                try:
                    self.step()
                except DatabaseError:
                    log.exception("Live relay: database error; trying again")
                    with contextlib.suppress(Exception):
                        connection.close()
                    stop_event.wait(1.0)
                except Exception:  # one bad camera or a full disk must not stop the relays of the others
                    log.exception("Live relay: unexpected error; going on")
                    stop_event.wait(1.0)
                stop_event.wait(self.poll_seconds)
        finally:
            self.shutdown()
            log.info("Live relay worker stopped")

    def _open(self):
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self._lock_file = open(self.root / ".worker.lock", "w")  # noqa: SIM115 - held for the worker's life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock_file.close()
            self._lock_file = None
            raise RelayBusy(f"another relay worker uses {self.root}") from exc
        # Whatever a previous worker left: its children died with it (pdeathsig); its folders and states go.
        self._kill_strays()
        for folder in self._camera_folders():
            shutil.rmtree(folder, ignore_errors=True)
        RelayStream.objects.exclude(state=IDLE).update(state=IDLE, pid=None, retry_at=None, failures=0)

    def shutdown(self):
        """Stop every child (TERM, then KILL), remove their folders, mark their relays idle. Idempotent."""
        children, self.children = self.children, {}
        for child in children.values():
            with contextlib.suppress(OSError):
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3.0
        for child in children.values():
            try:
                child.process.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    child.process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=5)
            shutil.rmtree(child.folder, ignore_errors=True)
        self._retries.clear()
        try:  # nothing runs or retries without a worker
            RelayStream.objects.exclude(state=IDLE).update(state=IDLE, pid=None, retry_at=None, failures=0)
        except DatabaseError:
            log.warning("Live relay: could not mark the relays idle on the way out")
        with contextlib.suppress(Exception):
            close_old_connections()
            connection.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ---- one round

    def step(self):
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
                self._stop(camera_id)
            else:
                self._watch(child)

        mono = time.monotonic()
        for camera_id in sorted(wanted - set(self.children)):
            retry = self._retries.get(camera_id)
            if retry is None or mono >= retry.at:
                self._start(camera_id)

        for camera_id, row in rows.items():
            if camera_id not in wanted and camera_id not in self.children and row["state"] != IDLE:
                self._retries.pop(camera_id, None)
                self._publish(camera_id, state=IDLE, pid=None, retry_at=None, failures=0)
        for camera_id in list(self._retries):
            if camera_id not in wanted:
                del self._retries[camera_id]

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
                self._publish(child.camera_id, state=RUNNING, problem="", message="", retry_at=None)
                child.running = True
            elif time.monotonic() - child.started > self.start_timeout:
                self._failed(child, f"no segment within {self.start_timeout:g} s", kill=True)
            return
        try:
            age = time.time() - playlist.stat().st_mtime
        except OSError:
            age = float("inf")
        if age > self.stall_seconds:
            self._failed(child, f"the playlist has not changed for {self.stall_seconds:g} s", kill=True)

    # ---- starting and stopping ffmpeg

    def _start(self, camera_id):
        camera = Camera.objects.filter(pk=camera_id).only("rtsp_main_uri", "rtsp_sub_uri", "credentials_encrypted")
        camera = camera.first()
        previous = self._retries.get(camera_id)
        if camera is None:
            return
        try:
            uri, secrets = stream_uri(camera)
        except Exception:  # an undecryptable credential must not stop the worker
            log.exception("Live relay: camera %s: cannot read its credentials", camera_id)
            uri, secrets = "", []
        if not uri:
            self._retry_later(camera_id, previous, Problem.NO_ADDRESS, "no RTSP address", at_least=self.backoff_cap)
            return
        folder = camera_folder(camera_id, self.root)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log_path = self.root / "logs" / f"{camera_id}.log"
        command = ffmpeg_command(uri, segment_seconds=self.segment_seconds, list_size=self.list_size,
                                 ffmpeg=self.ffmpeg)  # fmt: skip
        try:
            process = start_child(command, folder, log_path)
        except OSError as exc:  # ffmpeg missing, no more processes...
            log.error("Live relay: camera %s: ffmpeg could not start: %s", camera_id, exc)
            shutil.rmtree(folder, ignore_errors=True)
            self._retry_later(camera_id, previous, Problem.NO_ANSWER, f"ffmpeg could not start: {exc}")
            return
        self.children[camera_id] = _Child(camera_id, process, folder, log_path, secrets)
        log.info("Live relay: camera %s: ffmpeg %s started for %s", camera_id, process.pid, public_uri(uri))
        values = {"state": STARTING, "pid": process.pid, "started_at": timezone.now(), "retry_at": None}
        if previous is not None:
            values["restarts"] = F("restarts") + 1
        self._publish(camera_id, **values)

    def _stop(self, camera_id):
        """Nobody watches any more: stop ffmpeg and wait for it, remove its folder, publish that the relay is idle,
        and only then forget the child, so that whoever sees it gone from `children` finds its process, its folder
        and its state gone too."""
        child = self.children[camera_id]
        terminate(child.process)
        if not _remove_folder(child.folder):
            log.warning("Live relay: camera %s: could not remove %s", camera_id, child.folder)
        with contextlib.suppress(OSError):
            child.log_path.unlink()
        self._publish(camera_id, state=IDLE, pid=None, retry_at=None, failures=0, problem="", message="")
        del self.children[camera_id]
        self._retries.pop(camera_id, None)
        log.info("Live relay: camera %s: nobody watches any more; ffmpeg stopped", camera_id)

    def _failed(self, child, why, *, kill=False):
        """ffmpeg exited (or is killed for stalling): say why, and try again after the backoff."""
        if kill:
            terminate(child.process)
        _remove_folder(child.folder)  # the view answers "not ready" until the next playlist
        del self.children[child.camera_id]
        lines = [line for line in redact(log_tail(child.log_path), child.secrets).splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else why
        ran = time.monotonic() - child.started
        stable = child.running and ran >= self.stable_seconds  # it had been working: restart at once
        previous = None if stable else self._retries.get(child.camera_id)
        problem = Problem.INTERRUPTED if child.running else Problem.NO_ANSWER
        log.warning(
            "Live relay: camera %s: %s after %.1f s (%s); output:\n%s",
            child.camera_id, why, ran, problem, "\n".join(lines[-10:]) or "(nothing)",
        )  # fmt: skip
        self._retry_later(child.camera_id, previous, problem, f"{why}: {detail}", immediate=stable)

    def _retry_later(self, camera_id, previous, problem, message, *, at_least=0.0, immediate=False):
        failures = (previous.failures if previous else 0) + 1
        delay = 0.0 if immediate else max(at_least, min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1)))
        self._retries[camera_id] = _Retry(failures, time.monotonic() + delay)
        self._publish(
            camera_id, state=RETRYING, problem=problem, message=message[:300], pid=None, failures=failures,
            retry_at=timezone.now() + timedelta(seconds=delay),
        )  # fmt: skip

    def _publish(self, camera_id, **values):
        RelayStream.objects.filter(camera_id=camera_id).update(updated_at=timezone.now(), **values)

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
                shutil.rmtree(folder, ignore_errors=True)
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

    def _kill_strays(self):
        """ffmpeg processes relaying into this root that no worker owns (a worker killed where pdeathsig is
        missing): found through /proc by their working directory."""
        root = str(self.root.resolve())
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cwd = os.readlink(entry / "cwd")
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name == "ffmpeg" and Path(cwd).parent == Path(root):
                log.warning("Live relay: stopping a stray ffmpeg (pid %s) left in %s", entry.name, cwd)
                with contextlib.suppress(OSError):
                    os.kill(int(entry.name), signal.SIGKILL)


def _remove_folder(path, attempts=5, pause=0.05):
    """Remove a folder and everything in it; True once it is gone. Tried again while it is still there: rmtree gives
    up on a folder whose content changes while it empties it. Callers make sure its ffmpeg has exited first."""
    for attempt in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return True
        time.sleep(pause * (attempt + 1))
    return False


def _mtime(entry):
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0
