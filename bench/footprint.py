"""Benchmark: what one bot process costs: its start-up time and its memory with 50,000 flats.

The database holds bench.compound's 50,000-flat elevator vote, every flat answered. Measured on
`linli run` (a process of its own, polling the sandbox):

- start-up: from starting the process to the reply to a /start that was already waiting, best
  of --runs; the baseline is bench.bare_bot (aiogram's own polling, no database, no app);
- resident set size (VmRSS from /proc): idle once it has answered (target ≤ 200 MB), then
  after a committee member's /tally of the vote, the result text and its chart (target
  ≤ 205 MB), with the peak (VmHWM); and the /tally's reply time, to the chart received. The
  bare bot's idle RSS is printed next to it.

    python -m bench.footprint [--flats 50000] [--runs 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bench.compound import COMPOUND, add_database_argument, answered_vote, database
from bench.processes import (
    TOKEN,
    bare_process,
    last_seen,
    linli_process,
    next_reply,
    sandbox_process,
    started_residents,
    vm_status,
)
from bot.app import build_bot
from bot.sandbox import Resident, SandboxClient
from storage import migrate
from storage.committee import add_member, compound_named
from storage.db import create_engine, session_factory

T = TypeVar("T")
TIMEOUT = 120.0
IDLE_MB, AFTER_TALLY_MB = 200, 205  # targets
Launch = Callable[[], contextlib.AbstractAsyncContextManager[int]]  # a process; yields its pid
Then = Callable[[int], Awaitable[T]]


@dataclass(frozen=True)
class Footprint:
    flats: int
    start: float  # seconds to the first handled update, best of the runs
    bare_start: float
    idle_mb: float
    tally_mb: float  # RSS once the /tally is answered
    peak_mb: float
    bare_idle_mb: float
    tally_seconds: float  # /tally sent → chart received

    def lines(self) -> list[str]:
        return [
            f"start-up to the first handled update: linli {self.start:.2f} s, bare aiogram "
            f"{self.bare_start:.2f} s, ratio {self.start / self.bare_start:.1f}×",
            f"RSS with {self.flats} flats: idle {self.idle_mb:.0f} MB (bare aiogram "
            f"{self.bare_idle_mb:.0f} MB; target ≤ {IDLE_MB} MB); after /tally "
            f"{self.tally_mb:.0f} MB (target ≤ {AFTER_TALLY_MB} MB), peak {self.peak_mb:.0f} MB; "
            f"/tally answered with its chart in {self.tally_seconds:.2f} s",
        ]


def megabytes(pid: int, field: str = "VmRSS") -> float:
    return vm_status(pid)[field] / 1024


async def start_ups(launch: Launch, probes: list[Resident], then: Then[T]) -> tuple[float, T]:
    """Start a process per probe, each time timing its reply to the probe's /start sent
    before; the best time, and what `then` finds in the last process while it runs."""
    best, found = float("inf"), None
    for index, probe in enumerate(probes):
        after = await last_seen(probe)
        await probe.send("/start")
        started = time.perf_counter()
        async with launch() as pid:
            await next_reply(probe, after, TIMEOUT)
            best = min(best, time.perf_counter() - started)
            if index == len(probes) - 1:
                await asyncio.sleep(1)  # let the start-up's garbage settle: idle means idle
                found = await then(pid)
    assert found is not None
    return best, found


async def replies(resident: Resident, after: int, count: int) -> None:
    """Wait until the bot has sent `count` messages in the chat after message `after`."""
    deadline = time.perf_counter() + TIMEOUT
    while len(await resident.client.chat_messages(resident.id, after=after)) < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"fewer than {count} replies to {resident.id} in {TIMEOUT} s")
        await asyncio.sleep(0.02)


def tally_in(member: Resident, survey_id: int) -> Then[tuple[float, float, float, float]]:
    """Idle RSS, then the member's /tally (text and chart): its seconds, RSS after, peak."""

    async def measure(pid: int) -> tuple[float, float, float, float]:
        idle = megabytes(pid)
        after = await last_seen(member)
        started = time.perf_counter()
        await member.send(f"/tally {survey_id}")
        await replies(member, after, 2)
        seconds = time.perf_counter() - started
        return idle, seconds, megabytes(pid), megabytes(pid, "VmHWM")

    return measure


async def idle(pid: int) -> float:
    return megabytes(pid)


async def bench(flats: int, runs: int, database_url: str | None) -> Footprint:
    async with database(database_url) as db, sandbox_process() as url:
        engine = create_engine(db)
        sender = build_bot(TOKEN, url)
        try:
            await migrate.upgrade(engine)
            started = time.perf_counter()
            survey_id = await answered_vote(engine, flats)
            print(f"built {flats} answered flats in {time.perf_counter() - started:.1f} s")
            async with SandboxClient(url) as client:
                member, *probes = await started_residents(client, sender, 2 * runs + 1)
                async with session_factory(engine)() as session, session.begin():
                    await add_member(session, await compound_named(session, COMPOUND), member.id)
                bare_start, bare_idle = await start_ups(
                    lambda: bare_process(url), probes[runs:], idle
                )
                start, (idle_mb, seconds, tally_mb, peak_mb) = await start_ups(
                    lambda: linli_process(url, db), probes[:runs], tally_in(member, survey_id)
                )
        finally:
            await sender.session.close()
            await engine.dispose()
    return Footprint(flats, start, bare_start, idle_mb, tally_mb, peak_mb, bare_idle, seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flats", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="start-ups of each bot; best counts")
    add_database_argument(parser)
    arguments = parser.parse_args()
    found = asyncio.run(bench(arguments.flats, arguments.runs, arguments.database_url))
    print("\n".join(found.lines()))
