"""Telegram answering 429 and 5xx while residents answer a vote: to the bot's polling, and to
its replies. Nothing may be lost: an update whose handling failed on a transient error stays
unconfirmed and is handled again, so every answer is recorded exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import SandboxClient
from tests.bot.conftest import Codes
from tests.bot.surveying import (
    LABELS,
    answer_events,
    apologised_to,
    at_the_question,
    current_answers,
    open_vote,
    owners,
)

Sessions = async_sessionmaker[AsyncSession]
Storm = Callable[[SandboxClient], Awaitable[None]]
FLATS = [f"1栋/{u}单元/{f}0{n}" for u in (1, 2) for f in (1, 2, 3) for n in (1, 2)]


async def _answer_through(
    storm: Storm, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    residents = await owners(client, codes, FLATS)
    await open_vote(sessions, "1栋")
    questions = await at_the_question(residents)
    chosen = [list(LABELS)[n % 3] for n in range(len(residents))]
    await storm(client)
    presses = [
        await resident.press(LABELS[choice], question)
        for resident, choice, question in zip(residents, chosen, questions, strict=True)
    ]
    await client.settled(timeout=30)
    for resident, press in zip(residents, presses, strict=True):
        await resident.callback_answer(press)  # right after the commit
        await resident.shown("已记录")  # the receipt, through every fault

    assert await apologised_to(residents) == []
    events = await answer_events(sessions)
    assert sorted(events.values()) == sorted([choice] for choice in chosen)
    assert {
        ballot: [value] for ballot, value in (await current_answers(sessions)).items()
    } == events


async def _poll_storm(client: SandboxClient) -> None:
    for kind in ("500", "429", "502"):
        await client.add_fault(kind, method="getUpdates")


async def test_polling_rides_out_429_and_5xx(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    await _answer_through(_poll_storm, client, codes, sessions)
    assert (await client.stats())["faults_injected"] == 3
    assert await client.faults() == []


async def _reply_storm(client: SandboxClient) -> None:
    for kind in ("500", "429", "502"):
        await client.add_fault(kind, count=2)  # any send method
    # Then 429s scattered over the rest of the replies (12 residents), on the same calls in
    # every run: the flood limits would bite only on a machine fast enough.
    await client.add_fault("429", count=2, probability=0.2, seed=278)


async def test_replies_hitting_429_and_5xx_lose_no_answer(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    await _answer_through(_reply_storm, client, codes, sessions)
    assert (await client.stats())["faults_injected"] == 8
    assert await client.faults() == []
