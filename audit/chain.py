"""Hash chains of the access log: canonical form, appending, verification, signed heads."""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AccessLogEntry, ChainHead, ChainVerification, SignedHead

__all__ = ["GENESIS", "append", "entry_digest", "platform_key", "sign_heads", "verify_chain"]

GENESIS = "0" * 64
# The fields an entry's hash covers, in the canonical form (the chain links are added separately).
HASHED_FIELDS = [
    "chain", "sequence", "occurred_at", "controller_code", "action", "actor_id", "actor_name",
    "actor_organisation_code", "camera_ids", "camera_names", "window_start", "window_end", "mode", "purpose",
    "justification", "case_reference", "prosecutor_reference", "recipient_code", "convention_reference",
    "convention_version", "decision", "reason", "request_id", "source_address", "user_agent", "details",
]  # fmt: skip


def _value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def canonical_values(values):
    """Canonical bytes from the hashed fields' values, in HASHED_FIELDS order."""
    data = {name: _value(value) for name, value in zip(HASHED_FIELDS, values, strict=True)}
    return _dumps(data).encode("utf-8")


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode


def canonical(entry):
    return canonical_values([getattr(entry, name) for name in HASHED_FIELDS])


def digest_of(previous_hash, canonical_bytes):
    return hashlib.sha256(previous_hash.encode("ascii") + b"\n" + canonical_bytes).hexdigest()


def entry_digest(entry, previous_hash):
    return digest_of(previous_hash, canonical(entry))


def append(entry):
    """Link and insert one entry at the end of its chain. The caller holds a transaction; the head row lock
    makes concurrent writers of the same chain wait their turn, so a chain never forks or gaps."""
    head = ChainHead.objects.select_for_update().filter(chain=entry.chain).first()
    if head is None:  # first entry of a new chain
        ChainHead.objects.get_or_create(chain=entry.chain)
        head = ChainHead.objects.select_for_update().get(chain=entry.chain)
    entry.sequence = head.sequence + 1
    entry.previous_hash = head.head_hash
    entry.entry_hash = entry_digest(entry, head.head_hash)
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


def verify_chain(chain, *, batch=20_000):
    """Walk one chain from its first entry: continuity, links, hashes, then the signed heads."""
    expected_previous, expected_sequence, count = GENESIS, 1, 0
    hashes = {}
    signed = list(SignedHead.objects.filter(chain=chain).order_by("sequence"))
    wanted = {s.sequence for s in signed}
    # Plain tuples, not model instances: verification reads every entry of the chain.
    rows = (
        AccessLogEntry.objects.filter(chain=chain)
        .order_by("sequence")
        .values_list("previous_hash", "entry_hash", *HASHED_FIELDS)
    )
    report = None
    sequence_at = 2 + HASHED_FIELDS.index("sequence")
    for row in rows.iterator(chunk_size=batch):
        count += 1
        sequence, previous_hash, entry_hash = row[sequence_at], row[0], row[1]
        if sequence != expected_sequence:
            what = "an entry is missing" if sequence > expected_sequence else "a sequence number repeats"
            report = ChainReport(chain, count, expected_sequence, f"{what} (found {sequence})")
            break
        if previous_hash != expected_previous:
            report = ChainReport(chain, count, sequence, "the link to the previous entry is broken")
            break
        if digest_of(previous_hash, canonical_values(row[2:])) != entry_hash:
            report = ChainReport(chain, count, sequence, "the entry was altered (its hash does not match)")
            break
        if sequence in wanted:
            hashes[sequence] = entry_hash
        expected_previous, expected_sequence = entry_hash, expected_sequence + 1
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
    ChainVerification.objects.update_or_create(
        chain=chain,
        defaults={"verified_at": timezone.now(), "entries": count, "ok": report.ok,
                  "problem": "" if report.ok else f"#{report.first_bad_sequence}: {report.problem}"},
    )  # fmt: skip
    return report
