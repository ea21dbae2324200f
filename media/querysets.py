"""What an actor may see of the video plane's rows (common.scoping: `Model.objects.for_actor(actor, action)`): the
relay's and the recorder's state, recorded segments and legal holds of a camera are its owner's business; no page
shows them to another organisation (footage reaches a consumer only through a live session or a footage request)."""

from common.scoping import ScopedQuerySet

__all__ = ["CameraOwnedQuerySet"]


class CameraOwnedQuerySet(ScopedQuerySet):
    def _restrict_view(self, actor):
        """The rows of the actor's organisation's own cameras."""
        return self.filter(camera__owner=actor.organisation)
