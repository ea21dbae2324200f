"""Horizontal bar charts drawn on the server: SVG markup for the page (no JavaScript) and reportlab graphics for
the PDF, from the same layout so both show the same chart.

The SVG carries <title> and <desc> (named by aria-labelledby) and its <desc> lists every value in words, so a
screen reader gets the figures without the picture; the page shows the same figures in a table as well.
"""

import itertools
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

__all__ = ["Bar", "bar_chart_drawing", "bar_chart_svg", "bar_layout", "describe"]

WIDTH = 560
LABEL_WIDTH = 200
VALUE_WIDTH = 48
BAR_HEIGHT = 16
GAP = 6
PADDING = 4
MAX_LABEL = 34
BAR_COLOUR = "#1f5f99"
TEXT_COLOUR = "#1b1f23"
FONT_SIZE = 11

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float  # where the bar starts (after the label column)
    y: float  # top of the row, from the top of the chart
    length: float


def _short(label):
    label = str(label)
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_layout(rows, width=WIDTH):
    """Geometry of a chart of [(label, value)]: (bars, height). Bars scale to the largest value."""
    largest = max((value for _label, value in rows), default=0) or 1
    span = width - LABEL_WIDTH - VALUE_WIDTH - 2 * PADDING
    bars = [
        Bar(
            label=_short(label),
            value=value,
            x=LABEL_WIDTH + PADDING,
            y=PADDING + index * (BAR_HEIGHT + GAP),
            length=max(span * value / largest, 1 if value else 0),
        )
        for index, (label, value) in enumerate(rows)
    ]
    height = PADDING * 2 + len(bars) * (BAR_HEIGHT + GAP) - (GAP if bars else 0)
    return bars, max(height, BAR_HEIGHT + 2 * PADDING)


def describe(rows):
    """The chart in words: "label: value; ..." (or a sentence when there is nothing to show)."""
    if not rows:
        return _("No data for this period.")
    return "; ".join(f"{label}: {value}" for label, value in rows)


def bar_chart_svg(title, rows, *, description=None, width=WIDTH):
    """SVG markup (safe to insert in a template) of a horizontal bar chart of [(label, value)]."""
    number = next(_ids)
    title_id, desc_id = f"chart-{number}-title", f"chart-{number}-desc"
    bars, height = bar_layout(rows, width)
    desc = description or describe(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{title_id}">{escape(str(title))}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    if not bars:
        parts.append(
            f'<text x="{PADDING}" y="{PADDING + BAR_HEIGHT - 4}" fill="{TEXT_COLOUR}">'
            f"{escape(_('No data for this period.'))}</text>"
        )
    for bar in bars:
        baseline = bar.y + BAR_HEIGHT - 4
        parts.append(
            "<g>"
            f'<text x="{bar.x - PADDING}" y="{baseline}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.length:.1f}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}">'
            f"<title>{escape(f'{bar.label}: {bar.value}')}</title></rect>"
            f'<text x="{bar.x + bar.length + PADDING:.1f}" y="{baseline}" fill="{TEXT_COLOUR}">{bar.value}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart_drawing(rows, *, width=WIDTH, plain=str, font="Helvetica", scale=0.8):
    """The same chart as a reportlab Drawing (for the PDF), its text in `font`, which `plain` makes drawable."""
    bars, height = bar_layout(rows, width)
    drawing = Drawing(width * scale, height * scale)
    colour, ink = colors.HexColor(BAR_COLOUR), colors.HexColor(TEXT_COLOUR)
    size = FONT_SIZE * scale

    def top(y):  # reportlab measures from the bottom
        return (height - y) * scale

    if not bars:
        drawing.add(String(PADDING * scale, top(PADDING + BAR_HEIGHT - 4), plain(_("No data for this period.")),
                           fontName=font, fontSize=size, fillColor=ink))  # fmt: skip
    for bar in bars:
        baseline = top(bar.y + BAR_HEIGHT - 4)
        drawing.add(String((bar.x - PADDING) * scale, baseline, plain(bar.label), fontName=font,
                           fontSize=size, fillColor=ink, textAnchor="end"))  # fmt: skip
        drawing.add(Rect(bar.x * scale, top(bar.y + BAR_HEIGHT), bar.length * scale, BAR_HEIGHT * scale,
                         fillColor=colour, strokeColor=None))  # fmt: skip
        drawing.add(String((bar.x + bar.length + PADDING) * scale, baseline, str(bar.value), fontName=font,
                           fontSize=size, fillColor=ink))  # fmt: skip
    return drawing
