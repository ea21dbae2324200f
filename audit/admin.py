"""The logs, read-only in the admin: no add, change or delete, whoever asks (the access log's database triggers
refuse changes anyway; the change log has no such guard, so this is its only one on this path). The access log
holds millions of entries: its list is newest first on an index, counts no further than it can show, and builds
its filters without reading the log; the DPO console (/audit/) is the place to read and search it."""

from auditlog import get_logentry_model
from auditlog.admin import LogEntryAdmin
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLogEntry, ChainHead, ChainVerification, SignedHead
from common.admin import CappedCountPaginator, ReadOnlyAdmin


class ChainFilter(admin.SimpleListFilter):
    """The chains, read from their heads (one row each) rather than from the entries."""

    title = _("chain")
    parameter_name = "chain"

    def lookups(self, request, model_admin):
        return [(chain, chain) for chain in ChainHead.objects.order_by("chain").values_list("chain", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(chain=self.value()) if self.value() else queryset


class DecisionFilter(admin.SimpleListFilter):
    """Allowed or refused, without reading the log for its distinct values (refusals have their own index)."""

    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("allow", "allow"), ("deny", "deny")]

    def queryset(self, request, queryset):
        return queryset.filter(decision=self.value()) if self.value() else queryset


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "chain",
        "sequence",
        "action",
        "decision",
        "actor_name",
        "actor_organisation_code",
        "purpose",
        "reason",
    ]
    list_filter = [ChainFilter, "action", DecisionFilter]
    # Exact matches only: none of these columns is indexed, so a search reads the log, but compares values instead of
    # matching patterns in every entry's text.
    search_fields = ["case_reference__exact", "actor_name__exact", "request_id__exact", "convention_reference__exact"]
    ordering = ["-occurred_at"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would read the whole log


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["chain", "sequence", "head_hash", "updated_at"]
    search_fields = ["chain"]


@admin.register(SignedHead)
class SignedHeadAdmin(ReadOnlyAdmin):
    list_display = ["chain", "sequence", "signed_at", "key_fingerprint"]
    list_filter = [ChainFilter]
    ordering = ["-signed_at"]
    paginator = CappedCountPaginator  # every chain that moved, every 30 seconds
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyAdmin):
    list_display = ["chain", "verified_at", "entries", "ok"]
    list_filter = ["ok"]


class ChangeLogEntryAdmin(LogEntryAdmin):
    """django-auditlog's change log, read-only. Its own admin refuses add and change, and delete on its own pages
    only; here delete is refused on every path."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(get_logentry_model())  # registered by auditlog.admin, imported above
admin.site.register(get_logentry_model(), ChangeLogEntryAdmin)
