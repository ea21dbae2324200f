"""Writes on people, memberships, sessions and tokens. Keyword-only, atomic."""

import secrets
import time
from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.access import AccessAction, AccessRecord, record_access
from common.client_address import client_address
from zones import twofactor
from zones.lockout import cool_off
from zones.models import ApiToken, Membership, UserSession

__all__ = [
    "BACKUP_CODE_COUNT",
    "api_token_create",
    "api_token_revoke",
    "api_token_touch",
    "backup_codes_regenerate",
    "lockout_lift",
    "lockout_record",
    "membership_disable",
    "membership_enable",
    "session_record",
    "totp_device_confirm",
    "totp_device_start",
    "user_access_revoke",
    "user_disable",
    "user_sessions_end",
]

BACKUP_CODE_COUNT = 10
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def session_record(*, request, user):
    """Remember a new signed-in session so it can be ended from outside (disable, revoke)."""
    request.session.save()  # make sure the session has a key
    now = time.time()
    request.session["auth_started_at"] = now
    request.session["last_activity_at"] = now
    request.session["otp_verified_at"] = now
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip_address": client_address(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


@transaction.atomic
def user_sessions_end(*, user):
    """End every browser session of a person at once."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


@transaction.atomic
def user_disable(*, user):
    """Disable a person. Saving the flag ends their sessions and tokens (signals.user_access_revoke),
    so the admin and any other path that saves the user behaves the same."""
    user.is_active = False
    user.save(update_fields=["is_active"])


@transaction.atomic
def user_access_revoke(*, user):
    """No session, no API token left for this person."""
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user_sessions_end(user=user)


@transaction.atomic
def membership_disable(*, membership, reason, by=None):
    """Withdraw a role. The person's sessions end, and tokens bound to that organisation are revoked
    when no other active role remains there."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.disabled_at = timezone.now()
    membership.disabled_reason = reason
    membership.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    still_member = Membership.objects.filter(
        user=membership.user, organisation=membership.organisation, is_active=True
    ).exists()
    if not still_member:
        ApiToken.objects.filter(
            user=membership.user, organisation=membership.organisation, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    user_sessions_end(user=membership.user)
    record_access(
        AccessRecord(
            action=AccessAction.MEMBERSHIP_CHANGE,
            controller=None,
            actor=by,
            actor_organisation=membership.organisation if by else None,
            reason="membership_disabled",
            details={"user": membership.user.username, "organisation": membership.organisation.code,
                     "role": membership.role, "why": reason},
        )
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_enable(*, membership):
    membership.is_active = True
    membership.disabled_at = None
    membership.disabled_reason = ""
    membership.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    return membership


@transaction.atomic
def api_token_create(*, actor, name, days=None):
    """Create a token bound to the actor's organisation. The clear key is returned once, never stored."""
    days = days or settings.PORTAL_API_TOKEN_DEFAULT_DAYS
    prefix, key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=actor.user,
        organisation=actor.organisation,
        name=name,
        key_prefix=prefix,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


def api_token_revoke(*, token):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token, ip_address):
    """Record last use, at most once a minute, so that busy clients do not write on every call."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address or None)


def totp_device_start(*, user):
    """The unconfirmed authenticator a person is enrolling (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device, token):
    """Confirm an authenticator with a first valid code; returns fresh backup codes, or None if wrong."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return backup_codes_regenerate(user=device.user)


@transaction.atomic
def backup_codes_regenerate(*, user):
    """Replace a person's backup codes with ten new single-use codes."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    twofactor.second_factor_changed(user=user, change=twofactor.BACKUP_CODES_ISSUED, by=user)
    return codes


def _backup_code():
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alike characters
    return "".join(secrets.choice(alphabet) for _ in range(10))


def lockout_record(*, request, username):
    """Axes refused a sign-in for too many failures (zones.signals): one access-log entry per organisation where the
    person holds an active role, so that its DPO and chief see it in the console, or one on the platform chain for
    a username that no active person holds. The reason says whether this failure locked the username at this
    address ("locked_out"), came while it was locked ("attempt_while_locked"), or met the address's own lock against
    spraying ("address_locked")."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("organisation")
    organisations = list({m.organisation_id: m.organisation for m in memberships}.values()) if user else []
    address = client_address(request)
    since = timezone.now() - cool_off(request)
    failures = sum(
        AccessAttempt.objects.filter(username=username, ip_address=address, attempt_time__gte=since).values_list(
            "failures_since_start", flat=True
        )
    )
    limit = settings.AXES_FAILURE_LIMIT
    reason = "address_locked" if failures < limit else "locked_out" if failures == limit else "attempt_while_locked"
    details = {"username": (username or "")[:150], "failures": failures,
               "cool_off_minutes": int(cool_off(request).total_seconds() // 60)}  # fmt: skip
    for organisation in organisations or [None]:
        record_access(
            AccessRecord(
                action=AccessAction.LOCKOUT, controller=organisation, actor=user, actor_organisation=organisation,
                reason=reason, request=request, details=details,
            )
        )  # fmt: skip


@transaction.atomic
def lockout_lift(*, membership, by, request=None):
    """The chief of the person's organisation lifts their sign-in lock at every address. Logged first (no log, no
    unlock). Returns how many of axes' attempt records were cleared."""
    username = membership.user.username
    record_access(
        AccessRecord(
            action=AccessAction.UNLOCK, controller=membership.organisation, actor=by,
            actor_organisation=membership.organisation, reason="unlocked_by_chief", request=request,
            details={"username": username, "person": str(membership.user)},
        )
    )  # fmt: skip
    return axes_reset(username=username)
