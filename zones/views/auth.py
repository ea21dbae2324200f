"""Sign-in in two steps (password, then second factor), enrolment, step-up, sign-out."""

import base64
import time

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from zones import services
from zones.forms import EnrolForm, LoginForm, SecondFactorForm
from zones.lockout import cool_off
from zones.stepup import mark_second_factor, step_up_required
from zones.tenancy import active_memberships
from zones.twofactor import is_backup_code, throttled_message, verify_second_factor

PENDING_KEY = "pending_login"
PENDING_MAX_AGE = 5 * 60


def _safe_next(request, default=None):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default or reverse("zones:dashboard")


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_MAX_AGE:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


def locked_out(request, original_response=None, credentials=None):
    """Axes calls this when a login is refused because of too many failures."""
    minutes = int(cool_off(request).total_seconds() // 60)
    message = _(
        "Too many failed attempts: signing in to this account from here is locked for %(minutes)d minutes. "
        "Each further attempt during the lock makes it longer; your organisation's chief can lift it."
    ) % {"minutes": minutes}
    return render(request, "zones/login.html", {"form": LoginForm(), "lockout": message}, status=429)


def log_unavailable(request):
    """The access log cannot be written: nobody signs in (fail closed), and the page says so plainly. The step's
    transaction was rolled back, so nothing was consumed: the code just typed still works once the log is back."""
    response = render(request, "zones/sign_in_unavailable.html", status=503)
    response["Retry-After"] = "60"
    return response


def _log_sign_in(request, action, user=None, username="", reason=""):
    """Sign-ins and failed sign-ins go to the platform chain of the access log."""
    record_access(
        AccessRecord(
            action=action,
            controller=None,
            actor=user,
            decision="allow" if action == AccessAction.LOGIN_SUCCESS else "deny",
            reason=reason,
            request=request,
            details={"username": username or getattr(user, "username", "")},
        )
    )


def _second_factor_failed(request, user):
    """A wrong code counts as a failed login for the lock-out, like a wrong password."""
    request.portal_login_username = user.username
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
    _log_sign_in(request, AccessAction.LOGIN_FAILURE, user=user, reason="wrong_second_factor")


def _is_locked(request, user):
    request.portal_login_username = user.username
    return AxesProxyHandler.is_locked(request, credentials={"username": user.username})


def _complete_login(request, user, pending, device):
    _log_sign_in(request, AccessAction.LOGIN_SUCCESS, user=user, reason="password_and_second_factor")
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    services.session_record(request=request, user=user)
    request.session.pop(PENDING_KEY, None)
    return pending.get("next") or reverse("zones:dashboard")


@login_not_required
@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request, default="")}
    if request.method != "POST":
        return render(request, "zones/login.html", context)
    if not form.is_valid():
        return render(request, "zones/login.html", context, status=400)
    request.portal_login_username = form.cleaned_data["username"]
    user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
    if getattr(request, "axes_locked_out", False):
        return locked_out(request)
    if user is None:
        try:  # the failure already counts for the lock-out (axes), whether or not the log takes it
            _log_sign_in(
                request, AccessAction.LOGIN_FAILURE, username=form.cleaned_data["username"], reason="wrong_password"
            )
        except AccessLogUnavailable:
            return log_unavailable(request)
        form.add_error(None, _("Wrong username or password."))
        return render(request, "zones/login.html", context, status=401)
    if not active_memberships(user).exists():
        form.add_error(
            None,
            _("Your account has no active role in any organisation. Ask your organisation's chief for access."),
        )
        return render(request, "zones/login.html", context, status=403)
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "at": time.time(),
        "next": context["next"],
    }
    return redirect("zones:login_verify" if user_has_device(user) else "zones:two_factor_setup")


