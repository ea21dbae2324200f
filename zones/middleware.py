"""Session lifetime rules and the active organisation of each request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zones.tenancy import ACTIVE_ORGANISATION_SESSION_KEY, active_memberships, actor_for

# DRF authenticates these itself (API tokens), and the media gateway calls with its own credentials.
NON_BROWSER_PREFIXES = ("/api/", "/gateway/")


def _is_api(request):
    return request.path.startswith(NON_BROWSER_PREFIXES)


class SessionPolicyMiddleware:
    """Ends a session after 15 minutes idle or 12 hours in all, and says why on the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get("auth_started_at")
            last = request.session.get("last_activity_at")
            idle = settings.PORTAL_SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.PORTAL_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            reason = None
            if started is None or now - started > absolute:
                reason = _("Your session reached its 12-hour limit. Please sign in again.")
            elif last is not None and now - last > idle:
                reason = _("You were signed out after 15 minutes without activity. Please sign in again.")
            if reason:
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": reason}, status=401)
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            request.session["last_activity_at"] = now
        return self.get_response(request)


class ActiveOrganisationMiddleware:
    """Sets request.actor: the signed-in person acting for their chosen organisation.

    If the session names an organisation the person no longer belongs to, the person is told and moved
    to another of their organisations; with none left, the session ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        if request.user.is_authenticated:
            chosen = request.session.get(ACTIVE_ORGANISATION_SESSION_KEY)
            actor = actor_for(request.user, chosen)
            if actor is None:
                memberships = list(active_memberships(request.user))
                if not memberships:
                    logout(request)
                    message = _(
                        "Your account no longer has an active role in any organisation. "
                        "Ask your organisation's chief to restore your access."
                    )
                    if _is_api(request):
                        return JsonResponse({"detail": message}, status=403)
                    return render(request, "zones/no_membership.html", {"message": message}, status=403)
                if chosen is not None:
                    messages.warning(
                        request,
                        _(
                            "You no longer have a role in the organisation you were working for; "
                            "you are now working for %(organisation)s."
                        )
                        % {"organisation": memberships[0].organisation.name},
                    )
                request.session[ACTIVE_ORGANISATION_SESSION_KEY] = memberships[0].organisation_id
                actor = actor_for(request.user, memberships[0].organisation_id)
            request.actor = actor
        return self.get_response(request)


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in person, except the login steps and the machine interfaces."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api(request):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
