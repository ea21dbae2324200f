"""The rules of live viewing beyond the access decision: how many of a consumer's people may watch one shared camera
at once, and who may end someone else's live view of a camera."""

from conventions.models import ConventionVersion
from zones.models import Role

__all__ = ["LIVE_VIEW_ENDERS", "may_end_live_view", "viewer_limit", "viewer_limit_reached"]

LIVE_VIEW_ENDERS = frozenset({Role.CHIEF, Role.OPERATOR})  # of the camera owner


def viewer_limit(decision):
    """How many of the consumer's people may watch the camera at once under the convention that allowed the
    decision; None for one's own cameras (no convention caps them)."""
    if not decision.convention_version_id:
        return None
    return ConventionVersion.objects.values_list("max_concurrent_viewers", flat=True).get(
        pk=decision.convention_version_id
    )


def viewer_limit_reached(decision, *, others_watching):
    """`others_watching()`: how many of the consumer's other people watch the camera now (asked only when a
    convention caps them)."""
    limit = viewer_limit(decision)
    return limit is not None and others_watching() >= limit


def may_end_live_view(actor, camera):
    """The camera owner's chief or operators cut someone's live view of their camera."""
    return actor is not None and camera.owner_id == actor.organisation.pk and actor.has_role(*LIVE_VIEW_ENDERS)
