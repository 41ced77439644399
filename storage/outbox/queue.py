"""The outbox: every outgoing notification is first a row, written in the transaction that
decides it, then sent by a dispatcher (bot.outbox_dispatcher).

Enqueuing is idempotent on a key. A dispatcher claims due rows with one UPDATE that marks
them `sending` under a lease (claimed_by, claimed_until); on PostgreSQL the candidates are
picked with FOR UPDATE SKIP LOCKED, so concurrent dispatchers never claim the same row, and
SQLite, having one writer, runs the statement alone anyway. A row whose lease ran out (its
dispatcher died) can be claimed again. A chat has at most one row out at a time (claimed, or
waiting to be retried), which keeps each chat's messages in order across dispatchers.
Outcomes are recorded only by the dispatcher holding the lease.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, and_, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.dml import Insert

from storage.db import insert_for
from storage.models import (
    Broadcast,
    Household,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxState,
    Resident,
    utcnow,
)
from surveys.text import CAPTION_LIMIT, MESSAGE_LIMIT, telegram_length

MAX_ERROR = 500  # the length of last_error

Json = dict[str, Any]


SEND, EDIT, DOCUMENT, PHOTO = "send", "edit", "document", "photo"


@dataclass(frozen=True)
class Outgoing:
    """A message to enqueue. `reply_markup` is an inline keyboard as Telegram's JSON (aiogram's
    `markup.model_dump(exclude_none=True)`); `key` makes enqueuing it again a no-op. `method`
    says what to do (storage.models.OutboxMessage): for a file, `text` is its caption."""

    chat_id: int
    text: str
    reply_markup: Json | None = None
    key: str | None = None
    method: str = SEND
    target_message_id: int | None = None
    file_id: str | None = None
    file_name: str | None = None
    file_data: bytes | None = None


@dataclass(frozen=True)
class Claimed:
    """A row a dispatcher holds until `claimed_until`."""

    id: int
    chat_id: int
    text: str
    reply_markup: Json | None
    attempts: int
    claimed_by: str
    claimed_until: datetime
    recipient_unreachable: bool = False  # a resident whom a 403 marked unreachable
    method: str = SEND
    target_message_id: int | None = None
    file_id: str | None = None
    file_name: str | None = None
    file_data: bytes | None = None


@dataclass(frozen=True)
class Delivery:
    """Where the rows of a broadcast stand."""

    sent: int = 0
    waiting: int = 0  # pending or being sent
    unreachable: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.unreachable + self.failed + self.cancelled


def _insert_new(session: AsyncSession, model: type[Broadcast] | type[OutboxMessage]) -> Insert:
    """INSERT that skips rows whose key exists."""
    return insert_for(session, model).on_conflict_do_nothing(index_elements=["key"])  # type: ignore[no-any-return]


def _update(model: type[Broadcast] | type[OutboxMessage] | type[Resident]) -> Update:
    # The ORM would look for the updated rows among loaded objects, doubling the cost of
    # recording a send; these sessions load none.
    return update(model).execution_options(synchronize_session=False)


def _unsendable(message: Outgoing) -> str | None:
    """Why Telegram would refuse the message, or None. Such a row is queued as failed with the
    reason rather than raised: raising would roll back the whole sweep or broadcast, and
    every other notice in it with this one. A file's text is its caption, and may be empty."""
    is_file = message.method in (DOCUMENT, PHOTO)
    limit = CAPTION_LIMIT if is_file else MESSAGE_LIMIT
    if not is_file and not message.text.strip():
        return "no text to send"
    if telegram_length(message.text) > limit:
        return f"longer than Telegram's {limit} UTF-16 code units ({telegram_length(message.text)})"
    return None


def _row(message: Outgoing, when: datetime, priority: int) -> dict[str, Any]:
    refused = _unsendable(message)
    return {
        "chat_id": message.chat_id,
        "text": message.text,
        "state": OutboxState.PENDING if refused is None else OutboxState.FAILED,
        "last_error": refused,
        "reply_markup": message.reply_markup,
        "priority": priority,
        "not_before": when,
        "method": message.method,
        "target_message_id": message.target_message_id,
        "file_id": message.file_id,
        "file_name": message.file_name,
        "file_data": message.file_data,
    }


