"""Footage requests: asking another body for recorded footage, its approvers deciding, break-glass.

The decision function says whether a request may be made at all (convention, purpose, look-back, the legal
regime's reach, the prosecutor's decision); the owner's approvers then decide whether it is granted. Refusals of
the decision function are logged as denied attempts; every approver's decision is an access-log entry; every step
is in the change log. Under a convention's emergency clause an operator takes the footage at once (break-glass):
the owner's chief and DPO are told immediately and a review is due by the clause's deadline.
"""

import re
from datetime import timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import AccessAction, AccessRecord, record_access
from conventions.models import ConventionVersion, Mode, Purpose
from conventions.policy import approvers_of, clean_justification, decide, evaluate, is_approver_for
from conventions.policy.requests import REVIEWERS
from footage.models import Approval, FootageRequest
from zones.models import Notification, Role
from zones.notifications import notify

__all__ = [
    "FootageRefused",
    "break_glass_live_record",
    "break_glass_review",
    "request_decide",
    "request_preview",
    "request_submit",
    "request_withdraw",
    "requests_follow_up",
]

REQUEST_MODES = (Mode.PLAYBACK, Mode.EXPORT)


class FootageRefused(Exception):
    """The decision function refuses some cameras: {camera: reason}. Each refusal is in the access log."""

    def __init__(self, refusals):
        self.refusals = refusals
        super().__init__("; ".join(f"{camera}: {reason}" for camera, reason in refusals.items()))


def request_preview(*, actor, cameras, window_start, window_end, purpose, mode, prosecutor_reference="",
                    break_glass=False):  # fmt: skip
    """What the decision function says for each camera, without logging: [(camera, AccessDecision)]."""
    return [
        (
            camera,
            evaluate(
                actor=actor,
                camera=camera,
                mode=mode,
                purpose=purpose,
                window_start=window_start,
                window_end=window_end,
                prosecutor_reference=prosecutor_reference,
                break_glass=break_glass,
            ),
        )  # fmt: skip
        for camera in cameras
    ]


def _validate(actor, cameras, window_start, window_end, purpose, mode, case_reference):
    if not cameras:
        raise ValidationError(_("Choose at least one camera."))
    owners = {camera.owner_id for camera in cameras}
    if len(owners) != 1:
        raise ValidationError(_("A request goes to one camera owner: split it per owner."))
    if actor.organisation.pk in owners:
        raise ValidationError(_("Your own cameras need no request: play or export them directly."))
    if mode not in REQUEST_MODES:
        raise ValidationError(_("Ask for playback or for an export."))
    if purpose not in Purpose.values:
        raise ValidationError(_("Choose a purpose from the list."))
    if window_start is None or window_end is None or window_end <= window_start:
        raise ValidationError(_("The end of the window must come after its start."))
    if not (case_reference or "").strip():
        raise ValidationError(_("Give the case reference (e.g. the report number)."))


def _next_reference(request):
    request.reference = f"FR-{request.submitted_at:%Y}-{request.pk:06d}"
    request.save(update_fields=["reference"])


