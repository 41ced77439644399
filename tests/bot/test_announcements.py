"""The committee's announcements over the sandbox: the guided chat, sending now or at a time,
delivery as the committee sees it (a blocked resident counts as unreachable), cancelling, and
the refusals for everyone else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.announcements.drafting import send_due_announcements
from handlers.shared.callbacks import AnnouncePlace, AnnounceStep
from storage.committee import add_member, compound_named
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


async def _write(committee: Resident, *presses: str, text: str = "明天上午停水") -> str:
    """/announce, press the scope's buttons, send the text; return the bot's question."""
    await committee.send("/announce")
    assert "通知发给谁？" in (await committee.next_message())["text"]
    for label in presses[:-1]:  # each lists the next level on the same message
        await committee.callback_answer(await committee.press(label))
    await committee.press(presses[-1])
    assert "现在请发送通知内容" in (await committee.next_message())["text"]
    await committee.send(text)
    return str((await committee.next_message())["text"])


def _announced() -> Select[tuple[OutboxMessage]]:
    """The outbox rows of announcements, not the replies to what people did in the chat."""
    return select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None))


async def _recipients(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        return {row.chat_id for row in await session.scalars(_announced())}


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
    await committee.press("现在")
    preview = (await committee.next_message())["text"]
    assert "发给：1栋 1单元（3 位居民）" in preview and "时间：现在" in preview
    await committee.press("发送")
    assert "通知 #1 正在发给 3 位居民" in (await committee.next_message())["text"]

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
    for _ in range(2):
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
        assert "将于 2099-01-01 07:00 发出" in (await committee.next_message())["text"]

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
        [row] = await session.scalars(_announced())
    assert (row.chat_id, row.not_before) == (resident.id, due)  # waits for its time

    await committee.send("/deliveries")
    shown = (await committee.next_message())["text"]
    assert "通知 #1（幸福里，2099-01-01 07:00）：发出前已取消" in shown
    assert "通知 #2（幸福里，2099-01-01 07:00）：已发送 0，等待中 1" in shown
    await committee.press("取消 #2")
    assert "通知 #2 已取消：1 条尚未发出的消息已撤回" in (await committee.next_message())["text"]
    assert await until_done(sessions, notices=True) == {OutboxState.CANCELLED: 1}
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
    await committee.next_message()

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
    assert "通知 #1 正在发给 0 位居民" in (await committee.next_message())["text"]
    await stranger.send("/cancel_announcement 1")
    assert "只有本小区的委员会成员" in (await stranger.next_message())["text"]
