"""Camera health probe: does each camera answer on its RTSP (or, failing that, ONVIF) endpoint?

Model-independent on purpose: callers build `ProbeTarget` values from whatever they store, call
`probe_many` (synchronous; it runs its own event loop, so a Celery task can call it directly) and write
the `ProbeResult` values back themselves. Async code awaits `probe_many_async` instead.

What counts as online:
- RTSP: a `DESCRIBE` of the camera's stream URI over TCP answered `RTSP/1.0 200`, or `401` (the device is
  alive and wants credentials; the probe never sends any).
- ONVIF, only when there is no RTSP URI: an HTTP POST of `GetSystemDateAndTime` (which ONVIF devices answer
  without authentication) answered `200` with a SOAP envelope (or `401`, as above).

Credentials in a URI (`rtsp://user:pass@host/...`) are never sent, logged nor put into a detail: the request
line carries the URI without its user information, and every detail is built from fixed phrases, numbers
and sanitised status lines.

Every probe has a hard time limit (`asyncio.wait_for`); each connection is closed (aborted on error or
timeout) before the probe returns, so a sweep leaves no socket behind.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "ProbeOutcome",
    "ProbeResult",
    "ProbeTarget",
    "probe_many",
    "probe_many_async",
    "probe_onvif",
    "probe_rtsp",
    "probe_target",
    "redact_uri",
]

DEFAULT_CONCURRENCY = 200
DEFAULT_TIMEOUT = 3.0
USER_AGENT = "cctv-portal-health/1.0"

RTSP_DEFAULT_PORT = 554
RTSPS_DEFAULT_PORT = 322
ONVIF_DEFAULT_PATH = "/onvif/device_service"

# Bounds on what a probe reads from a peer: enough for any status line, headers and small SDP/SOAP body.
MAX_LINE_BYTES = 8 * 1024
MAX_HEADER_LINES = 100
MAX_BODY_BYTES = 64 * 1024

# Threads for host-name resolution (asyncio resolves names in threads; IP literals need none).
MAX_RESOLVER_THREADS = 32

GET_SYSTEM_DATE_AND_TIME = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    b'<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body>'
    b"</s:Envelope>"
)
GET_SYSTEM_DATE_AND_TIME_ACTION = "http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime"
_SOAP_ENVELOPE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]")
_STATUS_LINE = re.compile(r"^(RTSP|HTTP)/(\d)\.(\d)\s+(\d{3})(?:\s+(.*))?$")


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """One camera to probe. The RTSP URI wins; the ONVIF address is the fallback when there is no URI.

    `onvif_address` is a device-service URL (`http://10.1.2.3/onvif/device_service`) or just `host[:port]`
    (then `/onvif/device_service` over HTTP is assumed).
    """

    camera_id: int
    rtsp_uri: str | None = None
    onvif_address: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """What one probe found, before it is tied to a camera. `latency_ms` is None when nothing answered."""

    online: bool
    latency_ms: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The health of one camera at `checked_at` (timezone-aware, UTC)."""

    camera_id: int
    online: bool
    latency_ms: float | None
    detail: str
    checked_at: datetime


# --------------------------------------------------------------------------------------------------
# Public API


