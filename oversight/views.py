"""The DPO console of the access log: filtered entries, exports, chain status and anomaly flags.

Exports are disclosures: each is written to the access log before the file is produced (no log, no export),
as a DISCLOSURE by the exporting person to their own organisation, one entry per chain the export contains
(controller = that chain's organisation, or None for the PLATFORM chain), so every chain records what left it.
"""

import json
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import PLATFORM_CHAIN, AccessAction, AccessLogUnavailable, AccessRecord, record_access
from audit.chain import verify_chain
from common.spreadsheets import csv_line_writer
from conventions.models import Purpose
from conventions.policy import can_read_log
from oversight import anomalies, charts, report_pdf, reports, selectors
from oversight.api.filters import DECISION_CHOICES, AccessLogFilterSet
from oversight.api.serializers import ENTRY_FIELDS
from oversight.forms import VerifyForm

PAGE_SIZE = 50
ORDER = ("-occurred_at", "-id")
COUNT_LIMIT = selectors.COUNT_LIMIT
PURPOSES = dict(Purpose.choices)
DECISIONS = dict(DECISION_CHOICES)


def _require_log_reader(request):
    if not can_read_log(request.actor):
        raise PermissionDenied(
            _("Only data protection officers, chiefs, the supervisory body and platform administrators read the log.")
        )


def _filtered(request):
    entries = selectors.entry_list(actor=request.actor)
    return AccessLogFilterSet(request.GET or None, queryset=entries, request=request)


def _labelled(entry):
    entry.purpose_label = PURPOSES.get(entry.purpose, entry.purpose)
    entry.decision_label = DECISIONS.get(entry.decision, entry.decision)
    return entry


def _link(filters):
    return "?" + urlencode({name: value for name, value in filters.items() if value})


