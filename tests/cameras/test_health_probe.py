"""The camera health probe against real sockets: a real RTSP server, closed ports, silent and wrong servers.

No database. Local servers run on an asyncio loop in a background thread, because `probe_many` runs its own
loop (with asyncio.run) in the test's thread, exactly as a Celery task calls it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import threading
import time
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cameras.health import ProbeResult, ProbeTarget, probe_many, probe_many_async, redact_uri
from demo.streams import INSTALL_HINT, RtspTestStream, free_tcp_port, missing_tools

SECRET = "s3cr3t-Pa55"
USER = "probe-admin"

SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n"
)
SOAP_ANSWER = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Body><tds:GetSystemDateAndTimeResponse>'
    b"<tds:SystemDateAndTime><tt:DateTimeType xmlns:tt='http://www.onvif.org/ver10/schema'>NTP"
    b"</tt:DateTimeType></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></SOAP-ENV:Body>"
    b"</SOAP-ENV:Envelope>"
)


def require_rtsp_tools():
    """The live-stream tests fail (never skip) without the real server and publisher."""
    missing = missing_tools()
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: the live RTSP tests need them; {INSTALL_HINT}", pytrace=False)


# --------------------------------------------------------------------------------------------------
# Local servers on a background loop


class ServerLoop:
    """An asyncio loop in a thread hosting small TCP servers; counts connections and in-flight requests."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-servers", daemon=True)
        self.servers: list[asyncio.Server] = []
        self.open_connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.request_lines: list[str] = []
        self.lock = threading.Lock()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        async def close_all():
            for server in self.servers:
                server.close()
                await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def _serve(self, handler) -> int:
        async def handle(reader, writer):
            with self.lock:
                self.open_connections += 1
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.transport.abort()
                with self.lock:
                    self.open_connections -= 1

        async def start():
            server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
            self.servers.append(server)
            return server.sockets[0].getsockname()[1]

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    async def _read_request(self, reader) -> str:
        head = await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        with self.lock:
            self.request_lines.append(line)
        return line

    def rtsp_responder(self, *, delay: float = 0.0) -> int:
        """Answers DESCRIBE like a camera: /live* -> 200 + SDP, /locked* -> 401, anything else -> 404."""

        async def handler(reader, writer):
            line = await self._read_request(reader)
            with self.lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(delay)
                path = line.split(" ")[1].split("/", 3)[-1] if " " in line else ""
                if path.startswith("live"):
                    answer = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
                    answer += f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
                elif path.startswith("locked"):
                    answer = 'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm="cam"\r\n\r\n'
                else:
                    answer = "RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n"
            finally:
                with self.lock:
                    self.in_flight -= 1
            writer.write(answer.encode())
            await writer.drain()
            await reader.read()  # until the prober closes

        return self._serve(handler)

    def silent_listener(self) -> int:
        """Accepts connections and never answers."""

        async def handler(reader, writer):
            while await reader.read(4096):
                pass

        return self._serve(handler)

    def http_server(self) -> int:
        """A web server, not a camera: answers anything with HTTP 400, as nginx does to an RTSP request."""

        async def handler(reader, writer):
            await self._read_request(reader)
            writer.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nBad Request"
            )
            await writer.drain()
            await reader.read()

        return self._serve(handler)

    def wait_until_no_connections(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.open_connections == 0


@pytest.fixture
def servers():
    with ServerLoop() as loop:
        yield loop


class OnvifHandler(BaseHTTPRequestHandler):
    """A tiny ONVIF device service: GetSystemDateAndTime answers a SOAP envelope, without authentication."""

    requests: list[tuple[str, str, bytes]] = []
    answer = SOAP_ANSWER
    content_type = "application/soap+xml; charset=utf-8"

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).requests.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def onvif_server():
    def start(answer=SOAP_ANSWER, content_type="application/soap+xml; charset=utf-8"):
        handler = type("Handler", (OnvifHandler,), {"requests": [], "answer": answer, "content_type": content_type})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread))
        return server.server_address[1], handler.requests

    started = []
    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(5)


