"""Checking a second-factor code against the right kind of device.

Six digits go to the authenticator (TOTP) devices, anything else to the backup codes, so that a mistyped
backup code does not slow down the authenticator (django-otp throttles each device after failures).

Changes of a person's second factor are written to the access log's platform chain (TWO_FACTOR_CHANGE), through
model signals whatever the path (pages, admin, shell): confirming an authenticator that was being enrolled
(enrolled, or replaced when another one stays confirmed), removing a confirmed authenticator or the backup codes.
Issuing new backup codes is recorded by whoever issues them: second_factor_changed(change=BACKUP_CODES_ISSUED).
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.access import AccessAction, AccessRecord, record_access

__all__ = ["is_backup_code", "second_factor_changed", "throttled_message", "verify_second_factor"]


def _devices(user, code, confirmed_only=True):
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    devices = model.objects.filter(user=user)
    return devices.filter(confirmed=True) if confirmed_only else devices


def is_backup_code(device):
    return isinstance(device, StaticDevice)


def verify_second_factor(user, code):
    """The device that accepts this code (and consumes it), or None."""
    code = (code or "").replace(" ", "").replace("-", "").lower()
    for device in _devices(user, code):
        if device.verify_token(code):
            return device
    return None


def throttled_message(user, code):
    """A plain message if the device this code is meant for refuses codes for a while after wrong ones."""
    code = (code or "").replace(" ", "").lower()
    for device in _devices(user, code, confirmed_only=False):  # includes one being enrolled
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
            return _("Too many wrong codes in a row: wait %(seconds)d seconds, then enter the current code.") % {
                "seconds": seconds
            }
    return None


# The access log records every change of a person's second factor (platform chain) --------------------------------

TOTP_ENROLLED, TOTP_REPLACED, TOTP_REMOVED = "authenticator_enrolled", "authenticator_replaced", "authenticator_removed"
BACKUP_CODES_ISSUED, BACKUP_CODES_REMOVED = "backup_codes_issued", "backup_codes_removed"


def second_factor_changed(*, user, change, by=None, request=None, details=None):
    """Write the access-log entry of a second-factor change (platform chain). It is written inside the caller's
    transaction: if the log refuses it, AccessLogUnavailable propagates and the change is rolled back."""
    record_access(
        AccessRecord(
            action=AccessAction.TWO_FACTOR_CHANGE,
            controller=None,
            actor=by,
            reason=change,
            request=request,
            details={"user": user.username, **(details or {})},
        )
    )


@receiver(pre_save, sender=TOTPDevice, dispatch_uid="zones-twofactor-totp-confirming")
def _remember_confirmation(sender, instance, raw=False, **kwargs):
    """Whether this save confirms an authenticator being enrolled (saved unconfirmed before, confirmed now)."""
    instance._second_factor_confirming = (
        not raw
        and instance.confirmed
        and instance.pk is not None
        and sender.objects.filter(pk=instance.pk, confirmed=False).exists()
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="zones-twofactor-totp-confirmed")
def _authenticator_enrolled(sender, instance, raw=False, **kwargs):
    if raw or not getattr(instance, "_second_factor_confirming", False):
        return
    instance._second_factor_confirming = False
    others = sender.objects.filter(user=instance.user, confirmed=True).exclude(pk=instance.pk).exists()
    second_factor_changed(
        user=instance.user,
        change=TOTP_REPLACED if others else TOTP_ENROLLED,
        by=instance.user,  # a person enrols their own authenticator, with a code from it
        details={"device": instance.name},
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="zones-twofactor-totp-removed")
def _authenticator_removed(sender, instance, **kwargs):
    if instance.confirmed:  # an abandoned, never confirmed enrolment is no second factor
        second_factor_changed(user=instance.user, change=TOTP_REMOVED, details={"device": instance.name})


@receiver(post_delete, sender=StaticDevice, dispatch_uid="zones-twofactor-static-removed")
def _backup_codes_removed(sender, instance, **kwargs):
    second_factor_changed(user=instance.user, change=BACKUP_CODES_REMOVED, details={"device": instance.name})
