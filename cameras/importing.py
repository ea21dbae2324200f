"""Bulk import of cameras from CSV (UTF-8, comma or semicolon) or XLSX.

Every row is checked before anything is written; the report names line, column and what to fix. By default
the import is all-or-nothing; `partial=True` writes the valid rows only; `dry_run=True` writes nothing.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

from defusedxml import DefusedXmlException
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cameras.crypto import encrypt_credentials
from cameras.models import Camera, CameraGroup
from cameras.region import inside_region
from zones.models import LegalRegime, Municipality, Organisation, Role

__all__ = ["COLUMNS", "ImportIssue", "ImportReport", "import_cameras", "read_rows"]

REQUIRED = ["owner", "name", "latitude", "longitude"]
COLUMNS = REQUIRED + [
    "kind", "legal_regime", "special_risk_place", "address", "municipality", "rtsp_main_uri", "rtsp_sub_uri",
    "onvif_address", "snapshot_uri", "username", "password", "groups", "tags", "retention_days_at_source",
    "camera_law_declaration_ref", "council_approval_ref", "dpia_ref", "privacy_mask_note",
]  # fmt: skip
MAX_ROWS = 50_000
TRUE = {"1", "true", "yes", "y", "oui", "ja", "x"}
FALSE = {"", "0", "false", "no", "n", "non", "nee"}
BATCH = 1000


@dataclass(frozen=True)
class ImportIssue:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    dry_run: bool = False
    issues: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.issues


class FileProblem(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _decode(raw):
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            _("The file is not UTF-8 text (byte %(position)d). Save it as “CSV UTF-8” and try again.")
            % {"position": exc.start + 1}
        ) from exc


# Control characters no text field can hold (NUL above all: PostgreSQL refuses it); tab and line ends are fine.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(header, rows):
    for line, row in [(1, dict(zip(header, header, strict=False))), *rows]:
        for column, value in row.items():
            if CONTROL_CHARACTERS.search(value or "") or CONTROL_CHARACTERS.search(column or ""):
                raise FileProblem(
                    _("Line %(line)d, column “%(column)s” holds a control character (such as NUL) that no text can "
                      "hold. Remove it and try again.") % {"line": line, "column": CONTROL_CHARACTERS.sub("?", column)}
                )  # fmt: skip
    return header, rows


def read_rows(uploaded_name, raw):
    """(header, rows) where rows are (line number, dict). Raises FileProblem for an unreadable file."""
    if uploaded_name.lower().endswith(".xlsx"):
        return _refuse_control_characters(*_read_xlsx(raw))
    text = _decode(raw)
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
        rows = [(reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False))) for values in reader]
    except csv.Error as exc:
        raise FileProblem(
            _("The CSV cannot be read near line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc
    return _refuse_control_characters(header, [(line, row) for line, row in rows if any(row.values())])


def _defused(error):
    """Whether defusedxml refused the XML (openpyxl parses with it when it is installed, and wraps its errors)."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_xlsx(raw):
    from openpyxl import load_workbook  # slow to import, and only XLSX files need it

    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).active
        values = list(sheet.iter_rows(values_only=True))  # read-only sheets parse their XML as they are read
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same problem for the person
        if _defused(exc):
            raise FileProblem(
                _("The spreadsheet declares XML entities or a document type, which a workbook never needs and the "
                  "portal does not read. Save it again as .xlsx from your spreadsheet program.")
            ) from exc  # fmt: skip
        raise FileProblem(_("The spreadsheet cannot be opened: save it again as .xlsx.")) from exc
    values = iter(values)
    header = [str(h or "").strip().lower() for h in next(values, [])]
    rows = []
    for line, row in enumerate(values, start=2):
        cells = ["" if v is None else str(v).strip() for v in row]
        if any(cells):
            rows.append((line, dict(zip(header, cells, strict=False))))
    return header, rows


def _split_credentials(uri):
    """Move user:password out of a stream address: addresses are shown, credentials never are."""
    parts = urlsplit(uri)
    if parts.username is None:
        return uri, None, None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), parts.username, parts.password


