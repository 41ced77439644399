"""Writing rows into the committee's spreadsheets: every text is a text, never a formula.

Complaints, answers, pledges, names and the register are typed by people Linli does not
control, and a cell that starts with "=" would be a live formula (=HYPERLINK to a phishing
page, =cmd|… in old Excel). Each string is written as an explicit text cell, and one Excel
would read as a formula when edited or re-imported (a leading =, +, -, @, tab or CR) also gets
the quote-prefix style, Excel's own mark for "this is text" (shown without the apostrophe).
Control characters, which openpyxl refuses and which would make every export of a survey
fail, are removed: rows stored before text was filtered on entry still export. Numbers,
dates and None pass through unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from surveys.text import printable

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32_767  # Excel's limit; a longer cell makes it report the file as damaged


def cell(sheet: Worksheet, value: Any) -> Any:
    """`value` as it is to be appended to `sheet`: a text cell for a string, else itself."""
    if not isinstance(value, str):
        return value
    text = printable(value)[:MAX_CELL_TEXT]
    written = Cell(sheet, value=text)
    written.data_type = "s"  # openpyxl makes a formula of any string starting with "="
    if text.startswith(FORMULA_LEADS):
        written.quotePrefix = True
    return written


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append one row; the only way rows get into Linli's spreadsheets."""
    sheet.append([cell(sheet, value) for value in values])
