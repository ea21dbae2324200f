"""Footage handed to people, read-only for the platform administrator. Every row here carries evidence: the services
that write it ask the policy and write the access log, and an edit here would do neither. Token digests never
show."""

from django.contrib import admin
from django.db.models import Prefetch

from cameras.models import Camera
from common.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from footage.models import Approval, EvidenceExport, FootageRequest, GatewayConnection, LiveSession, PlaybackToken


@admin.register(LiveSession)
class LiveSessionAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "user", "organisation", "camera", "purpose", "break_glass", "ended_at", "end_reason"]
    list_filter = ["purpose", "break_glass", "end_reason", "organisation"]
    list_select_related = ["user", "organisation", "camera__owner"]
    search_fields = ["user__username", "camera__name", "case_reference"]
    secret_fields = ("token_digest",)
    ordering = ["-started_at"]


@admin.register(GatewayConnection)
class GatewayConnectionAdmin(ReadOnlyAdmin):
    list_display = ["gateway_id", "protocol", "session", "seen_at"]
    list_filter = ["protocol"]
    list_select_related = ["session__user", "session__camera__owner"]
    search_fields = ["gateway_id"]


class ApprovalInline(ReadOnlyTabularInline):
    model = Approval
    fields = ["approver_name", "decision", "reason", "at"]


@admin.register(FootageRequest)
class FootageRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "organisation", "owner", "mode", "purpose", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "mode", "purpose", "owner", "organisation"]
    list_select_related = ["organisation", "owner"]
    search_fields = ["reference", "case_reference", "prosecutor_reference"]
    inlines = [ApprovalInline]
    detail_prefetch = (Prefetch("cameras", queryset=Camera.objects.select_related("owner")),)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["request", "approver_name", "decision", "at"]
    list_filter = ["decision"]
    list_select_related = ["request"]
    search_fields = ["request__reference", "approver_name"]


@admin.register(EvidenceExport)
class EvidenceExportAdmin(ReadOnlyAdmin):
    list_display = ["package_id", "request", "status", "progress", "created_at", "finished_at", "downloads"]
    list_filter = ["status"]
    list_select_related = ["request"]
    search_fields = ["request__reference"]


@admin.register(PlaybackToken)
class PlaybackTokenAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "request", "user", "organisation", "expires_at", "ended_at", "end_reason"]
    list_filter = ["organisation"]
    list_select_related = ["request", "user", "organisation"]
    search_fields = ["request__reference", "user__username"]
    secret_fields = ("token_digest",)
