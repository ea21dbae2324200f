"""Legal-hold pages (mounted at /holds/): the camera owner's chief, approvers and DPO list the holds on their
cameras, place one for a case and release one. The steps go through footage.holds; another organisation's hold is
a 404, and a person whose role does not manage holds gets a 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import AccessLogUnavailable
from conventions.policy import may_manage_holds
from footage import holds
from footage.forms.holds import HoldForm, ReleaseForm

__all__ = ["list_view", "new_view", "release_view"]

RELEASED_SHOWN = 100


def _manager(request):
    if not may_manage_holds(request.actor):
        raise PermissionDenied(_("Only the chief, an approver or the DPO of the camera owner manages legal holds."))
    return request.actor


def _form_errors(form, error):
    for field, messages_ in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def list_view(request):
    actor = _manager(request)
    all_holds = holds.holds_of(actor)
    context = {
        "active": all_holds.filter(released_at__isnull=True).order_by("-created_at", "-pk"),
        "released": all_holds.filter(released_at__isnull=False).order_by("-released_at", "-pk")[:RELEASED_SHOWN],
        "release_form": ReleaseForm(),
    }
    return render(request, "footage/holds/hold_list.html", context)


def new_view(request):
    actor = _manager(request)
    form = HoldForm(request.POST or None, actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                placed = holds.hold_place(
                    actor=actor, cameras=list(data["cameras"]), window_start=data["window_start"],
                    window_end=data["window_end"], case_reference=data["case_reference"], reason=data["reason"],
                    request=request,
                )  # fmt: skip
            except ValidationError as error:
                _form_errors(form, error)
            except AccessLogUnavailable:
                form.add_error(None, _("The access log cannot be written just now, so nothing was held. Try again."))
                status = 503
            else:
                messages.success(
                    request, _("The footage of %(count)d camera(s) is held for %(case)s.")
                    % {"count": len(placed), "case": data["case_reference"]},
                )  # fmt: skip
                return redirect("holds:list")
    return render(request, "footage/holds/hold_new.html", {"form": form}, status=status)


@require_POST
def release_view(request, pk):
    actor = request.actor
    hold = holds.holds_of(actor).filter(pk=pk).first()  # none for a role that does not manage holds
    if hold is None:
        raise Http404(_("No such legal hold."))
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold ends before releasing it."))
        return redirect("holds:list")
    try:
        holds.hold_release(actor=actor, hold=hold, reason=form.cleaned_data["reason"], request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except AccessLogUnavailable:
        messages.error(request, _("The access log cannot be written just now, so the hold stays. Try again."))
    else:
        messages.success(request, _("The hold on %(camera)s was released.") % {"camera": hold.camera.name})
    return redirect("holds:list")
