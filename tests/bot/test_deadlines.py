"""Deadlines the committee moves: /extend gives an open survey more days and tells who has not
finished, and the sweeps then remind and close by the new close; /reopen opens again a survey
closed by mistake, until its result is published. Each refusal says why."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.sweeps import close_due_surveys
from storage.models import utcnow
from storage.surveys.models import Ballot, Survey, SurveyStatus
from tests.bot.conftest import Codes, confirmed, settle
from tests.bot.test_reminders import Sessions, _answer, _join, _reminded, _survey, _sweep


async def _survey_row(sessions: Sessions, number: int) -> Survey:
    async with sessions() as session:
        found = await session.get(Survey, number)
    assert found is not None
    return found


async def _said(member: Resident, command: str) -> str:
    await member.send(command)
    return str((await member.next_message())["text"])


async def test_extend_tells_who_has_not_finished_and_the_sweeps_follow_the_new_close(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    done = await _join(client, codes, "已答完", "101")
    silent = await _join(client, codes, "没作答", "201")
    await settle(silent)
    now = utcnow()
    number = await _survey(sessions, "flat", now - timedelta(days=5), now + timedelta(hours=1))
    await _answer(sessions, number, done, "light", "paint")
    assert await _sweep(linli, sessions, now) == 1  # the first close's two-hour reminder
    former = (await _survey_row(sessions, number)).closes_at
    assert former is not None

    assert "例如 /extend 3 7" in await _said(committee, f"/extend {number}")
    reply = await _said(committee, f"/extend {number} 7")
    assert "截止时间已延长至" in reply and "将通知 1 位" in reply
    told = await silent.shown("委员会已延长意见征询「楼道改造意见」")
    assert "您尚未完成作答" in told["text"]
    await silent.press("开始作答", message_id=told["message_id"])
    assert "问题 1/2" in (await silent.next_message())["text"]
    assert not any("已延长" in m.get("text", "") for m in await done.messages())
    closes = (await _survey_row(sessions, number)).closes_at
    assert closes == former + timedelta(days=7)

    # Past the former close nothing closes; the new close gets its own reminder and close.
    assert await _sweep(linli, sessions, former + timedelta(minutes=1), close_due_surveys) == 0
    assert (await _survey_row(sessions, number)).status is SurveyStatus.OPEN
    assert await _sweep(linli, sessions, closes - timedelta(hours=1)) == 1
    assert set(await _reminded(sessions, f"reminder:{number}:2h:m1")) == {silent.id}
    assert await _sweep(linli, sessions, closes + timedelta(minutes=1), close_due_surveys) == 1
    assert "不能再延长截止时间" in await _said(committee, f"/extend {number} 3")


async def test_reopen_a_survey_closed_by_mistake_until_its_result_is_published(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    done = await _join(client, codes, "已答完", "101")
    silent = await _join(client, codes, "没作答", "201")
    await settle(silent)
    now = utcnow()
    number = await _survey(sessions, "flat", now - timedelta(days=5), now + timedelta(days=2))
    await _answer(sessions, number, done, "light", "paint")
    assert "尚未结束" in await _said(committee, f"/reopen {number}")
    former = (await _survey_row(sessions, number)).closes_at
    assert f"征询 #{number} 已结束" in await confirmed(committee, f"/close {number}")

    reply = await _said(committee, f"/reopen {number}")
    assert "已重新开放" in reply and "将通知 1 位" in reply
    survey = await _survey_row(sessions, number)
    assert survey.status is SurveyStatus.OPEN and survey.closes_at == former
    told = await silent.shown("意见征询「楼道改造意见」已重新开放")
    await silent.press("开始作答", message_id=told["message_id"])
    await silent.next_message()
    await silent.press("需要")
    await silent.shown("✓ 问题 1：需要")
    await settle(silent)
    async with sessions() as session:
        ballots = await session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.survey_id == number)
        )
    assert ballots == 2  # the ballot from before the close stays, the new one is added

    # One closed by its sweep: its close has passed, so the days it reopens for are needed.
    ended = await _survey(sessions, "flat", now - timedelta(days=5), now - timedelta(minutes=1))
    assert await _sweep(linli, sessions, now, close_due_surveys) == 1
    assert f"征询 #{ended} 已结束" in (await committee.next_message())["text"]
    assert "请注明重新开放的天数" in await _said(committee, f"/reopen {ended}")
    assert "已重新开放" in await _said(committee, f"/reopen {ended} 1")
    await confirmed(committee, f"/close {number}")
    assert "将通知" in await confirmed(committee, f"/publish {number}")
    assert "document" in await committee.next_message()  # the poster
    assert "已经公示，不能再重新开放" in await _said(committee, f"/reopen {number} 1")
