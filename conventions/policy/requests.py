"""The rules of footage requests that pages, the API, tasks and the gates all ask, answered once here:

- is a request still granted (the one answer for exports, playback and the buttons of the request page);
- who may decide on it (the owner's approvers, or delegates whose camera groups cover every camera);
- what a person may do with it now (decide, withdraw, review a break-glass use, prepare a package, play);

The services check again under a row lock with these same functions; the pages only choose their buttons with them.
A request is read through its attributes (status, mode, access_until, owner, requester, cameras), so the policy
needs nothing from the app that stores requests.
"""

from dataclasses import dataclass

from django.utils import timezone

from cameras.models import CameraGroupUserObjectPermission
from cameras.selectors import APPROVE_GROUP
from conventions.models import Mode, RequestStatus
from zones.models import Membership, Role

__all__ = [
    "GRANTED",
    "RequestActions",
    "approvers_of",
    "is_approver_for",
    "may_decide",
    "may_review_break_glass",
    "request_actions",
    "request_lapsed_reason",
    "request_still_granted",
]

# The states in which a request gives footage (until its access period ends).
GRANTED = frozenset({RequestStatus.APPROVED, RequestStatus.BREAK_GLASS})
NOT_GRANTED = "request_not_granted"
LAPSED = "request_lapsed"
REVIEWERS = (Role.CHIEF, Role.DPO)  # of the camera owner, for break-glass uses


def request_lapsed_reason(request, *, at=None, recorded=True):
    """Why the request gives no footage now ("" while it does).

    Granted means: approved or taken under break-glass, and before the end of its access period. A request
    without an end to its access period gives nothing (the stricter reading: every grant sets one, so a missing
    end is a fault, never an open door). For recorded footage (`recorded`, the default), a live break-glass use
    gives nothing either: it opened live viewing only."""
    at = at or timezone.now()
    if request.status not in GRANTED or (recorded and request.mode == Mode.LIVE):
        return NOT_GRANTED
    if request.access_until is None or at >= request.access_until:
        return LAPSED
    return ""


def request_still_granted(request, *, at=None, recorded=True):
    return not request_lapsed_reason(request, at=at, recorded=recorded)


def approvers_of(request):
    """The people who may decide: the owner's approvers, and the people to whom the owner's chief delegated the
    approval of requests for camera groups (cameras.approve_group_requests) that together hold every camera of the
    request. Each still holds an active membership in the owner; never the requester."""
    members = Membership.objects.filter(organisation=request.owner, is_active=True, user__is_active=True)
    users = {m.user for m in members.filter(role=Role.APPROVER).select_related("user")}
    camera_ids = set(request.cameras.values_list("pk", flat=True))
    granted = CameraGroupUserObjectPermission.objects.filter(
        permission__codename=APPROVE_GROUP,
        content_object__owner=request.owner,
        content_object__cameras__in=camera_ids,
        user__in=members.values("user_id"),
    ).values_list("user_id", "content_object__cameras")
    covered = {}
    for user_id, camera_id in granted:
        if camera_id in camera_ids:
            covered.setdefault(user_id, set()).add(camera_id)
    delegates = [user_id for user_id, cameras in covered.items() if camera_ids and cameras >= camera_ids]
    if delegates:
        users |= {m.user for m in members.filter(user_id__in=delegates).select_related("user")}
    return {user for user in users if user.pk != request.requester_id}


def is_approver_for(actor, request):
    """Is this person, acting for the camera owner, one of the request's approvers (approvers_of)?"""
    return (
        actor is not None
        and actor.organisation.pk == request.owner_id
        and actor.user.pk != request.requester_id
        and actor.user in approvers_of(request)
    )


def may_decide(actor, request):
    """May this person approve or reject the request now: it waits for a decision, they are one of its approvers
    and have not decided on it already (four-eyes needs two distinct people)."""
    return (
        request.status == RequestStatus.SUBMITTED
        and is_approver_for(actor, request)
        and not request.approvals.filter(approver=actor.user).exists()
    )


def may_review_break_glass(actor, request):
    """The camera owner's chief or DPO reviews a break-glass use, once."""
    return (
        actor is not None
        and request.review_due_at is not None
        and request.reviewed_at is None
        and request.owner_id == actor.organisation.pk
        and actor.has_role(*REVIEWERS)
    )


def _is_requester(actor, request):
    return (
        actor is not None and request.requester_id == actor.user.pk and request.organisation_id == actor.organisation.pk
    )


@dataclass(frozen=True)
class RequestActions:
    """What the acting person may do with one request now (the request page's buttons, the API's checks)."""

    decide: bool = False
    withdraw: bool = False
    review: bool = False
    prepare_export: bool = False
    play: bool = False


def request_actions(actor, request, *, has_current_export=False, at=None):
    """`has_current_export`: an evidence package of the request is queued, running or ready (one at a time)."""
    at = at or timezone.now()
    mine = _is_requester(actor, request)
    granted = request_still_granted(request, at=at)
    return RequestActions(
        decide=may_decide(actor, request),
        withdraw=mine and request.status == RequestStatus.SUBMITTED,
        review=may_review_break_glass(actor, request),
        prepare_export=mine and request.mode == Mode.EXPORT and granted and not has_current_export,
        play=mine and granted,
    )
