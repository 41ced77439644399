"""Update ids are remembered per bot and only for Telegram's redelivery window: a bot idle for
a week (or given a new token) numbers its updates from the start again, and those updates
must be handled, not skipped as seen."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import SandboxClient
from bot.sweeps import forget_old_updates
from storage.models import ProcessedUpdate, utcnow
from tests.bot.conftest import Codes
from tests.bot.processes import redeliver

Sessions = async_sessionmaker[AsyncSession]


async def test_an_update_id_seen_long_ago_or_by_another_bot_is_handled(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("老住户")
    update_id = await resident.send("/help")
    await resident.next_message()
    await client.settled()

    # Another bot (another token) numbers its own updates: its ids are no reason to skip.
    async with sessions() as session, session.begin():
        session.add(ProcessedUpdate(bot_id=linli.bot.id + 1, update_id=update_id + 1))
    second = await resident.send("/help")
    assert second == update_id + 1
    await resident.next_message()

    # A week later, Telegram numbers from the start again: the sweep forgot the old ids.
    async with sessions() as session, session.begin():
        await session.execute(
            update(ProcessedUpdate).values(processed_at=utcnow() - timedelta(days=7))
        )
    async with sessions() as session, session.begin():
        await forget_old_updates(session, utcnow(), linli.i18n, linli.settings.tz)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    await redeliver(linli, client, update_id)  # the same number, a new update
    assert "邻里" in (await resident.next_message())["text"]


async def test_an_update_seen_within_the_window_is_skipped(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("新住户")
    update_id = await resident.send("/help")
    await resident.next_message()
    await client.settled()
    async with sessions() as session, session.begin():
        await forget_old_updates(session, utcnow(), linli.i18n, linli.settings.tz)
    before = await resident.messages()
    await redeliver(linli, client, update_id)
    assert await resident.messages() == before
