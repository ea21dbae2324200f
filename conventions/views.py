"""Convention pages: list, the provider chief's editor with its scope picker, the review screen with the actions of
each party's chief, the version history with a readable diff, the PDF, and the published signing keys.

Every convention is read through conventions.selectors (another organisation's convention is a 404) and every
change goes through conventions.services; the views only translate between forms and those two.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from conventions import pdf, services
from conventions.forms import ReasonForm, ScopeForm, VersionForm, own_cameras
from conventions.policy import convention_action_refusal, convention_actions, convention_state
from conventions.selectors import cameras_in_scope, convention_get, convention_list, published_signing_keys
from conventions.terms import scope_summary, version_diff, version_terms
from zones.models import Role
from zones.stepup import has_recent_second_factor, step_up_required

SEARCH_LIMIT = 50


# --- Reading a convention -------------------------------------------------------------------------------------


def _signatures(version):
    return list(version.signatures.select_related("key", "organisation").order_by("signed_at"))


def _version(convention, number):
    if number is None:
        return convention.versions.order_by("-number").first()
    return get_object_or_404(convention.versions, number=number)


# --- List -------------------------------------------------------------------------------------------------------


def convention_list_view(request):
    actor = request.actor
    conventions = convention_list(actor=actor).order_by("-created_at")
    page = Paginator(conventions, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for convention in page.object_list:
        state = convention_state(convention, now)
        actions = convention_actions(actor, convention, at=now)
        counterpart = {"provider": convention.consumer, "consumer": convention.provider}.get(actions.side)
        rows.append(
            {
                "convention": convention,
                "state": state,
                "side": actions.side,
                "counterpart": counterpart,
                "awaits_me": state.latest is not None and actions.may("sign", state.latest),
            }
        )
    return render(
        request,
        "conventions/convention_list.html",
        {"rows": rows, "page": page, "can_create": actor.has_role(Role.CHIEF)},  # drafting: conventions.policy
    )


# --- Editor -----------------------------------------------------------------------------------------------------


def _require_chief(actor):
    if not actor.has_role(Role.CHIEF):
        raise PermissionDenied(_("Only your organisation's chief drafts conventions."))


def _camera_matches(actor, query):
    """At most 50 of the provider's own cameras whose name or address holds the words searched."""
    query = (query or "").strip()
    if len(query) < 2:
        return [], False
    cameras = own_cameras(actor).select_related("municipality")
    for word in query.split()[:5]:
        cameras = cameras.filter(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(municipality__name_fr__icontains=word)
            | Q(municipality__name_nl__icontains=word)
        )
    found = list(cameras.order_by("name", "pk")[: SEARCH_LIMIT + 1])
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _service_errors(form, error):
    """Put a service's ValidationError next to the field it names, or above the form."""
    fields = {"schedule": "schedule_days"}
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            target = fields.get(name, name)
            form.add_error(target if target in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _editor(request, form, *, convention=None, version=None, status=200):
    actor = request.actor
    camera_query = request.GET.get("camera_q", "") if request.method == "GET" else request.POST.get("camera_q", "")
    found, truncated = _camera_matches(actor, camera_query)
    chosen = form.chosen_cameras()
    chosen_ids = {camera.pk for camera in chosen}
    context = {
        "form": form,
        "convention": convention,
        "version": version,
        "group_options": form.group_options(),
        "municipality_options": form.municipality_options(),
        "kind_options": form.kind_options(),
        "chosen_cameras": chosen,
        "camera_query": camera_query,
        "found_cameras": [camera for camera in found if camera.pk not in chosen_ids],
        "found_truncated": truncated,
        "preview": scope_summary(version) if version is not None else None,
        "own_camera_count": own_cameras(actor).count(),
    }
    return render(request, "conventions/convention_form.html", context, status=status)


def _after_save(request, convention, version):
    """Where the editor's buttons lead once the draft is saved: preview and search stay in the editor."""
    action = request.POST.get("action", "save")
    edit = reverse("conventions:edit", args=[convention.pk, version.number])
    if action == "search" and request.POST.get("camera_q", "").strip():
        return redirect(edit + "?" + urlencode({"camera_q": request.POST.get("camera_q", "")}) + "#scope-cameras")
    if action == "preview":
        messages.info(request, _("Draft saved; the preview below shows the cameras it covers."))
        return redirect(edit + "#scope-preview")
    messages.success(request, _("Draft saved. Review it, then propose it to the other party."))
    return redirect("conventions:version", pk=convention.pk, number=version.number)


def convention_create_view(request):
    actor = request.actor
    _require_chief(actor)
    if request.method != "POST":
        return _editor(request, VersionForm(actor=actor, initial=VersionForm.defaults(timezone.localtime())))
    form = VersionForm(request.POST, actor=actor)
    if not form.is_valid():
        return _editor(request, form, status=400)
    try:
        convention = services.convention_create(
            actor=actor,
            consumer=form.cleaned_data["consumer"],
            title=form.cleaned_data["title"],
            **form.scope(),
            **form.terms(),
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _editor(request, form, status=403)
    except ValidationError as error:
        _service_errors(form, error)
        return _editor(request, form, status=400)
    return _after_save(request, convention, convention.versions.get())


def _draft_for_provider_chief(request, pk, number):
    actor = request.actor
    convention = convention_get(actor=actor, pk=pk)
    version = _version(convention, number)
    refusal = convention_action_refusal(actor, convention, "edit", version=version)
    if refusal is not None:
        raise refusal
    return convention, version


def version_edit_view(request, pk, number):
    try:
        convention, version = _draft_for_provider_chief(request, pk, number)
    except ValidationError as error:
        return render(request, "zones/error.html", {"message": " ".join(error.messages)}, status=400)
    actor = request.actor
    if request.method != "POST":
        return _editor(request, VersionForm(actor=actor, version=version), convention=convention, version=version)
    form = VersionForm(request.POST, actor=actor, version=version)
    if not form.is_valid():
        return _editor(request, form, convention=convention, version=version, status=400)
    try:
        services.version_update(actor=actor, version=version, **form.scope(), **form.terms())
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _editor(request, form, convention=convention, version=version, status=403)
    except ValidationError as error:
        version.refresh_from_db()
        _service_errors(form, error)
        return _editor(request, form, convention=convention, version=version, status=400)
    return _after_save(request, convention, version)


@require_GET
def scope_count_view(request, pk):
    """{"count": n}: how many cameras the draft would cover with this selection, by the rule of scope_q.

    The selection is applied to the draft inside a transaction that is always rolled back, so the count comes
    from conventions.scope itself and nothing is written."""
    try:
        _convention, version = _draft_for_provider_chief(request, pk, None)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    query = request.GET.copy()
    for name in ("groups", "municipalities", "kinds", "cameras"):
        values = [part for value in query.getlist(name) for part in value.split(",") if part.strip()]
        query.setlist(name, values)
    form = ScopeForm(query, actor=request.actor, version=version)
    if not form.is_valid():
        return JsonResponse(
            {"error": _("Choose only your own organisation's cameras, groups and municipalities.")}, status=400
        )
    with transaction.atomic():
        for name, objects in form.scope().items():
            getattr(version, name).set(objects)
        version.kinds = list(form.cleaned_data["kinds"])
        count = cameras_in_scope(version).count()
        transaction.set_rollback(True)
    label = ngettext("%(count)d camera covered", "%(count)d cameras covered", count) % {"count": count}
    return JsonResponse({"count": count, "label": label})


@require_GET
def camera_search_view(request):
    """At most 50 of the provider chief's own cameras matching the words, for the scope picker."""
    _require_chief(request.actor)
    found, truncated = _camera_matches(request.actor, request.GET.get("q", ""))
    results = [
        {
            "id": camera.pk,
            "name": camera.name,
            "municipality": camera.municipality.name if camera.municipality else "",
            "kind": camera.get_kind_display(),
        }
        for camera in found
    ]
    return JsonResponse({"results": results, "truncated": truncated})


# --- Review and actions -----------------------------------------------------------------------------------------


def _reason_form(action, data=None):
    labels = {
        "suspend": _("Reason for suspending"),
        "resume": _("Reason for resuming"),
        "terminate": _("Reason for terminating"),
    }
    return ReasonForm(data, auto_id=f"id_{action}_%s", label=labels[action])


def _review(request, convention, version, *, status=200, failed=None, failed_form=None, error=None):
    actor = request.actor
    state = convention_state(convention)
    actions = convention_actions(actor, convention)
    forms = {name: _reason_form(name) for name in ("suspend", "resume", "terminate")}
    if failed_form is not None:
        forms[failed] = failed_form
    context = {
        "convention": convention,
        "version": version,
        "versions": sorted(convention.versions.all(), key=lambda v: v.number, reverse=True),
        "state": state,
        "side": actions.side,
        "terms": version_terms(version),
        "scope": scope_summary(version),
        "signatures": _signatures(version),
        "can_sign": actions.may("sign", version),
        "can_edit": actions.may("edit", version),
        "can_suspend": actions.may("suspend"),
        "can_resume": actions.may("resume"),
        "can_terminate": actions.may("terminate"),
        "can_amend": actions.may("amend"),
        "forms": forms,
        "failed": failed,
        "error": error,
        "fresh_second_factor": has_recent_second_factor(request),
    }
    return render(request, "conventions/version_detail.html", context, status=status)


def version_detail_view(request, pk, number=None):
    convention = convention_get(actor=request.actor, pk=pk)
    return _review(request, convention, _version(convention, number))


def _run(request, convention, version, action, call, success):
    """Call a service; on refusal show the review page again with the reason (400 or 403)."""
    try:
        call()
    except PermissionDenied as error:
        return _review(request, convention, version, status=403, failed=action, error=str(error))
    except ValidationError as error:
        return _review(request, convention, version, status=400, failed=action, error=" ".join(error.messages))
    messages.success(request, success)
    return redirect("conventions:version", pk=convention.pk, number=version.number)


@require_POST
def version_propose_view(request, pk, number):
    convention = convention_get(actor=request.actor, pk=pk)
    version = _version(convention, number)
    return _run(
        request,
        convention,
        version,
        "propose",
        lambda: services.version_propose(actor=request.actor, version=version),
        _("Version %(number)d is proposed: its text is frozen and ready to be signed.") % {"number": version.number},
    )


@require_POST
def version_sign_view(request, pk, number):
    convention = convention_get(actor=request.actor, pk=pk)
    version = _version(convention, number)
    return _sign(request, convention, version)


@step_up_required
def _sign(request, convention, version):
    def sign():
        services.version_sign(
            actor=request.actor, version=version, recent_second_factor=has_recent_second_factor(request)
        )

    return _run(request, convention, version, "sign", sign, _("Signed with your key."))


def _convention_action(request, pk, action, service, success):
    convention = convention_get(actor=request.actor, pk=pk)
    version = _version(convention, None)
    form = _reason_form(action, request.POST)
    if not form.is_valid():
        return _review(request, convention, version, status=400, failed=action, failed_form=form)
    return _run(
        request,
        convention,
        version,
        action,
        lambda: service(actor=request.actor, convention=convention, reason=form.cleaned_data["reason"]),
        success,
    )


@require_POST
def convention_suspend_view(request, pk):
    return _convention_action(
        request, pk, "suspend", services.convention_suspend, _("The convention is suspended, effective at once.")
    )


@require_POST
def convention_resume_view(request, pk):
    return _convention_action(request, pk, "resume", services.convention_resume, _("The convention is resumed."))


@require_POST
def convention_terminate_view(request, pk):
    return _convention_action(
        request, pk, "terminate", services.convention_terminate, _("The convention is terminated.")
    )


@require_POST
def version_amend_view(request, pk):
    convention = convention_get(actor=request.actor, pk=pk)
    try:
        amendment = services.version_amend(actor=request.actor, convention=convention)
    except PermissionDenied as error:
        return _review(request, convention, _version(convention, None), status=403, failed="amend", error=str(error))
    except ValidationError as error:
        message = " ".join(error.messages)
        return _review(request, convention, _version(convention, None), status=400, failed="amend", error=message)
    messages.success(
        request,
        _("Version %(number)d is drafted from the previous one; the version in force stays in force meanwhile.")
        % {"number": amendment.number},
    )
    return redirect("conventions:edit", pk=convention.pk, number=amendment.number)


# --- History and diff -------------------------------------------------------------------------------------------


def _number(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def convention_history_view(request, pk):
    convention = convention_get(actor=request.actor, pk=pk)
    versions = list(convention.versions.order_by("number"))
    by_number = {v.number: v for v in versions}
    newest = versions[-1].number
    after = by_number.get(_number(request.GET.get("b"), newest), versions[-1])
    before = by_number.get(_number(request.GET.get("a"), after.number - 1))
    diff = version_diff(before, after) if before is not None and before.pk != after.pk else None
    events = convention.events.select_related("version").order_by("at", "id")
    return render(
        request,
        "conventions/convention_history.html",
        {
            "convention": convention,
            "state": convention_state(convention),
            "versions": versions,
            "before": before,
            "after": after,
            "diff": diff,
            "events": events,
        },
    )


# --- Documents ----------------------------------------------------------------------------------------------------


def version_pdf_view(request, pk, number):
    convention = convention_get(actor=request.actor, pk=pk)
    version = _version(convention, number)
    content = pdf.render_version(
        version=version,
        state=convention_state(convention),
        terms=version_terms(version),
        scope=scope_summary(version, limit=0),
        signatures=_signatures(version),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{convention.reference}-v{version.number}.pdf"'
    return response


def version_document_view(request, pk, number):
    """The exact bytes both chiefs signed, to check the hash and signatures with any tool."""
    convention = convention_get(actor=request.actor, pk=pk)
    version = _version(convention, number)
    if not version.document_hash:
        return render(
            request,
            "zones/error.html",
            {"message": _("A draft has no signed document yet; it is fixed when the version is proposed.")},
            status=404,
        )
    response = HttpResponse(version.canonical_document.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{convention.reference}-v{version.number}.json"'
    return response


def signing_key_list_view(request):
    """Every person's published public keys, so that anyone can check a signature (no secret is shown)."""
    return render(request, "conventions/signing_keys.html", {"rows": published_signing_keys()})
