"""Recorded footage for tests: real H.264 segment files made by ffmpeg, indexed as the recorder indexes them."""

import subprocess
from datetime import timedelta

from media.models import RecordingSegment


def record_segments(camera, root, start, *, count=3, seconds=4, size="320x240"):
    """Write `count` segments of `seconds` each (1 s GOP, no B-frames) under `root` and index them from `start`."""
    folder = root / str(camera.pk)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
         "-t", str(count * seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0",
         "-f", "segment", "-segment_time", str(seconds), "-reset_timestamps", "1", str(folder / "seg%05d.ts")],
        check=True,
    )  # fmt: skip
    segments = []
    for index in range(count):
        path = folder / f"seg{index:05d}.ts"
        segments.append(
            RecordingSegment.objects.create(
                camera=camera,
                started_at=start + timedelta(seconds=index * seconds),
                ended_at=start + timedelta(seconds=(index + 1) * seconds),
                file_name=str(path.relative_to(root)),
                size=path.stat().st_size,
            )  # fmt: skip
        )
    return segments
