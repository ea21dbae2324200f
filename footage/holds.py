"""Legal holds in people's hands: the camera owner's chief, approvers and DPO keep footage past its retention for a
case (a reference and a reason), see the holds and release them. Each step is one access-log entry in the owner's
chain; the hourly purge (media.recording) keeps every segment an active hold covers. Who may do it is the policy's
(conventions.policy.holds)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import AccessAction, AccessRecord, record_access
from cameras.models import Camera
from conventions.policy import MAX_HOLD_CAMERAS, MAX_HOLD_WINDOW, may_manage_holds
from media.models import LegalHold

__all__ = ["hold_place", "hold_release", "holds_of"]


def _require(actor):
    if not may_manage_holds(actor):
        raise PermissionDenied(_("Only the chief, an approver or the DPO of the camera owner manages legal holds."))


def holds_of(actor):
    """The legal holds on the actor's organisation's cameras (none for a role that does not manage them)."""
    if not may_manage_holds(actor):
        return LegalHold.objects.none()
    return LegalHold.objects.for_actor(actor, "view").select_related("camera", "created_by", "released_by")


def _log(actor, cameras, *, step, holds, window_start, window_end, case_reference, reason, request):
    record_access(
        AccessRecord(
            action=AccessAction.LEGAL_HOLD, controller=actor.organisation, actor=actor.user,
            actor_organisation=actor.organisation, cameras=cameras, window_start=window_start,
            window_end=window_end, justification=reason, case_reference=case_reference, request=request,
            details={"step": step, "holds": [hold.pk for hold in holds]},
        )
    )  # fmt: skip


def hold_place(*, actor, cameras, window_start, window_end, case_reference, reason, request=None):
    """Hold the footage of these cameras (the organisation's own) in the window; one hold per camera, all or
    nothing, logged once. Returns the holds."""
    _require(actor)
    cameras = list(dict.fromkeys(cameras))
    if not cameras:
        raise ValidationError({"cameras": _("Choose at least one camera.")})
    if len(cameras) > MAX_HOLD_CAMERAS:
        raise ValidationError({"cameras": _("A hold covers at most %(count)d cameras.") % {"count": MAX_HOLD_CAMERAS}})
    if any(camera.owner_id != actor.organisation.pk for camera in cameras):
        raise ValidationError({"cameras": _("A hold covers your organisation's own cameras only.")})
    if window_end <= window_start:
        raise ValidationError({"window_end": _("The end of the window must come after its start.")})
    if window_end - window_start > MAX_HOLD_WINDOW:
        raise ValidationError(
            {"window_end": _("A hold covers at most %(days)d days.") % {"days": MAX_HOLD_WINDOW.days}}
        )
    case_reference, reason = case_reference.strip(), reason.strip()
    if not case_reference:
        raise ValidationError({"case_reference": _("Give the case reference the footage is kept for.")})
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say in a sentence why the footage must be kept (10 characters or more).")})
    with transaction.atomic():
        holds = LegalHold.objects.bulk_create(
            [
                LegalHold(camera=camera, window_start=window_start, window_end=window_end,
                          case_reference=case_reference, reason=reason, created_by=actor.user)
                for camera in sorted(cameras, key=lambda camera: camera.pk)
            ]
        )  # fmt: skip
        _log(actor, cameras, step="placed", holds=holds, window_start=window_start, window_end=window_end,
             case_reference=case_reference, reason=reason, request=request)  # fmt: skip
    return holds


def hold_release(*, actor, hold, reason, request=None):
    """Release a hold (the footage then follows its legal retention again); logged. A released hold stays listed."""
    _require(actor)
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say in a sentence why the hold ends (10 characters or more).")})
    with transaction.atomic():
        hold = LegalHold.objects.for_actor(actor, "view").select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise ValidationError(_("This hold was already released."))
        hold.released_at, hold.released_by, hold.release_reason = timezone.now(), actor.user, reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        camera = Camera.objects.get(pk=hold.camera_id)
        _log(
            actor, [camera], step="released", holds=[hold], window_start=hold.window_start,
            window_end=hold.window_end, case_reference=hold.case_reference, reason=reason, request=request,
        )  # fmt: skip
    return hold
