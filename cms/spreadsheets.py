"""Reading uploaded spreadsheets (roster, question files) within fixed bounds, whatever the file claims.

An xlsx sheet declares its size (`<dimension ref="A1:XFD20000"/>`) and openpyxl pads every row to it: a 1.6 KB
file then becomes 20,000 × 16,384 cells. Here the declared size is ignored: the header row is found first, only
as many columns as it has are read, and reading stops after `max_rows` rows below it. The unpacked size of the
zip members is checked before openpyxl sees the file (shared strings are loaded whole), and rows past the caps
raise `SheetTooLarge` naming the cap, so the user learns why instead of waiting.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable

from openpyxl import load_workbook

MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # all members of the xlsx zip, as declared by the zip directory
HEADER_SEARCH_ROWS = 50  # the header must be among the first rows


class SheetTooLarge(Exception):
    """The file is beyond a cap. `code` is "too_many_rows", "too_many_columns" or "unpacked_too_large";
    `limit` the cap (rows, columns or megabytes)."""

    def __init__(self, code: str, limit: int):
        super().__init__(f"{code}: {limit}")
        self.code = code
        self.limit = limit


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _width(cells) -> int:
    """Number of cells up to the last non-blank one."""
    for index in range(len(cells) - 1, -1, -1):
        if not _blank(cells[index]):
            return index + 1
    return 0


def bounded_rows(
    rows: Iterable[tuple[int, list]],
    *,
    max_rows: int,
    max_columns: int,
    is_preamble: Callable[[list], bool] = lambda cells: False,
) -> list[tuple[int, list]]:
    """From numbered rows, the header row (the first non-blank row that is not preamble) and the rows below it,
    each cut to the header's width. Blank and preamble rows before the header are dropped; more than
    `max_columns` header cells or a non-blank row more than `max_rows` rows below the header raise."""
    out: list[tuple[int, list]] = []
    header_row = width = None
    for number, cells in rows:
        cells = list(cells)
        if header_row is None:
            if all(_blank(c) for c in cells) or is_preamble(cells):
                continue
            width = _width(cells)
            if width > max_columns:
                raise SheetTooLarge("too_many_columns", max_columns)
            header_row = number
        elif number - header_row > max_rows:
            if any(not _blank(c) for c in cells):
                raise SheetTooLarge("too_many_rows", max_rows)
            continue
        out.append((number, cells[:width]))
    return out


def check_unpacked_size(data: bytes, limit: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip whose members unpack to more than `limit` bytes (zipfile never inflates past the declared
    size of a member, so the declaration bounds the work). A file that is no zip is left to openpyxl."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if total > limit:
        raise SheetTooLarge("unpacked_too_large", limit // (1024 * 1024))


def read_xlsx(
    data: bytes,
    *,
    max_rows: int,
    max_columns: int,
    data_only: bool = True,
    is_preamble: Callable[[list], bool] = lambda cells: False,
) -> list[tuple[int, list]]:
    """The first sheet's header row and the rows below it, as (sheet row number, values) — see `bounded_rows`.

    Raises SheetTooLarge, and whatever openpyxl raises for a file it cannot open (the callers report those)."""
    check_unpacked_size(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # never trust the declared <dimension>
        # 1. The header: among the first rows, at most one cell more than allowed (to tell "too many").
        header_row = width = None
        for number, cells in enumerate(
            sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=max_columns + 1, values_only=True), 1
        ):
            if all(_blank(c) for c in cells) or is_preamble(list(cells)):
                continue
            header_row, width = number, _width(cells)
            break
        if header_row is None:
            return []
        if width > max_columns:
            raise SheetTooLarge("too_many_columns", max_columns)
        # 2. The header and the rows below it, only the header's columns, one row past the cap (to tell).
        rows = sheet.iter_rows(
            min_row=header_row, max_row=header_row + max_rows + 1, max_col=width, values_only=True
        )
        return bounded_rows(
            enumerate(rows, header_row), max_rows=max_rows, max_columns=max_columns, is_preamble=is_preamble
        )
    finally:
        workbook.close()
