"""The schedules: APScheduler runs the sweeps (bot.sweeps) every `interval` seconds, in the
one process that holds the schedule lease (storage.leases).

Every process started with `linli run` or `linli webhook` runs a scheduler; each renews or
tries to take the lease every `lease / 3` seconds, and only the holder sweeps. When the holder
dies, its lease runs out and another process takes over within `lease` seconds; a clean stop
gives the lease up at once. The job store is APScheduler's in-memory one, never shared: what
is due is read from the database at each sweep, and what was done is in the outbox (a sweep's
keys), so a takeover that runs a sweep again duplicates nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import is_transient
from bot.outbox_dispatcher import worker_name
from bot.sweeps import SWEEPS, Sweep
from storage.leases import hold_lease, release_lease
from storage.models import utcnow

log = logging.getLogger(__name__)
LEASE = "schedules"


@dataclass(frozen=True)
class SchedulePolicy:
    interval: float = 60.0  # seconds between sweeps (LINLI_SWEEP_INTERVAL)
    lease: float = 90.0  # a dead leader's schedules resume elsewhere within this

    @property
    def renew_every(self) -> float:
        return self.lease / 3


class Schedules:
    """One process's scheduler: leads (and sweeps) while it holds the lease."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        i18n: I18n,
        zone: ZoneInfo,
        policy: SchedulePolicy | None = None,
        sweeps: Sequence[Sweep] = SWEEPS,
        holder: str | None = None,
    ) -> None:
        self.sessions, self.i18n, self.zone = sessions, i18n, zone
        self.policy = policy or SchedulePolicy()
        self.sweeps = sweeps
        self.holder = holder or worker_name()
        self.leading = False

    async def run(self) -> None:
        """Lead when possible and sweep until cancelled; then give the lease up."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        first = datetime.now(UTC)  # at once: a new leader catches up without waiting
        for job, seconds in (
            (self.hold, self.policy.renew_every),
            (self.sweep, self.policy.interval),
        ):
            scheduler.add_job(
                self._job,
                IntervalTrigger(seconds=seconds),
                args=[job],
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        scheduler.start()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)  # cancels a sweep under way: its transaction rolls back
            await self._release()

    @staticmethod
    async def _job(work: Callable[[], Awaitable[object]]) -> None:
        """One run of a job. A stop cancels it (a sweep's transaction rolls back): no error."""
        with contextlib.suppress(asyncio.CancelledError):
            await work()

    async def hold(self) -> bool:
        """Take or renew the lease; whether this process leads now."""
        now = utcnow()
        try:
            async with self.sessions() as session, session.begin():
                held = await hold_lease(
                    session,
                    LEASE,
                    self.holder,
                    now=now,
                    until=now + timedelta(seconds=self.policy.lease),
                )
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning("schedule lease not renewed: %s", error)
            held = False
        if held != self.leading:
            log.info("%s %s the schedules", self.holder, "now runs" if held else "no longer runs")
        self.leading = held
        return held

    async def sweep(self) -> None:
        """Run every sweep once, if this process leads."""
        if not await self.hold():
            return
        now = utcnow()
        for sweep in self.sweeps:
            name = getattr(sweep, "__name__", repr(sweep))
            try:
                async with self.sessions() as session, session.begin():
                    queued = await sweep(session, now, self.i18n, self.zone)
            except Exception:
                log.exception("sweep %s failed; it runs again at the next sweep", name)
                continue
            if queued:
                log.info("sweep %s queued %d messages", name, queued)

    async def _release(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                await release_lease(session, LEASE, self.holder, now=utcnow())
        except Exception as error:  # another process takes over when the lease runs out
            log.warning("schedule lease not given up: %s", error)
        self.leading = False
