"""No personal data in the logs: a resident joins, votes, chats and files a complaint with every
logger at the levels `linli -v` sets (DEBUG, SQL echo on), and no log record holds their name,
their flat or a word they typed; nor does a verbose command line, nor a lookup's error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Linli
from bot.cli import VERBOSE_LEVELS
from bot.sandbox import SandboxClient
from storage.committee import compound_named
from storage.refusals import NotFound
from storage.residents import flat_named
from storage.surveys.queries import scope_named
from tests.bot.conftest import COMPOUND, Codes, join_flat, settle
from tests.bot.surveying import at_the_question, open_vote
from tests.security.conftest import Sessions, replies

NAME, SURNAME = "秀兰", "欧阳"
FLAT = "2栋/2单元/302"
TYPED = ["我家电话13800138000", "夜里十一点还在电钻施工"]
PHONE, BUILDING = "13800138000", "秀兰楼"


def _logged(record: logging.LogRecord) -> str:
    told = record.getMessage()
    if record.exc_info:
        told += logging.Formatter().formatException(record.exc_info)
    return told


async def test_a_residents_data_stays_out_of_the_logs(
    linli: Linli,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, as `linli -v` sets them: SQL echo on
    for name, level in VERBOSE_LEVELS.items():
        caplog.set_level(level, logger=name)
    resident = await client.resident(NAME, last_name=SURNAME, username="ouyang_xl")
    assert "2栋 2单元 302室" in await join_flat(resident, codes.owner_flats[FLAT])
    await settle(resident)
    await open_vote(sessions, "2栋")
    [question] = await at_the_question([resident])
    await resident.press("反对", question)
    await replies(resident, TYPED[0])  # not understood, but read
    await replies(resident, "/lang")
    await resident.press("English")
    await resident.send("/complaint")  # a /me after it would end the complaint's flow
    for step in (
        "noise",
        TYPED[1],
        "Done",
        "2栋 2单元",
        "Keep my name within the committee",
        "Send",
    ):
        if step in TYPED:
            await resident.send(step)
        else:
            await resident.press(step)  # once shown: each step edits or follows the last
    await resident.shown("tracking number")  # the complaint was filed

    records = caplog.records
    assert len(records) > 10, "the flow logged too little for this test to mean anything"
    assert any(r.name.startswith("sqlalchemy.engine") for r in records), "SQL echo is off"
    private = [NAME, SURNAME, "ouyang_xl", "302室", "2单元/302", "2单元 302", *TYPED]
    leaks = [(r.name, word) for r in records for word in private if word in _logged(r)]
    assert leaks == []


async def test_a_typed_name_stays_out_of_the_lookup_errors_that_tracebacks_carry(
    sessions: Sessions, codes: Codes
) -> None:
    """flat_named and its kin raise with what the committee typed: a traceback in the log
    must not carry it, while the command line still shows it to the operator."""
    typed = ["2栋/9单元/302", "秀兰家", "9栋"]
    async with sessions() as session:
        compound = await compound_named(session, COMPOUND)
        for lookup in (
            flat_named(session, compound.id, typed[0]),
            flat_named(session, compound.id, typed[1]),
            scope_named(session, compound.id, typed[2], None),
        ):
            with pytest.raises(NotFound) as caught:
                await lookup
            assert not any(word in str(caught.value) for word in typed)
            assert any(word in caught.value.told() for word in typed)


def test_a_verbose_command_line_logs_sql_without_its_values(
    database_url: str, tmp_path: Path
) -> None:
    """`linli -v` logs every statement SQLAlchemy runs (SQL echo): never the values in it,
    nor the rows it reads back."""
    register = tmp_path / "register.csv"
    register.write_text(
        f"楼栋,单元,楼层,房号,面积,业主编号\n{BUILDING},1单元,1,101,89.37,{PHONE}\n"
    )
    environment = {**os.environ, "LINLI_DATABASE_URL": database_url}
    logged = ""
    for command in (
        ["import", "households", str(register), "--compound", "幸福里"],
        ["announce", "--compound", "幸福里", f"{NAME}家（{PHONE}）明早停水"],
    ):
        run = subprocess.run(
            [sys.executable, "-m", "bot", "-v", *command],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        logged += run.stderr
    assert "INSERT INTO households" in logged, "SQL echo is off: this test would mean nothing"
    assert [word for word in (NAME, PHONE, BUILDING) if word in logged] == []
