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
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.details import earlier_spellings
from audit.models import AccessLogEntry, ChainHead, ChainVerification, SignedHead
from audit.witness import compare, read_witness, write_witness

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
    if connection.vendor != "postgresql":  # hash the address as the ORM will store it (Django's IPv6 spelling)
        entry.source_address = entry._meta.get_field("source_address").get_prep_value(entry.source_address)
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


def sign_heads():
    """Sign the current head of every chain that moved since its last signed head, in one query for the chains
    and one insert; then copy the new signed heads to the witness (audit.witness). Beat runs it every
    PORTAL_AUDIT_SIGN_SECONDS, so entries removed from a chain's end are caught by verify_audit once they are that
    old. It reads the heads without locking them: writers of the log never wait for it."""
    key = platform_key()
    fingerprint = hashlib.sha256(public_key_raw()).hexdigest()
    signed_already = SignedHead.objects.filter(chain=OuterRef("chain"), sequence=OuterRef("sequence"))
    with transaction.atomic():
        now = timezone.now()
        heads = [
            SignedHead(
                chain=head.chain, sequence=head.sequence, head_hash=head.head_hash, signed_at=now,
                signature=base64.b64encode(key.sign(head_message(head.chain, head.sequence, head.head_hash))).decode(),
                key_fingerprint=fingerprint,
            )
            for head in ChainHead.objects.filter(sequence__gt=0).exclude(Exists(signed_already)).order_by("chain")
        ]  # fmt: skip
        SignedHead.objects.bulk_create(heads)
    write_witness(heads)  # after the commit: a line in the witness always has its row in the database
    return len(heads)


@dataclass
class ChainReport:
    chain: str
    entries: int
    first_bad_sequence: int | None = None
    problem: str = ""
    rechecked: int = 0  # entries whose hash Python recomputed after the database's check failed (PostgreSQL)

    @property
    def ok(self):
        return self.first_bad_sequence is None and not self.problem


# Verification. On PostgreSQL the database checks every entry (see _VERIFY_SQL): it spells out the entry's body as
# the canonical JSON text, hashes it with sha256() and compares the links through lag() over the chain's index, and
# sends Python only the rows that fail a check (plus the chain's last entry and the signed heads' entries). Python
# then judges those rows with its own rule: continuity and links from the row's values, and the hash from
# canonical_body of the stored row (so an entry the SQL text misspells is re-checked, never reported on the SQL
# text's word). The SQL text is always a faithful JSON rendering of the row (every field, every character escaped),
# so it can only equal the hashed body if the row still holds what was hashed. Elsewhere (SQLite) Python walks and
# hashes every entry.
_STRINGS = {"action", "actor_name", "actor_organisation_code", "case_reference", "chain", "controller_code",
            "convention_reference", "decision", "justification", "mode", "prosecutor_reference", "purpose", "reason",
            "recipient_code", "request_id", "source_address", "user_agent"}  # fmt: skip
_ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US'"""


def _sql_json(value, depth):
    """SQL for the canonical JSON text of a jsonb expression (sorted keys, no whitespace, UTF-8 unescaped).

    Exact for values without strings (whitespace dropped), for one-element lists of a scalar, and (down to `depth`
    levels) for objects and lists built of those; numbers are PostgreSQL's spelling, which may differ from
    Python's for floats (the entry is then re-checked in Python). Deeper values keep PostgreSQL's own spacing:
    still faithful, so at worst a re-check in Python."""
    text = f"({value})::text"
    parts = [
        f"CASE WHEN {value} IS NULL THEN 'null'",
        f"""WHEN strpos({text}, '"') = 0 THEN replace({text}, ' ', '')""",
        f"WHEN jsonb_typeof({value}) = 'array' AND jsonb_array_length({value}) = 1 "
        f"AND jsonb_typeof(({value}) -> 0) NOT IN ('object', 'array') THEN '[' || (({value}) -> 0)::text || ']'",
    ]
    if depth > 0:
        inner = _sql_json("v", depth - 1)
        each = f"""SELECT string_agg(to_json(k)::text || ':' || {inner}, ',' ORDER BY k COLLATE "C") """
        every = f"SELECT string_agg({inner}, ',' ORDER BY o) "
        parts += [
            f"WHEN jsonb_typeof({value}) = 'object' THEN '{{' || ({each} FROM jsonb_each({value}) AS e(k, v)) || '}}'",
            f"WHEN jsonb_typeof({value}) = 'array' THEN '[' || ({every} "
            f"FROM jsonb_array_elements({value}) WITH ORDINALITY AS a(v, o)) || ']'",  # noqa: S608 - fixed SQL
        ]
    return " ".join([*parts, f"ELSE {text} END"])