def request_submit(*, actor, cameras, window_start, window_end, purpose, mode, justification, case_reference,
                   prosecutor_reference="", prosecutor_document=None, break_glass=False, request=None):  # fmt: skip
    """Submit a request (or, with break_glass, take the footage at once under the emergency clause)."""
    cameras = list(cameras)
    _validate(actor, cameras, window_start, window_end, purpose, mode, case_reference)
    justification = clean_justification(justification)
    case_reference, prosecutor_reference = case_reference.strip()[:100], (prosecutor_reference or "").strip()[:100]
    if prosecutor_reference and not prosecutor_document:
        raise ValidationError(_("Attach the prosecutor's decision as a document with its reference."))
    facts = {"mode": mode, "purpose": purpose, "window_start": window_start, "window_end": window_end,
             "prosecutor_reference": prosecutor_reference}  # fmt: skip

    at = timezone.now()
    preview = request_preview(actor=actor, cameras=cameras, break_glass=break_glass, **facts)
    refusals = {camera: decision.reason for camera, decision in preview if not decision}
    if refusals:
        for camera in refusals:  # each refusal is a denied attempt in the access log, committed
            decide(actor=actor, camera=camera, justification=justification, case_reference=case_reference,
                   break_glass=break_glass, request=request, at=at, **facts)  # fmt: skip
        raise FootageRefused(refusals)
    versions = {decision.convention_version_id for _camera, decision in preview}
    if len(versions) != 1:
        raise ValidationError(_("These cameras are shared under different conventions: split the request."))
    version = ConventionVersion.objects.get(pk=versions.pop())

    with transaction.atomic(), set_actor(actor.user):
        footage = FootageRequest.objects.create(
            reference=f"pending-{at.timestamp()}-{actor.user.pk}", requester=actor.user,
            organisation=actor.organisation, owner=cameras[0].owner, convention_version=version,
            justification=justification, case_reference=case_reference, submitted_at=at,
            due_at=at + timedelta(hours=settings.PORTAL_REQUEST_DECISION_HOURS),
            approvals_required=2 if (version.four_eyes_export and mode == Mode.EXPORT) else 1,
            **{k: v for k, v in facts.items() if k != "prosecutor_reference"},
            prosecutor_reference=prosecutor_reference,
        )  # fmt: skip
        if prosecutor_document:
            footage.prosecutor_document.save(prosecutor_document.name, prosecutor_document, save=True)
        footage.cameras.set(cameras)
        _next_reference(footage)
        if break_glass:
            _take_under_break_glass(actor, footage, cameras, version, at, request)
        else:
            _tell_approvers(footage, _("New footage request %(reference)s from %(organisation)s"))
    return footage


def _take_under_break_glass(actor, footage, cameras, version, at, request):
    for camera in cameras:
        decision = decide(
            actor=actor, camera=camera, mode=footage.mode, purpose=footage.purpose, window_start=footage.window_start,
            window_end=footage.window_end, justification=footage.justification, case_reference=footage.case_reference,
            prosecutor_reference=footage.prosecutor_reference, break_glass=True, at=at, request=request,
            details={"footage_request": footage.reference},
        )  # fmt: skip
        if not decision:
            raise FootageRefused({camera: decision.reason})
    footage.status = FootageRequest.Status.BREAK_GLASS
    footage.decided_at = at
    footage.access_until = at + timedelta(hours=version.emergency_max_hours)
    footage.review_due_at = at + timedelta(hours=version.emergency_review_hours)
    footage.save(update_fields=["status", "decided_at", "access_until", "review_due_at"])
    _tell_break_glass(actor, footage)


def _tell_break_glass(actor, footage):
    """The owner's chief and DPO hear of a break-glass use at once (portal and e-mail)."""
    notify(
        organisation=footage.owner, roles=[Role.CHIEF, Role.DPO], kind="break_glass",
        subject=_("Break-glass: %(organisation)s took footage of your cameras (%(reference)s)")
        % {"organisation": footage.organisation.name, "reference": footage.reference},
        body=_("%(person)s invoked the emergency clause for “%(purpose)s”: %(why)s. Review it before %(due)s.")
        % {"person": actor.user, "purpose": Purpose(footage.purpose).label, "why": footage.justification,
           "due": f"{footage.review_due_at:%Y-%m-%d %H:%M} UTC"},
        link=f"/requests/{footage.pk}/",
    )  # fmt: skip