def probe_one(target: ProbeTarget, timeout: float = 3.0) -> tuple[ProbeResult, float]:
    started = time.perf_counter()
    [result] = probe_many([target], timeout=timeout)
    return result, time.perf_counter() - started


# --------------------------------------------------------------------------------------------------
# A real RTSP server (rtsp-server-perl fed by ffmpeg)


def test_live_rtsp_stream_is_online_and_credentials_stay_out():
    require_rtsp_tools()
    with RtspTestStream() as stream:
        results = probe_many(
            [
                ProbeTarget(1, stream.uri, None),
                ProbeTarget(2, stream.uri_for("cam1", user=USER, password=SECRET), None),
                ProbeTarget(3, stream.uri_for("no-such-camera", user=USER, password=SECRET), None),
            ],
            timeout=3.0,
        )
    live, with_credentials, wrong_path = results
    assert live.online, live
    assert live.detail == "RTSP 200 OK"
    assert live.latency_ms is not None and 0 < live.latency_ms < 3000
    assert live.checked_at.tzinfo is UTC
    assert with_credentials.online, with_credentials
    assert not wrong_path.online
    assert wrong_path.detail == "RTSP 404 Not Found (no stream at this path)"
    # The server logs the URI of every 404 verbatim: the probe must not have sent the credentials at all.
    assert "/no-such-camera" in stream.server_output
    assert SECRET not in stream.server_output and USER not in stream.server_output
    for result in results:
        assert SECRET not in result.detail and USER not in result.detail


def test_rtsp_test_stream_serves_video_to_a_reader(tmp_path):
    """The fixture is a real camera stand-in: an RTSP reader gets H.264 video from it (over UDP)."""
    require_rtsp_tools()
    with RtspTestStream(paths=("cam1", "cam2")) as stream:
        assert stream.running
        output = tmp_path / "cam2.ts"
        reader = subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", stream.uris["cam2"], "-t", "1", "-c", "copy", output],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert reader.returncode == 0, reader.stderr
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", output],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert set(probe.stdout.split()) == {"h264,640,360"}, probe.stdout + probe.stderr
    assert not stream.running
    assert "Unmounting /cam2" in stream.server_output  # the publisher left cleanly (TEARDOWN)


# --------------------------------------------------------------------------------------------------
# Dead, silent and wrong endpoints


def test_closed_port_is_offline_at_once():
    port = free_tcp_port()
    result, elapsed = probe_one(ProbeTarget(7, f"rtsp://127.0.0.1:{port}/live", None), timeout=3.0)
    assert not result.online
    assert result.detail == "connection refused"
    assert result.latency_ms is None
    assert elapsed < 1.0


def test_listener_that_never_answers_is_offline_after_the_timeout(servers):
    port = servers.silent_listener()
    result, elapsed = probe_one(ProbeTarget(8, f"rtsp://127.0.0.1:{port}/live", None), timeout=0.5)
    assert not result.online
    assert result.detail == "no answer within 0.5 s"
    assert result.latency_ms is None
    assert 0.45 <= elapsed < 2.0


def test_web_server_is_not_an_rtsp_camera(servers):
    port = servers.http_server()
    result, _ = probe_one(ProbeTarget(10, f"rtsp://127.0.0.1:{port}/live", None))
    assert not result.online
    assert result.detail == "not an RTSP server (answered HTTP 400)"


