"""The schedule lease, with the clock passed in: one holder at a time, handed over when the
holder stops renewing or lets go."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.leases import hold_lease, release_lease

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
TTL = timedelta(seconds=10)


async def _hold(sessions: Sessions, holder: str, seconds: float) -> bool:
    now = T0 + timedelta(seconds=seconds)
    async with sessions() as session, session.begin():
        return await hold_lease(session, "schedules", holder, now=now, until=now + TTL)


async def _release(sessions: Sessions, holder: str, seconds: float) -> bool:
    async with sessions() as session, session.begin():
        return await release_lease(
            session, "schedules", holder, now=T0 + timedelta(seconds=seconds)
        )


async def test_the_lease_passes_on_when_its_holder_stops_renewing(sessions: Sessions) -> None:
    assert await _hold(sessions, "a", 0)  # the first claim creates the lease
    assert not await _hold(sessions, "b", 5)
    assert await _hold(sessions, "a", 5)  # renewed until 15 s; then "a" stops renewing
    assert not await _hold(sessions, "b", 14.9)
    assert await _hold(sessions, "b", 15)
    assert not await _hold(sessions, "a", 16)  # back, it finds "b" leading
    assert not await _release(sessions, "a", 16)  # and cannot let go of what it lost


async def test_a_released_lease_is_taken_at_once(sessions: Sessions) -> None:
    assert await _hold(sessions, "a", 0)
    assert await _release(sessions, "a", 1)
    assert await _hold(sessions, "b", 1)


async def test_of_several_claiming_at_once_one_gets_the_lease(sessions: Sessions) -> None:
    first = await asyncio.gather(*(_hold(sessions, name, 0) for name in "abcd"))  # no row yet
    assert sorted(first) == [False, False, False, True]
    later = await asyncio.gather(*(_hold(sessions, name, 20) for name in "efgh"))  # expired
    assert sorted(later) == [False, False, False, True]
