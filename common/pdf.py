"""PDF scaffolding shared by the convention PDF and the mayors' reports: embedded Unicode fonts, drawable text,
styles, paragraphs, two-column tables and UTC times.

Names print as written ("Yılmaz Łukasz Đorđe", "Őrs"): the PDFs embed (a subset of) DejaVu Sans, from the system's
fonts-dejavu-core (scripts/system-deps.sh installs it; the evidence watermarks use it too), or, where it is missing,
Bitstream Vera, which reportlab itself ships. Nothing is fetched. A character the embedded font cannot draw is
reduced to its closest form the font has (an arrow to "->", "Ő" to "O" with Vera) rather than drawn as a blank box.
"""

import functools
import unicodedata
from datetime import UTC
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, Table, TableStyle

__all__ = ["FONT", "FONT_BOLD", "FONT_MONO", "para", "plain", "safe", "styles", "two_column_table", "utc_text"]

FONT, FONT_BOLD, FONT_MONO = "PortalSans", "PortalSans-Bold", "PortalMono"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
VERA = Path(reportlab.__file__).resolve().parent / "fonts"
# Each face of the portal's PDFs: the font files to embed, the first one present wins.
FACES = {
    FONT: (DEJAVU / "DejaVuSans.ttf", VERA / "Vera.ttf"),
    FONT_BOLD: (DEJAVU / "DejaVuSans-Bold.ttf", VERA / "VeraBd.ttf"),
    FONT_MONO: (DEJAVU / "DejaVuSansMono.ttf", VERA / "Vera.ttf"),  # Vera has no mono face in reportlab
}
REPLACEMENTS = {"→": "->", "←": "<-", "≤": "<=", "≥": ">=", "✓": "v", "\u2009": " ", "\u202f": " "}


@functools.cache
def fonts():
    """Register the portal's faces with reportlab (once per process); {name: set of the code points it draws}."""
    covered = {}
    for name, candidates in FACES.items():
        path = next((candidate for candidate in candidates if candidate.is_file()), None)
        if path is None:
            raise RuntimeError(f"No font file for {name}: install fonts-dejavu-core, or reinstall reportlab.")
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return covered


def plain(text, font=FONT):
    """Text the embedded font can draw: every character it has as written, any other reduced to its closest form."""
    covered = fonts()[font]
    out = []
    for char in str(text):
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        replacement = REPLACEMENTS.get(char) or unicodedata.normalize("NFKD", char)
        kept = "".join(part for part in replacement if ord(part) in covered)
        out.append(kept or "?")
    return "".join(out)


def safe(text, font=FONT):
    """Drawable text, escaped for reportlab's paragraph markup."""
    return escape(plain(text, font))


def utc_text(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


@functools.cache
def styles():
    fonts()
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=FONT, fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName=FONT_BOLD, fontSize=17, leading=21),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=11, textColor=colors.HexColor("#4a5561")),
        "h2": ParagraphStyle(
            "h2", parent=sheet["Heading2"], fontName=FONT_BOLD, fontSize=12.5, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, spaceBefore=4),
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=10, bulletIndent=0, bulletFontName=FONT),
        "mono": ParagraphStyle("mono", parent=body, fontName=FONT_MONO, fontSize=8, leading=10),
        "warning": ParagraphStyle("warning", parent=body, fontName=FONT_BOLD, textColor=colors.HexColor("#a4161a")),
    }


def para(text, style="body"):
    chosen = styles()[style]
    return Paragraph(safe(text, chosen.fontName), chosen)


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
