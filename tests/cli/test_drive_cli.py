"""`linli drive` as an operator uses it: create with a floor plan, list, open, record partial
payments, export the ledger; and the one-sentence refusals."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.test_cli import linli

REGISTER = (
    "楼栋,单元,楼层,房号,面积\n"
    "3栋,2单元,1,101,60\n3栋,2单元,2,201,60\n3栋,2单元,3,301,70\n3栋,2单元,3,302,80\n"
)


def test_a_drive_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    imported = linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    assert imported.exit_code == 0
    common = ["drive", "create", "--compound", "幸福里", "--building", "3栋", "--unit", "2单元"]
    money = ["--title", "加装电梯", "--total-yuan", "500000", "--subsidy-yuan", "200,000"]
    refused = linli(database_url, *common, *money, "--plan", "floor_percent", "--factors", "3=100")
    assert refused.exit_code == 2
    assert "Nothing was created: no factor for floor(s) 1, 2." in refused.output
    plan = ["--plan", "floor_percent", "--factors", "1=0,2=0,3=100"]
    created = linli(database_url, *common, *money, *plan)
    assert "Drive #1 created: 加装电梯, residents' share 300,000.00 yuan" in created.output
    assert "Drive #1 is open; 0 residents" in linli(database_url, "drive", "open", "1").output
    for amount, total in (("100000", "100,000.00"), ("50000.5", "150,000.50")):
        paid = linli(database_url, "drive", "pay", "1", "--flat", "3栋/2单元/301", "--yuan", amount)
        assert f"{total} yuan received from it in all" in paid.output
    outside = linli(database_url, "drive", "pay", "1", "--flat", "3栋/9单元/101", "--yuan", "1")
    assert outside.exit_code == 2 and "there is no flat 3栋/9单元/101" in outside.output
    listing = linli(database_url, "drive", "list", "--compound", "幸福里").output
    assert "#1\topen\t0.00/300,000.00 pledged\t150,000.50 received\t0/4 flats" in listing
    out = tmp_path / "ledger.xlsx"
    assert (
        "4 flats written" in linli(database_url, "drive", "export", "1", "--out", str(out)).output
    )
    rows = list(load_workbook(out)["分摊 Shares"].iter_rows(min_row=2, values_only=True))
    shares = {row[2]: Decimal(str(row[6])) for row in rows}
    assert shares == {"101": 0, "201": 0, "301": 150_000, "302": 150_000}
    assert {row[2]: row[12] for row in rows}["301"] == 150_000.5
    assert "is closed" in linli(database_url, "drive", "close", "1").output
    again = linli(database_url, "drive", "close", "1")
    assert again.exit_code == 2


def test_who_pledges_is_set_when_the_drive_is_created(database_url: str, tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    create = ["drive", "create", "--compound", "幸福里", "--title", "屋面", "--total-yuan", "1万"]
    refused = linli(database_url, *create, "--plan", "equal", "--pledgers", "owner,landlord")
    assert refused.exit_code == 2
    assert "--pledgers names roles among owner, family, tenant" in refused.output
    created = linli(database_url, *create, "--plan", "equal", "--pledgers", "owner, family")
    assert "residents' share 10,000.00 yuan" in created.output

    async def pledgers() -> str:
        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import create_async_engine

        from storage.drives.models import Drive

        engine = create_async_engine(database_url)
        async with engine.connect() as connection:
            found = await connection.scalar(select(Drive.pledgers))
        await engine.dispose()
        return str(found)

    assert asyncio.run(pledgers()) == "family,owner"
