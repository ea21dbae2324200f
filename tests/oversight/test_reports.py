"""The mayors' transparency report: monthly figures per zone and municipality, who reads which, charts, PDF."""

import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.access import AccessAction, AccessRecord, record_access
from oversight import charts, reports
from tests.factories import CameraFactory, MunicipalityFactory, OrganisationFactory
from zones.models import Organisation

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
# March 2025 in Brussels: from 1 March 00:00 (UTC+1) = 28 Feb 23:00 UTC, until 1 April 00:00 (UTC+2, summer time
# since 30 March) = 31 March 22:00 UTC.
FIRST_INSTANT = datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
LAST_INSTANT = datetime(2025, 3, 31, 21, 59, 59, tzinfo=UTC)
MID = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def log(controller, cameras, consumer, *, at=MID, **fields):
    values = {
        "action": AccessAction.DECISION,
        "controller": controller,
        "actor_organisation": consumer,
        "cameras": cameras,
        "purpose": "public_order",
        "mode": "live",
        "decision": "allow",
        "reason": "convention",
        "occurred_at": at,
        **fields,
    }
    return record_access(AccessRecord(**values))


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.zone = OrganisationFactory(code="Z5339", name_fr="Zone Bruxelles-Ixelles", name_nl="Zone Brussel-Elsene")
    w.other_zone = OrganisationFactory(code="Z5340", name_fr="Zone Midi", name_nl="Zone Zuid")
    w.transport = OrganisationFactory(code="STIB", regional=True)
    w.consumer = OrganisationFactory(code="REGSEC", kind=Organisation.Kind.REGIONAL_SECURITY)
    w.ixelles = MunicipalityFactory(zone=w.zone, nis_code="21009", name_fr="Ixelles", name_nl="Elsene")
    w.brussels = MunicipalityFactory(zone=w.zone, nis_code="21004", name_fr="Bruxelles", name_nl="Brussel")
    w.forest = MunicipalityFactory(zone=w.other_zone, nis_code="21007", name_fr="Forest", name_nl="Vorst")
    w.flagey = CameraFactory(owner=w.zone, municipality=w.ixelles, name="Flagey")
    w.metro = CameraFactory(owner=w.transport, municipality=w.brussels, name="De Brouckère metro")
    w.forest_cam = CameraFactory(owner=w.other_zone, municipality=w.forest, name="Altitude 100")
    w.no_place = CameraFactory(owner=w.zone, municipality=None, name="Mobile van")
    return w


@pytest.fixture
def month_log(world):
    w = world
    # Flagey (Ixelles, zone-owned)
    log(w.zone, [w.flagey], w.consumer, at=FIRST_INSTANT)  # first instant of March in Brussels
    log(w.zone, [w.flagey], w.consumer, at=LAST_INSTANT)  # last second of March in Brussels
    log(w.zone, [w.flagey], w.transport, purpose="criminal_investigation", mode="playback")
    log(w.zone, [w.flagey], w.consumer, action=AccessAction.CONSULTATION, purpose="criminal_investigation",
        mode="export")  # fmt: skip
    log(w.zone, [w.flagey], w.transport, purpose="crisis", reason="break_glass")
    log(w.zone, [w.flagey], w.transport, action=AccessAction.DENIED, decision="deny", reason="no_convention")
    # The metro camera (in Brussels, owned by the transport operator: its chain)
    log(w.transport, [w.metro], w.consumer, purpose="traffic_management")
    log(w.transport, [w.metro], w.consumer, action=AccessAction.DISCLOSURE, mode="", recipient=w.consumer)
    # One consultation of both cameras: once in each municipality, once in the zone
    log(w.zone, [w.flagey, w.metro], w.consumer, action=AccessAction.CONSULTATION, mode="playback")
    # A zone camera placed in no municipality: the zone only
    log(w.zone, [w.no_place], w.consumer, mode="ptz")
    # Not counted: other months (either side of midnight in Brussels), another zone, sign-ins
    log(w.zone, [w.flagey], w.consumer, at=datetime(2025, 2, 28, 22, 59, 59, tzinfo=UTC))
    log(w.zone, [w.flagey], w.consumer, at=datetime(2025, 3, 31, 22, 0, tzinfo=UTC))
    log(w.other_zone, [w.forest_cam], w.consumer)
    record_access(AccessRecord(action=AccessAction.LOGIN_SUCCESS, controller=None, occurred_at=MID))
    return w


def by_key(built):
    return {report.key: report for report in built}


def whole_zone(world):
    return reports.ReportScope(zone=world.zone, include_zone=True, municipalities=(world.brussels, world.ixelles))


