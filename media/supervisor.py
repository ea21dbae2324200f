"""The supervisor the media workers share: the live relay (media.relay) and the recorder (media.recorder) are each a
`Supervisor` subclass that keeps only its own policy.

A worker owns a data folder, its root, and in it one ffmpeg child per camera, each writing into a folder of its
own. The supervisor does what every such worker must do:

- take the root's lock (one worker per root; a second one gets `WorkerBusy`), stop the ffmpeg processes a killed
  predecessor may have left (`kill_strays`), and let the policy `recover()` what that predecessor left;
- call the policy's `step()` every `poll_seconds` until the stop event is set, surviving database errors and
  unexpected ones (one bad camera must not stop the work for the others);
- keep the children (`children`: camera id -> Child) and the retries (`retries`: camera id -> Retry): start a
  child (`start`), end one (`end_child`), retry a failing camera after a capped exponential backoff
  (`retry_later`), and publish each camera's state on its row (`publish`);
- on the way out, stop every child at once, let the policy `release_all()` its cameras, and give the lock back.

The policy, in the subclass: `step()` (which cameras are wanted now and what to do with each), `command(uri)`,
`child_folder(camera_id)`, `is_child_folder(path)`, and the optional hooks `recover()`, `collect(child)`,
`release_all()`, `retry_floor(camera_id, failures)` and `problem_values(problem)`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from media.ffmpeg import binary
from media.processes import log_tail, printable, public_uri, redact, start_child, stream_uri, terminate, terminate_all

__all__ = [
    "SignalStop",
    "stop_on_signals",
    "INTERRUPTED",
    "NO_ADDRESS",
    "NO_ANSWER",
    "Child",
    "Retry",
    "Supervisor",
    "WorkerBusy",
    "remove_folder",
]

# Why a camera is being retried (the relay publishes it; RelayStream.Problem has the same values).
NO_ANSWER = "no_answer"
INTERRUPTED = "interrupted"
NO_ADDRESS = "no_address"


class SignalStop:
    """The stop flag of a worker process, set by its SIGTERM/SIGINT handler (`stop_on_signals`).

    A signal handler runs in the main thread between two bytecodes, possibly while the worker's loop holds the lock
    of a threading.Event it is waiting on: setting that Event from the handler then waits for that lock forever (the
    recorder was seen hanging on SIGTERM this way). Setting this flag takes no lock; `wait` sleeps in short slices
    (a signal cuts a sleep short), so the loop sees the flag within WAKE_SECONDS."""

    WAKE_SECONDS = 0.2

    def __init__(self):
        self._stopped = False

    def set(self):
        self._stopped = True

    def is_set(self):
        return self._stopped

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while not self._stopped and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.WAKE_SECONDS, left))
        return self._stopped


def stop_on_signals():
    """A SignalStop that SIGTERM and SIGINT set (call in the process's main thread)."""
    stop = SignalStop()

    def request_stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


class WorkerBusy(RuntimeError):
    """Another worker already uses this folder."""


@dataclass
class Child:
    """One ffmpeg process working for one camera, in a folder of its own (`process` is None for what a previous
    worker left behind)."""

    camera_id: int
    process: subprocess.Popen | None
    folder: Path
    log_path: Path | None = None
    secrets: list = field(default_factory=list)  # what to hide in its output: the credentials in its command
    started: float = field(default_factory=time.monotonic)


@dataclass
class Retry:
    """A camera that failed: how many times in a row, and when (monotonic) to try again."""

    failures: int
    at: float


def remove_folder(path, attempts=5, pause=0.05):
    """Remove a folder and everything in it; True once it is gone.

    Tried again while it is still there: rmtree gives up on a folder whose content changes while it empties it.
    Callers make sure nothing writes into it any more (its ffmpeg has exited); a folder that still will not go is
    left to the next sweep or start."""
    path = Path(path)
    for attempt in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return True
        time.sleep(pause * (attempt + 1))
    return False


class Supervisor(ABC):
    """Runs one ffmpeg per camera the policy wants, in `root`. `run(stop_event)` loops until the event is set (in the
    worker's main thread, or a background thread in tests) and always stops every child before returning."""

    name = "Media worker"  # how the logs name the worker
    lock_name = ".worker.lock"
    busy_error = WorkerBusy
    streams = None  # the model with one row per camera where the worker publishes its state
    child_type = Child

    def __init__(self, root, *, poll_seconds, backoff_base, backoff_cap, ffmpeg=None):
        self.root = Path(root)
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.ffmpeg = ffmpeg or binary()
        self.children = {}  # camera id -> Child
        self.retries = {}  # camera id -> Retry
        self.log = logging.getLogger(type(self).__module__)  # the policy's logger: media.relay, media.recorder
        self._lock_file = None

    # ---- the policy

    @abstractmethod
    def step(self):
        """One round: look at what is wanted now, start, watch and stop children accordingly."""

    @abstractmethod
    def command(self, uri):
        """The ffmpeg command (an argument list) for a camera's stream `uri`, run in the child's folder."""

    @abstractmethod
    def child_folder(self, camera_id):
        """The folder a new child of `camera_id` writes into (emptied first)."""

    @abstractmethod
    def is_child_folder(self, path):
        """Whether `path` (resolved) has the shape of a child's folder of this worker's root."""

    def recover(self):  # noqa: B027 - an optional hook: the relay has nothing to recover
        """At start-up, with the lock held and strays stopped: deal with what a previous worker left."""

    def collect(self, child):
        """`child`'s process has exited: take what it wrote before its folder goes. Return False to keep the folder
        (what it holds could not be taken and waits for the next worker's recovery)."""
        return True

    def release_all(self):
        """On the way out, the children's processes stopped: end them and leave each camera's state consistent."""
        for child in list(self.children.values()):
            self.end_child(child)

    def retry_floor(self, camera_id, failures):
        """The least delay before trying a camera again after `failures` failures in a row."""
        return 0.0

    def problem_values(self, problem):
        """What to publish about why a camera is being retried (NO_ANSWER, INTERRUPTED, NO_ADDRESS)."""
        return {}

    # ---- life cycle

    def run(self, stop_event=None):
        """Open (lock, strays, recovery), then one `step()` every `poll_seconds` until `stop_event` is set; always
        shut down before returning. Raises `busy_error` if another worker holds the root."""
        stop_event = stop_event or threading.Event()
        self.open()
        self.log.info("%s worker started in %s", self.name, self.root)
        try:
            while not stop_event.is_set():
                try:
                    self.step()
                except DatabaseError:
                    self.log.exception("%s: database error; trying again", self.name)
                    with contextlib.suppress(Exception):
                        connection.close()
                    stop_event.wait(1.0)
                except Exception:  # one bad camera or a full disk must not stop the work for the others
                    self.log.exception("%s: unexpected error; going on", self.name)
                    stop_event.wait(1.0)
                stop_event.wait(self.poll_seconds)
        finally:
            self.shutdown()
            self.log.info("%s worker stopped", self.name)

    def open(self):
        """Take the root's lock, stop stray ffmpeg processes, let the policy recover what a previous worker left."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        lock_file = open(self.root / self.lock_name, "w")  # noqa: SIM115 - held for the worker's life
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            lock_file.close()
            raise self.busy_error(f"another {self.name.lower()} worker uses {self.root}") from exc
        self._lock_file = lock_file
        try:
            self.kill_strays()
            self.recover()
        except BaseException:
            self._unlock()
            raise

    def shutdown(self):
        """Stop every child (TERM to all at once, KILL after a grace), let the policy release its cameras, give the
        lock back. Idempotent."""
        try:
            terminate_all([child.process for child in self.children.values() if child.process is not None])
            self.release_all()
        except Exception:
            self.log.exception("%s: could not release every camera cleanly", self.name)
        finally:
            self.children.clear()
            self.retries.clear()
            with contextlib.suppress(Exception):
                close_old_connections()
                connection.close()
            self._unlock()

    def _unlock(self):
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def kill_strays(self):
        """Kill ffmpeg processes working in one of this root's child folders that no worker owns (their worker was
        killed where pdeathsig is missing), found through /proc by their working directory."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cwd = Path(os.readlink(entry / "cwd"))
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name == "ffmpeg" and self.is_child_folder(cwd):
                self.log.warning("%s: stopping a stray ffmpeg (pid %s) left in %s", self.name, entry.name, cwd)
                with contextlib.suppress(OSError):
                    os.kill(int(entry.name), signal.SIGKILL)

    # ---- children

    def log_path(self, camera_id):
        return self.root / "logs" / f"{camera_id}.log"

    def start(self, camera_id, camera, **values):
        """Start `camera`'s ffmpeg in a fresh folder and publish that it is starting (with `values`). Returns the
        child, or None if it cannot start (no address, ffmpeg missing...): then it is retried later."""
        try:
            uri, secrets = stream_uri(camera)
        except Exception:  # an undecryptable credential must not stop the worker
            self.log.exception("%s: camera %s: cannot read its credentials", self.name, camera_id)
            uri, secrets = "", []
        if not uri:
            self.retry_later(camera_id, "no RTSP address", problem=NO_ADDRESS, at_least=self.backoff_cap)
            return None
        folder = self.child_folder(camera_id)
        remove_folder(folder)
        folder.mkdir(parents=True)
        log_path = self.log_path(camera_id)
        command = self.command(uri)
        try:
            process = start_child(command, folder, log_path)
        except OSError as exc:  # ffmpeg missing, no more processes...
            self.log.error("%s: camera %s: ffmpeg could not start: %s", self.name, camera_id, exc)
            remove_folder(folder)
            self.retry_later(camera_id, f"ffmpeg could not start: {exc}", problem=NO_ANSWER)
            return None
        child = self.child_type(camera_id, process, folder, log_path, secrets)
        self.children[camera_id] = child
        self.log.info("%s: camera %s: ffmpeg %s started for %s", self.name, camera_id, process.pid, public_uri(uri))
        self.log.debug("%s: camera %s: %s", self.name, camera_id, printable(command, secrets))
        values = {"state": self.streams.State.STARTING, "pid": process.pid, "retry_at": None, **values}
        if camera_id in self.retries:
            values["restarts"] = F("restarts") + 1
        self.publish(camera_id, **values)
        return child

    def end_child(self, child, **values):
        """End `child` and clear up after it, in an order that leaves no half state for anyone to see: its process
        is waited for (TERM, then KILL), the policy collects what it wrote, its folder is removed (again while it
        reappears), `values` are published on its row, and only then is it forgotten. Whoever sees a camera gone
        from `children` sees its process gone, its folder gone and its new state."""
        terminate(child.process)
        if self.collect(child) and not remove_folder(child.folder):
            self.log.warning("%s: camera %s: could not remove %s", self.name, child.camera_id, child.folder)
        if values:
            self.publish(child.camera_id, **values)
        if self.children.get(child.camera_id) is child:
            del self.children[child.camera_id]

    def child_output(self, child):
        """The non-empty lines at the end of the child's log, credentials removed."""
        return [line for line in redact(log_tail(child.log_path), child.secrets).splitlines() if line.strip()]

    def forget(self, camera_id):
        """The camera is no longer this worker's business: forget its failures and delete its log."""
        self.retries.pop(camera_id, None)
        with contextlib.suppress(OSError):
            self.log_path(camera_id).unlink()

    # ---- retries and state

    def failures(self, camera_id):
        retry = self.retries.get(camera_id)
        return retry.failures if retry else 0

    def retry_due(self, camera_id):
        retry = self.retries.get(camera_id)
        return retry is None or time.monotonic() >= retry.at

    def retry_later(self, camera_id, message, *, problem=NO_ANSWER, at_least=0.0, stable=False):
        """Count a failure of the camera and publish when it is tried again: after a backoff doubling with each
        failure in a row, from `backoff_base` to `backoff_cap` (never less than `at_least` nor the policy's
        floor). `stable`: it had been working steadily, so it is tried again at once and counting starts again.
        Returns the delay in seconds."""
        failures = 1 if stable else self.failures(camera_id) + 1
        floor = max(at_least, self.retry_floor(camera_id, failures))
        delay = 0.0 if stable else max(floor, min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1)))
        self.retries[camera_id] = Retry(failures, time.monotonic() + delay)
        self.publish(
            camera_id, state=self.streams.State.RETRYING, message=message[:300], pid=None, failures=failures,
            retry_at=timezone.now() + timedelta(seconds=delay), **self.problem_values(problem),
        )  # fmt: skip
        return delay

    def publish(self, camera_id, **values):
        """Write what the worker is doing with the camera on its row (for the web side and for people)."""
        self.streams.objects.filter(camera_id=camera_id).update(updated_at=timezone.now(), **values)
