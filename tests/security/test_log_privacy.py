"""No personal data in the logs: a resident joins, votes, chats and files a complaint with every
logger of Linli and aiogram at DEBUG, and no log record holds their name, their flat or a word
they typed."""

from __future__ import annotations

import logging

import pytest

from bot.app import Linli
from bot.sandbox import SandboxClient
from tests.bot.conftest import Codes, join_flat, settle
from tests.bot.surveying import at_the_question, open_vote
from tests.security.conftest import Sessions, replies

NAME, SURNAME = "秀兰", "欧阳"
FLAT = "2栋/2单元/302"
TYPED = ["我家电话13800138000", "夜里十一点还在电钻施工"]
LOGGERS = ["bot", "handlers", "storage", "aiogram"]


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
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    resident = await client.resident(NAME, last_name=SURNAME, username="ouyang_xl")
    assert "2栋 2单元 302室" in await join_flat(resident, codes.flats[FLAT])
    await settle(resident)
    await open_vote(sessions, "2栋")
    [question] = await at_the_question([resident])
    await resident.press("反对", question)
    await replies(resident, TYPED[0])  # not understood, but read
    await replies(resident, "/lang")
    await resident.press("English")
    await replies(resident, "/complaint")
    for step in ("noise", TYPED[1], "Done", "2栋 2单元", "Stay anonymous", "Send"):
        if step in TYPED:
            await resident.send(step)
        else:
            await resident.press(step)
        told = await resident.next_message()
    assert "tracking number" in told["text"], "the complaint was not filed"

    records = [r for r in caplog.records if r.name.split(".")[0] in LOGGERS]
    assert len(records) > 10, "the flow logged too little for this test to mean anything"
    private = [NAME, SURNAME, "ouyang_xl", "302室", "2单元/302", "2单元 302", *TYPED]
    leaks = [(r.name, word) for r in records for word in private if word in _logged(r)]
    assert leaks == []
