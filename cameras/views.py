"""Catalogue pages: list with filters, detail, offline map, ONVIF onboarding, import, groups and delegations."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras import selectors, services
from cameras.api.filters import CameraFilterSet
from cameras.forms import DelegationForm, GroupForm, ImportForm, OnboardForm
from cameras.importing import COLUMNS, import_cameras
from cameras.onvif import OnvifError
from cameras.region import bounds, centroids
from cameras.tasks import refresh_snapshot
from zones.models import Municipality, Role

PALETTE = ["#0b4f8a", "#b3261e", "#1e6b34", "#7a4d00", "#6a1b9a", "#00695c", "#ad1457", "#37474f",
           "#e65100", "#283593", "#558b2f", "#4e342e"]  # fmt: skip
MAP_SIZE = 800


def _filtered(request):
    cameras = selectors.camera_list(actor=request.actor)
    return CameraFilterSet(request.GET or None, queryset=cameras, request=request)


def camera_list_view(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs.order_by("owner__code", "name", "id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cameras/camera_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_add": _can_add(request.actor),
            "can_import": request.actor.has_role(Role.CHIEF) or request.actor.is_platform_admin,
        },
    )


def _can_add(actor):
    return actor.has_role(Role.CHIEF) or selectors.group_list(actor=actor, action="manage").exists()


def camera_detail_view(request, pk):
    camera = selectors.camera_get(actor=request.actor, pk=pk)
    actor = request.actor
    is_owner_chief = camera.owner_id == actor.organisation.pk and actor.has_role(Role.CHIEF)
    return render(request, "cameras/camera_detail.html", {"camera": camera, "is_owner_chief": is_owner_chief})


@require_POST
def camera_snapshot_refresh_view(request, pk):
    """Ask a worker for a fresh picture (the owner's people only: it touches the device)."""
    camera = selectors.camera_get(actor=request.actor, pk=pk)
    if camera.owner_id != request.actor.organisation.pk:
        raise PermissionDenied(_("Only the owner's people take snapshots of a camera."))
    refresh_snapshot.delay(camera.pk)
    messages.info(request, _("A new snapshot was requested; reload the page in a few seconds."))
    return redirect("cameras:detail", pk=camera.pk)


@require_POST
def camera_recording_view(request, pk):
    camera = selectors.camera_get(actor=request.actor, pk=pk)
    recorded = request.POST.get("recorded") == "on"
    services.camera_set_recording(actor=request.actor, camera=camera, recorded=recorded)
    if recorded:
        messages.success(request, _("The platform records this camera from now on."))
    else:
        messages.success(request, _("The platform records this camera only while a convention asks for it."))
    return redirect("cameras:detail", pk=camera.pk)


def camera_snapshot_view(request, pk):
    camera = selectors.camera_get(actor=request.actor, pk=pk)
    if not camera.snapshot:
        raise Http404(_("No snapshot of this camera yet."))
    return FileResponse(camera.snapshot.open("rb"), content_type="image/jpeg")


def camera_map_view(request):
    filterset = _filtered(request)
    box = bounds()
    scale_x = MAP_SIZE / (box["lon_max"] - box["lon_min"])
    scale_y = MAP_SIZE / (box["lat_max"] - box["lat_min"])

    def project(lat, lon):
        return round((float(lon) - box["lon_min"]) * scale_x, 1), round((box["lat_max"] - float(lat)) * scale_y, 1)

    rows = filterset.qs.values_list("pk", "name", "latitude", "longitude", "owner__code")
    owners = sorted({row[4] for row in rows})
    colours = {code: PALETTE[index % len(PALETTE)] for index, code in enumerate(owners)}
    points = [(pk, name, *project(lat, lon), colours[owner]) for pk, name, lat, lon, owner in rows]
    counts = dict(filterset.qs.values_list("owner__code").annotate(n=Count("id")))
    labels = []

    for municipality in Municipality.objects.for_actor(request.actor, "view"):
        lat, lon = centroids().get(municipality.nis_code, (None, None))
        if lat is not None:
            labels.append((municipality.name, *project(lat, lon)))
    return render(
        request,
        "cameras/camera_map.html",
        {
            "filter": filterset,
            "points": points,
            "legend": [(code, colours[code], counts.get(code, 0)) for code in owners],
            "labels": labels,
            "size": MAP_SIZE,
        },
    )


def camera_onboard_view(request):
    actor = request.actor
    if not _can_add(actor):
        raise PermissionDenied(_("Only the chief, or a person to whom a camera group was delegated, adds cameras."))
    groups = selectors.group_list(actor=actor, action="manage")
    form = OnboardForm(request.POST or None, groups=groups)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "cameras/camera_onboard.html", {"form": form}, status=400)
        data = dict(form.cleaned_data)
        try:
            camera = services.camera_onboard(
                actor=actor,
                onvif_address=data.pop("onvif_address"),
                username=data.pop("username"),
                password=data.pop("password"),
                **data,
            )
        except OnvifError as error:
            form.add_error(None, str(error))
            return render(request, "cameras/camera_onboard.html", {"form": form}, status=422)
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, error)
            return render(request, "cameras/camera_onboard.html", {"form": form}, status=400)
        messages.success(request, _("The camera “%(name)s” is in the catalogue.") % {"name": camera.name})
        return redirect("cameras:detail", pk=camera.pk)
    return render(request, "cameras/camera_onboard.html", {"form": form})


