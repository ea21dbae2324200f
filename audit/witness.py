"""The witness: a copy of every signed chain head outside the database, where the application cannot rewrite it.

Signed heads in the database prove what the log held when they were signed, but whoever can delete entries can
delete the signed heads after them too. So each head, when signed (audit.chain.sign_heads, every
PORTAL_AUDIT_SIGN_SECONDS by beat), is also appended as one JSON line to PORTAL_AUDIT_WITNESS_FILE, opened with
O_APPEND for each write; the operator makes that file append-only (`chattr +a`, see platform/README.md), so the
portal's own account can add lines but never change or remove one. Each line is also logged on the logger
"audit.witness", which LOGGING can send to a remote syslog (a second witness out of the host's reach).

verify_audit reads the witness *before* it reads the database (a line present then names a head whose entries and
signed-head row were committed before), and per chain reports (compare):
- a line that is not a head the platform signed and differs from the database's (the witness was altered);
- a witnessed head beyond the chain's last entry (entries were removed from the end);
- an entry whose hash differs from the witnessed head (the chain was rewritten and re-signed);
- a witnessed head missing from, or different in, the database's signed heads (they were removed or rewritten);
- a signed head of the database that the witness lacks although it was signed since the witness began (its line
  was removed, or could not be written): at once when the witness holds a later head of the chain, otherwise once
  GRACE has passed (the line is written just after the head's transaction commits).
"""

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

__all__ = ["GRACE", "Witness", "compare", "read_witness", "witness_path", "write_witness"]

LOG = logging.getLogger("audit.witness")
GRACE = timedelta(seconds=60)
FIELDS = ("chain", "sequence", "head_hash", "signed_at", "signature", "key_fingerprint")


def witness_path():
    """The witness file (PORTAL_AUDIT_WITNESS_FILE), or None when none is configured."""
    value = getattr(settings, "PORTAL_AUDIT_WITNESS_FILE", None)
    return Path(value) if value else None


def _line(head):
    values = {name: getattr(head, name) for name in FIELDS}
    values["signed_at"] = head.signed_at.astimezone(UTC).isoformat()
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def write_witness(heads):
    """Append one line per newly signed head to the witness (a single write on a descriptor opened O_APPEND, then
    fsync), and log each line on "audit.witness". An error propagates: the heads stay signed in the database and
    verify_audit reports the lines the witness lacks."""
    if not heads:
        return
    lines = [_line(head) for head in heads]
    for line in lines:
        LOG.info("signed head %s", line)
    path = witness_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(f"{line}\n" for line in lines).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = 0
        while written < len(data):
            written += os.write(descriptor, data[written:])
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class WitnessedHead:
    line: int
    chain: str
    sequence: int
    head_hash: str
    signed_at: datetime
    signature: str


@dataclass
class Witness:
    path: Path | None
    read_at: datetime
    exists: bool = False
    started: datetime | None = None  # signed_at of its first line: heads signed since then must all be in it
    heads: dict = field(default_factory=dict)  # chain -> [WitnessedHead] in file order
    malformed: list = field(default_factory=list)  # line numbers that are not a signed head at all

    @property
    def count(self):
        return sum(len(lines) for lines in self.heads.values())


def _parse(number, text):
    try:
        values = json.loads(text)
        head = WitnessedHead(
            number, values["chain"], values["sequence"], values["head_hash"],
            datetime.fromisoformat(values["signed_at"]), values["signature"],
        )  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(head.chain, str) and type(head.sequence) is int and isinstance(head.head_hash, str)
            and isinstance(head.signature, str) and head.signed_at.tzinfo is not None):  # fmt: skip
        return None
    return head


def read_witness(chain=None):
    """Read the witness: the heads of every chain, or of one (every line is parsed all the same: a line reformatted
    or escaped differently is still the chain's, and one that is no head at all is still reported)."""
    path = witness_path()
    witness = Witness(path, timezone.now())
    if path is None or not path.exists():
        return witness
    witness.exists = True
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            head = _parse(number, text)
            if head is None:
                if text.strip() or number == 1:
                    witness.malformed.append(number)
                continue
            if number == 1:
                witness.started = head.signed_at
            if chain is None or head.chain == chain:
                witness.heads.setdefault(head.chain, []).append(head)
    return witness


def compare(chain, witness, signed, last, hashes, verifies):
    """(sequence, problem) for the first disagreement between the witness and this chain, or None.
    signed: the database's signed heads {sequence: SignedHead}; last: the chain's last sequence; hashes: the
    entries' hashes at the witnessed and signed sequences; verifies(sequence, head_hash, signature): whether the
    platform signed that head."""
    lines = witness.heads.get(chain, [])
    where = witness.path
    for head in lines:
        stored = signed.get(head.sequence)
        same = stored is not None and (stored.head_hash, stored.signature, stored.signed_at) == (
            head.head_hash, head.signature, head.signed_at,
        )  # fmt: skip
        if not same and not verifies(head.sequence, head.head_hash, head.signature):
            return head.sequence, (
                f"line {head.line} of the witness {where} is not a head the platform signed (the witness was altered)"
            )
    if lines and (top := max(head.sequence for head in lines)) > last:
        return last + 1, (
            f"entries were removed from the end: the witness holds a head signed at {top}, the chain ends at {last}"
        )
    for head in lines:
        if hashes.get(head.sequence) != head.head_hash:
            return head.sequence, f"the entry differs from the head the witness holds (line {head.line})"
        stored = signed.get(head.sequence)
        if stored is None:
            return head.sequence, (
                f"the signed head at {head.sequence} was removed from the database "
                f"(the witness holds it, line {head.line})"
            )
        if (stored.head_hash, stored.signature, stored.signed_at) != (head.head_hash, head.signature, head.signed_at):
            return head.sequence, (
                f"the signed head at {head.sequence} differs between the database and the "
                f"witness (line {head.line}): one of them was rewritten"
            )
    if witness.started is None:
        return None
    witnessed = {head.sequence for head in lines}
    latest = max(witnessed, default=0)
    for sequence in sorted(signed):
        stored = signed[sequence]
        if sequence in witnessed or stored.signed_at < witness.started:
            continue
        if sequence < latest or stored.signed_at < witness.read_at - GRACE:
            return sequence, (
                f"the witness {where} lacks the head signed at {sequence} "
                f"(its line was removed, or could not be written)"
            )
    return None
