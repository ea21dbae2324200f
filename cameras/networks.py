"""The networks the portal may reach as cameras: PORTAL_CAMERA_NETWORKS, a list of address ranges (CIDR).

Whatever asks the portal to reach a camera (ONVIF onboarding, snapshots), the host is resolved first and every
address it resolves to must lie in those ranges; otherwise nothing is sent anywhere and the caller answers one fixed
message, at once, whatever is (or is not) behind the address: no error or timing tells a person which internal hosts
and ports answer. The connection then goes to the very address that was checked (``guarded_session``): a name that
resolves differently a moment later (DNS rebinding) cannot move it. Redirects are checked the same way.
"""

import ipaddress
import socket
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

__all__ = ["OutsideCameraNetworks", "camera_addresses", "guarded_session", "host_allowed", "pinned_uri"]


class OutsideCameraNetworks(Exception):
    """The host is not (or does not resolve only to addresses) in PORTAL_CAMERA_NETWORKS."""

    def __init__(self, host):
        super().__init__(host)
        self.host = host


@cache
def _networks(ranges):
    return tuple(ipaddress.ip_network(value, strict=False) for value in ranges)


def _allowed(address):
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in _networks(tuple(settings.PORTAL_CAMERA_NETWORKS)))


def camera_addresses(host, port=None):
    """The addresses `host` resolves to, all of them inside the camera networks; else OutsideCameraNetworks."""
    name = (host or "").strip().strip("[]").split("%")[0]
    try:
        addresses = [ipaddress.ip_address(name)]
    except ValueError:
        try:
            found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise OutsideCameraNetworks(host) from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))
    if not addresses or not all(_allowed(address) for address in addresses):
        raise OutsideCameraNetworks(host)
    return [str(address) for address in addresses]


def pinned_uri(uri):
    """The stream address with its host replaced by the first checked address (for ffmpeg, which would resolve the
    name again); OutsideCameraNetworks if the host is not in the camera networks."""
    parts = urlsplit(uri)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OutsideCameraNetworks(uri) from None
    address = camera_addresses(host, port)[0]
    shown = f"[{address}]" if ":" in address else address
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + shown + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def host_allowed(host):
    try:
        camera_addresses(host)
    except OutsideCameraNetworks:
        return False
    return True


class _Guarded:
    """A urllib3 connection that connects only to checked addresses of its host (TLS still names the host)."""

    def _new_conn(self):
        host, last = self._dns_host, None
        for address in camera_addresses(host, self.port):
            self._dns_host = address
            try:
                return super()._new_conn()
            except NewConnectionError as error:  # also a connect timeout: try the host's next address
                last = error
            finally:
                self._dns_host = host
        raise last


class _GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session():
    """A requests session that reaches camera networks only (OutsideCameraNetworks otherwise, before any packet),
    ignoring proxies and .netrc from the environment (cameras sit on the closed network), never reading files."""
    session = requests.Session()
    session.trust_env = False
    session.adapters.clear()
    session.mount("http://", _GuardedAdapter())
    session.mount("https://", _GuardedAdapter())
    return session
