"""A running sandbox per test, a real aiogram Bot pointed at it, and the control client."""

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from PIL import Image

from bot.sandbox import Resident, Sandbox, SandboxClient

TOKEN = "123456:sandbox-test_token"


class QuickSession(AiohttpSession):
    """aiogram's session without the 0.25 s pause on close that lets TLS connections wind
    down: talking plain HTTP to localhost, it only slows every test.
    """

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    assert sandbox.url is not None
    session = QuickSession(api=TelegramAPIServer.from_base(sandbox.url))
    async with Bot(TOKEN, session=session) as bot:
        yield bot


class Clock:
    """A clock that stands still until a test moves it on: the flood limits and the send
    statistics then see exactly the time the test says has passed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(sandbox: Sandbox) -> Clock:
    sandbox.world.clock = clock = Clock()
    return clock


@pytest.fixture
async def zhang(client: SandboxClient) -> Resident:
    """A resident who has started the bot (so it may write to her), with /start unread."""
    resident = await client.resident("张阿姨", language_code="zh-hans")
    await resident.send("/start")
    return resident


@pytest.fixture
async def run_polling(bot: Bot) -> AsyncIterator[Callable[[Dispatcher], Awaitable[None]]]:
    """Start a Dispatcher long-polling the sandbox with `bot`; it is stopped after the test."""
    running: list[tuple[Dispatcher, asyncio.Task[None]]] = []

    async def start(dispatcher: Dispatcher) -> None:
        polling = dispatcher.start_polling(
            bot, polling_timeout=1, handle_signals=False, close_bot_session=False
        )
        running.append((dispatcher, asyncio.create_task(polling)))
        await asyncio.sleep(0)  # let it take its running lock, so stop_polling works

    yield start
    for dispatcher, task in running:
        await dispatcher.stop_polling()
        await task


@pytest.fixture
def photo() -> bytes:
    """A small PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()
