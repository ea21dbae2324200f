"""The one entry point through which every part of the portal writes the access log.

Callers describe what happened; this module decides how it is stored (the access-log issue adds the hash chain
and append-only storage behind the same call). If the entry cannot be written, AccessLogUnavailable is raised
and the caller must refuse the access it describes (fail closed).
"""

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from audit.chain import append
from audit.details import InvalidDetails, storable_details
from audit.models import AccessAction, AccessLogEntry
from common.client_address import client_address
from common.request_ids import safe_request_id

__all__ = [
    "PLATFORM_CHAIN",
    "AccessAction",
    "AccessLogUnavailable",
    "AccessRecord",
    "normal_address",
    "record_access",
]

PLATFORM_CHAIN = "PLATFORM"  # platform-level events (sign-ins, memberships) that no camera owner controls


class AccessLogUnavailable(Exception):
    """The access log refused the entry: the access it describes must not happen."""


@dataclass
class AccessRecord:
    action: str
    controller: object  # the camera owner (Organisation), or None for platform-level events
    actor: object = None  # User or None (Celery work, anonymous attempts)
    actor_organisation: object = None
    cameras: list = field(default_factory=list)
    window_start: datetime | None = None
    window_end: datetime | None = None
    mode: str = ""
    purpose: str = ""
    justification: str = ""
    case_reference: str = ""
    prosecutor_reference: str = ""
    recipient: object = None
    convention_version: object = None
    decision: str = ""
    reason: str = ""
    request: object = None
    details: dict = field(default_factory=dict)
    occurred_at: datetime | None = None
    source_address: str | None = None  # when there is no request (an entry written later on a request's behalf)


def normal_address(value):
    """An IP address spelled as PostgreSQL's inet type spells it (lower case, zeros compressed, an IPv4 address
    embedded in IPv6 in dotted form), so the hashed body matches the stored row; None if it is not an address.
    The entry hash covers the address: hashing "2001:DB8::A" while the database keeps "2001:db8::a" would make an
    intact entry look altered."""
    try:
        address = ipaddress.ip_address(str(value).strip().split("%")[0])  # no IPv6 zone: inet has none
    except ValueError:
        return None
    if address.version == 6:
        words = [int.from_bytes(address.packed[i : i + 2], "big") for i in range(0, 16, 2)]
        if not any(words[:5]) and (words[5] == 0xFFFF or (words[5] == 0 and words[6])):
            return ("::ffff:" if words[5] else "::") + str(ipaddress.IPv4Address(address.packed[12:]))
    return str(address)


def _request_facts(request):
    if request is None:
        return "", None, ""
    meta = getattr(request, "META", {})
    # The id the portal gave the request (common.request_ids); a caller's own only in the safe shape, never verbatim.
    request_id = getattr(request, "request_id", "") or safe_request_id(meta.get("HTTP_X_REQUEST_ID"))
    address = client_address(request) if hasattr(request, "META") else None
    return request_id[:64], normal_address(address) if address else None, meta.get("HTTP_USER_AGENT", "")[:300]


def record_access(record: AccessRecord) -> AccessLogEntry:
    """Write one access-log entry. Inside the caller's transaction it is part of that transaction, in a savepoint
    so that a refusal leaves the caller's transaction usable; outside any transaction on PostgreSQL it is a single
    statement committed on its own (audit_append links and inserts it). Details the log could not store unchanged
    (audit.details: NaN, a NUL character, a key that is not a string...) are refused like an unwritable log."""
    try:
        details = storable_details(record.details)
    except InvalidDetails as exc:
        raise AccessLogUnavailable(f"the entry's details cannot be stored unchanged: {exc}") from exc
    request_id, address, agent = _request_facts(record.request)
    if record.source_address:
        address = normal_address(record.source_address)
    version = record.convention_version
    controller = record.controller
    code = controller.code if controller else PLATFORM_CHAIN
    entry = AccessLogEntry(
        chain=code,
        occurred_at=record.occurred_at or timezone.now(),
        controller=controller,
        controller_code=code,
        action=record.action,
        actor_id=getattr(record.actor, "pk", None),
        actor_name=str(record.actor) if record.actor else "",
        actor_organisation_code=record.actor_organisation.code if record.actor_organisation else "",
        camera_ids=[camera.pk for camera in record.cameras],
        camera_names=[camera.name for camera in record.cameras],
        window_start=record.window_start,
        window_end=record.window_end,
        mode=record.mode,
        purpose=record.purpose,
        justification=record.justification,
        case_reference=record.case_reference,
        prosecutor_reference=record.prosecutor_reference,
        recipient_code=record.recipient.code if record.recipient else "",
        convention_reference=version.convention.reference if version else "",
        convention_version=version.number if version else None,
        decision=record.decision,
        reason=record.reason,
        request_id=request_id,
        source_address=address,
        user_agent=agent,
        details=details,
    )
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            return append(entry)  # autocommit: one statement, its own transaction
        with transaction.atomic():
            return append(entry)
    except DatabaseError as exc:
        raise AccessLogUnavailable(str(exc)) from exc
