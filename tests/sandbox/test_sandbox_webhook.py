"""Webhook mode: the sandbox POSTs updates to a receiver and redelivers what failed."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox import Resident, Sandbox, SandboxClient
from bot.sandbox.client import WAIT, until

SECRET = "s3cret-Token_1"


class Receiver:
    """A bot's webhook endpoint that records deliveries and answers with scripted statuses;
    while `open` is clear, it holds every delivery unanswered."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str | None, dict[str, Any]]] = []
        self.statuses: list[int] = []  # answered in turn, then 200
        self.open = asyncio.Event()
        self.open.set()
        self.in_flight = self.most_in_flight = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.open.wait()
        self.in_flight -= 1
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.deliveries.append((secret, await request.json()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def update_ids(self) -> list[int]:
        return [update["update_id"] for _, update in self.deliveries]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with TestServer(app) as server:
        yield receiver, str(server.make_url("/hook"))


async def eventually(check: Callable[[], object], timeout: float = WAIT) -> None:
    async def checked() -> object:
        return check()

    await until(checked, f"still not true after {timeout} s", timeout)


async def test_updates_are_posted_with_the_secret_and_confirmed(
    sandbox: Sandbox, bot: Bot, client: SandboxClient, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    resident = await client.resident("孙阿姨")
    assert await bot.set_webhook(url, secret_token=SECRET)
    update_id = await resident.send("/start")
    await eventually(lambda: hook.deliveries)
    [(secret, update)] = hook.deliveries
    assert secret == SECRET
    assert update["update_id"] == update_id and update["message"]["text"] == "/start"

    await eventually(lambda: sandbox.world.confirmed_ids() == [update_id])
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (url, 0, None)


async def test_failed_delivery_is_redelivered_until_2xx(
    sandbox: Sandbox, bot: Bot, client: SandboxClient, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.statuses = [500, 503]
    resident = await client.resident("周先生")
    await bot.set_webhook(url)
    update_id = await resident.send("你好")
    await eventually(lambda: len(hook.deliveries) == 3)
    assert hook.update_ids() == [update_id] * 3
    assert {secret for secret, _ in hook.deliveries} == {None}

    await eventually(lambda: sandbox.world.confirmed_ids() == [update_id])
    updates = await client.updates()
    assert updates["updates"][0]["webhook_attempts"] == 2
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"


async def test_unreachable_webhook_keeps_updates_for_get_updates(
    sandbox: Sandbox, bot: Bot, client: SandboxClient
) -> None:
    resident = await client.resident("吴阿姨")
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    update_id = await resident.send("有人吗")
    await eventually(lambda: sandbox.world.updates[0].attempts > 0)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message and info.last_error_message.startswith("Connection failed")

    await bot.delete_webhook()
    assert [u.update_id for u in await bot.get_updates()] == [update_id]


async def test_no_more_than_max_connections_in_flight(
    sandbox: Sandbox, bot: Bot, client: SandboxClient, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.open.clear()  # every delivery waits, so all five are due at once
    resident = await client.resident("郑师傅")
    await bot.set_webhook(url, max_connections=2)
    ids = [await resident.send(f"第{i}条") for i in range(5)]
    await eventually(lambda: hook.in_flight == 2)
    await eventually(lambda: sum(u.in_flight for u in sandbox.world.updates) == 2)
    hook.open.set()
    await eventually(lambda: sorted(hook.update_ids()) == ids)
    assert hook.most_in_flight == 2


async def test_drop_pending_updates(bot: Bot, client: SandboxClient) -> None:
    resident = await client.resident("冯阿姨")
    await resident.send("旧消息")
    await bot.set_webhook("http://127.0.0.1:9/unreachable", drop_pending_updates=True)
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    updates = await client.updates()
    assert [u["state"] for u in updates["updates"]] == ["dropped"]
    assert updates["confirmed_ids"] == []


async def test_a_call_in_the_webhook_reply_is_made(bot: Bot, zhang: Resident) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"收到：{message.text}")  # answered in the webhook's reply body

    app = web.Application()
    handler = SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=SECRET)
    app.router.add_post("/hook", handler.handle)
    async with TestServer(app) as server:
        await bot.set_webhook(str(server.make_url("/hook")), secret_token=SECRET)
        await zhang.send("电梯坏了")
        replies = [(await zhang.next_message())["text"], (await zhang.next_message())["text"]]
    assert replies == ["收到：/start", "收到：电梯坏了"]
