"""Every ffmpeg and ffprobe command line of the video plane, in one place.

ffmpeg command lines are built with ffmpeg-python (`ffmpeg.input(...).output(...).global_args(...).compile(...)`),
which gives argument lists: nothing here goes through a shell, and filter arguments (the watermark's text, a font
path) get ffmpeg's escaping at every level. This module only builds commands; the callers run them (the workers
through media.processes, under `setpriv --pdeathsig`; clip cutting with subprocess), because they need control
over the child's session, log file and death that ffmpeg-python's run helpers do not give. ffprobe has no builder
in ffmpeg-python, and its one-value queries are short enough to build and run here.
"""

import shutil
import subprocess

import ffmpeg

from media.processes import with_pdeathsig

__all__ = [
    "RTSP_TIMEOUT_SECONDS",
    "WATERMARK_STYLE",
    "binary",
    "clip_command",
    "first_timestamp",
    "hls_command",
    "media_duration",
    "playback_cut_command",
    "segment_command",
    "watermark",
]

RTSP_TIMEOUT_SECONDS = 5  # connecting, and waiting for packets: ffmpeg gives up after this much silence
QUIET = ("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error")
# Video only, as it comes: audio is never kept (the Camera Law forbids sound), nor subtitles or data.
VIDEO_COPY = {"c": "copy", "an": None, "sn": None, "dn": None}
WATERMARK_STYLE = {
    "fontcolor": "white@0.85",
    "fontsize": "h/28",
    "box": 1,
    "boxcolor": "black@0.45",
    "boxborderw": 6,
    "x": 12,
    "y": "h-th-18",
}
REENCODE = {"c:v": "libx264", "preset": "veryfast", "crf": 18, "pix_fmt": "yuv420p", "c:a": "copy"}


def binary(name="ffmpeg"):
    """The path of `name` (ffmpeg, ffprobe) if it is on the PATH, else the bare name (the start fails clearly)."""
    return shutil.which(name) or name


def _camera_video(uri):
    # -timeout is the RTSP socket I/O timeout in microseconds, UDP silence included.
    return ffmpeg.input(uri, timeout=RTSP_TIMEOUT_SECONDS * 1_000_000)["v:0"]


def _compile(output, executable, *, pdeathsig):
    command = [executable or binary()]
    if pdeathsig:  # a worker killed without stopping its children takes them with it
        command = with_pdeathsig(command)
    return output.global_args(*QUIET).compile(cmd=command, overwrite_output=True)


def hls_command(uri, *, playlist, segment_pattern, segment_seconds, list_size, delete_threshold, executable=None):
    """The live relay's command: the camera's first video stream, copied into HLS in the current folder.

    `playlist` is the playlist's name, `segment_pattern` the segments' (printf-style, e.g. seg%06d.ts). Segments
    leave the disk `delete_threshold` segments after leaving the playlist; files are written under a temporary
    name and renamed, so a reader never sees half a playlist."""
    output = _camera_video(uri).output(
        playlist,
        format="hls",
        hls_time=segment_seconds,
        hls_list_size=list_size,
        hls_delete_threshold=delete_threshold,
        hls_flags="delete_segments+omit_endlist+temp_file+independent_segments+program_date_time",
        hls_segment_filename=segment_pattern,
        **VIDEO_COPY,
    )
    return _compile(output, executable, pdeathsig=True)


def segment_command(uri, *, segment_pattern, segment_seconds, segment_list, executable=None):
    """The recorder's command: the camera's first video stream, copied into MPEG-TS segment files in the current
    folder, each listed in the CSV `segment_list` (name, start, end in stream seconds) as it ends.

    Every file's timestamps start at zero and nothing is delayed at the start, so the list's times are the
    files' own."""
    output = _camera_video(uri).output(
        segment_pattern,
        format="segment",
        segment_format="mpegts",
        segment_time=segment_seconds,
        reset_timestamps=1,
        segment_list=segment_list,
        segment_list_type="csv",
        avoid_negative_ts="make_zero",
        muxdelay=0,
        muxpreload=0,
        **VIDEO_COPY,
    )
    return _compile(output, executable, pdeathsig=True)


def watermark(video, text, font):
    """`video` (an ffmpeg-python stream) with `text` burned in at the bottom left, in a translucent box.

    ffmpeg-python escapes the text for drawtext's expansion (backslash, quote, percent), for the filter's option
    list and for the filter graph, so any name, quote, colon or percent sign is drawn as written."""
    return video.drawtext(text=text, fontfile=font, **WATERMARK_STYLE)


def clip_command(listing, dest, *, reencode=False, watermark_text="", font=None, executable=None):
    """The command cutting the concat `listing` (an ffconcat file with inpoints and outpoints) into `dest`.

    A stream copy by default; `reencode` re-encodes the video in H.264 (frame-exact cuts), and a watermark
    (`watermark_text` drawn with the font file `font`) implies it. The MP4 index goes at the front for players
    that start before the download ends."""
    source = ffmpeg.input(str(listing), f="concat", safe=0)
    options = {"movflags": "+faststart"}
    if watermark_text:
        # The watermark needs a filter graph: its output is the video; audio, if any, is copied beside it.
        streams = [watermark(source.video, watermark_text, font), source["a?"]]
        options |= REENCODE
    elif reencode:
        streams, options = [source], options | REENCODE | {"map": 0}
    else:
        streams, options = [source], options | {"c": "copy", "map": 0}
    output = ffmpeg.output(*streams, str(dest), **options)
    return _compile(output, executable, pdeathsig=False)


def playback_cut_command(path, dest, *, offset, seconds, executable=None):
    """The command copying `seconds` of the recorded file `path` from `offset` (from the key frame at or before it)
    into the MPEG-TS file `dest`, its timestamps starting at zero like the recorder's own files."""
    output = ffmpeg.input(str(path), ss=f"{offset:.6f}")["v"].output(
        str(dest), format="mpegts", t=f"{seconds:.6f}", c="copy", avoid_negative_ts="make_zero", muxdelay=0,
        muxpreload=0,
    )  # fmt: skip
    return _compile(output, executable, pdeathsig=False)


# --- ffprobe ----------------------------------------------------------------------------------------------------


def _probe_format(path, entry, timeout):
    """One `format` entry of a media file as a float, or None if ffprobe cannot tell. Raises OSError if ffprobe
    cannot run and subprocess.TimeoutExpired if it takes longer than `timeout` seconds."""
    result = subprocess.run(  # noqa: S603 - our own argument list, no shell
        [binary("ffprobe"), "-v", "error", "-show_entries", f"format={entry}", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    try:
        return float(result.stdout.strip())
    except ValueError:
        return None


def media_duration(path, timeout=20):
    """Seconds of media in a (possibly unfinished) file, or 0.0 if it cannot be read in time."""
    try:
        return max(0.0, _probe_format(path, "duration", timeout) or 0.0)
    except (OSError, subprocess.TimeoutExpired):
        return 0.0


def first_timestamp(path, timeout=30):
    """The file's first presentation time in seconds (0.0 when ffprobe cannot tell). MPEG-TS files usually start
    at 1.4 s, not 0. Raises subprocess.TimeoutExpired if ffprobe takes longer than `timeout` seconds."""
    return _probe_format(path, "start_time", timeout) or 0.0
