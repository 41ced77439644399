"""A one-question formal vote that residents answer over the sandbox, and what the database
then holds of it: for the resilience and security tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_i18n
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.notices import announce_opening
from storage.committee import compound_named
from storage.models import Membership, MembershipStatus, Role, Verification
from storage.models import Resident as ResidentRow
from storage.surveys.models import Answer, AnswerEvent, Ballot
from storage.surveys.queries import create_survey, open_survey, scope_named
from tests.bot.conftest import COMPOUND, Codes, choose_role

Sessions = async_sessionmaker[AsyncSession]
QUESTION = "plan"
VOTE = f"""kind: vote
title: 改造方案表决
questions:
  - id: {QUESTION}
    type: agree
    rule: civil_code_ordinary
    text: 是否同意改造方案？
"""
LABELS = {"approve": "同意", "reject": "反对", "abstain": "弃权"}


async def open_vote(
    sessions: Sessions,
    building: str | None = None,
    unit: str | None = None,
    compound: str = COMPOUND,
    definition: str = VOTE,
) -> int:
    """Open a vote (VOTE by default) over the scope and queue its notices, as `linli survey
    open` does; the bot's outbox dispatcher sends them."""
    async with sessions() as session, session.begin():
        found = await compound_named(session, compound)
        scope = await scope_named(session, found.id, building, unit)
        survey = await create_survey(session, found.id, definition, scope)
        await open_survey(session, survey)
        zone = ZoneInfo("Asia/Shanghai")
        await announce_opening(session, survey, build_i18n("zh_CN"), zone)
    return survey.id


async def owners(
    client: SandboxClient, codes: Codes, flats: Sequence[str], first_number: int = 0
) -> list[Resident]:
    """One resident per flat, joined as its confirmed owner by the code handed to them."""
    joined = []
    for number, flat in enumerate(flats, start=first_number):
        resident = await client.resident(f"业主{number}")
        await resident.scan(codes.owner_flats[flat])
        joined.append(resident)
    for resident in joined:  # a bot just started may take a while to answer the first
        assert "欢迎" in await choose_role(resident, timeout=30)
    return joined


async def at_the_question(residents: Sequence[Resident], total: int = 1) -> list[int]:
    """Each resident reads the opening notice and taps 开始作答; return the message ids of
    the first question (of `total`) each then sees."""
    for resident in residents:
        assert "正式表决已开始" in (await resident.next_message())["text"]
        await resident.press("开始作答")
    questions = []
    for resident in residents:
        question = await resident.next_message()
        assert f"问题 1/{total}" in question["text"], question
        questions.append(question["message_id"])
    return questions


async def answer_events(sessions: Sessions) -> dict[int, list[str | None]]:
    """Ballot id → the values its audit trail recorded for QUESTION, in order."""
    async with sessions() as session:
        rows = await session.execute(
            select(AnswerEvent.ballot_id, AnswerEvent.value)
            .where(AnswerEvent.question_id == QUESTION)
            .order_by(AnswerEvent.id)
        )
        events: dict[int, list[str | None]] = {}
        for ballot_id, value in rows:
            events.setdefault(ballot_id, []).append(None if value is None else json.loads(value))
        return events


async def current_answers(sessions: Sessions) -> dict[int, str]:
    """Ballot id → its current answer to QUESTION."""
    async with sessions() as session:
        rows = await session.execute(
            select(Answer.ballot_id, Answer.value).where(Answer.question_id == QUESTION)
        )
        return {ballot_id: json.loads(value) for ballot_id, value in rows}


async def ballots(sessions: Sessions) -> dict[str, int]:
    """Respondent ("h:<flat>" or "r:<resident>") → ballot id, over every survey."""
    async with sessions() as session:
        rows = await session.execute(select(Ballot.respondent, Ballot.id))
        return {respondent: ballot_id for respondent, ballot_id in rows}


APOLOGY = "系统出了点问题"  # bot.delivery's reply to an update that failed for good


async def apologised_to(residents: Sequence[Resident]) -> list[Resident]:
    """The residents the bot told that something went wrong."""
    return [
        resident
        for resident in residents
        if any(APOLOGY in m.get("text", "") for m in await resident.messages())
    ]


async def flat_of(sessions: Sessions, resident: Resident) -> int:
    """The household id of the resident's (first) flat."""
    async with sessions() as session:
        found = await session.scalar(
            select(Membership.household_id)
            .join(ResidentRow)
            .where(ResidentRow.telegram_id == resident.id)
            .order_by(Membership.id)
        )
    assert found is not None, f"{resident} has no flat"
    return found


async def link_to_flat(
    sessions: Sessions, resident: Resident, household_id: int, role: Role
) -> None:
    """Link a resident who has talked to the bot to a flat, as the committee's approval would."""
    async with sessions() as session, session.begin():
        row = await session.scalar(
            select(ResidentRow).where(ResidentRow.telegram_id == resident.id)
        )
        assert row is not None, f"{resident} never talked to the bot"
        session.add(
            Membership(
                resident_id=row.id,
                household_id=household_id,
                role=role,
                status=MembershipStatus.ACTIVE,
                verified_by=Verification.COMMITTEE,
                owner_confirmed=role is Role.OWNER,
            )
        )