# Counting -------------------------------------------------------------------------------------------------------


def test_month_bounds_are_midnight_in_brussels():
    start, end = reports.month_bounds(MARCH)
    assert start == FIRST_INSTANT
    assert end == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert reports.parse_month("2025-03") == MARCH
    assert reports.parse_month("nonsense", now=MID) == date(2025, 2, 1)
    assert reports.default_month(datetime(2025, 3, 31, 22, 30, tzinfo=UTC)) == MARCH  # 1 April 00:30 locally


def test_counts_for_the_zone_and_each_municipality(month_log):
    w = month_log
    built = by_key(reports.build_report(whole_zone(w), MARCH))
    zone, ixelles, brussels = built["Z5339"], built["21009"], built["21004"]

    assert zone.cameras == 3 and ixelles.cameras == 1 and brussels.cameras == 1
    assert zone.accesses == 8
    assert zone.by_consumer == {"REGSEC": 6, "STIB": 2}
    assert zone.by_purpose == {"public_order": 4, "criminal_investigation": 2, "crisis": 1, "traffic_management": 1}
    assert zone.by_mode == {"live": 4, "playback": 2, "export": 1, "ptz": 1}
    assert zone.exports == 2 and zone.exports_by_consumer == {"REGSEC": 2}
    assert zone.break_glass == 1 and zone.break_glass_by_consumer == {"STIB": 1}
    assert zone.denied == 1 and zone.denied_by_consumer == {"STIB": 1}

    assert ixelles.accesses == 6
    assert ixelles.by_consumer == {"REGSEC": 4, "STIB": 2}
    assert ixelles.by_mode == {"live": 3, "playback": 2, "export": 1}
    assert (ixelles.exports, ixelles.break_glass, ixelles.denied) == (1, 1, 1)

    assert brussels.accesses == 2
    assert brussels.by_purpose == {"traffic_management": 1, "public_order": 1}
    assert (brussels.exports, brussels.break_glass, brussels.denied) == (1, 0, 0)


def test_another_month_counts_nothing_from_march(month_log):
    built = by_key(reports.build_report(whole_zone(month_log), date(2025, 4, 1)))
    assert built["Z5339"].accesses == 1  # the entry at 00:00 on 1 April in Brussels
    assert built["21004"].is_empty


