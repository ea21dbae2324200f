"""Step-up: sensitive actions need a second factor given in the last five minutes.

`step_up_required` guards HTML views. A page (GET) sends the person to enter a code and back. An action (POST)
answers a code form that carries the action's fields and posts them back to the action with the code, so that
one confirmation completes the action that was interrupted (as GitHub's sudo mode does); an action with files,
which a page cannot carry again, asks for the code and then to repeat the action.
`RecentSecondFactor` guards API views (an `X-OTP` header with a current code, or a fresh browser session).
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from zones.forms import SecondFactorForm
from zones.twofactor import verify_second_factor

__all__ = ["RecentSecondFactor", "has_recent_second_factor", "mark_second_factor", "step_up_required"]

SESSION_KEY = "otp_verified_at"
CODE_PREFIX = "step_up"  # the code's field is "step_up-code": it never collides with the action's own fields
NOT_CARRIED = {"csrfmiddlewaretoken", f"{CODE_PREFIX}-code"}


def mark_second_factor(request):
    request.session[SESSION_KEY] = time.time()


def has_recent_second_factor(request):
    verified_at = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return verified_at is not None and time.time() - verified_at <= settings.PORTAL_STEP_UP_MAX_AGE.total_seconds()


def _return_page(request):
    """Where to come back after the code: the page itself for a GET, the page the form was on for a POST."""
    if request.method == "GET":
        return request.get_full_path()
    candidate = request.POST.get("next") or request.headers.get("Referer", "")
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse("zones:dashboard")


def _confirm_then_act(request, view, args, kwargs):
    """The code form for an interrupted action, or the action itself once the code it carries is valid."""
    given = f"{CODE_PREFIX}-code" in request.POST
    form = SecondFactorForm(request.POST if given else None, prefix=CODE_PREFIX)
    status = 200
    if given:
        if form.is_valid() and verify_second_factor(request.user, form.cleaned_data["code"]) is not None:
            mark_second_factor(request)
            return view(request, *args, **kwargs)
        if form.is_valid():
            form.add_error("code", _("That code is not valid. Enter the code your authenticator app shows now."))
        status = 401
    carried = [(name, value) for name, values in request.POST.lists() if name not in NOT_CARRIED for value in values]
    context = {"form": form, "action": request.get_full_path(), "carried": carried, "next": _return_page(request)}
    return render(request, "zones/step_up.html", context, status=status)


def step_up_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if has_recent_second_factor(request):
            return view(request, *args, **kwargs)
        if request.method == "POST" and not request.FILES:
            return _confirm_then_act(request, view, args, kwargs)
        if request.method != "GET":
            messages.info(request, _("Confirm with a current code, then repeat the action."))
        return redirect(reverse("zones:step_up") + "?" + urlencode({"next": _return_page(request)}))

    return wrapper


class RecentSecondFactor(BasePermission):
    message = "This action needs a current two-factor code: send it in the X-OTP header."

    def has_permission(self, request, view):
        code = request.headers.get("X-OTP", "").strip()
        if code:
            return verify_second_factor(request.user, code) is not None
        return request.auth is None and has_recent_second_factor(request._request)
