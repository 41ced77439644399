"""Reading register files: CSV in the encodings Chinese Excel produces, and XLSX."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bot.documents.register_file import RegisterFileError, read_register_file
from surveys.joining.register import RegisterFlat, RegisterRow, parse_register

ENGLISH_CSV = "building,unit,floor,room,area\n1栋,1单元,1,101,89.37\n1栋,1单元,1,102,72.50\n"
FLATS = [
    RegisterFlat("1栋", "1单元", 1, "101", Decimal("89.37"), None, False),
    RegisterFlat("1栋", "1单元", 1, "102", Decimal("72.50"), None, False),
]


def one_sheet(path: Path) -> tuple[RegisterRow, list[RegisterRow]]:
    [sheet] = read_register_file(path)
    return sheet.rows[0], list(sheet.rows[1:])


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_csv_with_or_without_bom(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "register.csv", ENGLISH_CSV.encode(encoding))
    header, rows = one_sheet(path)
    assert header == RegisterRow(1, ["building", "unit", "floor", "room", "area"])
    assert parse_register(header, rows) == FLATS


def test_gb18030_csv_with_chinese_headers(tmp_path: Path) -> None:
    rows = [
        "楼栋,单元,楼层,房号,面积,开发商持有",
        "3栋,2单元,5,501,89.37,否",
        "3栋,2单元,5,502,65.1,是",
    ]
    data = "\r\n".join(rows).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fallback is really taken
    header, rows = one_sheet(write(tmp_path / "名册.CSV", data))
    assert parse_register(header, rows) == [
        RegisterFlat("3栋", "2单元", 5, "501", Decimal("89.37"), None, False),
        RegisterFlat("3栋", "2单元", 5, "502", Decimal("65.10"), None, True),
    ]


def test_csv_line_numbers_count_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    text = (
        '\nbuilding,unit,floor,room,area\n\n1栋,"1\n单元",1,101,89.37\n, , ,,\n1栋,1单元,1,102,70\n'
    )
    header, rows = one_sheet(write(tmp_path / "register.csv", text.encode()))
    assert header.line == 2
    assert [row.line for row in rows] == [4, 7]
    assert rows[0].cells[1] == "1\n单元"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = ENGLISH_CSV.replace(",", delimiter)
    header, rows = one_sheet(write(tmp_path / "register.csv", text.encode()))
    assert parse_register(header, rows) == FLATS


def test_xlsx_numbers_become_text_without_float_artefacts(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["楼栋", "单元", "楼层", "房号", "面积", "开发商持有"])
    sheet.append(["3栋", 1, 5, 501, 89.37, None])
    sheet.append([])  # a blank row is skipped, and later rows keep Excel's numbering
    sheet.append(["3栋", 1, 6.0, "602", 0.1 + 0.2, True])
    sheet.append(["3栋", 1, 7, 701, 100.0, False])
    workbook.save(tmp_path / "register.xlsx")

    header, rows = one_sheet(tmp_path / "register.xlsx")
    assert header.line == 1
    assert [(row.line, list(row.cells)) for row in rows] == [
        (2, ["3栋", "1", "5", "501", "89.37"]),
        (4, ["3栋", "1", "6", "602", "0.3", "True"]),
        (5, ["3栋", "1", "7", "701", "100", "False"]),
    ]
    assert [flat.area for flat in parse_register(header, rows)] == [
        Decimal("89.37"),
        Decimal("0.30"),
        Decimal("100.00"),
    ]


def test_unsupported_extension_names_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(RegisterFileError, match=r"unsupported file type.*\.csv, \.xlsx"):
        read_register_file(write(tmp_path / "register.xls", b"\xd0\xcf\x11\xe0"))


def test_corrupt_xlsx_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegisterFileError, match=r"register\.xlsx: not a readable XLSX workbook"):
        read_register_file(write(tmp_path / "register.xlsx", b"PK\x03\x04 not really a zip"))


def test_utf16_text_is_a_clear_error(tmp_path: Path) -> None:
    # Excel's "Unicode text" export is UTF-16, which neither expected encoding decodes.
    path = write(tmp_path / "register.csv", ENGLISH_CSV.encode("utf-16"))
    with pytest.raises(RegisterFileError, match="neither UTF-8 nor GB18030"):
        read_register_file(path)


def test_missing_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(RegisterFileError, match="cannot be read"):
        read_register_file(tmp_path / "absent.csv")
    with pytest.raises(RegisterFileError, match="the file is empty"):
        read_register_file(write(tmp_path / "blank.csv", b"\r\n ,,\r\n"))