async def enqueue_many(
    session: AsyncSession,
    messages: Iterable[Outgoing],
    *,
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
    priority: int = 0,
) -> int:
    """Queue messages in one statement; return how many were new. Rows of a broadcast without
    a key of their own get "b<broadcast>:<chat>", so a recipient gets a broadcast once. A
    message Telegram would refuse is recorded as failed, with the reason, and not sent."""
    when = not_before or utcnow()
    rows = [
        _row(message, when, priority)
        | {
            "broadcast_id": broadcast_id,
            "key": message.key
            or (f"b{broadcast_id}:{message.chat_id}" if broadcast_id is not None else None),
        }
        for message in messages
    ]
    if not rows:
        return 0
    inserted = await session.execute(
        _insert_new(session, OutboxMessage).returning(OutboxMessage.id), rows
    )
    return len(inserted.all())


async def enqueue(
    session: AsyncSession,
    message: Outgoing,
    *,
    not_before: datetime | None = None,
    priority: int = 0,
) -> bool:
    """Queue one message; False when its key was already queued."""
    return await enqueue_many(session, [message], not_before=not_before, priority=priority) == 1


async def open_broadcast(
    session: AsyncSession, kind: str, *, compound_id: int | None = None, key: str | None = None
) -> int:
    """A new broadcast's id, or that of the broadcast already opened with `key`."""
    statement = _insert_new(session, Broadcast).values(
        kind=kind, compound_id=compound_id, key=key, created_at=utcnow()
    )
    broadcast_id = await session.scalar(statement.returning(Broadcast.id))
    if broadcast_id is None:  # the key exists
        broadcast_id = await session.scalar(select(Broadcast.id).where(Broadcast.key == key))
    assert broadcast_id is not None
    return broadcast_id


_FILE_COLUMNS = (
    OutboxMessage.method,
    OutboxMessage.target_message_id,
    OutboxMessage.file_id,
    OutboxMessage.file_name,
    OutboxMessage.file_data,
)
# Replies to what a person just did go before notices and broadcasts.
REPLY_PRIORITY = 10


def _lease_over(row: type[OutboxMessage], now: datetime) -> ColumnElement[bool]:
    return and_(row.state == OutboxState.SENDING, row.claimed_until < now)


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> int:
    """Withdraw what is not sent yet; return how many rows. The rows a dispatcher already
    holds (claimed_until ahead: about two seconds of sending) still go out."""
    now = utcnow()
    await session.execute(
        _update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    result = await session.execute(
        _update(OutboxMessage)
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            or_(OutboxMessage.state == OutboxState.PENDING, _lease_over(OutboxMessage, now)),
        )
        .values(state=OutboxState.CANCELLED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delivery(session: AsyncSession, broadcast_id: int) -> Delivery:
    """How far a broadcast got: what the committee sees."""
    rows = await session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.state)
    )
    counts: dict[OutboxState, int] = {state: count for state, count in rows}
    return Delivery(
        sent=counts.get(OutboxState.SENT, 0),
        waiting=counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0),
        unreachable=counts.get(OutboxState.UNREACHABLE, 0),
        failed=counts.get(OutboxState.FAILED, 0),
        cancelled=counts.get(OutboxState.CANCELLED, 0),
    )


async def waiting_rows(session: AsyncSession) -> int:
    """Messages not yet sent, due or not: the depth of the queue."""
    waiting = (OutboxState.PENDING, OutboxState.SENDING)
    count = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state.in_(waiting))
    )
    return int(count or 0)


async def unreachable_residents(session: AsyncSession, compound_id: int) -> int:
    """Residents linked to a flat of the compound who have blocked the bot."""
    return int(
        await session.scalar(
            select(func.count(func.distinct(Resident.id)))
            .join(Membership, Membership.resident_id == Resident.id)
            .join(Household, Household.id == Membership.household_id)
            .where(
                Household.compound_id == compound_id,
                Membership.status == MembershipStatus.ACTIVE,
                Resident.unreachable_since.is_not(None),
            )
        )
        or 0
    )