def _sql_value(name, plain=False):
    """SQL for a field's canonical JSON text (Python's json with ensure_ascii=False escapes as to_json does).
    plain: the row's strings hold no character JSON escapes, so a string is its text in quotes."""
    if name == "source_address":  # inet: its own spelling, as Django reads it
        return f"coalesce(to_json({name})::text, 'null')"
    if name in _STRINGS:
        return f"""coalesce('"' || {name} || '"', 'null')""" if plain else f"coalesce(to_json({name})::text, 'null')"
    if name in TIME_FIELDS:  # datetime.isoformat() in UTC: microseconds only when not zero
        return (
            f"""coalesce('"' || replace(to_char({name} AT TIME ZONE 'UTC', {_ISO}) || '+00:00', """
            f"""'.000000+', '+') || '"', 'null')"""
        )
    if name in JSON_COLUMNS:  # camera lists are flat; details go three levels deep (an export's filters)
        return f"({_sql_json(name, 3 if name == 'details' else 1)})"
    return f"coalesce({name}::text, 'null')"  # integers


def _sql_body(plain):
    parts = [f"""'{"{" if index == 0 else ","}"{name}":' || {_sql_value(name, plain)}""" for index, name in
             enumerate(BODY_FIELDS)]  # fmt: skip
    return " || ".join([*parts, "'}'"])


def sql_body():
    """SQL for an entry's canonical body as text (the columns of audit_accesslogentry). Most rows' strings need no
    escaping (one regular expression over all of them tells): those skip to_json."""
    strings = ", ".join(name for name in BODY_FIELDS if name in _STRINGS and name != "source_address")
    escaped = r"""E'[\\x01-\\x1f"\\\\]'"""
    return f"CASE WHEN concat({strings}) ~ {escaped} THEN {_sql_body(False)} ELSE {_sql_body(True)} END"


_VERIFY_SQL = f"""
SELECT id, sequence, previous_hash, entry_hash, n, previous_sequence, previous_entry_hash, hash_ok FROM (
    SELECT id, sequence, previous_hash, entry_hash,
        row_number() OVER w AS n,
        lag(sequence) OVER w AS previous_sequence,
        lag(entry_hash) OVER w AS previous_entry_hash,
        lead(sequence) OVER w IS NULL AS last,
        coalesce(encode(sha256(convert_to(
            previous_hash || E'\\n' || sequence::text || E'\\n' || {sql_body()}, 'UTF8')), 'hex') = entry_hash,
            false) AS hash_ok
    FROM {AccessLogEntry._meta.db_table} WHERE chain = %s
    WINDOW w AS (ORDER BY sequence)
) AS checked
WHERE NOT hash_ok OR last OR sequence = ANY(%s::bigint[])
    OR sequence IS DISTINCT FROM coalesce(previous_sequence, 0) + 1
    OR previous_hash IS DISTINCT FROM coalesce(previous_entry_hash, '{GENESIS}')
ORDER BY sequence
"""  # noqa: S608 - fixed names only


def _stored_rows(pks):
    """The hashed fields of the stored rows with these ids."""
    rows = AccessLogEntry.objects.filter(pk__in=pks).values("id", *BODY_FIELDS)
    return {row["id"]: row for row in rows}


def _hash_matches(previous_hash, sequence, entry_hash, row):
    """Whether the stored row (its BODY_FIELDS) hashes to entry_hash: with the canonical body, or for an entry
    written before audit.details with a float that PostgreSQL's jsonb rewrote (1e20, -0.0), with the float put back
    as written (audit.details.earlier_spellings; tried only when the first fails)."""
    if link_digest(previous_hash, sequence, canonical_body(row)) == entry_hash:
        return True
    if not isinstance(row["details"], dict | list):
        return False
    return any(
        link_digest(previous_hash, sequence, canonical_body(row)) == entry_hash
        for _details in earlier_spellings(row["details"])
    )


