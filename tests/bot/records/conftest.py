"""The real bot for the drive and complaint tests: English by default, so the assertions
read the sentences as written, and small complaint limits, so each limit is reached quickly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Resident, Sandbox, SandboxClient
from bot.settings import load_settings
from storage.committee import add_member, compound_named
from storage.joining.register import import_register
from tests.bot.conftest import (
    BOT_TOKEN,
    BOT_USERNAME,
    SECRET_KEY,
    Codes,
    join_flat,
    small_register,
)

LIMITS = {
    "complaints_per_day": 1,
    "complaint_photos": 2,
    "complaint_text_limit": 60,
    "complaint_reopen_days": 14,
    "complaint_acknowledge_hours": 48,
}


@pytest.fixture
async def linli(database_url: str, sandbox: Sandbox, codes: Codes) -> AsyncIterator[Linli]:
    assert sandbox.url is not None
    settings = load_settings(
        bot_token=BOT_TOKEN,
        bot_username=BOT_USERNAME,
        api_url=sandbox.url,
        database_url=database_url,
        secret_key=SECRET_KEY,
        default_language="en",
        flood_limit=1000,  # a committee member's script is faster than any person
        **LIMITS,
    )
    linli = await Linli.start(settings)
    async with linli.polling(DispatchPolicy(rate=200, chat_interval=0.01, idle_poll=0.05)):
        yield linli


async def join(client: SandboxClient, codes: Codes, name: str, flat: str) -> Resident:
    """A resident linked to `flat` ("1栋/1单元/201") as its confirmed owner, with the code
    handed to them."""
    resident = await client.resident(name)
    await join_flat(resident, codes.owner_flats[flat], "owner")
    return resident


async def outside_member(
    client: SandboxClient, sessions: async_sessionmaker[AsyncSession]
) -> Resident:
    """A committee member of another compound, who has opened the bot."""
    stranger = await client.resident("外小区委员")
    async with sessions() as session, session.begin():
        await import_register(session, "另一小区", small_register())
        await add_member(session, await compound_named(session, "另一小区"), stranger.id)
    await stranger.send("/start")
    await stranger.next_message()
    return stranger


async def text_of(resident: Resident) -> str:
    return str((await resident.next_message())["text"])


async def alert_of(resident: Resident, callback_query_id: str) -> str:
    return str((await resident.callback_answer(callback_query_id))["text"])
