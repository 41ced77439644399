"""Validation of register rows: typed flats out, or every problem named."""

from decimal import Decimal

import pytest

from surveys.joining.register import (
    RegisterError,
    RegisterFlat,
    RegisterRow,
    RegisterSheet,
    RowProblem,
    parse_register,
    parse_register_sheets,
)

ENGLISH = ["building", "unit", "floor", "room", "area", "owner", "developer_held"]
CHINESE = ["楼栋", "单元", "楼层", "房号", "面积", "业主编号", "开发商持有"]


def parse(rows: list[list[str]], header: list[str] = ENGLISH) -> list[RegisterFlat]:
    """Rows numbered as in a file whose line 1 is the header."""
    numbered = [RegisterRow(line, cells) for line, cells in enumerate(rows, start=2)]
    return parse_register(RegisterRow(1, header), numbered)


def problems(rows: list[list[str]], header: list[str] = ENGLISH) -> list[RowProblem]:
    with pytest.raises(RegisterError) as caught:
        parse(rows, header)
    return caught.value.problems


def test_good_register_gives_typed_flats_in_file_order() -> None:
    flats = parse(
        [
            ["1栋", "1单元", "1", "101", "89.37", "P-001", ""],
            ["1栋", "1单元", "1", "102", "72.5", "P-001", "no"],
            ["1栋", "2单元", "6", "602", "120", "", "yes"],
        ]
    )
    assert flats == [
        RegisterFlat("1栋", "1单元", 1, "101", Decimal("89.37"), "P-001", False),
        RegisterFlat("1栋", "1单元", 1, "102", Decimal("72.50"), "P-001", False),
        RegisterFlat("1栋", "2单元", 6, "602", Decimal("120.00"), None, True),
    ]


def test_chinese_headers_in_any_order_case_and_spacing() -> None:
    header = [" 房号 ", "BUILDING", "单元", "Floor", "面积 "]
    assert parse([["301", "3栋", "2单元", "3", "65.10"]], header) == [
        RegisterFlat("3栋", "2单元", 3, "301", Decimal("65.10"), None, False)
    ]
    assert parse([["3栋", "2单元", "3", "301", "65.1", "", ""]], CHINESE)[0].area == Decimal(
        "65.10"
    )


def test_full_width_digits_and_square_metre_signs() -> None:
    flats = parse(
        [
            ["３栋", "１单元", "５", "５０１", "８９．３７㎡", "", ""],
            ["3栋", "1单元", "5", "502", "89.37 m²", "", ""],
            ["3栋", "1单元", "5", "503", "89.37M2", "", ""],
        ]
    )
    assert {flat.area for flat in flats} == {Decimal("89.37")}
    assert (flats[0].building, flats[0].floor, flats[0].room) == ("3栋", 5, "501")


@pytest.mark.parametrize(
    ("text", "area"),
    [("89.37", "89.37"), ("0.01", "0.01"), ("89.3", "89.30"), ("89.370", "89.37"), ("7", "7.00")],
)
def test_area_is_an_exact_decimal_with_two_places(text: str, area: str) -> None:
    parsed = parse([["1栋", "1单元", "1", "101", text]], ENGLISH[:5])[0].area
    assert str(parsed) == area  # exact, two places, never a float's 89.36999…


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("building", "", "empty cell in a required column"),
        ("room", " ", "empty cell in a required column"),
        ("room", "1" * 21, "longer than 20 characters"),
        ("floor", "abc", '"abc" is not a floor: floor must be a whole number ≥ 1'),
        ("floor", "2.5", "floor must be a whole number ≥ 1"),
        ("floor", "-1", "negative floor -1"),
        ("floor", "0", "floor must be a whole number ≥ 1"),
        ("floor", "1000", "higher than any residential building"),
        ("area", "abc", '"abc" is not an area in m² such as 89.37'),
        ("area", "-89.37", "is not an area"),
        ("area", "0.00", "more than 0"),
        ("area", "89.371", "more than 2 decimals"),
        ("area", "1e2", "is not an area"),
        ("developer_held", "maybe", '"maybe" is not yes/no'),
        ("owner", "x" * 65, "longer than 64 characters"),
    ],
)
def test_each_bad_cell_is_named_with_its_reason(column: str, value: str, reason: str) -> None:
    row = ["1栋", "1单元", "1", "101", "89.37", "", ""]
    row[ENGLISH.index(column)] = value
    [problem] = problems([row])
    assert (problem.line, problem.column) == (2, column)
    assert reason in problem.reason