@dataclass
class _Walk:
    chain: str
    wanted: set
    count: int = 0
    last: int = 0
    rechecked: int = 0
    report: ChainReport | None = None

    def __post_init__(self):
        self.hashes = {}

    def check(self, n, sequence, previous_hash, entry_hash, previous_sequence, previous_entry_hash, row):
        """Python's verdict on one entry given the one before it (None before the first); row: its hashed fields,
        or None when the hash is known to match. False (and self.report set) at the first break."""
        expected = 1 if previous_sequence is None else previous_sequence + 1
        if sequence != expected:
            what = "an entry is missing" if sequence > expected else "a sequence number repeats"
            self.report = ChainReport(self.chain, n, expected, f"{what} (found {sequence})")
        elif previous_hash != (GENESIS if previous_sequence is None else previous_entry_hash):
            self.report = ChainReport(self.chain, n, sequence, "the link to the previous entry is broken")
        elif row is not None and not _hash_matches(previous_hash, sequence, entry_hash, row):
            self.report = ChainReport(self.chain, n, sequence, "the entry was altered (its hash does not match)")
        if self.report is not None:
            self.count = n
            return False
        if sequence in self.wanted:
            self.hashes[sequence] = entry_hash
        self.count, self.last = n, sequence
        return True


def _walk_postgres(walk, batch):
    with transaction.atomic(using=connection.alias):
        connection.ensure_connection()
        with connection.cursor() as plain:  # walk the (chain, sequence) index: no full scan and sort per chain
            plain.execute(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
                "SET LOCAL max_parallel_workers_per_gather = 0; "
                "SET LOCAL jit = off"  # compiling this expression costs seconds per chain and saves nothing
            )
        with connection.connection.cursor(name=f"verify_{walk.chain}") as cursor:
            cursor.itersize = batch
            cursor.execute(_VERIFY_SQL, [walk.chain, sorted(walk.wanted)])
            while rows := cursor.fetchmany(batch):
                suspects = [row[0] for row in rows if not row[7]]
                stored = _stored_rows(suspects) if suspects else {}
                walk.rechecked += len(suspects)
                for pk, sequence, previous_hash, entry_hash, n, previous_sequence, previous_entry_hash, ok in rows:
                    if not walk.check(n, sequence, previous_hash, entry_hash, previous_sequence, previous_entry_hash,
                                      None if ok else stored[pk]):  # fmt: skip
                        return


def _walk_python(walk, batch):
    rows = AccessLogEntry.objects.filter(chain=walk.chain).order_by("sequence")
    previous_sequence = previous_entry_hash = None
    for n, row in enumerate(rows.values_list("sequence", "previous_hash", "entry_hash", *BODY_FIELDS)
                            .iterator(chunk_size=batch), start=1):  # fmt: skip
        sequence, previous_hash, entry_hash = row[:3]
        fields = dict(zip(BODY_FIELDS, row[3:], strict=True))
        if not walk.check(n, sequence, previous_hash, entry_hash, previous_sequence, previous_entry_hash, fields):
            return
        previous_sequence, previous_entry_hash = sequence, entry_hash


def walk_chain(chain, *, batch=20_000, witness=None):
    """Walk one chain from its first entry: continuity, links, hashes, then the signed heads, the witness
    (audit.witness; read here first unless given, read before the database in any case) and the head row.
    Read-only; returns a ChainReport naming the first bad sequence number and what broke."""
    if witness is None:
        witness = read_witness(chain)
    signed = list(SignedHead.objects.filter(chain=chain).order_by("sequence"))
    walk = _Walk(chain, {s.sequence for s in signed} | {head.sequence for head in witness.heads.get(chain, [])})
    (_walk_postgres if connection.vendor == "postgresql" else _walk_python)(walk, batch)
    report, count, hashes = walk.report, walk.count, walk.hashes
    last = walk.last
    public = platform_key().public_key()

    def verifies(sequence, head_hash, signature):
        try:
            public.verify(base64.b64decode(signature), head_message(chain, sequence, head_hash))
        except (InvalidSignature, ValueError):
            return False
        return True

    if report is None:
        for head in signed:
            if not verifies(head.sequence, head.head_hash, head.signature):
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
        disagreement = compare(chain, witness, {head.sequence: head for head in signed}, last, hashes, verifies)
        if disagreement is not None:
            report = ChainReport(chain, count, *disagreement)
    if report is None:
        chain_head = ChainHead.objects.filter(chain=chain).first()
        if chain_head and chain_head.sequence > last:
            report = ChainReport(
                chain, count, last + 1, f"entries were removed from the end (head at {chain_head.sequence})"
            )
        else:
            report = ChainReport(chain, count)
    report.rechecked = walk.rechecked
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
