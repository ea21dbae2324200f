"""Reads of live sessions, footage requests and evidence exports, restricted to the parties: the viewer's or
requester's organisation, and the camera owner's roles that answer for them (footage.querysets)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone

from footage.models import EvidenceExport, FootageRequest, LiveSession
from footage.querysets import OWNER_SIDE_READERS, OWNER_SIDE_ROLES, REQUESTER_SIDE_READERS

__all__ = [
    "OWNER_SIDE_READERS",
    "OWNER_SIDE_ROLES",
    "REQUESTER_SIDE_READERS",
    "break_glass_to_review",
    "evidence_export_get",
    "evidence_export_list",
    "footage_request_get",
    "footage_request_list",
    "footage_requests_mine",
    "footage_requests_to_decide",
    "live_session_list",
    "live_sessions_on_own_cameras",
]


# --- Live sessions ----------------------------------------------------------------------------------------------


def _live_sessions(actor, action):
    return (
        LiveSession.objects.for_actor(actor, action)
        .select_related("user", "organisation", "camera__owner", "convention_version__convention")
        .order_by("-started_at", "-pk")
    )


def live_session_list(*, actor):
    """The viewer's own sessions for the acting organisation; its chief sees every session of the organisation."""
    return _live_sessions(actor, "view")


def live_sessions_on_own_cameras(*, actor, at=None):
    """Open sessions of anyone on the acting organisation's cameras (owner side); nothing for other roles."""
    return _live_sessions(actor, "owner").filter(ended_at__isnull=True, expires_at__gt=at or timezone.now())


# --- Footage requests and evidence exports ------------------------------------------------------------------------


def _footage_requests(actor, action="view"):
    return FootageRequest.objects.for_actor(actor, action).select_related(
        "requester", "organisation", "owner", "convention_version__convention", "reviewed_by"
    )


def footage_requests_mine(*, actor):
    """Requests made by the acting organisation: the requester's own; its chief and DPO read them all."""
    return _footage_requests(actor).filter(organisation=actor.organisation)


def footage_request_list(*, actor):
    """Every request the person may read: made by their organisation (see footage_requests_mine) or to it."""
    return _footage_requests(actor)


def footage_request_get(*, actor, pk):
    return get_object_or_404(footage_request_list(actor=actor), pk=pk)


def footage_requests_to_decide(*, actor):
    """Waiting requests to the acting organisation on which the person may decide now (conventions.policy
    .may_decide: an approver, or a delegate whose groups cover every camera; never their own, never twice)."""
    return _footage_requests(actor, "decide")


def break_glass_to_review(*, actor):
    """Break-glass uses of the acting organisation's cameras still waiting for the review of its chief or DPO."""
    return _footage_requests(actor, "review")


def evidence_export_list(*, actor):
    """Evidence packages of the requests the person reads."""
    return EvidenceExport.objects.for_actor(actor, "view").select_related(
        "request__organisation", "request__owner", "created_by"
    )


def evidence_export_get(*, actor, pk):
    return get_object_or_404(evidence_export_list(actor=actor), pk=pk)
