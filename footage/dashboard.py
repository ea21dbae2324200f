"""The footage to-do panels on the dashboard (registered with zones.dashboard by FootageConfig.ready):

- operator and chief: their open live sessions, their requests still moving, their packages ready to download;
- approver (and delegates): the requests waiting for their decision, soonest deadline first;
- chief and DPO: break-glass uses awaiting review; the chief also sees requests to the organisation past their
  deadline (escalated)."""

from django.utils import timezone

from conventions.models import RequestStatus
from footage import selectors
from footage.models import EvidenceExport
from zones.models import Role

__all__ = ["my_footage_panel", "oversight_of_requests_panel", "requests_to_decide_panel"]

SHOWN = 10


def my_footage_panel(actor):
    if not actor.has_role(Role.OPERATOR, Role.CHIEF):
        return None
    now = timezone.now()
    sessions = selectors.live_session_list(actor=actor).filter(
        user=actor.user, ended_at__isnull=True, expires_at__gt=now
    )
    moving = (
        selectors.footage_requests_mine(actor=actor)
        .filter(requester=actor.user)
        .filter(status__in=[RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.BREAK_GLASS])
    )
    ready = selectors.evidence_export_list(actor=actor).filter(
        created_by=actor.user, status=EvidenceExport.Status.READY
    )
    return {
        "sessions": list(sessions.select_related("camera").order_by("-started_at")[:SHOWN]),
        "requests": list(moving.order_by("-submitted_at")[:SHOWN]),
        "requests_count": moving.count(),
        "ready": list(ready.order_by("-pk")[:SHOWN]),
    }


def requests_to_decide_panel(actor):
    waiting = selectors.footage_requests_to_decide(actor=actor)
    if not actor.has_role(Role.APPROVER) and not waiting.exists():
        return None  # a delegate who is not an approver sees the panel only when something waits
    return {
        "waiting": list(waiting.order_by("due_at", "pk")[:SHOWN]),
        "waiting_count": waiting.count(),
        "now": timezone.now(),
    }


def oversight_of_requests_panel(actor):
    if not actor.has_role(Role.CHIEF, Role.DPO):
        return None
    reviews = selectors.break_glass_to_review(actor=actor)
    escalated = None
    if actor.has_role(Role.CHIEF):
        escalated = selectors.footage_request_list(actor=actor).filter(
            owner=actor.organisation, status=RequestStatus.SUBMITTED, escalated_at__isnull=False
        )
    return {
        "reviews": list(reviews.order_by("review_due_at", "pk")[:SHOWN]),
        "reviews_count": reviews.count(),
        "escalated": list(escalated.order_by("due_at")[:SHOWN]) if escalated is not None else None,
        "escalated_count": escalated.count() if escalated is not None else 0,
        "now": timezone.now(),
    }
