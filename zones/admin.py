"""Organisations, people and their roles for the platform administrator. Withdrawing a role and revoking a token go
through the services (sessions end, tokens go, the access log is written); secrets never show."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from zones import services
from zones.models import (
    ApiToken,
    Membership,
    Municipality,
    Notification,
    Organisation,
    Role,
    User,
    UserSession,
    WorkerHeartbeat,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fr", "name_nl", "kind", "legal_regime", "is_active"]
    list_filter = ["kind", "legal_regime", "is_active"]
    search_fields = ["code", "name_fr", "name_nl", "short_name"]
    readonly_fields = ["created_at"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["nis_code", "name_fr", "name_nl", "zone"]
    list_filter = ["zone"]
    list_select_related = ["zone"]
    search_fields = ["nis_code", "name_fr", "name_nl"]


# A role is withdrawn through the service (sessions end, tokens bound to the organisation go, the access log is
# written), never by unticking a box; nor deleted: its history stays.
MEMBERSHIP_STATE_FIELDS = ["is_active", "disabled_at", "disabled_reason"]


class MembershipInline(ReadOnlyTabularInline):
    """The person's roles, read here; they are given and withdrawn on the membership pages."""

    model = Membership
    fields = ["organisation", "role", "municipality", *MEMBERSHIP_STATE_FIELDS]
    show_change_link = True


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Django's user admin with the person's roles. Unticking "active" disables the person: their sessions and
    tokens end at once (zones.signals), whatever the path."""

    inlines = [MembershipInline]


def _withdraw_reason(request):
    return f"{Role.PLATFORM_ADMIN.label}: {request.user.get_username()}"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "municipality", "is_active", "disabled_at"]
    list_filter = ["organisation", "role", "is_active"]
    list_select_related = ["user", "organisation", "municipality"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__code"]
    autocomplete_fields = ["user"]
    readonly_fields = [*MEMBERSHIP_STATE_FIELDS, "created_at"]
    actions = ["withdraw"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "user", "organisation", "role"]  # a role is withdrawn and another given

    @admin.action(description=_("Withdraw the role"), permissions=["change"])
    def withdraw(self, request, queryset):
        if queryset.filter(user=request.user, is_active=True).exists():  # as in the portal
            self.message_user(
                request,
                gettext("You cannot withdraw your own role. Ask another chief or a platform administrator."),
                messages.ERROR,
            )
        for membership in queryset.filter(is_active=True).exclude(user=request.user).select_related("user"):
            services.membership_disable(membership=membership, reason=_withdraw_reason(request), by=request.user)
            self.message_user(
                request,
                gettext("%(person)s no longer has the role %(role)s; their sessions have ended.")
                % {"person": membership.user, "role": membership.get_role_display()},
                messages.SUCCESS,
            )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are created in the portal after a two-factor sign-in (the key is shown once); here they are read
    and revoked. The key's hash stays out."""

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
    list_filter = ["organisation"]
    list_select_related = ["user", "organisation"]
    search_fields = ["name", "key_prefix", "user__username"]
    secret_fields = ("key_hash",)
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return request.user.has_perm("zones.change_apitoken")

    @admin.action(description=_("Revoke"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token)
            self.message_user(request, gettext("The token “%(name)s” is revoked.") % {"name": token.name})


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """Signed-in browser sessions. The session key is a bearer credential: it never shows."""

    list_display = ["user", "created_at", "ip_address", "user_agent"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    secret_fields = ("session_key",)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "beat_at", "hostname", "count"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "organisation", "kind", "subject", "read_at"]
    list_filter = ["kind", "organisation"]
    list_select_related = ["recipient", "organisation"]
    search_fields = ["subject", "recipient__username"]


# django-otp's own admin shows an authenticator's key and QR code, and a person's backup codes, to whoever opens
# a device: anyone who reads them holds that person's second factor. Here a device is listed and can be deleted
# (the person enrols again at the next sign-in; zones.twofactor logs it), nothing more.
class AuthenticatorAdmin(TOTPDeviceAdmin):
    fieldsets = [(None, {"fields": ["user", "name", "confirmed", "created_at", "last_used_at"]})]
    readonly_fields = ["user", "name", "confirmed", "created_at", "last_used_at"]

    def get_list_display(self, request):
        return self.list_display  # without the QR code link

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)  # without the key's config and QR code pages

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BackupCodesAdmin(StaticDeviceAdmin):
    inlines = []  # the codes themselves
    readonly_fields = ["user", "name", "confirmed", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model, model_admin in ((TOTPDevice, AuthenticatorAdmin), (StaticDevice, BackupCodesAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
