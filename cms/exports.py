"""Every spreadsheet and CSV the platform writes goes through here, so no cell can become a live formula.

Names, unit names and rationales are typed by people; written as they are, "=HYPERLINK(…)" or "+cmd|…" runs in
the spreadsheet of whoever opens the export (CSV/formula injection, OWASP). So:
- xlsx: every string is written as a text cell (never a formula), control characters XML forbids are dropped;
- CSV: a text value that starts with = + - @, a tab or a carriage return gets a leading apostrophe, which
  spreadsheets read as "this is text".
Numbers, dates and booleans stay what they are.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value):
    if isinstance(value, Promise):  # lazy translations
        return str(value)
    return value


def csv_value(value):
    """One CSV field: text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_value(v) for v in values]


def csv_value_reversible(value):
    """Like `csv_value`, for files this platform reads back (the question template): a text that already starts
    with an apostrophe before a trigger gets one more, so `csv_unescape` restores exactly what was written."""
    value = _plain(value)
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_unescape(text: str) -> str:
    """Undo `csv_value_reversible` on a cell read from a CSV file."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def xlsx_value(value):
    """A value openpyxl can store: lazy strings become text, aware datetimes local naive ones (Excel has no
    time zones), characters XML forbids are removed."""
    value = _plain(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def xlsx_cell(sheet, value):
    """A cell for `sheet.append` (normal or write-only sheet): strings are always text cells, never formulas."""
    cell = Cell(sheet, row=1, column=1, value=xlsx_value(value))  # append() sets the real position
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_row(sheet, values: Iterable) -> list:
    return [xlsx_cell(sheet, v) for v in values]


def append_row(sheet, values: Iterable) -> None:
    """`sheet.append(values)` with every string kept as text."""
    sheet.append(xlsx_row(sheet, values))


class SafeSpreadsheetExportMixin:
    """For Wagtail index views (SpreadsheetExportMixin): the list export's CSV and xlsx go through the helpers
    above. Wagtail 7.4 already turns would-be formulas into text in xlsx but writes CSV values as they are."""

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: csv_value(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for field, value in row_dict.items():
            cell = xlsx_cell(worksheet, self.preprocess_field_value(field, value, self.FORMAT_XLSX))
            if date_format and isinstance(value, datetime.datetime):
                cell.number_format = date_format
            yield cell
