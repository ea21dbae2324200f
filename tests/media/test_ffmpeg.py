"""The video plane's ffmpeg command lines (media/ffmpeg.py): the options that matter, equivalence with the command
lines written by hand before ffmpeg-python built them, credentials kept out of logs, and the watermark's text drawn
exactly as written whatever it holds (checked with the real ffmpeg, pixel for pixel)."""

import hashlib
import shutil
import subprocess
from collections import Counter

import ffmpeg as ffmpeg_python
import pytest

from media import ffmpeg, recorder, relay
from media.clips import watermark_font
from media.processes import printable, redact

URI = "rtsp://viewer:s3cret-Pa55@192.0.2.10:554/Streaming/Channels/101"
FLAGS = {"-nostdin", "-hide_banner", "-nostats", "-y", "-an", "-sn", "-dn"}  # options without a value
GLOBAL = {"-nostdin", "-hide_banner", "-nostats", "-y", "-loglevel"}

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (make system-deps)")


def parsed(command):
    """A command line as ffmpeg reads it: (global options, input options, input, output options, output), each
    group of options as a multiset of (option, value), so that two lines differing only in an order ffmpeg does
    not care about compare equal."""
    args = command[command.index("--") + 2 :] if "--" in command else command[1:]  # after setpriv's wrapper
    glob, before, after = Counter(), Counter(), Counter()
    source = target = None
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("-") and arg != "-":
            value = None if arg in FLAGS else args[index + 1]
            index += 1 if value is None else 2
            if arg == "-i":
                source = value
            elif arg in GLOBAL:
                glob[(arg, value)] += 1
            else:
                (after if source is not None else before)[(arg, value)] += 1
            continue
        target = arg
        index += 1
    return glob, before, source, after, target


def option(command, name):
    return command[command.index(name) + 1]


def test_the_relay_copies_the_video_into_a_bounded_hls_playlist():
    command = relay.ffmpeg_command(URI, segment_seconds=1, list_size=6, ffmpeg="/usr/bin/ffmpeg")
    if shutil.which("setpriv"):
        assert command[:4] == [shutil.which("setpriv"), "--pdeathsig", "TERM", "--"]
    glob, before, source, after, target = parsed(command)
    assert source == URI and target == relay.PLAYLIST
    assert before == Counter({("-timeout", "5000000"): 1})  # an input option: before -i
    assert after == Counter({
        ("-map", "0:v:0"): 1, ("-c", "copy"): 1, ("-an", None): 1, ("-sn", None): 1, ("-dn", None): 1,
        ("-f", "hls"): 1, ("-hls_time", "1"): 1, ("-hls_list_size", "6"): 1, ("-hls_delete_threshold", "3"): 1,
        ("-hls_flags", "delete_segments+omit_endlist+temp_file+independent_segments+program_date_time"): 1,
        ("-hls_segment_filename", "seg%06d.ts"): 1,
    })  # fmt: skip
    assert glob == Counter({("-nostdin", None): 1, ("-hide_banner", None): 1, ("-nostats", None): 1,
                            ("-loglevel", "error"): 1, ("-y", None): 1})  # fmt: skip
    assert command.index("-timeout") < command.index("-i")


def test_the_recorder_copies_the_video_into_listed_segments_starting_at_zero():
    command = recorder.ffmpeg_command(URI, segment_seconds=60, ffmpeg="/usr/bin/ffmpeg")
    glob, before, source, after, target = parsed(command)
    assert source == URI and target == "%06d.ts"
    assert before == Counter({("-timeout", "5000000"): 1})
    assert after == Counter({
        ("-map", "0:v:0"): 1, ("-c", "copy"): 1, ("-an", None): 1, ("-sn", None): 1, ("-dn", None): 1,
        ("-avoid_negative_ts", "make_zero"): 1, ("-muxdelay", "0"): 1, ("-muxpreload", "0"): 1,
        ("-f", "segment"): 1, ("-segment_format", "mpegts"): 1, ("-segment_time", "60"): 1,
        ("-reset_timestamps", "1"): 1, ("-segment_list", "segments.csv"): 1, ("-segment_list_type", "csv"): 1,
    })  # fmt: skip
    assert ("-loglevel", "error") in glob and ("-y", None) in glob