def redact_uri(uri: str) -> str:
    """The URI without its user information (`rtsp://user:pass@host/x` -> `rtsp://host/x`)."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return "<invalid URI>"
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc, fragment="").geturl()


async def probe_rtsp(uri: str, timeout: float = DEFAULT_TIMEOUT) -> ProbeOutcome:
    """DESCRIBE `uri` over TCP (TLS for `rtsps://`) within `timeout` seconds."""
    try:
        endpoint = _rtsp_endpoint(uri)
    except ValueError as exc:
        return ProbeOutcome(False, None, str(exc))
    return await _bounded(lambda progress: _rtsp_exchange(endpoint, progress), timeout)


async def probe_onvif(address: str, timeout: float = DEFAULT_TIMEOUT) -> ProbeOutcome:
    """POST GetSystemDateAndTime to the ONVIF device service at `address` within `timeout` seconds."""
    try:
        endpoint = _onvif_endpoint(address)
    except ValueError as exc:
        return ProbeOutcome(False, None, str(exc))
    return await _bounded(lambda progress: _onvif_exchange(endpoint, progress), timeout)


async def probe_target(target: ProbeTarget, timeout: float = DEFAULT_TIMEOUT) -> ProbeResult:
    """Probe one camera: RTSP when it has a URI, otherwise ONVIF. Never raises for network trouble."""
    try:
        if target.rtsp_uri:
            outcome = await probe_rtsp(target.rtsp_uri, timeout)
        elif target.onvif_address:
            outcome = await probe_onvif(target.onvif_address, timeout)
        else:
            outcome = ProbeOutcome(False, None, "no RTSP URI or ONVIF address")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug or an odd peer must not end the whole sweep
        logger.exception("health probe of camera %s failed unexpectedly", target.camera_id)
        outcome = ProbeOutcome(False, None, f"probe error ({type(exc).__name__})")
    result = ProbeResult(
        camera_id=target.camera_id,
        online=outcome.online,
        latency_ms=outcome.latency_ms,
        detail=outcome.detail,
        checked_at=datetime.now(UTC),
    )
    logger.debug("camera %s %s: %s", result.camera_id, "online" if result.online else "offline", result.detail)
    return result


async def probe_many_async(
    targets: Iterable[ProbeTarget],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[ProbeResult]:
    """Probe every target, at most `concurrency` at a time; results come in the order of `targets`.

    `timeout` bounds each target from the moment it gets its turn (waiting for a turn does not count).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if not timeout > 0:
        raise ValueError("timeout must be positive")
    targets = list(targets)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(target: ProbeTarget) -> ProbeResult:
        async with semaphore:
            return await probe_target(target, timeout)

    started = time.perf_counter()
    results = list(await asyncio.gather(*(one(target) for target in targets)))
    online = sum(result.online for result in results)
    logger.info(
        "health sweep: %d targets, %d online, %d offline in %.1f s",
        len(results),
        online,
        len(results) - online,
        time.perf_counter() - started,
    )
    return results


def probe_many(
    targets: Iterable[ProbeTarget],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[ProbeResult]:
    """Synchronous sweep for Celery tasks and commands: runs its own event loop with `asyncio.run`.

    Not callable from a running event loop (use `await probe_many_async(...)` there).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("probe_many() runs its own event loop; from async code await probe_many_async()")
    targets = list(targets)

    async def main() -> list[ProbeResult]:
        # Host names resolve in threads; give the loop enough of them for the concurrency asked.
        loop = asyncio.get_running_loop()
        loop.set_default_executor(
            ThreadPoolExecutor(max_workers=max(1, min(concurrency, MAX_RESOLVER_THREADS)), thread_name_prefix="probe")
        )
        return await probe_many_async(targets, concurrency=concurrency, timeout=timeout)

    return asyncio.run(main())


# --------------------------------------------------------------------------------------------------
# Time limit and error wording


@dataclass(slots=True)
class _Progress:
    """How far a probe got, so that a timeout or a late error can be reported accurately."""

    started: float
    stage: str = "connecting"  # connecting -> connected -> waiting -> answered
    outcome: ProbeOutcome | None = None

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


async def _bounded(exchange: Callable[[_Progress], Awaitable[ProbeOutcome]], timeout: float) -> ProbeOutcome:
    progress = _Progress(started=time.perf_counter())
    try:
        return await asyncio.wait_for(exchange(progress), timeout)
    except TimeoutError:
        # TimeoutError is an OSError: this clause must come first.
        if progress.outcome is not None:
            return progress.outcome  # the answer came in time; only the tidy-up was slow
        if progress.stage == "connecting":
            return ProbeOutcome(False, None, f"no connection within {timeout:g} s")
        return ProbeOutcome(False, None, f"no answer within {timeout:g} s")
    except (OSError, EOFError, asyncio.LimitOverrunError, ValueError, UnicodeError) as exc:
        if progress.outcome is not None:
            return progress.outcome
        return ProbeOutcome(False, None, _describe_error(exc))


def _describe_error(exc: BaseException) -> str:
    """A short human phrase for a network error; never the exception text (it could quote a peer)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            return "host name not found"
        return "host name could not be resolved"
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the device"
    if isinstance(exc, asyncio.IncompleteReadError | BrokenPipeError):
        return "connection closed without an answer"
    if isinstance(exc, asyncio.LimitOverrunError | ValueError | UnicodeError):
        return "not an RTSP or HTTP answer"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.EHOSTDOWN):
            return "host unreachable"
        if exc.errno == errno.ENETUNREACH:
            return "network unreachable"
        name = errno.errorcode.get(exc.errno or 0)
        return f"network error ({name})" if name else "network error"
    return f"probe error ({type(exc).__name__})"


