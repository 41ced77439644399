"""Who is linked to each flat, and unlinking a resident, from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import Membership as Link
from storage.models import MembershipStatus, OutboxMessage
from tests.cli.test_cli import GOOD, count, linli
from tests.cli.test_register_cli import link_resident


def test_residents_are_listed_by_flat_and_unlinked(database_url: str, tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(GOOD + "4栋,1单元,1,101,70,B1\n", encoding="utf-8")
    linli(database_url, "import", "households", str(register), "--compound", "幸福里")
    link_resident(database_url, "102")  # Telegram number 777, an owner

    listed = linli(database_url, "residents", "list", "--compound", "幸福里")
    assert listed.output.splitlines() == [
        "3栋/1单元/101\t(nobody linked)",
        "3栋/1单元/102\t777\t\towner\tactive",
        "4栋/1单元/101\t(nobody linked)",
        "3栋: 1 of 2 flats have nobody linked.",
        "4栋: 1 of 1 flats have nobody linked.",
    ]
    unlinked = linli(
        database_url, "residents", "list", "--compound", "幸福里", "--building", "3栋", "--unlinked"
    )
    assert unlinked.output.splitlines() == [
        "3栋/1单元/101\t(nobody linked)",
        "3栋: 1 of 2 flats have nobody linked.",
    ]

    def unlink(flat: str) -> tuple[int, str]:
        result = linli(
            database_url, "residents", "unlink", "--compound", "幸福里", "--flat", flat,
            "--user", "777",
        )  # fmt: skip
        return result.exit_code, result.output.strip()

    assert unlink("3栋/1单元/102") == (
        0,
        "777 is no longer linked to 3栋/1单元/102; they will be told in the chat.",
    )
    assert count(database_url, Link, Link.status == MembershipStatus.REJECTED) == 1
    assert count(database_url, OutboxMessage, OutboxMessage.chat_id == 777) == 1
    assert notice(database_url).startswith("业委会已解除您与 3栋 1单元 102室 的关联。")
    assert unlink("3栋/1单元/102") == (
        2,
        "Error: 777 is not linked to 3栋/1单元/102; nothing was changed.",
    )
    assert (
        "3栋: 2 of 2 flats"
        in linli(database_url, "residents", "list", "--compound", "幸福里").output
    )


def notice(database_url: str) -> str:
    async def read() -> str:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                return str(await session.scalar(select(OutboxMessage.text)))
        finally:
            await engine.dispose()

    return asyncio.run(read())
