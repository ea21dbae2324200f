"""The access log: hash-chained per controller, append-only in the database, verifiable, failing closed."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.access import AccessAction, AccessRecord, record_access
from audit.chain import GENESIS, verify_chain
from audit.models import AccessLogEntry
from conventions.policy import decide
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from zones.tenancy import actor_for

ROOT = Path(__file__).resolve().parents[2]


def _write(controller, n, **fields):
    return [
        record_access(
            AccessRecord(action=AccessAction.CONSULTATION, controller=controller, justification=f"#{i}", **fields)
        )  # fmt: skip
        for i in range(n)
    ]


@pytest.mark.django_db
def test_each_controller_has_its_own_chain_linked_from_genesis():
    zone, transport = OrganisationFactory(), OrganisationFactory(regional=True)
    first = _write(zone, 3)
    other = _write(transport, 2)
    assert [e.sequence for e in first] == [1, 2, 3] and [e.sequence for e in other] == [1, 2]
    assert first[0].previous_hash == GENESIS and first[1].previous_hash == first[0].entry_hash
    assert {e.chain for e in first} == {zone.code}
    assert verify_chain(zone.code).ok and verify_chain(transport.code).ok


@pytest.mark.django_db
def test_platform_events_go_to_the_platform_chain():
    entry = record_access(AccessRecord(action=AccessAction.LOGIN_FAILURE, controller=None))
    assert entry.chain == "PLATFORM" and entry.sequence == 1


@pytest.mark.django_db
def test_the_database_refuses_update_and_delete(append_only):
    entry = _write(OrganisationFactory(), 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(justification="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_accesslogentry CASCADE")
    assert AccessLogEntry.objects.get(pk=entry.pk).justification == "#0"


@pytest.mark.django_db
def test_an_edit_with_owner_rights_is_named_with_its_sequence(capsys):
    zone = OrganisationFactory()
    entries = _write(zone, 5)
    AccessLogEntry.objects.filter(pk=entries[2].pk).update(justification="nothing to see")  # maintenance rights
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", "--org", zone.code)
    assert failure.value.returncode == 1
    assert f"{zone.code}: BROKEN at sequence 3: the entry was altered" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_deleted_entry_and_a_reordering_are_caught():
    zone, other = OrganisationFactory(), OrganisationFactory()
    entries = _write(zone, 4)
    AccessLogEntry.objects.filter(pk=entries[1].pk).delete()
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 2 and "missing" in report.problem
    swapped = _write(other, 3)
    AccessLogEntry.objects.filter(pk=swapped[0].pk).update(sequence=99)
    AccessLogEntry.objects.filter(pk=swapped[1].pk).update(sequence=1)
    AccessLogEntry.objects.filter(pk=swapped[0].pk).update(sequence=2)
    assert verify_chain(other.code).first_bad_sequence == 1


@pytest.mark.django_db
def test_a_truncated_tail_is_caught_through_the_signed_head(capsys):
    from audit.models import ChainHead

    zone = OrganisationFactory()
    entries = _write(zone, 6)
    call_command("sign_audit_heads")
    AccessLogEntry.objects.filter(pk__in=[e.pk for e in entries[4:]]).delete()
    ChainHead.objects.filter(chain=zone.code).update(sequence=4, head_hash=entries[3].entry_hash)  # cover tracks
    report = verify_chain(zone.code)
    assert not report.ok and report.first_bad_sequence == 5 and "signed at 6" in report.problem


@pytest.mark.django_db
def test_signed_heads_export_verifies_offline_with_the_public_key(tmp_path):
    zone = OrganisationFactory()
    _write(zone, 2)
    out = tmp_path / "heads.json"
    call_command("sign_audit_heads", "--export", str(out))
    document = json.loads(out.read_text())
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"]))
    for head in document["heads"]:
        message = f"cctv-portal access log head\n{head['chain']}\n{head['sequence']}\n{head['head_hash']}"
        public.verify(base64.b64decode(head["signature"]), message.encode())  # raises if forged
    assert {h["chain"] for h in document["heads"]} == {zone.code}


@pytest.mark.django_db
def test_verify_audit_passes_on_intact_chains(capsys):
    _write(OrganisationFactory(), 3)
    call_command("verify_audit")
    assert "intact (3 entries)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_no_log_no_access_when_the_database_refuses_the_insert():
    provider = OrganisationFactory()
    operator = MembershipFactory(organisation=provider, role="operator")
    camera = CameraFactory(owner=provider)
    actor = actor_for(operator.user, provider.pk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; "
                "$$ LANGUAGE plpgsql; CREATE TRIGGER refuse_insert BEFORE INSERT ON audit_accesslogentry "
                "FOR EACH ROW EXECUTE FUNCTION refuse_insert();"
            )
        else:
            cursor.execute(
                "CREATE TEMP TRIGGER refuse_insert BEFORE INSERT ON main.audit_accesslogentry "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
            )
    try:
        decision = decide(actor=actor, camera=camera, mode="live", purpose="public_order", justification="x")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER refuse_insert" + (" ON audit_accesslogentry" if connection.vendor == "postgresql" else "")
            )
            if connection.vendor == "postgresql":
                cursor.execute("DROP FUNCTION refuse_insert()")
    assert not decision.allowed and decision.reason == "audit_unavailable"
    assert not AccessLogEntry.objects.exists()


def _test_database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


WRITER = """
import os, sys, django
sys.path.insert(0, os.getcwd())
django.setup()
from audit.access import AccessAction, AccessRecord, record_access
from zones.models import Organisation
controllers = [Organisation.objects.get(code=c) for c in sys.argv[1].split(",")]
for i in range(int(sys.argv[2])):
    record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=controllers[i % len(controllers)]))
"""


@pytest.mark.django_db(transaction=True)
def test_concurrent_writer_processes_never_fork_or_gap_a_chain():
    codes = [OrganisationFactory().code for _ in range(2)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _test_database_url()}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, ",".join(codes), "60"],
            cwd=ROOT,
            env=env,  # noqa: S603
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(4)
    ]
    for writer in writers:
        _out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()[-2000:]
    for code in codes:
        report = verify_chain(code)
        assert report.ok and report.entries == 120, report


@pytest.mark.django_db
def test_sign_ins_and_withdrawn_roles_are_in_the_platform_chain(client, person, signed_in):
    from django.urls import reverse

    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    client.post(reverse("zones:login"), {"username": operator.user.username, "password": "wrong password!"})
    signed_in(chief)
    client.post(reverse("zones:membership_disable", args=[operator.pk]), {"reason": "Left the unit"})
    entries = list(AccessLogEntry.objects.filter(chain="PLATFORM").order_by("sequence"))
    assert [(e.action, e.reason) for e in entries] == [
        ("login_failure", "wrong_password"),
        ("login_success", "password_and_second_factor"),
        ("membership_change", "membership_disabled"),
    ]
    assert entries[0].details["username"] == operator.user.username and entries[0].source_address == "127.0.0.1"
    assert entries[2].actor_id == chief.user.pk and entries[2].details["why"] == "Left the unit"
    assert verify_chain("PLATFORM").ok


@pytest.mark.django_db
def test_synthetic_history_is_chained_like_real_entries():
    from django.core.management import call_command as run

    run("seed_brussels", "--cameras", "200", "--audit-events", "600")
    record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=OrganisationFactory(code="5339")))
    chains = set(AccessLogEntry.objects.values_list("chain", flat=True))
    assert AccessLogEntry.objects.count() == 601 and len(chains) > 5
    assert all(verify_chain(chain).ok for chain in chains)