# --------------------------------------------------------------------------------------------------
# RTSP


@dataclass(frozen=True, slots=True)
class _Endpoint:
    host: str
    port: int
    tls: bool
    request_uri: str  # RTSP: the URI without user information; HTTP: the path and query
    host_header: str = ""


def _rtsp_endpoint(uri: str) -> _Endpoint:
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        raise ValueError("invalid RTSP URI") from None
    scheme = parts.scheme.lower()
    if scheme not in ("rtsp", "rtsps"):
        raise ValueError("not an rtsp:// URI")
    if not parts.hostname:
        raise ValueError("invalid RTSP URI (no host)")
    tls = scheme == "rtsps"
    netloc = parts.netloc.rpartition("@")[2]
    request_uri = parts._replace(netloc=netloc, fragment="").geturl()
    if any(char in request_uri for char in "\r\n\t "):
        raise ValueError("invalid RTSP URI")
    return _Endpoint(
        host=parts.hostname,
        port=port or (RTSPS_DEFAULT_PORT if tls else RTSP_DEFAULT_PORT),
        tls=tls,
        request_uri=request_uri,
    )


async def _rtsp_exchange(endpoint: _Endpoint, progress: _Progress) -> ProbeOutcome:
    request = (
        f"DESCRIBE {endpoint.request_uri} RTSP/1.0\r\n"
        "CSeq: 1\r\n"
        "Accept: application/sdp\r\n"
        f"User-Agent: {USER_AGENT}\r\n"
        "\r\n"
    ).encode("ascii")
    async with _Connection(endpoint, progress) as (reader, writer):
        writer.write(request)
        await writer.drain()
        progress.stage = "waiting"
        protocol, code, reason = _parse_status_line(await reader.readline())
        latency = progress.elapsed_ms()
        if protocol != "RTSP":
            answered = f"answered {protocol} {code}" if protocol == "HTTP" else "unexpected answer"
            progress.outcome = ProbeOutcome(False, latency, f"not an RTSP server ({answered})")
            return progress.outcome
        if code == 200:
            outcome = ProbeOutcome(True, latency, f"RTSP {code} {reason}".rstrip())
        elif code == 401:
            outcome = ProbeOutcome(True, latency, "auth required")
        elif code == 404:
            outcome = ProbeOutcome(False, latency, "RTSP 404 Not Found (no stream at this path)")
        else:
            outcome = ProbeOutcome(False, latency, f"RTSP {code} {reason}".rstrip())
        progress.stage = "answered"
        progress.outcome = outcome
        # Read the rest of the answer (headers, SDP) so that the device sees a clean close, not a reset.
        headers = await _read_headers(reader)
        await _read_body(reader, headers, until_eof=False)
        return outcome


# --------------------------------------------------------------------------------------------------
# ONVIF


def _onvif_endpoint(address: str) -> _Endpoint:
    address = address.strip()
    if "://" not in address:
        address = f"http://{address}"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        raise ValueError("invalid ONVIF address") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("invalid ONVIF address (not http or https)")
    if not parts.hostname:
        raise ValueError("invalid ONVIF address (no host)")
    tls = scheme == "https"
    path = parts.path if parts.path not in ("", "/") else ONVIF_DEFAULT_PATH
    if parts.query:
        path = f"{path}?{parts.query}"
    if any(char in path for char in "\r\n\t "):
        raise ValueError("invalid ONVIF address")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    host_header = host if port is None else f"{host}:{port}"
    return _Endpoint(
        host=parts.hostname,
        port=port or (443 if tls else 80),
        tls=tls,
        request_uri=path,
        host_header=host_header,
    )


