"""The bot over the sandbox, as in tests/bot (whose fixtures are shared here), plus the bot as
a webhook server whose deliveries a test can hold back and then post itself: all at once, or
the same update twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from bot.app import Linli
from bot.sandbox import Sandbox, SandboxClient
from bot.webhook import SECRET_HEADER
from tests.bot.conftest import Codes, bot_settings, bot_username, codes, committee, linli
from tests.bot.processes import FAST_OUTBOX, WEBHOOK_SECRET, webhook_server

__all__ = ["bot_username", "codes", "committee", "linli", "webhook"]


@dataclass
class Webhook:
    linli: Linli
    url: str
    client: SandboxClient
    http: aiohttp.ClientSession
    posted: set[int] = field(default_factory=set)

    async def hold(self) -> None:
        """Stop the sandbox delivering once it has delivered what it has: what residents do
        from now on stays pending."""
        await self.client.settled()
        await self.linli.bot.delete_webhook()

    async def pending(self) -> list[dict[str, Any]]:
        """The held updates the test has not posted yet."""
        listing = await self.client.updates()
        return [
            u["update"]
            for u in listing["updates"]
            if u["state"] == "pending" and u["update_id"] not in self.posted
        ]

    async def post(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
        """Post one update as Telegram would; return the HTTP status."""
        self.posted.add(update["update_id"])
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self.http.post(self.url, json=update, headers=headers) as reply:
            return reply.status

    async def post_all(self, updates: list[dict[str, Any]]) -> list[int]:
        """Post every update at once, as a webhook with many connections may."""
        return list(await asyncio.gather(*(self.post(update) for update in updates)))


@pytest.fixture
async def webhook(
    database_url: str, sandbox: Sandbox, client: SandboxClient, codes: Codes
) -> AsyncIterator[Webhook]:
    """The bot as a webhook server the sandbox delivers to, with its outbox dispatcher."""
    assert sandbox.url is not None
    linli = await Linli.start(bot_settings(database_url, sandbox.url))
    sending = asyncio.create_task(linli.send_outbox(FAST_OUTBOX))
    try:
        async with webhook_server(linli) as url, aiohttp.ClientSession() as http:
            await linli.bot.set_webhook(url, secret_token=WEBHOOK_SECRET)
            yield Webhook(linli, url, client, http)
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await linli.close()
