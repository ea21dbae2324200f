"""Reads of tenant data, always restricted to what the acting person may see.

An object outside the restriction does not exist for the caller: views turn that into a 404.
"""

from django.shortcuts import get_object_or_404

from zones.models import ApiToken, Membership, Municipality, Organisation

__all__ = [
    "api_token_list",
    "membership_get",
    "membership_list",
    "municipality_list",
    "organisation_list",
]


def organisation_list(*, actor):
    """The organisations the person belongs to (through an active membership)."""
    return Organisation.objects.for_actor(actor, "view")


def municipality_list(*, actor):
    """The 19 municipalities are public reference data: every signed-in person may read them."""
    return Municipality.objects.for_actor(actor, "view").select_related("zone")


def membership_list(*, actor, action="view"):
    """Memberships visible to the actor.

    view: the person's own memberships, plus, for the chief, every membership of the active organisation.
    manage: only memberships of the active organisation, and only for its chief.
    """
    return Membership.objects.for_actor(actor, action).select_related("user", "organisation", "municipality")


def membership_get(*, actor, pk, action="view"):
    return get_object_or_404(membership_list(actor=actor, action=action), pk=pk)


def api_token_list(*, user):
    """A person sees only their own API tokens, whatever organisation they are bound to."""
    return ApiToken.objects.owned_by(user).select_related("organisation")
