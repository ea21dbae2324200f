"""The signed-in shell: dashboard, organisation switch, people, API tokens, platform status."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zones import selectors, services
from zones.dashboard import panels_for
from zones.forms import ApiTokenForm, MembershipDisableForm
from zones.lockout import locked_usernames
from zones.models import Role
from zones.status import platform_status
from zones.stepup import step_up_required
from zones.tenancy import ACTIVE_ORGANISATION_SESSION_KEY, actor_for


def dashboard_view(request):
    actor = request.actor
    roles = [role for role in Role.values if role in actor.roles]
    return render(request, "zones/dashboard.html", {"roles": roles, "panels": panels_for(actor)})


@require_POST
def organisation_switch_view(request):
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        return render(request, "zones/error.html", {"message": _("Choose an organisation from the list.")}, status=400)
    actor = actor_for(request.user, organisation_id)
    if actor is None:
        raise Http404(_("You have no active role in that organisation."))
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation_id
    messages.success(
        request, _("You are now working for %(organisation)s.") % {"organisation": actor.organisation.name}
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "zones:dashboard"
    return redirect(target)


def api_token_list_view(request):
    tokens = selectors.api_token_list(user=request.user)
    return render(request, "zones/api_tokens.html", {"tokens": tokens, "form": ApiTokenForm()})


@require_POST
@step_up_required
def api_token_create_view(request):
    form = ApiTokenForm(request.POST)
    tokens = selectors.api_token_list(user=request.user)
    if not form.is_valid():
        return render(request, "zones/api_tokens.html", {"tokens": tokens, "form": form}, status=400)
    token, key = services.api_token_create(
        actor=request.actor, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
    )
    return render(
        request,
        "zones/api_tokens.html",
        {"tokens": tokens, "form": ApiTokenForm(), "new_token": token, "new_key": key},
        status=201,
    )


@require_POST
def api_token_revoke_view(request, pk):
    token = get_object_or_404(selectors.api_token_list(user=request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("zones:api_tokens")


def _require_chief(request):
    if not request.actor.has_role(Role.CHIEF):
        raise PermissionDenied(_("Only your organisation's chief manages its people."))


def _people(request, form, **context):
    memberships = list(selectors.membership_list(actor=request.actor, action="manage"))
    locked = locked_usernames({membership.user.username for membership in memberships})
    for membership in memberships:
        membership.locked_out = membership.user.username in locked
    return {"memberships": memberships, "form": form, **context}


def member_list_view(request):
    _require_chief(request)
    return render(request, "zones/members.html", _people(request, MembershipDisableForm()))


@require_POST
@step_up_required
def membership_disable_view(request, pk):
    # Looked up first: a membership the person may not manage answers 404 for every role, as a missing one does.
    membership = selectors.membership_get(actor=request.actor, pk=pk, action="manage")
    _require_chief(request)
    form = MembershipDisableForm(request.POST)
    if membership.user_id == request.user.pk:
        form.add_error(None, _("You cannot withdraw your own role. Ask another chief or a platform administrator."))
    if not form.is_valid() or form.errors:
        return render(request, "zones/members.html", _people(request, form, failed_membership=membership), status=400)
    services.membership_disable(membership=membership, reason=form.cleaned_data["reason"], by=request.user)
    messages.success(
        request,
        _("%(person)s no longer has the role %(role)s; their sessions have ended.")
        % {"person": membership.user, "role": membership.get_role_display()},
    )
    return redirect("zones:members")


@require_POST
@step_up_required
def lockout_lift_view(request, pk):
    """The chief lifts a person's sign-in lock (zones.lockout). Another organisation's person answers 404."""
    membership = selectors.membership_get(actor=request.actor, pk=pk, action="manage")
    _require_chief(request)
    if membership.user.username not in locked_usernames({membership.user.username}):
        messages.info(request, _("%(person)s is not locked out.") % {"person": membership.user})
        return redirect("zones:members")
    services.lockout_lift(membership=membership, by=request.user, request=request)
    messages.success(request, _("%(person)s can sign in again.") % {"person": membership.user})
    return redirect("zones:members")


def platform_status_view(request):
    if not request.actor.is_platform_admin:
        raise PermissionDenied(_("The platform status is for platform administrators."))
    return render(request, "zones/status.html", platform_status())
