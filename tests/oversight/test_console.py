"""The DPO console of the access log: who reads which chain, filters, exports, chain status, anomaly flags."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.access import AccessAction, AccessRecord, record_access
from audit.models import AccessLogEntry
from conventions import services as convention_services
from oversight import anomalies
from tests.factories import CameraFactory, OrganisationFactory, UserFactory
from tests.support.conventions import DEFAULTS, chief_of
from zones.models import Organisation
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)  # a Friday, 12:00 in Brussels


def entry(organisation, **fields):
    values = {
        "action": AccessAction.CONSULTATION,
        "controller": organisation,
        "purpose": "public_order",
        "justification": "Routine check",
        "decision": "allow",
        "reason": "own_camera",
        **fields,
    }
    return record_access(AccessRecord(**values))


def ids_on_page(response):
    return {e.pk for e in response.context["page"].object_list}


def api_ids(response):
    assert response.status_code == 200
    return {item["id"] for item in response.json()["results"]}


def actor_of(membership):
    return actor_for(membership.user, membership.organisation_id)


@pytest.fixture
def zones(db):
    return OrganisationFactory(), OrganisationFactory()


# Who reads which chain ----------------------------------------------------------------------------------------


def test_a_dpo_reads_their_own_chain_only(zones, person, signed_in):
    mine, other = zones
    own, foreign = entry(mine, justification="ours"), entry(other, justification="theirs")
    client = signed_in(person(mine, "dpo"))  # a DPO holds no video right, and needs none here

    page = client.get(reverse("oversight:console"))
    assert page.status_code == 200
    assert ids_on_page(page) == {own.pk}
    assert b"theirs" not in page.content
    assert client.get(reverse("oversight:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("oversight:detail", args=[foreign.pk])).status_code == 404

    assert api_ids(client.get(reverse("accesslog-list"))) == {own.pk}
    assert client.get(reverse("accesslog-detail", args=[foreign.pk])).status_code == 404
    detail = client.get(reverse("accesslog-detail", args=[own.pk])).json()
    assert detail["entry_hash"] == own.entry_hash and detail["sequence"] == 1


def test_the_chief_reads_their_chain_too(zones, person, signed_in):
    mine, other = zones
    own = entry(mine)
    entry(other)
    assert ids_on_page(signed_in(person(mine, "chief")).get(reverse("oversight:console"))) == {own.pk}


def test_the_supervisor_reads_every_chain(zones, person, signed_in):
    first, second = (entry(zone) for zone in zones)
    body = OrganisationFactory(kind=Organisation.Kind.SUPERVISOR)
    client = signed_in(person(body, "supervisor"))
    assert ids_on_page(client.get(reverse("oversight:console"))) >= {first.pk, second.pk}
    assert api_ids(client.get(reverse("accesslog-list"))) >= {first.pk, second.pk}
    assert client.get(reverse("accesslog-detail", args=[second.pk])).status_code == 200


def test_a_platform_administrator_reads_the_platform_chain_only(zones, person, signed_in):
    zone_entry = entry(zones[0])
    platform_entry = record_access(AccessRecord(action=AccessAction.LOGIN_FAILURE, controller=None))
    client = signed_in(person(zones[0], "platform_admin"))
    shown = ids_on_page(client.get(reverse("oversight:console")))
    assert platform_entry.pk in shown and zone_entry.pk not in shown


def test_an_operator_is_refused_the_console_and_gets_an_empty_api(zones, person, signed_in):
    entry(zones[0])
    client = signed_in(person(zones[0], "operator"))
    assert client.get(reverse("oversight:console")).status_code == 403
    assert client.get(reverse("oversight:export_csv")).status_code == 403
    assert client.post(reverse("oversight:verify")).status_code == 403
    assert api_ids(client.get(reverse("accesslog-list"))) == set()


def test_the_navigation_shows_the_log_to_the_dpo_only(zones, person, signed_in, client):
    assert (
        reverse("oversight:console").encode() in signed_in(person(zones[0], "dpo")).get(reverse("cameras:list")).content
    )
    client.logout()
    operator = signed_in(person(zones[0], "operator"))
    assert reverse("oversight:console").encode() not in operator.get(reverse("cameras:list")).content


def test_the_organisation_filter_offers_only_readable_chains(zones, person, signed_in):
    entry(zones[0])
    entry(zones[1])
    client = signed_in(person(zones[0], "dpo"))
    choices = dict(client.get(reverse("oversight:console")).context["filter"].form.fields["organisation"].choices)
    assert zones[0].code in choices and zones[1].code not in choices
    assert client.get(reverse("oversight:console"), {"organisation": zones[1].code}).status_code == 200
    assert ids_on_page(client.get(reverse("oversight:console"), {"organisation": zones[1].code})) == set()


# Filters --------------------------------------------------------------------------------------------------------


@pytest.fixture
def dpo_client(zones, person, signed_in):
    return signed_in(person(zones[0], "dpo"))


def test_filters_by_purpose_decision_user_and_camera(zones, dpo_client):
    zone = zones[0]
    camera = CameraFactory(owner=zone, name="Place Flagey North")
    alice = UserFactory(first_name="Alice", last_name="Peeters")
    public = entry(zone, purpose="public_order", cameras=[camera], actor=alice)
    criminal = entry(zone, purpose="criminal_investigation", decision="deny", reason="no_convention")

    def shown(**params):
        response = dpo_client.get(reverse("oversight:console"), params)
        assert response.status_code == 200
        return ids_on_page(response)

    assert shown(purpose="criminal_investigation") == {criminal.pk}
    assert shown(decision="deny") == {criminal.pk}
    assert shown(decision="allow") == {public.pk}
    assert shown(camera="flagey") == {public.pk}
    assert shown(camera=str(camera.pk)) == {public.pk}
    assert shown(user=str(alice)[:4].lower()) == {public.pk}
    assert api_ids(dpo_client.get(reverse("accesslog-list"), {"purpose": "public_order"})) == {public.pk}


def test_the_date_range_is_read_in_brussels_time(zones, dpo_client):
    # 23:30 UTC on 9 March is 00:30 on 10 March in Brussels (UTC+1 in winter).
    late = entry(zones[0], occurred_at=datetime(2025, 3, 9, 23, 30, tzinfo=UTC))
    early = entry(zones[0], occurred_at=datetime(2025, 3, 9, 22, 30, tzinfo=UTC))  # 23:30 on 9 March locally

    def shown(**params):
        return ids_on_page(dpo_client.get(reverse("oversight:console"), params))

    assert shown(date_from="2025-03-10") == {late.pk}
    assert shown(date_to="2025-03-09") == {early.pk}
    assert shown(date_from="2025-03-09", date_to="2025-03-10") == {late.pk, early.pk}
    assert shown(date_from="2025-03-11") == set()


def test_search_looks_in_justification_and_case_reference(zones, dpo_client):
    robbery = entry(zones[0], justification="Armed ROBBERY at the corner shop")
    case = entry(zones[0], justification="Follow-up", case_reference="PV-BR-2025-0042")
    entry(zones[0], justification="Traffic jam")

    def shown(q):
        return ids_on_page(dpo_client.get(reverse("oversight:console"), {"q": q}))

    assert shown("robbery") == {robbery.pk}
    assert shown("br-2025") == {case.pk}


def test_the_page_is_newest_first_and_says_what_will_appear_when_empty(zones, dpo_client):
    older = entry(zones[0], occurred_at=timezone.now() - timedelta(hours=2))
    newer = entry(zones[0])
    assert [e.pk for e in dpo_client.get(reverse("oversight:console")).context["page"].object_list] == [
        newer.pk,
        older.pk,
    ]
    empty = dpo_client.get(reverse("oversight:console"), {"q": "nothing like this"})
    assert b"No entry matches" in empty.content


def test_past_the_count_limit_the_page_says_more_and_the_export_still_holds_every_match(zones, dpo_client, monkeypatch):
    from oversight import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 4)
    monkeypatch.setattr(views.CappedPaginator, "limit", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    written = [entry(zones[0], occurred_at=timezone.now() - timedelta(minutes=i)) for i in range(7)]
    response = dpo_client.get(reverse("oversight:console"))
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.num_pages, response.context["count_capped"]) == (5, 2, True)
    assert [e.pk for e in page.object_list] == [written[0].pk, written[1].pk]  # newest first
    assert "More than 4 entries match" in response.content.decode()
    last = dpo_client.get(reverse("oversight:console"), {"page": 9}).context["page"]  # past the limit: last page
    assert (last.number, [e.pk for e in last.object_list]) == (2, [written[2].pk, written[3].pk])
    exported = json.loads(b"".join(dpo_client.get(reverse("oversight:export_json")).streaming_content))
    assert {e.pk for e in written} <= {item["id"] for item in exported}

    few = dpo_client.get(reverse("oversight:console"), {"q": "nothing like this"})
    assert (few.context["page"].paginator.count, few.context["count_capped"]) == (0, False)
    assert "More than" not in few.content.decode()

    monkeypatch.setattr(views, "COUNT_LIMIT", 10)  # every match known: the pages are picked from them
    monkeypatch.setattr(views.CappedPaginator, "limit", 10)
    same_time = entry(zones[0], occurred_at=written[3].occurred_at)  # a tie on time: the higher id comes first
    pages = [
        dpo_client.get(reverse("oversight:console"), {"action": "consultation", "page": n}) for n in (1, 2, 3, 4, 5)
    ]
    assert {p.context["count_capped"] for p in pages} == {False}
    shown = [e.pk for p in pages[:4] for e in p.context["page"].object_list]
    expected = [w.pk for w in written[:3]] + [same_time.pk] + [w.pk for w in written[3:]]
    assert shown == expected and pages[0].context["page"].paginator.count == 8
    assert [e.pk for e in pages[4].context["page"].object_list] == [written[5].pk, written[6].pk]  # past the end: last


# Exports --------------------------------------------------------------------------------------------------------


def _body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_export_holds_the_filtered_rows_with_hashes_and_is_itself_logged(zones, person, signed_in):
    zone = zones[0]
    dpo = person(zone, "dpo")
    wanted = entry(zone, purpose="criminal_investigation", case_reference="PV-1")
    entry(zone, purpose="public_order")
    response = signed_in(dpo).get(reverse("oversight:export_csv"), {"purpose": "criminal_investigation"})
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [(r["chain"], r["sequence"], r["entry_hash"]) for r in rows] == [
        (zone.code, str(wanted.sequence), wanted.entry_hash)
    ]
    assert rows[0]["case_reference"] == "PV-1"
    assert datetime.fromisoformat(rows[0]["occurred_at"]) == wanted.occurred_at

    disclosure = AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).get()
    assert disclosure.actor_id == dpo.user.pk and disclosure.actor_organisation_code == zone.code
    assert disclosure.recipient_code == zone.code and disclosure.controller_code == zone.code
    assert disclosure.details["export"] == {
        "format": "csv",
        "entries": 1,
        "filters": {"purpose": "criminal_investigation"},
    }


def test_json_export_of_a_supervisor_is_logged_once_per_chain(zones, person, signed_in):
    first, second = entry(zones[0], justification="a"), entry(zones[1], justification="b")
    body = OrganisationFactory(kind=Organisation.Kind.SUPERVISOR)
    supervisor = person(body, "supervisor")
    items = json.loads(_body(signed_in(supervisor).get(reverse("oversight:export_json"))))
    exported = {(i["chain"], i["sequence"], i["entry_hash"]) for i in items}
    assert {(e.chain, e.sequence, e.entry_hash) for e in (first, second)} <= exported
    assert {i["action"] for i in items} <= {"consultation", "login_success"}  # the sign-in: platform chain
    chains = sorted({i["chain"] for i in items})
    disclosures = AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE)
    assert sorted(disclosures.values_list("controller_code", flat=True)) == chains
    assert {d.recipient_code for d in disclosures} == {body.code}
    assert {d.actor_id for d in disclosures} == {supervisor.user.pk}


def test_the_api_lists_entries_with_their_chain_links(zones, dpo_client):
    own = entry(zones[0])
    item = dpo_client.get(reverse("accesslog-list")).json()["results"][0]
    assert (item["chain"], item["sequence"], item["entry_hash"]) == (own.chain, 1, own.entry_hash)
    assert dpo_client.post(reverse("accesslog-list"), {}).status_code == 405


# Chain status ---------------------------------------------------------------------------------------------------


def test_the_chain_panel_shows_a_broken_chain_after_tampering(zones, dpo_client):
    zone = zones[0]
    entries = [entry(zone, justification=f"#{i}") for i in range(3)]
    response = dpo_client.post(reverse("oversight:verify"), follow=True)
    assert b"is intact (3 entries)" in response.content

    AccessLogEntry.objects.filter(pk=entries[1].pk).update(justification="rewritten")
    response = dpo_client.post(reverse("oversight:verify"), follow=True)
    assert f"Chain {zone.code} is broken at sequence 2".encode() in response.content
    (row,) = response.context["chains"]
    assert row["chain"] == zone.code and row["entries"] == 3
    assert row["verification"].ok is False and row["verification"].problem.startswith("#2:")
    assert b"Broken" in response.content


def test_the_chain_panel_shows_the_last_signed_head(zones, dpo_client):
    from audit.chain import sign_heads

    entry(zones[0])
    sign_heads()
    entry(zones[0])
    sign_heads()  # heads 1 and 2: the newest is shown
    (row,) = dpo_client.get(reverse("oversight:console")).context["chains"]
    assert row["signed_head"].sequence == 2 and row["verification"] is None


def test_verify_now_checks_only_the_chains_the_person_reads(zones, dpo_client):
    entry(zones[0])
    entry(zones[1])
    dpo_client.post(reverse("oversight:verify"))
    from audit.models import ChainVerification

    assert set(ChainVerification.objects.values_list("chain", flat=True)) == {zones[0].code}


# Anomalies ------------------------------------------------------------------------------------------------------


def _kinds(membership, now=NOW):
    return [a.kind for a in anomalies.find_anomalies(actor=actor_of(membership), now=now)]


def _scheduled_version(provider):
    consumer = OrganisationFactory()
    convention = convention_services.convention_create(
        actor=chief_of(provider),
        consumer=consumer,
        title="Office hours",
        valid_from=NOW - timedelta(days=300),
        time_condition="schedule",
        schedule=[{"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}],
        **DEFAULTS,
    )
    return convention.versions.get(), consumer


def test_access_outside_a_conventions_hours_is_flagged(zones, person):
    zone = zones[0]
    version, consumer = _scheduled_version(zone)
    dpo = person(zone, "dpo")
    common = {"convention_version": version, "actor_organisation": consumer, "reason": "convention"}
    # Monday 16 June 2025: 19:00 in Brussels is 17:00 UTC (summer time), the end of the slot (exclusive).
    outside = entry(zone, occurred_at=datetime(2025, 6, 16, 17, 0, tzinfo=UTC), **common)
    found = [a for a in anomalies.find_anomalies(actor=actor_of(dpo), now=NOW) if a.kind == anomalies.OUTSIDE_HOURS]
    assert [a.entry_ids for a in found] == [[outside.pk]]


def test_access_within_the_hours_or_by_break_glass_or_denied_is_not_flagged(zones, person):
    zone = zones[0]
    version, consumer = _scheduled_version(zone)
    dpo = person(zone, "dpo")
    common = {"convention_version": version, "actor_organisation": consumer}
    entry(zone, occurred_at=datetime(2025, 6, 16, 16, 59, tzinfo=UTC), reason="convention", **common)  # 18:59
    entry(zone, occurred_at=datetime(2025, 6, 14, 10, 0, tzinfo=UTC), decision="deny", **common)  # a Saturday
    review = {"conditions": {"review_due_at": (NOW + timedelta(hours=5)).isoformat()}}
    entry(zone, occurred_at=NOW - timedelta(hours=19), reason="break_glass", details=review, **common)
    assert anomalies.OUTSIDE_HOURS not in _kinds(dpo)


def _burst(zone, user, count, start, step):
    for i in range(count):
        entry(zone, actor=user, occurred_at=start + i * step)


def test_a_volume_far_above_the_users_baseline_is_flagged(zones, person):
    zone = zones[0]
    dpo, user = person(zone, "dpo"), UserFactory()
    for day in range(1, 15):  # two a day for the previous 14 days: median 2
        _burst(zone, user, 2, NOW - timedelta(days=day), timedelta(minutes=1))
    _burst(zone, user, 20, NOW - timedelta(hours=1), timedelta(seconds=30))  # 20 today > 3 × 2
    (flag,) = [a for a in anomalies.find_anomalies(actor=actor_of(dpo), now=NOW) if a.kind == anomalies.VOLUME]
    assert flag.actor_name == str(user) and "20 entries today" in flag.description


def test_a_busy_day_within_the_baseline_or_below_the_minimum_is_not_flagged(zones, person):
    zone = zones[0]
    dpo, steady, light = person(zone, "dpo"), UserFactory(), UserFactory()
    for day in range(1, 15):  # steady: 7 a day, median 7; 21 today is exactly 3 × 7, not above
        _burst(zone, steady, 7, NOW - timedelta(days=day), timedelta(minutes=1))
    _burst(zone, steady, 21, NOW - timedelta(hours=1), timedelta(seconds=30))
    _burst(zone, light, 19, NOW - timedelta(hours=1), timedelta(seconds=30))  # no baseline, but under 20
    assert anomalies.VOLUME not in _kinds(dpo)


def test_repeated_denials_within_an_hour_are_flagged(zones, person):
    zone = zones[0]
    dpo, user = person(zone, "dpo"), UserFactory()
    start = NOW - timedelta(days=2)
    for i in range(6):
        entry(zone, actor=user, action=AccessAction.DENIED, decision="deny", reason="no_convention",
              occurred_at=start + i * timedelta(minutes=10))  # fmt: skip
    (flag,) = [
        a for a in anomalies.find_anomalies(actor=actor_of(dpo), now=NOW) if a.kind == anomalies.REPEATED_DENIALS
    ]
    assert len(flag.entry_ids) == 6 and flag.filters["decision"] == "deny"


def test_denials_spread_over_more_than_an_hour_or_fewer_than_five_are_not_flagged(zones, person):
    zone = zones[0]
    dpo, slow, few = person(zone, "dpo"), UserFactory(), UserFactory()
    start = NOW - timedelta(days=2)
    for i in range(5):  # five denials, the last 61 minutes after the first
        entry(zone, actor=slow, action=AccessAction.DENIED, decision="deny",
              occurred_at=start + i * timedelta(minutes=15, seconds=15))  # fmt: skip
    for i in range(4):
        entry(
            zone, actor=few, action=AccessAction.DENIED, decision="deny", occurred_at=start + i * timedelta(minutes=1)
        )
    assert anomalies.REPEATED_DENIALS not in _kinds(dpo)


def test_break_glass_past_its_review_deadline_awaits_review(zones, person):
    zone = zones[0]
    dpo = person(zone, "dpo")
    used = NOW - timedelta(hours=30)
    overdue = entry(zone, reason="break_glass", occurred_at=used,
                    details={"conditions": {"review_due_at": (used + timedelta(hours=24)).isoformat()}})  # fmt: skip
    recent = NOW - timedelta(hours=2)
    due = entry(zone, reason="break_glass", occurred_at=recent,
                details={"conditions": {"review_due_at": (recent + timedelta(hours=24)).isoformat()}})  # fmt: skip
    found = {a.entry_ids[0]: a for a in anomalies.find_anomalies(actor=actor_of(dpo), now=NOW)}
    assert found[overdue.pk].kind == anomalies.BREAK_GLASS_OVERDUE and found[overdue.pk].is_flag
    assert found[due.pk].kind == anomalies.BREAK_GLASS_DUE and not found[due.pk].is_flag


def test_the_console_lists_flags_with_links_to_the_entries(zones, person, signed_in):
    zone = zones[0]
    dpo = person(zone, "dpo")
    now = timezone.now()
    entry(zone, reason="break_glass", occurred_at=now - timedelta(hours=30),
          details={"conditions": {"review_due_at": (now - timedelta(hours=6)).isoformat()}})  # fmt: skip
    entry(zones[1], reason="break_glass", occurred_at=now - timedelta(hours=30))  # another zone's: not shown
    client = signed_in(dpo)
    response = client.get(reverse("oversight:console"))
    (flag,) = response.context["flags"]
    assert flag.kind == anomalies.BREAK_GLASS_OVERDUE and flag.chain == zone.code
    assert f"organisation={zone.code}" in flag.link and "decision=allow" in flag.link
    assert b"Break-glass access awaiting review" in response.content
    linked = client.get(reverse("oversight:console") + flag.link)
    assert len(ids_on_page(linked)) == 1


def test_the_api_counts_only_up_to_the_limit_and_keeps_paging(settings, monkeypatch, client):
    """A broad filter over millions of entries must not count them all: the count stops at the limit."""
    from rest_framework.test import APIClient

    from oversight import selectors
    from tests.factories import MembershipFactory
    from zones.services import api_token_create

    monkeypatch.setattr(selectors, "COUNT_LIMIT", 5)
    owner = OrganisationFactory()
    for _ in range(8):
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=owner))
    dpo = MembershipFactory(organisation=owner, role="dpo")
    _, key = api_token_create(actor=actor_for(dpo.user, owner.pk), name="t")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = api.get("/api/v1/access-log/", {"limit": 3}).json()
    assert (first["count"], first["count_capped"], len(first["results"])) == (5, True, 3)
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert len(second["results"]) == 3 and len(third["results"]) == 2 and third["next"] is None
    ids = [e["id"] for page in (first, second, third) for e in page["results"]]
    assert len(set(ids)) == 8
