"""Residents answer a formal vote over the sandbox: opening notice, questions, changes,
receipt; and the refusals for those who may not answer."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.notices import invitation_message
from storage.committee import designate_respondent
from storage.models import Membership, MembershipStatus, Role, Verification
from storage.models import Resident as ResidentRow
from storage.surveys.models import Answer, AnswerEvent, Ballot, Survey
from storage.surveys.queries import (
    close_survey,
    create_survey,
    invitations,
    open_survey,
    scope_named,
)
from surveys.voting.templates import template_text
from tests.bot.conftest import COMPOUND, Codes, join_flat, settle

Sessions = async_sessionmaker[AsyncSession]


async def _join(client: SandboxClient, codes: Codes, name: str, flat: str) -> Resident:
    resident = await client.resident(name)
    await join_flat(resident, codes.owner_flats[flat])
    return resident


async def _open_elevator_vote(linli: Linli, sessions: Sessions) -> int:
    """Open the elevator template for 1栋 1单元 and send the notices as the outbox would."""
    from storage.committee import compound_named

    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        survey = await create_survey(session, compound.id, template_text("elevator"), scope)
        assert await open_survey(session, survey) == 6
        invited = await invitations(session, survey)
    for invitation in invited:
        text, markup = invitation_message(survey, invitation, None, linli.i18n, linli.settings.tz)
        await linli.bot.send_message(invitation.telegram_id, text, reply_markup=markup)
    return survey.id


async def test_an_owner_votes_changes_the_vote_and_gets_a_receipt(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await _join(client, codes, "张阿姨", "1栋/1单元/201")
    await settle(owner)
    survey_id = await _open_elevator_vote(linli, sessions)

    notice = await owner.next_message()
    assert "正式表决已开始" in notice["text"] and "截止时间" in notice["text"]
    await owner.press("开始作答")
    question = await owner.next_message()
    assert "问题 1/2" in question["text"]  # the payment question shows only after "agree"
    await owner.press("同意")
    # The pressed question turns into the next one, with what was recorded on top.
    shown = await owner.shown("✓ 问题 1：同意")
    assert shown["message_id"] == question["message_id"] and "问题 2/3" in shown["text"]
    await owner.press("提取住房公积金")
    remarks = await owner.shown("问题 3/3")
    assert "✓ 问题 2：提取住房公积金" in remarks["text"]
    await owner.send("希望电梯装在北侧")
    receipt = await owner.shown("已记录")
    assert "北侧" in receipt["text"]

    # A change of mind: disagreeing hides the payment question, whose answer stops counting.
    await owner.press("修改答案")
    await owner.press("问题 1")
    await owner.shown("您的答案：同意")
    await owner.press("反对")
    await owner.shown("✓ 问题 1：反对")
    receipt = await owner.next_message()
    assert "已记录" in receipt["text"]
    assert "反对" in receipt["text"] and "公积金" not in receipt["text"]
    await settle(owner)

    async with sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.survey_id == survey_id))
        assert ballot is not None and ballot.submitted_at is not None
        answers = dict((await session.execute(select(Answer.question_id, Answer.value))).all())
        assert answers == {"elevator": '"reject"', "remarks": '"希望电梯装在北侧"'}
        events = await session.scalar(select(func.count()).select_from(AnswerEvent))
        assert events == 5  # approve, payment, remarks, reject, payment withdrawn


async def test_who_may_not_answer_is_told_why(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await _join(client, codes, "王先生", "1栋/1单元/101")
    outsider = await _join(client, codes, "李先生", "2栋/1单元/101")
    tenant = await client.resident("租客小赵")
    await tenant.send("/start")
    await tenant.next_message()
    # Replies come a moment before their commit: wait until both are in the database.
    await settle(owner)
    await settle(tenant)
    async with sessions() as session, session.begin():
        tenant_row = await session.scalar(
            select(ResidentRow).where(ResidentRow.telegram_id == tenant.id)
        )
        owner_flat = await session.scalar(
            select(Membership.household_id)
            .join(ResidentRow)
            .where(ResidentRow.telegram_id == owner.id)
        )
        assert tenant_row is not None and owner_flat is not None
        session.add(
            Membership(
                resident_id=tenant_row.id,
                household_id=owner_flat,
                role=Role.TENANT,
                status=MembershipStatus.ACTIVE,
                verified_by=Verification.COMMITTEE,
            )
        )
    await settle(owner)
    survey_id = await _open_elevator_vote(linli, sessions)
    notice = await owner.next_message()

    forged = f"sb:{survey_id}:{owner_flat}"
    answer = await outsider.callback_answer(await outsider.forge_press(1, forged))
    assert "不是针对您家" in answer["text"]
    answer = await tenant.callback_answer(await tenant.forge_press(1, forged))
    assert "只有业主" in answer["text"]
    assert "还没有" not in await settle(tenant)

    async with sessions() as session, session.begin():
        survey = await session.get(Survey, survey_id)
        assert survey is not None
        await close_survey(session, survey)
    late = await owner.press("开始作答", message_id=notice["message_id"])
    assert "已截止" in (await owner.callback_answer(late))["text"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0


async def test_the_committee_designates_who_answers_for_a_flat(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    first = await _join(client, codes, "先来的业主", "1栋/1单元/301")
    chosen = await _join(client, codes, "被指定的业主", "1栋/1单元/301")
    await settle(first)
    await settle(chosen)
    async with sessions() as session, session.begin():
        flat = await session.scalar(
            select(Membership.household_id)
            .join(ResidentRow)
            .where(ResidentRow.telegram_id == chosen.id)
        )
        assert flat is not None
        await designate_respondent(session, flat, chosen.id)
    survey_id = await _open_elevator_vote(linli, sessions)

    await chosen.next_message()  # the notice goes to the designated member only
    await chosen.press("开始作答")
    assert "问题 1/2" in (await chosen.next_message())["text"]
    answer = await first.callback_answer(await first.forge_press(1, f"sb:{survey_id}:{flat}"))
    assert "由另一位成员作答" in answer["text"]
