"""The PDF of a mayor's transparency report, in the reader's language, built the way conventions/pdf.py builds
convention PDFs: common.pdf's embedded Unicode fonts, so names print as written.
The bar charts are the page's charts (oversight/charts.py), drawn with reportlab graphics."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from common.pdf import FONT, para, plain, utc_text
from oversight.charts import bar_chart_drawing

__all__ = ["render_report"]

CHART_WIDTH = 560  # chart units; scaled to the 170 mm text width below


def _figures_table(figures):
    table = Table([[para(label, "h3"), para(str(value))] for label, value in figures], colWidths=(70 * mm, 30 * mm))
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d1d9")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ]
        )
    )
    table.hAlign = "LEFT"
    return table


def render_report(*, scope, month, month_label, shown):
    """The PDF bytes of the report of `scope` for `month` (shown: reports.sections(...))."""
    zone = scope.zone
    title = _("Transparency report: %(zone)s") % {"zone": zone.name}
    subtitle = _("Use of the images of the cameras in %(month)s (Brussels time)") % {"month": month_label}
    story = [para(title, "title"), para(subtitle, "subtitle"), Spacer(1, 3 * mm)]
    story.append(
        para(
            _(
                "Accesses are allowed consultations and access decisions for the cameras located in the area "
                "(whoever owns them). Exports and downloads are allowed exports and disclosures. Break-glass uses "
                "are emergency accesses granted outside the usual terms. Denied attempts were refused and "
                "recorded. Every figure comes from the tamper-evident access log."
            )
        )
    )
    scale = (170 * mm) / CHART_WIDTH
    for section in shown:
        report = section["report"]
        story.append(para(report.title, "h2"))
        story.append(_figures_table(section["figures"]))
        for breakdown in section["breakdowns"]:
            if not breakdown["rows"]:
                continue
            story.append(
                KeepTogether(
                    [
                        para(breakdown["title"], "h3"),
                        bar_chart_drawing(breakdown["rows"], width=CHART_WIDTH, plain=plain, font=FONT, scale=scale),
                        Spacer(1, 2 * mm),
                    ]
                )
            )
        if report.is_empty:
            story.append(para(_("No access to these cameras was recorded in this month.")))

    generated = utc_text(timezone.now())
    footer = _("Transparency report %(zone)s · %(month)s · page %(page)d · generated %(at)s")

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#4a5561"))
        text = footer % {"zone": zone.code, "month": month_label, "page": document.page, "at": generated}
        canvas.drawString(20 * mm, 10 * mm, plain(text))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=plain(title),
        author=plain(f"{zone.code} · {zone.name}"),
        subject=plain(subtitle),
        keywords=[zone.code, month.strftime("%Y-%m")],
        creator="CCTV sharing portal",
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
