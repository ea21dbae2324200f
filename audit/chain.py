"""Hash chains of the access log: canonical form, appending, verification, signed heads.

The hash rule (also in the README, "Access log"): an entry's hash is

    SHA-256( previous_hash + "\\n" + sequence + "\\n" + body )

where previous_hash is the hex hash of the entry before it in its chain (GENESIS for the first), sequence the
entry's decimal position in the chain, and body the canonical JSON of the entry's other hashed fields
(BODY_FIELDS): sorted keys, no whitespace, UTF-8 without escaping, times as UTC ISO 8601. The body does not depend
on the chain position, so a writer computes it before it knows the position; on PostgreSQL the database links it
(the function `audit_append`, one statement per entry, installed by migration 0004).
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AccessLogEntry, ChainHead, ChainVerification, SignedHead

__all__ = [
    "BODY_FIELDS", "GENESIS", "append", "canonical_body", "entry_digest", "link_digest", "platform_key",
    "sign_heads", "verify_chain",
]  # fmt: skip

GENESIS = "0" * 64
# The fields an entry's body covers (the chain links, previous hash and sequence, are added around it).
BODY_FIELDS = sorted([
    "chain", "occurred_at", "controller_code", "action", "actor_id", "actor_name",
    "actor_organisation_code", "camera_ids", "camera_names", "window_start", "window_end", "mode", "purpose",
    "justification", "case_reference", "prosecutor_reference", "recipient_code", "convention_reference",
    "convention_version", "decision", "reason", "request_id", "source_address", "user_agent", "details",
])  # fmt: skip
TIME_FIELDS = ("occurred_at", "window_start", "window_end")
# Every column audit_append writes, in its parameter order (after the chain and the body).
INSERT_COLUMNS = [
    "occurred_at", "controller_id", "controller_code", "action", "actor_id", "actor_name",
    "actor_organisation_code", "camera_ids", "camera_names", "window_start", "window_end", "mode", "purpose",
    "justification", "case_reference", "prosecutor_reference", "recipient_code", "convention_reference",
    "convention_version", "decision", "reason", "request_id", "source_address", "user_agent", "details",
]  # fmt: skip
JSON_COLUMNS = ("camera_ids", "camera_names", "details")

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode
_json = json.JSONEncoder(ensure_ascii=False).encode


def _time(value):
    return value.astimezone(UTC).isoformat() if value is not None else None


def canonical_body(values):
    """Canonical bytes of an entry's body from {field: value} (BODY_FIELDS; times as datetimes or None)."""
    data = {name: values[name] for name in BODY_FIELDS}
    for name in TIME_FIELDS:
        data[name] = _time(data[name])
    return _dumps(data).encode("utf-8")


def link_digest(previous_hash, sequence, body):
    """The entry hash: SHA-256 over the previous hash, the sequence number and the canonical body."""
    return hashlib.sha256(f"{previous_hash}\n{sequence}\n".encode("ascii") + body).hexdigest()


def entry_digest(entry, previous_hash):
    """The hash an entry (a model instance with its sequence set) must carry after previous_hash."""
    return link_digest(previous_hash, entry.sequence, canonical_body(entry.__dict__))


APPEND_SQL = "SELECT * FROM audit_append(%s, %s, {})".format(  # noqa: S608 - fixed placeholders only
    ", ".join("%s::jsonb" if name in JSON_COLUMNS else "%s" for name in INSERT_COLUMNS)
)


def append(entry):
    """Link and insert one entry (chain and fields set) at the end of its chain; returns it with its pk,
    sequence, previous_hash and entry_hash. The caller decides the transaction (access.record_access).

    PostgreSQL: one statement, the function audit_append, which locks the chain's head row, links the entry and
    inserts it; concurrent writers of one chain wait for the head row, so a chain never forks or gaps.
    Elsewhere (SQLite): the same rule in Python; the caller's transaction holds the database's write lock."""
    body = canonical_body(entry.__dict__)
    if connection.vendor == "postgresql":
        values = entry.__dict__
        params = [entry.chain, body.decode("utf-8")]
        for name in INSERT_COLUMNS:
            value = values[name]
            params.append(_json(value) if name in JSON_COLUMNS else value)
        with connection.cursor() as cursor:
            cursor.execute(APPEND_SQL, params)
            entry.pk, entry.sequence, entry.previous_hash, entry.entry_hash = cursor.fetchone()
        entry._state.adding = False
        entry._state.db = connection.alias
        return entry
    head = ChainHead.objects.select_for_update().filter(chain=entry.chain).first()
    if head is None:  # first entry of a new chain
        head = ChainHead.objects.get_or_create(chain=entry.chain)[0]
    entry.sequence = head.sequence + 1
    entry.previous_hash = head.head_hash
    entry.entry_hash = link_digest(head.head_hash, entry.sequence, body)
    entry.save(force_insert=True)
    ChainHead.objects.filter(pk=head.pk).update(sequence=entry.sequence, head_hash=entry.entry_hash)
    return entry


