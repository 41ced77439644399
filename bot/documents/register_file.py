"""Reading a household register file (CSV or XLSX) into a header and numbered rows of text.

What the cells mean is checked by surveys.joining.register; this module only gets the text out of
the file, with the line numbers the operator sees in a text editor or in Excel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import openpyxl

from surveys.joining.register import RegisterRow

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
_DELIMITERS = (",", ";", "\t")


class RegisterFileError(Exception):
    """The file cannot be read; the message names the file and says what to do, for people."""


def read_register_file(path: Path) -> tuple[RegisterRow, list[RegisterRow]]:
    """The header row and the data rows of the file, fully empty rows left out."""
    suffix = path.suffix.casefold()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise RegisterFileError(
            f'{path.name}: unsupported file type "{path.suffix}"; save the register as one of '
            f"{supported}"
        )
    try:
        rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    except OSError as error:
        raise RegisterFileError(f"{path}: cannot be read ({error.strerror or error})") from error
    filled = [row for row in rows if any(cell.strip() for cell in row.cells)]
    if not filled:
        raise RegisterFileError(f"{path.name}: the file is empty; it needs a header row")
    return filled[0], filled[1:]


def _csv_rows(path: Path) -> list[RegisterRow]:
    text = _decode(path)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes ";" where the decimal mark is a comma, and "Unicode text" is tab-separated;
    # column names hold none of these, so the header's most frequent one is the delimiter.
    delimiter = max(_DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RegisterRow] = []
    line = 1
    try:
        for cells in reader:
            rows.append(RegisterRow(line, cells))
            line = reader.line_num + 1  # a quoted cell may span several lines
    except csv.Error as error:
        raise RegisterFileError(f"{path.name}, line {line}: not valid CSV ({error})") from error
    return rows


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Chinese Excel saves "CSV" in the system code page, GBK, which GB18030 extends.
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise RegisterFileError(
            f"{path.name}: neither UTF-8 nor GB18030 text; save the register as CSV UTF-8"
        ) from error


def _xlsx_rows(path: Path) -> list[RegisterRow]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Some programs write a wrong sheet size into the file; read-only mode would trust
            # it and cut rows short.
            sheet.reset_dimensions()
            # Read-only mode fills in missing rows, so counting from 1 gives Excel's row numbers.
            return [
                RegisterRow(number, [_cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            workbook.close()
    except OSError:
        raise
    except Exception as error:  # openpyxl reports a damaged file with many unrelated types
        raise RegisterFileError(f"{path.name}: not a readable XLSX workbook ({error})") from error


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel keeps 15 significant digits; past them a float is binary noise (89.37 is
        # stored as 89.3700000000000045...), and "5.0" would not read as a floor.
        return format(Decimal(format(value, ".15g")), "f")
    return str(value)
