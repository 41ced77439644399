"""Validation of a compound's household register, as the committee's spreadsheet holds it.

Pure: standard library only. The register is a header row and one row per flat (户), on one
or several sheets; a title row or two may stand above the header. Each column may be named in
English or in one of the Chinese names committees use (楼栋, 楼号 or 楼幢 for the building,
建筑面积 or 面积（㎡） for the area, …); names match whatever their case, their spaces and a unit
in brackets after them, and every cell is read after Unicode NFKC normalisation, so the full-width
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


class RegisterSheet(NamedTuple):
    """The filled rows of one sheet of a workbook (name None: a CSV file), title and header
    rows included."""

    name: str | None
    rows: Sequence[RegisterRow]


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
    sheet: str | None = None

    def __str__(self) -> str:
        where = [] if self.sheet is None else [f"sheet {self.sheet}"]
        if self.line is not None:
            where.append(f"line {self.line}")
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
    chinese: tuple[str, ...]  # the usual name first, then others committees use
    field: str  # of RegisterFlat
    required: bool
    parse: Callable[[str], object]

    def __str__(self) -> str:
        return f"{self.english}/{self.chinese[0]}"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.english, *self.chinese)

    def read(self, value: str) -> object:
        if self.required and not value:
            raise _BadValue("empty cell in a required column")
        return self.parse(value)


def _clean(cell: str) -> str:
    # A control character can hide in any cell; PostgreSQL refuses NUL, exports refuse all.
    return printable(unicodedata.normalize("NFKC", cell)).strip()


COLUMNS = (
    _Column(
        "building", ("楼栋", "楼号", "楼幢", "栋号", "幢号", "楼栋号"), "building", True, _text(50)
    ),
    _Column("unit", ("单元", "单元号"), "unit", True, _text(50)),
    _Column("floor", ("楼层", "所在楼层", "层"), "floor", True, _floor),
    _Column("room", ("房号", "门牌号", "房间号", "室号", "户号"), "room", True, _text(20)),
    _Column("area", ("面积", "建筑面积", "房屋面积", "产权面积"), "area", True, _area),
    _Column(
        "owner", ("业主编号", "产权证号", "不动产权证号", "房产证号"), "owner_key", False,
        _optional_text(64),
    ),
    _Column("developer_held", ("开发商持有",), "developer_held", False, _yes_no),
)  # fmt: skip
# A unit in brackets after a name, as in 面积（㎡）, which NFKC has made 面积(m2).
_BRACKETED = re.compile(r"\([^()]*\)$")


def _name_key(name: str) -> str:
    return _BRACKETED.sub("", re.sub(r"\s+", "", _clean(name))).casefold()


_BY_NAME = {_name_key(name): column for column in COLUMNS for name in column.names}
# A header names at least this many known columns; rows above it are titles.
_HEADER_MINIMUM = 3
_HEADER_SEARCH = 10  # filled rows searched for the header


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


def _read_header(header: RegisterRow, sheet: str | None, problems: list[RowProblem]) -> _Layout:
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for position, cell in enumerate(header.cells):
        typed = printable(cell).strip()  # errors show the name as the committee typed it
        if not typed:  # Spreadsheets often carry blank columns to the right of the data.
            continue
        column = _BY_NAME.get(_name_key(typed))
        if column is None:
            accepted = ", ".join("/".join(known.names) for known in COLUMNS)
            reason = f"unknown column (accepted: {accepted})"
            problems.append(RowProblem(header.line, typed, reason, sheet))
        elif column.field in positions:
            reason = f"column {column} is given twice"
            problems.append(RowProblem(header.line, typed, reason, sheet))
        else:
            positions[column.field] = position
            names[column.field] = typed
    for column in COLUMNS:
        if column.required and column.field not in positions:
            reason = "required column is missing"
            problems.append(RowProblem(header.line, str(column), reason, sheet))
    return _Layout(positions, names)


def _header_index(rows: Sequence[RegisterRow]) -> int:
    """Where the header is among the sheet's rows: the first that names enough known columns,
    below any title rows; the first row when none does, so that its errors are shown."""
    for index, row in enumerate(rows[:_HEADER_SEARCH]):
        known = {_BY_NAME.get(_name_key(cell)) for cell in row.cells} - {None}
        if len(known) >= _HEADER_MINIMUM:
            return index
    return 0


def parse_register(header: RegisterRow, rows: Iterable[RegisterRow]) -> list[RegisterFlat]:
    """The flats of one sheet under its header, or RegisterError naming every problem."""
    return _Reader().sheet(None, header, rows).flats()


def parse_register_sheets(sheets: Iterable[RegisterSheet]) -> list[RegisterFlat]:
    """The flats of every sheet in file order, each sheet under its own header (found below
    any title rows), or RegisterError naming every problem of every sheet."""
    reader = _Reader()
    for sheet in sheets:
        if sheet.rows:
            at = _header_index(sheet.rows)
            reader.sheet(sheet.name, sheet.rows[at], sheet.rows[at + 1 :])
    return reader.flats()


class _Reader:
    """Flats and problems gathered sheet by sheet; a flat is listed once in the whole file."""

    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self.found: list[RegisterFlat] = []
        self.first_seen: dict[tuple[str, str, str], tuple[str | None, int]] = {}

    def sheet(self, name: str | None, header: RegisterRow, rows: Iterable[RegisterRow]) -> _Reader:
        wrong_header: list[RowProblem] = []
        layout = _read_header(header, name, wrong_header)
        self.problems.extend(wrong_header)
        if wrong_header:
            # Under a wrong header the cells mean something else: row problems would be noise.
            return self
        for row in rows:
            flat = _read_flat(layout, row, name, self.problems)
            if flat is None:
                continue
            first = self.first_seen.setdefault(flat.key, (name, row.line))
            if first != (name, row.line):
                self.problems.append(
                    RowProblem(row.line, layout.names["room"], _twice(flat, first, name, row), name)
                )
            self.found.append(flat)
        return self

    def flats(self) -> list[RegisterFlat]:
        if not self.problems and not self.found:
            self.problems.append(RowProblem(None, None, "the register lists no flats"))
        if self.problems:
            raise RegisterError(self.problems)
        return self.found


def _twice(
    flat: RegisterFlat, first: tuple[str | None, int], sheet: str | None, row: RegisterRow
) -> str:
    listed = f"flat {'/'.join(flat.key)} is listed twice"
    if first[0] == sheet:
        return f"{listed}, on lines {first[1]} and {row.line}"
    return f"{listed}, on sheet {first[0]} line {first[1]} and sheet {sheet} line {row.line}"


def _read_flat(
    layout: _Layout, row: RegisterRow, sheet: str | None, problems: list[RowProblem]
) -> RegisterFlat | None:
    """The row's flat, or None after recording each of its problems."""
    values: dict[str, object] = {}
    found: list[RowProblem] = []
    for column in COLUMNS:
        try:
            values[column.field] = column.read(layout.cell(row, column))
        except _BadValue as error:
            found.append(RowProblem(row.line, layout.names[column.field], str(error), sheet))
    if values.get("owner_key") is not None and values.get("developer_held") is True:
        owner = values["owner_key"]
        reason = f'marked developer-held, yet owner "{owner}" is given: it cannot be both'
        found.append(RowProblem(row.line, layout.names["developer_held"], reason, sheet))
    problems.extend(found)
    return None if found else RegisterFlat(**values)  # type: ignore[arg-type]
