"""Escalating cool-off after failed logins: 15 minutes after a lock-out, doubling with every further
locked-out attempt in the last 24 hours, up to 24 hours."""

from datetime import timedelta

from axes.models import AccessFailureLog
from django.utils import timezone

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)
ESCALATION_WINDOW = timedelta(hours=24)


def login_username(request):
    """The username a login attempt is about (the second-factor step keeps it on the request)."""
    if request is None:
        return None
    return getattr(request, "portal_login_username", None) or request.POST.get("username")


def cool_off(request=None):
    """Axes calls this (AXES_COOLOFF_TIME) with the login request."""
    username = login_username(request)
    if not username:
        return BASE_COOL_OFF
    lockouts = AccessFailureLog.objects.filter(
        username=username, locked_out=True, attempt_time__gte=timezone.now() - ESCALATION_WINDOW
    ).count()
    return min(BASE_COOL_OFF * (2 ** max(0, lockouts - 1)), MAX_COOL_OFF)
