"""The vocabulary of access decisions: the machine-readable reasons and the decision itself."""

from dataclasses import dataclass, field

__all__ = ["AccessDecision", "Reason"]


class Reason:
    """Machine-readable reasons, ordered roughly by how far the request got."""

    OWN_CAMERA = "own_camera"
    CONVENTION = "convention"
    BREAK_GLASS = "break_glass"
    UNKNOWN_PURPOSE = "unknown_purpose"
    UNKNOWN_MODE = "unknown_mode"
    WINDOW_REQUIRED = "window_required"
    INVALID_WINDOW = "invalid_window"
    NO_ROLE = "no_role"
    RETENTION_EXCEEDED = "retention_exceeded"
    ADMINISTRATIVE_WINDOW_EXCEEDED = "administrative_window_exceeded"
    PROSECUTOR_DECISION_REQUIRED = "prosecutor_decision_required"
    NO_CONVENTION = "no_convention"
    CONVENTION_SUSPENDED = "convention_suspended"
    OUTSIDE_VALIDITY = "outside_validity"
    CAMERA_OUT_OF_SCOPE = "camera_out_of_scope"
    MODE_NOT_ALLOWED = "mode_not_allowed"
    PURPOSE_NOT_ALLOWED = "purpose_not_allowed"
    LOOKBACK_EXCEEDED = "lookback_exceeded"
    OUTSIDE_SCHEDULE = "outside_schedule"
    NO_DECLARED_INCIDENT = "no_declared_incident"
    BREAK_GLASS_NOT_ALLOWED = "break_glass_not_allowed"
    AUDIT_UNAVAILABLE = "audit_unavailable"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reason: str
    convention_version_id: int | None = None
    convention_reference: str = ""
    convention_version_number: int | None = None
    conditions: dict = field(default_factory=dict)
    log_entry_id: int | None = None  # set by decide(): the access-log entry that records it

    def __bool__(self):
        return self.allowed
