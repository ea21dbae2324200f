"""Pages for footage requests, approvals, break-glass reviews and evidence exports (mounted at /requests/).

Requests are read through footage.selectors (another organisation's request is a 404) and every step goes
through footage.requests and footage.exports; the views only translate between forms and those. The new
request page asks the decision function (without logging) before the submit button is enabled; submitting asks it
again and logs every refusal.
"""

import logging
import mimetypes
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.access import AccessLogUnavailable
from cameras.selectors import APPROVE_GROUP, camera_list, cameras_matching, delegated_groups
from conventions.models import Mode, Purpose
from conventions.policy import SHARED_CAMERA_ROLES, request_actions
from footage import exports, selectors
from footage import requests as footage
from footage.api.filters import FootageRequestFilterSet
from footage.attempts import log_attempts_on_unseen_cameras
from footage.forms.requests import (
    MAX_CAMERAS,
    DecisionForm,
    ExportForm,
    FootageRequestForm,
    ReviewForm,
    request_check,
    request_refusal_text,
)
from footage.models import EvidenceExport, FootageRequest
from media.evidence import PackageError
from zones.models import Role

__all__ = ["export_progress", "zip_response"]

log = logging.getLogger(__name__)
PAGE_SIZE = 25
SEARCH_LIMIT = 50
POLL_SECONDS = 1.5


# --- Lists --------------------------------------------------------------------------------------------------------


def _can_request(actor):
    return bool(actor.roles & SHARED_CAMERA_ROLES)


def _is_delegate(actor):
    """The chief delegated to the person the approval of requests for some camera group (the camera groups page)."""
    return delegated_groups(user=actor.user, codename=APPROVE_GROUP, owner=actor.organisation).exists()


def _tabs(actor):
    """The lists the person has, in order: (key, label, queryset, ordering)."""
    tabs = []
    if _can_request(actor) or actor.has_role(Role.DPO):
        tabs.append(("mine", _("Our requests"), selectors.footage_requests_mine(actor=actor), ("-submitted_at", "-pk")))
    if actor.has_role(Role.APPROVER) or _is_delegate(actor):
        tabs.append(("decide", _("To decide"), selectors.footage_requests_to_decide(actor=actor), ("due_at", "pk")))
    if actor.has_role(Role.CHIEF, Role.DPO):
        review = selectors.break_glass_to_review(actor=actor)
        tabs.append(("review", _("Break-glass to review"), review, ("review_due_at", "pk")))
    if actor.has_role(Role.CHIEF, Role.DPO, Role.APPROVER) or _is_delegate(actor):
        made_to_us = selectors.footage_request_list(actor=actor).filter(owner=actor.organisation)
        tabs.append(("owner", _("Made to us"), made_to_us, ("-submitted_at", "-pk")))
    return tabs


