"""The mayors' transparency report: per calendar month (Brussels time), what was done with the images of a police
zone's cameras and of each of its municipalities' cameras.

Who reads which report:
- a mayor reads their own zone (the organisation of their mayor membership); a mayor whose membership names a
  municipality reads that municipality only; another zone, or a municipality of another zone, answers 404;
- the supervisory body (role "supervisor") may choose any police zone;
- anyone else is refused (403).

What is counted, for the cameras of a scope (a municipality: the cameras located there, whoever owns them; the
zone: the cameras located in any of its municipalities, plus the zone's own cameras that have no municipality):
- accesses: consultation and decision entries that were allowed, by consuming organisation, purpose and mode;
- exports and downloads: allowed entries in mode "export", and disclosures;
- break-glass uses: allowed entries whose reason is "break_glass";
- denied attempts: entries with action "denied" or decision "deny".
An entry naming cameras of two municipalities counts once in each, and once in the zone.

How it is counted (SQLite and PostgreSQL alike): camera_ids is a JSON list, and JSON containment
(camera_ids__contains) is not available on SQLite, while a per-camera key lookup misses multi-camera entries. So:
1. the scope's camera ids are resolved first, and with them the controlling organisations (the cameras' owners:
   every entry about a camera is written in its owner's chain, see conventions.policy.decide);
2. the database selects the month's entries of those chains only (index controller_code + occurred_at) and
   aggregates them with values()/annotate(Count) grouped by the camera list itself and the reported dimensions
   (jsonb is groupable on PostgreSQL, JSON text on SQLite), so what comes back is one row per distinct
   combination (camera list, kind, break-glass, consumer, purpose, mode), never one row per entry;
3. Python only tests each grouped row's camera list against each scope's camera set and adds its count.
One query serves the zone and all its municipalities.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, CharField, Count, Q, Value, When
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.models import AccessAction, AccessLogEntry
from cameras.models import Camera
from conventions.models import Mode, Purpose
from conventions.policy import can_read_reports
from zones.models import Organisation, Role

__all__ = [
    "BRUSSELS",
    "ReportScope",
    "ScopeReport",
    "build_report",
    "default_month",
    "month_bounds",
    "parse_month",
    "report_scope",
]

BRUSSELS = ZoneInfo("Europe/Brussels")

ACCESS = "access"
DISCLOSURE = "disclosure"
DENIED = "denied"


# Months ---------------------------------------------------------------------------------------------------------


def default_month(now=None):
    """The first day of the previous calendar month in Brussels."""
    today = timezone.localtime(now or timezone.now(), BRUSSELS).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(value, now=None):
    """`YYYY-MM` as the first day of that month; the previous month when absent or not a valid month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2999 else default_month(now)
    except ValueError:
        return default_month(now)


def next_month(month):
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month):
    return (month - timedelta(days=1)).replace(day=1)


def month_label(month):
    """The month in words in the active language ("mars 2025", "maart 2025")."""
    return formats.date_format(month, "F Y")


def month_bounds(month):
    """[start, end) of the calendar month in Brussels, as aware datetimes (midnight local time)."""
    start = datetime(month.year, month.month, 1, tzinfo=BRUSSELS)
    following = next_month(month)
    return start, datetime(following.year, following.month, 1, tzinfo=BRUSSELS)


# Who reads what --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """The zone a report is about, whether its zone-wide section is shown, and its municipalities shown."""

    zone: Organisation
    include_zone: bool
    municipalities: tuple
    choosable_zones: tuple = ()  # for the supervisor


def _mayor_membership(actor):
    for membership in actor.memberships:
        if membership.role == Role.MAYOR:
            return membership
    return None


def report_scope(*, actor, zone_code="", municipality_code=""):
    """What this actor may read, narrowed by the requested zone and municipality. 403 for other roles; 404 for
    a zone or municipality out of reach (never telling whether it exists)."""
    if not can_read_reports(actor):
        raise PermissionDenied(_("Only mayors and the supervisory body read the transparency report."))
    zones = Organisation.objects.filter(kind=Organisation.Kind.POLICE_ZONE)
    choosable = ()
    if actor.is_supervisor:
        choosable = tuple(zones.filter(is_active=True))
        zone = zones.filter(code=zone_code).first() if zone_code else next(iter(choosable), None)
        if zone is None:
            raise Http404(_("No such police zone."))
        municipalities = list(zone.municipalities.all())
        include_zone = True
    else:
        zone = actor.organisation
        membership = _mayor_membership(actor)
        if zone.kind != Organisation.Kind.POLICE_ZONE or (zone_code and zone_code != zone.code):
            raise Http404(_("No such police zone."))
        if membership is not None and membership.municipality_id:
            municipality = membership.municipality
            if municipality.zone_id != zone.pk:
                raise Http404(_("No such municipality."))
            municipalities = [municipality]
            include_zone = False
        else:
            municipalities = list(zone.municipalities.all())
            include_zone = True
    if municipality_code:
        municipalities = [m for m in municipalities if m.nis_code == municipality_code]
        if not municipalities:
            raise Http404(_("No such municipality."))
        include_zone = False
    return ReportScope(
        zone=zone, include_zone=include_zone, municipalities=tuple(municipalities), choosable_zones=choosable
    )


# Counting -------------------------------------------------------------------------------------------------------


