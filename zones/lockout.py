"""Lock-outs after failed sign-ins (django-axes), by username *and* address together (issue 12).

- Five failures (password or second factor) for one username from one address lock that username at that address:
  a colleague behind the same address (a control room behind one NAT) signs in, and so does the person from
  elsewhere; a guesser elsewhere locks only their own address out.
- Against one address trying many usernames (spraying), the address alone is locked once it passes
  PORTAL_LOCKOUT_ADDRESS_CEILING failures within the cool-off (axes has one failure limit, so the address joins the
  lockout parameters only past the ceiling: lockout_parameters, AXES_LOCKOUT_PARAMETERS).
- Cool-off: 15 minutes after a lock-out, doubling with every further locked-out attempt of that username from that
  address in the last 24 hours, up to 24 hours.
- The person's chief lifts the lock in the portal (People page, unlock): every address's count for that username
  is cleared (an address locked against spraying stays locked for its cool-off). Lock-outs and unlocks are written
  to the access log (zones.services), and repeated lock-outs are an anomaly in the DPO console.
"""

from collections import defaultdict
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from common.client_address import client_address

__all__ = ["cool_off", "cool_off_for", "locked_usernames", "lockout_parameters", "login_username"]

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)
ESCALATION_WINDOW = timedelta(hours=24)
TOGETHER = ["username", "ip_address"]


def login_username(request):
    """The username a login attempt is about (the second-factor step keeps it on the request)."""
    if request is None:
        return None
    return getattr(request, "portal_login_username", None) or request.POST.get("username")


def cool_off_for(username, address, now=None):
    """The cool-off of this username at this address: doubles with every locked-out attempt in 24 hours."""
    if not username:
        return BASE_COOL_OFF
    now = now or timezone.now()
    lockouts = AccessFailureLog.objects.filter(
        username=username, ip_address=address, locked_out=True, attempt_time__gte=now - ESCALATION_WINDOW
    ).count()
    return min(BASE_COOL_OFF * (2 ** max(0, lockouts - 1)), MAX_COOL_OFF)


def cool_off(request=None):
    """Axes calls this (AXES_COOLOFF_TIME) with the login request."""
    if request is None:
        return BASE_COOL_OFF
    return cool_off_for(login_username(request), client_address(request))


def address_failures(address, since):
    """Failed sign-ins from this address, whatever the username, since `since`."""
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def lockout_parameters(request_or_attempt, credentials=None):
    """Axes calls this (AXES_LOCKOUT_PARAMETERS) with a request it has seen (or a stored attempt)."""
    address = getattr(request_or_attempt, "axes_ip_address", None)
    if address:
        since = timezone.now() - cool_off(request_or_attempt)
        if address_failures(address, since) >= settings.PORTAL_LOCKOUT_ADDRESS_CEILING:
            return [TOGETHER, "ip_address"]
    return [TOGETHER]


def locked_usernames(usernames, now=None):
    """The usernames among these that are locked out at some address now (the People page's unlock button): as
    axes counts, the failures of a username at an address (over every user agent) within its cool-off."""
    now = now or timezone.now()
    rows = AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=now - MAX_COOL_OFF)
    failures = defaultdict(list)
    for username, address, count, attempt_time in rows.values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    ):
        failures[(username, address)].append((count, attempt_time))
    locked = set()
    for (username, address), counts in failures.items():
        if username in locked or sum(count for count, _ in counts) < settings.AXES_FAILURE_LIMIT:
            continue
        since = now - cool_off_for(username, address, now)
        if sum(count for count, attempt_time in counts if attempt_time >= since) >= settings.AXES_FAILURE_LIMIT:
            locked.add(username)
    return locked
