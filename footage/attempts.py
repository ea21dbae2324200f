"""Attempts on cameras a person cannot see any more are logged too.

A camera no convention shares with the person's organisation now (its convention was suspended, expired or
terminated, or it was never shared) is not offered, and a page or the API answers as if it did not exist. The
attempt is still an attempt: each such camera named in a submitted live start or footage request is decided, so
the owner's chain holds a denied entry with the policy's reason (convention suspended, outside validity, no
convention...). Previews and searches log nothing, as elsewhere."""

from audit.access import AccessLogUnavailable
from cameras.models import Camera
from conventions.models import Mode, Purpose
from conventions.policy import decide

__all__ = ["log_attempts_on_unseen_cameras"]

MAX_LOGGED = 50  # one submission names at most a wall or a request's worth of cameras; more is not an attempt


def log_attempts_on_unseen_cameras(*, actor, camera_ids, seen, mode, purpose, justification="", case_reference="",
                                   window_start=None, window_end=None, request=None):  # fmt: skip
    """Decide (and so log) each camera of another owner named in `camera_ids` but not among `seen` (the ids the
    person may see). Returns how many attempts were logged; a log outage refuses anyway and logs nothing."""
    if purpose not in Purpose.values or mode not in Mode.values:
        return 0  # a malformed submission is refused as such; there is no attempt to decide
    unseen = [pk for pk in dict.fromkeys(camera_ids) if pk not in set(seen)][:MAX_LOGGED]
    cameras = Camera.objects.filter(pk__in=unseen).exclude(owner=actor.organisation).select_related("owner")
    logged = 0
    for camera in cameras.order_by("pk"):
        try:
            decide(actor=actor, camera=camera, mode=mode, purpose=purpose, justification=justification,
                   case_reference=case_reference, window_start=window_start, window_end=window_end,
                   request=request)  # fmt: skip
        except AccessLogUnavailable:
            return logged
        logged += 1
    return logged
