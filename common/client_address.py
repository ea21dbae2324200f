"""The one place that says which address a request comes from (issue 12): axes, the access log, sessions, API
tokens and the change log all ask here, and no other module reads REMOTE_ADDR or X-Forwarded-For (a test checks).

PORTAL_TRUSTED_PROXY_COUNT is the number of reverse proxies in front of the portal that each append the address
they received the connection from to X-Forwarded-For (the reference nginx is one: platform/nginx.conf.example).
0 (the default): the header is ignored entirely and the address is the connection's (REMOTE_ADDR). N > 0: the
address is the N-th entry from the right of X-Forwarded-For, the one the outermost trusted proxy wrote; anything a
client put to the left of it (forged hops) is ignored. The header is believed only when the connection itself comes
from a trusted proxy (PORTAL_TRUSTED_PROXY_ADDRESSES, loopback by default): a caller that reaches gunicorn directly
(the internal network) cannot name an address. When the header has fewer entries than that, the connection's
address is used (a misconfiguration must not let a client choose).
"""

import ipaddress

from django.conf import settings
from ipware import get_client_ip

__all__ = ["FORWARDED_FOR", "client_address", "peer_address"]

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1/128")


def peer_address(request):
    """The address of the connection itself (the nearest proxy behind nginx), or None."""
    return _valid(request.META.get("REMOTE_ADDR"))


def client_address(request):
    """The person's address as the trusted proxies saw it (a string, or None when there is none)."""
    peer = peer_address(request)
    count = int(getattr(settings, "PORTAL_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0 or not request.META.get(FORWARDED_FOR) or not _trusted(peer):
        return peer
    # python-ipware counts the proxies named *in* the header: with N proxies that each append their peer, the header
    # holds the client and N - 1 proxies, and the client is the N-th entry from the right.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=count - 1,
        request_header_order=[FORWARDED_FOR],
        strict=False,
    )
    return _valid(address) or peer


def _valid(value):
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def _trusted(peer):
    if peer is None:
        return False
    address = ipaddress.ip_address(peer)
    networks = getattr(settings, "PORTAL_TRUSTED_PROXY_ADDRESSES", None) or DEFAULT_TRUSTED_PROXIES
    for network in networks:
        network = ipaddress.ip_network(network, strict=False)
        if address.version == network.version and address in network:
            return True
    return False
