"""Validation of a compound's household register, as the committee's spreadsheet holds it.

Pure: standard library only. The register is a header row and one row per flat (户). Each
column may be named in English or in Chinese; names match whatever their case and the spaces
around them, and every cell is read after Unicode NFKC normalisation, so the full-width
digits and letters of Chinese spreadsheets (``８９．３７``) count as ASCII ones, and without
control characters (a NUL or an escape sequence hidden in a cell).

Columns (English / Chinese name; * = required):

- ``building`` / ``楼栋`` *: building name, e.g. ``3栋`` (at most 50 characters).
- ``unit`` / ``单元`` *: unit (stairwell) name, e.g. ``1单元`` (at most 50 characters).
- ``floor`` / ``楼层`` *: whole number ≥ 1; basements are not flats here.
- ``room`` / ``房号`` *: room number, e.g. ``301`` (at most 20 characters).
- ``area`` / ``面积`` *: registered area in m², more than 0 and exact to at most 2 decimals,
  e.g. ``89.37``; a trailing ``㎡``, ``m²`` or ``m2`` is allowed.
- ``owner`` / ``业主编号``: opaque owner key, e.g. the property-register number. Flats with the
  same key belong to one owner and count as one head in votes; empty = an owner of its own.
- ``developer_held`` / ``开发商持有``: unsold or undelivered flat held by the developer: yes/no,
  是/否, true/false, 1/0, y/n; empty = no. Such a flat has no owner key.

A flat is identified by building + unit + room. Validation reports every problem of every
row at once, so the operator fixes the file in one pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from surveys.numbers import NumberProblem, NumberRefused, whole_number
from surveys.text import printable

MAX_FLOOR = 200  # taller than any residential building; stops nonsense reaching the database


class RegisterRow(NamedTuple):
    """One row of the file: its 1-based line number there and its cells as text."""

    line: int
    cells: Sequence[str]


@dataclass(frozen=True)
class RegisterFlat:
    """A valid row: one flat (户) with its registered area and who holds it."""

    building: str
    unit: str
    floor: int
    room: str
    area: Decimal
    owner_key: str | None
    developer_held: bool

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the flat from one register to the next."""
        return (self.building, self.unit, self.room)


@dataclass(frozen=True)
class RowProblem:
    """Why a row (or the header) cannot be imported. ``line`` is None for the whole file."""

    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [] if self.line is None else [f"line {self.line}"]
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class RegisterError(ValueError):
    """The register cannot be imported; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"the register has {count} problem{'s' * (count != 1)}:\n{lines}")


class _BadValue(ValueError):
    """A cell's value is unusable; the message says why, for the operator."""


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise _BadValue(f'"{value}" is longer than {limit} characters')
        return value

    return parse


def _optional_text(limit: int) -> Callable[[str], str | None]:
    parse_text = _text(limit)
    return lambda value: parse_text(value) if value else None


def _floor(value: str) -> int:
    below_ground = value.startswith("-")
    try:
        floor = whole_number(value.removeprefix("-").removeprefix("+"), 0, MAX_FLOOR)
    except NumberRefused as refused:
        if refused.problem is NumberProblem.NOT_A_NUMBER:
            raise _BadValue(f'"{value}" is not a floor: floor must be a whole number ≥ 1') from None
        floor = MAX_FLOOR + 1  # far too high, or far too deep
    if below_ground and floor:
        raise _BadValue(f"negative floor {value}: basements are not flats here")
    if floor == 0:
        raise _BadValue("floor must be a whole number ≥ 1")
    if floor > MAX_FLOOR:
        raise _BadValue(f"floor {value} is above {MAX_FLOOR}, higher than any residential building")
    return floor


# NFKC has already turned ㎡ and m² into "m2". Eight integer digits is what Numeric(10, 2) holds.
_AREA = re.compile(r"(?P<number>\d{1,8}(?:\.\d+)?)\s*(?:m2)?", re.IGNORECASE)
_CENT = Decimal("0.01")


def _area(value: str) -> Decimal:
    match = _AREA.fullmatch(value)
    if not match:
        raise _BadValue(f'"{value}" is not an area in m² such as 89.37')
    area = Decimal(match["number"])
    if area == 0:
        raise _BadValue("area must be more than 0 m²")
    if area != area.quantize(_CENT):
        raise _BadValue(f'"{value}" has more than 2 decimals; registered areas have 2 at most')
    return area.quantize(_CENT)


_YES = {"yes", "y", "true", "1", "是"}
_NO = {"no", "n", "false", "0", "否", ""}


