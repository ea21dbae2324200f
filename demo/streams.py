"""A real RTSP test camera: Debian's `rtsp-server-perl` fed by an `ffmpeg` test-pattern publisher.

The demo's cameras (`manage.py demo_cameras`, started by `make run`) and the tests' cameras both use it.

    with RtspTestStream() as stream:          # or RtspTestStream(paths=("cam1", "cam2"))
        stream.uri                            # rtsp://127.0.0.1:<client port>/cam1, answers DESCRIBE 200
        stream.uri_for("cam1", user="u", password="p")

Each instance uses its own free TCP ports (clients and publishers) and its own UDP range for RTP, so
several can run at once; the demo asks for fixed ports (`client_port`, `source_port`), since the cameras it
seeds name them. Starting waits until every path answers `DESCRIBE` with 200 and the publisher has
finished ANNOUNCE/SETUP/RECORD; if that does not happen before the deadline, `RtspStreamError` says why,
with both processes' output. `stop()` (or leaving the `with` block) ends both processes: interrupt, wait,
terminate, wait, kill.

Facts about `rtsp-server-perl` 0.06 (Debian bookworm) this helper relies on:
- Media flows over UDP only, for publishers and readers: read with `-rtsp_transport udp` (ffmpeg's
  default tries UDP first); TCP-interleaved SETUP gets 400. DESCRIBE/OPTIONS are plain RTSP over TCP.
- No authentication at all: credentials in a URI are ignored, DESCRIBE of a known path answers 200 to
  anyone, and an unknown path answers 404. It logs the request URI of a 404 verbatim (credentials too).
- A path is served (DESCRIBE 200) as soon as the publisher has ANNOUNCEd, before RECORD.
- Its log goes to stdout, block-buffered: it reaches the log file when the server exits after SIGINT
  (which it handles by ending its loop); SIGTERM kills it without flushing. Warnings go to stderr at once.
- It puts `lib` (relative to the working directory) on @INC, so it runs from its own temporary folder.
- RTP ports are allocated from `--rtp_start_port` upwards, two per stream and per reader session, never
  reused; when the last mount goes away (the publisher sent TEARDOWN and disconnected) the counter goes
  back to 20000 whatever the option said, so a republished stream uses 20000 and up.
- A publisher that disappears without TEARDOWN (killed) leaves its mount behind; republishing the same
  path then gets 403 Forbidden.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

__all__ = [
    "INSTALL_HINT",
    "REQUIRED_TOOLS",
    "RtspAnswer",
    "RtspStreamError",
    "RtspTestStream",
    "RtspToolsMissingError",
    "free_tcp_port",
    "free_udp_port_range",
    "missing_tools",
    "require_tools",
    "rtsp_describe",
]

REQUIRED_TOOLS = ("rtsp-server-perl", "ffmpeg")
INSTALL_HINT = "run ./scripts/system-deps.sh as root (it installs the Debian packages rtsp-server-perl and ffmpeg)"


class RtspToolsMissingError(RuntimeError):
    """rtsp-server-perl or ffmpeg is not installed."""


class RtspStreamError(RuntimeError):
    """The test stream did not start (or died); the message carries both processes' output."""


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def require_tools() -> None:
    missing = missing_tools()
    if missing:
        raise RtspToolsMissingError(f"{' and '.join(missing)} not found on PATH: {INSTALL_HINT}")


