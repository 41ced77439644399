"""The schedules as `linli run` starts them (APScheduler, real clock): one process sweeps, and
when it stops another takes the lease over and carries on, queueing nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_i18n
from bot.sandbox.client import WAIT, until
from bot.schedules import SchedulePolicy, Schedules
from storage.announcements.drafts import create_announcement
from storage.models import OutboxMessage, utcnow
from storage.schedule_models import Announcement, AnnouncementStatus
from storage.surveys.models import ScopeKind
from storage.surveys.queries import Scope
from tests.outbox.conftest import residents_of_a_compound

Sessions = async_sessionmaker[AsyncSession]
# Each sweep renews the lease: a lease far longer than the interval keeps the first process
# leading however late a busy machine runs its sweeps, and costs nothing, since a clean stop
# hands it over at once.
QUICK = SchedulePolicy(interval=0.05, lease=5)


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    await until(check, f"not so after {WAIT} s")


async def _announce(sessions: Sessions, compound_id: int, text: str) -> int:
    """An announcement to the compound, due a moment ago."""
    async with sessions() as session, session.begin():
        due = utcnow() - timedelta(seconds=1)
        scope = Scope(ScopeKind.COMPOUND)
        return (await create_announcement(session, compound_id, scope, text, due)).id


def _queued(sessions: Sessions, number: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with sessions() as session:
            announcement = await session.get(Announcement, number)
        return announcement is not None and announcement.status is AnnouncementStatus.QUEUED

    return check


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_one_process_sweeps_and_another_takes_over_when_it_stops(sessions: Sessions) -> None:
    compound_id = await residents_of_a_compound(sessions, [777])
    i18n, zone = build_i18n("zh_CN"), ZoneInfo("Asia/Shanghai")
    first, second = (Schedules(sessions, i18n, zone, QUICK, holder=n) for n in ("一号", "二号"))

    async def second_leads() -> bool:
        return second.leading

    before = await _announce(sessions, compound_id, "上午停水")

    running = asyncio.create_task(first.run())
    await _until(_queued(sessions, before))
    assert first.leading
    taking_over = asyncio.create_task(second.run())
    try:
        assert not await second.hold()  # the first renews its lease
        await _stop(running)  # a clean stop gives the lease up
        await _until(second_leads)
        after = await _announce(sessions, compound_id, "下午停电")
        await _until(_queued(sessions, after))
    finally:
        await _stop(taking_over)
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert rows == 2  # one each: the second leader's sweeps queued the first one no more
