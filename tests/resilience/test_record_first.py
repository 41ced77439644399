"""Record first, speak after: an answer's effect and its replies commit together, so neither
the database dropping the bot's connections mid-burst nor a process dying right after its
commit loses an answer, drops an update, or sends a reply twice."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.delivery import deliver
from bot.outbox_dispatcher import OutboxDispatcher
from bot.sandbox import SandboxClient
from storage.db import create_engine
from tests.bot.conftest import Codes, bot_settings, settle
from tests.bot.processes import FAST_OUTBOX
from tests.bot.surveying import (
    LABELS,
    answer_events,
    apologised_to,
    at_the_question,
    current_answers,
    open_vote,
    owners,
)
from tests.outbox.conftest import until_done
from tests.resilience.conftest import Webhook

Sessions = async_sessionmaker[AsyncSession]
FLATS = [f"1栋/{u}单元/{f}0{n}" for u in (1, 2) for f in (1, 2, 3) for n in (1, 2)]
KILL_ALL = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_connections_killed_ten_times_during_a_burst_lose_nothing(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, database_url: str
) -> None:
    residents = await owners(client, codes, FLATS)
    await open_vote(sessions, "1栋")
    questions = await at_the_question(residents)
    chosen = [list(LABELS)[n % 3] for n in range(len(residents))]
    killer = create_engine(database_url)
    kills = 0
    try:
        # Presses and kills interleave: wherever a kill lands (a handler's transaction, the
        # outbox's claims, a reply's mark), an answer is recorded once and its receipt sent.
        for index, (resident, question) in enumerate(zip(residents, questions, strict=True)):
            await resident.press(LABELS[chosen[index]], question)
            if index < 10:
                async with killer.connect() as connection:
                    await connection.execute(text(KILL_ALL))
                    await connection.commit()
                kills += 1
    finally:
        await killer.dispose()
    assert kills == 10
    for resident in residents:
        await resident.shown("已记录", timeout=60)
    await client.settled(timeout=60)

    assert await apologised_to(residents) == []  # no update was dropped as failed for good
    events = await answer_events(sessions)
    assert sorted(events.values()) == sorted([choice] for choice in chosen)
    assert {ballot: [value] for ballot, value in (await current_answers(sessions)).items()} == (
        events
    )
    for resident in residents:
        receipts = [m for m in await resident.messages() if "已记录" in m.get("text", "")]
        assert len(receipts) == 1, resident


async def test_replies_of_a_process_that_died_after_its_commit_are_sent_once(
    webhook: Webhook, database_url: str, codes: Codes
) -> None:
    client = webhook.client
    [owner] = await owners(client, codes, ["2栋/2单元/301"])
    await settle(owner)
    await open_vote(webhook.linli.sessions, "2栋")
    [question] = await at_the_question([owner])
    await webhook.hold()
    await owner.press("弃权", question)
    [press] = await webhook.pending()

    # A process whose dispatcher takes the committed replies but dies before sending them.
    dying = await Linli.start(bot_settings(database_url, str(client.base_url)))
    short_lease = replace(FAST_OUTBOX, lease=2.0)
    dying.outbox = OutboxDispatcher(dying.bot, dying.sessions, short_lease)  # never run
    try:
        await deliver(dying.bot, dying.dispatcher, press_update(dying, press))
    finally:
        await dying.close()
    assert list((await answer_events(webhook.linli.sessions)).values()) == [["abstain"]]

    # Its lease runs out, and the running bot's dispatcher sends them: once.
    receipt = await owner.shown("已记录", timeout=30)
    assert "弃权" in receipt["text"]
    assert "✓ 问题 1：弃权" in (await owner.shown("✓ 问题 1"))["text"]
    await until_done(webhook.linli.sessions)
    receipts = [m for m in await owner.messages() if "已记录" in m.get("text", "")]
    assert len(receipts) == 1


def press_update(linli: Linli, press: dict[str, object]) -> object:
    from aiogram.types import Update

    return Update.model_validate(press, context={"bot": linli.bot})


async def test_a_press_too_old_to_answer_keeps_its_answer_and_receipt(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    """Telegram refuses to answer a press that waited too long (a restart, a deploy, the tail
    of a burst): the answer and its receipt must stand all the same."""
    [owner] = await owners(client, codes, ["2栋/2单元/302"])
    await open_vote(sessions, "2栋")
    [question] = await at_the_question([owner])
    await client.add_fault("too_old", method="answerCallbackQuery", count=1)
    await owner.press("同意", question)

    receipt = await owner.shown("已记录")
    assert "同意" in receipt["text"]
    assert list((await answer_events(sessions)).values()) == [["approve"]]
    assert (await client.stats())["faults_injected"] == 1
    assert await apologised_to([owner]) == []
