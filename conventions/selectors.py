"""Reads of conventions, restricted to the two parties (every role of theirs, read-only except chiefs' actions)
and to the supervisory body, which reads every convention."""

from django.shortcuts import get_object_or_404

from cameras.models import Camera
from conventions.models import Convention, Signature, SigningKey
from conventions.scope import scope_q
from zones.models import Membership, Organisation, Role

__all__ = ["cameras_in_scope", "convention_get", "convention_list", "published_signing_keys"]


def convention_list(*, actor):
    conventions = Convention.objects.for_actor(actor, "view")
    return conventions.select_related("provider", "consumer").prefetch_related("versions")


def convention_get(*, actor, pk):
    return get_object_or_404(convention_list(actor=actor), pk=pk)


def cameras_in_scope(version):
    """The provider's cameras a version covers today (the rule of conventions.scope). Whoever reads the version
    (found through convention_get: the parties and the supervisory body) may know its scope, drafts included."""
    return Camera.objects.filter(scope_q(version))


def published_signing_keys():
    """Every person's published public key with the organisations it signs for (those it signed for, and those
    whose chief holds it), so that anyone signed in can check a signature: public keys are not tenant data."""
    keys = SigningKey.objects.select_related("user").order_by("user__last_name", "user__first_name", "-created_at")
    signed_for = set(Signature.objects.values_list("key_id", "organisation_id").distinct())
    chief_of = set(
        Membership.objects.filter(role=Role.CHIEF, is_active=True, user__signing_keys__isnull=False)
        .values_list("user_id", "organisation_id")
        .distinct()
    )
    organisations = Organisation.objects.in_bulk({org for _, org in signed_for | chief_of})
    rows = []
    for key in keys:
        ids = {org for key_id, org in signed_for if key_id == key.pk} | {
            org for user_id, org in chief_of if user_id == key.user_id
        }
        rows.append({"key": key, "organisations": sorted((organisations[i] for i in ids), key=lambda o: o.code)})
    return rows


# --- Live sessions ----------------------------------------------------------------------------------------------


# --- Footage requests and evidence exports ------------------------------------------------------------------------
