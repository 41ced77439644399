"""The update ids whose effect is committed (storage.models.ProcessedUpdate), kept only as
long as Telegram may deliver an update again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

# Telegram keeps an undelivered update for 24 hours; a day more covers clocks and restarts.
KEPT_FOR = timedelta(hours=48)


async def forget_processed_updates(session: AsyncSession, now: datetime) -> int:
    """Drop the ids no delivery can repeat any more; return how many. A bot idle for a week
    starts numbering its updates again, and the new numbers must not look handled."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEPT_FOR)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