class _RowChecker:
    def __init__(self, actor):
        self.actor = actor
        self.owners = {o.code.upper(): o for o in Organisation.objects.filter(is_active=True)}
        self.municipalities = {}
        for m in Municipality.objects.all():
            for key in (m.nis_code, m.name_fr.lower(), m.name_nl.lower()):
                self.municipalities[key] = m
        self.kinds = {k.lower(): k for k in Camera.Kind.values} | {
            str(label).lower(): value for value, label in Camera.Kind.choices
        }
        self.regimes = {r: r for r in LegalRegime.values} | {"camera law": LegalRegime.CAMERA_LAW}
        self.existing_names = set(Camera.objects.values_list("owner__code", "name"))
        self.existing_uris = set(Camera.objects.exclude(rtsp_main_uri="").values_list("rtsp_main_uri", flat=True))
        self.seen_names = {}
        self.seen_uris = {}

    def check(self, line, row):
        issues = []

        def problem(column, message):
            issues.append(ImportIssue(line, column, message))

        owner = self.owners.get(row.get("owner", "").upper())
        if owner is None:
            problem("owner", _("Unknown organisation code “%(code)s”.") % {"code": row.get("owner", "")})
        elif not (
            self.actor.is_platform_admin or (self.actor.has_role(Role.CHIEF) and owner.pk == self.actor.organisation.pk)
        ):
            problem(
                "owner",
                _("You may import cameras only for your own organisation (%(code)s).")
                % {"code": self.actor.organisation.code},
            )

        name = row.get("name", "")
        if not name:
            problem("name", _("A camera needs a name."))
        elif len(name) > 200:
            problem("name", _("The name is longer than 200 characters."))
        elif owner is not None:
            key = (owner.code, name)
            if key in self.existing_names:
                problem(
                    "name", _("%(owner)s already has a camera named “%(name)s”.") % {"owner": owner.code, "name": name}
                )
            elif key in self.seen_names:
                problem("name", _("Same name as line %(line)d.") % {"line": self.seen_names[key]})
            else:
                self.seen_names[key] = line

        position = {}
        for column in ("latitude", "longitude"):
            value = row.get(column, "").replace(",", ".")
            try:
                position[column] = Decimal(value).quantize(Decimal("0.000001"))
            except (InvalidOperation, ValueError):
                problem(
                    column,
                    _("“%(value)s” is not a number (use a dot or a comma for decimals).")
                    % {"value": row.get(column, "")},
                )
        if len(position) == 2 and not inside_region(position["latitude"], position["longitude"]):
            problem(
                "latitude",
                _("The position %(lat)s, %(lon)s is outside the region; are latitude and longitude swapped?")
                % {"lat": position["latitude"], "lon": position["longitude"]},
            )

        kind = self.kinds.get((row.get("kind") or "fixed").lower())
        if kind is None:
            problem("kind", _("Kind must be one of: fixed, ptz, anpr, mobile."))
        regime = ""
        if row.get("legal_regime"):
            regime = self.regimes.get(row["legal_regime"].lower())
            if regime is None:
                problem("legal_regime", _("Legal regime must be “police” or “camera_law”."))
        special = row.get("special_risk_place", "").lower()
        if special not in TRUE | FALSE:
            problem("special_risk_place", _("Write yes or no."))

        municipality = None
        if row.get("municipality"):
            municipality = self.municipalities.get(row["municipality"].lower())
            if municipality is None:
                problem(
                    "municipality",
                    _("Unknown municipality “%(value)s” (use the NIS code or the French or Dutch name).")
                    % {"value": row["municipality"]},
                )

        username, password = row.get("username", ""), row.get("password", "")
        uris = {}
        for column, schemes in (
            ("rtsp_main_uri", ("rtsp", "rtsps")),
            ("rtsp_sub_uri", ("rtsp", "rtsps")),
            ("onvif_address", ("http", "https")),
            ("snapshot_uri", ("http", "https")),
        ):
            value = row.get(column, "")
            if not value:
                uris[column] = ""
                continue
            try:
                parts = urlsplit(value)
                valid = parts.scheme in schemes and parts.hostname
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                valid = False
            if not valid:
                problem(
                    column, _("Not a valid %(schemes)s address.") % {"schemes": " / ".join(f"{s}://" for s in schemes)}
                )
                continue
            clean, uri_user, uri_password = _split_credentials(value)
            username, password = username or uri_user or "", password or uri_password or ""
            uris[column] = clean
        main = uris.get("rtsp_main_uri")
        if main:
            if main in self.existing_uris:
                problem("rtsp_main_uri", _("Another camera already uses this stream address."))
            elif main in self.seen_uris:
                problem("rtsp_main_uri", _("Same stream address as line %(line)d.") % {"line": self.seen_uris[main]})
            else:
                self.seen_uris[main] = line

        retention = None
        if row.get("retention_days_at_source"):
            try:
                retention = int(row["retention_days_at_source"])
                if not 0 <= retention <= 3650:
                    raise ValueError
            except ValueError:
                problem("retention_days_at_source", _("Retention is a whole number of days between 0 and 3650."))

        for column in ("camera_law_declaration_ref", "council_approval_ref", "dpia_ref"):
            if len(row.get(column, "")) > 100:
                problem(column, _("At most 100 characters."))

        if issues:
            return None, issues
        camera = Camera(
            owner=owner,
            name=name,
            kind=kind,
            legal_regime=regime or owner.legal_regime,
            special_risk_place=special in TRUE,
            latitude=position["latitude"],
            longitude=position["longitude"],
            address=row.get("address", "")[:300],
            municipality=municipality,
            tags=row.get("tags", "")[:300],
            retention_days_at_source=retention,
            camera_law_declaration_ref=row.get("camera_law_declaration_ref", ""),
            council_approval_ref=row.get("council_approval_ref", ""),
            dpia_ref=row.get("dpia_ref", ""),
            privacy_mask_note=row.get("privacy_mask_note", ""),
            **uris,
        )
        if username or password:
            camera.credentials_encrypted = encrypt_credentials(username, password)
        groups = [g.strip() for g in row.get("groups", "").split(";") if g.strip()]
        return (camera, groups), []


