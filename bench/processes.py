"""Shared by the benchmarks: the sandbox and the bots under test, each in a process of its
own as in production, and residents driven through the sandbox's control API. Everything
listens on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

from aiogram import Bot

from bench.bare_bot import TOKEN
from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import Json

T = TypeVar("T")
SECRET_KEY = "bench-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The processes' logs (the bots log every start and stop): read it when a benchmark fails.
LOG = Path(tempfile.gettempdir()) / "linli-bench-processes.log"


@contextlib.asynccontextmanager
async def child(*arguments: str, env: dict[str, str] | None = None) -> AsyncIterator[int]:
    """`python ARGUMENTS` with `env` added to ours, stopped (SIGTERM) at the end; yields its
    pid. Its output is dropped, its log appended to LOG."""
    with LOG.open("a") as log:
        log.write(f"== {' '.join(arguments)}\n")
        log.flush()
        process = await asyncio.create_subprocess_exec(
            sys.executable, *arguments,
            env={**os.environ, **(env or {})},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )  # fmt: skip
    try:
        yield process.pid
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def sandbox_process() -> AsyncIterator[str]:
    """`linli sandbox` in a process of its own; yields its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with child("-m", "bot", "sandbox", "--port", str(port)), SandboxClient(url) as client:
        for _ in range(200):
            with contextlib.suppress(OSError):
                await client.limits()
                break
            await asyncio.sleep(0.05)
        yield url


def linli_env(api_url: str, database_url: str) -> dict[str, str]:
    """What `linli run` needs to serve the sandbox from `database_url`."""
    return {
        "LINLI_BOT_TOKEN": TOKEN,
        "LINLI_SECRET_KEY": SECRET_KEY,
        "LINLI_API_URL": api_url,
        "LINLI_DATABASE_URL": database_url,
    }


def linli_process(api_url: str, database_url: str) -> contextlib.AbstractAsyncContextManager[int]:
    """The real bot, `linli run`: confirm-after-commit polling and the outbox dispatcher."""
    return child("-m", "bot", "run", env=linli_env(api_url, database_url))


def bare_process(
    api_url: str, polling: str = "aiogram"
) -> contextlib.AbstractAsyncContextManager[int]:
    """The baseline bot of bench.bare_bot, with aiogram's polling or Linli's."""
    return child("-m", "bench.bare_bot", "--api-url", api_url, "--polling", polling)


def vm_status(pid: int) -> dict[str, int]:
    """The process's memory figures from /proc (VmRSS, VmHWM = peak RSS, …), in kB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Vm"):
            name, value = line.split(":", 1)
            figures[name] = int(value.split()[0])
    return figures


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used: steadier than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def in_parallel(work: Iterable[Callable[[], Awaitable[T]]], width: int = 64) -> list[T]:
    gate = asyncio.Semaphore(width)

    async def one(step: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await step()

    return await asyncio.gather(*(one(step) for step in work))


async def started_residents(client: SandboxClient, bot: Bot, count: int) -> list[Resident]:
    """Residents who sent /start, which `bot` has read and confirmed, so the bot under test
    finds no backlog."""

    async def resident() -> Resident:
        person = await client.resident("住户")
        await person.send("/start")
        return person

    people = await in_parallel([resident] * count)
    last = await bot.get_updates(offset=-1)
    await bot.get_updates(offset=last[-1].update_id + 1)
    return people


async def last_seen(resident: Resident) -> int:
    """The id of the bot's latest message in the resident's chat (0: none yet)."""
    messages = await resident.messages()
    return int(messages[-1]["message_id"]) if messages else 0


async def next_reply(resident: Resident, after: int, timeout: float) -> Json:
    """The bot's first message in the chat after message `after`, waiting up to `timeout` s."""
    replies = await resident.client.chat_messages(resident.id, after=after, wait=timeout)
    if not replies:
        raise TimeoutError(f"no reply to resident {resident.id} within {timeout} s")
    return replies[0]


async def served(resident: Resident, text: str, timeout: float) -> None:
    """`resident` sends `text` and waits for the reply: the bot under test is serving."""
    after = await last_seen(resident)
    await resident.send(text)
    await next_reply(resident, after, timeout)
