"""What an actor may see of the footage handed to people (common.scoping: `Model.objects.for_actor(actor,
action)`): live sessions, gateway connections, footage requests, approvals, evidence exports and playback keys are
read only by the parties, the viewer's or requester's organisation and the camera owner's roles that answer for
them."""

from django.db.models import Q

from cameras.models import Camera, CameraGroup
from cameras.querysets import APPROVE_GROUP
from common.scoping import ScopedQuerySet
from conventions.policy import may_decide
from conventions.policy.requests import REVIEWERS
from zones.models import Role

__all__ = [
    "OWNER_SIDE_ROLES",
    "OWNER_SIDE_READERS",
    "REQUESTER_SIDE_READERS",
    "FootageRequestQuerySet",
    "LiveSessionQuerySet",
    "RequestPartQuerySet",
    "SessionPartQuerySet",
    "ViewerSideQuerySet",
]

# Who reads the open sessions on their organisation's cameras: those who may cut them, and the DPO.
OWNER_SIDE_ROLES = {Role.CHIEF, Role.OPERATOR, Role.DPO}
# Who reads every request of the requesting organisation, and every request made to the owner.
REQUESTER_SIDE_READERS = {Role.CHIEF, Role.DPO}
OWNER_SIDE_READERS = {Role.CHIEF, Role.DPO, Role.APPROVER}


class ViewerSideQuerySet(ScopedQuerySet):
    """Live sessions and playback keys. view: the viewer's own for the acting organisation; its chief reads every
    one of the organisation."""

    def _restrict_view(self, actor):
        rows = self.filter(organisation=actor.organisation)
        return rows if actor.has_role(Role.CHIEF) else rows.filter(user=actor.user)


class LiveSessionQuerySet(ViewerSideQuerySet):
    def _restrict_owner(self, actor):
        """Sessions of anyone on the acting organisation's cameras, for the owner side (its chief and operators, who
        may cut them, and its DPO); nothing for other roles."""
        if not actor.roles & OWNER_SIDE_ROLES:
            return self.none()
        return self.filter(camera__owner=actor.organisation)


class SessionPartQuerySet(ScopedQuerySet):
    """Gateway connections: those of the live sessions the actor reads."""

    def _restrict_view(self, actor):
        return self._scoped_related("session", actor)


def _delegated_camera_ids(actor):
    """Cameras of the acting organisation whose requests the person may decide by delegation of the chief: those of
    the groups on which they hold cameras.approve_group_requests (the acting organisation's chief grants it on the
    camera groups page; an actor always holds an active membership there)."""
    groups = CameraGroup.objects.delegated_to(user=actor.user, codename=APPROVE_GROUP, owner=actor.organisation)
    return Camera.objects.filter(owner=actor.organisation, groups__in=groups.values("pk")).values("pk")


class FootageRequestQuerySet(ScopedQuerySet):
    def _requested_by(self, actor):
        """Requests made by the acting organisation: the requester's own; its chief and DPO read them all."""
        requests = self.filter(organisation=actor.organisation)
        if actor.roles & REQUESTER_SIDE_READERS:
            return requests
        return requests.filter(requester=actor.user)

    def _made_to(self, actor):
        """Requests made to the acting organisation that the person reads: chief, DPO and approvers all of them,
        a delegate those touching the cameras of their delegated groups."""
        requests = self.filter(owner=actor.organisation)
        if actor.roles & OWNER_SIDE_READERS:
            return requests
        return requests.filter(cameras__in=_delegated_camera_ids(actor)).distinct()

    def _restrict_view(self, actor):
        """Every request the person may read: made by their organisation or to it."""
        every = self.model._default_manager.all()
        mine = every._requested_by(actor).values("pk")
        to_us = every._made_to(actor).values("pk")
        return self.filter(Q(pk__in=mine) | Q(pk__in=to_us))

    def _restrict_decide(self, actor):
        """Waiting requests to the acting organisation on which the person may decide now: the policy's may_decide
        (an approver, or a delegate whose groups cover every camera; never their own, never twice), asked for each
        waiting request of the organisation the person has not decided on yet."""
        waiting = (
            self.filter(owner=actor.organisation, status=self.model.Status.SUBMITTED)
            .exclude(requester=actor.user)
            .exclude(approvals__approver=actor.user)
        )
        if not (actor.has_role(Role.APPROVER) or _delegated_camera_ids(actor).exists()):
            return self.none()
        return self.filter(pk__in=[item.pk for item in waiting if may_decide(actor, item)])

    def _restrict_review(self, actor):
        """Break-glass uses of the acting organisation's cameras still waiting for the review of its chief or DPO."""
        if not actor.has_role(*REVIEWERS):
            return self.none()
        return self.filter(owner=actor.organisation, review_due_at__isnull=False, reviewed_at__isnull=True)


class RequestPartQuerySet(ScopedQuerySet):
    """Approvals and evidence exports: those of the requests the person reads."""

    def _restrict_view(self, actor):
        return self._scoped_related("request", actor)
