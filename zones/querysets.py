"""What an actor may see of the tenants themselves: organisations, municipalities, memberships, API tokens and
notifications (common.scoping: `Model.objects.for_actor(actor, action)`)."""

from django.db.models import Q
from django.utils import timezone

from common.scoping import ScopedQuerySet
from zones.roles import Role

__all__ = [
    "ApiTokenQuerySet",
    "MembershipQuerySet",
    "MunicipalityQuerySet",
    "NotificationQuerySet",
    "OrganisationQuerySet",
]


def _is_chief(actor):
    return actor.has_role(Role.CHIEF)


class OrganisationQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The organisations the person belongs to (through an active membership)."""
        return self.filter(is_active=True, memberships__user=actor.user, memberships__is_active=True).distinct()

    def _restrict_counterpart(self, actor):
        """The organisations the actor's organisation may name as the other party of a convention: every active
        organisation but itself and the supervisory body."""
        return self.filter(is_active=True).exclude(kind=self.model.Kind.SUPERVISOR).exclude(pk=actor.organisation.pk)


class MunicipalityQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The 19 municipalities are public reference data: every signed-in person may read them."""
        return self.all()


class MembershipQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The person's own memberships, plus, for the chief, every membership of the active organisation."""
        if _is_chief(actor):
            return self.filter(Q(organisation=actor.organisation) | Q(user=actor.user))
        return self.filter(user=actor.user)

    def _restrict_manage(self, actor):
        """Only memberships of the active organisation, and only for its chief."""
        return self.filter(organisation=actor.organisation) if _is_chief(actor) else self.none()


class ApiTokenQuerySet(ScopedQuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def owned_by(self, user):
        """A person's own tokens, whatever organisation each is bound to."""
        return self.filter(user=user)

    def _restrict_view(self, actor):
        """A person sees (and revokes) only their own API tokens, whatever organisation they are bound to."""
        return self.owned_by(actor.user)

    _restrict_manage = _restrict_view


class NotificationQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The person's notifications for the organisation they work for."""
        return self.filter(recipient=actor.user, organisation=actor.organisation)