def import_cameras(*, actor, filename, raw, dry_run=False, partial=False):
    """Check every row, then write all valid cameras in one transaction (or none, unless partial)."""
    if not (actor.is_platform_admin or actor.has_role(Role.CHIEF)):
        raise PermissionDenied(_("Only the chief (or a platform administrator) imports cameras."))
    report = ImportReport(dry_run=dry_run)
    try:
        header, rows = read_rows(filename, raw)
    except FileProblem as problem:
        report.issues.append(ImportIssue(0, "", problem.message))
        return report
    for column in (c for c in header if c and c not in COLUMNS):
        report.issues.append(
            ImportIssue(
                1,
                column,
                _("Unknown column “%(column)s”; expected some of: %(columns)s.")
                % {"column": column, "columns": ", ".join(COLUMNS)},
            )
        )
    missing = [column for column in REQUIRED if column not in header]
    for column in missing:
        report.issues.append(
            ImportIssue(1, column, _("The column “%(column)s” is missing from the first line.") % {"column": column})
        )
    if missing:
        return report
    if len(rows) > MAX_ROWS:
        report.issues.append(ImportIssue(0, "", _("At most %(max)d rows per file.") % {"max": MAX_ROWS}))
        return report

    checker = _RowChecker(actor)
    valid = []
    report.total_rows = len(rows)
    for line, row in rows:
        item, issues = checker.check(line, row)
        report.issues.extend(issues)
        if item:
            valid.append(item)
    report.valid_rows = len(valid)
    if dry_run or (report.issues and not partial):
        return report
    report.created = _write(valid)
    return report


@transaction.atomic
def _write(valid):
    cameras = [camera for camera, _groups in valid]
    Camera.objects.bulk_create(cameras, batch_size=BATCH)
    wanted = {(camera.owner_id, name) for camera, groups in valid for name in groups}
    existing = {(g.owner_id, g.name): g for g in CameraGroup.objects.filter(owner_id__in={o for o, _n in wanted})}
    missing = [
        CameraGroup(owner_id=owner_id, name=name) for owner_id, name in wanted if (owner_id, name) not in existing
    ]
    CameraGroup.objects.bulk_create(missing, batch_size=BATCH)
    groups = {(g.owner_id, g.name): g for g in CameraGroup.objects.filter(owner_id__in={o for o, _n in wanted})}
    links = [
        Camera.groups.through(camera_id=camera.pk, cameragroup_id=groups[(camera.owner_id, name)].pk)
        for camera, names in valid
        for name in names
    ]
    Camera.groups.through.objects.bulk_create(links, batch_size=BATCH)
    return len(cameras)
