"""A client for MediaMTX's control API (v3): list the viewers it serves and kick those whose right ended.

The hook (media.gateway) refuses an ended session's token at the viewer's next request, but a viewer already playing
over RTSP or WebRTC makes no further request: the gateway must be told to drop them. Matching is exact where
possible: the hook receives MediaMTX's connection or session `id` and the live gate's owner remembers it (footage:
GatewayConnection), and those ids are kicked (footage.live says which sessions ended). As a fallback, every listed
session whose query string carries an ended session's token (`?token=`, the RTSP/RTMP way) is kicked too. Tokens
sent as `Authorization: Bearer` or as a password never appear in the lists; those viewers are dropped through their
remembered id, or at their next request to the hook.

API shapes (bluenviron/mediamtx, api/openapi.yaml): `GET /v3/{kind}/list?page=&itemsPerPage=` answers
`{"itemCount", "pageCount", "items": [{"id", "path", "query", "remoteAddr", "state", ...}]}` (pages from 0);
`POST /v3/{kind}/kick/{id}` answers 200 `{"status": "ok"}`, 404 when the id is unknown (already gone), 400 when
the id is not a UUID. With `authMethod: http`, MediaMTX checks the API's own credentials through the hook (action
`api`); the portal presents PORTAL_MEDIAMTX_API_USER / _PASSWORD as HTTP basic auth.

Every call has a short timeout. An unreachable gateway raises GatewayUnavailable from the client; the Celery task
(footage.tasks.gateway_kick_sessions) logs it and retries a few times, and nothing reaches a web request.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

import requests
from django.conf import settings

__all__ = [
    "KICKABLE_KINDS",
    "kick_viewers",
    "GatewayControl",
    "GatewayUnavailable",
    "KickReport",
    "gateway_control",
]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0
ITEMS_PER_PAGE = 100
MAX_PAGES = 1000  # 100,000 viewers per kind: far beyond one gateway; a bound against a looping server

# Lists whose items can be kicked, by the protocol the hook was told (`protocol`). RTSP's DESCRIBE comes with the
# connection's id (rtspconns, not kickable) and PLAY with the session's id: both are remembered, the first 404s.
KINDS_BY_PROTOCOL = {
    "rtsp": ("rtspsessions", "rtspssessions"),
    "rtmp": ("rtmpconns", "rtmpsconns"),
    "hls": ("hlssessions",),
    "webrtc": ("webrtcsessions",),
    "srt": ("srtconns",),
    "moq": ("moqsessions",),
}
KICKABLE_KINDS = (
    "rtspsessions", "rtspssessions", "webrtcsessions", "hlssessions", "rtmpconns", "rtmpsconns", "srtconns",
)  # fmt: skip


class GatewayUnavailable(Exception):
    """The control API could not be reached, or answered with a server error."""


class GatewayControl:
    def __init__(self, base_url, *, user="", password="", timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # never through an HTTP proxy from the environment
        if user or password:
            self.http.auth = (user, password)

    def _call(self, method, path, **kwargs):
        url = f"{self.base_url}{path}"
        try:
            response = self.http.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise GatewayUnavailable(f"{method} {url}: {error}") from error
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise GatewayUnavailable(f"{method} {url}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def list(self, kind):
        """Every item of one list (`rtspsessions`, `hlssessions`...), across its pages. An unknown list (an older
        MediaMTX, or the protocol turned off) is empty."""
        items = []
        page = 0
        while page < MAX_PAGES:
            response = self._call("GET", f"/v3/{kind}/list", params={"page": page, "itemsPerPage": ITEMS_PER_PAGE})
            if response.status_code == 404:
                return items
            if response.status_code != 200:
                raise GatewayUnavailable(f"GET /v3/{kind}/list: HTTP {response.status_code}")
            try:
                body = response.json()
                items.extend(item for item in body.get("items") or () if isinstance(item, dict))
                page_count = int(body.get("pageCount") or 0)
            except (ValueError, AttributeError, TypeError) as error:
                raise GatewayUnavailable(f"GET /v3/{kind}/list: unreadable answer") from error
            page += 1
            if page >= page_count:
                return items
        return items

    def kick(self, kind, gateway_id):
        """Drop one session or connection. True if it was there, False if it was already gone (idempotent)."""
        response = self._call("POST", f"/v3/{kind}/kick/{quote(str(gateway_id), safe='')}")
        if response.status_code == 200:
            return True
        if response.status_code in (400, 404):  # unknown id, or not a UUID: nothing of ours to drop
            return False
        raise GatewayUnavailable(f"POST /v3/{kind}/kick/{gateway_id}: HTTP {response.status_code}")


def gateway_control():
    """The configured client, or None when no MediaMTX control API is configured."""
    if not settings.PORTAL_MEDIAMTX_API_URL:
        return None
    return GatewayControl(
        settings.PORTAL_MEDIAMTX_API_URL,
        user=settings.PORTAL_MEDIAMTX_API_USER,
        password=settings.PORTAL_MEDIAMTX_API_PASSWORD,
    )


@dataclass
class KickReport:
    kicked: list = field(default_factory=list)  # "kind/id"
    already_gone: int = 0
    unreachable: str = ""

    def as_dict(self):
        return {"kicked": self.kicked, "already_gone": self.already_gone, "unreachable": self.unreachable}


def _token_digest_in(query):
    for name, value in parse_qsl(query or ""):
        if name == "token" and value:
            return hashlib.sha256(value.encode()).hexdigest()
    return None


def kick_viewers(*, connections, token_digests, control=None, asked_for=""):
    """Drop these gateway viewers: `connections` are (gateway id, protocol) pairs the hook let through, and every
    listed viewer whose query string carries a token with one of `token_digests` (SHA-256 hex) goes too.

    Idempotent: an id already gone counts as done. Raises nothing; an unreachable gateway is reported."""
    report = KickReport()
    control = control or gateway_control()
    if control is None or not (connections or token_digests):
        return report
    digests = set(token_digests)
    done = set()
    try:
        for gateway_id, protocol in connections:
            kicked = False
            for kind in KINDS_BY_PROTOCOL.get(protocol, KICKABLE_KINDS):
                if control.kick(kind, gateway_id):
                    report.kicked.append(f"{kind}/{gateway_id}")
                    kicked = True
                    break
            report.already_gone += not kicked
            done.add(gateway_id)
        # Fallback: viewers whose token is in their query string, and whose id the hook never saw.
        for kind in KICKABLE_KINDS:
            for item in control.list(kind):
                gateway_id = str(item.get("id") or "")
                if gateway_id and gateway_id not in done and _token_digest_in(item.get("query")) in digests:
                    if control.kick(kind, gateway_id):
                        report.kicked.append(f"{kind}/{gateway_id}")
                    done.add(gateway_id)
    except GatewayUnavailable as error:
        report.unreachable = str(error)
        log.warning("Media gateway control API unreachable; %d viewer(s) dropped so far: %s", len(report.kicked), error)
    if report.kicked:
        log.info("Media gateway dropped %s (%s)", ", ".join(report.kicked), asked_for)
    return report
