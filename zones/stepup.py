"""Step-up: sensitive actions need a second factor given in the last five minutes.

`step_up_required` guards HTML views (it sends the person to re-enter a code and back);
`RecentSecondFactor` guards API views (an `X-OTP` header with a current code, or a fresh browser session).
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from zones.twofactor import verify_second_factor

__all__ = ["RecentSecondFactor", "has_recent_second_factor", "mark_second_factor", "step_up_required"]

SESSION_KEY = "otp_verified_at"


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


def step_up_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if has_recent_second_factor(request):
            return view(request, *args, **kwargs)
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