def camera_import_view(request):
    actor = request.actor
    if not (actor.has_role(Role.CHIEF) or actor.is_platform_admin):
        raise PermissionDenied(_("Only the chief (or a platform administrator) imports cameras."))
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": COLUMNS}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "cameras/camera_import.html", context, status=400)
        upload = form.cleaned_data["file"]
        report = import_cameras(
            actor=actor,
            filename=upload.name,
            raw=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
            partial=form.cleaned_data["partial"],
        )
        context["report"] = report
        if report.created:
            messages.success(request, _("%(count)d cameras imported.") % {"count": report.created})
        return render(request, "cameras/camera_import.html", context, status=200 if report.ok else 400)
    return render(request, "cameras/camera_import.html", context)


def _require_chief(actor):
    if not actor.has_role(Role.CHIEF):
        raise PermissionDenied(_("Only the chief arranges camera groups and delegations."))


def _people(actor):
    return (
        get_user_model()
        .objects.filter(memberships__organisation=actor.organisation, memberships__is_active=True, is_active=True)
        .distinct()
    )


def group_list_view(request):
    actor = request.actor
    groups = selectors.group_list(actor=actor).annotate(camera_count=Count("cameras"))
    context = {
        "groups": groups,
        "is_chief": actor.has_role(Role.CHIEF),
        "delegations": selectors.delegation_list(actor=actor),
        "group_form": GroupForm(),
        "delegation_form": DelegationForm(groups=selectors.group_list(actor=actor), people=_people(actor)),
    }
    return render(request, "cameras/group_list.html", context)


@require_POST
def group_create_view(request):
    actor = request.actor
    _require_chief(actor)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            services.group_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cameras:groups")
        messages.success(request, _("Group created."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("cameras:groups")


@require_POST
def delegation_grant_view(request):
    actor = request.actor
    _require_chief(actor)
    form = DelegationForm(request.POST, groups=selectors.group_list(actor=actor), people=_people(actor))
    if not form.is_valid():
        messages.error(request, _("Choose a group, a person of your organisation and a right."))
        return redirect("cameras:groups")
    try:
        services.delegation_grant(
            actor=actor,
            group=form.cleaned_data["group"],
            user=form.cleaned_data["user"],
            codename=form.cleaned_data["right"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cameras:groups")
    messages.success(request, _("Right delegated."))
    return redirect("cameras:groups")


@require_POST
def delegation_revoke_view(request, pk):
    actor = request.actor
    # Looked up first: a delegation the person may not manage answers 404 for every role, as a missing one does.
    delegation = get_object_or_404(selectors.delegation_list(actor=actor), pk=pk)
    _require_chief(actor)
    services.delegation_revoke(actor=actor, delegation=delegation)
    messages.success(request, _("Delegation revoked."))
    return redirect("cameras:groups")