def test_every_bad_row_is_named_not_just_the_first() -> None:
    found = problems(
        [
            ["1栋", "1单元", "1", "101", "89.37", "", ""],
            ["1栋", "1单元", "-2", "102", "abc", "", ""],
            ["1栋", "1单元", "1", "103", "89.37", "", ""],
            ["", "1单元", "1", "104", "89.37", "", "perhaps"],
        ]
    )
    assert [(p.line, p.column) for p in found] == [
        (3, "floor"),
        (3, "area"),
        (5, "building"),
        (5, "developer_held"),
    ]


def test_a_problem_reads_as_line_column_and_reason() -> None:
    [problem] = problems([["1栋", "1单元", "1", "101", "abc", "", ""]], CHINESE)
    assert str(problem) == 'line 2, column 面积: "abc" is not an area in m² such as 89.37'


def test_duplicate_flat_names_both_lines() -> None:
    found = problems(
        [
            ["1栋", "1单元", "1", "101", "89.37", "", ""],
            ["1栋", "1单元", "2", "201", "89.37", "", ""],
            ["1栋", "1单元", "1", "101", "90.00", "", ""],
            ["1栋", "2单元", "1", "101", "89.37", "", ""],  # another unit: not a duplicate
        ]
    )
    assert [str(problem) for problem in found] == [
        "line 4, column room: flat 1栋/1单元/101 is listed twice, on lines 2 and 4"
    ]


def test_owner_key_on_a_developer_held_flat_is_a_contradiction() -> None:
    [problem] = problems([["1栋", "1单元", "1", "101", "89.37", "P-7", "是"]])
    assert (problem.line, problem.column) == (2, "developer_held")
    assert "P-7" in problem.reason


@pytest.mark.parametrize(
    ("text", "held"),
    [
        *[("yes", True), ("Y", True), ("TRUE", True), ("1", True), ("是", True)],
        *[("no", False), ("n", False), ("False", False), ("0", False), ("否", False), ("", False)],
    ],
)
def test_developer_held_spellings(text: str, held: bool) -> None:
    assert parse([["1栋", "1单元", "1", "101", "89.37", "", text]])[0].developer_held is held


def test_optional_columns_may_be_absent_or_cut_short() -> None:
    assert parse([["1栋", "1单元", "1", "101", "89.37"]], ENGLISH[:5])[0].owner_key is None
    assert parse([["1栋", "1单元", "1", "101", "89.37"]])[0].developer_held is False


def test_unknown_duplicate_and_missing_columns_are_named() -> None:
    header = ["building", "unit", "floor", "room", "aera", "楼栋", ""]
    found = problems([["1栋", "1单元", "1", "101", "89.37", "1栋", ""]], header)
    assert [(p.line, p.column) for p in found] == [(1, "aera"), (1, "楼栋"), (1, "area/面积")]
    assert "unknown column" in found[0].reason
    assert "building/楼栋" in found[0].reason  # tells the accepted names
    assert "given twice" in found[1].reason
    assert "required column is missing" in found[2].reason


def test_a_register_without_flats_is_refused() -> None:
    [problem] = problems([])
    assert str(problem) == "the register lists no flats"


def test_the_error_message_lists_every_problem() -> None:
    with pytest.raises(RegisterError) as caught:
        parse([["1栋", "1单元", "0", "101", "x", "", ""]])
    message = str(caught.value)
    assert message.startswith("the register has 2 problems:")
    assert "line 2, column floor" in message
    assert "line 2, column area" in message


