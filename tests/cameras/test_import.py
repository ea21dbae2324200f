"""Bulk import: every row checked, an error report a person can fix from, all or nothing by default."""

import io
import time
import zipfile

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cameras.crypto import decrypt_credentials
from cameras.importing import import_cameras
from cameras.models import Camera
from tests.factories import CameraFactory, OrganisationFactory, api_token_for
from zones.models import Municipality
from zones.reference import seed_reference
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db

HEADER = "owner,name,kind,latitude,longitude,municipality,rtsp_main_uri,groups,special_risk_place\n"


@pytest.fixture
def chief(person):
    seed_reference()
    from zones.models import Organisation

    membership = person(organisation=Organisation.objects.get(code="STIB"), role="chief")
    return actor_for(membership.user, membership.organisation_id)


def _csv(*rows, header=HEADER):
    return (header + "".join(row + "\n" for row in rows)).encode()


def test_valid_file_creates_cameras_groups_and_keeps_credentials_out_of_addresses(chief):
    raw = _csv(
        "STIB,De Brouckère 1,fixed,50.8510,4.3520,21004,rtsp://admin:pw@10.9.0.1/main,Metro line 1;Premetro,yes",
        "STIB,De Brouckère 2,ptz,50.8511,4.3521,Elsene,rtsp://10.9.0.2/main,Metro line 1,no",
    )
    report = import_cameras(actor=chief, filename="stib.csv", raw=raw)
    assert report.ok and report.created == 2
    first = Camera.objects.get(name="De Brouckère 1")
    assert first.rtsp_main_uri == "rtsp://10.9.0.1/main"
    assert decrypt_credentials(first.credentials_encrypted) == ("admin", "pw")
    assert first.special_risk_place and first.retention_days == 90
    assert set(first.groups.values_list("name", flat=True)) == {"Metro line 1", "Premetro"}
    assert Camera.objects.get(name="De Brouckère 2").municipality == Municipality.objects.get(nis_code="21009")


def test_every_bad_row_is_reported_and_nothing_is_written(chief):
    CameraFactory(owner=chief.organisation, name="Existing", rtsp_main_uri="rtsp://10.9.9.9/main")
    raw = _csv(
        "STIB,Good one,fixed,50.85,4.35,21004,rtsp://10.9.0.1/main,,no",
        "STIB,Swapped,fixed,4.35,50.85,21004,,,no",
        "STIB,Not a number,fixed,fifty,4.35,21004,,,no",
        "NOPE,Unknown owner,fixed,50.85,4.35,21004,,,no",
        "5339,Someone else's,fixed,50.85,4.35,21004,,,no",
        "STIB,Existing,fixed,50.85,4.35,21004,,,no",
        "STIB,Good one,fixed,50.85,4.35,21004,,,no",
        "STIB,Same stream,fixed,50.85,4.35,21004,rtsp://10.9.0.1/main,,no",
        "STIB,Used stream,fixed,50.85,4.35,21004,rtsp://10.9.9.9/main,,no",
        "STIB,Bad kind,drone,50.85,4.35,21004,,,no",
        "STIB,Bad place,fixed,50.85,4.35,Atlantis,,,no",
        "STIB,Bad flag,fixed,50.85,4.35,21004,,,maybe",
        "STIB,Bad scheme,fixed,50.85,4.35,21004,http://10.9.0.3/main,,no",
    )
    report = import_cameras(actor=chief, filename="stib.csv", raw=raw)
    assert report.created == 0 and Camera.objects.count() == 1
    found = {(issue.line, issue.column) for issue in report.issues}
    assert found == {
        (3, "latitude"), (4, "latitude"), (5, "owner"), (6, "owner"), (7, "name"), (8, "name"),
        (9, "rtsp_main_uri"), (10, "rtsp_main_uri"), (11, "kind"), (12, "municipality"), (13, "special_risk_place"),
        (14, "rtsp_main_uri"),
    }  # fmt: skip
    messages = {issue.line: issue.message for issue in report.issues}
    assert "swapped" in messages[3] and "line 2" in messages[8]


def test_partial_import_writes_only_the_valid_rows(chief):
    raw = _csv("STIB,Fine,fixed,50.85,4.35,,,,", "STIB,Broken,fixed,x,4.35,,,,")
    report = import_cameras(actor=chief, filename="stib.csv", raw=raw, partial=True)
    assert report.created == 1 and len(report.issues) == 1
    assert list(Camera.objects.values_list("name", flat=True)) == ["Fine"]


def test_dry_run_writes_nothing(chief):
    report = import_cameras(actor=chief, filename="stib.csv", raw=_csv("STIB,Fine,fixed,50.85,4.35,,,,"), dry_run=True)
    assert report.ok and report.valid_rows == 1 and report.created == 0
    assert not Camera.objects.exists()


def test_wrong_encoding_is_explained(chief):
    raw = _csv("STIB,Café Bourse,fixed,50.85,4.35,,,,").decode().encode("latin-1")
    report = import_cameras(actor=chief, filename="stib.csv", raw=raw)
    assert len(report.issues) == 1 and "UTF-8" in report.issues[0].message


