"""Checking a second-factor code against the right kind of device.

Six digits go to the authenticator (TOTP) devices, anything else to the backup codes, so that a mistyped
backup code does not slow down the authenticator (django-otp throttles each device after failures).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

__all__ = ["is_backup_code", "throttled_message", "verify_second_factor"]


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
