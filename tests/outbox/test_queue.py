"""The outbox queue on its own (storage.outbox.queue), on SQLite and PostgreSQL: idempotent
enqueuing, claims under a lease, one row per chat at a time, outcomes, cancelling and
counting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage, OutboxState, utcnow
from storage.outbox.queue import (
    Claimed,
    Delivery,
    Outgoing,
    cancel_broadcast,
    claim,
    delivery,
    enqueue,
    enqueue_many,
    mark_failed,
    mark_sent,
    open_broadcast,
    release,
    retry_later,
)
from tests.outbox.conftest import Sessions, broadcast, states

LEASE = timedelta(seconds=30)


async def _claim(
    sessions: Sessions, worker: str = "w1", limit: int = 10, now: datetime | None = None
) -> list[Claimed]:
    async with sessions() as session, session.begin():
        return await claim(session, worker, limit=limit, lease=LEASE, now=now)


async def _enqueue(
    sessions: Sessions, *messages: Outgoing, not_before: datetime | None = None, priority: int = 0
) -> int:
    async with sessions() as session, session.begin():
        return await enqueue_many(session, messages, not_before=not_before, priority=priority)


async def _sent(sessions: Sessions, row: Claimed) -> bool:
    async with sessions() as session, session.begin():
        return await mark_sent(session, row, telegram_message_id=1)


async def test_the_same_key_is_queued_once(sessions: Sessions) -> None:
    notice = Outgoing(10001, "您的申请已通过", key="join:7:approved")
    assert await _enqueue(sessions, notice) == 1
    assert await _enqueue(sessions, notice, Outgoing(10002, "另一条")) == 1
    async with sessions() as session, session.begin():
        assert not await enqueue(session, notice)
        assert await enqueue(session, Outgoing(10001, "没有键的消息"))
        assert await enqueue(session, Outgoing(10001, "没有键的消息"))  # no key: never a duplicate
    assert (await states(sessions))[OutboxState.PENDING] == 4


async def test_a_broadcast_reopened_by_key_reaches_each_chat_once(sessions: Sessions) -> None:
    first = await broadcast(sessions, [1, 2, 3], key="survey:5:opened")
    again = await broadcast(sessions, [2, 3, 4, 4], key="survey:5:opened")
    assert again == first
    async with sessions() as session:
        assert await delivery(session, first) == Delivery(waiting=4)
        assert await open_broadcast(session, "announcement") != first  # no key: a new one


@pytest.mark.parametrize(
    ("text", "reason"), [("", "no text"), ("  \n", "no text"), ("😀" * 2049, "4096")]
)
async def test_empty_or_too_long_texts_are_failed_not_raised(
    sessions: Sessions, text: str, reason: str
) -> None:
    """Raising would roll back the sweep or broadcast that queued it, and every other row."""
    assert await _enqueue(sessions, Outgoing(1, text), Outgoing(1, "停水通知")) == 2
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [row.state for row in rows] == [OutboxState.FAILED, OutboxState.PENDING]
    assert reason in (rows[0].last_error or "")
    assert [row.chat_id for row in await _claim(sessions)] == [1]  # it holds up nothing


async def test_the_longest_text_fits(sessions: Sessions) -> None:
    assert await _enqueue(sessions, Outgoing(1, "通" * 4096), Outgoing(2, "😀" * 2048)) == 2


async def test_a_claim_is_leased_and_comes_back_when_the_lease_ends(sessions: Sessions) -> None:
    await _enqueue(sessions, Outgoing(1, "a"), Outgoing(2, "b"))
    mine = await _claim(sessions, "w1", limit=1)
    assert [(row.chat_id, row.claimed_by) for row in mine] == [(1, "w1")]
    theirs = await _claim(sessions, "w2")
    assert [row.chat_id for row in theirs] == [2]
    assert await _claim(sessions, "w3") == []
    assert await _sent(sessions, theirs[0])

    # w1 died: once its lease is over, w3 may send the row, and w1's late word is ignored.
    later = utcnow() + LEASE + timedelta(seconds=1)
    taken = await _claim(sessions, "w3", now=later)
    assert [(row.id, row.claimed_by) for row in taken] == [(mine[0].id, "w3")]
    assert not await _sent(sessions, mine[0])
    assert await _sent(sessions, taken[0])
    assert (await states(sessions))[OutboxState.SENT] == 2


async def test_rows_wait_for_their_time_and_urgent_ones_go_first(sessions: Sessions) -> None:
    now = utcnow()
    await _enqueue(sessions, Outgoing(1, "明早八点提醒"), not_before=now + timedelta(hours=1))
    await _enqueue(sessions, Outgoing(2, "公告"), Outgoing(3, "公告"))
    await _enqueue(sessions, Outgoing(4, "新的入户申请"), priority=1)
    first = await _claim(sessions)
    assert [row.chat_id for row in first] == [4, 2, 3]
    for row in first:
        await _sent(sessions, row)
    assert [row.chat_id for row in await _claim(sessions, now=now + timedelta(hours=2))] == [1]


async def test_a_chat_has_one_row_out_at_a_time_in_order(sessions: Sessions) -> None:
    await _enqueue(sessions, Outgoing(1, "一"), Outgoing(1, "二"), Outgoing(1, "三"))
    await _enqueue(sessions, Outgoing(2, "甲"))
    first = await _claim(sessions)
    assert [row.text for row in first] == ["一", "甲"]
    assert await _claim(sessions, "w2") == []  # "二" waits until "一" is done

    for row in first:
        await _sent(sessions, row)
    second = await _claim(sessions, "w2")
    assert [row.text for row in second] == ["二"]

    # A retry keeps its place: "三" waits behind "二" although "二" is not due yet.
    async with sessions() as session, session.begin():
        later = utcnow() + timedelta(minutes=5)
        assert await retry_later(session, second[0], error="Bad Gateway", at=later)
    assert await _claim(sessions, "w2") == []
    retried = await _claim(sessions, "w2", now=utcnow() + timedelta(minutes=6))
    assert [(row.text, row.attempts) for row in retried] == [("二", 1)]


async def test_a_scheduled_row_does_not_hold_back_later_ones(sessions: Sessions) -> None:
    await _enqueue(sessions, Outgoing(1, "明天的提醒"), not_before=utcnow() + timedelta(days=1))
    await _enqueue(sessions, Outgoing(1, "现在的通知"))
    assert [row.text for row in await _claim(sessions)] == ["现在的通知"]


async def test_released_rows_are_claimable_at_once(sessions: Sessions) -> None:
    await _enqueue(sessions, Outgoing(1, "a"), Outgoing(2, "b"))
    taken = await _claim(sessions, "w1")
    async with sessions() as session, session.begin():
        assert await release(session, "w2", [row.id for row in taken]) == 0  # not its rows
        assert await release(session, "w1", [row.id for row in taken]) == 2
    assert len(await _claim(sessions, "w2")) == 2


async def test_cancelling_withdraws_what_is_not_out(sessions: Sessions) -> None:
    broadcast_id = await broadcast(sessions, [1, 2, 3, 4])
    sent, failed, out = await _claim(sessions, limit=3)
    await _sent(sessions, sent)
    async with sessions() as session, session.begin():
        await mark_failed(session, failed, error="Bad Request: chat not found")
        assert await cancel_broadcast(session, broadcast_id) == 1
    async with sessions() as session:
        counts = await delivery(session, broadcast_id)
        assert counts == Delivery(sent=1, waiting=1, failed=1, cancelled=1)
        assert counts.total == 4
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == out.id))
        assert row is not None and row.state is OutboxState.SENDING  # being sent: it goes out
