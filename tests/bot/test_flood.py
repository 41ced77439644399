"""A person who sends too fast is told to slow down, once, and their excess updates are
confirmed without touching the database; others are not slowed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Sandbox, SandboxClient
from storage.models import ProcessedUpdate
from tests.bot.conftest import bot_settings

LIMIT = 5


async def test_a_flood_is_refused_politely_and_spares_the_database(
    database_url: str,
    sandbox: Sandbox,
    client: SandboxClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert sandbox.url is not None
    settings = bot_settings(database_url, sandbox.url, flood_limit=LIMIT, flood_window=600)
    linli = await Linli.start(settings)
    async with linli.polling(DispatchPolicy(idle_poll=0.05)):
        hasty = await client.resident("手快的人")
        for _ in range(LIMIT + 4):
            await hasty.send("/help")
        await client.settled()
        replies = [(await hasty.next_message())["text"] for _ in range(LIMIT + 1)]
        assert sum("邻里" in text for text in replies) == LIMIT
        assert replies.count("您操作得太快了，请稍等几秒钟再试。") == 1
        calm = await client.resident("慢慢来")
        await calm.send("/help")
        assert "邻里" in (await calm.next_message())["text"]
        await client.settled()
    async with sessions() as session:
        handled = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert handled == LIMIT + 1  # the refused ones never reached the database
