"""The policy: every "may this person do this now?" of the portal, in one package (DESIGN.md §3).

- decision.py   the access decision every access to footage passes: decide() (logged) and evaluate() (preview)
- legal.py      the legal rules: retention, the administrative reach of police footage, the prosecutor's decision
                a judicial request needs after the first month, justification
- agreements.py a convention's state and which action each state allows to whom (sign, suspend, amend, ...)
- requests.py   footage requests: still granted, who approves, the request page's actions
- live.py       live viewing: viewer limits, who ends someone else's view
- holds.py      legal holds: who places and releases them, how far they reach
- logs.py       who reads which access-log chain and the transparency reports
- reasons.py    the decisions' vocabulary (Reason, AccessDecision)

Pages, the API, tasks and the media gates ask these functions; none re-derives a rule.
"""

from conventions.policy.agreements import (
    ConventionActions,
    ConventionState,
    convention_action_refusal,
    convention_actions,
    convention_state,
    draft_refusal,
)
from conventions.policy.decision import (
    OWN_CAMERA_MODES,
    SHARED_CAMERA_ROLES,
    _cache,  # noqa: F401 - tests reset the compiled conventions through it
    cameras_shared_with,
    decide,
    evaluate,
    policy_generation,
    shared_camera_ids,
    shared_cameras_q,
)
from conventions.policy.holds import HOLD_ROLES, MAX_HOLD_CAMERAS, MAX_HOLD_WINDOW, may_manage_holds
from conventions.policy.legal import ADMINISTRATIVE_REACH_DAYS, clean_justification
from conventions.policy.live import may_end_live_view, viewer_limit_reached
from conventions.policy.logs import ALL_CHAINS, can_read_log, can_read_reports, readable_chains
from conventions.policy.reasons import AccessDecision, Reason
from conventions.policy.requests import (
    GRANTED,
    RequestActions,
    approvers_of,
    is_approver_for,
    may_decide,
    may_review_break_glass,
    request_actions,
    request_lapsed_reason,
    request_still_granted,
)

__all__ = [
    "ADMINISTRATIVE_REACH_DAYS",
    "ALL_CHAINS",
    "GRANTED",
    "HOLD_ROLES",
    "MAX_HOLD_CAMERAS",
    "MAX_HOLD_WINDOW",
    "OWN_CAMERA_MODES",
    "SHARED_CAMERA_ROLES",
    "AccessDecision",
    "ConventionActions",
    "ConventionState",
    "Reason",
    "RequestActions",
    "approvers_of",
    "cameras_shared_with",
    "can_read_log",
    "can_read_reports",
    "clean_justification",
    "convention_action_refusal",
    "convention_actions",
    "convention_state",
    "decide",
    "draft_refusal",
    "evaluate",
    "is_approver_for",
    "may_decide",
    "may_end_live_view",
    "may_manage_holds",
    "may_review_break_glass",
    "policy_generation",
    "readable_chains",
    "request_actions",
    "request_lapsed_reason",
    "request_still_granted",
    "shared_camera_ids",
    "shared_cameras_q",
    "viewer_limit_reached",
]