# --------------------------------------------------------------------------------------------------
# Ports


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's choice; another process could still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def free_udp_port_range(count: int, host: str = "127.0.0.1", *, low: int = 20_000, high: int = 32_000) -> int:
    """An even port P such that UDP P..P+count-1 are free now, below Linux's ephemeral range by default."""
    rng = random.Random()  # noqa: S311 - spreading test ports, not a secret
    for _ in range(200):
        base = rng.randrange(low, high - count) & ~1
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.bind((host, port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RtspStreamError(f"no {count} free UDP ports found between {low} and {high}")


def _tcp_listening(port: int) -> bool:
    """Whether something listens on TCP `port` (any address), read from /proc without connecting."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


# --------------------------------------------------------------------------------------------------
# A tiny synchronous RTSP client


@dataclass
class RtspAnswer:
    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


def rtsp_describe(uri: str, timeout: float = 2.0) -> RtspAnswer:
    """Send `DESCRIBE uri` (without its user information) and return the answer. Raises OSError if none."""
    parts = urlsplit(uri)
    request_uri = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    request = f"DESCRIBE {request_uri} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n".encode()
    with socket.create_connection((parts.hostname, parts.port or 554), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"connection closed after {len(data)} bytes")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + ["", ""])[:3]
        if not version.startswith("RTSP/") or not status.isdigit():
            raise ConnectionError(f"not an RTSP answer: {lines[0][:60]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(4096)
            if not chunk:
                break
            body += chunk
    return RtspAnswer(int(status), reason, headers, body.decode("utf-8", "replace"))


# --------------------------------------------------------------------------------------------------
# The test stream


def _stop_process(process: subprocess.Popen | None, first_signal: int, grace: float = 5.0) -> None:
    """Send `first_signal`, wait; then SIGTERM, wait; then SIGKILL. Never raises for a gone process."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((first_signal, grace), (signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _cleanup(processes: list[subprocess.Popen], workdir: str) -> None:
    """Last-resort cleanup when a stream is garbage-collected or the interpreter exits without stop()."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
    shutil.rmtree(workdir, ignore_errors=True)


def _tail(text: str, lines: int = 40) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in kept) or "    (nothing)"


class RtspTestStream:
    """rtsp-server-perl on free loopback ports, fed by ffmpeg's `testsrc` (H.264, real time) on each path."""

    def __init__(
        self,
        paths: Sequence[str] = ("cam1",),
        *,
        host: str = "127.0.0.1",
        size: str = "640x360",
        rate: int = 25,
        gop: int = 25,
        start_timeout: float = 20.0,
        server_log_level: int = 3,
        client_port: int = 0,
        source_port: int = 0,
    ):
        if not paths:
            raise ValueError("at least one path")
        self.paths = tuple(path.strip("/") for path in paths)
        self.host = host
        self.size = size
        self.rate = rate
        self.gop = gop
        self.start_timeout = start_timeout
        self.server_log_level = server_log_level
        self.client_port = self.fixed_client_port = client_port
        self.source_port = self.fixed_source_port = source_port
        self.rtp_start_port = 0
        self.server_output = ""
        self.publisher_output = ""
        self._server: subprocess.Popen | None = None
        self._publisher: subprocess.Popen | None = None
        self._workdir: str | None = None
        self._processes: list[subprocess.Popen] = []
        self._finalizer: weakref.finalize | None = None

    # ---- addresses

    @property
    def uri(self) -> str:
        """The reader URI of the first path."""
        return self.uri_for(self.paths[0])

    @property
    def uris(self) -> dict[str, str]:
        return {path: self.uri_for(path) for path in self.paths}

    def uri_for(self, path: str, *, user: str | None = None, password: str | None = None) -> str:
        """A reader URI for `path` (any path: unknown ones answer 404), optionally with credentials."""
        userinfo = ""
        if user is not None:
            userinfo = quote(user, safe="")
            if password is not None:
                userinfo += ":" + quote(password, safe="")
            userinfo += "@"
        return f"rtsp://{userinfo}{self.host}:{self.client_port}/{path.strip('/')}"

    def publish_uri_for(self, path: str) -> str:
        return f"rtsp://{self.host}:{self.source_port}/{path.strip('/')}"

    # ---- life cycle

    def __enter__(self) -> RtspTestStream:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return all(p is not None and p.poll() is None for p in (self._server, self._publisher))

    def start(self) -> RtspTestStream:
        if self._server is not None:
            raise RuntimeError("this RtspTestStream is already started")
        require_tools()
        self._workdir = tempfile.mkdtemp(prefix="rtsp-test-stream-")
        self._finalizer = weakref.finalize(self, _cleanup, self._processes, self._workdir)
        try:
            self._start_server()
            self.start_publisher()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the publisher (it sends TEARDOWN), then the server (SIGINT flushes its log). Idempotent."""
        self.stop_publisher()
        # SIGINT first: the server's handler ends its loop, which flushes its (block-buffered) log.
        _stop_process(self._server, signal.SIGINT, grace=3.0)
        self._server = None
        self.server_output = self._read_log("server")
        if self._finalizer is not None:
            self._finalizer()  # kills anything left and removes the folder
            self._finalizer = None

    def stop_publisher(self) -> None:
        """Stop only the publisher (the camera "goes dark"); its paths answer 404 once it has left."""
        _stop_process(self._publisher, signal.SIGTERM, grace=5.0)
        self._publisher = None
        self.publisher_output = self._read_log("publisher")

    def start_publisher(self) -> None:
        """(Re)start the publisher and wait until every path is served and recording."""
        if self._server is None or self._workdir is None:
            raise RuntimeError("start the stream first")
        if self._publisher is not None and self._publisher.poll() is None:
            raise RuntimeError("the publisher is already running")
        self._publisher = self._spawn("publisher", self._publisher_command())
        self._wait_until_served()

    # ---- internals

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        assert self._workdir is not None
        with open(os.path.join(self._workdir, f"{name}.log"), "ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own fixed command (ffmpeg, rtsp-server-perl)
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                start_new_session=True,  # a Ctrl-C in the terminal does not reach it; stop() does
            )
        self._processes.append(process)
        return process

    def _read_log(self, name: str) -> str:
        if self._workdir is None:
            return getattr(self, f"{name}_output", "")
        try:
            return Path(self._workdir, f"{name}.log").read_text(errors="replace")
        except OSError:
            return getattr(self, f"{name}_output", "")

    def _start_server(self) -> None:
        last_error = ""
        for _attempt in range(3):
            self.client_port = self.fixed_client_port or free_tcp_port(self.host)
            self.source_port = self.fixed_source_port or free_tcp_port(self.host)
            while self.source_port == self.client_port:
                self.source_port = free_tcp_port(self.host)
            self.rtp_start_port = free_udp_port_range(4 * len(self.paths) + 8, self.host)
            self._server = self._spawn("server", self._server_command())
            # Wait for both listeners without connecting to them (from /proc), or for the server to die.
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self._server.poll() is not None:
                    break
                if _tcp_listening(self.client_port) and _tcp_listening(self.source_port):
                    return
                time.sleep(0.05)
            _stop_process(self._server, signal.SIGINT, grace=2.0)
            self._server = None
            last_error = self._read_log("server")
            if "in use" not in last_error or self.fixed_client_port:
                break  # not a port race (or ports asked for): retrying would not help
        raise RtspStreamError(
            f"rtsp-server-perl did not listen on 127.0.0.1:{self.client_port} (clients) and "
            f":{self.source_port} (publishers) within {self.start_timeout:g} s; its output:\n{_tail(last_error)}"
        )

    def _server_command(self) -> list[str]:
        return [
            shutil.which("rtsp-server-perl") or "rtsp-server-perl",
            "--clientport",
            str(self.client_port),
            "--serverport",
            str(self.source_port),
            "--client_listen_address",
            self.host,
            "--source_listen_address",
            self.host,
            "--rtp_start_port",
            str(self.rtp_start_port),
            "--loglevel",
            str(self.server_log_level),
        ]

    def _publisher_command(self) -> list[str]:
        command = [
            shutil.which("ffmpeg") or "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-loglevel",
            "info",
            "-re",  # real time, as a camera would
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={self.size}:rate={self.rate}",
            "-map",
            "0:v",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-pix_fmt",
            "yuv420p",  # testsrc is RGB: without this libx264 picks 4:4:4, which few players decode
            "-g",
            str(self.gop),
            "-bf",
            "0",
        ]
        if len(self.paths) == 1:
            return [*command, "-f", "rtsp", "-rtsp_transport", "udp", self.publish_uri_for(self.paths[0])]
        # One encode, several mounts: the tee muxer (global headers so that each SDP carries SPS/PPS).
        outputs = "|".join(f"[f=rtsp:rtsp_transport=udp]{self.publish_uri_for(path)}" for path in self.paths)
        return [*command, "-flags", "+global_header", "-f", "tee", outputs]

    def _wait_until_served(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        pending = list(self.paths)
        last = "no DESCRIBE answered yet"
        while time.monotonic() < deadline:
            if self._publisher is None or self._publisher.poll() is not None:
                self._fail("the ffmpeg publisher exited")
            if self._server is None or self._server.poll() is not None:
                self._fail("rtsp-server-perl exited")
            for path in list(pending):
                try:
                    answer = rtsp_describe(self.uri_for(path), timeout=1.0)
                except OSError as exc:
                    last = f"DESCRIBE {path}: {type(exc).__name__}: {exc}"
                    continue
                last = f"DESCRIBE {path}: {answer.status} {answer.reason}"
                if answer.status == 200:
                    pending.remove(path)
            # ffmpeg prints "Output #0" once its header is written, i.e. after ANNOUNCE, SETUP and RECORD.
            if not pending and "Output #0" in self._read_log("publisher"):
                return
            time.sleep(0.1)
        self._fail(f"not every path answered DESCRIBE 200 within {self.start_timeout:g} s (last: {last})")

    def _fail(self, reason: str) -> None:
        publisher = self._read_log("publisher")
        self.stop()
        raise RtspStreamError(
            f"RTSP test stream failed: {reason}.\n"
            f"  server: rtsp-server-perl on 127.0.0.1:{self.client_port} (clients), :{self.source_port} "
            f"(publishers), RTP from {self.rtp_start_port}; output:\n{_tail(self.server_output)}\n"
            f"  publisher output:\n{_tail(publisher)}"
        )
