"""What an actor may see of the conventions (common.scoping: `Model.objects.for_actor(actor, action)`): the two
parties read a convention with its versions, signatures and history (every role of theirs, read-only except the
chiefs' actions, which the services check); the supervisory body reads every convention."""

from django.db.models import Q

from common.scoping import ScopedQuerySet
from zones.models import Role

__all__ = ["ConventionPartQuerySet", "ConventionQuerySet", "DeclaredIncidentQuerySet", "SignatureQuerySet"]


class ConventionQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        if actor.has_role(Role.SUPERVISOR):
            return self.all()
        return self.filter(Q(provider=actor.organisation) | Q(consumer=actor.organisation))


class ConventionPartQuerySet(ScopedQuerySet):
    """Versions and events: those of the conventions the actor reads."""

    def _restrict_view(self, actor):
        return self._scoped_related("convention", actor)


class SignatureQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The signatures of the versions the actor reads."""
        return self._scoped_related("version", actor)


class DeclaredIncidentQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The incidents the actor's organisation declared; the supervisory body reads every one."""
        if actor.has_role(Role.SUPERVISOR):
            return self.all()
        return self.filter(organisation=actor.organisation)
