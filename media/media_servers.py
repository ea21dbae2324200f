"""Which media servers may call the gateway hook, and which one is calling.

MediaMTX adds no header of its own to its hook requests, but it posts to `authHTTPAddress` exactly as written (Go's
http.Post): a user and password in the URL travel as HTTP basic auth (Go's client turns the URL's user part into an
Authorization header), and a query string is kept. A media server named `gw1` is thus configured with either
    authHTTPAddress: http://gw1:<secret>@portal.internal:8000/gateway/auth      (preferred: kept out of access logs)
    authHTTPAddress: http://portal.internal:8000/gateway/auth?server=gw1&key=<secret>
(platform/mediamtx.yml). The portal keeps each server's secret as a SHA-256 digest (MediaServer; `manage.py
media_server add|rotate|remove|list`) and compares digests in constant time.

Each process reads the servers at most every RELOAD_SECONDS, so that an allowed request costs no query; a server
added, rotated or removed is honoured by every process within that time.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import threading
import time

from django.db import DatabaseError

from media.models import MediaServer

__all__ = ["authenticate", "forget", "new_secret", "presented", "secret_digest"]

log = logging.getLogger(__name__)

RELOAD_SECONDS = 30
MAX_NAME, MAX_SECRET = 50, 200
_NOBODY = hashlib.sha256(b"no such media server").hexdigest()  # compared against when the name is unknown
_known = {"at": float("-inf"), "servers": {}}
_lock = threading.Lock()


def secret_digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret():
    return secrets.token_urlsafe(32)


def forget():
    """Read the servers again at the next request (after a change in this process, and in tests)."""
    with _lock:
        _known.update(at=float("-inf"), servers={})


def _servers():
    now = time.monotonic()
    if now - _known["at"] < RELOAD_SECONDS:
        return _known["servers"]
    try:
        servers = dict(MediaServer.objects.values_list("name", "secret_digest"))
    except DatabaseError:  # keep what this process knew; a process that knew nothing lets nobody in
        log.exception("Could not read the media servers; keeping the %d known", len(_known["servers"]))
        return _known["servers"]
    with _lock:
        _known.update(at=now, servers=servers)
    return servers


def presented(request):
    """(name, secret) the caller presents: HTTP basic auth, else `?server=&key=`; empty strings when none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            name, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return "", ""
        return name, secret
    return request.GET.get("server", ""), request.GET.get("key", "")


def authenticate(request):
    """The name of the media server making this request, or None."""
    name, secret = presented(request)
    if not (name and secret) or len(name) > MAX_NAME or len(secret) > MAX_SECRET:
        return None
    expected = _servers().get(name)
    same = hmac.compare_digest(secret_digest(secret), expected or _NOBODY)
    return name if same and expected else None
