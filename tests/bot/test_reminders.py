"""Survey sweeps over the sandbox: reminders reach exactly who has not finished answering,
quiet hours hold them until morning, and a survey past its close is closed. The sweeps are
called with the moment they run at ("now"), as bot.schedules calls them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.sweeps import close_due_surveys, remind_non_finishers
from storage.committee import compound_named
from storage.models import Membership, OutboxMessage, OutboxState, utcnow
from storage.models import Resident as ResidentRow
from storage.surveys.ballots import ballot_for, record_answer
from storage.surveys.models import Survey, SurveyStatus
from storage.surveys.queries import create_survey, definition_of, open_survey, scope_named
from tests.bot.conftest import COMPOUND, Codes, join_flat, settle
from tests.outbox.conftest import until_done

Sessions = async_sessionmaker[AsyncSession]
DEFINITION = """
kind: opinion
title: 楼道改造意见
answer_per: PER
questions:
  - id: light
    type: single
    text: 楼道照明需要改造吗？
    options: [{id: "y", text: 需要}, {id: "n", text: 不需要}]
  - id: paint
    type: single
    text: 楼道需要粉刷吗？
    options: [{id: "y", text: 需要}, {id: "n", text: 不需要}]
"""


async def _join(client: SandboxClient, codes: Codes, name: str, room: str) -> Resident:
    resident = await client.resident(name)
    await join_flat(resident, codes.flats[f"1栋/1单元/{room}"])
    return resident


async def _survey(sessions: Sessions, per: str, opened: datetime, closes: datetime) -> int:
    """A two-question survey of 1栋 1单元, open from `opened` until `closes`."""
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        survey = await create_survey(session, compound.id, DEFINITION.replace("PER", per), scope)
        await open_survey(session, survey, closes)
        survey.opened_at = opened
        return survey.id


async def _answer(sessions: Sessions, survey_id: int, person: Resident, *questions: str) -> None:
    async with sessions() as session, session.begin():
        survey = await session.get(Survey, survey_id)
        assert survey is not None
        row = await session.scalar(select(ResidentRow).where(ResidentRow.telegram_id == person.id))
        assert row is not None
        flat = await session.scalar(
            select(Membership.household_id).where(Membership.resident_id == row.id)
        )
        ballot = await ballot_for(session, survey, row, flat)
        definition = definition_of(survey.definition)
        for question in questions:
            await record_answer(
                session, ballot, definition, definition.question(question), "y", row
            )


async def _sweep(
    linli: Linli, sessions: Sessions, now: datetime, sweep=remind_non_finishers
) -> int:
    async with sessions() as session, session.begin():
        return await sweep(session, now, linli.i18n, linli.settings.tz)


async def _reminded(sessions: Sessions, key: str) -> dict[int, datetime]:
    """Chat → not_before of the rows queued under a reminder's key."""
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.not_before).where(
                OutboxMessage.key.like(f"{key}:%")
            )
        )
        return {chat: when for chat, when in rows}


async def test_reminders_reach_exactly_the_flats_not_finished(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    done = await _join(client, codes, "已答完", "101")
    done_too = await _join(client, codes, "同户家人", "101")  # the flat is answered for them
    halfway = await _join(client, codes, "答了一半", "102")
    silent = await _join(client, codes, "没作答", "201")
    await settle(silent)
    now = utcnow()
    number = await _survey(sessions, "flat", now - timedelta(days=5), now + timedelta(hours=47))
    await _answer(sessions, number, done, "light", "paint")
    await _answer(sessions, number, halfway, "light")

    assert await _sweep(linli, sessions, now) == 2  # the 48-hour reminder is due
    await until_done(sessions)
    for person in (halfway, silent):
        reminder = await person.next_message()
        assert "提醒：征询「楼道改造意见」将于" in reminder["text"]
        assert "您还没有完成作答" in reminder["text"] and "您代表 1栋 1单元" in reminder["text"]
    assert set(await _reminded(sessions, f"reminder:{number}:48h")) == {halfway.id, silent.id}
    for person in (done, done_too):
        assert len(await person.messages()) == 1  # the welcome only
    await silent.press("开始作答")  # the opening notice's button
    assert "问题 1/2" in (await silent.next_message())["text"]

    assert await _sweep(linli, sessions, now + timedelta(minutes=1)) == 0  # once
    await _answer(sessions, number, halfway, "paint")
    two_hours_before = now + timedelta(hours=45, minutes=30)
    assert await _sweep(linli, sessions, two_hours_before) == 1
    assert set(await _reminded(sessions, f"reminder:{number}:2h")) == {silent.id}


async def test_per_person_surveys_remind_each_person_without_a_submitted_ballot(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    done = await _join(client, codes, "已答完", "101")
    housemate = await _join(client, codes, "同户未答", "101")
    halfway = await _join(client, codes, "答了一半", "102")
    await settle(halfway)
    now = utcnow()
    number = await _survey(sessions, "person", now - timedelta(days=5), now + timedelta(hours=1))
    await _answer(sessions, number, done, "light", "paint")
    await _answer(sessions, number, halfway, "light")

    assert await _sweep(linli, sessions, now) == 2
    assert set(await _reminded(sessions, f"reminder:{number}:2h")) == {housemate.id, halfway.id}


async def test_quiet_hours_hold_reminders_until_morning(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    silent = await _join(client, codes, "没作答", "201")
    await settle(silent)
    async with sessions() as session, session.begin():
        (await compound_named(session, COMPOUND)).quiet_hours = None  # the default, 21:30-08:00
    night = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    morning = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # 08:00
    number = await _survey(sessions, "flat", night - timedelta(days=5), night + timedelta(hours=47))
    # Closing 00:30: its two-hour reminder, due 22:30, would wait past the close.
    late = await _survey(sessions, "flat", night - timedelta(days=5), night + timedelta(hours=1.5))

    assert await _sweep(linli, sessions, night) == 1
    assert await _reminded(sessions, f"reminder:{number}:48h") == {silent.id: morning}
    assert await _reminded(sessions, f"reminder:{late}:2h") == {}
    assert await _sweep(linli, sessions, night + timedelta(minutes=1)) == 0  # done with, both


async def test_a_survey_past_its_close_is_closed_and_the_committee_told(
    linli: Linli, committee: Resident, sessions: Sessions
) -> None:
    now = utcnow()
    ended = await _survey(sessions, "flat", now - timedelta(days=5), now - timedelta(minutes=1))
    running = await _survey(sessions, "flat", now - timedelta(days=5), now + timedelta(days=1))

    assert await _sweep(linli, sessions, now, close_due_surveys) == 1
    assert f"征询 #{ended} 已结束" in (await committee.next_message())["text"]
    async with sessions() as session:
        statuses = {s.id: s.status for s in await session.scalars(select(Survey))}
    assert statuses == {ended: SurveyStatus.CLOSED, running: SurveyStatus.OPEN}
    assert await _sweep(linli, sessions, now, close_due_surveys) == 0
    assert await until_done(sessions, notices=True) == {OutboxState.SENT: 1}  # told once
