"""The dispatcher sending through the sandbox, on SQLite and PostgreSQL: every message once,
through flood limits, server errors, timeouts, blocked residents and a clean stop."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response
from sqlalchemy import select

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.client import until
from storage.models import OutboxMessage, OutboxState
from storage.outbox.queue import (
    Delivery,
    Outgoing,
    cancel_broadcast,
    delivery,
    enqueue,
    enqueue_claimed,
    enqueue_many,
    unreachable_residents,
)
from tests.outbox.conftest import (
    FAST,
    TIMING_OUT,
    Sessions,
    broadcast,
    dispatching,
    received,
    residents_of_a_compound,
    started_chats,
    until_done,
    until_sent,
)


async def _rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_broadcast_reaches_every_recipient_once(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    chats = started_chats(sandbox, 300)
    broadcast_id = await broadcast(sessions, chats)
    button = {"inline_keyboard": [[{"text": "查看详情", "callback_data": "notice:1"}]]}
    async with sessions() as session, session.begin():
        await enqueue(session, Outgoing(chats[0], "带按钮的通知", reply_markup=button))

    async with dispatching(bot, sessions):
        await until_done(sessions)

    assert [received(sandbox, chat) for chat in chats[1:]] == [
        [f"停水通知 {chat}"] for chat in chats[1:]
    ]
    assert received(sandbox, chats[0]) == [f"停水通知 {chats[0]}", "带按钮的通知"]
    assert sandbox.world.bot_messages(chats[0])[1].reply_markup == button
    stats = await client.stats()
    assert (stats["sent"], stats["duplicates"]) == (301, 0)
    async with sessions() as session:
        assert await delivery(session, broadcast_id) == Delivery(sent=300)
    assert all(row.telegram_message_id and row.attempts == 1 for row in await _rows(sessions))


async def test_a_429_storm_loses_and_duplicates_nothing(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    # Injected rather than provoked through the flood limits, which only bite on a machine fast
    # enough: the first sends all refused at once, then refusals scattered over the broadcast
    # (the same calls in every run, from the seed).
    await client.add_fault("429", count=4)
    await client.add_fault("429", count=2, probability=0.04, seed=278)
    chats = started_chats(sandbox, 150)
    await broadcast(sessions, chats)
    await broadcast(sessions, chats[:5], text="第二条 {chat}")

    async with dispatching(bot, sessions, dataclasses.replace(FAST, rate=400)):
        counts = await until_done(sessions)

    assert counts == {OutboxState.SENT: 155}
    stats = await client.stats()
    assert stats["faults_injected"] == 6 and await client.faults() == [], "no storm"
    assert (stats["sent"], stats["duplicates"]) == (155, 0)
    assert received(sandbox, chats[0]) == [f"停水通知 {chats[0]}", f"第二条 {chats[0]}"]
    assert all(row.attempts == 1 for row in await _rows(sessions))  # a 429 is not an attempt


async def test_server_errors_are_retried(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    await client.add_fault("500", count=2)
    await client.add_fault("502", count=1)
    chats = started_chats(sandbox, 5)
    await broadcast(sessions, chats)

    async with dispatching(bot, sessions):
        assert await until_done(sessions) == {OutboxState.SENT: 5}

    assert [received(sandbox, chat) for chat in chats] == [[f"停水通知 {c}"] for c in chats]
    stats = await client.stats()
    assert (stats["faults_injected"], stats["duplicates"]) == (3, 0)
    assert sum(row.attempts for row in await _rows(sessions)) == 5 + 3


async def test_retries_run_out_and_the_error_is_kept(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    await client.add_fault("502", count=50)
    chats = started_chats(sandbox, 1)
    await broadcast(sessions, chats)

    async with dispatching(bot, sessions, dataclasses.replace(FAST, max_attempts=3)):
        assert await until_done(sessions) == {OutboxState.FAILED: 1}

    [row] = await _rows(sessions)
    assert (row.attempts, row.last_error) == (3, "Bad Gateway")
    assert received(sandbox, chats[0]) == []


async def test_a_send_that_times_out_is_retried(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    # Longer than the policy's 2 s request timeout; Telegram may still have sent it.
    await client.add_fault("delay", count=1, delay=3)
    chats = started_chats(sandbox, 1)
    await broadcast(sessions, chats)

    async with dispatching(bot, sessions, TIMING_OUT):
        assert await until_done(sessions) == {OutboxState.SENT: 1}
        await client.answered()  # the delayed send has landed

    [row] = await _rows(sessions)
    assert row.attempts == 2
    # The documented window: a send that timed out may have gone through.
    assert (await client.stats())["duplicates"] <= 1
    assert 1 <= len(received(sandbox, chats[0])) <= 2


async def test_a_send_lost_in_a_timeout_is_sent_again_once(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    # Past the 2 s request timeout, and Telegram never got it: the retry is the only copy.
    await client.add_fault("hang", count=2, delay=2.5)
    chats = started_chats(sandbox, 3)
    await broadcast(sessions, chats)

    async with dispatching(bot, sessions, TIMING_OUT):
        assert await until_done(sessions) == {OutboxState.SENT: 3}

    assert [received(sandbox, chat) for chat in chats] == [[f"停水通知 {c}"] for c in chats]
    assert (await client.stats())["duplicates"] == 0
    assert sum(row.attempts for row in await _rows(sessions)) == 3 + 2


async def test_refused_messages_fail_with_the_reason_and_the_rest_go_out(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    [chat] = started_chats(sandbox, 1)
    async with sessions() as session, session.begin():
        await enqueue(session, Outgoing(424242, "发给不存在的聊天"))
        await enqueue(session, Outgoing(chat, "坏按钮", reply_markup={"keyboard": "?"}))
        await enqueue(session, Outgoing(chat, "好消息"))

    async with dispatching(bot, sessions):
        assert await until_done(sessions) == {OutboxState.FAILED: 2, OutboxState.SENT: 1}

    missing, bad_markup, _ = await _rows(sessions)
    assert (missing.attempts, missing.last_error) == (1, "Bad Request: chat not found")
    assert bad_markup.last_error and bad_markup.last_error.startswith("not an inline keyboard")
    assert received(sandbox, chat) == ["好消息"]


async def test_a_blocked_resident_is_unreachable_and_not_retried(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    chats = started_chats(sandbox, 3)
    compound_id = await residents_of_a_compound(sessions, chats)
    await client.block(chats[1])
    broadcast_id = await broadcast(sessions, chats)

    async with dispatching(bot, sessions):
        await until_done(sessions)
        async with sessions() as session:
            assert await delivery(session, broadcast_id) == Delivery(sent=2, unreachable=1)
            assert await unreachable_residents(session, compound_id) == 1
        blocked = [row for row in await _rows(sessions) if row.chat_id == chats[1]]
        assert [(row.attempts, row.last_error) for row in blocked] == [
            (1, "Forbidden: bot was blocked by the user")
        ]

        # Unblocked, the resident gets the next notice and counts as reachable again.
        await client.unblock(chats[1])
        await broadcast(sessions, [chats[1]], text="第二条")
        await until_done(sessions)
    assert received(sandbox, chats[1]) == ["第二条"]
    async with sessions() as session:
        assert await unreachable_residents(session, compound_id) == 0


async def test_a_chats_messages_keep_their_order_and_spacing(
    sandbox: Sandbox, bot: Bot, sessions: Sessions
) -> None:
    chat, *others = started_chats(sandbox, 4)
    texts = [f"第{n}条" for n in range(1, 6)]
    async with sessions() as session, session.begin():
        await enqueue_many(session, [Outgoing(chat, text) for text in texts])
        await enqueue_many(session, [Outgoing(other, "公告") for other in others])

    # When the dispatcher starts each send to the chat. It reserves moments an interval apart
    # (tests/outbox/test_pace.py), but a send may start late after its moment on a busy
    # machine, and so closer to the next: only the span from before the start to the last
    # send is bound to hold every interval. (The sent_at it records is later still.)
    started: list[float] = []

    async def clocked(
        make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        if isinstance(method, SendMessage) and method.chat_id == chat:
            started.append(time.monotonic())
        return await make_request(bot, method)

    bot.session.middleware(clocked)
    policy = dataclasses.replace(FAST, chat_interval=0.2)
    before = time.monotonic()
    async with dispatching(bot, sessions, policy):
        await until_done(sessions)

    assert received(sandbox, chat) == texts
    assert len(started) == len(texts) and started[-1] - before >= 4 * 0.2, started


async def test_stopping_sends_no_more_and_hands_back_the_rest(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    chats = started_chats(sandbox, 60)
    await broadcast(sessions, chats)

    # Slow enough that the 60 would take 12 s: the stop comes long before, however busy the
    # machine.
    async with dispatching(bot, sessions, dataclasses.replace(FAST, rate=5)):
        await until_sent(client, 5)
    sent_at_stop = (await client.stats())["sent"]
    assert sent_at_stop < 60

    rows = await _rows(sessions)
    assert {row.state for row in rows} == {OutboxState.SENT, OutboxState.PENDING}
    assert sum(row.state is OutboxState.SENT for row in rows) == sent_at_stop
    assert all(row.claimed_until is None for row in rows if row.state is OutboxState.PENDING)

    # Handed back rather than left to their leases, they are sent by the next dispatcher.
    async with dispatching(bot, sessions):
        await until_done(sessions)
    stats = await client.stats()
    assert (stats["sent"], stats["duplicates"]) == (60, 0)


async def test_a_cancelled_broadcast_stops(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    chats = started_chats(sandbox, 200)
    broadcast_id = await broadcast(sessions, chats)

    # At 10 a second, what is claimed when the cancel lands (two batches of a second's worth)
    # is sent within 2 s, and the rest would take 18 s more: the cancel lands well before.
    async with dispatching(bot, sessions, dataclasses.replace(FAST, rate=10)):
        await until_sent(client, 5)
        async with sessions() as session, session.begin():
            await cancel_broadcast(session, broadcast_id)
        await until_done(sessions)

    async with sessions() as session:
        counts = await delivery(session, broadcast_id)
    assert 0 < counts.sent < 200
    assert counts.sent + counts.cancelled == 200
    assert (await client.stats())["sent"] == counts.sent


async def test_a_reply_someone_waits_for_goes_before_queued_notices(
    sandbox: Sandbox, client: SandboxClient, bot: Bot, sessions: Sessions
) -> None:
    asker, *chats = started_chats(sandbox, 11)
    await broadcast(sessions, chats)
    # One sender, held by a 429 on the first notice: the other notices wait in the queue
    # while the reply is pushed, however busy the machine (within the 5 s).
    await client.add_fault("429", count=1, retry_after=5)
    async with dispatching(bot, sessions, dataclasses.replace(FAST, rate=10, concurrency=1)) as d:
        await until(lambda: _faults(client), "the 429 never came")
        async with sessions() as session, session.begin():
            reply = await enqueue_claimed(
                session, [Outgoing(asker, "✓ 已记录")], d.worker, lease=d.lease
            )
        d.push(reply)
        await until_done(sessions)

    rows = await _rows(sessions)
    [pushed] = [row for row in rows if row.chat_id == asker]
    before = [row for row in rows if row.sent_at is not None and row.sent_at < pushed.sent_at]
    assert len(before) <= 1, [row.text for row in before]  # the notice that met the 429


async def _faults(client: SandboxClient) -> bool:
    return bool((await client.stats())["faults_injected"])
