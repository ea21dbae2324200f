"""Cutting a window of recorded footage out of the recorder's segments with ffmpeg.

By default the cut is a stream copy (fast, lossless): it starts at the key frame at or before the window's start,
so a clip may begin up to one GOP early. `exact=True` re-encodes for a frame-exact window, and a watermark naming
the recipient, the request and the time (burned in with drawtext) needs the re-encode too.
"""

import contextlib
import ctypes
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from media.ffmpeg import clip_command, first_timestamp

__all__ = ["ClipError", "Segment", "cut_clip", "watermark_font"]

FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
)


class ClipError(Exception):
    """The window cannot be cut (no footage in it, or ffmpeg failed)."""


@dataclass(frozen=True)
class Segment:
    path: Path
    start: datetime
    end: datetime


def watermark_font():
    for font in FONTS:
        if Path(font).exists():
            return font
    raise ClipError("No font for the watermark: install the Debian package fonts-dejavu-core.")


def die_with_parent():
    """Run in the child before ffmpeg starts (Linux): a worker killed mid-cut takes its ffmpeg with it, so a
    retry never races an orphan writing into the same folder."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _escape_concat(path):
    return str(path).replace("'", "'\\''")


def _first_timestamp(path):
    try:
        return first_timestamp(path)
    except subprocess.TimeoutExpired as exc:
        raise ClipError(f"ffprobe could not read {Path(path).name} in time.") from exc


def cut_clip(segments, window_start, window_end, dest, *, exact=False, watermark="", timeout=3600):
    """Cut [window_start, window_end) from `segments` (Segment list, any order) into the MP4 file `dest`.

    Returns the list of segments used. Writes to a temporary name and renames at the end, so a failed or killed
    cut never leaves a partial clip under `dest`."""
    if window_end <= window_start:
        raise ClipError("The window ends before it starts.")
    used = sorted((s for s in segments if s.end > window_start and s.start < window_end), key=lambda s: s.start)
    if not used:
        raise ClipError("No recorded footage in this window.")
    if shutil.which("ffmpeg") is None:
        raise ClipError("ffmpeg is not installed.")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clip-", dir=dest.parent) as work:
        listing = Path(work) / "segments.txt"
        lines = ["ffconcat version 1.0"]
        for segment in used:
            lines.append(f"file '{_escape_concat(segment.path.resolve())}'")
            # inpoint/outpoint are timestamps inside the file, which need not start at zero (MPEG-TS muxers
            # usually start at 1.4 s): offsets from the segment's start are moved by the file's first timestamp.
            if segment.start < window_start or segment.end > window_end:
                first = _first_timestamp(segment.path)
            if segment.start < window_start:
                lines.append(f"inpoint {first + (window_start - segment.start).total_seconds():.6f}")
            if segment.end > window_end:
                lines.append(f"outpoint {first + (window_end - segment.start).total_seconds():.6f}")
        listing.write_text("\n".join(lines) + "\n")
        partial = Path(work) / ("clip" + dest.suffix)
        font = watermark_font() if watermark else None
        command = clip_command(listing, partial, reencode=exact, watermark_text=watermark, font=font)
        try:
            result = subprocess.run(  # noqa: S603 - fixed ffmpeg arguments, no shell
                command, capture_output=True, text=True, timeout=timeout, preexec_fn=die_with_parent
            )
        except subprocess.TimeoutExpired as exc:
            raise ClipError("Cutting the clip took too long.") from exc
        if result.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
            raise ClipError(f"ffmpeg could not cut the clip: {result.stderr.strip()[-500:]}")
        partial.replace(dest)
    return used
