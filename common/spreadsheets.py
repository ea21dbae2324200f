"""Writing CSV that a spreadsheet opens safely: the one place the portal writes spreadsheet files.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel, LibreOffice
and Google Sheets (`=HYPERLINK(...)` in a justification typed by another organisation's operator would run on the
DPO's machine). As OWASP recommends, such a text cell is written with a leading apostrophe, which spreadsheets show
as plain text. Numbers are not text and stay as they are. Exports meant for machines (JSON) keep every value
verbatim; a DPO who re-computes an entry's hash does it from the JSON export."""

import csv

__all__ = ["FORMULA_STARTS", "csv_line_writer", "safe_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet must receive it: a text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write returns the line: the writer then yields lines to stream."""

    def write(self, value):
        return value


class csv_line_writer:  # noqa: N801 - used like csv.writer, which it wraps
    """`writerow(values)` returns one CSV line with every cell made safe (streamed by the caller)."""

    def __init__(self, **options):
        self._writer = csv.writer(_Line(), **options)

    def writerow(self, values):
        return self._writer.writerow([safe_cell(value) for value in values])
