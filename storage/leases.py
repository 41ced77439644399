"""The lease that lets one process at a time run the schedules (bot.schedules).

Taking and renewing are one atomic upsert: it inserts the lease the first time, and later
updates it only when it is ours already or has run out, so two processes never both hold it
(PostgreSQL checks the condition on the row once its lock is free; SQLite has one writer).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.schedule_models import ScheduleLease


async def hold_lease(
    session: AsyncSession, name: str, holder: str, *, now: datetime, until: datetime
) -> bool:
    """Take or renew the lease `name` for `holder` until `until`; False while another holds it."""
    insert = insert_for(session, ScheduleLease).values(name=name, holder=holder, expires_at=until)
    taken = await session.scalar(
        insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=or_(ScheduleLease.holder == holder, ScheduleLease.expires_at <= now),
        ).returning(ScheduleLease.name)
    )
    return taken is not None


async def release_lease(session: AsyncSession, name: str, holder: str, *, now: datetime) -> bool:
    """Give the lease up at once (a clean stop), so another process need not wait it out."""
    result = await session.execute(
        update(ScheduleLease)
        .where(ScheduleLease.name == name, ScheduleLease.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