def break_glass_live_record(*, actor, cameras, version, purpose, justification, case_reference, at):
    """Live viewing under a convention's emergency clause is kept as a footage request taken under break-glass
    (mode live), so that it is announced, escalated and reviewed exactly like recorded footage taken that way."""
    hours = timedelta(hours=version.emergency_max_hours)
    footage = FootageRequest.objects.create(
        reference=f"pending-{at.timestamp()}-{actor.user.pk}", requester=actor.user, organisation=actor.organisation,
        owner=cameras[0].owner, convention_version=version, justification=justification,
        case_reference=case_reference or "—", submitted_at=at, due_at=at, window_start=at, window_end=at + hours,
        mode=Mode.LIVE, purpose=purpose, status=FootageRequest.Status.BREAK_GLASS, decided_at=at,
        access_until=at + hours, review_due_at=at + timedelta(hours=version.emergency_review_hours),
    )  # fmt: skip
    footage.cameras.set(cameras)
    _next_reference(footage)
    _tell_break_glass(actor, footage)
    return footage


def _tell_approvers(footage, subject):
    approvers = approvers_of(footage)
    body = _("%(person)s asks for footage of %(count)d camera(s) for “%(purpose)s”: %(why)s") % {
        "person": footage.requester, "count": footage.cameras.count(), "purpose": Purpose(footage.purpose).label,
        "why": footage.justification,
    }  # fmt: skip
    subject = subject % {"reference": footage.reference, "organisation": footage.organisation.name}

    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            organisation=footage.owner,
            kind="footage_request",
            subject=subject[:200],
            body=body,
            link=f"/requests/{footage.pk}/",
        )  # fmt: skip
        for user in sorted(approvers, key=lambda u: u.pk)
    )


def _reason(text):
    text = " ".join((text or "").split())
    if len(re.findall(r"\w+", text)) < 2:
        raise ValidationError(_("Give the reason for your decision in a few words."))
    return text


def request_decide(*, actor, footage, approve, reason, request=None):
    """One approver approves or rejects. Four-eyes: two distinct approvers, neither the requester; a rejection
    by any approver ends the request. Each decision is an access-log entry."""
    reason = _reason(reason)
    with transaction.atomic(), set_actor(actor.user):
        footage = FootageRequest.objects.select_for_update().get(pk=footage.pk)
        if actor.user.pk == footage.requester_id:
            raise PermissionDenied(_("You cannot decide on your own request."))
        if not is_approver_for(actor, footage):
            raise PermissionDenied(_("Only the camera owner's approvers decide on this request."))
        if footage.status != FootageRequest.Status.SUBMITTED:
            raise ValidationError(_("This request is already decided."))
        if footage.approvals.filter(approver=actor.user).exists():
            raise ValidationError(_("You have already decided on this request; four-eyes needs another approver."))
        at = timezone.now()
        Approval.objects.create(
            request=footage, approver=actor.user, approver_name=str(actor.user),
            decision=Approval.Decision.APPROVE if approve else Approval.Decision.REJECT, reason=reason, at=at,
        )  # fmt: skip
        approvals = footage.approvals.filter(decision=Approval.Decision.APPROVE).count()
        if not approve:
            footage.status, footage.decided_at = FootageRequest.Status.REJECTED, at
        elif approvals >= footage.approvals_required:
            footage.status, footage.decided_at = FootageRequest.Status.APPROVED, at
            footage.access_until = at + timedelta(days=settings.PORTAL_REQUEST_ACCESS_DAYS)
        footage.save(update_fields=["status", "decided_at", "access_until"])
        outcome = {
            FootageRequest.Status.REJECTED: "rejected",
            FootageRequest.Status.APPROVED: "approved",
        }.get(footage.status, f"approval_{approvals}_of_{footage.approvals_required}")
        record_access(
            AccessRecord(
                action=AccessAction.APPROVAL, controller=footage.owner, actor=actor.user,
                actor_organisation=actor.organisation, cameras=list(footage.cameras.all()),
                window_start=footage.window_start, window_end=footage.window_end, mode=footage.mode,
                purpose=footage.purpose, justification=footage.justification,
                case_reference=footage.case_reference, prosecutor_reference=footage.prosecutor_reference,
                recipient=footage.organisation, convention_version=footage.convention_version,
                decision="allow" if approve else "deny", reason=outcome, request=request,
                details={"footage_request": footage.reference, "approver_reason": reason},
            )
        )  # fmt: skip
        if footage.status != FootageRequest.Status.SUBMITTED:
            _notify_requester(footage, reason)
    return footage


