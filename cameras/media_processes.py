"""What the media workers (the live relay, the recorder) share about their ffmpeg children: the camera's stream
address with its credentials, keeping those credentials out of logs, reading a child's log, stopping a child."""

import contextlib
import os
import re
import signal
import subprocess
from urllib.parse import urlsplit, urlunsplit

from .crypto import camera_credentials, uri_with_credentials

__all__ = ["log_tail", "public_uri", "redact", "stream_uri", "terminate"]


def stream_uri(camera):
    """The camera's main stream with its credentials (the same helper as the snapshots), and the secrets to hide."""
    uri = camera.rtsp_main_uri or camera.rtsp_sub_uri
    if not uri:
        return "", []
    username, password = camera_credentials(camera)
    secrets = [s for s in (uri_with_credentials(uri, username, password), password) if s and s != uri]
    return uri_with_credentials(uri, username, password), secrets


def redact(text, secrets):
    for secret in secrets:
        text = text.replace(secret, "***")
    # Any other user information in a URL, just in case.
    return re.sub(r"(rtsps?://)[^/@\s]+@", r"\1***@", text)


def public_uri(uri):
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def log_tail(path, size=2000):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def terminate(process, grace=3.0):
    if process.poll() is not None:
        return
    with contextlib.suppress(OSError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