def platform_key():
    """The platform's Ed25519 key, from PORTAL_SIGNING_KEY (base64 of a 32-byte seed, or any secret to hash)."""
    secret = settings.PORTAL_SIGNING_KEY
    try:
        seed = base64.b64decode(secret, validate=True)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        seed = hashlib.sha256(secret.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_raw():
    return platform_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def head_message(chain, sequence, head_hash):
    return f"cctv-portal access log head\n{chain}\n{sequence}\n{head_hash}".encode()


@transaction.atomic
def sign_heads():
    """Sign every chain's current head (idempotent: an unchanged head is not signed twice)."""
    key = platform_key()
    fingerprint = hashlib.sha256(public_key_raw()).hexdigest()
    signed = 0
    for head in ChainHead.objects.all():
        if head.sequence == 0 or SignedHead.objects.filter(chain=head.chain, sequence=head.sequence).exists():
            continue
        SignedHead.objects.create(
            chain=head.chain,
            sequence=head.sequence,
            head_hash=head.head_hash,
            signed_at=timezone.now(),
            signature=base64.b64encode(key.sign(head_message(head.chain, head.sequence, head.head_hash))).decode(),
            key_fingerprint=fingerprint,
        )
        signed += 1
    return signed


@dataclass
class ChainReport:
    chain: str
    entries: int
    first_bad_sequence: int | None = None
    problem: str = ""

    @property
    def ok(self):
        return self.first_bad_sequence is None and not self.problem


# Verification reads every entry as plain rows, without model instances or Django's per-value converters.
# On PostgreSQL the server spells out each entry's canonical body (see _sql_body) and Python only canonicalises the
# three JSON columns (a few distinct values, decoded once each) and hashes; an entry whose hash does not match that
# fast body is checked again with canonical_body from its stored row before it is reported as altered, so the
# verdict rests on the Python rule alone.
_ROW_COLUMNS = ["id", "sequence", "previous_hash", "entry_hash", *BODY_FIELDS]
_STRINGS = {"action", "actor_name", "actor_organisation_code", "case_reference", "chain", "controller_code",
            "convention_reference", "decision", "justification", "mode", "prosecutor_reference", "purpose", "reason",
            "recipient_code", "request_id", "source_address", "user_agent"}  # fmt: skip
_ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US'"""


def _sql_value(name):
    """SQL for a field's canonical JSON text (Python's json with ensure_ascii=False escapes as to_json does)."""
    if name in _STRINGS:
        return f"coalesce(to_json({name})::text, 'null')"
    if name in TIME_FIELDS:  # datetime.isoformat() in UTC: microseconds only when not zero
        return (
            f"""coalesce('"' || replace(to_char({name} AT TIME ZONE 'UTC', {_ISO}) || '+00:00', """
            f"""'.000000+', '+') || '"', 'null')"""
        )
    return f"coalesce({name}::text, 'null')"  # integers


def _sql_body():
    """Columns: the body's text around the JSON columns, and each JSON column's own text, alternately."""
    parts, current = [], []
    for index, name in enumerate(BODY_FIELDS):
        key = ("{" if index == 0 else ",") + f'"{name}":'
        if name in JSON_COLUMNS:
            current.append(f"'{key}'")
            parts += [" || ".join(current), f"{name}::text"]
            current = []
        else:
            current += [f"'{key}'", _sql_value(name)]
    current.append("'}'")
    parts.append(" || ".join(current))
    return parts


def _postgres_rows(chain, batch):
    """(id, sequence, previous hash, hash, fast body) of one chain in sequence order, by a server-side cursor."""
    table = AccessLogEntry._meta.db_table
    columns = ", ".join(["id", "sequence", "previous_hash", "entry_hash", *_sql_body()])
    sql = f"SELECT {columns} FROM {table} WHERE chain = %s ORDER BY sequence"  # noqa: S608 - fixed
    decoded = {}  # JSON text -> canonical JSON text (entries share a few camera lists and details)
    with transaction.atomic(using=connection.alias):
        connection.ensure_connection()
        with connection.cursor() as plain:  # walk the (chain, sequence) index: no full scan and sort per chain
            plain.execute(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                "SET LOCAL max_parallel_workers_per_gather = 0"
            )
        with connection.connection.cursor(name=f"verify_{chain}") as cursor:
            cursor.itersize = batch
            cursor.execute(sql, [chain])
            while rows := cursor.fetchmany(batch):
                out = []
                for row in rows:
                    pieces = list(row[4:])
                    for at in (1, 3, 5):
                        text = pieces[at]
                        canonical = decoded.get(text)
                        if canonical is None:
                            canonical = decoded[text] = _dumps(json.loads(text))
                        pieces[at] = canonical
                    out.append((row[0], row[1], row[2], row[3], "".join(pieces).encode("utf-8")))
                if len(decoded) > 100_000:
                    decoded.clear()
                yield out


def _django_rows(chain, batch):
    rows = AccessLogEntry.objects.filter(chain=chain).order_by("sequence").values_list(*_ROW_COLUMNS)
    chunk = []
    for row in rows.iterator(chunk_size=batch):
        chunk.append((*row[:4], canonical_body(dict(zip(BODY_FIELDS, row[4:], strict=True)))))
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stored_body(pk):
    values = AccessLogEntry.objects.filter(pk=pk).values(*BODY_FIELDS).get()
    return canonical_body(values)


def walk_chain(chain, *, batch=20_000):
    """Walk one chain from its first entry: continuity, links, hashes, then the signed heads and the head row.
    Read-only; returns a ChainReport naming the first bad sequence number and what broke."""
    signed = list(SignedHead.objects.filter(chain=chain).order_by("sequence"))
    wanted = {s.sequence for s in signed}
    hashes = {}
    expected_previous, expected_sequence, count = GENESIS, 1, 0
    report = None
    sha256 = hashlib.sha256
    for rows in (_postgres_rows if connection.vendor == "postgresql" else _django_rows)(chain, batch):
        for pk, sequence, previous_hash, entry_hash, body in rows:
            count += 1
            if sequence != expected_sequence:
                what = "an entry is missing" if sequence > expected_sequence else "a sequence number repeats"
                report = ChainReport(chain, count, expected_sequence, f"{what} (found {sequence})")
                break
            if previous_hash != expected_previous:
                report = ChainReport(chain, count, sequence, "the link to the previous entry is broken")
                break
            if sha256(f"{previous_hash}\n{sequence}\n".encode() + body).hexdigest() != entry_hash and (
                link_digest(previous_hash, sequence, _stored_body(pk)) != entry_hash
            ):
                report = ChainReport(chain, count, sequence, "the entry was altered (its hash does not match)")
                break
            if sequence in wanted:
                hashes[sequence] = entry_hash
            expected_previous, expected_sequence = entry_hash, expected_sequence + 1
        if report is not None:
            break
    last = expected_sequence - 1
    if report is None:
        public = platform_key().public_key()
        for head in signed:
            try:
                public.verify(base64.b64decode(head.signature), head_message(chain, head.sequence, head.head_hash))
            except (InvalidSignature, ValueError):
                report = ChainReport(chain, count, head.sequence, "a signed head's signature does not verify")
                break
            if head.sequence > last:
                report = ChainReport(
                    chain, count, last + 1,
                    f"entries were removed from the end: a head was signed at {head.sequence}, "
                    f"the chain ends at {last}",
                )  # fmt: skip
                break
            if hashes.get(head.sequence) != head.head_hash:
                report = ChainReport(chain, count, head.sequence, "the entry differs from the signed head")
                break
    if report is None:
        chain_head = ChainHead.objects.filter(chain=chain).first()
        if chain_head and chain_head.sequence > last:
            report = ChainReport(
                chain, count, last + 1, f"entries were removed from the end (head at {chain_head.sequence})"
            )
        else:
            report = ChainReport(chain, count)
    return report


def record_verification(report):
    """Remember a chain's last verification for the DPO's chain-status panel."""
    ChainVerification.objects.update_or_create(
        chain=report.chain,
        defaults={"verified_at": timezone.now(), "entries": report.entries, "ok": report.ok,
                  "problem": "" if report.ok else f"#{report.first_bad_sequence}: {report.problem}"},
    )  # fmt: skip


def verify_chain(chain, *, batch=20_000):
    """Walk one chain (walk_chain) and record the outcome for the chain-status panel."""
    report = walk_chain(chain, batch=batch)
    record_verification(report)
    return report
