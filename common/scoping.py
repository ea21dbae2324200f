"""Scoping by construction: every tenant-owned model's default manager answers `for_actor(actor, action)`, the rows
the acting person may see (or act on) for that action, as NetBox's `RestrictedQuerySet.restrict(user, action)`
does. Views, the API and forms start their reads of tenant data there, so another organisation's object is never
found: it answers 404.

A model's queryset names its actions by methods `_restrict_<action>(self, actor)`; any other action is a
programming error (ValueError), and no actor (nobody signed in) sees nothing.
"""

from django.db import models

__all__ = ["ScopedQuerySet"]

_PREFIX = "_restrict_"


class ScopedQuerySet(models.QuerySet):
    def for_actor(self, actor, action="view"):
        """The rows of this queryset that `actor` (a zones.tenancy.Actor) may see for `action`."""
        restrict = getattr(self, f"{_PREFIX}{action}", None) if isinstance(action, str) else None
        if restrict is None:
            raise ValueError(f"unknown action {action!r} for {self.model._meta.label}: one of {self.actions()}")
        if actor is None:
            return self.none()
        return restrict(actor)

    @classmethod
    def actions(cls):
        """The actions this queryset knows, e.g. ["manage", "view"]."""
        return sorted(name.removeprefix(_PREFIX) for name in dir(cls) if name.startswith(_PREFIX))

    def _scoped_related(self, field, actor, action="view"):
        """Rows whose `field` points at a row the actor may see for `action` (the related model's own scoping)."""
        related = self.model._meta.get_field(field).related_model
        return self.filter(**{f"{field}__in": related._default_manager.for_actor(actor, action).values("pk")})
