"""Removing the log's tail is caught within a minute: heads of the chains that moved are signed every 30 seconds
(cheaply) and each signed head is appended to the witness file, which verify_audit compares with the database.
Tampering is done as the tests' maintenance session does it (raw SQL past the append-only triggers)."""

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from audit.access import AccessAction, AccessRecord, record_access
from audit.chain import canonical_body, head_message, link_digest, platform_key, sign_heads, verify_chain
from audit.models import AccessLogEntry, ChainHead, SignedHead
from audit.witness import GRACE
from tests.factories import OrganisationFactory

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _write(controller, n):
    for index in range(n):
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=controller, justification=f"#{index}"))


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _cut_tail(chain, keep):
    """Delete the entries after `keep` and their signed heads, and set the head row back: the database alone then
    looks intact."""
    _sql("DELETE FROM audit_accesslogentry WHERE chain = %s AND sequence > %s", [chain, keep])
    _sql("DELETE FROM audit_signedhead WHERE chain = %s AND sequence > %s", [chain, keep])
    last = AccessLogEntry.objects.get(chain=chain, sequence=keep)
    _sql("UPDATE audit_chainhead SET sequence = %s, head_hash = %s WHERE chain = %s", [keep, last.entry_hash, chain])


def _verify(capsys, *args):
    """verify_audit's output, and whether it passed."""
    try:
        call_command("verify_audit", *args)
    except CommandError as failure:
        assert failure.returncode == 1
        return capsys.readouterr().out, False
    return capsys.readouterr().out, True


def test_heads_are_signed_often_enough_to_catch_a_removed_tail_within_a_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["audit-sign-heads"]
    assert entry["task"] == "audit.tasks.sign_chain_heads" and entry["schedule"] <= 30
    assert entry["options"]["expires"] <= entry["schedule"]  # a late run is dropped, never stacked
    assert timedelta(seconds=60) >= GRACE


@pytest.mark.django_db
def test_only_chains_that_moved_are_signed_in_a_constant_number_of_queries(audit_witness):
    zones = [OrganisationFactory() for _ in range(12)]
    for zone in zones:
        _write(zone, 1)
    assert sign_heads() == 12
    with CaptureQueriesContext(connection) as first:
        assert sign_heads() == 0  # nothing moved
    _write(zones[3], 2)
    _write(zones[7], 1)
    with CaptureQueriesContext(connection) as second:
        assert sign_heads() == 2
    assert len(first) <= 3 and len(second) <= 4  # one SELECT of the moved heads, one INSERT, savepoints
    lines = _lines(audit_witness)
    assert len(lines) == 14 and {(line["chain"], line["sequence"]) for line in lines[12:]} == {
        (zones[3].code, 3), (zones[7].code, 2),
    }  # fmt: skip
    stored = SignedHead.objects.get(chain=zones[3].code, sequence=3)
    assert any(line["head_hash"] == stored.head_hash and line["signature"] == stored.signature for line in lines[12:])


@pytest.mark.django_db
def test_the_witness_is_appended_to_never_rewritten(audit_witness):
    audit_witness.parent.mkdir(parents=True)
    audit_witness.write_text('{"written": "before"}\n')
    zone = OrganisationFactory()
    _write(zone, 2)
    sign_heads()
    _write(zone, 1)
    sign_heads()
    text = audit_witness.read_text().splitlines()
    assert text[0] == '{"written": "before"}' and [json.loads(line)["sequence"] for line in text[1:]] == [2, 3]


@pytest.mark.django_db
def test_an_intact_log_verifies_against_its_witness(capsys, audit_witness):
    zone, other = OrganisationFactory(), OrganisationFactory()
    for _ in range(3):
        _write(zone, 2)
        _write(other, 1)
        sign_heads()
    out, ok = _verify(capsys)
    assert ok, out
    assert f"witness: 6 signed heads in {audit_witness}" in out and f"{zone.code}: intact (6 entries)" in out
    with freeze_time(timezone.now() + 2 * GRACE):  # later still intact
        assert verify_chain(zone.code).ok and verify_chain(other.code).ok


@pytest.mark.django_db
def test_a_removed_tail_is_caught_through_the_witness(capsys, settings, audit_witness):
    zone = OrganisationFactory()
    _write(zone, 4)
    sign_heads()
    _write(zone, 2)
    sign_heads()  # heads 4 and 6 signed, in the database and in the witness
    _cut_tail(zone.code, 4)
    out, ok = _verify(capsys, "--org", zone.code)
    assert not ok
    assert (
        f"{zone.code}: BROKEN at sequence 5: entries were removed from the end: the witness holds a head signed at 6, "
        f"the chain ends at 4"
    ) in out
    settings.PORTAL_AUDIT_WITNESS_FILE = None  # the database alone no longer tells
    assert verify_chain(zone.code).ok


@pytest.mark.django_db
def test_a_whole_chain_removed_is_caught_through_the_witness(capsys):
    zone = OrganisationFactory()
    _write(zone, 3)
    sign_heads()
    _sql("DELETE FROM audit_accesslogentry WHERE chain = %s", [zone.code])
    _sql("DELETE FROM audit_signedhead WHERE chain = %s", [zone.code])
    _sql("DELETE FROM audit_chainhead WHERE chain = %s", [zone.code])
    out, ok = _verify(capsys)
    assert not ok and f"{zone.code}: BROKEN at sequence 1: entries were removed from the end" in out