async def claim(
    session: AsyncSession,
    worker: str,
    *,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
) -> list[Claimed]:
    """Take up to `limit` due rows for `worker` until now + `lease`, most urgent first."""
    now = now or utcnow()
    candidate, earlier = aliased(OutboxMessage), aliased(OutboxMessage)
    # An earlier row of the same chat that is out, due, or waiting for a retry goes first.
    queued_behind = exists().where(
        earlier.chat_id == candidate.chat_id,
        earlier.id < candidate.id,
        or_(
            earlier.state == OutboxState.SENDING,
            and_(
                earlier.state == OutboxState.PENDING,
                or_(earlier.not_before <= now, earlier.attempts > 0),
            ),
        ),
    )
    due = (
        select(candidate.id)
        .where(
            or_(
                and_(candidate.state == OutboxState.PENDING, candidate.not_before <= now),
                _lease_over(candidate, now),
            ),
            ~queued_behind,
        )
        .order_by(candidate.priority.desc(), candidate.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    until = now + lease
    result = await session.execute(
        _update(OutboxMessage)
        .where(OutboxMessage.id.in_(due))
        .values(state=OutboxState.SENDING, claimed_by=worker, claimed_until=until)
        .returning(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.text,
            OutboxMessage.reply_markup,
            OutboxMessage.attempts,
            OutboxMessage.priority,
            *_FILE_COLUMNS,
            exists()
            .where(
                Resident.telegram_id == OutboxMessage.chat_id,
                Resident.unreachable_since.is_not(None),
            )
            .label("unreachable"),
        )
    )
    rows = sorted(result.all(), key=lambda row: (-row.priority, row.id))  # RETURNING is unordered
    return [
        Claimed(
            row.id,
            row.chat_id,
            row.text,
            row.reply_markup,
            row.attempts,
            worker,
            until,
            recipient_unreachable=bool(row.unreachable),
            **{column.key: getattr(row, column.key) for column in _FILE_COLUMNS},
        )
        for row in rows
    ]


async def enqueue_claimed(
    session: AsyncSession, messages: Sequence[Outgoing], worker: str, *, lease: timedelta
) -> list[Claimed]:
    """Queue the replies of an update as already claimed by `worker`, the process handling it:
    it sends them right after the commit, and if it dies first, another dispatcher sends them
    once the lease ends. One statement for all of them; in order per chat."""
    if not messages:
        return []
    now = utcnow()
    until = now + lease
    rows = [_row(message, now, REPLY_PRIORITY) for message in messages]
    for row in rows:
        if row["state"] is OutboxState.PENDING:  # the failed stay failed, with their reason
            row.update(state=OutboxState.SENDING, claimed_by=worker, claimed_until=until)
    statement = insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True)
    ids = (await session.execute(statement, rows)).scalars().all()
    return [
        Claimed(
            row_id,
            message.chat_id,
            message.text,
            message.reply_markup,
            0,
            worker,
            until,
            method=message.method,
            target_message_id=message.target_message_id,
            file_id=message.file_id,
            file_name=message.file_name,
            file_data=message.file_data,
        )
        for row_id, message, row in zip(ids, messages, rows, strict=True)
        if row["state"] is OutboxState.SENDING
    ]


async def _finish(session: AsyncSession, row: Claimed, **values: object) -> bool:
    """Record the outcome of one send attempt, if `row`'s lease is still its holder's."""
    result = await session.execute(
        _update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.claimed_by == row.claimed_by,
            OutboxMessage.state == OutboxState.SENDING,
        )
        .values(attempts=OutboxMessage.attempts + 1, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_sent(session: AsyncSession, row: Claimed, *, telegram_message_id: int) -> bool:
    """Telegram accepted the message: record it (the resident is reachable again)."""
    if not await _finish(
        session,
        row,
        state=OutboxState.SENT,
        sent_at=utcnow(),
        telegram_message_id=telegram_message_id,
        last_error=None,
    ):
        return False
    if row.recipient_unreachable:  # known at claim time, sparing most sends a statement
        await session.execute(
            _update(Resident)
            .where(Resident.telegram_id == row.chat_id)
            .values(unreachable_since=None)
        )
    return True


async def mark_unreachable(session: AsyncSession, row: Claimed, *, error: str) -> bool:
    """The recipient blocked the bot: never retried, and the resident counts as unreachable."""
    if not await _finish(session, row, state=OutboxState.UNREACHABLE, last_error=error[:MAX_ERROR]):
        return False
    await session.execute(
        _update(Resident)
        .where(Resident.telegram_id == row.chat_id)
        .values(unreachable_since=func.coalesce(Resident.unreachable_since, utcnow()))
    )
    return True


async def mark_failed(session: AsyncSession, row: Claimed, *, error: str) -> bool:
    """Telegram refused the message, or retries ran out: give up, saying why."""
    return await _finish(session, row, state=OutboxState.FAILED, last_error=error[:MAX_ERROR])


async def retry_later(session: AsyncSession, row: Claimed, *, error: str, at: datetime) -> bool:
    """A transient failure: back to the queue until `at`, still ahead of the chat's later rows."""
    return await _finish(
        session, row, state=OutboxState.PENDING, not_before=at, last_error=error[:MAX_ERROR]
    )


async def release(session: AsyncSession, worker: str, row_ids: Sequence[int]) -> int:
    """Hand back rows `worker` claimed but did not try to send (it is stopping)."""
    if not row_ids:
        return 0
    result = await session.execute(
        _update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(row_ids),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.state == OutboxState.SENDING,
        )
        .values(state=OutboxState.PENDING, claimed_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
