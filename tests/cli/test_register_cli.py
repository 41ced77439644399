"""Importing a register from the command line: what changes is shown first, nothing is
retired by surprise, and the shipped sample registers import."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import openpyxl
from sqlalchemy import select

from bot.documents import sample_register
from bot.documents.register_file import SAMPLES
from storage.db import create_engine, session_factory
from storage.models import Household, Membership, MembershipStatus, Resident, Role, Verification
from tests.cli.test_cli import count, linli

HEADER = "楼栋,单元,楼层,房号,面积\n"
BUILDING_3 = "3栋,1单元,1,101,89.37\n3栋,1单元,1,102,60\n"
BUILDING_4 = "4栋,1单元,1,101,70\n"


def register(tmp_path: Path, name: str, *rows: str) -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return str(path)


def link_resident(database_url: str, room: str) -> None:
    async def link() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine).begin() as session:
                flat = await session.scalar(select(Household).where(Household.room == room))
                assert flat is not None
                session.add(
                    Membership(
                        resident=Resident(telegram_id=777),
                        household_id=flat.id,
                        role=Role.OWNER,
                        status=MembershipStatus.ACTIVE,
                        verified_by=Verification.FLAT_CODE,
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(link())


def retired(database_url: str) -> int:
    return count(database_url, Household, Household.retired_at.is_not(None))


def test_a_partial_register_is_shown_first_and_retires_nothing_unasked(
    database_url: str, tmp_path: Path
) -> None:
    whole = register(tmp_path, "whole.csv", BUILDING_3, BUILDING_4)
    assert linli(database_url, "import", "households", whole, "--compound", "幸福里").exit_code == 0
    link_resident(database_url, "102")
    partial = register(tmp_path, "new.csv", BUILDING_4, "4栋,1单元,2,201,70\n")

    def load(*options: str) -> tuple[int, str]:
        result = linli(
            database_url, "import", "households", partial, "--compound", "幸福里", *options
        )
        return result.exit_code, result.output

    code, output = load()
    assert code == 2
    assert output.strip() == (
        "Error: Nothing was imported: 2 flats of 幸福里 are not in new.csv and would be "
        "retired. See them with --dry-run; to retire them, run again with --retire-missing."
    )
    assert count(database_url, Household) == 3 and retired(database_url) == 0

    code, output = load("--retire-linked")
    assert (code, output.strip()) == (2, "Error: --retire-linked only goes with --retire-missing.")
    code, output = load("--dry-run")
    assert code == 0
    assert output.splitlines() == [
        "Dry run: nothing was written. The import would do this:",
        "幸福里: 1 flats added, 0 updated, 1 unchanged, 0 back in the register, 0 retired.",
        "  not in the file: 3栋/1单元/101 (0 linked residents, 0 ballots)",
        "  not in the file: 3栋/1单元/102 (1 linked residents, 0 ballots)",
    ]
    code, output = load("--dry-run", "--retire-missing")
    assert "1 retired." in output and "  retired: 3栋/1单元/101" in output
    assert count(database_url, Household) == 3 and retired(database_url) == 0

    code, output = load("--retire-missing")
    assert code == 0
    assert output.splitlines()[1:] == [
        "  retired: 3栋/1单元/101",
        "  kept: 3栋/1单元/102 (1 linked residents, 0 ballots); --retire-linked retires it anyway",
    ]
    assert count(database_url, Household) == 4 and retired(database_url) == 1

    code, output = load("--retire-missing", "--retire-linked")
    assert "  retired: 3栋/1单元/102 (1 linked residents, 0 ballots)" in output
    assert retired(database_url) == 2


def test_the_shipped_samples_are_generated_and_import(database_url: str, tmp_path: Path) -> None:
    sample_register.write_csv(tmp_path / "register.csv")
    assert (tmp_path / "register.csv").read_bytes() == (SAMPLES / "register.csv").read_bytes()
    sample_register.write_xlsx(tmp_path / "register.xlsx")
    for generated, shipped in zip(
        openpyxl.load_workbook(tmp_path / "register.xlsx").worksheets,
        openpyxl.load_workbook(SAMPLES / "register.xlsx").worksheets,
        strict=True,
    ):
        assert generated.title == shipped.title
        assert list(generated.values) == list(shipped.values)

    rows = sample_register.sample_rows()
    for name in ("register.csv", "register.xlsx"):
        result = linli(
            database_url, "import", "households", str(SAMPLES / name), "--compound", name
        )
        assert result.exit_code == 0, result.output
        assert f"{name}: {len(rows)} flats added" in result.output
    one = linli(
        database_url, "import", "households", str(SAMPLES / "register.xlsx"),
        "--compound", "一栋", "--sheet", "2号楼",
    )  # fmt: skip
    assert "12 flats added" in one.output
    unknown = linli(
        database_url, "import", "households", str(SAMPLES / "register.xlsx"),
        "--compound", "一栋", "--sheet", "3号楼",
    )  # fmt: skip
    assert unknown.exit_code == 2
    assert "has no sheet named 3号楼; its sheets are 1号楼, 2号楼" in unknown.output


def test_errors_point_to_the_sample_and_show_the_header_as_typed(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(
            [["名册"], ["楼号", "单元", "层", "门牌号", "建筑面积（㎡）", "户主"]]
        )
    result = linli(database_url, "import", "households", str(path), "--compound", "幸福里")
    assert result.exit_code == 2
    assert "line 2, column 户主: unknown column" in result.output
    assert f"A sample register to compare with: {SAMPLES / 'register.xlsx'}" in result.output
