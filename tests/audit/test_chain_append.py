"""The hash rule and the one-statement append: what the database links is what verify_audit and a third party
recompute; a refusal inside a caller's transaction leaves that transaction usable; the application role's grants
suffice; parallel verification names the broken chain."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import RequestFactory

from audit import chain
from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from audit.chain import GENESIS, verify_chain
from audit.models import AccessLogEntry, ChainHead
from tests.factories import CameraFactory, OrganisationFactory

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _body(entry):
    """The canonical body, spelled out independently of audit.chain (the README's rule)."""
    names = [
        "action", "actor_id", "actor_name", "actor_organisation_code", "camera_ids", "camera_names",
        "case_reference", "chain", "controller_code", "convention_reference", "convention_version", "decision",
        "details", "justification", "mode", "occurred_at", "prosecutor_reference", "purpose", "reason",
        "recipient_code", "request_id", "source_address", "user_agent", "window_end", "window_start",
    ]  # fmt: skip
    data = {name: getattr(entry, name) for name in names}
    for name in ("occurred_at", "window_start", "window_end"):
        if data[name] is not None:
            data[name] = data[name].astimezone(UTC).isoformat()
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _rule(previous_hash, sequence, body):
    return hashlib.sha256(f"{previous_hash}\n{sequence}\n".encode() + body).hexdigest()


@pytest.mark.django_db
def test_each_hash_follows_the_documented_rule_from_the_stored_row():
    zone = OrganisationFactory()
    camera = CameraFactory(owner=zone, name='Caméra "Flagey" \\ 1')
    tricky = [
        {"justification": "Ligne 1\nLigne 2\tet « guillemets » — ok \u2028 \x01", "details": {"b": [2, 1], "a": "é"}},
        {"justification": "", "occurred_at": datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)},  # no microseconds
        {"justification": "window", "window_start": datetime(2026, 5, 1, 7, 0, 0, 123, tzinfo=UTC),
         "window_end": datetime(2026, 5, 1, 7, 30, tzinfo=UTC), "case_reference": "BR.12.LL.000123/26"},
    ]  # fmt: skip
    written = []
    for fields in tricky:
        details = fields.pop("details", {"n": 1})
        written.append(
            record_access(
                AccessRecord(
                    action=AccessAction.CONSULTATION,
                    controller=zone,
                    cameras=[camera],
                    details=details,
                    mode="playback",
                    purpose="public_order",
                    decision="allow",
                    **fields,
                )
            )  # fmt: skip
        )
    previous = GENESIS
    stored_entries = AccessLogEntry.objects.filter(chain=zone.code).order_by("sequence")
    for returned, stored in zip(written, stored_entries, strict=True):
        assert (returned.pk, returned.sequence, returned.previous_hash, returned.entry_hash) == (
            stored.pk, stored.sequence, stored.previous_hash, stored.entry_hash,
        )  # fmt: skip
        assert stored.previous_hash == previous
        assert stored.entry_hash == _rule(previous, stored.sequence, _body(stored))
        previous = stored.entry_hash
    head = ChainHead.objects.get(chain=zone.code)
    assert (head.sequence, head.head_hash) == (3, previous)
    report = verify_chain(zone.code)
    assert report.ok
    if connection.vendor == "postgresql":  # the database's own check passed every entry: nothing re-checked
        assert report.rechecked == 0


@pytest.mark.django_db
def test_a_refusal_inside_the_callers_transaction_leaves_it_usable():
    zone = OrganisationFactory()
    record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone))
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
    with transaction.atomic():
        with pytest.raises(AccessLogUnavailable, match="disk full"):
            record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone))
        assert OrganisationFactory().pk  # the caller's transaction goes on
        assert ChainHead.objects.get(chain=zone.code).sequence == 1  # the head did not move
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER refuse_insert" + (" ON audit_accesslogentry" if connection.vendor == "postgresql" else "")
        )
    assert record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone)).sequence == 2
    assert verify_chain(zone.code).ok


@on_postgres
@pytest.mark.django_db
def test_the_application_role_appends_with_the_documented_grants_and_cannot_rewrite(append_only):
    from django.db import DatabaseError

    zone = OrganisationFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE ROLE portal_app_test NOLOGIN; GRANT USAGE ON SCHEMA public TO portal_app_test; "
            "GRANT SELECT, INSERT ON audit_accesslogentry, audit_signedhead TO portal_app_test; "
            "GRANT SELECT, INSERT, UPDATE ON audit_chainhead, audit_chainverification TO portal_app_test; "
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO portal_app_test; "
            "SET ROLE portal_app_test;"
        )
    try:
        first = record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone))
        second = record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=None))  # a new chain
        assert (first.sequence, second.chain, second.sequence) == (1, "PLATFORM", 1)
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AccessLogEntry.objects.filter(pk=first.pk).update(justification="rewritten")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert verify_chain(zone.code).ok and verify_chain("PLATFORM").ok


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_verification_names_the_broken_chain_and_passes_the_others(capsys):
    from audit.maintenance import set_maintenance

    zones = [OrganisationFactory() for _ in range(3)]
    entries = {
        zone.code: [record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, justification=str(i)))
                    for i in range(4)]
        for zone in zones
    }  # fmt: skip
    call_command("verify_audit", "--jobs", "2")
    assert capsys.readouterr().out.count("intact (4 entries)") == 3
    set_maintenance(connection, True)
    AccessLogEntry.objects.filter(pk=entries[zones[1].code][2].pk).update(justification="rewritten")
    with pytest.raises(CommandError):
        call_command("verify_audit", "--jobs", "2")
    out = capsys.readouterr().out
    assert f"{zones[1].code}: BROKEN at sequence 3: the entry was altered" in out
    assert out.count("intact (4 entries)") == 2