def _yes_no(value: str) -> bool:
    answer = value.casefold()
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    raise _BadValue(f'"{value}" is not yes/no (accepted: yes, no, 是, 否, true, false, 1, 0, y, n)')


@dataclass(frozen=True)
class _Column:
    english: str
    chinese: str
    field: str  # of RegisterFlat
    required: bool
    parse: Callable[[str], object]

    def __str__(self) -> str:
        return f"{self.english}/{self.chinese}"

    def read(self, value: str) -> object:
        if self.required and not value:
            raise _BadValue("empty cell in a required column")
        return self.parse(value)


COLUMNS = (
    _Column("building", "楼栋", "building", True, _text(50)),
    _Column("unit", "单元", "unit", True, _text(50)),
    _Column("floor", "楼层", "floor", True, _floor),
    _Column("room", "房号", "room", True, _text(20)),
    _Column("area", "面积", "area", True, _area),
    _Column("owner", "业主编号", "owner_key", False, _optional_text(64)),
    _Column("developer_held", "开发商持有", "developer_held", False, _yes_no),
)
_BY_NAME = {
    name.casefold(): column for column in COLUMNS for name in (column.english, column.chinese)
}


def _clean(cell: str) -> str:
    # A control character can hide in any cell; PostgreSQL refuses NUL, exports refuse all.
    return printable(unicodedata.normalize("NFKC", cell)).strip()


@dataclass(frozen=True)
class _Layout:
    """Where each column is in the rows, under the name the file gives it; keyed by field."""

    positions: dict[str, int]
    names: dict[str, str]

    def cell(self, row: RegisterRow, column: _Column) -> str:
        position = self.positions.get(column.field)
        # An absent optional column, and cells that short CSV lines leave out, read as empty.
        if position is None or position >= len(row.cells):
            return ""
        return _clean(row.cells[position])


def _read_header(header: RegisterRow, problems: list[RowProblem]) -> _Layout:
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for position, cell in enumerate(header.cells):
        name = _clean(cell)
        if not name:  # Spreadsheets often carry blank columns to the right of the data.
            continue
        column = _BY_NAME.get(name.casefold())
        if column is None:
            accepted = ", ".join(str(known) for known in COLUMNS)
            problems.append(RowProblem(header.line, name, f"unknown column (accepted: {accepted})"))
        elif column.field in positions:
            problems.append(RowProblem(header.line, name, f"column {column} is given twice"))
        else:
            positions[column.field] = position
            names[column.field] = name
    for column in COLUMNS:
        if column.required and column.field not in positions:
            problems.append(RowProblem(header.line, str(column), "required column is missing"))
    return _Layout(positions, names)


def parse_register(header: RegisterRow, rows: Iterable[RegisterRow]) -> list[RegisterFlat]:
    """The flats of the register in file order, or RegisterError naming every problem."""
    problems: list[RowProblem] = []
    layout = _read_header(header, problems)
    if problems:
        # Under a wrong header the cells mean something else: row problems would be noise.
        raise RegisterError(problems)
    flats: list[RegisterFlat] = []
    first_line: dict[tuple[str, str, str], int] = {}
    for row in rows:
        flat = _read_flat(layout, row, problems)
        if flat is None:
            continue
        first = first_line.setdefault(flat.key, row.line)
        if first != row.line:
            listed = f"flat {'/'.join(flat.key)} is listed twice, on lines {first} and {row.line}"
            problems.append(RowProblem(row.line, layout.names["room"], listed))
        flats.append(flat)
    if not problems and not flats:
        problems.append(RowProblem(None, None, "the register lists no flats"))
    if problems:
        raise RegisterError(problems)
    return flats


def _read_flat(
    layout: _Layout, row: RegisterRow, problems: list[RowProblem]
) -> RegisterFlat | None:
    """The row's flat, or None after recording each of its problems."""
    values: dict[str, object] = {}
    found: list[RowProblem] = []
    for column in COLUMNS:
        try:
            values[column.field] = column.read(layout.cell(row, column))
        except _BadValue as error:
            found.append(RowProblem(row.line, layout.names[column.field], str(error)))
    if values.get("owner_key") is not None and values.get("developer_held") is True:
        owner = values["owner_key"]
        reason = f'marked developer-held, yet owner "{owner}" is given: it cannot be both'
        found.append(RowProblem(row.line, layout.names["developer_held"], reason))
    problems.extend(found)
    return None if found else RegisterFlat(**values)  # type: ignore[arg-type]