@pytest.mark.django_db
def test_signed_heads_removed_or_rewritten_in_the_database_are_caught():
    zone = OrganisationFactory()
    for _ in range(3):
        _write(zone, 2)
        sign_heads()  # heads 2, 4, 6
    _sql("DELETE FROM audit_signedhead WHERE chain = %s AND sequence = 4", [zone.code])
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 4 and "the signed head at 4 was removed from the database" in report.problem
    _sql("DELETE FROM audit_signedhead WHERE chain = %s AND sequence = 2", [zone.code])  # and sign it anew
    SignedHead.objects.create(
        chain=zone.code, sequence=2, head_hash=AccessLogEntry.objects.get(chain=zone.code, sequence=2).entry_hash,
        signed_at=timezone.now(), key_fingerprint="x", signature=base64.b64encode(platform_key().sign(head_message(
            zone.code, 2, AccessLogEntry.objects.get(chain=zone.code, sequence=2).entry_hash))).decode(),
    )  # fmt: skip
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 2 and "differs between the database and the witness" in report.problem


@pytest.mark.django_db
def test_a_chain_rewritten_and_re_signed_with_the_platform_key_is_caught():
    """Whoever holds the signing key can alter an entry, recompute every hash after it and sign the heads again:
    the database is consistent again, but the witness still holds the heads as first signed."""
    zone = OrganisationFactory()
    _write(zone, 5)
    sign_heads()
    _sql("UPDATE audit_accesslogentry SET justification = 'nothing to see' WHERE chain = %s AND sequence = 2",
         [zone.code])  # fmt: skip
    previous = AccessLogEntry.objects.get(chain=zone.code, sequence=1).entry_hash
    for entry in AccessLogEntry.objects.filter(chain=zone.code, sequence__gte=2).order_by("sequence"):
        entry_hash = link_digest(previous, entry.sequence, canonical_body(entry.__dict__))
        _sql("UPDATE audit_accesslogentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
             [previous, entry_hash, entry.pk])  # fmt: skip
        previous = entry_hash
    signature = base64.b64encode(platform_key().sign(head_message(zone.code, 5, previous))).decode()
    _sql("UPDATE audit_signedhead SET head_hash = %s, signature = %s WHERE chain = %s AND sequence = 5",
         [previous, signature, zone.code])  # fmt: skip
    _sql("UPDATE audit_chainhead SET head_hash = %s WHERE chain = %s", [previous, zone.code])
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 5 and "the entry differs from the head the witness holds" in report.problem


@pytest.mark.django_db
def test_a_tampered_witness_is_caught(capsys, audit_witness):
    zone = OrganisationFactory()
    for _ in range(3):
        _write(zone, 1)
        sign_heads()  # heads 1, 2, 3: lines 1, 2, 3
    original = audit_witness.read_text()
    lines = original.splitlines()

    edited = json.loads(lines[1]) | {"head_hash": "f" * 64}  # a line rewritten
    audit_witness.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n")
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 2 and "line 2 of the witness" in report.problem
    assert "is not a head the platform signed (the witness was altered)" in report.problem

    audit_witness.write_text("\n".join([lines[0], lines[2]]) + "\n")  # a line removed: a later one is there
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 2 and "lacks the head signed at 2" in report.problem

    audit_witness.write_text("\n".join(lines[:2]) + "\n")  # the last line removed: caught once GRACE has passed
    assert verify_chain(zone.code).ok  # (it may still be on its way, just after its head's transaction)
    with freeze_time(timezone.now() + GRACE + timedelta(seconds=1)):
        report = verify_chain(zone.code)
    assert report.first_bad_sequence == 3 and "lacks the head signed at 3" in report.problem

    audit_witness.write_text(original + "not a signed head\n")  # a line that is no head at all
    out, ok = _verify(capsys)
    assert not ok and f"witness: BROKEN at line 4 of {audit_witness}: not a signed head (altered)" in out


@pytest.mark.django_db
def test_heads_signed_before_the_witness_began_are_not_asked_of_it(audit_witness, settings):
    zone = OrganisationFactory()
    settings.PORTAL_AUDIT_WITNESS_FILE = None  # an older installation: signed heads, no witness
    _write(zone, 2)
    sign_heads()
    settings.PORTAL_AUDIT_WITNESS_FILE = audit_witness
    with freeze_time(timezone.now() + timedelta(minutes=5)):
        _write(zone, 1)
        sign_heads()
        assert _lines(audit_witness)[0]["sequence"] == 3
    with freeze_time(timezone.now() + timedelta(minutes=10)):
        assert verify_chain(zone.code).ok
    assert ChainHead.objects.get(chain=zone.code).sequence == 3


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_verification_compares_every_chain_with_the_witness(capsys):
    zones = [OrganisationFactory() for _ in range(3)]
    for zone in zones:
        _write(zone, 3)
    sign_heads()
    _cut_tail(zones[1].code, 2)
    out, ok = _verify(capsys, "--jobs", "3")
    assert not ok
    assert f"{zones[1].code}: BROKEN at sequence 3: entries were removed from the end: the witness holds" in out
    assert f"{zones[0].code}: intact (3 entries)" in out and f"{zones[2].code}: intact (3 entries)" in out