class CappedPaginator(Paginator):
    """Counts the matches only up to COUNT_LIMIT (+1, to know there are more): counting every match of a broad
    filter over millions of entries takes seconds, and a DPO needs "more than 1,000", not the exact number.
    The pages reach the newest COUNT_LIMIT entries; the exports stream every match.

    One statement reads the (time, id) of the newest COUNT_LIMIT + 1 matches, in the page order: their number is
    the count and every page is a slice of them, whose entries are then read by primary key. So the filters (a
    text search over millions of entries, say) are evaluated once per page, and a broad filter stops at the
    first matches it meets walking the time index backwards."""

    limit = COUNT_LIMIT

    @cached_property
    def _matches(self):
        return list(self.object_list.values_list("id", flat=True)[: self.limit + 1])

    @cached_property
    def count(self):
        return len(self._matches)

    @property
    def capped(self):
        return self.count > self.limit

    @cached_property
    def num_pages(self):
        return min(super().num_pages, -(-self.limit // self.per_page))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = self._matches[bottom : bottom + self.per_page]
        rows = {entry.pk: entry for entry in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def console_page(entries, number):
    """The console's page of these entries, newest first (also what benchmarks/bench_audit_console.py times)."""
    return CappedPaginator(entries.order_by(*ORDER), PAGE_SIZE).get_page(number)


def console_view(request):
    _require_log_reader(request)
    filterset = _filtered(request)
    entries = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
    page = console_page(entries, request.GET.get("page"))
    if page.paginator.capped:
        messages.info(
            request,
            _(
                "More than %(limit)s entries match: the pages show the newest %(limit)s. Narrow the filters to reach "
                "older ones; the CSV and JSON exports contain every match."
            )
            % {"limit": f"{COUNT_LIMIT:,}"},
        )
    for entry in page.object_list:
        _labelled(entry)
    query = request.GET.copy()
    query.pop("page", None)
    found = anomalies.find_anomalies(actor=request.actor)
    for anomaly in found:
        anomaly.link = _link(anomaly.filters)
    return render(
        request,
        "oversight/console.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "chains": selectors.chain_status(actor=request.actor),
            "flags": [a for a in found if a.is_flag],
            "due": [a for a in found if not a.is_flag],
            "anomaly_window": anomalies.WINDOW_DAYS,
            "verify_form": VerifyForm(),
            "count_capped": page.paginator.capped,
            "count_limit": COUNT_LIMIT,
        },
    )


def entry_detail_view(request, pk):
    # Looked up first: an entry the person may not read answers 404 for every role, as a missing one does.
    entry = _labelled(selectors.entry_get(actor=request.actor, pk=pk))
    _require_log_reader(request)
    return render(request, "oversight/entry_detail.html", {"entry": entry})


@require_POST
def verify_view(request):
    """Verify every chain the person reads, now (synchronously), and report each chain's outcome."""
    _require_log_reader(request)
    for chain in selectors.chain_list(actor=request.actor):
        report = verify_chain(chain)
        if report.ok:
            messages.success(
                request,
                _("Chain %(chain)s is intact (%(count)s entries).") % {"chain": chain, "count": report.entries},
            )
        else:
            messages.error(
                request,
                _("Chain %(chain)s is broken at sequence %(sequence)s: %(problem)s")
                % {"chain": chain, "sequence": report.first_bad_sequence, "problem": report.problem},
            )
    return redirect("oversight:console")


# Exports --------------------------------------------------------------------------------------------------------


def _export_row(entry):
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def _csv_value(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, cls=_ExportEncoder)
    return value


class _ExportEncoder(DjangoJSONEncoder):
    """Full-precision times (DjangoJSONEncoder would cut microseconds, which the entry hash covers)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _record_export(request, entries, file_format, filters):
    """Write the disclosure entries (one per chain in the export) before any byte leaves. Returns the number of
    entries exported."""
    actor = request.actor
    per_chain = dict(entries.order_by().values_list("controller_code").annotate(n=Count("id")))
    if not per_chain:  # an empty export is still a disclosure attempt: record it in the person's own chain
        chains = selectors.chain_list(actor=actor)
        own = actor.organisation.code
        per_chain = {own if own in chains or not chains else chains[0]: 0}
    organisations = selectors.chain_organisations(per_chain)
    for chain, count in sorted(per_chain.items()):
        record_access(
            AccessRecord(
                action=AccessAction.DISCLOSURE,
                controller=None if chain == PLATFORM_CHAIN else organisations.get(chain),
                actor=request.user,
                actor_organisation=actor.organisation,
                recipient=actor.organisation,
                justification="Access-log export",
                request=request,
                details={"export": {"format": file_format, "entries": count, "filters": filters}},
            )
        )
    return sum(per_chain.values())


def _export(request, file_format):
    _require_log_reader(request)
    filterset = _filtered(request)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(_("The filters are not valid."), status=400, content_type="text/plain; charset=utf-8")
    entries = filterset.qs
    # The export shows the log as it was when asked: not the disclosure entries it is about to add.
    last = entries.aggregate(last=Max("id"))["last"]
    entries = entries.filter(id__lte=last or 0)
    filters = {name: value for name, value in request.GET.items() if value and name != "page"}
    try:
        _record_export(request, entries, file_format, filters)
    except AccessLogUnavailable:
        return HttpResponse(
            _("The access log is unavailable: nothing was exported."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    rows = entries.order_by(*ORDER).iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    if file_format == "csv":
        writer = csv_line_writer()

        def lines():
            yield writer.writerow(ENTRY_FIELDS)
            for entry in rows:
                yield writer.writerow([_csv_value(value) for value in _export_row(entry).values()])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        encoder = _ExportEncoder(ensure_ascii=False)

        def chunks():
            yield "["
            for index, entry in enumerate(rows):
                yield ("," if index else "") + "\n" + encoder.encode(_export_row(entry))
            yield "\n]\n"

        response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.{file_format}"'
    return response


def export_csv_view(request):
    return _export(request, "csv")


def export_json_view(request):
    return _export(request, "json")


# The mayors' transparency report ---------------------------------------------------------------------------------


def _report_context(request):
    scope = reports.report_scope(
        actor=request.actor,
        zone_code=request.GET.get("zone", "").strip(),
        municipality_code=request.GET.get("municipality", "").strip(),
    )
    month = reports.parse_month(request.GET.get("month"))
    shown = reports.sections(reports.build_report(scope, month))
    return scope, month, shown


def report_view(request):
    """The month's transparency report of a zone and its municipalities, with server-drawn SVG charts."""
    scope, month, shown = _report_context(request)
    for section in shown:
        for breakdown in section["breakdowns"]:
            breakdown["svg"] = charts.bar_chart_svg(breakdown["title"], breakdown["rows"])
    query = {"month": month.strftime("%Y-%m")}
    if request.actor.is_supervisor:
        query["zone"] = scope.zone.code
    if request.GET.get("municipality"):
        query["municipality"] = request.GET["municipality"].strip()
    around = {}
    for name, other in (("previous", reports.previous_month(month)), ("next", reports.next_month(month))):
        around[name] = urlencode({**query, "month": other.strftime("%Y-%m")})
    return render(
        request,
        "oversight/report.html",
        {
            "scope": scope,
            "month": month,
            "month_value": month.strftime("%Y-%m"),
            "month_label": reports.month_label(month),
            "sections": shown,
            "pdf_query": urlencode(query),
            "previous_query": around["previous"],
            "next_query": around["next"],
        },
    )


def report_pdf_view(request):
    """The same report as a PDF, in the reader's language."""
    scope, month, shown = _report_context(request)
    content = report_pdf.render_report(scope=scope, month=month, month_label=reports.month_label(month), shown=shown)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"transparency-{scope.zone.code}-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
