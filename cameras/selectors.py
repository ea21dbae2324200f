"""Reads of the camera catalogue, always restricted to what the acting person may see or manage."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from cameras.models import Camera, CameraGroup, CameraGroupUserObjectPermission
from cameras.querysets import APPROVE_GROUP, MANAGE_GROUP
from zones.models import Organisation

__all__ = [
    "cameras_matching",
    "offline_cameras_panel",
    "MANAGE_GROUP",
    "APPROVE_GROUP",
    "camera_get",
    "camera_list",
    "delegated_groups",
    "delegation_list",
    "group_get",
    "group_list",
    "owners_of",
]


def delegated_groups(*, user, codename, owner=None):
    """Groups on which the person holds this delegated right (django-guardian's direct table)."""
    return CameraGroup.objects.delegated_to(user=user, codename=codename, owner=owner)


def camera_list(*, actor, action="view"):
    """view: the cameras of the actor's organisation, and other owners' cameras while an active sharing
    convention shares them (for the roles that may use shared cameras).
    manage: the chief's whole catalogue, or the cameras of groups delegated to the person."""
    return (
        Camera.objects.for_actor(actor, action)
        .select_related("owner", "municipality")
        .prefetch_related(Prefetch("groups", queryset=CameraGroup.objects.only("id", "name", "owner_id")))
    )


def owners_of(cameras):
    """The organisations owning these cameras (a queryset already restricted to what the person sees)."""
    return Organisation.objects.filter(pk__in=cameras.values("owner_id"))


def offline_cameras_panel(actor):
    """The dashboard's panel: the organisation's offline cameras (the ten longest unseen), if any."""
    offline = Camera.objects.for_actor(actor, "view").filter(owner=actor.organisation, status="offline")
    count = offline.count()
    if not count:
        return None
    return {"offline_count": count, "offline_cameras": offline.order_by("last_seen_at")[:10]}


def cameras_matching(cameras, query, *, words=5):
    """Narrow a camera queryset to those whose name, address, municipality or owner contain every word of `query`
    (at most `words` words; the pickers of the live and request pages search this way)."""
    for word in (query or "").split()[:words]:
        cameras = cameras.filter(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(municipality__name_fr__icontains=word)
            | Q(municipality__name_nl__icontains=word)
            | Q(owner__code__icontains=word)
            | Q(owner__short_name__icontains=word)
            | Q(owner__name_fr__icontains=word)
            | Q(owner__name_nl__icontains=word)
        )
    return cameras


def camera_get(*, actor, pk, action="view"):
    return get_object_or_404(camera_list(actor=actor, action=action), pk=pk)


def group_list(*, actor, action="view"):
    return CameraGroup.objects.for_actor(actor, action).select_related("owner")


def group_get(*, actor, pk, action="view"):
    return get_object_or_404(group_list(actor=actor, action=action), pk=pk)


def delegation_list(*, actor):
    """The delegations on the actor's organisation's groups; only its chief sees and manages them."""
    return CameraGroupUserObjectPermission.objects.for_actor(actor, "view").select_related(
        "user", "permission", "content_object"
    )
