"""The chief's to-do panel on the dashboard: conventions awaiting their signature, those ending within 30 days and
those suspended, each linking to its page (registered with zones.dashboard by ConventionsConfig.ready)."""

from datetime import timedelta

from django.utils import timezone

from conventions.policy import convention_actions, convention_state
from conventions.selectors import convention_list
from zones.models import Role

__all__ = ["EXPIRING_WITHIN", "conventions_panel"]

EXPIRING_WITHIN = timedelta(days=30)
SHOWN = 10


def conventions_panel(actor):
    """For a chief: {to_sign, expiring, suspended, active_count}; None for any other role."""
    if not actor.has_role(Role.CHIEF):
        return None
    now = timezone.now()
    to_sign, expiring, suspended, active = [], [], [], 0
    conventions = convention_list(actor=actor).filter(terminated_at__isnull=True).select_related("provider", "consumer")
    for convention in conventions.prefetch_related("versions").order_by("-created_at"):
        state = convention_state(convention, now)
        if state.latest is not None and convention_actions(actor, convention, at=now).may("sign", state.latest):
            to_sign.append({"convention": convention, "version": state.latest})
        if state.code == "suspended":
            suspended.append({"convention": convention, "since": convention.suspended_at})
        if state.code == "active":
            active += 1
            until = state.in_force.valid_until
            if until is not None and until - now <= EXPIRING_WITHIN:
                expiring.append({"convention": convention, "until": until})
    expiring.sort(key=lambda row: row["until"])
    return {
        "to_sign": to_sign[:SHOWN], "to_sign_count": len(to_sign), "expiring": expiring[:SHOWN],
        "suspended": suspended[:SHOWN], "active_count": active,
    }  # fmt: skip
