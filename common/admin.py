"""Pieces the apps' admin modules share. The admin serves the platform administrator's rare tasks; routine work,
and everything the policy or the logs must see, goes through the portal and its services."""

from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects

__all__ = ["CappedCountPaginator", "ReadOnlyAdmin"]


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows, so a changelist over millions of rows answers at once (PostgreSQL counts by
    reading every row). Pages stop at the cap; filters reach the rest. `capped` makes the page say "N+"
    (templates/admin/pagination.html)."""

    cap = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self):
        return self.count > self.cap


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that services write and log (the access log, footage handed out, recordings): the admin shows every
    field and can add, change or delete nothing, so no edit goes around the policy or the logs.

    `secret_fields` (keys, digests) are never shown. `detail_prefetch` names relations prefetched for the view
    page only, where a many-to-many field is listed in full."""

    secret_fields: tuple[str, ...] = ()
    detail_prefetch: tuple = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self.secret_fields]

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.secret_fields) | set(self.exclude or ())
        fields = [*self.model._meta.concrete_fields, *self.model._meta.many_to_many]
        shown = [field.name for field in fields if not field.auto_created and field.name not in hidden]
        return [*shown, *(name for name in self.readonly_fields if name not in shown)]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and self.detail_prefetch:
            prefetch_related_objects([obj], *self.detail_prefetch)
        return obj


class ReadOnlyTabularInline(admin.TabularInline):
    """Related rows shown on their parent's page and never written there (their own services or pages write them)."""

    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
