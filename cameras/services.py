"""Writes on the camera catalogue: create, onboard over ONVIF, credentials, groups and delegations."""

from auditlog.context import set_actor
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cameras import selectors
from cameras.crypto import encrypt_credentials
from cameras.models import Camera, CameraGroup, CameraGroupUserObjectPermission
from cameras.onvif import probe_onvif
from common.tasks import enqueue
from zones.models import Membership, Role

__all__ = [
    "camera_create",
    "camera_onboard",
    "camera_set_credentials",
    "delegation_grant",
    "delegation_revoke",
    "group_create",
    "group_set_cameras",
    "health_apply",
]

DELEGABLE = {selectors.MANAGE_GROUP, selectors.APPROVE_GROUP}


def _check_can_add_cameras(actor, group):
    """The chief adds cameras anywhere in the catalogue; a camera administrator only into a delegated group."""
    if actor.has_role(Role.CHIEF):
        return
    if group is not None and selectors.group_list(actor=actor, action="manage").filter(pk=group.pk).exists():
        return
    raise PermissionDenied(
        _("Only the chief, or a person to whom a camera group was delegated, adds cameras (into that group).")
    )


@transaction.atomic
def camera_create(*, actor, group=None, username="", password="", **fields):
    _check_can_add_cameras(actor, group)
    camera = Camera(owner=actor.organisation, **fields)
    if username or password:
        camera.credentials_encrypted = encrypt_credentials(username, password)
    camera.full_clean()
    camera.save()
    if group is not None:
        camera.groups.add(group)
    return camera


def camera_set_credentials(*, camera, username, password):
    camera.credentials_encrypted = encrypt_credentials(username, password)
    camera.save(update_fields=["credentials_encrypted", "updated_at"])


@transaction.atomic
def camera_set_recording(*, actor, camera, recorded):
    """The owner's chief decides whether the platform records this camera even when no convention shares it
    (the recorder picks the change up on its next look)."""
    if not actor.has_role(Role.CHIEF) or camera.owner_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the owner's chief decides whether the platform records a camera."))
    with set_actor(actor.user):
        camera.recorded_centrally = bool(recorded)
        camera.save(update_fields=["recorded_centrally", "updated_at"])
    return camera


def camera_onboard(*, actor, onvif_address, username, password, name="", group=None, latitude, longitude, **fields):
    """Read a device over ONVIF (outside any transaction: it is network work) and store what it says."""
    _check_can_add_cameras(actor, group)
    device = probe_onvif(onvif_address, username, password)
    profiles = [
        {
            "token": p.token,
            "name": p.name,
            "encoding": p.encoding,
            "width": p.width,
            "height": p.height,
            "stream_uri": p.stream_uri,
            "snapshot_uri": p.snapshot_uri,
            "has_ptz": p.has_ptz,
        }
        for p in device.profiles
    ]
    camera = camera_create(
        actor=actor,
        group=group,
        username=username,
        password=password,
        name=name or f"{device.manufacturer} {device.model} {device.serial_number}".strip(),
        kind=fields.pop("kind", Camera.Kind.PTZ if device.ptz_capable else Camera.Kind.FIXED),
        onvif_address=onvif_address,
        rtsp_main_uri=device.main_stream_uri or "",
        rtsp_sub_uri=device.sub_stream_uri or "",
        snapshot_uri=device.snapshot_uri or "",
        manufacturer=device.manufacturer or "",
        model=device.model or "",
        firmware_version=device.firmware_version or "",
        serial_number=device.serial_number or "",
        ptz_capable=device.ptz_capable,
        onvif_profiles=profiles,
        status=Camera.Status.ONLINE,
        last_seen_at=timezone.now(),
        latitude=latitude,
        longitude=longitude,
        **fields,
    )
    transaction.on_commit(lambda: enqueue("cameras.tasks.refresh_snapshot", camera.pk))
    return camera


@transaction.atomic
def group_create(*, actor, name, description=""):
    if not actor.has_role(Role.CHIEF):
        raise PermissionDenied(_("Only the chief arranges camera groups."))
    group = CameraGroup(owner=actor.organisation, name=name, description=description)
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def group_set_cameras(*, actor, group, cameras):
    """Replace the group's cameras; every camera must belong to the group's owner."""
    if not actor.has_role(Role.CHIEF):
        raise PermissionDenied(_("Only the chief arranges camera groups."))
    foreign = [c for c in cameras if c.owner_id != group.owner_id]
    if foreign:
        raise ValidationError(_("A group holds only its owner's cameras."))
    group.cameras.set(cameras)


@transaction.atomic
def delegation_grant(*, actor, group, user, codename):
    """Give one named person one right on one group (a direct, per-object permission)."""
    if not actor.has_role(Role.CHIEF) or group.owner_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the chief of the group's owner delegates rights on it."))
    if codename not in DELEGABLE:
        raise ValidationError(_("Unknown right."))
    if not Membership.objects.filter(user=user, organisation=group.owner, is_active=True).exists():
        raise ValidationError(_("Rights are delegated only to people with an active role in the organisation."))
    assign_perm(f"cameras.{codename}", user, group)
    return CameraGroupUserObjectPermission.objects.get(
        user=user, content_object=group, permission=Permission.objects.get(codename=codename)
    )


@transaction.atomic
def delegation_revoke(*, actor, delegation):
    if not actor.has_role(Role.CHIEF) or delegation.content_object.owner_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the chief of the group's owner revokes its delegations."))
    remove_perm(f"cameras.{delegation.permission.codename}", delegation.user, delegation.content_object)


def health_apply(results):
    """Store probe results: status, detail, last checked, and last seen for cameras that answered.

    Idempotent: applying the same results twice leaves the same rows."""
    online, offline = [], []
    for result in results:
        camera = Camera(
            pk=result.camera_id,
            status=Camera.Status.ONLINE if result.online else Camera.Status.OFFLINE,
            status_detail=result.detail[:200],
            last_checked_at=result.checked_at,
            last_seen_at=result.checked_at if result.online else None,
        )
        (online if result.online else offline).append(camera)
    with transaction.atomic():
        Camera.objects.bulk_update(
            online, ["status", "status_detail", "last_checked_at", "last_seen_at"], batch_size=500
        )
        Camera.objects.bulk_update(offline, ["status", "status_detail", "last_checked_at"], batch_size=500)
    return len(online), len(offline)
