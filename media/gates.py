"""The gates of the video plane: may the holder of a token receive this camera's video now?

The apps that hand footage to people register one gate per viewing action at start-up ("read": live viewing,
"playback": recorded footage); the gateway hook and the HLS views ask them, and the video plane imports none of
those apps. An action without a gate is refused."""

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Gate", "GateAnswer", "ask", "gate_for", "register_gate"]


@dataclass(frozen=True)
class GateAnswer:
    allowed: bool
    status: int  # 200, 401 (no or unknown token) or 403 (known but refused)
    reason: str
    session_id: int | None = None
    camera_id: int | None = None
    expires_at: object = None


@dataclass(frozen=True)
class Gate:
    check: Callable[..., GateAnswer]  # check(token=, camera_id=, action=) -> GateAnswer
    # Told about each connection the gateway hook let through (its MediaMTX id), so that the gate's owner can have
    # exactly that viewer dropped later; optional.
    admitted: Callable[..., None] | None = None  # admitted(answer, gateway_id=, protocol=)


_GATES: dict[str, Gate] = {}


def register_gate(action, check, *, admitted=None):
    """Let `check` answer for `action` (replacing any earlier gate for it)."""
    _GATES[action] = Gate(check=check, admitted=admitted)


def gate_for(action):
    """The gate registered for `action`, or None."""
    return _GATES.get(action)


def ask(action, *, token, camera_id=None):
    """The registered gate's answer; a refusal when no gate is registered for `action`."""
    gate = _GATES.get(action)
    if gate is None:
        return GateAnswer(False, 403, f"{action}_not_granted")
    return gate.check(token=token, camera_id=camera_id, action=action)
