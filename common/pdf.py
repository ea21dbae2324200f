"""PDF scaffolding shared by the convention PDF and the mayors' reports: drawable text with reportlab's built-in
fonts (Helvetica, Courier: nothing embedded or fetched; any character outside Windows-1252 is reduced to its closest
Latin form rather than drawn as a blank box), styles, paragraphs, two-column tables and UTC times."""

import functools
import unicodedata
from datetime import UTC
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

__all__ = ["para", "plain", "safe", "styles", "two_column_table", "utc_text"]

REPLACEMENTS = {"→": "->", "←": "<-", "≤": "<=", "≥": ">=", "✓": "v", "\u2009": " ", "\u202f": " "}


def plain(text):
    """Text the built-in fonts can draw (Windows-1252)."""
    out = []
    for char in str(text):
        char = REPLACEMENTS.get(char, char)
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(plain or "?")
    return "".join(out)


def safe(text):
    """Drawable text, escaped for reportlab's paragraph markup."""
    return escape(plain(text))


def utc_text(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


@functools.cache
def styles():
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName="Helvetica-Bold", fontSize=17, leading=21),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=11, textColor=colors.HexColor("#4a5561")),
        "h2": ParagraphStyle(
            "h2", parent=sheet["Heading2"], fontName="Helvetica-Bold", fontSize=12.5, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle("h3", parent=body, fontName="Helvetica-Bold", spaceBefore=4),
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=10, bulletIndent=0),
        "mono": ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=8, leading=10),
        "warning": ParagraphStyle(
            "warning", parent=body, fontName="Helvetica-Bold", textColor=colors.HexColor("#a4161a")
        ),
    }


def para(text, style="body"):
    return Paragraph(safe(text), styles()[style])


def two_column_table(rows, widths=(45 * mm, None)):
    data = [[para(label, "h3"), value] for label, value in rows]
    table = Table(data, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d1d9")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table
