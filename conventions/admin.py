"""Sharing conventions, read-only for the platform administrator. An agreement changes only through its services:
versions freeze when proposed, signatures cover their exact wording, every step is an event and moves the policy
generation. An edit here would bypass all of that, so the admin shows and changes nothing."""

from django.contrib import admin
from django.db.models import Prefetch

from cameras.models import Camera
from common.admin import ReadOnlyAdmin
from conventions.models import (
    Convention,
    ConventionEvent,
    ConventionVersion,
    DeclaredIncident,
    PolicyGeneration,
    Signature,
    SigningKey,
)


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "provider", "consumer", "created_at", "suspended_at", "terminated_at"]
    list_filter = ["provider", "consumer"]
    list_select_related = ["provider", "consumer"]
    search_fields = ["reference", "title"]


@admin.register(ConventionVersion)
class ConventionVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "valid_from", "valid_until", "activated_at"]
    list_filter = ["status"]
    list_select_related = ["convention"]
    search_fields = ["convention__reference", "convention__title"]
    detail_prefetch = (Prefetch("cameras", queryset=Camera.objects.select_related("owner")), "groups__owner")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["version", "party", "organisation", "signer_name", "signed_at"]
    list_filter = ["party", "organisation"]
    list_select_related = ["version__convention", "organisation"]
    search_fields = ["version__convention__reference", "signer_name"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["user", "fingerprint", "created_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "fingerprint"]
    secret_fields = ("private_key_encrypted",)


@admin.register(DeclaredIncident)
class DeclaredIncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "started_at", "ended_at"]
    list_filter = ["organisation"]
    list_select_related = ["organisation"]
    search_fields = ["title"]


@admin.register(ConventionEvent)
class ConventionEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "convention", "action", "actor_name", "organisation_code", "reason"]
    list_filter = ["action"]
    list_select_related = ["convention"]
    search_fields = ["convention__reference", "actor_name"]


@admin.register(PolicyGeneration)
class PolicyGenerationAdmin(ReadOnlyAdmin):
    list_display = ["name", "value"]
