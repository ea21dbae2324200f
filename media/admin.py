"""The video plane for the platform administrator: what the relay and the recorder are doing and what they kept,
read-only (the workers write it and log collection and erasure); legal holds, which an administrator may place
and release on a prosecutor's or a court's order (the change log follows them)."""

from django.contrib import admin
from django.db.models import Q

from cameras.models import Camera
from common.admin import CappedCountPaginator, ReadOnlyAdmin
from media.models import LegalHold, MediaServer, RecordingSegment, RecordingStream, RelayStream


@admin.register(RelayStream)
class RelayStreamAdmin(ReadOnlyAdmin):
    list_display = ["camera", "state", "problem", "wanted_until", "failures", "restarts", "updated_at"]
    list_filter = ["state", "problem"]
    list_select_related = ["camera__owner"]
    search_fields = ["camera__name"]


@admin.register(RecordingStream)
class RecordingStreamAdmin(ReadOnlyAdmin):
    list_display = ["camera", "state", "collecting_since", "last_segment_end", "failures", "restarts", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["camera__owner"]
    search_fields = ["camera__name"]


@admin.register(RecordingSegment)
class RecordingSegmentAdmin(ReadOnlyAdmin):
    """One row per camera and minute: millions of rows. The list is newest first by primary key (an index), counts
    no further than it can show, and is searched by a camera's exact name or id (the segments' camera index)."""

    list_display = ["camera", "started_at", "ended_at", "is_gap", "size", "purged_at"]
    list_filter = ["is_gap"]
    list_select_related = ["camera__owner"]
    search_fields = ["camera__name"]
    ordering = ["-id"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        cameras = Q(camera_id__in=list(Camera.objects.filter(name=term).values_list("pk", flat=True)))
        if term.isdigit():
            cameras |= Q(camera_id=int(term))
        return queryset.filter(cameras), False


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Holds are placed and released, never deleted: the purge must keep answering to them, and their history
    stays in the change log."""

    list_display = ["case_reference", "camera", "window_start", "window_end", "created_by", "created_at", "released_at"]
    list_filter = ["released_at"]
    list_select_related = ["camera__owner", "created_by"]
    search_fields = ["case_reference", "camera__name"]
    autocomplete_fields = ["camera"]
    readonly_fields = ["created_by", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MediaServer)
class MediaServerAdmin(ReadOnlyAdmin):
    """Added, rotated and removed with `manage.py media_server`; the secret's digest is never shown."""

    list_display = ["name", "created_at", "rotated_at"]
    secret_fields = ("secret_digest",)
