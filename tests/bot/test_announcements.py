"""The committee's announcements over the sandbox: the guided chat, sending now or at a time,
delivery as the committee sees it (a blocked resident counts as unreachable), cancelling, the
refusals for everyone else, and a command ending an unfinished announcement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import until
from handlers.announcements.callbacks import AnnouncePlace, AnnounceStep
from handlers.announcements.drafting import send_due_announcements
from storage.committee import add_member, compound_named
from storage.complaints.models import Complaint
from storage.joining.register import import_register
from storage.models import OutboxMessage, OutboxState
from storage.schedule_models import Announcement
from tests.bot.conftest import COMPOUND, Codes, join_flat, settle, small_register
from tests.outbox.conftest import until_done

Sessions = async_sessionmaker[AsyncSession]


async def _join(client: SandboxClient, codes: Codes, name: str, flat: str) -> Resident:
    resident = await client.resident(name)
    await join_flat(resident, codes.flats[flat])
    return resident


async def _turned_into(person: Resident, message: dict[str, Any], needle: str) -> None:
    """Wait until the bot has edited `message` into a text holding `needle`."""

    async def edited() -> bool:
        [now] = [m for m in await person.messages() if m["message_id"] == message["message_id"]]
        return needle in now["text"]

    await until(edited, f"message #{message['message_id']} never read {needle!r}")


async def _scope(committee: Resident, *presses: str) -> None:
    """/announce and press the scope's buttons, which turn the picker into the next step."""
    await committee.send("/announce")
    picker = await committee.next_message()
    assert "通知发给谁？" in picker["text"]
    for label in presses:  # each lists the next level on the same message, the last asks
        await committee.press(label, message_id=picker["message_id"])
    await _turned_into(committee, picker, "现在请发送通知内容")


async def _write(committee: Resident, *presses: str, text: str = "明天上午停水") -> str:
    """Choose the scope, send the text; return the bot's question."""
    await _scope(committee, *presses)
    await committee.send(text)
    return str((await committee.next_message())["text"])


NOTICES = OutboxMessage.broadcast_id.is_not(None)  # not the replies, which go out the same way


async def _recipients(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(OutboxMessage.chat_id).where(NOTICES)))


