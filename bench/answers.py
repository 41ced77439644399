"""Benchmark: survey answers per second through the whole stack, against a no-op bot.

Every resident is the owner of a flat and answers a one-question vote: all press 「同意」 at
once, the sandbox (a process of its own) turns each press into an update, and `linli run` (a
process of its own: the confirm-after-commit polling, one transaction per update) records the
ballot and, after the commit, answers the press, edits the question into "✓ 同意" and sends the
receipt. A round ends when every ballot is committed and every receipt sent. Opening the vote
and pressing 「开始作答」 come before the clock starts.

The baselines are bench.bare_bot, the same aiogram Bot on the same sandbox with a handler
that only answers the press and replies, no database: once with aiogram's own polling, once
with bot.polling. Each round presses once per resident; printed: every round, then the best
of --runs answers/s of each bot and Linli's ratio to each baseline, with presses lost (no
ballot or no receipt) and handled twice (two answer events, or two replies), the bot's CPU
and its Bot API calls per answer (getUpdates apart).

--latency-ms L makes the sandbox answer every Bot API call of the round L ms after it is done
(getUpdates, the press's answer and each message sent), as Telegram's round trip would
(localhost answers in about one).

    python -m bench.answers [--residents 300] [--runs 3] [--timeout 60] [--database-url URL]
                            [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.compound import add_database_argument, compound_id, database, link_owners, register
from bench.processes import (
    TOKEN,
    bare_process,
    cpu_seconds,
    in_parallel,
    last_seen,
    linli_process,
    next_reply,
    sandbox_process,
    served,
    started_residents,
)
from bot.app import build_bot, build_i18n
from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import until
from handlers.surveys.notices import invitation_message
from storage import migrate
from storage.db import create_engine, session_factory
from storage.surveys.models import AnswerEvent, Ballot, ScopeKind
from storage.surveys.queries import Scope, create_survey, invitations, open_survey

VOTE = """\
kind: vote
title: 基准表决 {number}
questions:
  - id: approve
    type: agree
    text: 是否同意加装电梯？
    rule: civil_code_ordinary
"""
ANSWER = "同意"
# Linli's answers/s ÷ the no-op bot's, by backend and whether calls take 50 ms (issue 9)
TARGETS = {("sqlite", False): 0.25, ("sqlite", True): 0.4, ("postgresql", True): 0.3}
CPU_TARGET_MS = 5.0
ZONE = ZoneInfo("Asia/Shanghai")
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Round:
    bot: str
    presses: int
    seconds: float
    cpu: float  # seconds of the bot process's CPU time
    lost: int
    duplicates: int
    calls: int  # Bot API calls the bot made in the round, getUpdates apart

    @property
    def rate(self) -> float:
        return (self.presses - self.lost) / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.presses * 1000

    def line(self) -> str:
        return (
            f"{self.bot:<26} {self.presses} presses in {self.seconds:6.2f} s: "
            f"{self.rate:6.1f} answers/s, bot CPU {self.cpu_ms:5.1f} ms and "
            f"{self.calls / self.presses:.1f} calls each; "
            f"lost {self.lost}, duplicates {self.duplicates}"
        )


@dataclass(frozen=True)
class Press:
    """What a round presses and expects: `replies` messages per press, one starting with
    `receipt`; `committed` says whether every effect is in the database."""

    replies: int
    receipt: str
    committed: Callable[[], Awaitable[bool]]
    duplicates: Callable[[], Awaitable[int]]


async def _nothing_to_commit() -> bool:
    return True


async def _no_duplicates() -> int:
    return 0


BARE = Press(1, "✓", _nothing_to_commit, _no_duplicates)


@dataclass(frozen=True)
class Stage:
    """The residents and the sandbox one bot process under test serves."""

    client: SandboxClient
    sender: Bot  # plays the outbox: sends the messages whose buttons the residents press
    people: list[Resident]
    timeout: float  # seconds a round or a wait may take
    latency: float = 0.0  # seconds the sandbox holds each answer to the bot in a round
    pid: int = 0  # the bot process

    async def timed_round(self, name: str, press: Press) -> Round:
        """Everyone presses ANSWER at once; until every reply is sent and effect committed."""
        people, client = self.people, self.client
        seen = await in_parallel([partial(last_seen, person) for person in people])
        await client.reset_stats()
        await client.set_latency(self.latency)  # Telegram is not on localhost
        cpu, started = cpu_seconds(self.pid), time.perf_counter()
        await asyncio.gather(*(person.press(ANSWER) for person in people))
        deadline, replies = started + self.timeout, press.replies * len(people)
        while time.perf_counter() < deadline:
            if (await client.stats())["sent"] >= replies and await press.committed():
                break
            await asyncio.sleep(0.01)
        elapsed = min(time.perf_counter(), deadline) - started
        cpu = cpu_seconds(self.pid) - cpu
        await client.set_latency(0)
        calls: dict[str, int] = {}

        async def presses_answered() -> bool:  # their answers may go after the receipts
            calls.update((await client.stats())["calls"])
            return calls.get("answerCallbackQuery", 0) >= len(people)

        await until(presses_answered, "presses left unanswered", self.timeout)

        async def receipts(person: Resident, after: int) -> int:
            replies = await client.chat_messages(person.id, after=after)
            return sum(str(m.get("text", "")).startswith(press.receipt) for m in replies)

        counts = await in_parallel(
            [partial(receipts, p, after) for p, after in zip(people, seen, strict=True)]
        )
        return Round(
            name,
            len(people),
            elapsed,
            cpu,
            lost=sum(count == 0 for count in counts),
            duplicates=max(sum(count > 1 for count in counts), await press.duplicates()),
            calls=sum(calls.values()) - calls.get("getUpdates", 0),
        )

    async def send_all(self, messages: list[tuple[int, str, InlineKeyboardMarkup]]) -> None:
        await in_parallel(
            [partial(self.sender.send_message, chat, text, reply_markup=markup)
             for chat, text, markup in messages]
        )  # fmt: skip


async def bare_rounds(stage: Stage, name: str, runs: int) -> list[Round]:
    button = InlineKeyboardButton(text=ANSWER, callback_data="noop")
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    rounds = []
    for number in range(1, runs + 1):
        await stage.send_all([(p.id, f"基准 {number}", markup) for p in stage.people])
        rounds.append(await stage.timed_round(name, BARE))
    return rounds


async def open_vote(sessions: Sessions, stage: Stage, number: int) -> int:
    """Open a one-question vote for the whole compound and send the opening notices, as the
    outbox would; return the survey's id."""
    i18n = build_i18n("zh_CN")
    async with sessions() as session, session.begin():
        survey = await create_survey(
            session,
            await compound_id(session),
            VOTE.format(number=number),
            Scope(ScopeKind.COMPOUND),
        )
        await open_survey(session, survey)
        invited = await invitations(session, survey)
    await stage.send_all(
        [(one.telegram_id, *invitation_message(survey, one, None, i18n, ZONE)) for one in invited]
    )
    return survey.id


