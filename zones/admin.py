from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from zones.models import ApiToken, Membership, Municipality, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_nl", "kind", "legal_regime", "is_active"]
    list_filter = ["kind", "legal_regime", "is_active"]
    search_fields = ["code", "name_fr", "name_nl"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["nis_code", "name_fr", "name_nl", "zone"]
    list_filter = ["zone"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "municipality", "is_active", "disabled_reason"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "municipality", "is_active"]
    list_filter = ["organisation", "role", "is_active"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "organisation",
        "key_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "user",
        "organisation",
        "key_prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "last_used_ip",
    ]
    list_filter = ["organisation"]