def test_control_characters_are_removed_from_every_cell() -> None:
    [flat] = parse([["3\x00栋", "1单元\r", "\x015", "50\x7f1", "89.37\x00", "P\x1b-1", "n\x00o"]])
    assert flat == RegisterFlat("3栋", "1单元", 5, "501", Decimal("89.37"), "P-1", False)


# NFKC reads "５" and "²" as 5 and 2 (see test_full_width_digits_and_square_metre_signs).
@pytest.mark.parametrize("floor", ["99999999999999999999", "9" * 5000, "1_0", "٣", "-9" * 3000])
def test_a_floor_is_ascii_digits_within_the_building(floor: str) -> None:
    [problem] = problems([["3栋", "1单元", floor, "501", "89.37", "", ""]])
    assert problem.column == "floor"


def test_the_names_committees_use_for_columns() -> None:
    header = ["楼号", "单元号", "所在楼层", "门牌号", "面积（㎡）", "产权证号", "开发商持有"]
    assert parse([["3栋", "2单元", "5", "501", "89.37", "X-1", ""]], header) == [
        RegisterFlat("3栋", "2单元", 5, "501", Decimal("89.37"), "X-1", False)
    ]
    for building, area in (
        ("楼幢", "建筑面积"),
        ("楼栋", "建筑面积（平方米）"),
        ("楼栋", "面积(m²)"),
    ):
        header = [building, "单元", "楼层", "房号", area]
        assert parse([["3栋", "2单元", "5", "501", "89.37"]], header)[0].area == Decimal("89.37")


def test_errors_show_the_column_as_the_committee_typed_it() -> None:
    header = ["楼号", "单元", "楼层", "门牌号", "建筑面积（㎡）", "业主姓名"]
    found = problems([["3栋", "2单元", "5", "501", "八十"]], header)
    assert [(p.line, p.column) for p in found] == [(1, "业主姓名")]
    assert "building/楼栋/楼号/楼幢" in found[0].reason  # every accepted name is listed
    found = problems([["3栋", "2单元", "5", "501", "八十"]], header[:5])
    assert [str(p) for p in found] == [
        'line 2, column 建筑面积（㎡）: "八十" is not an area in m² such as 89.37'
    ]


def test_title_rows_above_the_header_and_several_sheets() -> None:
    first = RegisterSheet(
        "1号楼",
        [
            RegisterRow(1, ["幸福里 住户名册", "", ""]),
            RegisterRow(2, ["制表：业委会"]),
            RegisterRow(3, ["楼号", "单元", "楼层", "门牌号", "面积"]),
            RegisterRow(4, ["1号楼", "1单元", "1", "101", "80"]),
        ],
    )
    second = RegisterSheet(
        "2号楼",
        [
            RegisterRow(1, ["building", "unit", "floor", "room", "area"]),
            RegisterRow(2, ["2号楼", "1单元", "1", "101", "70"]),
            RegisterRow(3, ["1号楼", "1单元", "1", "101", "x"]),
        ],
    )
    with pytest.raises(RegisterError) as caught:
        parse_register_sheets([first, second])
    assert [str(p) for p in caught.value.problems] == [
        'sheet 2号楼, line 3, column area: "x" is not an area in m² such as 89.37'
    ]
    second = RegisterSheet(
        "2号楼", [*second.rows[:2], RegisterRow(3, ["1号楼", "1单元", "1", "101", "75"])]
    )
    with pytest.raises(RegisterError) as caught:
        parse_register_sheets([first, second])
    assert str(caught.value.problems[0]).endswith(
        "flat 1号楼/1单元/101 is listed twice, on sheet 1号楼 line 4 and sheet 2号楼 line 3"
    )
    flats = parse_register_sheets([first, RegisterSheet("2号楼", second.rows[:2])])
    assert [(flat.building, flat.area) for flat in flats] == [
        ("1号楼", Decimal("80.00")),
        ("2号楼", Decimal("70.00")),
    ]
