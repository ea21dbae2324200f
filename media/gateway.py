"""The media gateway's authorisation hook: MediaMTX `authMethod: http` posts here before it serves a stream.

Request (JSON object): user, password, token, ip, action, path, protocol, id, query, and userAgent in newer
versions; MediaMTX sends every key, `id` is null where it has none (api, metrics, pprof, playback). The session
token may travel in `token` (MediaMTX puts an `Authorization: Bearer` header there), in the query string
(`?token=`, RTSP/RTMP) or as the password. The path names the camera: `cam/<camera id>`.

Answers: any 2xx allows; 401 asks the client for credentials (RTSP clients first come without any); 403 refuses;
a malformed request is a 400, never a 500. `read` (live viewing) and `playback` (recorded footage) are answered by
the gates other apps register (media.gates), and refused while none is registered; `publish`,
`metrics` and `pprof` are never the portal's to allow; `api` is allowed only to the portal's own control-API
credentials (PORTAL_MEDIAMTX_API_USER / _PASSWORD), so that the portal can list and kick viewers.

Only media servers call it: each proves itself with its own secret (media.media_servers: HTTP basic auth from the
user part of MediaMTX's authHTTPAddress, or `?server=&key=`); any other caller is refused (403) before the request
is even read. Refusals are counted per viewer address and per token, and past a limit the hook answers 429 without
asking the gates; wrong control-API credentials are throttled like a sign-in; refusals reach the access log in
bounded form, one entry per minute, source, reason and camera with a count (media.gateway_guard). The hook listens
on the portal's internal address only: the public reverse proxy never forwards /gateway/auth
(platform/nginx.conf.example).

Per request, a token seen within PORTAL_LIVE_GATE_CACHE_SECONDS costs no query: the gate answers from its
in-process cache; the gate's owner is told which gateway connection it let through (to drop that viewer later).
"""

import hmac
import json
import logging
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from audit.access import normal_address
from common.client_address import peer_address
from media import gates, gateway_guard, media_servers

__all__ = ["CAMERA_PATH", "auth_hook", "camera_id_from_path"]

log = logging.getLogger(__name__)

CAMERA_PATH = re.compile(r"/?cam/([0-9]{1,12})/?", re.ASCII)
# Every key MediaMTX sends; each is a string, or null (`id` outside publish and read).
FIELDS = ("user", "password", "token", "ip", "action", "path", "protocol", "id", "query", "userAgent")
REQUIRED = ("action", "path")
MAX_BODY = 64 * 1024  # MediaMTX's requests are a few hundred bytes
MAX_TOKEN = 200


def camera_id_from_path(path):
    match = CAMERA_PATH.fullmatch(path or "")
    return int(match.group(1)) if match else None


def _token_of(data):
    if data.get("token"):
        return data["token"]
    query = data.get("query") or ""
    if "token=" in query:
        for name, value in parse_qsl(query):
            if name == "token" and value:
                return value
    return data.get("password") or ""


def _answer(status, reason, session=None):
    body = {"allowed": status < 300, "reason": reason}
    if session is not None:
        body["session"] = session
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    # A refusal is the hook's ordinary answer, not an error: no "Forbidden" warning from django.request for each
    # (MediaMTX logs the refusals it receives).
    response._has_been_logged = True
    return response


def _parse(request):
    """The request's fields, or (None, why) for a malformed one."""
    body = request.body
    if len(body) > MAX_BODY:
        return None, "The body is too large."
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None, "The body is not JSON."
    if not isinstance(data, dict):
        return None, "The body must be a JSON object."
    missing = [name for name in REQUIRED if not isinstance(data.get(name), str)]
    wrong = [name for name in FIELDS if data.get(name) is not None and not isinstance(data[name], str)]
    if missing or wrong:
        return None, f"Missing or malformed fields: {', '.join(dict.fromkeys(missing + wrong))}."
    return data, ""


def _api_allowed(data):
    """The portal's own control-API client, and nobody else, may use MediaMTX's API."""
    user, password = settings.PORTAL_MEDIAMTX_API_USER, settings.PORTAL_MEDIAMTX_API_PASSWORD
    if not (user and password):
        return False
    given_user, given_password = (data.get("user") or "").encode(), (data.get("password") or "").encode()
    same_user = hmac.compare_digest(given_user, user.encode())
    return hmac.compare_digest(given_password, password.encode()) and same_user


def _refuse(status, reason, *, server, source, digest="", camera_id=None):
    """A refusal, counted against its source and token and tallied for the access log (media.gateway_guard)."""
    gateway_guard.refused(server=server, source=source, reason=reason, digest=digest, camera_id=camera_id)
    return _answer(status, reason)


def _api(data, *, server, source):
    """MediaMTX's control API: the portal's own credentials only, wrong ones throttled like a sign-in."""
    if not (data.get("user") or data.get("password")):
        return _answer(401, "action_not_allowed")  # MediaMTX asks the client for credentials
    if gateway_guard.api_throttled(server=server, source=source):
        return _refuse(429, "api_throttled", server=server, source=source)
    if _api_allowed(data):
        return _answer(200, "portal_control_api")
    gateway_guard.api_failed(server=server, source=source)
    return _refuse(403, "api_credentials", server=server, source=source)


@csrf_exempt
def auth_hook(request):
    if request.method != "POST":
        return _answer(405, "method_not_allowed")
    # The gateway calls straight to gunicorn (no proxy): the connection's own address, never a forwarded one.
    caller = normal_address(peer_address(request)) or "unknown"
    allowed_from = settings.PORTAL_GATEWAY_ADDRESSES
    if allowed_from and peer_address(request) not in allowed_from:
        return _refuse(403, "caller_not_a_gateway", server="", source=caller)
    server = media_servers.authenticate(request)
    if server is None:  # never reaches the gates
        if gateway_guard.blocked(server="", source=caller, digest=""):
            return _refuse(429, "rate_limited", server="", source=caller)
        return _refuse(403, "not_a_media_server", server="", source=caller)
    data, malformed = _parse(request)
    if data is None:
        return _answer(400, malformed)

    # The viewer's address as the media server saw it (trusted: the server proved who it is), else the caller's.
    source = normal_address(data.get("ip") or "") or caller
    action = data["action"]
    if action == "api":
        return _api(data, server=server, source=source)
    token = _token_of(data)
    digest = gateway_guard.token_digest(token[: MAX_TOKEN + 1])
    camera_id = camera_id_from_path(data["path"])
    if gateway_guard.blocked(server=server, source=source, digest=digest):
        return _refuse(429, "rate_limited", server=server, source=source, camera_id=camera_id)
    facts = {"server": server, "source": source, "digest": digest, "camera_id": camera_id}
    viewing_gate = gates.gate_for(action)
    if viewing_gate is None:
        return _refuse(403, f"{action}_not_granted" if action == "playback" else "action_not_allowed", **facts)
    if camera_id is None:
        return _refuse(403, "unknown_path", **facts)
    if not token:
        return _answer(401, "no_token")  # RTSP clients first come without credentials: not a refusal to count
    if len(token) > MAX_TOKEN:
        return _refuse(403, "unknown_token", **facts)
    answer = viewing_gate.check(token=token, camera_id=camera_id, action=action)
    if not answer.allowed:
        return _refuse(answer.status, answer.reason, **facts)
    if viewing_gate.admitted is not None:
        viewing_gate.admitted(answer, gateway_id=data.get("id"), protocol=data.get("protocol"))
    return _answer(200, "ok", answer.session_id)
