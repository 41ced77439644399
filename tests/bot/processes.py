"""Delivering to the bot other than by its own polling: `linli run` as a process of its own
(to kill it), the webhook server (to post updates to it directly), and redelivery."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiogram.types import Update
from aiohttp import web

from bot.app import Linli
from bot.delivery import deliver
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import SandboxClient
from bot.sandbox.client import WAIT, until
from bot.webhook import PATH, build_app
from tests.bot.conftest import BOT_TOKEN, BOT_USERNAME, SECRET_KEY

WEBHOOK_SECRET = "webhook-secret_123"
# Seconds a wait that includes starting a process may take: its imports take 2 s on a quiet
# machine, and more than 30 s on a 2-core one running several test suites at once.
STARTING = 180.0
# The outbox of a bot started by a test: quick, as in the `linli` fixture.
FAST_OUTBOX = DispatchPolicy(rate=200, chat_interval=0.01, idle_poll=0.05)


def bot_environment(database_url: str, api_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "LINLI_BOT_TOKEN": BOT_TOKEN,
        "LINLI_BOT_USERNAME": BOT_USERNAME,
        "LINLI_API_URL": api_url,
        "LINLI_DATABASE_URL": database_url,
        "LINLI_SECRET_KEY": SECRET_KEY,
        "LINLI_FLOOD_LIMIT": "1000",  # tests press faster than people
    }


async def start_bot(
    environment: dict[str, str], log: Path | None = None
) -> asyncio.subprocess.Process:
    """`linli run`; its log goes to `log` (to read when a test fails), or nowhere."""
    with log.open("a") if log else open(os.devnull, "w") as errors:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=environment, stderr=errors
        )


@asynccontextmanager
async def bot_process(
    environment: dict[str, str], log: Path | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`linli run`, stopped with SIGTERM on leaving unless the block killed it."""
    async with terminated(await start_bot(environment, log)) as process:
        yield process


@asynccontextmanager
async def terminated(
    process: asyncio.subprocess.Process,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`process`, stopped with SIGTERM on leaving unless it has ended already."""
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def until_faulted(client: SandboxClient, count: int, timeout: float = WAIT) -> None:
    """Wait until the sandbox has injected `count` faults: the bot is inside the faulty call."""

    async def faulted() -> bool:
        return (await client.stats())["faults_injected"] >= count

    await until(faulted, f"fewer than {count} faults injected after {timeout} s", timeout)


async def until_polling(client: SandboxClient) -> None:
    """Wait until a bot process just started polls the sandbox: it is up."""

    async def polling() -> bool:
        return "getUpdates" in (await client.stats())["in_flight"]

    await until(polling, f"the bot was not polling after {STARTING} s", STARTING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_server(linli: Linli, secret: str = WEBHOOK_SECRET) -> AsyncIterator[str]:
    """Linli's webhook app on a free port, without telling the sandbox (so updates stay
    pending there until the test posts them itself); yields the URL to post to."""
    # Listening on a socket bound here, not on a port probed free: another test process
    # could take that port in between.
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    runner = web.AppRunner(build_app(linli, secret))
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        await runner.cleanup()


async def redeliver(linli: Linli, client: SandboxClient, update_id: int) -> None:
    """Hand the bot an update it was given before, as a retry after a crash would."""
    [listed] = [u for u in (await client.updates())["updates"] if u["update_id"] == update_id]
    again = Update.model_validate(listed["update"], context={"bot": linli.bot})
    await deliver(linli.bot, linli.dispatcher, again)
