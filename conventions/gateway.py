"""The media gateway's authorisation hook: MediaMTX `authMethod: http` posts here before it serves a stream.

Request (JSON): user, password, token, ip, action, path, protocol, id, query (newer versions add userAgent).
The session token may travel in `token` (HLS/WebRTC bearer), in the query string (`?token=`, RTSP/RTMP) or as
the password. The path names the camera: `cam/<camera id>` (MediaMTX paths may hold slashes). `read` is live
viewing; `playback` is recorded footage, granted by footage requests. Any 2xx allows; 401 asks the client for
credentials (RTSP clients first come without any); 403 refuses. A malformed request is a 400, never a 500.
"""

import json
import re
from urllib.parse import parse_qs

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .live import gate

__all__ = ["CAMERA_PATH", "auth_hook", "camera_id_from_path"]

CAMERA_PATH = re.compile(r"^/?cam/(\d{1,12})/?$")
FIELDS = ("user", "password", "token", "ip", "action", "path", "protocol", "id", "query")
# Actions the portal may ever allow; publish, api, metrics and pprof belong to the gateway's operators.
VIEWING_ACTIONS = {"read", "playback"}


def camera_id_from_path(path):
    match = CAMERA_PATH.match(path or "")
    return int(match.group(1)) if match else None


def _token_of(data):
    if data.get("token"):
        return data["token"]
    query = parse_qs(data.get("query") or "", keep_blank_values=False)
    if query.get("token"):
        return query["token"][0]
    return data.get("password") or ""


def _refuse(status, reason):
    return JsonResponse({"allowed": False, "reason": reason}, status=status)


@csrf_exempt
@require_POST
def auth_hook(request):
    allowed_from = settings.PORTAL_GATEWAY_ADDRESSES
    if allowed_from and request.META.get("REMOTE_ADDR") not in allowed_from:
        return _refuse(403, "caller_not_a_gateway")
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "The body is not JSON.")
    if not isinstance(data, dict):
        return _refuse(400, "The body must be a JSON object.")
    missing = [name for name in ("action", "path") if not isinstance(data.get(name), str) or not data[name]]
    wrong = [name for name in FIELDS if name in data and data[name] is not None and not isinstance(data[name], str)]
    if missing or wrong:
        return _refuse(400, f"Missing or malformed fields: {', '.join(missing + wrong)}.")

    action = data["action"]
    if action not in VIEWING_ACTIONS:
        return _refuse(403, "action_not_allowed")
    camera_id = camera_id_from_path(data["path"])
    if camera_id is None:
        return _refuse(403, "unknown_path")
    token = _token_of(data)
    if not token:
        return _refuse(401, "no_token")
    answer = gate(token=token, camera_id=camera_id, action=action)
    if not answer.allowed:
        return _refuse(answer.status, answer.reason)
    return JsonResponse({"allowed": True, "session": answer.session_id})
