"""Every member of one flat pressing the vote's buttons at once, delivered all together as a
webhook with many connections may: one ballot for the flat, answered by its first owner, and
its answer the last one its audit trail recorded."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox import Resident, SandboxClient, SandboxError
from bot.sandbox.client import Json, until
from storage.models import Role
from storage.surveys.models import Ballot
from tests.bot.conftest import Codes, settle
from tests.bot.surveying import (
    LABELS,
    QUESTION,
    answer_events,
    apologised_to,
    ballots,
    current_answers,
    flat_of,
    link_to_flat,
    open_vote,
    owners,
)
from tests.resilience.conftest import Webhook

Sessions = async_sessionmaker[AsyncSession]
FLAT = "1栋/1单元/101"
PRESSES = 100


async def _members(client: SandboxClient, codes: Codes, sessions: Sessions) -> list[Resident]:
    """Two owners (the flat code works twice) and two family members of FLAT."""
    # One after the other: the flat's earliest member answers for it, and that must be `first`.
    [first] = await owners(client, codes, [FLAT])
    await settle(first)
    [second] = await owners(client, codes, [FLAT], first_number=1)
    household = await flat_of(sessions, first)
    family = [await client.resident(name) for name in ("儿子", "女儿")]
    for member in family:
        await member.send("/start")
        await member.next_message()
        await settle(member)
        await link_to_flat(sessions, member, household, Role.FAMILY)
    await settle(second)
    return [first, second, *family]


UNANSWERED = "(not answered)"


async def _questions(resident: Resident, count: int) -> list[Json]:
    """The question messages, once `count` have come: they follow the presses' answers, one
    after another in the resident's chat."""

    async def shown() -> list[Json]:
        return [m for m in await resident.messages() if "问题 1/1" in m.get("text", "")]

    async def all_shown() -> bool:
        return len(await shown()) >= count

    await until(all_shown, f"fewer than {count} questions shown")
    questions = await shown()
    assert len(questions) == count
    return questions


async def _answered(client: SandboxClient, queries: list[str]) -> list[str | None]:
    """The bot's answer to each press; the webhook replied only after handling them all."""
    texts: list[str | None] = []
    for query in queries:
        try:
            texts.append((await client.callback_answer(query))["text"])
        except SandboxError:
            texts.append(UNANSWERED)
    return texts


async def test_a_hundred_presses_by_one_flat_make_one_consistent_ballot(
    webhook: Webhook,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
) -> None:
    first, *others = await _members(client, codes, sessions)
    household = await flat_of(sessions, first)
    survey_id = await open_vote(sessions, "1栋", "1单元")
    notice = await first.next_message()
    assert "正式表决已开始" in notice["text"]
    anywhere = {m.id: (await m.messages())[-1]["message_id"] for m in others}
    shuffle = random.Random(6)

    # Round 1: everyone starts the ballot at once; only the first owner may, and one is made.
    await webhook.hold()
    starts = [await first.press("开始作答", notice["message_id"]) for _ in range(20)]
    refused = [
        await m.forge_press(anywhere[m.id], f"sb:{survey_id}:{household}") for m in others * 4
    ]
    statuses = await webhook.post_all(
        shuffle.sample(pending := await webhook.pending(), len(pending))
    )
    assert set(statuses) == {200}
    assert await _answered(client, starts) == [None] * len(starts)
    assert all("另一位成员" in t or "只有业主" in t for t in await _answered(client, refused))  # type: ignore[operator]
    [ballot_id] = (await ballots(sessions)).values()
    questions = await _questions(first, len(starts))

    # Round 2: a hundred presses at once, on every question message and forged by the others.
    votes = [shuffle.choice(list(LABELS)) for _ in questions]
    answers = [
        await first.press(LABELS[vote], message["message_id"])
        for vote, message in zip(votes, questions, strict=True)
    ]
    forged = [
        await m.forge_press(
            anywhere[m.id], f"ans:{ballot_id}:{QUESTION}:{shuffle.choice(list(LABELS))}"
        )
        for m in (others * PRESSES)[: PRESSES - len(answers)]
    ]
    pending = await webhook.pending()
    assert await webhook.post_all(shuffle.sample(pending, len(pending))) == [200] * PRESSES
    assert await _answered(client, answers) == [None] * len(answers)
    assert all(
        t and ("另一位成员" in t or "只有业主" in t) for t in await _answered(client, forged)
    )
    assert await apologised_to([first, *others]) == []

    events = await answer_events(sessions)
    assert list(events) == [ballot_id], "more than one ballot was answered"
    assert sorted(events[ballot_id]) == sorted(votes), "a press was lost or counted twice"
    assert await current_answers(sessions) == {ballot_id: events[ballot_id][-1]}
    async with sessions() as session:
        ballot = await session.scalar(select(Ballot))
    assert ballot is not None and ballot.household_id == household
