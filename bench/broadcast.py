"""Benchmark: a broadcast to 5,000 residents through the sandbox, under a flood limit.

Telegram takes about 30 messages/s, and at LINLI_SEND_RATE 25 the broadcast would take
200 s. Both are scaled up by the same factor instead: the sandbox answers 429 above --limit
messages/s (and above one per second per chat) and the dispatcher is set to --rate, a little
under it. The sandbox runs in a process of its own, as Telegram would. Printed, for a bare
aiogram send loop at the same rate and concurrency (the baseline) and for the outbox (enqueue,
then the dispatcher sends and marks each row): the achieved rate ÷ the configured rate (target
≥ 0.95), 429s received, duplicates and recipients who got nothing (targets 0 and 0).

    python -m bench.broadcast [--residents 5000] [--limit 240] [--rate 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from bench.compound import add_database_argument, database
from bench.processes import TOKEN, in_parallel, sandbox_process, started_residents
from bot.app import build_bot
from bot.outbox_dispatcher import DispatchPolicy, OutboxDispatcher, Pace
from bot.sandbox import SandboxClient
from storage import migrate
from storage.db import create_engine, session_factory
from storage.outbox.queue import Outgoing, delivery, enqueue_many, open_broadcast


@dataclass
class Run:
    name: str
    rate: float
    stats: dict[str, Any]
    lost: int

    def line(self) -> str:
        achieved = self.stats["achieved_rate"] or 0.0
        return (
            f"{self.name:<8} {self.stats['sent']:>5} sent in {self.stats['elapsed']:5.1f} s: "
            f"{achieved:5.1f}/s = {achieved / self.rate:.3f} of {self.rate:g}/s; "
            f"429s {self.stats['rate_limited']}, duplicates {self.stats['duplicates']}, "
            f"lost {self.lost}"
        )


async def lost(client: SandboxClient, chats: list[int], prefix: str) -> int:
    """Recipients with no message whose text starts with `prefix`."""

    def check(chat: int) -> Callable[[], Awaitable[bool]]:
        async def missing() -> bool:
            messages = await client.chat_messages(chat)
            return not any(str(m.get("text", "")).startswith(prefix) for m in messages)

        return missing

    return sum(await in_parallel([check(chat) for chat in chats]))


async def bare_loop(bot: Bot, chats: list[int], policy: DispatchPolicy) -> None:
    """The baseline: the dispatcher's pace and concurrency, straight to aiogram, no database."""
    pace, work = Pace(1 / policy.rate, policy.burst), asyncio.Queue[int]()
    for chat in chats:
        work.put_nowait(chat)

    async def sender() -> None:
        while not work.empty():
            chat = work.get_nowait()
            while True:
                await asyncio.sleep(pace.reserve(time.monotonic()))
                try:
                    await bot.send_message(chat, f"baseline {chat}")
                    break
                except TelegramRetryAfter as error:
                    pace.hold(time.monotonic() + error.retry_after)

    await asyncio.gather(*(sender() for _ in range(policy.concurrency)))


async def through_outbox(
    bot: Bot, chats: list[int], policy: DispatchPolicy, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            broadcast_id = await open_broadcast(session, "announcement")
            outgoing = [Outgoing(chat, f"outbox {chat}") for chat in chats]
            await enqueue_many(session, outgoing, broadcast_id=broadcast_id)
        dispatching = asyncio.create_task(OutboxDispatcher(bot, sessions, policy).run())
        while True:
            await asyncio.sleep(0.5)
            async with sessions() as session:
                if not (await delivery(session, broadcast_id)).waiting:
                    break
        dispatching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatching
    finally:
        await engine.dispose()


async def bench(residents: int, limit: float, rate: float, database_url: str | None) -> list[Run]:
    policy = DispatchPolicy(rate=rate)
    backend = (database_url or "sqlite").split("+")[0]
    print(
        f"{residents} residents; sandbox limit {limit:g}/s and 1/s per chat; rate {rate:g}/s, "
        f"{policy.concurrency} sends at a time; outbox on {backend}"
    )
    runs = []
    async with sandbox_process() as url, SandboxClient(url) as client, database(database_url) as db:
        bot = build_bot(TOKEN, url)
        try:
            chats = [person.id for person in await started_residents(client, bot, residents)]
            await client.set_limits(global_rate=limit, per_chat_rate=1)
            for name, send in (
                ("baseline", lambda: bare_loop(bot, chats, policy)),
                ("outbox", lambda: through_outbox(bot, chats, policy, db)),
            ):
                await client.reset_stats()
                await send()
                runs.append(Run(name, rate, await client.stats(), await lost(client, chats, name)))
                print(runs[-1].line())
        finally:
            await bot.session.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--limit", type=float, default=240, help="sandbox messages/s")
    parser.add_argument("--rate", type=float, default=200, help="dispatcher messages/s")
    add_database_argument(parser)
    arguments = parser.parse_args()
    asyncio.run(bench(arguments.residents, arguments.limit, arguments.rate, arguments.database_url))


if __name__ == "__main__":
    main()
