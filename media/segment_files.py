"""The recorder's files: what its ffmpeg writes in a run folder, read back with each file's exact start and end, and
each file moved to its place. media.recorder decides what to record and stores what this module finds.

A run is one ffmpeg process recording one camera into PORTAL_RECORDING_ROOT/<camera>/.incoming/<run>/: it writes
segments (%06d.ts) and appends a line to the segment list (`segments.csv`: file, start, end in stream seconds) as
each segment ends. `harvest` reads the new lines, moves each file to <camera>/<YYYY>/<MM>/<DD>/ and hands it over
with its times; `salvage` does the same for the file ffmpeg was writing when it stopped (not in the list).

Exact times. Each file's timestamps start at 0 (`-avoid_negative_ts make_zero -reset_timestamps 1 -muxdelay 0`),
and the list gives each segment's start and end in the stream's own clock, so durations and the continuity of
consecutive segments are exact. The stream clock is tied to the wall clock once per run: a segment file is closed
the moment the first packet of the next segment arrives, so `mtime(file) - end` is the wall-clock instant of stream
time 0 (plus the network latency); the first finished segment sets it, and it is moved only if the camera's clock
drifts by more than DRIFT_SECONDS from the wall clock (logged). The export job cuts clips with offsets from these
times (media.clips), so a file's first frame really is at its indexed start.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from media.ffmpeg import media_duration
from media.supervisor import Child

__all__ = ["INCOMING", "SEGMENT_LIST", "SEGMENT_PATTERN", "Run", "harvest", "recovered_anchor", "salvage"]

log = logging.getLogger("media.recorder")  # the recorder's story in one logger, as operators read it

INCOMING = ".incoming"  # per camera: the run folders ffmpeg writes into
SEGMENT_LIST = "segments.csv"
SEGMENT_PATTERN = "%06d.ts"
RUN_SEGMENT = re.compile(r"^\d{6}\.ts$")  # what ffmpeg writes (SEGMENT_PATTERN)
DRIFT_SECONDS = 1.0


def at(epoch):
    """The aware datetime of a wall-clock epoch, to the microsecond."""
    return datetime.fromtimestamp(round(epoch, 6), tz=UTC)


@dataclass
class Run(Child):
    """One ffmpeg process recording one camera, and how far its files are indexed."""

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

    def notice_first_file(self):
        """Remember when the first segment file appeared (the anchor of a run that ends before any is listed)."""
        if self.first_seen is None and any(RUN_SEGMENT.match(p.name) for p in self.folder.iterdir()):
            self.first_seen = time.time()


def harvest(run, root, store, *, ended=False):
    """Hand over the segments ffmpeg has listed since the last look: each file is moved under `root` and given to
    `store(run, path, started_at, ended_at, size)`. `ended`: ffmpeg has exited, so the last file listed was closed
    at its exit, and its modification time says nothing of the stream's clock."""
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
        _index(run, root, store, name, start, end, final=final)
        run.offset += len(raw) + 1


def _anchor(run, mtime, start, end, final):
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


def _target(root, run, name, started_at):
    day = root / str(run.camera_id) / f"{started_at:%Y/%m/%d}"
    return day / f"{started_at:%H%M%S}.{started_at.microsecond // 1000:03d}-{run.name}-{name}"


def _index(run, root, store, name, start, end, *, final=False):
    if not RUN_SEGMENT.match(name):
        return
    path = run.folder / name
    # The file may have been moved already by an attempt whose database write failed.
    moved = None
    if run.anchor is not None:
        moved = _target(root, run, name, at(run.anchor + start))
    source = path if path.exists() else moved
    if source is None or not source.exists():
        log.warning("Recorder: camera %s: segment %s listed but missing", run.camera_id, name)
        return
    stat = source.stat()
    anchor = _anchor(run, stat.st_mtime_ns / 1e9, start, end, final)
    started_at, ended_at = at(anchor + start), at(anchor + end)
    if ended_at <= started_at or stat.st_size == 0:
        with contextlib.suppress(OSError):
            source.unlink()
        return
    target = _target(root, run, name, started_at)
    if source != target:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    _stored(run, store, target, started_at, ended_at, stat.st_size)


def _stored(run, store, target, started_at, ended_at, size):
    store(run, target, started_at, ended_at, size)
    run.last_end, run.segments, run.progress = ended_at, run.segments + 1, time.monotonic()


def salvage(run, root, store):
    """Hand over the file ffmpeg was writing when it stopped (not in its list): it starts where the last one ended,
    and lasts what ffprobe finds in it. An empty or unreadable file is deleted."""
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
            started_at = at(run.first_seen)
        else:
            started_at = at(mtime - duration)
        ended_at = started_at + timedelta(seconds=round(duration, 6))
        target = _target(root, run, path.name, started_at)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        _stored(run, store, target, started_at, ended_at, target.stat().st_size)
        log.info("Recorder: camera %s: indexed the unfinished segment %s (%.2f s)", run.camera_id, path.name,
                 duration)  # fmt: skip


def recovered_anchor(run):
    """The anchor of a run a previous worker left, from the files still in its folder (None if there are none)."""
    try:
        lines = (run.folder / SEGMENT_LIST).read_text().splitlines()
    except OSError:
        lines = []
    estimates = []
    for line in lines:
        with contextlib.suppress(ValueError, StopIteration, OSError):
            name, _start, end = next(csv.reader([line]))[:3]
            estimates.append((run.folder / name).stat().st_mtime_ns / 1e9 - float(end))
    return min(estimates) if estimates else None
