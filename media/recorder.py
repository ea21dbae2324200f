"""The central recorder: ffmpeg records each camera the platform must keep (RTSP to MPEG-TS segments by stream copy)
and every finished segment is indexed in RecordingSegment with its exact start and end.

Which cameras: `cameras_to_record()` below decides: those shared under a signed convention in force (not suspended,
not terminated) whose modes include playback or export, and the cameras their owner configured to be recorded
(`Camera.recorded_centrally`). The set is read again every `refresh_seconds`, so a new or suspended convention
starts or stops recording within that time.

One ffmpeg per camera, a child of the recorder worker (`manage.py run_recorder`, its own process and systemd unit;
web processes never hold ffmpeg children), run by the Supervisor the relay shares (media.supervisor): this module
is the recorder's policy only. ffmpeg writes PORTAL_RECORDING_SEGMENT_SECONDS segments (cut on the first key frame
after that time) into a run folder, PORTAL_RECORDING_ROOT/<camera>/.incoming/<run>/; media.segment_files reads
them back with their exact start and end and moves them to <camera>/<YYYY>/<MM>/<DD>/, and `_store` indexes them.

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

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.access import AccessAction, AccessRecord, record_access
from cameras.models import Camera
from conventions.models import ConventionVersion, Mode
from conventions.scope import in_force, scope_q
from media import segment_files
from media.ffmpeg import RTSP_TIMEOUT_SECONDS, segment_command
from media.models import RecordingSegment, RecordingStream
from media.recording import recording_root
from media.segment_files import INCOMING, SEGMENT_LIST, SEGMENT_PATTERN, Run
from media.supervisor import Supervisor, WorkerBusy, remove_folder

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
GAP_SECONDS = 0.5  # a jump between two recorded files longer than this is recorded as a gap
State = RecordingStream.State


def _now():
    return timezone.now()


def cameras_to_record(at=None):
    """Which cameras the platform must record now: {camera id: why, as a tuple of labels}.

    A camera is recorded when a signed convention in force at `at` (default now), neither suspended nor terminated,
    shares it with the playback or export mode (label "<convention reference> v<version number>"), or when its
    owner configured it to be recorded by the platform (`Camera.recorded_centrally`, label "own"), and it has a
    stream address. This is the
    whole decision: the recorder worker reads it every `refresh_seconds` and starts or stops recording to match,
    and the labels go into the access log's collection entry."""
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
    # A camera without a stream address cannot be recorded: never hand it to ffmpeg (the demo's synthetic ones).
    streamless = set(
        Camera.objects.filter(pk__in=basis, rtsp_main_uri="", rtsp_sub_uri="").values_list("pk", flat=True)
    )
    return {pk: tuple(sorted(labels)) for pk, labels in basis.items() if pk not in streamless}


def ffmpeg_command(uri, *, segment_seconds, ffmpeg=None):
    """The ffmpeg command recording `uri` into the current folder (video only: the Camera Law forbids sound)."""
    return segment_command(
        uri, segment_pattern=SEGMENT_PATTERN, segment_seconds=segment_seconds, segment_list=SEGMENT_LIST,
        executable=ffmpeg,
    )  # fmt: skip


class RecorderBusy(WorkerBusy):
    """Another recorder worker already uses this folder."""


@dataclass
class _Camera:
    """What the worker knows of a camera it records."""

    camera: Camera
    basis: tuple = ()
    collecting_since: datetime | None = None  # the collection start entry is written
    episode_end: datetime | None = None  # end of the last file recorded in this episode
    gap_id: int | None = None
    gap_touched: float = 0.0


