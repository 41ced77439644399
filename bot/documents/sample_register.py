"""The sample household register shipped in bot/samples/, as CSV and as XLSX: what an import
accepts, in the shape committees' spreadsheets have (a title row above the header, the
Chinese column names they use, one sheet per building). Regenerate the files with
`python -m bot.documents.sample_register`; a test checks they match this module."""

from __future__ import annotations

import csv
from itertools import groupby
from pathlib import Path

import openpyxl

from bot.documents.register_file import SAMPLES

TITLE = "示例小区 住户名册（样例）"
HEADER = ("楼号", "单元", "楼层", "门牌号", "建筑面积（㎡）", "业主编号", "开发商持有")


def sample_rows() -> list[tuple[str, ...]]:
    """Two buildings of two units, three floors of two flats each; one owner holds two flats
    and the developer still holds one."""
    rows = []
    for building in ("1号楼", "2号楼"):
        for unit in ("1单元", "2单元"):
            for floor in (1, 2, 3):
                for side, area in (("01", "89.37"), ("02", "72.50")):
                    room = f"{floor}{side}"
                    owner = f"{building[0]}-{unit[0]}-{room}"
                    rows.append((building, unit, str(floor), room, area, owner, "否"))
    rows[1] = (*rows[1][:5], rows[0][5], "否")  # the owner of 101 also owns 102
    rows[-1] = (*rows[-1][:5], "", "是")
    return rows


def write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([TITLE])
        writer.writerow(HEADER)
        writer.writerows(sample_rows())


def write_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    assert workbook.active is not None
    workbook.remove(workbook.active)
    for building, rows in groupby(sample_rows(), key=lambda row: row[0]):
        sheet = workbook.create_sheet(building)
        sheet.append([f"{TITLE} {building}"])
        sheet.append(HEADER)
        for row in rows:
            sheet.append([int(row[2]) if index == 2 else cell for index, cell in enumerate(row)])
    workbook.save(path)


if __name__ == "__main__":
    write_csv(SAMPLES / "register.csv")
    write_xlsx(SAMPLES / "register.xlsx")
