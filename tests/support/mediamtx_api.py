"""A stand-in for MediaMTX's control API, because MediaMTX itself cannot run on this machine.

It follows the documented v3 API (bluenviron/mediamtx, api/openapi.yaml) for the parts the portal uses:
- `GET /v3/{kind}/list?page=&itemsPerPage=` -> 200 `{"itemCount", "pageCount", "items": [...]}`; pages count from
  0 (defaults 0 and 100), a page past the end is empty, a non-numeric or zero itemsPerPage is a 400;
- `GET /v3/{kind}/get/{id}` -> the item, or 404;
- `POST /v3/{kind}/kick/{id}` -> 200 `{"status": "ok"}` and the session is gone; 404 for an unknown id; 400 for an
  id that is not a UUID;
- errors are `{"status": "error", "error": "..."}`; with credentials set, a request without them is a 401.
Items carry the documented fields the portal reads (id, created, path, query, remoteAddr, state, user, userAgent).

A local threaded HTTP server on 127.0.0.1; every request is recorded in `requests` (method, path, authorization).
"""

import base64
import json
import sys
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from media import media_servers
from media.models import MediaServer

KINDS = (
    "rtspconns", "rtspsessions", "rtspsconns", "rtspssessions", "webrtcsessions", "hlssessions", "hlsmuxers",
    "rtmpconns", "rtmpsconns", "srtconns", "moqsessions",
)  # fmt: skip
KICKABLE = {"rtspsessions", "rtspssessions", "webrtcsessions", "hlssessions", "rtmpconns", "rtmpsconns", "srtconns",
            "moqsessions"}  # fmt: skip


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (its timeout) leaves a broken pipe behind: expected in timeout tests.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeMediaMTX:
    def __init__(self, *, user="", password="", delay=0.0):
        self.user, self.password, self.delay = user, password, delay
        self.sessions = {kind: [] for kind in KINDS}
        self.requests = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def add(self, kind, *, path, query="", state="read", remote_addr="192.0.2.10:50000", gateway_id=None):
        """A viewer the gateway is serving; returns its id."""
        item = {
            "id": gateway_id or str(uuid.uuid4()),
            "created": datetime.now(UTC).isoformat(),
            "path": path,
            "query": query,
            "remoteAddr": remote_addr,
            "state": state,
            "user": "",
            "userAgent": "stand-in",
        }
        with self.lock:
            self.sessions[kind].append(item)
        return item["id"]

    def ids(self, kind):
        with self.lock:
            return [item["id"] for item in self.sessions[kind]]

    def kicks(self):
        return [r["path"] for r in self.requests if r["method"] == "POST" and "/kick/" in r["path"]]

    def _handler(fake):  # noqa: N805 - the handler class closes over the fake
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status, message):
                self._send(status, {"status": "error", "error": message})

            def _authorised(self):
                if not (fake.user or fake.password):
                    return True
                expected = base64.b64encode(f"{fake.user}:{fake.password}".encode()).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def _route(self, method):
                if fake.delay:
                    threading.Event().wait(fake.delay)
                parts = urlsplit(self.path)
                with fake.lock:
                    fake.requests.append(
                        {"method": method, "path": parts.path, "query": parts.query,
                         "authorization": self.headers.get("Authorization", "")}
                    )  # fmt: skip
                if not self._authorised():
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="mediamtx"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                segments = parts.path.strip("/").split("/")
                if len(segments) < 3 or segments[0] != "v3" or segments[1] not in KINDS:
                    return self._error(404, "not found")
                kind, verb = segments[1], segments[2]
                if method == "GET" and verb == "list" and len(segments) == 3:
                    return self._list(kind, parse_qs(parts.query))
                if len(segments) == 4 and method == "GET" and verb == "get":
                    return self._get(kind, segments[3])
                if len(segments) == 4 and method == "POST" and verb == "kick" and kind in KICKABLE:
                    return self._kick(kind, segments[3])
                return self._error(404, "not found")

            def _list(self, kind, query):
                try:
                    per_page = int(query.get("itemsPerPage", ["100"])[0])
                    page = int(query.get("page", ["0"])[0])
                    if per_page <= 0 or page < 0:
                        raise ValueError
                except ValueError:
                    return self._error(400, "invalid pagination")
                with fake.lock:
                    items = list(fake.sessions[kind])
                page_count = (len(items) + per_page - 1) // per_page
                window = items[page * per_page : (page + 1) * per_page]
                return self._send(200, {"itemCount": len(items), "pageCount": page_count, "items": window})

            def _find(self, kind, raw_id):
                try:
                    wanted = str(uuid.UUID(raw_id))
                except ValueError:
                    return None, False
                with fake.lock:
                    return next((item for item in fake.sessions[kind] if item["id"] == wanted), None), True

            def _get(self, kind, raw_id):
                item, valid = self._find(kind, raw_id)
                if not valid:
                    return self._error(400, "invalid UUID")
                return self._send(200, item) if item else self._error(404, "session not found")

            def _kick(self, kind, raw_id):
                item, valid = self._find(kind, raw_id)
                if not valid:
                    return self._error(400, "invalid UUID")
                if item is None:
                    return self._error(404, "session not found")
                with fake.lock:
                    fake.sessions[kind].remove(item)
                return self._send(200, {"status": "ok"})

            def do_GET(self):  # noqa: N802
                self._route("GET")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._route("POST")

        return Handler


def hook_request(**fields):
    """The JSON body MediaMTX (1.x, authMethod: http) posts to the hook: every key, `id` null unless given."""
    body = {
        "user": "", "password": "", "token": "", "ip": "192.0.2.10", "action": "read", "path": "",
        "protocol": "rtsp", "id": None, "query": "", "userAgent": "LIBVLC/3.0.21 (LIVE555 Streaming Media v2016.11.28)",
    }  # fmt: skip
    body.update(fields)
    return body


# The media server the tests' hook requests come from (the `media_server` fixture registers it).
MEDIA_SERVER = ("test-gateway", "test-gateway-secret-that-is-long-enough")


def server_credentials(name, secret):
    """The Authorization header Go's HTTP client sends for authHTTPAddress: http://name:secret@portal/..."""
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()}


@pytest.fixture
def media_server(db):
    """MEDIA_SERVER, registered as a media server allowed to call the hook."""
    name, secret = MEDIA_SERVER
    server = MediaServer.objects.create(name=name, secret_digest=media_servers.secret_digest(secret))
    media_servers.forget()
    yield server
    media_servers.forget()


def post_hook(client, body, *, server=MEDIA_SERVER, **extra):
    """POST a body (a dict is sent as JSON, bytes or str as they are) to the hook through a Django test client, as
    the media server `server` ((name, secret), or None for no credentials)."""
    data = json.dumps(body) if isinstance(body, dict) else body
    credentials = server_credentials(*server) if server else {}
    return client.post("/gateway/auth", data=data, content_type="application/json", **{**credentials, **extra})


def reset_gate_cache():
    """Empty the live gate's in-process cache and its sweep clock, the hook's counters (Django's cache) and its
    list of media servers, so that each test starts as a fresh process."""
    from footage import gates, live

    cache.clear()
    media_servers.forget()
    with live._cache_lock:
        live._cache.clear()
        live._swept.update(at=float("-inf"), since=None, generation=None)
    gates._remembered.clear()