def test_aggregation_happens_in_the_database(month_log, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # cameras, grouped entries (organisation names come later)
        reports.build_report(whole_zone(month_log), MARCH)
    start, end = reports.month_bounds(MARCH)
    rows = reports.grouped_rows(controllers={"Z5339"}, start=start, end=end)
    # the two live public-order decisions on Flagey by REGSEC are one grouped row
    same = [r for r in rows if r["camera_ids"] == [month_log.flagey.pk] and r["mode"] == "live" and r["n"] == 2]
    assert len(same) == 1 and len(rows) == 7  # 8 counted entries in the zone's chain


# Who reads which report -----------------------------------------------------------------------------------------


def page(client, **params):
    return client.get(reverse("oversight:report"), params)


def test_a_zone_mayor_sees_the_zone_and_each_municipality(month_log, person, signed_in):
    client = signed_in(person(month_log.zone, "mayor"))
    response = page(client, month="2025-03")
    assert response.status_code == 200
    keys = [section["report"].key for section in response.context["sections"]]
    assert keys == ["Z5339", "21004", "21009"]
    assert response.context["sections"][0]["report"].accesses == 8
    text = response.content.decode()
    assert "<svg" in text and "<title" in text and "<desc" in text and 'role="img"' in text
    assert "Altitude 100" not in text and "Z5340" not in text


def test_a_municipality_mayor_sees_only_their_municipality(month_log, person, signed_in):
    w = month_log
    client = signed_in(person(w.zone, "mayor", municipality=w.ixelles))
    response = page(client, month="2025-03")
    assert response.status_code == 200
    assert [section["report"].key for section in response.context["sections"]] == ["21009"]
    assert response.context["sections"][0]["report"].accesses == 6
    assert page(client, month="2025-03", municipality=w.brussels.nis_code).status_code == 404
    assert page(client, municipality=w.ixelles.nis_code).status_code == 200


def test_a_mayor_never_sees_another_zone(month_log, person, signed_in):
    w = month_log
    client = signed_in(person(w.zone, "mayor"))
    assert page(client, zone=w.other_zone.code).status_code == 404
    assert page(client, municipality=w.forest.nis_code).status_code == 404
    assert client.get(reverse("oversight:report_pdf"), {"zone": w.other_zone.code}).status_code == 404
    assert page(client, zone=w.zone.code, municipality=w.brussels.nis_code).status_code == 200


@pytest.mark.parametrize("role", ["operator", "dpo", "chief"])
def test_other_roles_are_refused(month_log, person, signed_in, role):
    client = signed_in(person(month_log.zone, role))
    assert page(client).status_code == 403
    assert client.get(reverse("oversight:report_pdf")).status_code == 403


def test_the_supervisor_chooses_any_zone(month_log, person, signed_in):
    w = month_log
    body = OrganisationFactory(kind=Organisation.Kind.SUPERVISOR)
    client = signed_in(person(body, "supervisor"))
    response = page(client, zone=w.other_zone.code, month="2025-03")
    assert response.status_code == 200
    assert [s["report"].key for s in response.context["sections"]] == ["Z5340", "21007"]
    assert response.context["sections"][0]["report"].accesses == 1
    assert page(client, zone=w.zone.code, month="2025-03").context["sections"][0]["report"].accesses == 8
    assert page(client, zone="NOPE").status_code == 404
    assert page(client).status_code == 200  # a zone chosen for them


def test_the_navigation_offers_the_report_to_mayors_only(world, person, signed_in, client):
    mayor = signed_in(person(world.zone, "mayor"))
    assert reverse("oversight:report").encode() in mayor.get(reverse("cameras:list")).content
    client.logout()
    operator = signed_in(person(world.zone, "operator"))
    assert reverse("oversight:report").encode() not in operator.get(reverse("cameras:list")).content


# Languages, charts and the PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "name"), [("fr", "Zone Bruxelles-Ixelles"), ("nl", "Zone Brussel-Elsene")])
def test_the_page_is_in_the_readers_language(month_log, person, signed_in, language, name):
    client = signed_in(person(month_log.zone, "mayor"))
    client.cookies["portal_language"] = language
    text = page(client, month="2025-03").content.decode()
    assert f'<html lang="{language}"' in text
    assert name in text
    assert ("Elsene" if language == "nl" else "Ixelles") in text


@pytest.mark.parametrize(("language", "name"), [("fr", b"Zone Bruxelles-Ixelles"), ("nl", b"Zone Brussel-Elsene")])
def test_the_pdf_names_the_zone_in_the_readers_language(month_log, person, signed_in, language, name):
    client = signed_in(person(month_log.zone, "mayor"))
    client.cookies["portal_language"] = language
    response = client.get(reverse("oversight:report_pdf"), {"month": "2025-03"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert name in response.content
    assert "transparency-Z5339-2025-03.pdf" in response["Content-Disposition"]


def test_the_pdf_draws_the_charts(month_log):
    from reportlab.graphics.shapes import Rect

    from oversight import report_pdf

    scope = whole_zone(month_log)
    shown = reports.sections(reports.build_report(scope, MARCH))
    content = report_pdf.render_report(scope=scope, month=MARCH, month_label="March 2025", shown=shown)
    assert content.startswith(b"%PDF")
    drawing = charts.bar_chart_drawing([("REGSEC", 6), ("STIB", 2)])
    bars = [shape for shape in drawing.contents if isinstance(shape, Rect)]
    assert len(bars) == 2 and bars[0].width == pytest.approx(3 * bars[1].width)  # to scale
    assert bars[0].width == pytest.approx((charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH - 8) * 0.8)


def test_the_pdf_prints_names_as_written(month_log, person, signed_in):
    zone = month_log.zone
    zone.name_fr = "Zone Yılmaz Łukasz Đorđe"
    zone.save(update_fields=["name_fr"])
    month_log.consumer.name_fr = "Sécurité Łódź Đakovo"  # a recipient: in a table and in a chart's labels
    month_log.consumer.save(update_fields=["name_fr"])
    client = signed_in(person(zone, "mayor"))
    client.cookies["portal_language"] = "fr"
    response = client.get(reverse("oversight:report_pdf"), {"month": "2025-03"})
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Zone Yılmaz Łukasz Đorđe" in text
    assert "REGSEC · Sécurité Łódź Đakovo" in text  # the tables and the charts' labels
    assert "?" not in text  # nothing drawn as an unknown character


def test_the_svg_chart_is_accessible_and_escaped():
    svg = charts.bar_chart_svg("Accès <par> mode", [("Live & <b>", 3), ("Export", 1)])
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby=" in svg
    assert "<title" in svg and "Accès &lt;par&gt; mode" in svg
    assert "<desc" in svg and "Live &amp; &lt;b&gt;: 3; Export: 1" in svg
    assert svg.count("<rect") == 2 and "<script" not in svg
    assert "No data for this period." in charts.bar_chart_svg("Empty", [])