def _awkward_entries(zone):
    """Entries with the values most likely to be spelled differently by PostgreSQL and Python."""
    names = ['Caméra "Flagey" \\ 1', ", ", 'a", "b', "Gare du Midi 🚉", "tab\there"]
    cameras = [CameraFactory(owner=zone, name=name) for name in names]
    factory = RequestFactory()
    cases = [
        {"cameras": cameras[:1], "justification": "Ligne 1\nLigne 2\t« guillemets » \u2028 \x01 \x7f \\ \"q\"",
         "details": {"b": [2, 1], "a": "é", "Z": None, "t": True}},
        {"cameras": cameras[1:3], "details": {}, "occurred_at": datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)},
        {"cameras": cameras[1:2], "details": {"conditions": ["masking", "a, b"], "n": 3},
         "window_start": datetime(2026, 5, 1, 7, 0, 0, 123, tzinfo=UTC),
         "window_end": datetime(2026, 5, 1, 7, 30, 0, 999999, tzinfo=UTC)},
        {"cameras": cameras[3:], "details": {"export": {"format": "csv", "filters": {"q": "Flagey", "user": "é"}}},
         "request": factory.get("/", REMOTE_ADDR="2001:DB8:0:0::A", HTTP_USER_AGENT="Agent \"quoted\" ü")},
        {"cameras": [], "details": {"x": 0.5, "y": -3, "ratio": 1.25, "list": []},
         "request": factory.get("/", REMOTE_ADDR="::FFFF:10.0.0.1")},
        {"cameras": cameras[:2], "details": {"deep": {"er": {"est": ["é", 1]}}}, "case_reference": "BR.12.LL.1/26",
         "request": factory.get("/", REMOTE_ADDR="10.20.30.40")},
        {"cameras": cameras[4:], "details": {"small": 1e-07}, "justification": ""},
    ]  # fmt: skip
    return [
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, mode="playback", **case))
        for case in cases
    ]


@on_postgres
@pytest.mark.django_db
def test_the_database_check_and_the_python_rule_agree_on_awkward_values():
    """The body PostgreSQL spells out for verification is the canonical body (Python's rule) wherever it claims to
    be, and a faithful JSON rendering of the row everywhere: deeper JSON and Python-spelled floats are the only
    entries it leaves to Python."""
    zone = OrganisationFactory()
    _awkward_entries(zone)
    stored = list(AccessLogEntry.objects.filter(chain=zone.code).order_by("sequence"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {chain.sql_body()} FROM audit_accesslogentry WHERE chain = %s ORDER BY sequence",  # noqa: S608
            [zone.code],
        )
        spelled = [row[0].encode() for row in cursor.fetchall()]
    expected = [_body(entry) for entry in stored]
    assert [json.loads(text) for text in spelled] == [json.loads(body) for body in expected]  # faithful
    differing = [entry.sequence for entry, text, body in zip(stored, spelled, expected, strict=True) if text != body]
    assert differing == [6, 7]  # four levels of JSON; 1e-07, which PostgreSQL spells 0.0000001
    report = verify_chain(zone.code)
    assert report.ok and report.rechecked == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("camera_names", [","]),  # was [", "]: a one-character difference inside a JSON string
        ("details", {"conditions": ["masking", "a,b"], "n": 3}),
        ("justification", ""),
        ("window_end", datetime(2026, 5, 1, 7, 30, 0, 999998, tzinfo=UTC)),
        ("source_address", "2001:db8::b"),
    ],
)
def test_an_alteration_of_an_awkward_value_is_named(field, value):
    from audit.maintenance import set_maintenance

    zone = OrganisationFactory()
    entries = _awkward_entries(zone)
    target = {"camera_names": 3, "details": 3, "justification": 1, "window_end": 3, "source_address": 4}[field]
    set_maintenance(connection, True)
    AccessLogEntry.objects.filter(pk=entries[target - 1].pk).update(**{field: value})
    report = verify_chain(zone.code)
    assert (report.first_bad_sequence, report.problem) == (target, "the entry was altered (its hash does not match)")


@pytest.mark.django_db
def test_source_addresses_are_stored_and_hashed_as_the_database_spells_them():
    zone = OrganisationFactory()
    factory = RequestFactory()
    addresses = {
        "2001:DB8:0:0::A": "2001:db8::a",
        "::FFFF:10.0.0.1": "::ffff:10.0.0.1",
        "::10.0.0.1": "::10.0.0.1" if connection.vendor == "postgresql" else "::a00:1",  # Django's spelling
        "FE80::1%eth0": "fe80::1",
        " 10.0.0.7 ": "10.0.0.7",
        "2001:db8:0:0:1:0:0:1": "2001:db8::1:0:0:1",
        "not an address": None,
    }
    for given in addresses:
        request = factory.get("/", REMOTE_ADDR=given)
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, request=request))
    stored = list(AccessLogEntry.objects.filter(chain=zone.code).order_by("sequence"))
    assert [entry.source_address for entry in stored] == list(addresses.values())
    for entry in stored:
        assert entry.entry_hash == _rule(entry.previous_hash, entry.sequence, _body(entry))
    assert verify_chain(zone.code).ok


@pytest.mark.django_db
def test_a_chain_whose_head_row_is_gone_is_still_verified(capsys):
    zones = [OrganisationFactory() for _ in range(3)]
    for zone in zones:
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone))
    ChainHead.objects.filter(chain=zones[1].code).delete()
    call_command("verify_audit", "--jobs", "1")
    out = capsys.readouterr().out
    assert all(f"{zone.code}: intact (1 entries)" in out for zone in zones)
