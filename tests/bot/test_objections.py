"""Residents object to a published result within its window; the committee is told, sees the
count in /tally and every objection in the export; late, repeated and outside objections are
refused with a reason and change nothing."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select, update

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.models import utcnow
from storage.surveys.models import InputKind, Survey, VoteInput
from surveys.voting.decision import Answer
from tests.bot.conftest import Codes, confirmed, join_flat, settle
from tests.bot.test_results import Sessions, _opinion, _vote


async def _published(
    client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> tuple[int, list[Resident]]:
    number, owners = await _vote(client, codes, sessions, [Answer.APPROVE] * 5)
    await confirmed(committee, f"/close {number}")
    await confirmed(committee, f"/publish {number}")
    assert (await committee.next_message())["document"]["file_name"].endswith(".pdf")
    for owner in owners:
        told = await owner.next_message()
        assert "异议" in told["text"] and "前提出" in told["text"]
    return number, owners


async def _objections(sessions: Sessions) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(VoteInput.kind == InputKind.CHALLENGE)
        )
        return int(count or 0)


async def test_an_owner_objects_and_the_committee_sees_it(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    number, owners = await _published(client, codes, sessions, committee)
    objector = owners[0]
    await objector.callback_answer(await objector.press("对结果提出异议"))
    assert "写成一条消息" in (await objector.next_message())["text"]
    await objector.send("102 的面积登记有误，应为 71.5 平方米")
    assert "已记录" in (await objector.next_message())["text"]
    notice = await committee.next_message()
    assert "1栋 1单元 101室" in notice["text"] and "71.5" in notice["text"]

    # The same owner again: refused, and the first objection stands.
    answer = await objector.callback_answer(await objector.press("对结果提出异议"))
    assert "已对本结果提出过异议" in answer["text"]
    await settle(objector)
    assert await _objections(sessions) == 1

    await committee.send(f"/tally {number}")
    assert "对公示结果的异议：1 份" in (await committee.next_message())["text"]
    await committee.next_message()  # the chart
    assert "尚未作答（1 户）" in (await committee.next_message())["text"]
    await committee.send(f"/export {number}")
    document = await committee.next_message()
    workbook = load_workbook(io.BytesIO(await client.file(document["document"]["file_id"])))
    rows = list(workbook["异议与同意 Objections"].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in rows] == [
        (
            "1栋/1单元/101",
            "对公示结果的异议 Objection to the result",
            "102 的面积登记有误，应为 71.5 平方米",
        )
    ]


async def test_late_and_outside_objections_are_refused(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    number, owners = await _published(client, codes, sessions, committee)
    unpublished = (await _opinion(sessions, "after_close")).id
    outsider = await client.resident("外单元业主")
    await join_flat(outsider, codes.flats["2栋/1单元/101"])

    async def refusal(resident: Resident, survey: int) -> str:
        return str(
            (await resident.callback_answer(await resident.forge_press(1, f"ob:{survey}")))["text"]
        )

    outside = await refusal(outsider, number)
    assert "不是针对您家" in outside
    assert "没有找到这项征询" in await refusal(outsider, 9999)
    # Issue 10 item 8: to someone outside its scope, a survey's button says nothing of
    # whether its result is published; to its own residents it does.
    assert await refusal(outsider, unpublished) == outside
    assert "尚未公示" in await refusal(owners[0], unpublished)

    # Pressed in time, but the window ends before the text arrives.
    late = owners[1]
    await late.callback_answer(await late.press("对结果提出异议"))
    await late.next_message()
    async with sessions() as session, session.begin():
        await session.execute(
            update(Survey).where(Survey.id == number).values(objections_until=utcnow())
        )
    await late.send("我反对")
    assert "异议期已结束" in (await late.next_message())["text"]
    answer = await late.callback_answer(await late.press("对结果提出异议"))
    assert "异议期已结束" in answer["text"]
    assert await refusal(outsider, number) == outside  # nor whether its window has ended
    await settle(late)
    assert await _objections(sessions) == 0