def ballots_of(sessions: Sessions, survey_id: int, expected: int) -> Press:
    async def count(query: object) -> int:
        async with sessions() as session:
            return int(await session.scalar(query) or 0)  # type: ignore[call-overload]

    submitted = (
        select(func.count())
        .select_from(Ballot)
        .where(Ballot.survey_id == survey_id, Ballot.submitted_at.is_not(None))
    )
    events = select(func.count()).select_from(AnswerEvent).where(AnswerEvent.survey_id == survey_id)

    async def committed() -> bool:
        return await count(submitted) >= expected

    async def duplicates() -> int:
        return max(0, await count(events) - expected)

    return Press(1, "您对「", committed, duplicates)


async def linli_rounds(stage: Stage, sessions: Sessions, runs: int) -> list[Round]:
    async def start(person: Resident) -> None:
        after = await last_seen(person)
        await person.press("开始作答")
        await next_reply(person, after, stage.timeout)

    rounds = []
    for number in range(1, runs + 1):
        survey_id = await open_vote(sessions, stage, number)
        await in_parallel([partial(start, person) for person in stage.people])
        await stage.client.settled(stage.timeout)
        press = ballots_of(sessions, survey_id, len(stage.people))
        rounds.append(await stage.timed_round("linli", press))
    return rounds


async def bench(
    residents: int, runs: int, timeout: float, database_url: str | None, latency: float = 0.0
) -> list[Round]:
    backend = (database_url or "sqlite").split("+")[0]
    print(
        f"{residents} residents pressing at once, {runs} rounds per bot; Linli on {backend}; "
        f"{latency * 1000:g} ms added to each Bot API call"
    )
    rounds: list[Round] = []
    async with sandbox_process() as url, SandboxClient(url) as client, database(database_url) as db:
        sender = build_bot(TOKEN, url)
        engine = create_engine(db)
        try:
            people = await started_residents(client, sender, residents)
            await migrate.upgrade(engine)
            sessions = session_factory(engine)
            async with sessions() as session, session.begin():
                await register(session, residents, random.Random(278))
                await link_owners(session, [person.id for person in people])
            stage = Stage(client, sender, people, timeout, latency)
            for polling in ("aiogram", "linli"):
                async with bare_process(url, polling) as pid:
                    await served(people[0], "/start", timeout)
                    name = f"baseline ({polling} polling)"
                    rounds += await bare_rounds(replace(stage, pid=pid), name, runs)
            async with linli_process(url, db) as pid:
                await served(people[0], "/me", timeout)
                rounds += await linli_rounds(replace(stage, pid=pid), sessions, runs)
        finally:
            await sender.session.close()
            await engine.dispose()
    return rounds


def best(rounds: list[Round], bot: str) -> Round:
    return max((r for r in rounds if r.bot == bot), key=lambda r: r.rate)


def target(database_url: str | None, latency: float) -> float:
    return TARGETS.get(((database_url or "sqlite").split("+")[0], latency > 0), 0.25)


def report(rounds: list[Round], goal: float = 0.25) -> str:
    linli = best(rounds, "linli")
    bots = dict.fromkeys(r.bot for r in rounds)
    lines = [r.line() for r in rounds]
    lines += [
        f"best of {best(rounds, bot).bot}: {best(rounds, bot).rate:.1f} answers/s" for bot in bots
    ]
    for polling in ("aiogram", "linli"):
        baseline = best(rounds, f"baseline ({polling} polling)")
        lines.append(
            f"linli {linli.rate:.1f} / baseline ({polling} polling) {baseline.rate:.1f} answers/s "
            f"= {linli.rate / baseline.rate:.2f} (target ≥ {goal:g})"
        )
    lost = sum(r.lost for r in rounds if r.bot == "linli")
    duplicates = sum(r.duplicates for r in rounds if r.bot == "linli")
    lines.append(f"linli: lost {lost}, duplicates {duplicates} over all rounds")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="rounds per bot; the best counts")
    parser.add_argument("--timeout", type=float, default=60, help="seconds a round may take")
    add_database_argument(parser)
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="added to each Bot API call of a round"
    )
    arguments = parser.parse_args()
    found = asyncio.run(
        bench(
            arguments.residents,
            arguments.runs,
            arguments.timeout,
            arguments.database_url,
            arguments.latency_ms / 1000,
        )
    )
    print(report(found, target(arguments.database_url, arguments.latency_ms / 1000)))