# The command lines as they were written by hand before ffmpeg-python built them (media/relay.py, recorder.py,
# clips.py, recording_views.py at aae73f0). `-nostats` is now given to every command: it only silences the
# progress line.
BEFORE = {
    "relay": [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-timeout", "5000000",
        "-i", URI, "-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn", "-f", "hls", "-hls_time", "1",
        "-hls_list_size", "6", "-hls_delete_threshold", "3",
        "-hls_flags", "delete_segments+omit_endlist+temp_file+independent_segments+program_date_time",
        "-hls_segment_filename", "seg%06d.ts", "index.m3u8",
    ],
    "recorder": [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-timeout", "5000000",
        "-i", URI, "-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn",
        "-avoid_negative_ts", "make_zero", "-muxdelay", "0", "-muxpreload", "0",
        "-f", "segment", "-segment_format", "mpegts", "-segment_time", "2", "-reset_timestamps", "1",
        "-segment_list", "segments.csv", "-segment_list_type", "csv", "%06d.ts",
    ],
    "copy": [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", "segments.txt", "-c", "copy", "-map", "0", "-movflags", "+faststart",
        "clip.mp4",
    ],
    "exact": [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", "segments.txt", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
        "-pix_fmt", "yuv420p", "-c:a", "copy", "-map", "0", "-movflags", "+faststart", "clip.mp4",
    ],
    "playback": [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
        "-ss", "1.500000", "-i", "a.ts", "-t", "2.000000", "-map", "0:v", "-c", "copy",
        "-avoid_negative_ts", "make_zero", "-muxdelay", "0", "-muxpreload", "0", "-f", "mpegts", "cut.ts",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_the_commands_are_those_written_by_hand_before(name):
    built = {
        "relay": lambda: relay.ffmpeg_command(URI),
        "recorder": lambda: recorder.ffmpeg_command(URI, segment_seconds=2),
        "copy": lambda: ffmpeg.clip_command("segments.txt", "clip.mp4"),
        "exact": lambda: ffmpeg.clip_command("segments.txt", "clip.mp4", reencode=True),
        "playback": lambda: ffmpeg.playback_cut_command("a.ts", "cut.ts", offset=1.5, seconds=2),
    }[name]()
    assert parsed(built) == parsed(BEFORE[name])


def test_a_watermark_is_a_filter_graph_on_the_video_re_encoded_with_the_audio_copied():
    command = ffmpeg.clip_command("segments.txt", "clip.mp4", watermark_text="For 5339", font="/fonts/a.ttf")
    glob, before, source, after, target = parsed(command)
    assert (source, target) == ("segments.txt", "clip.mp4")
    graph = after.pop(("-filter_complex", option(command, "-filter_complex")))
    assert graph == 1 and option(command, "-filter_complex").startswith("[0:v]drawtext=")
    assert after == Counter({
        ("-map", "[s0]"): 1, ("-map", "0:a?"): 1, ("-c:v", "libx264"): 1, ("-preset", "veryfast"): 1,
        ("-crf", "18"): 1, ("-pix_fmt", "yuv420p"): 1, ("-c:a", "copy"): 1, ("-movflags", "+faststart"): 1,
    })  # fmt: skip
    assert "-vf" not in command and ("-c", "copy") not in after


def test_the_credentials_are_in_the_input_only_and_never_in_what_is_logged():
    secrets = [URI, "s3cret-Pa55"]
    for command in (relay.ffmpeg_command(URI), recorder.ffmpeg_command(URI, segment_seconds=2)):
        holding = [arg for arg in command if "s3cret-Pa55" in arg]
        assert holding == [URI] and command[command.index(URI) - 1] == "-i"
        shown = printable(command, secrets)
        assert "s3cret-Pa55" not in shown and "viewer" not in shown and "***" in shown
    # Even a secret nobody listed: the user information of any RTSP address is hidden.
    assert redact("open rtsp://other:pw@cam/1 failed", []) == "open rtsp://***@cam/1 failed"


def test_a_percent_sign_in_a_file_name_reaches_ffmpeg_as_written():
    command = ffmpeg.clip_command("/footage/100%/segments.txt", "/exports/O'Brien: «Zoë»/clip.mp4")
    assert "/footage/100%/segments.txt" in command and "/exports/O'Brien: «Zoë»/clip.mp4" in command


WATERMARKS = [
    "For 5339 Bruxelles-Ixelles · request FR-2026-0001 · 2026-11-02 14:00 UTC: 100%",
    'Commissaire O\'Brien: "urgent"',
    "C:\\exports\\case\\n 12",
    "50% off %{pts} %% {n}",
    "Zoë Łukasiewicz-Müller · 東京 · Ελληνικά",
    "[a]; b, c=d \\' e",
]


def _frame(draw, path):
    """One frame of a grey picture with `draw(video)` applied, as raw RGB bytes."""
    source = ffmpeg_python.input("color=c=gray:s=640x120:d=0.04", f="lavfi")
    command = (
        ffmpeg_python.output(draw(source.video), str(path), vframes=1, f="rawvideo", pix_fmt="rgb24")
        .global_args("-nostdin", "-loglevel", "error")
        .compile(cmd=ffmpeg.binary(), overwrite_output=True)
    )
    subprocess.run(command, check=True, capture_output=True, timeout=30)  # noqa: S603 - our own arguments
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_ffmpeg
@pytest.mark.parametrize("text", WATERMARKS)
def test_the_watermark_draws_its_text_exactly_as_written(tmp_path, text):
    """The reference reads the same text from a file with expansion off: nothing to escape. Equal pixels mean the
    escaped text reached drawtext intact: quotes, colons, backslashes, percent signs and non-ASCII names."""
    font = watermark_font()
    drawn = _frame(lambda video: ffmpeg.watermark(video, text, font), tmp_path / "drawn.rgb")
    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    reference = _frame(
        lambda video: video.drawtext(textfile=str(tmp_path / "text.txt"), expansion="none", fontfile=font,
                                     **ffmpeg.WATERMARK_STYLE),
        tmp_path / "reference.rgb",
    )  # fmt: skip
    blank = _frame(lambda video: video, tmp_path / "blank.rgb")
    assert drawn == reference and drawn != blank


@needs_ffmpeg
def test_ffprobe_reads_a_files_duration_and_first_timestamp_and_says_zero_when_it_cannot(tmp_path):
    path = tmp_path / "one.ts"
    subprocess.run(
        [ffmpeg.binary(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
         "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    assert ffmpeg.media_duration(path) == pytest.approx(2.0, abs=0.1)
    assert ffmpeg.first_timestamp(path) > 0.5  # MPEG-TS muxers start at 1.4 s
    (tmp_path / "broken.ts").write_bytes(b"not a video")
    assert ffmpeg.media_duration(tmp_path / "broken.ts") == 0.0
    assert ffmpeg.media_duration(tmp_path / "missing.ts") == 0.0
    assert ffmpeg.first_timestamp(tmp_path / "missing.ts") == 0.0
