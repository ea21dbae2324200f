"""Reads of conventions, restricted to the two parties (every role of theirs, read-only except chiefs' actions)
and to the supervisory body, which reads every convention."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from zones.models import Role

from .models import Convention, LiveSession

__all__ = [
    "convention_get",
    "convention_list",
    "live_session_get",
    "live_session_list",
    "live_sessions_on_own_cameras",
]


def convention_list(*, actor):
    conventions = Convention.objects.select_related("provider", "consumer").prefetch_related("versions")
    if actor.has_role(Role.SUPERVISOR):
        return conventions
    return conventions.filter(Q(provider=actor.organisation) | Q(consumer=actor.organisation))


def convention_get(*, actor, pk):
    return get_object_or_404(convention_list(actor=actor), pk=pk)


# --- Live sessions ----------------------------------------------------------------------------------------------

# Who reads the open sessions on their organisation's cameras: those who may cut them, and the DPO.
OWNER_SIDE_ROLES = {Role.CHIEF, Role.OPERATOR, Role.DPO}


def _live_sessions():
    return LiveSession.objects.select_related(
        "user", "organisation", "camera__owner", "convention_version__convention"
    ).order_by("-started_at", "-pk")


def live_session_list(*, actor):
    """The viewer's own sessions for the acting organisation; its chief sees every session of the organisation."""
    sessions = _live_sessions().filter(organisation=actor.organisation)
    if actor.has_role(Role.CHIEF):
        return sessions
    return sessions.filter(user=actor.user)


def live_session_get(*, actor, pk):
    return get_object_or_404(live_session_list(actor=actor), pk=pk)


def live_sessions_on_own_cameras(*, actor, at=None):
    """Open sessions of anyone on the acting organisation's cameras (owner side); nothing for other roles."""
    if not actor.roles & OWNER_SIDE_ROLES:
        return LiveSession.objects.none()
    return _live_sessions().filter(
        camera__owner=actor.organisation, ended_at__isnull=True, expires_at__gt=at or timezone.now()
    )