def test_python_http_server_answering_without_status_line_is_not_rtsp():
    # http.server answers a request with an unknown protocol version as HTTP/0.9: a bare HTML page.
    class Quiet(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result, _ = probe_one(ProbeTarget(11, f"rtsp://127.0.0.1:{server.server_address[1]}/live", None))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert not result.online
    assert result.detail == "not an RTSP server (unexpected answer)"


def test_401_means_alive_but_needs_credentials(servers):
    port = servers.rtsp_responder()
    result, _ = probe_one(ProbeTarget(12, f"rtsp://127.0.0.1:{port}/locked/stream1", None))
    assert result.online
    assert result.detail == "auth required"


def test_unknown_host_is_offline():
    result, _ = probe_one(ProbeTarget(13, "rtsp://camera-13.invalid/live", None), timeout=5.0)
    assert not result.online
    assert result.detail in ("host name not found", "host name could not be resolved")


@pytest.mark.parametrize(
    ("uri", "detail"),
    [
        ("http://127.0.0.1/live", "not an rtsp:// URI"),
        (f"rtsp://{USER}:{SECRET}@127.0.0.1:notaport/live", "invalid RTSP URI"),
        ("rtsp:///live", "invalid RTSP URI (no host)"),
    ],
)
def test_invalid_uris_are_offline_without_echoing_them(uri, detail):
    result, _ = probe_one(ProbeTarget(14, uri, None))
    assert not result.online
    assert result.detail == detail


def test_target_without_any_address_is_offline():
    result, _ = probe_one(ProbeTarget(15, None, None))
    assert not result.online
    assert result.detail == "no RTSP URI or ONVIF address"


# --------------------------------------------------------------------------------------------------
# ONVIF fallback


def test_onvif_address_only_is_probed_with_get_system_date_and_time(onvif_server):
    port, requests = onvif_server()
    result, _ = probe_one(ProbeTarget(20, None, f"127.0.0.1:{port}"))
    assert result.online, result
    assert result.detail == "ONVIF GetSystemDateAndTime OK"
    assert result.latency_ms is not None
    [(path, content_type, body)] = requests
    assert path == "/onvif/device_service"
    assert content_type.startswith("application/soap+xml")
    assert b"<GetSystemDateAndTime" in body and b"soap-envelope" in body


def test_onvif_full_url_and_credentials(onvif_server):
    port, requests = onvif_server()
    result, _ = probe_one(ProbeTarget(21, None, f"http://{USER}:{SECRET}@127.0.0.1:{port}/onvif/device_service"))
    assert result.online, result
    assert SECRET not in result.detail
    [(path, _, _)] = requests
    assert path == "/onvif/device_service"


def test_onvif_answer_without_soap_envelope_is_offline(onvif_server):
    port, _ = onvif_server(answer=b"<html><body>Router login</body></html>", content_type="text/html")
    result, _ = probe_one(ProbeTarget(22, None, f"127.0.0.1:{port}"))
    assert not result.online
    assert result.detail == "ONVIF answered HTTP 200 without a SOAP envelope"


def test_rtsp_uri_wins_over_onvif_address(servers, onvif_server):
    rtsp_port = servers.rtsp_responder()
    onvif_port, requests = onvif_server()
    result, _ = probe_one(ProbeTarget(23, f"rtsp://127.0.0.1:{rtsp_port}/live", f"127.0.0.1:{onvif_port}"))
    assert result.online
    assert result.detail == "RTSP 200 OK"
    assert requests == []


# --------------------------------------------------------------------------------------------------
# Credentials, concurrency, resources


def test_credentials_never_reach_details_logs_or_the_wire(servers, caplog):
    live = servers.rtsp_responder()
    silent = servers.silent_listener()
    web = servers.http_server()
    closed = free_tcp_port()
    creds = f"{USER}:{SECRET}@"
    targets = [
        ProbeTarget(1, f"rtsp://{creds}127.0.0.1:{live}/live/ch1", None),
        ProbeTarget(2, f"rtsp://{creds}127.0.0.1:{live}/locked/ch1", None),
        ProbeTarget(3, f"rtsp://{creds}127.0.0.1:{live}/missing", None),
        ProbeTarget(4, f"rtsp://{creds}127.0.0.1:{silent}/live", None),
        ProbeTarget(5, f"rtsp://{creds}127.0.0.1:{web}/live", None),
        ProbeTarget(6, f"rtsp://{creds}127.0.0.1:{closed}/live", None),
        ProbeTarget(7, f"rtsp://{creds}camera-7.invalid/live", None),
        ProbeTarget(8, f"rtsp://{creds}127.0.0.1:99999/live", None),
        ProbeTarget(9, None, f"http://{creds}127.0.0.1:{closed}/onvif/device_service"),
    ]
    with caplog.at_level(logging.DEBUG, logger="cameras.health"):
        results = probe_many(targets, timeout=0.5)
    assert [r.online for r in results] == [True, True, False, False, False, False, False, False, False]
    for result in results:
        assert SECRET not in result.detail and USER not in result.detail, result
    assert caplog.records, "the probe logs each result at DEBUG"
    assert SECRET not in caplog.text and USER not in caplog.text
    assert servers.request_lines, "the responders saw the requests"
    for line in servers.request_lines:
        assert SECRET not in line and USER not in line and "@" not in line, line
    assert f"DESCRIBE rtsp://127.0.0.1:{live}/live/ch1 RTSP/1.0" in servers.request_lines


def test_probe_many_respects_the_concurrency_bound(servers):
    port = servers.rtsp_responder(delay=0.1)
    targets = [ProbeTarget(i, f"rtsp://127.0.0.1:{port}/live/cam{i}", None) for i in range(30)]
    started = time.perf_counter()
    results = probe_many(targets, concurrency=5, timeout=3.0)
    elapsed = time.perf_counter() - started
    assert [r.camera_id for r in results] == list(range(30))  # results keep the targets' order
    assert all(r.online for r in results)
    assert servers.max_in_flight == 5  # bounded, and the bound was actually used
    assert elapsed >= 0.55  # 30 targets, 5 at a time, 0.1 s each: at least 6 rounds


def test_timeouts_do_not_hold_a_turn_longer_than_the_timeout(servers):
    silent = servers.silent_listener()
    targets = [ProbeTarget(i, f"rtsp://127.0.0.1:{silent}/live", None) for i in range(20)]
    started = time.perf_counter()
    results = probe_many(targets, concurrency=10, timeout=0.3)
    elapsed = time.perf_counter() - started
    assert all(r.detail == "no answer within 0.3 s" for r in results)
    assert 0.55 <= elapsed < 1.5  # two rounds of 0.3 s


def test_a_sweep_leaves_no_socket_open(servers):
    def open_fds():
        return len(os.listdir("/proc/self/fd"))

    live = servers.rtsp_responder()
    silent = servers.silent_listener()
    web = servers.http_server()
    closed = free_tcp_port()
    targets = []
    for i in range(40):
        port, path = [(live, "live"), (live, "missing"), (silent, "live"), (web, "live"), (closed, "live")][i % 5]
        targets.append(ProbeTarget(i, f"rtsp://127.0.0.1:{port}/{path}", None))
    probe_many(targets[:5], timeout=0.3)  # warm up (threads, lazily opened files)
    servers.wait_until_no_connections()
    before = open_fds()
    results = probe_many(targets, concurrency=20, timeout=0.3)
    servers.wait_until_no_connections()
    assert len(results) == 40
    assert open_fds() == before


def test_probe_many_accepts_any_iterable_and_empty_input():
    assert probe_many([]) == []
    assert probe_many(ProbeTarget(i, None, None) for i in range(3))[2].camera_id == 2


def test_probe_many_refuses_to_nest_in_a_running_loop_but_the_async_form_works(servers):
    port = servers.rtsp_responder()

    async def from_async_code():
        with pytest.raises(RuntimeError, match="probe_many_async"):
            probe_many([])
        return await probe_many_async([ProbeTarget(1, f"rtsp://127.0.0.1:{port}/live", None)])

    [result] = asyncio.run(from_async_code())
    assert result.online


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="concurrency"):
        probe_many([], concurrency=0)
    with pytest.raises(ValueError, match="timeout"):
        probe_many([], timeout=0)


def test_redact_uri_drops_user_information_only():
    assert redact_uri(f"rtsp://{USER}:{SECRET}@10.1.2.3:554/Streaming/Channels/101?transport=udp#x") == (
        "rtsp://10.1.2.3:554/Streaming/Channels/101?transport=udp"
    )
    assert redact_uri("rtsp://[fe80::1]:8554/cam") == "rtsp://[fe80::1]:8554/cam"
