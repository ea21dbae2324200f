"""The camera catalogue for the platform administrator. Credentials and snapshots never show here: credentials are
set in the portal (encrypted at once), and a snapshot is footage, seen through the portal's rules."""

from django.contrib import admin

from cameras.models import Camera, CameraGroup, CameraGroupGroupObjectPermission, CameraGroupUserObjectPermission
from common.admin import ReadOnlyAdmin


@admin.register(CameraGroup)
class CameraGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "description", "created_at"]
    list_filter = ["owner"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__code"]


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "kind", "legal_regime", "municipality", "status", "last_seen_at"]
    list_filter = ["owner", "kind", "legal_regime", "status", "special_risk_place", "recorded_centrally"]
    list_select_related = ["owner", "municipality"]
    search_fields = ["name", "address", "serial_number", "owner__code"]
    autocomplete_fields = ["groups"]
    exclude = ["credentials_encrypted", "snapshot"]
    # Written by the health sweep and the onboarding probe: observations, not settings.
    readonly_fields = [
        "status",
        "status_detail",
        "last_seen_at",
        "last_checked_at",
        "snapshot_taken_at",
        "manufacturer",
        "model",
        "firmware_version",
        "serial_number",
        "onvif_profiles",
        "created_at",
        "updated_at",
    ]


class DelegationAdmin(ReadOnlyAdmin):
    """Rights a chief delegated on one camera group (django-guardian's rows): granted and revoked in the portal,
    where the change log follows them."""

    list_filter = ["permission__codename"]
    list_select_related = ["permission__content_type", "content_object__owner"]


@admin.register(CameraGroupUserObjectPermission)
class CameraGroupUserDelegationAdmin(DelegationAdmin):
    list_display = ["user", "permission", "content_object"]
    list_select_related = [*DelegationAdmin.list_select_related, "user"]
    search_fields = ["user__username", "content_object__name"]


@admin.register(CameraGroupGroupObjectPermission)
class CameraGroupGroupDelegationAdmin(DelegationAdmin):
    list_display = ["group", "permission", "content_object"]
    list_select_related = [*DelegationAdmin.list_select_related, "group"]
    search_fields = ["group__name", "content_object__name"]