@dataclass
class ScopeReport:
    """The month's figures for one scope (the zone or one municipality)."""

    key: str
    title: str
    cameras: int
    accesses: int = 0
    by_consumer: Counter = field(default_factory=Counter)
    by_purpose: Counter = field(default_factory=Counter)
    by_mode: Counter = field(default_factory=Counter)
    exports: int = 0
    exports_by_consumer: Counter = field(default_factory=Counter)
    break_glass: int = 0
    break_glass_by_consumer: Counter = field(default_factory=Counter)
    denied: int = 0
    denied_by_consumer: Counter = field(default_factory=Counter)

    def add(self, row):
        count, consumer = row["n"], row["actor_organisation_code"] or ""
        if row["kind"] == DENIED:
            self.denied += count
            self.denied_by_consumer[consumer] += count
            return
        if row["kind"] == ACCESS:
            self.accesses += count
            self.by_consumer[consumer] += count
            self.by_purpose[row["purpose"] or ""] += count
            self.by_mode[row["mode"] or ""] += count
        if row["kind"] == DISCLOSURE or row["mode"] == Mode.EXPORT:
            self.exports += count
            self.exports_by_consumer[consumer] += count
        if row["break_glass"]:
            self.break_glass += count
            self.break_glass_by_consumer[consumer] += count

    @property
    def is_empty(self):
        return not (self.accesses or self.exports or self.break_glass or self.denied)


def _kind():
    """Each entry's place in the report; None for entries the report does not count (sign-ins, erasures...)."""
    return Case(
        When(action=AccessAction.APPROVAL, then=Value(None)),  # approvers deciding: no access to the images
        When(Q(action=AccessAction.DENIED) | Q(decision="deny"), then=Value(DENIED)),
        When(action__in=[AccessAction.CONSULTATION, AccessAction.DECISION], then=Value(ACCESS)),
        When(action=AccessAction.DISCLOSURE, then=Value(DISCLOSURE)),
        default=Value(None),
        output_field=CharField(),
    )


def grouped_rows(*, controllers, start, end):
    """The month's counted entries of these chains, grouped in the database (see the module docstring)."""
    if not controllers:
        return []
    return list(
        AccessLogEntry.objects.filter(
            controller_code__in=sorted(controllers), occurred_at__gte=start, occurred_at__lt=end
        )
        .annotate(
            kind=_kind(),
            break_glass=Case(
                When(~Q(decision="deny") & Q(reason="break_glass"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .filter(kind__isnull=False)
        .order_by()
        .values("camera_ids", "kind", "break_glass", "actor_organisation_code", "purpose", "mode")
        .annotate(n=Count("id"))
    )


def _camera_ids(cameras):
    return {pk: (municipality_id, owner_code) for pk, municipality_id, owner_code in cameras}


def build_report(scope, month):
    """One ScopeReport for the zone (when shown) and one per municipality shown, for that month."""
    municipality_ids = [m.pk for m in scope.municipalities]
    cameras_filter = Q(municipality_id__in=municipality_ids)
    if scope.include_zone:
        cameras_filter |= Q(owner=scope.zone, municipality__isnull=True)
    cameras = _camera_ids(Camera.objects.filter(cameras_filter).values_list("pk", "municipality_id", "owner__code"))
    controllers = {owner for _municipality, owner in cameras.values()}
    start, end = month_bounds(month)
    rows = grouped_rows(controllers=controllers, start=start, end=end)

    reports = []
    if scope.include_zone:
        zone_cameras = set(cameras)
        zone_report = ScopeReport(key=scope.zone.code, title=scope.zone.name, cameras=len(zone_cameras))
        reports.append((zone_report, zone_cameras))
    for municipality in scope.municipalities:
        own = {pk for pk, (municipality_id, _owner) in cameras.items() if municipality_id == municipality.pk}
        reports.append((ScopeReport(key=municipality.nis_code, title=municipality.name, cameras=len(own)), own))
    for row in rows:
        named = set(row["camera_ids"] or [])
        for report, ids in reports:
            if named & ids:
                report.add(row)
    return [report for report, _ids in reports]


# Labels ---------------------------------------------------------------------------------------------------------


def consumer_labels(reports):
    codes = set()
    for report in reports:
        for counter in (report.by_consumer, report.exports_by_consumer, report.denied_by_consumer):
            codes.update(counter)
        codes.update(report.break_glass_by_consumer)
    names = {o.code: o.name for o in Organisation.objects.filter(code__in=codes - {""})}
    return {code: (f"{code} · {names[code]}" if code in names else code or _("Unknown")) for code in codes}


def labelled(counter, labels):
    """[(label, count)] sorted by count (largest first), then label."""
    rows = [(str(labels.get(key, key or _("Unspecified"))), count) for key, count in counter.items() if count]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def purpose_labels():
    return dict(Purpose.choices)


def mode_labels():
    return dict(Mode.choices)


def sections(reports):
    """What the page and the PDF show for each scope: headline figures and labelled breakdowns, largest first."""
    consumers = consumer_labels(reports)
    purposes, modes = purpose_labels(), mode_labels()
    shown = []
    for report in reports:
        breakdowns = [
            ("consumer", _("Accesses by consuming organisation"), labelled(report.by_consumer, consumers)),
            ("purpose", _("Accesses by purpose"), labelled(report.by_purpose, purposes)),
            ("mode", _("Accesses by mode"), labelled(report.by_mode, modes)),
            ("exports", _("Exports and downloads by organisation"), labelled(report.exports_by_consumer, consumers)),
            ("break_glass", _("Break-glass uses by organisation"), labelled(report.break_glass_by_consumer, consumers)),
            ("denied", _("Denied attempts by organisation"), labelled(report.denied_by_consumer, consumers)),
        ]
        shown.append(
            {
                "report": report,
                "figures": [
                    (_("Cameras"), report.cameras),
                    (_("Accesses"), report.accesses),
                    (_("Exports and downloads"), report.exports),
                    (_("Break-glass uses"), report.break_glass),
                    (_("Denied attempts"), report.denied),
                ],
                "breakdowns": [
                    {"key": f"{report.key}-{key}", "title": title, "rows": rows} for key, title, rows in breakdowns
                ],
            }
        )
    return shown
