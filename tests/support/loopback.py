"""Loopback network peers for tests.

``LoopbackServer`` (an HTTP server on 127.0.0.1 and a free port, served from a thread) and ``QuietHandler`` are the
base of the simulated devices (tests.support.onvif_device). ``PlainHttpServer`` is a web server that is not a camera
at all, and ``BlackholeListener`` a port where connections never complete, like an address whose packets are
dropped (the sandbox this runs in answers every outside address itself, so 10.255.255.1 cannot play that part).
"""

from __future__ import annotations

import abc
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["BlackholeListener", "LoopbackServer", "PlainHttpServer", "QuietHandler"]


class LoopbackServer(abc.ABC):
    """An HTTP server on 127.0.0.1 and a free port, served from a background thread."""

    def __init__(self):
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @abc.abstractmethod
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class this server answers with."""

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("The server is not started.")
        return self._httpd.server_address[1]

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        httpd.daemon_threads = True
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self._stopping.set()  # releases handlers that hang
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class QuietHandler(BaseHTTPRequestHandler):
    server_version = "LoopbackTestServer/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PlainHttpServer(LoopbackServer):
    """A web server that is not an ONVIF device: every GET or POST gets the same status and body."""

    def __init__(self, status: int = 200, body: bytes = b"hello", content_type: str = "text/plain"):
        super().__init__()
        self.status, self.body, self.content_type = status, body, content_type

    def _handler_class(self):
        class Handler(QuietHandler):
            def do_GET(self):
                owner = self.server.owner
                self._send(owner.status, owner.body, owner.content_type)

            def do_POST(self):
                self._read_body()
                self.do_GET()

        return Handler


class BlackholeListener:
    """A loopback port whose accept queue is full and never drained: a TCP connect to it just waits.

    Linux drops the SYN of a connection that does not fit in a listening socket's queue, so the connecting
    side sees what it sees for a blackholed address: no answer at all, until its own timeout.
    """

    def __init__(self):
        self._listener: socket.socket | None = None
        self._fillers: list[socket.socket] = []

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        for _ in range(16):  # fill the queue until a connection no longer completes
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.2)
            try:
                filler.connect(self._listener.getsockname())
            except OSError:
                filler.close()
                return self
            self._fillers.append(filler)
        self.stop()
        raise RuntimeError("Could not fill the listening socket's queue on this system.")

    def stop(self):
        for sock in [*self._fillers, self._listener]:
            if sock is not None:
                sock.close()
        self._fillers, self._listener = [], None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