async def test_an_announcement_to_a_unit_now_and_its_delivery(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    first = await _join(client, codes, "一单元甲", "1栋/1单元/101")
    second = await _join(client, codes, "一单元乙", "1栋/1单元/102")
    blocked = await _join(client, codes, "屏蔽了", "1栋/1单元/201")
    elsewhere = await _join(client, codes, "二单元", "1栋/2单元/101")
    await settle(elsewhere)
    await blocked.block()

    assert "什么时候发出？" in await _write(committee, "1栋", "1单元")
    await committee.press("现在")  # the question turns into the preview
    preview = (await committee.shown("发给："))["text"]
    assert "发给：1栋 1单元（3 位居民）" in preview and "时间：现在" in preview
    await committee.press("发送")
    await committee.shown("通知 #1 正在发给 3 位居民")

    await until_done(sessions)
    for person in (first, second):
        assert (await person.next_message())["text"] == "委员会通知：\n\n明天上午停水"
    assert await _recipients(sessions) == {first.id, second.id, blocked.id}  # not elsewhere
    await committee.send("/deliveries")
    shown = (await committee.next_message())["text"]
    assert "通知 #1（1栋 1单元，" in shown
    assert "已发送 2，等待中 0，无法送达（已屏蔽机器人）1，失败 0" in shown
    assert "已屏蔽机器人的居民：1" in shown
    await committee.send("/cancel_announcement 1")
    assert "已经全部发出，无法再取消" in (await committee.next_message())["text"]


async def test_a_scheduled_announcement_waits_for_its_time_and_can_be_cancelled(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await _join(client, codes, "住户", "2栋/1单元/101")
    await settle(resident)
    for number in (1, 2):
        await _write(committee, "整个小区")
        await committee.send("明天")
        assert "请发送日期和时间，例如 2026-12-03 09:00" in (await committee.next_message())["text"]
        await committee.send("2020-01-01 09:00")
        assert "这个时间已经过去" in (await committee.next_message())["text"]
        await committee.send("2099-01-01 07:00")
        preview = (await committee.next_message())["text"]
        assert "发给：幸福里（1 位居民）" in preview and "时间：2099-01-01 07:00" in preview
        assert "免打扰时段" not in preview  # the test compound has none
        await committee.press("定时发送")
        await committee.shown(f"通知 #{number} 将于 2099-01-01 07:00 发出")

    await committee.send("/cancel_announcement 1")
    assert "通知 #1 已取消，没有人收到" in (await committee.next_message())["text"]
    await committee.send("/cancel_announcement 1")
    assert "这条通知已经取消了" in (await committee.next_message())["text"]

    async with sessions() as session, session.begin():
        announcement = await session.get(Announcement, 2)
        assert announcement is not None and announcement.send_at is not None
        due, (i18n, zone) = announcement.send_at, (linli.i18n, linli.settings.tz)
        assert await send_due_announcements(session, due - timedelta(minutes=1), i18n, zone) == 0
        assert await send_due_announcements(session, due, i18n, zone) == 1
        assert await send_due_announcements(session, due, i18n, zone) == 0
    async with sessions() as session:
        [row] = await session.scalars(select(OutboxMessage).where(NOTICES))
    assert (row.chat_id, row.not_before) == (resident.id, due)  # waits for its time

    await committee.send("/deliveries")
    shown = (await committee.next_message())["text"]
    assert "通知 #1（幸福里，2099-01-01 07:00）：发出前已取消" in shown
    assert "通知 #2（幸福里，2099-01-01 07:00）：已发送 0，等待中 1" in shown
    await committee.press("取消 #2")
    assert "通知 #2 已取消：1 条尚未发出的消息已撤回" in (await committee.next_message())["text"]
    assert (await until_done(sessions))[OutboxState.CANCELLED] == 1
    assert not any("委员会通知" in m["text"] for m in await resident.messages())


async def test_only_the_compounds_committee_may_announce(
    linli: Linli, client: SandboxClient, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("普通居民")
    stranger = await client.resident("外小区委员")
    async with sessions() as session, session.begin():
        await import_register(session, "另一小区", small_register())
        await add_member(session, await compound_named(session, "另一小区"), stranger.id)
        ours = (await compound_named(session, COMPOUND)).id
    await _write(committee, "整个小区")  # our committee's draft, waiting for its time
    await committee.press("现在")
    await committee.shown("发给：")

    for command in ("/announce", "/deliveries", "/cancel_announcement 1"):
        await resident.send(command)
        assert "只有本小区的委员会成员" in (await resident.next_message())["text"]

    await stranger.send("/deliveries")
    assert "还没有通知" in (await stranger.next_message())["text"]  # none of ours shown
    await stranger.send("/announce")
    menu = await stranger.next_message()  # their own compound's buildings
    forged = AnnouncePlace(compound_id=ours, building_id=0, unit_id=0, final=True).pack()
    refusal = await stranger.callback_answer(await stranger.forge_press(menu["message_id"], forged))
    assert "只有本小区的委员会成员" in refusal["text"] and refusal["show_alert"]
    step = AnnounceStep(announcement_id=1, action="send").pack()
    refusal = await stranger.callback_answer(await stranger.forge_press(menu["message_id"], step))
    assert "没有这条通知" in refusal["text"]
    await stranger.send("/cancel_announcement 1")
    assert "没有这条通知" in (await stranger.next_message())["text"]  # a draft is nobody's yet

    await committee.press("发送")
    await committee.shown("通知 #1 正在发给 0 位居民")
    await stranger.send("/cancel_announcement 1")
    assert "只有本小区的委员会成员" in (await stranger.next_message())["text"]


async def test_a_command_ends_an_unfinished_announcement(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    """Issue 9: a member asked for an announcement's text who files a complaint instead; the
    complaint's description is not taken for the announcement."""
    await join_flat(committee, codes.flats["2栋/2单元/101"])  # a resident too, who may complain
    await _scope(committee, "整个小区")

    await committee.send("/complaint")
    await committee.shown("您要反映什么问题？")
    await committee.press("噪音")
    await committee.shown("请描述问题")
    await committee.send("楼上装修每天早上六点开始")
    await committee.shown("请发送一张或多张问题照片")

    assert not any("什么时候发出？" in m["text"] for m in await committee.messages())
    await settle(committee)
    async with sessions() as session:
        [announcement] = await session.scalars(select(Announcement))
        [complaint] = await session.scalars(select(Complaint))
    assert announcement.text is None and announcement.send_at is None  # never to be sent
    assert complaint.description == "楼上装修每天早上六点开始"


async def test_a_discarded_draft_takes_no_more_text_and_its_buttons_are_refused(
    linli: Linli, sessions: Sessions, committee: Resident
) -> None:
    question = await _write(committee, "整个小区")
    assert "什么时候发出？" in question
    await committee.press("放弃")  # the question turns into the outcome
    await committee.shown("已放弃这条通知")
    await committee.send("2099-01-01 07:00")
    assert "没有看懂" in (await committee.next_message())["text"]
    late = AnnounceStep(announcement_id=1, action="now").pack()
    anywhere = (await committee.messages())[-1]["message_id"]
    refusal = await committee.callback_answer(await committee.forge_press(anywhere, late))
    assert "没有这条通知" in refusal["text"]
    await committee.send("/cancel_announcement 第一条")
    assert "请在 /cancel_announcement 后面加上编号" in (await committee.next_message())["text"]
    async with sessions() as session:
        assert not list(await session.scalars(select(Announcement)))