@login_not_required
@never_cache
def login_verify_view(request):
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Your sign-in was not started or took too long. Enter your password again."))
        return redirect("zones:login")
    form = SecondFactorForm(request.POST or None)
    if request.method != "POST":
        return render(request, "zones/login_verify.html", {"form": form})
    if _is_locked(request, user):
        return locked_out(request)
    if not form.is_valid():
        return render(request, "zones/login_verify.html", {"form": form}, status=400)
    code = form.cleaned_data["code"]
    throttled = throttled_message(user, code)
    try:
        # One transaction for the whole step: if the log refuses the sign-in, the backup code (or the
        # authenticator's last used step) is not consumed and nobody is signed in.
        with transaction.atomic():
            device = verify_second_factor(user, code)
            if device is not None:
                remaining = device.token_set.count() if is_backup_code(device) else None
                target = _complete_login(request, user, pending, device)
        if device is None:
            _second_factor_failed(request, user)
    except AccessLogUnavailable:
        return log_unavailable(request)
    if device is None:
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if throttled:
            form.add_error("code", throttled)
            return render(request, "zones/login_verify.html", {"form": form}, status=429)
        form.add_error(
            "code",
            _(
                "That code is not valid. Codes change every 30 seconds: check that your phone's clock is right, "
                "or use one of your backup codes."
            ),
        )
        return render(request, "zones/login_verify.html", {"form": form}, status=401)
    if remaining is not None:
        messages.warning(request, _("You signed in with a backup code; %(count)d remain.") % {"count": remaining})
    return redirect(target)


def _qr_svg(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - generated locally from our own data


@login_not_required
@never_cache
def two_factor_setup_view(request):
    """First sign-in: every person enrols an authenticator app and receives backup codes."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Your sign-in was not started or took too long. Enter your password again."))
        return redirect("zones:login")
    if user_has_device(user):
        return redirect("zones:login_verify")
    device = services.totp_device_start(user=user)
    form = EnrolForm(request.POST or None)
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    if request.method != "POST":
        return render(request, "zones/two_factor_setup.html", context)
    if _is_locked(request, user):
        return locked_out(request)
    if not form.is_valid():
        return render(request, "zones/two_factor_setup.html", context, status=400)
    throttled = throttled_message(user, form.cleaned_data["code"])
    try:
        with transaction.atomic():  # enrolment and sign-in stand or fall with their log entries
            codes = services.totp_device_confirm(device=device, token=form.cleaned_data["code"])
            if codes is not None:
                device.refresh_from_db()
                target = _complete_login(request, user, pending, device)
        if codes is None:
            _second_factor_failed(request, user)
    except AccessLogUnavailable:
        return log_unavailable(request)
    if codes is None:
        if throttled:
            form.add_error("code", throttled)
            return render(request, "zones/two_factor_setup.html", context, status=429)
        form.add_error("code", _("That code does not match. Scan the QR code again and enter the current code."))
        return render(request, "zones/two_factor_setup.html", context, status=401)
    request.session["fresh_backup_codes"] = codes
    request.session["after_backup_codes"] = target
    return redirect("zones:backup_codes")


@never_cache
def backup_codes_view(request):
    """Shows new backup codes once; regenerating needs a fresh second factor."""
    codes = request.session.pop("fresh_backup_codes", None)
    remaining = StaticToken.objects.filter(device__user=request.user).count()
    return render(
        request,
        "zones/backup_codes.html",
        {
            "codes": codes,
            "remaining": remaining,
            "continue_url": request.session.pop("after_backup_codes", None),
        },
    )


@require_POST
@step_up_required
def backup_codes_regenerate_view(request):
    request.session["fresh_backup_codes"] = services.backup_codes_regenerate(user=request.user)
    messages.success(request, _("New backup codes were made; the old ones no longer work."))
    return redirect("zones:backup_codes")


@never_cache
def step_up_view(request):
    form = SecondFactorForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request)}
    if request.method != "POST":
        return render(request, "zones/step_up.html", context)
    if not form.is_valid():
        return render(request, "zones/step_up.html", context, status=400)
    if verify_second_factor(request.user, form.cleaned_data["code"]) is None:
        form.add_error("code", _("That code is not valid. Enter the code your authenticator app shows now."))
        return render(request, "zones/step_up.html", context, status=401)
    mark_second_factor(request)
    return redirect(context["next"])


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("zones:login")
