"""Who is acting, for which organisation, with which roles: the context every selector restricts by."""

from dataclasses import dataclass, field

from zones.models import Membership, Organisation, Role

__all__ = ["ACTIVE_ORGANISATION_SESSION_KEY", "Actor", "active_memberships", "actor_for"]

ACTIVE_ORGANISATION_SESSION_KEY = "active_organisation_id"


@dataclass(frozen=True)
class Actor:
    """A person acting for one organisation, with the roles they hold there."""

    user: object
    organisation: Organisation
    roles: frozenset = field(default_factory=frozenset)
    memberships: tuple = ()

    def has_role(self, *roles):
        return bool(self.roles.intersection(roles))

    @property
    def is_platform_admin(self):
        return Role.PLATFORM_ADMIN in self.roles

    @property
    def is_supervisor(self):
        return Role.SUPERVISOR in self.roles


def active_memberships(user):
    """Memberships that currently give a person rights: theirs, active, in an active organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation", "municipality")
        .order_by("organisation__code", "role")
    )


def actor_for(user, organisation_id):
    """The actor for this user in that organisation, or None if they hold no active membership there."""
    if organisation_id is None:
        return None
    memberships = tuple(m for m in active_memberships(user) if m.organisation_id == organisation_id)
    if not memberships:
        return None
    return Actor(
        user=user,
        organisation=memberships[0].organisation,
        roles=frozenset(m.role for m in memberships),
        memberships=memberships,
    )
