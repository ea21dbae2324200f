"""What an actor may see or manage of the camera catalogue (common.scoping: `Model.objects.for_actor(actor, action)`).

view: the cameras of the actor's organisation, and other owners' cameras while an active sharing convention shares
them (conventions registers the answer in cameras.sharing; the catalogue does not know conventions).
manage: the chief's whole catalogue, or the cameras of the groups delegated to the person (django-guardian's direct
per-object table, never a global permission).
"""

from django.db.models import Q

from cameras.sharing import shared_cameras_q
from common.scoping import ScopedQuerySet
from zones.models import Role

__all__ = ["APPROVE_GROUP", "MANAGE_GROUP", "CameraGroupQuerySet", "CameraQuerySet", "DelegationQuerySet"]

# The two rights a chief delegates per camera group (CameraGroup.Meta.permissions).
MANAGE_GROUP = "manage_group_cameras"
APPROVE_GROUP = "approve_group_requests"


class CameraQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        own = Q(owner=actor.organisation)
        shared = shared_cameras_q(actor)  # other owners' cameras exactly while an active convention shares them
        return self.filter(own | shared if shared is not None else own)

    def _restrict_manage(self, actor):
        own = self.filter(owner=actor.organisation)
        if actor.has_role(Role.CHIEF):
            return own
        group_model = self.model._meta.get_field("groups").related_model  # CameraGroup
        groups = group_model.objects.delegated_to(user=actor.user, codename=MANAGE_GROUP, owner=actor.organisation)
        return own.filter(groups__in=groups).distinct()


class CameraGroupQuerySet(ScopedQuerySet):
    def delegated_to(self, *, user, codename, owner=None):
        """Groups on which the person holds this delegated right (django-guardian's direct table)."""
        # guardian's direct per-object table for groups (CameraGroupUserObjectPermission)
        delegations = self.model._meta.get_field("cameragroupuserobjectpermission").related_model
        group_ids = delegations.objects.filter(user=user, permission__codename=codename).values("content_object_id")
        groups = self.filter(pk__in=group_ids)
        return groups.filter(owner=owner) if owner is not None else groups

    def _restrict_view(self, actor):
        """The groups of the actor's organisation."""
        return self.filter(owner=actor.organisation)

    def _restrict_manage(self, actor):
        """The chief's every group; the groups on which the chief delegated their management to the person."""
        groups = self.filter(owner=actor.organisation)
        if actor.has_role(Role.CHIEF):
            return groups
        delegated = self.model._default_manager.delegated_to(user=actor.user, codename=MANAGE_GROUP)
        return groups.filter(pk__in=delegated.values("pk"))


class DelegationQuerySet(ScopedQuerySet):
    """Rows of django-guardian's direct per-group tables: the delegations on the actor's organisation's groups,
    which only its chief sees and manages."""

    def _restrict_view(self, actor):
        if not actor.has_role(Role.CHIEF):
            return self.none()
        return self.filter(content_object__owner=actor.organisation)

    _restrict_manage = _restrict_view