def test_missing_and_unknown_columns_are_named(chief):
    raw = b"owner,name,lat,longitude\nSTIB,A,50.85,4.35\n"
    report = import_cameras(actor=chief, filename="stib.csv", raw=raw)
    assert {(i.line, i.column) for i in report.issues} == {(1, "latitude"), (1, "lat")}


def test_semicolons_decimal_commas_and_a_bom_from_excel(chief):
    raw = "\ufeffowner;name;latitude;longitude\nSTIB;Excel one;50,85;4,35\n".encode()
    assert import_cameras(actor=chief, filename="stib.csv", raw=raw).created == 1


def test_xlsx(chief):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["owner", "name", "latitude", "longitude", "kind"])
    sheet.append(["STIB", "From Excel", 50.85, 4.35, "anpr"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_cameras(actor=chief, filename="stib.xlsx", raw=buffer.getvalue())
    assert report.created == 1 and Camera.objects.get().kind == "anpr"


def test_eight_thousand_valid_rows_import_in_one_go(chief):
    rows = [
        f"STIB,Station {i:05d},fixed,{50.80 + (i % 100) / 1000:.6f},{4.30 + (i // 100) / 1000:.6f},,"
        f"rtsp://10.8.{i // 250}.{i % 250}/m,Line {i % 6},no"
        for i in range(8000)
    ]
    report = import_cameras(actor=chief, filename="big.csv", raw=_csv(*rows))
    assert report.ok, report.issues[:5]
    assert report.created == 8000 and Camera.objects.count() == 8000
    assert chief.organisation.camera_groups.count() == 6


def test_only_the_chief_or_a_platform_admin_imports(person):
    operator = person(role="operator")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_cameras(actor=actor_for(operator.user, operator.organisation_id), filename="x.csv", raw=b"")


def test_import_page_and_api(client, person, signed_in):
    organisation = OrganisationFactory(code="IMPT")
    chief = person(organisation=organisation, role="chief")
    signed_in(chief)
    upload = io.BytesIO(b"owner,name,latitude,longitude\nIMPT,Page one,50.85,4.35\nIMPT,Bad,1,1\n")
    upload.name = "cams.csv"
    response = client.post(reverse("cameras:import"), {"file": upload, "dry_run": ""})
    assert response.status_code == 400
    assert "outside the region" in response.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(chief)[1]}")
    upload = io.BytesIO(b"owner,name,latitude,longitude\nIMPT,Api one,50.85,4.35\n")
    upload.name = "cams.csv"
    response = api.post(reverse("camera-import-file"), {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 1


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _workbook_with_shared_strings(shared_strings):
    """A minimal workbook: a header and one camera whose texts are shared strings 0 to 5 (owner, name, latitude,
    longitude, then the owner's code and the camera's name), with xl/sharedStrings.xml as given."""
    header = "".join(f'<c r="{col}1" t="s"><v>{index}</v></c>' for index, col in enumerate("ABCD"))
    camera = '<c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c>'
    camera += '<c r="C2"><v>50.85</v></c><c r="D2"><v>4.35</v></c>'
    cells = f'<row r="1">{header}</row><row r="2">{camera}</row>'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Cameras" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PACKAGE_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{cells}</sheetData></worksheet>',
        "xl/sharedStrings.xml": shared_strings,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_a_workbook_of_shared_strings_imports(chief):
    strings = "".join(f"<si><t>{text}</t></si>" for text in ("owner", "name", "latitude", "longitude", "STIB", "Plain"))
    raw = _workbook_with_shared_strings(f'<sst xmlns="{_MAIN}" count="6" uniqueCount="6">{strings}</sst>')
    assert import_cameras(actor=chief, filename="plain.xlsx", raw=raw).created == 1
    assert Camera.objects.get().name == "Plain"


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">'
    b"<si><t>owner</t></si><si><t>name</t></si><si><t>latitude</t></si><si><t>longitude</t></si>"
    b"<si><t>STIB</t></si><si><t>&lol9;</t></si></sst>"
)


def test_an_xml_entity_bomb_in_a_workbook_is_refused_with_a_400_not_expanded(client, person, signed_in, chief):
    raw = _workbook_with_shared_strings(BILLION_LAUGHS)
    started = time.monotonic()
    report = import_cameras(actor=chief, filename="bomb.xlsx", raw=raw)
    assert time.monotonic() - started < 2
    assert [issue.message[:44] for issue in report.issues] == ["The spreadsheet declares XML entities or a d"]
    signed_in(person(organisation=chief.organisation, role="chief"))
    upload = io.BytesIO(raw)
    upload.name = "bomb.xlsx"
    response = client.post(reverse("cameras:import"), {"file": upload})
    assert response.status_code == 400
    assert "declares XML entities" in response.content.decode()
    assert not Camera.objects.exists()