@never_cache
@require_GET
def list_view(request):
    actor = request.actor
    tabs = _tabs(actor)
    if not tabs:
        raise PermissionDenied(_("Your role has no footage requests to follow."))
    keys = [key for key, *_rest in tabs]
    current = request.GET.get("list") if request.GET.get("list") in keys else keys[0]
    key, label, requests, ordering = next(tab for tab in tabs if tab[0] == current)
    data = request.GET.copy()
    data.pop("list", None)
    data.pop("page", None)
    filterset = FootageRequestFilterSet(data or None, queryset=requests, request=request)
    rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else requests.none()
    page = Paginator(rows.order_by(*ordering).prefetch_related("cameras"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["list"] = current
    return render(
        request,
        "footage/requests/request_list.html",
        {
            "tabs": [
                {"key": k, "label": lbl, "count": qs.count() if k in ("decide", "review") else None}
                for k, lbl, qs, _o in tabs
            ],  # fmt: skip
            "current": current,
            "current_label": label,
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "can_request": _can_request(actor),
            "is_chief": actor.has_role(Role.CHIEF),
        },
    )


# --- New request --------------------------------------------------------------------------------------------------


def _shared_cameras(actor):
    return camera_list(actor=actor).exclude(owner=actor.organisation)


def _chosen_cameras(actor, values):
    ids = [int(value) for value in values if str(value).isdigit()][: MAX_CAMERAS * 2]
    found = {camera.pk: camera for camera in _shared_cameras(actor).filter(pk__in=ids)}
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def _camera_matches(actor, query, exclude=()):
    """At most 50 cameras of other owners shared with the organisation whose name, address, place or owner match."""
    query = (query or "").strip()
    if len(query) < 2:
        return [], False
    cameras = cameras_matching(_shared_cameras(actor).exclude(pk__in=[c.pk for c in exclude]), query)
    found = list(cameras.order_by("owner__code", "name", "pk")[: SEARCH_LIMIT + 1])
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _camera_json(camera):
    return {
        "id": camera.pk,
        "name": camera.name,
        "owner": camera.owner.code,
        "municipality": camera.municipality.name if camera.municipality else "",
    }


def _require_requester(actor):
    if not _can_request(actor):
        raise PermissionDenied(_("Only chiefs and operators ask other organisations for footage."))


def _new_page(request, form, *, chosen, query="", check=None, status=200, refusals=None):
    actor = request.actor
    found, truncated = _camera_matches(actor, query, exclude=chosen)
    context = {
        "form": form,
        "chosen": chosen,
        "query": query,
        "found": found,
        "found_truncated": truncated,
        "searched": len(query.strip()) >= 2,
        "check": check,
        "refusals": refusals or [],
        "max_cameras": MAX_CAMERAS,
    }
    return render(request, "footage/requests/request_new.html", context, status=status)


def _checked_form(request):
    """The form bound to what was sent, and the check of the facts it could read; errors only on the facts."""
    form = FootageRequestForm(request.POST, request.FILES, actor=request.actor)
    form.is_valid()
    return form, request_check(request.actor, form.facts())


@never_cache
def new_view(request):
    """Choose cameras of one other owner, a window, a purpose and the reasons; check; submit."""
    actor = request.actor
    _require_requester(actor)
    if request.method != "POST":
        chosen = _chosen_cameras(actor, request.GET.getlist("camera"))
        form = FootageRequestForm(initial={"mode": Mode.PLAYBACK}, actor=actor)
        return _new_page(request, form, chosen=chosen, query=request.GET.get("q", ""))

    chosen = _chosen_cameras(actor, request.POST.getlist("cameras"))
    query = request.POST.get("q", "")
    action = request.POST.get("action")
    form, check = _checked_form(request)
    if action != "submit":  # Search or Check: show the choices again, with the decision for each camera
        for name in ("justification", "case_reference", "prosecutor_reference", "prosecutor_document"):
            form.errors.pop(name, None)
        if action == "search":
            form.errors.clear()
        return _new_page(request, form, chosen=chosen, query=query, check=check)
    posted = [int(value) for value in request.POST.getlist("cameras") if str(value).isdigit()][: MAX_CAMERAS * 2]
    log_attempts_on_unseen_cameras(
        actor=actor, camera_ids=posted, seen={c.pk for c in chosen}, mode=request.POST.get("mode", ""),
        purpose=request.POST.get("purpose", ""), justification=request.POST.get("justification", ""),
        case_reference=request.POST.get("case_reference", ""), request=request,
    )  # fmt: skip
    if not form.is_valid():
        return _new_page(request, form, chosen=chosen, query=query, check=check, status=400)
    if not check.fingerprint or request.POST.get("checked") != check.fingerprint:
        form.add_error(None, _("The request changed since it was checked, or the check refuses it: check it again."))
        return _new_page(request, form, chosen=chosen, query=query, check=check, status=400)
    data = form.cleaned_data
    try:
        submitted = footage.request_submit(
            actor=actor,
            **form.facts(),
            justification=data["justification"],
            case_reference=data["case_reference"],
            prosecutor_document=data["prosecutor_document"],
            request=request,
        )
    except footage.FootageRefused as refused:
        rows = [{"camera": camera, "text": request_refusal_text(reason)} for camera, reason in refused.refusals.items()]
        form.add_error(None, _("Nothing was submitted: the decision refuses some of the cameras chosen."))
        return _new_page(request, form, chosen=chosen, query=query, check=check, status=403, refusals=rows)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _new_page(request, form, chosen=chosen, query=query, check=check, status=400)
    except AccessLogUnavailable:
        form.add_error(None, _("The access log cannot be written just now, so nothing is submitted. Try again soon."))
        return _new_page(request, form, chosen=chosen, query=query, check=check, status=503)
    if submitted.status == FootageRequest.Status.BREAK_GLASS:
        messages.warning(
            request,
            _("Request %(reference)s: footage taken under the emergency clause. The owner's chief and DPO are told "
              "and will review it.") % {"reference": submitted.reference},
        )  # fmt: skip
    else:
        messages.success(
            request,
            _("Request %(reference)s sent to %(owner)s's approvers.")
            % {"reference": submitted.reference, "owner": submitted.owner.name},
        )
    return redirect("requests:detail", submitted.pk)


@require_GET
def camera_search_view(request):
    """Shared cameras of other owners matching the words, for the picker."""
    actor = request.actor
    _require_requester(actor)
    exclude = _chosen_cameras(actor, request.GET.getlist("chosen"))
    found, truncated = _camera_matches(actor, request.GET.get("q", ""), exclude=exclude)
    return JsonResponse({"results": [_camera_json(c) for c in found], "truncated": truncated})


@require_GET
def preview_view(request):
    """What the decision would say for each camera of the request as it stands (nothing is logged)."""
    actor = request.actor
    _require_requester(actor)
    form = FootageRequestForm(request.GET, actor=actor)
    form.is_valid()
    answer = request_check(actor, form.facts()).as_json()
    errors = {name: [str(e) for e in form.errors[name]] for name in ("cameras", "window_start", "window_end")
              if name in form.errors}  # fmt: skip
    return JsonResponse({**answer, "errors": errors})


# --- One request --------------------------------------------------------------------------------------------------


def export_progress(export):
    """What the page (and its polling script) shows of an evidence package."""
    now = timezone.now()
    downloadable = (
        export.status == EvidenceExport.Status.READY
        and export.downloads < export.downloads_allowed
        and not (export.link_expires_at and now >= export.link_expires_at)
    )
    return {
        "id": export.pk,
        "status": export.status,
        "status_label": export.get_status_display(),
        "progress": export.progress,
        "step": export.step,
        "error": export.error,
        "done": export.status
        in (EvidenceExport.Status.READY, EvidenceExport.Status.FAILED, EvidenceExport.Status.PURGED),  # fmt: skip
        "downloadable": downloadable,
        "downloads": export.downloads,
        "downloads_allowed": export.downloads_allowed,
        "link_expires_at": export.link_expires_at.isoformat() if export.link_expires_at else None,
    }


def _steps(item):
    """The request's history, oldest first: (when, text, detail)."""
    steps = [
        {
            "at": item.submitted_at,
            "kind": "submitted",
            "text": _("Submitted by %(person)s (%(organisation)s)")
            % {"person": item.requester, "organisation": item.organisation.code},
            "detail": item.justification,
        }
    ]
    for approval in item.approvals.all():
        text = (_("Approved by %(person)s") if approval.decision == "approve" else _("Rejected by %(person)s")) % {
            "person": approval.approver_name
        }
        steps.append({"at": approval.at, "kind": approval.decision, "text": text, "detail": approval.reason})
    if item.decided_at and item.status != FootageRequest.Status.SUBMITTED:
        text = {
            FootageRequest.Status.APPROVED: _("Request approved: access until %(until)s"),
            FootageRequest.Status.REJECTED: _("Request rejected"),
            FootageRequest.Status.WITHDRAWN: _("Withdrawn by the requester"),
            FootageRequest.Status.BREAK_GLASS: _("Taken under the emergency clause: access until %(until)s"),
        }[item.status]
        until = timezone.localtime(item.access_until).strftime("%Y-%m-%d %H:%M") if item.access_until else ""
        steps.append({"at": item.decided_at, "kind": item.status, "text": text % {"until": until}, "detail": ""})
    if item.reviewed_at:
        steps.append({"at": item.reviewed_at, "kind": "reviewed",
                      "text": _("Break-glass reviewed by %(person)s") % {"person": item.reviewed_by},
                      "detail": item.review_note})  # fmt: skip
    for export in item.exports.all():
        steps.append({"at": export.created_at, "kind": "export",
                      "text": _("Evidence package asked for (%(options)s)") % {"options": _options(export)},
                      "detail": ""})  # fmt: skip
        if export.finished_at:
            text = (_("Evidence package ready") if export.status != EvidenceExport.Status.FAILED
                    else _("Evidence package failed"))  # fmt: skip
            steps.append({"at": export.finished_at, "kind": "export_done", "text": text, "detail": export.error})
        if export.purged_at:
            steps.append({"at": export.purged_at, "kind": "export_purged",
                          "text": _("Evidence package deleted at the end of its retention"), "detail": ""})  # fmt: skip
    return sorted(steps, key=lambda step: step["at"])


def _options(export):
    words = [_("frame-exact") if export.exact else _("stream copy")]
    words.append(_("watermarked") if export.watermark else _("no watermark"))
    return ", ".join(str(word) for word in words)


def _current_export(item):
    return item.exports.exclude(status__in=[EvidenceExport.Status.FAILED, EvidenceExport.Status.PURGED]).first()


def _detail_page(request, item, *, decision_form=None, review_form=None, export_form=None, status=200):
    actor = request.actor
    actions = request_actions(actor, item, has_current_export=_current_export(item) is not None)
    exports_shown = [(export, export_progress(export)) for export in item.exports.all()]
    context = {
        "item": item,
        "cameras": list(item.cameras.select_related("owner", "municipality").order_by("name")),
        "purpose": Purpose(item.purpose).label,
        "steps": _steps(item),
        "approvals_given": sum(a.decision == "approve" for a in item.approvals.all()),
        "is_requester": item.requester_id == actor.user.pk,
        "can_decide": actions.decide,
        "can_withdraw": actions.withdraw,
        "can_review": actions.review,
        "can_prepare": actions.prepare_export,
        "can_play": actions.play,
        "decision_form": decision_form or DecisionForm(),
        "review_form": review_form or ReviewForm(),
        "export_form": export_form or ExportForm(),
        "exports": exports_shown,
        "poll_ms": int(POLL_SECONDS * 1000),
        "now": timezone.now(),
        "overdue": item.status == FootageRequest.Status.SUBMITTED and item.due_at < timezone.now(),
    }
    return render(request, "footage/requests/request_detail.html", context, status=status)


def _item(request, pk):
    return selectors.footage_request_get(actor=request.actor, pk=pk)


@never_cache
@require_GET
def detail_view(request, pk):
    return _detail_page(request, _item(request, pk))


@require_POST
def decide_view(request, pk):
    item = _item(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for your decision."))
        return _detail_page(request, item, decision_form=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        item = footage.request_decide(
            actor=request.actor, footage=item, approve=approve, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        form.add_error("reason", " ".join(error.messages))
        return _detail_page(request, item, decision_form=form, status=400)
    except AccessLogUnavailable:
        messages.error(request, _("The access log cannot be written just now, so no decision is recorded."))
        return _detail_page(request, item, decision_form=form, status=503)
    if item.status == FootageRequest.Status.SUBMITTED:
        messages.success(request, _("Your approval is recorded; another approver must approve as well."))
    else:
        messages.success(request, _("Request %(reference)s: %(status)s.")
                         % {"reference": item.reference, "status": item.get_status_display().lower()})  # fmt: skip
    return redirect("requests:detail", item.pk)


@require_POST
def withdraw_view(request, pk):
    item = _item(request, pk)
    try:
        footage.request_withdraw(actor=request.actor, footage=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("requests:detail", item.pk)
    messages.success(request, _("Request withdrawn."))
    return redirect("requests:detail", item.pk)


@require_POST
def review_view(request, pk):
    item = _item(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, review_form=form, status=400)
    try:
        footage.break_glass_review(actor=request.actor, footage=item, note=form.cleaned_data["note"])
    except ValidationError as error:
        form.add_error("note", " ".join(error.messages))
        return _detail_page(request, item, review_form=form, status=400)
    messages.success(request, _("Your review of the break-glass use is recorded."))
    return redirect("requests:detail", item.pk)


@require_GET
def document_view(request, pk):
    """The prosecutor's decision attached to the request, for those who read the request."""
    item = _item(request, pk)
    if not item.prosecutor_document:
        raise Http404(_("No document is attached to this request."))
    try:
        handle = item.prosecutor_document.open("rb")
    except OSError as error:
        raise Http404(_("The document is no longer stored.")) from error
    name = f"{item.reference}-prosecutor{Path(item.prosecutor_document.name).suffix}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


# --- Evidence packages --------------------------------------------------------------------------------------------


@require_POST
def export_view(request, pk):
    """The requester asks for the evidence package of an approved export request."""
    item = _item(request, pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, export_form=form, status=400)
    try:
        exports.export_request(actor=request.actor, footage=item, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail_page(request, item, export_form=form, status=400)
    messages.success(request, _("The evidence package is being prepared; this page shows its progress."))
    return redirect(reverse("requests:detail", args=[item.pk]) + "#export")


@never_cache
@require_GET
def export_progress_view(request, pk):
    """Progress of a package, polled by the detail page."""
    return JsonResponse(export_progress(selectors.evidence_export_get(actor=request.actor, pk=pk)))


def zip_response(chunks, reference):
    """The package as a download named after the request."""
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{reference}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def opened(actor, export, request):
    """The package's chunks: exports.export_download opens the package (reads its first chunk) before it counts
    and logs the download, so a damaged or missing file answers before anything is counted, logged or sent.
    Raises PermissionDenied, ExportGone, AccessLogUnavailable, PackageError, OSError."""
    return exports.export_download(actor=actor, export=export, request=request)


@require_POST
def download_view(request, pk):
    """Download the package (a POST: each download counts and is logged as a disclosure)."""
    export = selectors.evidence_export_get(actor=request.actor, pk=pk)
    reference = export.request.reference
    try:
        chunks = opened(request.actor, export, request)
    except exports.ExportGone as gone:
        context = {"item": export.request, "message": str(gone)}
        return render(request, "footage/requests/export_gone.html", context, status=410)
    except AccessLogUnavailable:
        context = {"item": export.request, "message": _("The access log cannot be written just now; try again soon.")}
        return render(request, "footage/requests/export_gone.html", context, status=503)
    except (PackageError, OSError):
        log.exception("Evidence package %s cannot be opened", export.package_id)
        context = {"item": export.request,
                   "message": _("The package cannot be opened; the platform administrators are told.")}  # fmt: skip
        return render(request, "footage/requests/export_gone.html", context, status=503)
    return zip_response(chunks, reference)