async def _onvif_exchange(endpoint: _Endpoint, progress: _Progress) -> ProbeOutcome:
    head = (
        f"POST {endpoint.request_uri} HTTP/1.1\r\n"
        f"Host: {endpoint.host_header}\r\n"
        f"User-Agent: {USER_AGENT}\r\n"
        f'Content-Type: application/soap+xml; charset=utf-8; action="{GET_SYSTEM_DATE_AND_TIME_ACTION}"\r\n'
        f"Content-Length: {len(GET_SYSTEM_DATE_AND_TIME)}\r\n"
        "Connection: close\r\n"
        "\r\n"
    ).encode("ascii")
    async with _Connection(endpoint, progress) as (reader, writer):
        writer.write(head + GET_SYSTEM_DATE_AND_TIME)
        await writer.drain()
        progress.stage = "waiting"
        protocol, code, _reason = _parse_status_line(await reader.readline())
        latency = progress.elapsed_ms()
        if protocol != "HTTP":
            answered = f"answered {protocol} {code}" if protocol == "RTSP" else "unexpected answer"
            progress.outcome = ProbeOutcome(False, latency, f"not an ONVIF device ({answered})")
            return progress.outcome
        if code == 401:
            progress.outcome = ProbeOutcome(True, latency, "auth required")
        elif code != 200:
            progress.outcome = ProbeOutcome(False, latency, f"ONVIF answered HTTP {code}")
        if progress.outcome is not None:
            progress.stage = "answered"
            headers = await _read_headers(reader)
            await _read_body(reader, headers, until_eof=True)
            return progress.outcome
        headers = await _read_headers(reader)
        body = await _read_body(reader, headers, until_eof=True)
        latency = progress.elapsed_ms()
        if _SOAP_ENVELOPE.search(body):
            return ProbeOutcome(True, latency, "ONVIF GetSystemDateAndTime OK")
        return ProbeOutcome(False, latency, "ONVIF answered HTTP 200 without a SOAP envelope")


# --------------------------------------------------------------------------------------------------
# Connections and parsing


class _Connection:
    """Open a stream connection; close it cleanly after success, abort it on any error or cancellation."""

    def __init__(self, endpoint: _Endpoint, progress: _Progress):
        self.endpoint = endpoint
        self.progress = progress
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        endpoint = self.endpoint
        reader, self.writer = await asyncio.open_connection(
            endpoint.host,
            endpoint.port,
            ssl=_tls_context() if endpoint.tls else None,
            server_hostname=endpoint.host if endpoint.tls else None,
            limit=MAX_LINE_BYTES,
        )
        self.progress.stage = "connected"
        return reader, self.writer

    async def __aexit__(self, exc_type, exc, tb) -> None:
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if exc_type is not None or self.endpoint.tls:
            # Error, timeout (cancellation) or TLS (whose polite close may wait on the peer): close now.
            writer.transport.abort()
            return
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        except asyncio.CancelledError:
            writer.transport.abort()
            raise


def _tls_context() -> ssl.SSLContext:
    # A health probe sends no credentials and only asks "are you there?": cameras' certificates are
    # mostly self-signed, so they are not verified here (stream access goes through the video plane).
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _parse_status_line(line: bytes) -> tuple[str, int, str]:
    """("RTSP" or "HTTP", code, sanitised reason), or ("something else", 0, "") for anything else."""
    if not line:
        raise asyncio.IncompleteReadError(line, None)
    text = line.decode("latin-1").strip()
    match = _STATUS_LINE.match(text)
    if not match:
        return "something else", 0, ""
    protocol, _major, _minor, code, reason = match.groups()
    return protocol, int(code), _sanitise(reason or "")


def _sanitise(text: str, limit: int = 40) -> str:
    printable = "".join(char for char in text if char.isascii() and char.isprintable())
    return printable[:limit].strip()


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if not line:
            raise asyncio.IncompleteReadError(line, None)
        text = line.decode("latin-1").strip()
        if not text:
            return headers
        name, _, value = text.partition(":")
        headers[name.strip().lower()] = value.strip()
    raise ValueError("too many header lines")


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str], *, until_eof: bool) -> bytes:
    length = headers.get("content-length", "")
    if length.isdigit():
        return await reader.readexactly(min(int(length), MAX_BODY_BYTES))
    if not until_eof:
        return b""
    body = b""
    while len(body) < MAX_BODY_BYTES:
        chunk = await reader.read(MAX_BODY_BYTES - len(body))
        if not chunk:
            break
        body += chunk
    return body
