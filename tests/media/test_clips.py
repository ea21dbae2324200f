"""Cutting windows out of recorded segments with the real ffmpeg."""

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from media.clips import ClipError, Segment, cut_clip

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def segments(tmp_path_factory):
    """Three 4-second H.264 segments (1 s GOP, no B-frames), as the recorder writes them."""
    folder = tmp_path_factory.mktemp("segments")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
         "-t", "12", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0",
         "-f", "segment", "-segment_time", "4", "-reset_timestamps", "1", str(folder / "seg%03d.ts")],
        check=True,
    )  # fmt: skip
    return [Segment(folder / f"seg{i:03d}.ts", T0 + timedelta(seconds=4 * i), T0 + timedelta(seconds=4 * i + 4))
            for i in range(3)]  # fmt: skip


def probe(path):
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    data = json.loads(output)
    return float(data["format"]["duration"]), [s["codec_name"] for s in data["streams"]]


def test_a_stream_copy_cut_spans_segments_and_starts_at_a_key_frame(segments, tmp_path):
    dest = tmp_path / "clip.mp4"
    used = cut_clip(segments, T0 + timedelta(seconds=2), T0 + timedelta(seconds=9), dest)
    assert [s.path.name for s in used] == ["seg000.ts", "seg001.ts", "seg002.ts"]
    duration, codecs = probe(dest)
    assert codecs == ["h264"]
    assert 6.5 <= duration <= 8.1  # up to one GOP earlier than asked


def test_an_exact_cut_with_a_watermark_is_re_encoded_to_the_frame(segments, tmp_path):
    dest = tmp_path / "exact.mp4"
    cut_clip(segments, T0 + timedelta(seconds=2.5), T0 + timedelta(seconds=9.3), dest, exact=True,
             watermark="For 5339 Bruxelles-Ixelles · request FR-2026-0001 · 2026-11-02 14:00 UTC: 100%")  # fmt: skip
    duration, codecs = probe(dest)
    assert codecs == ["h264"] and abs(duration - 6.8) < 0.15


def test_a_window_without_footage_is_refused_and_nothing_is_left(segments, tmp_path):
    dest = tmp_path / "none.mp4"
    with pytest.raises(ClipError):
        cut_clip(segments, T0 + timedelta(hours=1), T0 + timedelta(hours=2), dest)
    with pytest.raises(ClipError):
        cut_clip(segments, T0 + timedelta(seconds=5), T0 + timedelta(seconds=4), dest)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_cut_leaves_no_partial_clip(segments, tmp_path):
    broken = [Segment(tmp_path / "missing.ts", T0, T0 + timedelta(seconds=4))]
    dest = tmp_path / "broken.mp4"
    with pytest.raises(ClipError):
        cut_clip(broken, T0, T0 + timedelta(seconds=3), dest)
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_offsets_are_counted_from_the_files_own_first_timestamp(segments, tmp_path):
    """MPEG-TS files usually start at 1.4 s, not 0: a cut must still start where the window does."""
    first = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", str(segments[2].path)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert first > 0.5  # the premise: this file does not start at zero
    dest = tmp_path / "tail.mp4"
    cut_clip(segments, T0 + timedelta(seconds=10), T0 + timedelta(seconds=12), dest, exact=True)
    duration, _ = probe(dest)
    assert abs(duration - 2.0) < 0.15
