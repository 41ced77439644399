"""The sweeps the schedules run (bot.schedules), in this order, every LINLI_SWEEP_INTERVAL.

A sweep is `async def sweep(session, now, i18n, zone) -> int`. It queues what is due at `now`
through storage.outbox.notices.queue_notice with keys, so that running it again — the next minute,
or on another process after a takeover — queues nothing twice, and returns how many messages
it queued. Each sweep runs in a transaction of its own, committed when it returns; one that
fails is logged and does not stop the others. To add one, write it beside the texts it sends
(in handlers/) and append it to SWEEPS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.announcements.drafting import send_due_announcements
from handlers.complaints.notices import alert_overdue_complaints
from handlers.drives.notices import remind_unpaid_pledges
from handlers.surveys.sweeps import close_due_surveys, remind_non_finishers
from storage.updates import forget_processed_updates

Sweep = Callable[[AsyncSession, datetime, I18n, ZoneInfo], Awaitable[int]]


async def forget_old_updates(session: AsyncSession, now: datetime, *_: object) -> int:
    """Housekeeping, not a notice: the ids of updates no delivery can repeat (queues none)."""
    await forget_processed_updates(session, now)
    return 0


SWEEPS: tuple[Sweep, ...] = (
    close_due_surveys,  # first, so that a survey past its close is not reminded of
    remind_non_finishers,
    send_due_announcements,
    remind_unpaid_pledges,
    alert_overdue_complaints,
    forget_old_updates,
)
