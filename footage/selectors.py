"""Reads of live sessions, footage requests and evidence exports, restricted to the parties: the viewer's or
requester's organisation, and the camera owner's roles that answer for them."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cameras.models import Camera
from cameras.selectors import APPROVE_GROUP, delegated_groups
from conventions.policy import may_decide
from footage.models import EvidenceExport, FootageRequest, LiveSession
from zones.models import Role

__all__ = [
    "break_glass_to_review",
    "evidence_export_get",
    "evidence_export_list",
    "footage_request_get",
    "footage_request_list",
    "footage_requests_mine",
    "footage_requests_to_decide",
    "live_session_get",
    "live_session_list",
    "live_sessions_on_own_cameras",
]


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


# --- Footage requests and evidence exports ------------------------------------------------------------------------

# Who reads every request of the requesting organisation, and every request made to the owner.
REQUESTER_SIDE_READERS = {Role.CHIEF, Role.DPO}
OWNER_SIDE_READERS = {Role.CHIEF, Role.DPO, Role.APPROVER}


def _footage_requests():
    return FootageRequest.objects.select_related(
        "requester", "organisation", "owner", "convention_version__convention", "reviewed_by"
    )


def _delegated_camera_ids(actor):
    """Cameras of the acting organisation whose requests the person may decide by delegation of the chief: those of
    the groups on which they hold cameras.approve_group_requests (the acting organisation's chief grants it on the
    camera groups page; an actor always holds an active membership there)."""
    groups = delegated_groups(user=actor.user, codename=APPROVE_GROUP, owner=actor.organisation)
    return Camera.objects.filter(owner=actor.organisation, groups__in=groups.values("pk")).values("pk")


def footage_requests_mine(*, actor):
    """Requests made by the acting organisation: the requester's own; its chief and DPO read them all."""
    requests = _footage_requests().filter(organisation=actor.organisation)
    if actor.roles & REQUESTER_SIDE_READERS:
        return requests
    return requests.filter(requester=actor.user)


def _made_to_us(actor):
    """Requests made to the acting organisation that the person reads: chief, DPO and approvers all of them,
    a delegate those touching the cameras of their delegated groups."""
    requests = _footage_requests().filter(owner=actor.organisation)
    if actor.roles & OWNER_SIDE_READERS:
        return requests
    return requests.filter(cameras__in=_delegated_camera_ids(actor)).distinct()


def footage_request_list(*, actor):
    """Every request the person may read: made by their organisation (see footage_requests_mine) or to it."""
    mine = footage_requests_mine(actor=actor).values("pk")
    to_us = _made_to_us(actor).values("pk")
    return _footage_requests().filter(Q(pk__in=mine) | Q(pk__in=to_us))


def footage_request_get(*, actor, pk):
    return get_object_or_404(footage_request_list(actor=actor), pk=pk)


def footage_requests_to_decide(*, actor):
    """Waiting requests to the acting organisation on which the person may decide now (conventions.policy
    .may_decide: an approver or a delegate whose groups cover every camera, never their own, never twice)."""
    waiting = (
        _footage_requests()
        .filter(owner=actor.organisation, status=FootageRequest.Status.SUBMITTED)
        .exclude(requester=actor.user)
        .exclude(approvals__approver=actor.user)
    )
    if not (actor.has_role(Role.APPROVER) or _delegated_camera_ids(actor).exists()):
        return waiting.none()
    return waiting.filter(pk__in=[item.pk for item in waiting if may_decide(actor, item)])


def break_glass_to_review(*, actor):
    """Break-glass uses of the acting organisation's cameras still waiting for the review of its chief or DPO."""
    if not actor.has_role(Role.CHIEF, Role.DPO):
        return FootageRequest.objects.none()
    return _footage_requests().filter(owner=actor.organisation, review_due_at__isnull=False, reviewed_at__isnull=True)


def evidence_export_list(*, actor):
    """Evidence packages of the requests the person reads."""
    return EvidenceExport.objects.select_related("request__organisation", "request__owner", "created_by").filter(
        request__in=footage_request_list(actor=actor).values("pk")
    )


def evidence_export_get(*, actor, pk):
    return get_object_or_404(evidence_export_list(actor=actor), pk=pk)
