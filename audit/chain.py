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


# Verification reads every entry: plain rows (sequence, previous hash, hash, then BODY_FIELDS in order), through a
# server-side cursor on PostgreSQL, without model instances or Django's per-value converters.
_TIME_AT = [3 + BODY_FIELDS.index(name) for name in TIME_FIELDS]
_JSON_AT = [3 + BODY_FIELDS.index(name) for name in JSON_COLUMNS]
_ROW_COLUMNS = ["sequence", "previous_hash", "entry_hash", *BODY_FIELDS]


def _postgres_rows(chain, batch):
    """Rows of one chain in sequence order; JSON columns arrive as their text (decoded once per distinct text)."""
    from psycopg.types.string import TextLoader

    table = AccessLogEntry._meta.db_table
    sql = f"SELECT {', '.join(_ROW_COLUMNS)} FROM {table} WHERE chain = %s ORDER BY sequence"  # noqa: S608 - fixed
    with transaction.atomic(using=connection.alias):
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor(name=f"verify_{chain}") as cursor:
            cursor.adapters.register_loader("jsonb", TextLoader)
            cursor.itersize = batch
            cursor.execute(sql, [chain])
            while rows := cursor.fetchmany(batch):
                yield rows


def _django_rows(chain, batch):
    rows = AccessLogEntry.objects.filter(chain=chain).order_by("sequence").values_list(*_ROW_COLUMNS)
    chunk = []
    for row in rows.iterator(chunk_size=batch):
        chunk.append(row)
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def walk_chain(chain, *, batch=20_000):
    """Walk one chain from its first entry: continuity, links, hashes, then the signed heads and the head row.
    Read-only; returns a ChainReport naming the first bad sequence number and what broke."""
    signed = list(SignedHead.objects.filter(chain=chain).order_by("sequence"))
    wanted = {s.sequence for s in signed}
    hashes = {}
    expected_previous, expected_sequence, count = GENESIS, 1, 0
    report = None
    on_postgres = connection.vendor == "postgresql"
    decoded = {}  # JSON text -> value (most entries share a few camera lists and empty details)
    keys = BODY_FIELDS
    dumps, sha256 = _dumps, hashlib.sha256
    time_at, json_at = _TIME_AT, _JSON_AT
    for rows in (_postgres_rows if on_postgres else _django_rows)(chain, batch):
        for row in rows:
            sequence, previous_hash, entry_hash = row[0], row[1], row[2]
            count += 1
            if sequence != expected_sequence:
                what = "an entry is missing" if sequence > expected_sequence else "a sequence number repeats"
                report = ChainReport(chain, count, expected_sequence, f"{what} (found {sequence})")
                break
            if previous_hash != expected_previous:
                report = ChainReport(chain, count, sequence, "the link to the previous entry is broken")
                break
            values = list(row[3:])
            for at in time_at:
                value = row[at]
                if value is not None:
                    values[at - 3] = value.astimezone(UTC).isoformat()
            if on_postgres:
                for at in json_at:
                    text = row[at]
                    value = decoded.get(text)
                    if value is None:
                        value = decoded[text] = json.loads(text)
                    values[at - 3] = value
            body = dumps(dict(zip(keys, values, strict=True))).encode("utf-8")
            if sha256(f"{previous_hash}\n{sequence}\n".encode() + body).hexdigest() != entry_hash:
                report = ChainReport(chain, count, sequence, "the entry was altered (its hash does not match)")
                break
            if sequence in wanted:
                hashes[sequence] = entry_hash
            expected_previous, expected_sequence = entry_hash, expected_sequence + 1
        if report is not None:
            break
        if len(decoded) > 100_000:
            decoded.clear()
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
