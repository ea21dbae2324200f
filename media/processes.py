"""What the media workers (the live relay, the recorder) share about their ffmpeg children: the camera's stream
address with its credentials, keeping those credentials out of logs, starting a child, reading its log, stopping it."""

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from urllib.parse import urlsplit, urlunsplit

from cameras.crypto import camera_credentials, uri_with_credentials

__all__ = [
    "log_tail",
    "printable",
    "public_uri",
    "redact",
    "start_child",
    "stream_uri",
    "terminate",
    "terminate_all",
    "with_pdeathsig",
]


def stream_uri(camera):
    """The camera's main stream with its credentials (the same helper as the snapshots), and the secrets to hide."""
    uri = camera.rtsp_main_uri or camera.rtsp_sub_uri
    if not uri:
        return "", []
    username, password = camera_credentials(camera)
    secrets = [s for s in (uri_with_credentials(uri, username, password), password) if s and s != uri]
    return uri_with_credentials(uri, username, password), secrets


def redact(text, secrets):
    """`text` with every secret replaced by ***, and any user information of an RTSP address too."""
    for secret in secrets:
        text = text.replace(secret, "***")
    # Any other user information in a URL, just in case.
    return re.sub(r"(rtsps?://)[^/@\s]+@", r"\1***@", text)


def public_uri(uri):
    """`uri` without its user information (user name and password)."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def with_pdeathsig(command):
    """The command under `setpriv --pdeathsig TERM` where setpriv exists: if the worker dies without stopping its
    children (SIGKILL, OOM), the kernel ends them, so no orphans."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        command = [setpriv, "--pdeathsig", "TERM", "--", *command]
    return command


def start_child(command, folder, log_path):
    """Start a child in its folder, with its stderr in a log emptied first and in a session of its own (a Ctrl-C in
    the worker's terminal reaches the worker, which stops it). Raises OSError if it cannot start."""
    with open(log_path, "ab") as log_file:
        log_file.truncate(0)
        return subprocess.Popen(  # noqa: S603 - our own argument list, no shell
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )


def printable(command, secrets):
    """A command line as a shell would read it, for logs: credentials removed."""
    return redact(shlex.join(str(part) for part in command), secrets)


def log_tail(path, size=2000):
    """The last `size` bytes of a child's log as text ("" if there is none)."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def terminate(process, grace=3.0):
    """Stop `process` and wait until it has exited: TERM, then KILL after `grace` seconds."""
    terminate_all([process], grace)


def terminate_all(processes, grace=3.0):
    """Stop all `processes` at once and wait until each has exited: TERM to all, then KILL to those still running
    after `grace` seconds. They stop in parallel, each flushing what it was writing."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        with contextlib.suppress(OSError):
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