class RecorderSupervisor(Supervisor):
    """The recorder's policy: record the cameras `cameras_to_record()` names, index each finished segment, record
    gaps, write the collection entries, and recover what a killed worker left. The loop, the lock, the children
    (`children`: camera id -> Run) and the retries are the shared Supervisor's."""

    name = "Recorder"
    lock_name = ".recorder.lock"
    busy_error = RecorderBusy
    streams = RecordingStream
    child_type = Run

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
        super().__init__(
            root or recording_root(), poll_seconds=poll_seconds, backoff_base=backoff_base, backoff_cap=backoff_cap,
            ffmpeg=ffmpeg,
        )  # fmt: skip
        self.segment_seconds = segment_seconds or settings.PORTAL_RECORDING_SEGMENT_SECONDS
        self.refresh_seconds = refresh_seconds
        # A segment is listed when it ends: nothing for this long means ffmpeg is stuck.
        self.stall_seconds = stall_seconds or max(30.0, 3 * self.segment_seconds + RTSP_TIMEOUT_SECONDS)
        self.stable_seconds = stable_seconds
        self.gap_refresh_seconds = gap_refresh_seconds
        self.max_starts_per_step = max_starts_per_step
        self.offline_backoff = offline_backoff  # the health sweep says the camera is down: look less often
        self.cameras_source = cameras or cameras_to_record
        self.cameras = {}  # camera id -> _Camera (the cameras being recorded or retried)
        self.wanted = {}
        self._next_refresh = 0.0

    # ---- the policy's hooks

    def command(self, uri):
        return ffmpeg_command(uri, segment_seconds=self.segment_seconds, ffmpeg=self.ffmpeg)

    def child_folder(self, camera_id):
        return self.root / str(camera_id) / INCOMING / f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"

    def is_child_folder(self, path):
        return path.parent.name == INCOMING and path.parent.parent.parent == self.root.resolve()

    def retry_floor(self, camera_id, failures):
        # Down for the health sweep, or failing again and again without a segment: look much less often, so that
        # hundreds of unreachable cameras do not keep the worker starting ffmpeg.
        state = self.cameras.get(camera_id)
        offline = state is not None and state.camera.status == Camera.Status.OFFLINE
        if (failures > 1 and offline) or failures > GIVE_UP_AFTER_FAILURES:
            return self.offline_backoff
        return 0.0

    def collect(self, run):
        """Index the rest of the run's list and the file it was writing; without the camera, keep them for the
        next worker's recovery."""
        state = self.cameras.get(run.camera_id)
        if state is None:
            return False
        segment_files.harvest(run, self.root, partial(self._store, state), ended=True)
        segment_files.salvage(run, self.root, partial(self._store, state))
        return True

    def recover(self):
        """Index what a previous worker's ffmpeg wrote and nobody indexed (the worker was killed), close the
        collection episodes it left open in the access log, and mark every recording idle."""
        open_episodes = list(
            RecordingStream.objects.filter(collecting_since__isnull=False).values_list("camera_id", "collecting_since")
        )
        for incoming in self.root.glob(f"*/{INCOMING}"):
            if not incoming.parent.name.isdigit():
                continue
            camera = Camera.objects.select_related("owner").filter(pk=int(incoming.parent.name)).first()
            for folder in sorted(p for p in incoming.iterdir() if p.is_dir()):
                if camera is not None:
                    try:
                        self._recover_run(camera, folder)
                    except OSError:
                        log.exception("Recorder: could not recover %s", folder)
                remove_folder(folder)
        # Episodes a killed worker left open end here, in the access log too (after indexing what it left).
        for camera_id, since in open_episodes:
            camera = Camera.objects.select_related("owner").filter(pk=camera_id).first()
            if camera is not None:
                until = RecordingSegment.objects.filter(camera=camera, started_at__gte=since, is_gap=False)
                until = until.order_by("-ended_at").values_list("ended_at", flat=True).first()
                self._log_stop(camera, since, until, "recorder_interrupted")
        RecordingStream.objects.update(state=State.IDLE, pid=None, retry_at=None, collecting_since=None, open_gap=None)

    def _recover_run(self, camera, folder):
        state = _Camera(camera, collecting_since=_now())  # its collection was logged by that worker
        run = Run(camera.pk, None, folder)
        run.anchor = segment_files.recovered_anchor(run)
        store = partial(self._store, state)
        segment_files.harvest(run, self.root, store, ended=True)
        segment_files.salvage(run, self.root, store)
        if run.segments:
            log.info("Recorder: camera %s: indexed %d segment(s) left by a previous worker", run.camera_id,
                     run.segments)  # fmt: skip

    def release_all(self):
        for camera_id in list(self.cameras):
            try:
                self._release(camera_id, "recorder_stopped")
            except Exception:
                log.exception("Recorder: camera %s: could not close its recording cleanly", camera_id)

    # ---- one round

    def step(self):
        """Read `cameras_to_record()` again when due; stop recording the cameras it no longer names; watch the runs
        of the others, and start (at most `max_starts_per_step` per round) those due for a start or a retry."""
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
                RecordingStream.objects.get_or_create(camera=camera)  # where its state is published
                state = self.cameras[camera_id] = _Camera(camera, basis)
            state.basis = basis
            run = self.children.get(camera_id)
            if run is not None:
                self._watch(state, run)
            elif self.retry_due(camera_id) and starts < self.max_starts_per_step:
                starts += 1  # many unreachable cameras must not fork ffmpeg by the hundred at once
                self._start(state)
            else:
                self._touch_gap(state)

    def _watch(self, state, run):
        run.notice_first_file()
        exited = run.process.poll() is not None
        segment_files.harvest(run, self.root, partial(self._store, state), ended=exited)
        if exited:
            self._ended(state, run, f"ffmpeg exited with status {run.process.returncode}")
        elif time.monotonic() - run.progress > self.stall_seconds:
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
        self.start(camera_id, camera)

    def _ended(self, state, run, why):
        """ffmpeg exited or is stopped for stalling: index what it wrote, open a gap, try again after a backoff."""
        self.end_child(run)
        lines = self.child_output(run)
        detail = lines[-1].strip() if lines else why
        ran = time.monotonic() - run.started
        stable = run.segments > 0 and ran >= self.stable_seconds
        # A camera that keeps failing is reported once at WARNING, then quietly (its state row says it all).
        level = logging.WARNING if self.failures(run.camera_id) < QUIET_AFTER_FAILURES else logging.INFO
        log.log(
            level, "Recorder: camera %s: %s after %.1f s and %d segment(s); output:\n%s",
            run.camera_id, why, ran, run.segments, "\n".join(lines[-10:]) or "(nothing)",
        )  # fmt: skip
        self._open_gap(state)
        self.retry_later(run.camera_id, f"{why}: {detail}", stable=stable)

    def _release(self, camera_id, why):
        """Stop recording a camera: ffmpeg stopped (its last segment indexed), gap closed, stop entry written."""
        state = self.cameras.get(camera_id)
        run = self.children.get(camera_id)
        if run is not None:
            self.end_child(run)
        if state is None:
            return
        if state.gap_id is not None:
            RecordingSegment.objects.filter(pk=state.gap_id, started_at__lt=_now()).update(ended_at=_now())
            state.gap_id = None
        if state.collecting_since is not None:
            self._log_stop(state.camera, state.collecting_since, state.episode_end, why)
        self.publish(camera_id, state=State.IDLE, pid=None, retry_at=None, failures=0, collecting_since=None,
                     open_gap=None)  # fmt: skip
        del self.cameras[camera_id]
        self.forget(camera_id)
        log.info("Recorder: camera %s: recording stopped (%s)", camera_id, why)

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
        self.publish(state.camera.pk, open_gap=gap)

    def _touch_gap(self, state):
        if state.gap_id is None or time.monotonic() - state.gap_touched < self.gap_refresh_seconds:
            return
        state.gap_touched = time.monotonic()
        RecordingSegment.objects.filter(pk=state.gap_id, started_at__lt=_now()).update(ended_at=_now())

    # ---- indexing (the files are media.segment_files')

    def _store(self, state, run, target, started_at, ended_at, size):
        """Index one file of `run` (already in place at `target`) and what it means: the gap before it closed or
        recorded, the collection start entry if it is the episode's first, the camera's state published."""
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
                self.publish(camera.pk, **values)
        state.collecting_since, state.gap_id = since, None
        if state.episode_end is None or ended_at > state.episode_end:
            state.episode_end = ended_at

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