def _notify_requester(footage, reason):
    Notification.objects.create(
        recipient=footage.requester, organisation=footage.organisation, kind="footage_decided",
        subject=(_("Your request %(reference)s: %(status)s")
                 % {"reference": footage.reference, "status": footage.get_status_display()})[:200],
        body=reason, link=f"/requests/{footage.pk}/",
    )  # fmt: skip


@transaction.atomic
def request_withdraw(*, actor, footage):
    footage = FootageRequest.objects.select_for_update().get(pk=footage.pk)
    if footage.requester_id != actor.user.pk:
        raise PermissionDenied(_("Only the requester withdraws a request."))
    if footage.status != FootageRequest.Status.SUBMITTED:
        raise ValidationError(_("This request is already decided."))
    with set_actor(actor.user):
        footage.status, footage.decided_at = FootageRequest.Status.WITHDRAWN, timezone.now()
        footage.save(update_fields=["status", "decided_at"])
    return footage


@transaction.atomic
def break_glass_review(*, actor, footage, note):
    """The owner's chief or DPO reviews a break-glass use (the emergency clause requires it)."""
    footage = FootageRequest.objects.select_for_update().get(pk=footage.pk)
    if footage.owner_id != actor.organisation.pk or not actor.has_role(*REVIEWERS):
        raise PermissionDenied(_("Only the camera owner's chief or DPO reviews a break-glass use."))
    if not footage.is_break_glass:
        raise ValidationError(_("This request was not taken under break-glass."))
    if footage.reviewed_at:
        raise ValidationError(_("This break-glass use is already reviewed."))
    with set_actor(actor.user):
        footage.reviewed_at, footage.reviewed_by, footage.review_note = timezone.now(), actor.user, _reason(note)
        footage.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return footage


def requests_follow_up(*, at=None):
    """Periodic (idempotent): remind approvers before the deadline, escalate to the owner's chief after it, and
    escalate unreviewed break-glass uses past their review deadline. Returns (reminded, escalated, reviews)."""
    at = at or timezone.now()
    remind_before = timedelta(hours=settings.PORTAL_REQUEST_REMIND_HOURS_BEFORE)
    reminded = escalated = reviews = 0
    with transaction.atomic():
        waiting = FootageRequest.objects.select_for_update(skip_locked=True).filter(
            status=FootageRequest.Status.SUBMITTED
        )
        for footage in waiting.filter(reminded_at__isnull=True, due_at__lte=at + remind_before, due_at__gt=at):
            _tell_approvers(footage, _("Reminder: footage request %(reference)s from %(organisation)s is due soon"))
            footage.reminded_at = at
            footage.save(update_fields=["reminded_at"])
            reminded += 1
        for footage in waiting.filter(escalated_at__isnull=True, due_at__lte=at):
            notify(
                organisation=footage.owner, roles=[Role.CHIEF], kind="footage_overdue",
                subject=_("Footage request %(reference)s passed its deadline without a decision")
                % {"reference": footage.reference},
                body=footage.justification, link=f"/requests/{footage.pk}/",
            )  # fmt: skip
            footage.escalated_at = at
            footage.save(update_fields=["escalated_at"])
            escalated += 1
        overdue = FootageRequest.objects.select_for_update(skip_locked=True).filter(
            Q(review_due_at__lte=at), reviewed_at__isnull=True, review_escalated_at__isnull=True
        )
        for footage in overdue:
            notify(
                organisation=footage.owner, roles=[Role.CHIEF, Role.DPO], kind="break_glass_overdue",
                subject=_("Break-glass use %(reference)s is past its review deadline")
                % {"reference": footage.reference},
                body=footage.justification, link=f"/requests/{footage.pk}/",
            )  # fmt: skip
            footage.review_escalated_at = at
            footage.save(update_fields=["review_escalated_at"])
            reviews += 1
    return reminded, escalated, reviews
