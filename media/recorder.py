"""The central recorder: ffmpeg records each camera the platform must keep (RTSP to MPEG-TS segments by stream copy)
and every finished segment is indexed in RecordingSegment with its exact start and end.

Which cameras: those shared under a signed convention in force (not suspended, not terminated) whose modes include
playback or export, and the cameras their owner configured to be recorded (`Camera.recorded_centrally`). The set is
read again every `refresh_seconds`, so a new or suspended convention starts or stops recording within that time.

One ffmpeg per camera, a child of the recorder worker (`manage.py run_recorder`, its own process and systemd unit;
web processes never hold ffmpeg children). ffmpeg writes PORTAL_RECORDING_SEGMENT_SECONDS segments (cut on the
first key frame after that time) into a run folder, PORTAL_RECORDING_ROOT/<camera>/.incoming/<run>/, and appends a
line to the segment list (`segments.csv`: file, start, end in stream seconds) as each segment ends. The worker reads
the new lines, moves each file to <camera>/<YYYY>/<MM>/<DD>/ and indexes it.

Exact times. Each file's timestamps start at 0 (`-avoid_negative_ts make_zero -reset_timestamps 1 -muxdelay 0`),
and the list gives each segment's start and end in the stream's own clock, so durations and the continuity of
consecutive segments are exact. The stream clock is tied to the wall clock once per ffmpeg run: a segment file is
closed the moment the first packet of the next segment arrives, so `mtime(file) - end` is the wall-clock instant of
stream time 0 (plus the network latency); the first finished segment sets it, and it is moved only if the camera's
clock drifts by more than DRIFT_SECONDS from the wall clock (logged). The export job cuts clips with offsets from
these times (media.clips), so a file's first frame really is at its indexed start.

Gaps. When ffmpeg exits (the camera stopped answering: ffmpeg gives up after RTSP_TIMEOUT_SECONDS of silence) or
stalls, the segment it was writing is indexed too (its length from ffprobe), and a gap row is opened from the last
recorded instant; it grows while the camera stays down and ends where the next recording starts. ffmpeg is started
again with a capped exponential backoff (at once if it had been recording steadily; every `offline_backoff` seconds
when the health sweep marks the camera offline), and at most `max_starts_per_step` ffmpeg start per round, so that
hundreds of unreachable cameras never fork ffmpeg by the hundred.

Access log. Recording is collection: one entry when the recording of a camera starts (its first segment indexed,
in the same transaction: no log, no index) and one when it stops (the camera is no longer to be recorded, or the
worker stops), with what was collected. Not one per segment.

Disk. Footage is bounded by retention: `media.tasks.purge_recordings` (periodic) deletes segments past their
camera's legal retention (media.recording.recordings_purge_due) unless a legal hold keeps them. At 2 Mbit/s a
camera writes about 0.9 GB a day: 27 GB at the Camera Law's month, 330 GB at the police's year. The run folders
only ever hold the segment being written; anything a killed worker left behind is indexed by the next one.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from audit.access import AccessAction, AccessRecord, record_access
from cameras.models import Camera
from conventions.models import ConventionVersion, Mode
from conventions.scope import in_force, scope_q
from media.ffmpeg import RTSP_TIMEOUT_SECONDS, binary, media_duration, segment_command
from media.models import RecordingSegment, RecordingStream
from media.processes import log_tail, public_uri, redact, start_child, stream_uri, terminate
from media.recording import recording_root

__all__ = [
    "INCOMING",
    "RecorderBusy",
    "RecorderSupervisor",
    "cameras_to_record",
    "ffmpeg_command",
]

log = logging.getLogger(__name__)
QUIET_AFTER_FAILURES = 3  # failures in a row after which a camera's failures are logged at INFO only
GIVE_UP_AFTER_FAILURES = 10  # failures in a row (about 5 minutes of retries) after which it is tried every 300 s

INCOMING = ".incoming"  # per camera: the run folders ffmpeg writes into
SEGMENT_LIST = "segments.csv"
SEGMENT_PATTERN = "%06d.ts"
RUN_SEGMENT = re.compile(r"^\d{6}\.ts$")  # what ffmpeg writes (SEGMENT_PATTERN)
DRIFT_SECONDS = 1.0
GAP_SECONDS = 0.5  # a jump between two recorded files longer than this is recorded as a gap
State = RecordingStream.State


def _now():
    return timezone.now()


def _at(epoch):
    return datetime.fromtimestamp(round(epoch, 6), tz=UTC)


def ffmpeg_command(uri, *, segment_seconds, ffmpeg=None):
    """The ffmpeg command recording `uri` into the current folder (video only: the Camera Law forbids sound)."""
    return segment_command(
        uri, segment_pattern=SEGMENT_PATTERN, segment_seconds=segment_seconds, segment_list=SEGMENT_LIST,
        executable=ffmpeg,
    )  # fmt: skip


def cameras_to_record(at=None):
    """{camera id: why it is recorded} — "<convention reference> v<number>" for each signed convention in force,
    neither suspended nor terminated, that shares it with playback or export; "own" when configured."""
    at = at or _now()
    recorded_modes = {Mode.PLAYBACK, Mode.EXPORT}
    versions = ConventionVersion.objects.filter(
        status=ConventionVersion.Status.SIGNED,
        convention__terminated_at__isnull=True,
        convention__suspended_at__isnull=True,
    ).select_related("convention")
    by_convention = defaultdict(list)
    for version in versions:
        by_convention[version.convention_id].append(version)
    basis = defaultdict(list)
    for candidates in by_convention.values():
        current = in_force(candidates, at)
        if current is None or not recorded_modes & set(current.modes):
            continue
        label = f"{current.convention.reference} v{current.number}"
        for pk in Camera.objects.filter(scope_q(current)).values_list("pk", flat=True):
            basis[pk].append(label)
    for pk in Camera.objects.filter(recorded_centrally=True).values_list("pk", flat=True):
        basis[pk].append("own")
    return {pk: tuple(sorted(labels)) for pk, labels in basis.items()}


class RecorderBusy(RuntimeError):
    """Another recorder worker already uses this folder."""


@dataclass
class _Run:
    """One ffmpeg process recording one camera."""

    camera_id: int
    process: subprocess.Popen | None
    folder: Path
    log_path: Path | None = None
    secrets: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    progress: float = field(default_factory=time.monotonic)  # last time a segment was indexed
    offset: int = 0  # bytes of the segment list already indexed
    anchor: float | None = None  # wall-clock epoch of stream time 0
    drift: float | None = None  # a first file that disagreed with the anchor
    first_seen: float | None = None  # wall-clock epoch when its first file appeared (fallback anchor)
    last_end: datetime | None = None
    segments: int = 0

    @property
    def name(self):
        return self.folder.name


@dataclass
class _Camera:
    """What the worker knows of a camera it records."""

    camera: Camera
    basis: tuple = ()
    collecting_since: datetime | None = None  # the collection start entry is written
    episode_end: datetime | None = None  # end of the last file recorded in this episode
    gap_id: int | None = None
    gap_touched: float = 0.0
    failures: int = 0
    retry_at: float = 0.0  # monotonic


class RecorderSupervisor:
    """Starts, watches and stops one ffmpeg per camera to record, indexes their segments. `run(stop_event)` loops
    until the event is set (in the worker's main thread, or a background thread in tests) and always stops every
    child, indexing what it wrote, before returning."""

    def __init__(
        self,
        root=None,
        *,
        segment_seconds=None,
        poll_seconds=0.5,
        refresh_seconds=30.0,
        backoff_base=1.0,
        backoff_cap=60.0,
        stall_seconds=None,
        stable_seconds=30.0,
        gap_refresh_seconds=5.0,
        cameras=None,
        ffmpeg=None,
        max_starts_per_step=4,
        offline_backoff=300.0,
    ):
        self.root = Path(root or recording_root())
        self.segment_seconds = segment_seconds or settings.PORTAL_RECORDING_SEGMENT_SECONDS
        self.poll_seconds = poll_seconds
        self.refresh_seconds = refresh_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        # A segment is listed when it ends: nothing for this long means ffmpeg is stuck.
        self.stall_seconds = stall_seconds or max(30.0, 3 * self.segment_seconds + RTSP_TIMEOUT_SECONDS)
        self.stable_seconds = stable_seconds
        self.gap_refresh_seconds = gap_refresh_seconds
        self.max_starts_per_step = max_starts_per_step
        self.offline_backoff = offline_backoff  # the health sweep says the camera is down: look less often
        self.cameras_source = cameras or cameras_to_record
        self.ffmpeg = ffmpeg or binary()
        self.cameras = {}  # camera id -> _Camera (the cameras being recorded or retried)
        self.runs = {}  # camera id -> _Run
        self.wanted = {}
        self._next_refresh = 0.0
        self._lock_file = None

    # ---- life cycle

    def run(self, stop_event=None):
        stop_event = stop_event or threading.Event()
        self._open()
        log.info("Recorder worker started in %s", self.root)
        try:
            while not stop_event.is_set():
                try:
                    self.step()
                except DatabaseError:
                    log.exception("Recorder: database error; trying again")
                    with contextlib.suppress(Exception):
                        connection.close()
                    stop_event.wait(1.0)
                except Exception:  # one bad camera or a full disk must not stop the recording of the others
                    log.exception("Recorder: unexpected error; going on")
                    stop_event.wait(1.0)
                stop_event.wait(self.poll_seconds)
        finally:
            self.shutdown()
            log.info("Recorder worker stopped")

    def _open(self):
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self._lock_file = open(self.root / ".recorder.lock", "w")  # noqa: SIM115 - held for the worker's life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock_file.close()
            self._lock_file = None
            raise RecorderBusy(f"another recorder worker uses {self.root}") from exc
        self._kill_strays()
        # Episodes a killed worker left open end here, in the access log too (after indexing what it left).
        open_episodes = list(
            RecordingStream.objects.filter(collecting_since__isnull=False).values_list("camera_id", "collecting_since")
        )
        self.recover()
        for camera_id, since in open_episodes:
            camera = Camera.objects.select_related("owner").filter(pk=camera_id).first()
            if camera is not None:
                until = RecordingSegment.objects.filter(camera=camera, started_at__gte=since, is_gap=False)
                until = until.order_by("-ended_at").values_list("ended_at", flat=True).first()
                self._log_stop(camera, since, until, "recorder_interrupted")
        RecordingStream.objects.update(state=State.IDLE, pid=None, retry_at=None, collecting_since=None, open_gap=None)

    def shutdown(self):
        """Stop every child (TERM, then KILL), index what they wrote, write the collection stop entries. Idempotent."""
        runs = list(self.runs.values())
        for run in runs:
            with contextlib.suppress(OSError):
                run.process.send_signal(signal.SIGTERM)
        for camera_id in list(self.cameras):
            try:
                self._release(camera_id, "recorder_stopped")
            except Exception:
                log.exception("Recorder: camera %s: could not close its recording cleanly", camera_id)
        for run in runs:  # whatever _release could not finish
            terminate(run.process)
        self.runs.clear()
        with contextlib.suppress(Exception):
            close_old_connections()
            connection.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ---- one round

    def step(self):
        mono = time.monotonic()
        if mono >= self._next_refresh:
            self.wanted = dict(self.cameras_source())
            self._next_refresh = mono + self.refresh_seconds
        for camera_id in list(self.cameras):
            if camera_id not in self.wanted:
                self._release(camera_id, "no_longer_recorded")
        starts = 0
        for camera_id, basis in sorted(self.wanted.items()):
            state = self.cameras.get(camera_id)
            if state is None:
                camera = Camera.objects.select_related("owner").filter(pk=camera_id).first()
                if camera is None:
                    continue
                state = self.cameras[camera_id] = _Camera(camera, basis)
            state.basis = basis
            run = self.runs.get(camera_id)
            if run is not None:
                self._watch(state, run)
            elif time.monotonic() >= state.retry_at and starts < self.max_starts_per_step:
                starts += 1  # many unreachable cameras must not fork ffmpeg by the hundred at once
                self._start(state)
            else:
                self._touch_gap(state)

    def _watch(self, state, run):
        if run.first_seen is None and any(RUN_SEGMENT.match(p.name) for p in run.folder.iterdir()):
            run.first_seen = time.time()
        exited = run.process.poll() is not None
        self.harvest(state, run, ended=exited)
        if exited:
            self._ended(state, run, f"ffmpeg exited with status {run.process.returncode}")
        elif time.monotonic() - run.progress > self.stall_seconds:
            terminate(run.process)
            self._ended(state, run, f"no segment for {self.stall_seconds:g} s")

    # ---- starting and stopping ffmpeg

    def _start(self, state):
        camera_id = state.camera.pk
        camera = Camera.objects.select_related("owner").filter(pk=camera_id).first()
        if camera is None:
            self.wanted.pop(camera_id, None)
            self._release(camera_id, "camera_deleted")
            return
        state.camera = camera
        try:
            uri, secrets = stream_uri(state.camera)
        except Exception:  # an undecryptable credential must not stop the worker
            log.exception("Recorder: camera %s: cannot read its credentials", camera_id)
            uri, secrets = "", []
        if not uri:
            self._retry_later(state, "no RTSP address", at_least=self.backoff_cap)
            return
        folder = self.root / str(camera_id) / INCOMING / f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        folder.mkdir(parents=True)
        log_path = self.root / "logs" / f"{camera_id}.log"
        try:
            process = start_child(
                ffmpeg_command(uri, segment_seconds=self.segment_seconds, ffmpeg=self.ffmpeg), folder, log_path
            )
        except OSError as exc:
            log.error("Recorder: camera %s: ffmpeg could not start: %s", camera_id, exc)
            shutil.rmtree(folder, ignore_errors=True)
            self._retry_later(state, f"ffmpeg could not start: {exc}")
            return
        self.runs[camera_id] = _Run(camera_id, process, folder, log_path, secrets)
        log.info("Recorder: camera %s: ffmpeg %s records %s", camera_id, process.pid, public_uri(uri))
        values = {"state": State.STARTING, "pid": process.pid, "retry_at": None}
        if state.failures:
            values["restarts"] = F("restarts") + 1
        self._publish(camera_id, **values)

    def _ended(self, state, run, why):
        """ffmpeg exited or was stopped for stalling: index what it wrote, open a gap, try again after a backoff."""
        self._finish(state, run)
        lines = [line for line in redact(log_tail(run.log_path), run.secrets).splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else why
        ran = time.monotonic() - run.started
        stable = run.segments > 0 and ran >= self.stable_seconds
        # A camera that keeps failing is reported once at WARNING, then quietly (its state row says it all).
        level = logging.WARNING if state.failures < QUIET_AFTER_FAILURES else logging.INFO
        log.log(
            level, "Recorder: camera %s: %s after %.1f s and %d segment(s); output:\n%s",
            run.camera_id, why, ran, run.segments, "\n".join(lines[-10:]) or "(nothing)",
        )  # fmt: skip
        if stable:
            state.failures = 0
        self._open_gap(state)
        self._retry_later(state, f"{why}: {detail}", immediate=stable)

    def _finish(self, state, run):
        """The run is over: wait for ffmpeg, index the rest of its list and the file it was writing, clean up."""
        terminate(run.process)
        self.runs.pop(run.camera_id, None)
        self.harvest(state, run, ended=True)
        self.salvage(state, run)
        shutil.rmtree(run.folder, ignore_errors=True)

    def _release(self, camera_id, why):
        """Stop recording a camera: ffmpeg stopped (its last segment indexed), gap closed, stop entry written."""
        state = self.cameras.get(camera_id)
        run = self.runs.get(camera_id)
        if state is None:
            if run is not None:
                terminate(run.process)
                self.runs.pop(camera_id, None)
            return
        if run is not None:
            self._finish(state, run)
        if state.gap_id is not None:
            RecordingSegment.objects.filter(pk=state.gap_id, started_at__lt=_now()).update(ended_at=_now())
            state.gap_id = None
        if state.collecting_since is not None:
            self._log_stop(state.camera, state.collecting_since, state.episode_end, why)
        self._publish(camera_id, state=State.IDLE, pid=None, retry_at=None, failures=0, collecting_since=None,
                      open_gap=None)  # fmt: skip
        del self.cameras[camera_id]
        with contextlib.suppress(OSError):
            (self.root / "logs" / f"{camera_id}.log").unlink()
        log.info("Recorder: camera %s: recording stopped (%s)", camera_id, why)

    def _retry_later(self, state, message, *, at_least=0.0, immediate=False):
        state.failures += 1
        # Down for the health sweep, or failing again and again without a segment: look much less often, so that
        # hundreds of unreachable cameras do not keep the worker starting ffmpeg.
        if (state.failures > 1 and state.camera.status == Camera.Status.OFFLINE) or (
            state.failures > GIVE_UP_AFTER_FAILURES
        ):
            at_least = max(at_least, self.offline_backoff)
        delay = (
            0.0 if immediate else max(at_least, min(self.backoff_cap, self.backoff_base * 2 ** (state.failures - 1)))
        )
        state.retry_at = time.monotonic() + delay
        self._publish(
            state.camera.pk, state=State.RETRYING, message=message[:300], pid=None, failures=state.failures,
            retry_at=_now() + timedelta(seconds=delay),
        )  # fmt: skip

    def _publish(self, camera_id, **values):
        if not RecordingStream.objects.filter(camera_id=camera_id).update(updated_at=_now(), **values):
            plain = {k: v for k, v in values.items() if not hasattr(v, "resolve_expression")}
            RecordingStream.objects.get_or_create(camera_id=camera_id, defaults=plain)

    # ---- gaps

    def _open_gap(self, state):
        """The camera stopped giving footage: a gap from the last recorded instant, extended while it stays down."""
        if state.gap_id is not None or state.episode_end is None:
            return
        now = _now()
        if now <= state.episode_end:
            return
        gap = RecordingSegment.objects.create(camera=state.camera, started_at=state.episode_end, ended_at=now,
                                              is_gap=True)  # fmt: skip
        state.gap_id, state.gap_touched = gap.pk, time.monotonic()
        self._publish(state.camera.pk, open_gap=gap)

    def _touch_gap(self, state):
        if state.gap_id is None or time.monotonic() - state.gap_touched < self.gap_refresh_seconds:
            return
        state.gap_touched = time.monotonic()
        RecordingSegment.objects.filter(pk=state.gap_id, started_at__lt=_now()).update(ended_at=_now())

    # ---- indexing

    def harvest(self, state, run, *, ended=False):
        """Index the segments ffmpeg has listed since the last look."""
        try:
            with open(run.folder / SEGMENT_LIST, "rb") as handle:
                handle.seek(run.offset)
                data = handle.read()
        except OSError:
            return
        lines = data.split(b"\n")[:-1]  # the last piece is incomplete (or empty)
        for number, raw in enumerate(lines):
            try:
                name, start, end = next(csv.reader([raw.decode()]))[:3]
                start, end = float(start), float(end)
            except (ValueError, StopIteration, UnicodeDecodeError):
                log.warning("Recorder: camera %s: unreadable segment list line %r", run.camera_id, raw[:200])
                run.offset += len(raw) + 1
                continue
            final = ended and number == len(lines) - 1
            self._index(state, run, name, start, end, final=final)
            run.offset += len(raw) + 1

    def _anchor(self, run, mtime, start, end, final):
        estimate = mtime - end
        if run.anchor is None:
            if final and run.first_seen is not None:  # written at exit: its time says nothing of the stream's
                estimate = run.first_seen - start
            run.anchor = estimate
        elif final or abs(estimate - run.anchor) <= DRIFT_SECONDS:
            run.drift = None
        elif run.drift is None:  # one late file may be the last one, closed at exit: wait for a second opinion
            run.drift = estimate
        else:
            log.warning("Recorder: camera %s: the camera's clock drifted %.2f s; re-anchored", run.camera_id,
                        estimate - run.anchor)  # fmt: skip
            run.anchor, run.drift = estimate, None
        return run.anchor

    def _target(self, camera_id, run, name, started_at):
        day = self.root / str(camera_id) / f"{started_at:%Y/%m/%d}"
        return day / f"{started_at:%H%M%S}.{started_at.microsecond // 1000:03d}-{run.name}-{name}"

    def _index(self, state, run, name, start, end, *, final=False):
        if not RUN_SEGMENT.match(name):
            return
        path = run.folder / name
        # The file may have been moved already by an attempt whose database write failed.
        moved = None
        if run.anchor is not None:
            moved = self._target(run.camera_id, run, name, _at(run.anchor + start))
        source = path if path.exists() else moved
        if source is None or not source.exists():
            log.warning("Recorder: camera %s: segment %s listed but missing", run.camera_id, name)
            return
        stat = source.stat()
        anchor = self._anchor(run, stat.st_mtime_ns / 1e9, start, end, final)
        started_at, ended_at = _at(anchor + start), _at(anchor + end)
        if ended_at <= started_at or stat.st_size == 0:
            with contextlib.suppress(OSError):
                source.unlink()
            return
        target = self._target(run.camera_id, run, name, started_at)
        if source != target:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        self._store(state, run, target, started_at, ended_at, stat.st_size)

    def _store(self, state, run, target, started_at, ended_at, size):
        camera = state.camera
        with transaction.atomic():
            if state.gap_id is not None:
                gap = RecordingSegment.objects.filter(pk=state.gap_id)
                if not gap.filter(started_at__lt=started_at).update(ended_at=started_at):
                    gap.delete()
            elif state.episode_end is not None and (started_at - state.episode_end).total_seconds() > GAP_SECONDS:
                RecordingSegment.objects.create(camera=camera, started_at=state.episode_end, ended_at=started_at,
                                                is_gap=True)  # fmt: skip
            RecordingSegment.objects.create(
                camera=camera, started_at=started_at, ended_at=ended_at, is_gap=False, size=size,
                file_name=str(target.relative_to(self.root)),
            )  # fmt: skip
            since = state.collecting_since
            if since is None:
                record_access(
                    AccessRecord(
                        action=AccessAction.COLLECTION, controller=camera.owner, cameras=[camera],
                        window_start=started_at, reason="recording_started",
                        details={"basis": list(state.basis), "segment_seconds": self.segment_seconds},
                    )
                )  # fmt: skip
                since = started_at
            values = {"state": State.RECORDING, "last_segment_end": ended_at, "collecting_since": since,
                      "open_gap": None, "message": "", "failures": 0}  # fmt: skip
            if run.process is not None:  # not when indexing what a previous worker left
                self._publish(camera.pk, **values)
        state.collecting_since, state.gap_id = since, None
        if state.episode_end is None or ended_at > state.episode_end:
            state.episode_end = ended_at
        run.last_end, run.segments, run.progress = ended_at, run.segments + 1, time.monotonic()

    def salvage(self, state, run):
        """Index the file ffmpeg was writing when it died (not in its list): it starts where the last one ended."""
        for path in sorted(run.folder.glob("*.ts")):
            if not RUN_SEGMENT.match(path.name):
                continue
            duration = media_duration(path)
            if duration <= 0.05:
                path.unlink(missing_ok=True)
                continue
            mtime = path.stat().st_mtime
            if run.last_end is not None:
                started_at = run.last_end
            elif run.first_seen is not None:
                started_at = _at(run.first_seen)
            else:
                started_at = _at(mtime - duration)
            ended_at = started_at + timedelta(seconds=round(duration, 6))
            target = self._target(run.camera_id, run, path.name, started_at)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            self._store(state, run, target, started_at, ended_at, target.stat().st_size)
            log.info("Recorder: camera %s: indexed the unfinished segment %s (%.2f s)", run.camera_id, path.name,
                     duration)  # fmt: skip

    def recover(self):
        """Index what a previous worker's ffmpeg wrote and nobody indexed (the worker was killed), then clean up."""
        for incoming in self.root.glob(f"*/{INCOMING}"):
            if not incoming.parent.name.isdigit():
                continue
            camera = Camera.objects.select_related("owner").filter(pk=int(incoming.parent.name)).first()
            for folder in sorted(p for p in incoming.iterdir() if p.is_dir()):
                if camera is not None:
                    state = _Camera(camera, collecting_since=_now())  # its collection was logged by that worker
                    run = _Run(camera.pk, None, folder)
                    try:
                        self._recover_run(state, run)
                    except OSError:
                        log.exception("Recorder: could not recover %s", folder)
                shutil.rmtree(folder, ignore_errors=True)

    def _recover_run(self, state, run):
        try:
            lines = (run.folder / SEGMENT_LIST).read_text().splitlines()
        except OSError:
            lines = []
        estimates = []
        for line in lines:
            with contextlib.suppress(ValueError, StopIteration, OSError):
                name, _start, end = next(csv.reader([line]))[:3]
                estimates.append((run.folder / name).stat().st_mtime_ns / 1e9 - float(end))
        if estimates:
            run.anchor = min(estimates)
        self.harvest(state, run, ended=True)
        self.salvage(state, run)
        if run.segments:
            log.info("Recorder: camera %s: indexed %d segment(s) left by a previous worker", run.camera_id,
                     run.segments)  # fmt: skip

    # ---- access log

    def _log_stop(self, camera, since, until, why):
        totals = RecordingSegment.objects.filter(camera=camera, started_at__gte=since, purged_at__isnull=True)
        totals = totals.aggregate(
            segments=Count("pk", filter=Q(is_gap=False)),
            gaps=Count("pk", filter=Q(is_gap=True)),
            size=Sum("size"),
        )
        record_access(
            AccessRecord(
                action=AccessAction.COLLECTION, controller=camera.owner, cameras=[camera], window_start=since,
                window_end=until if until and until > since else None, reason="recording_stopped",
                details={"why": why, "segments": totals["segments"], "gaps": totals["gaps"],
                         "bytes": totals["size"] or 0},
            )
        )  # fmt: skip

    # ---- strays

    def _kill_strays(self):
        """ffmpeg processes recording into this root that no worker owns (found through /proc by their folder)."""
        root = self.root.resolve()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cwd = Path(os.readlink(entry / "cwd"))
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name == "ffmpeg" and cwd.parent.name == INCOMING and cwd.parent.parent.parent == root:
                log.warning("Recorder: stopping a stray ffmpeg (pid %s) left in %s", entry.name, cwd)
                with contextlib.suppress(OSError):
                    os.kill(int(entry.name), signal.SIGKILL)
