"""Legal holds: who keeps footage past its retention for a case, and for how long a hold may reach.

- the chief, an approver or the DPO of the camera's owner places a hold on its own cameras, and releases one;
- nobody else (another organisation, an operator, a mayor) sees or touches the owner's holds;
- a hold covers at most MAX_HOLD_DAYS of footage per camera, and at most MAX_HOLD_CAMERAS cameras at once.
"""

from datetime import timedelta

from zones.models import Role

__all__ = ["HOLD_ROLES", "MAX_HOLD_CAMERAS", "MAX_HOLD_WINDOW", "may_manage_holds"]

HOLD_ROLES = frozenset({Role.CHIEF, Role.APPROVER, Role.DPO})
MAX_HOLD_WINDOW = timedelta(days=366)
MAX_HOLD_CAMERAS = 50


def may_manage_holds(actor):
    """May this person place and release legal holds on their organisation's cameras?"""
    return actor is not None and actor.has_role(*HOLD_ROLES)
