"""Reads of conventions, restricted to the two parties (every role of theirs, read-only except chiefs' actions)
and to the supervisory body, which reads every convention."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from conventions.models import Convention
from zones.models import Role

__all__ = ["convention_get", "convention_list"]


def convention_list(*, actor):
    conventions = Convention.objects.select_related("provider", "consumer").prefetch_related("versions")
    if actor.has_role(Role.SUPERVISOR):
        return conventions
    return conventions.filter(Q(provider=actor.organisation) | Q(consumer=actor.organisation))


def convention_get(*, actor, pk):
    return get_object_or_404(convention_list(actor=actor), pk=pk)


# --- Live sessions ----------------------------------------------------------------------------------------------


# --- Footage requests and evidence exports ------------------------------------------------------------------------
