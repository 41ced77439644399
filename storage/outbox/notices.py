"""Queueing a notice to residents: the one place quiet hours are applied.

A notice the bot sends on its own initiative (a survey opened, a reminder, a result, an
announcement, whatever a sweep adds) is queued with `queue_notice`, which holds it until the
end of its compound's quiet hours when it falls in them. Replies to what a person just did in
the chat are sent directly, at once, and never come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, Compound, utcnow
from storage.outbox.queue import Outgoing, enqueue_many, open_broadcast
from surveys.notice_times import DEFAULT_QUIET_HOURS, QuietHours, deliverable_at, parse_quiet_hours


@dataclass(frozen=True)
class Queued:
    broadcast_id: int
    count: int  # messages new to the outbox
    not_before: datetime  # when they may go out


async def quiet_hours_of(session: AsyncSession, compound_id: int) -> QuietHours:
    stored = await session.scalar(select(Compound.quiet_hours).where(Compound.id == compound_id))
    return DEFAULT_QUIET_HOURS if stored is None else parse_quiet_hours(stored)


async def notice_time(
    session: AsyncSession, compound_id: int, zone: ZoneInfo, at: datetime | None = None
) -> datetime:
    """When a notice due `at` (default now) may reach the compound's residents."""
    return deliverable_at(at or utcnow(), await quiet_hours_of(session, compound_id), zone)


async def queue_notice(
    session: AsyncSession,
    kind: str,
    messages: Sequence[Outgoing],
    *,
    compound_id: int,
    key: str,
    zone: ZoneInfo,
    at: datetime | None = None,
) -> Queued:
    """Open the broadcast `key` (or find it) and queue its messages, due `at` (default now)
    but not in quiet hours. Idempotent: the broadcast's rows are keyed per recipient."""
    not_before = await notice_time(session, compound_id, zone, at)
    broadcast_id = await open_broadcast(session, kind, compound_id=compound_id, key=key)
    count = await enqueue_many(session, messages, broadcast_id=broadcast_id, not_before=not_before)
    return Queued(broadcast_id, count, not_before)


async def broadcast_with_key(session: AsyncSession, key: str) -> int | None:
    """The broadcast opened with `key`, if any: a sweep's record that it did this already."""
    return await session.scalar(select(Broadcast.id).where(Broadcast.key == key))
