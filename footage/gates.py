"""The live and playback gates, registered with the video plane at start-up (FootageConfig.ready): the media
gateway's hook and the HLS views ask them whether a token may receive a camera's video now."""

import logging
import threading
import uuid

from django.db import DatabaseError

from footage import live, playback
from footage.models import GatewayConnection
from media.gates import register_gate

__all__ = ["register_gates", "remember_connection"]

log = logging.getLogger(__name__)

# Gateway ids already written, so that a connection re-checked on every segment costs one set lookup.
_remembered = set()
_remembered_lock = threading.Lock()


def remember_connection(answer, *, gateway_id, protocol):
    """Note once which gateway connection a live session was let through for (its kick list when it ends)."""
    session_id = answer.session_id
    if not gateway_id or session_id is None:
        return
    try:
        gateway_id = str(uuid.UUID(gateway_id))
    except ValueError:
        return
    key = (session_id, gateway_id)
    with _remembered_lock:
        if key in _remembered:
            return
    try:
        GatewayConnection.objects.bulk_create(
            [GatewayConnection(session_id=session_id, gateway_id=gateway_id, protocol=(protocol or "")[:10])],
            ignore_conflicts=True,
        )
    except DatabaseError:  # the viewer is still let through; the token-in-query fallback may find them
        log.exception("Could not remember gateway connection %s of live session %s", gateway_id, session_id)
        return
    with _remembered_lock:
        if len(_remembered) > 100_000:
            _remembered.clear()
        _remembered.add(key)


def register_gates():
    # Only live sessions are dropped through the gateway's control API, so only they remember their connections.
    register_gate("read", live.gate, admitted=remember_connection)
    # A production MediaMTX asks for recorded footage through the hook too (action `playback`, path `cam/<id>`).
    register_gate("playback", playback.gate)
