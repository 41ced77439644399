"""Benchmark: a wave of answers while a vote's opening notices still go out.

A five-question vote opens for a compound of --residents owners; `linli run` (a process of its
own, its outbox at --rate messages/s as Telegram's limit asks) sends everyone the notice. A
--share of them, chosen with a fixed seed, answer as their notice arrives: 「开始作答」, then
「同意」 to each question, one press every --think seconds, as a person reading each question
would. Every Bot API call takes --latency-ms longer, as Telegram's round trip would.

Measured by the sandbox: each press's wait for the bot's next message or edit in that chat
(what the person waits for; the spinner's answer apart); printed: the median, p95 (target
≤ 1.5 s) and worst, against the floor of two calls' latency (the press reaching the bot through
getUpdates, and the edit), and the ballots lost or answered twice.

    python -m bench.wave [--residents 1000] [--share 0.3] [--rate 25] [--think 5]
                         [--latency-ms 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.compound import add_database_argument, compound_id, database, link_owners, register
from bench.processes import (
    TOKEN,
    child,
    linli_env,
    sandbox_process,
    served,
    started_residents,
)
from bot.app import build_bot, build_i18n
from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import Json, until
from handlers.surveys.notices import announce_opening
from storage import migrate
from storage.db import create_engine, session_factory
from storage.surveys.models import AnswerEvent, Ballot, ScopeKind
from storage.surveys.queries import Scope, create_survey, open_survey

QUESTIONS = 5
VOTE = "kind: vote\ntitle: 加装电梯五项表决\nquestions:\n" + "".join(
    f"  - id: q{n}\n    type: agree\n    rule: civil_code_ordinary\n    text: 第{n}项：是否同意？\n"
    for n in range(1, QUESTIONS + 1)
)
START, ANSWER = "开始作答", "同意"
P95_TARGET = 1.5


@dataclass(frozen=True)
class Wave:
    residents: int
    answering: int
    delays: list[float]  # seconds from each press to the bot's next message or edit
    latency: float
    notices_seconds: float  # from the opening to the last notice sent
    submitted: int
    answer_events: int

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.delays, n=20)[-1]

    @property
    def floor(self) -> float:
        return 2 * self.latency

    @property
    def lost(self) -> int:
        return self.answering - self.submitted

    @property
    def duplicates(self) -> int:
        return max(0, self.answer_events - self.answering * QUESTIONS)

    def lines(self) -> list[str]:
        return [
            f"{self.residents} notices sent in {self.notices_seconds:.1f} s; "
            f"{self.answering} residents answered {QUESTIONS} questions: "
            f"{len(self.delays)} presses",
            f"press to reply: median {statistics.median(self.delays):.3f} s, "
            f"p95 {self.p95:.3f} s, worst {max(self.delays):.3f} s; floor "
            f"{self.floor:.3f} s (p95 {self.p95 / self.floor:.1f}× the floor; "
            f"target p95 ≤ {P95_TARGET:g} s)",
            f"ballots lost {self.lost}, answers recorded twice {self.duplicates}",
        ]


def _has_button(message: Json, label: str) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return any(button.get("text") == label for row in rows for button in row)


async def _question_after(person: Resident, previous: str | None, timeout: float) -> Json:
    """The message that asks the next question: the latest with an 「同意」 button, once its
    text is no longer `previous` (a press edits the question into the next one)."""
    found: list[Json] = []

    async def asked() -> bool:
        for message in reversed(await person.messages()):
            if _has_button(message, ANSWER):
                if message.get("text") != previous:
                    found.append(message)
                    return True
                return False
        return False

    await until(asked, f"{person.name} was never asked the next question", timeout)
    return found[0]


async def _answer(person: Resident, think: float, timeout: float) -> None:
    """Wait for the notice, start, then answer each question after reading it for `think` s."""
    await person.client.chat_messages(person.id, wait=timeout)
    await person.press(START, timeout=timeout)
    previous = None
    for _ in range(QUESTIONS):
        await asyncio.sleep(think)  # reading the question
        question = await _question_after(person, previous, timeout)
        previous = question.get("text")
        await person.press(ANSWER, question["message_id"], timeout=timeout)


async def bench(
    residents: int,
    share: float,
    rate: float,
    think: float,
    latency: float,
    database_url: str | None,
    timeout: float = 300,
) -> Wave:
    backend = (database_url or "sqlite").split("+")[0]
    print(
        f"{residents} residents, {share:.0%} answering {QUESTIONS} questions as the notices "
        f"arrive at {rate:g}/s; Linli on {backend}; {latency * 1000:g} ms per Bot API call"
    )
    async with (
        sandbox_process() as url,
        SandboxClient(url, connections=residents + 10) as client,
        database(database_url) as db,
    ):
        sender = build_bot(TOKEN, url)
        engine = create_engine(db)
        try:
            people = await started_residents(client, sender, residents)
            await migrate.upgrade(engine)
            sessions = session_factory(engine)
            async with sessions() as session, session.begin():
                await register(session, residents, random.Random(278))
                await link_owners(session, [person.id for person in people])
            answering = random.Random(25).sample(people, round(residents * share))
            env = {**linli_env(url, db), "LINLI_SEND_RATE": f"{rate:g}"}
            async with child("-m", "bot", "run", env=env):
                await served(people[0], "/me", timeout)
                await client.set_latency(latency)
                await client.reset_stats()
                opened = time.perf_counter()
                async with sessions() as session, session.begin():
                    survey = await create_survey(
                        session, await compound_id(session), VOTE, Scope(ScopeKind.COMPOUND)
                    )
                    await open_survey(session, survey)
                    await announce_opening(
                        session, survey, build_i18n("zh_CN"), ZoneInfo("Asia/Shanghai")
                    )
                wave = asyncio.gather(*(_answer(person, think, timeout) for person in answering))
                await until(
                    partial(_all_notified, client, residents),
                    "the notices were not all sent",
                    timeout,
                )
                notices_seconds = time.perf_counter() - opened
                await wave
                await until(
                    partial(_all_answered, client, len(answering) * (QUESTIONS + 1)),
                    "presses left without a reply",
                    timeout,
                )
                submitted, events = await _recorded(sessions, survey.id)
                delays = list((await client.stats())["reply_delays"])
                await client.set_latency(0)
        finally:
            await sender.session.close()
            await engine.dispose()
    return Wave(residents, len(answering), delays, latency, notices_seconds, submitted, events)


async def _all_notified(client: SandboxClient, residents: int) -> bool:
    return int((await client.stats())["sent"]) >= residents


async def _all_answered(client: SandboxClient, presses: int) -> bool:
    return len((await client.stats())["reply_delays"]) >= presses


async def _recorded(sessions: async_sessionmaker[AsyncSession], survey_id: int) -> tuple[int, int]:
    """Ballots submitted and answer events of the survey, once every last press is in."""
    async with sessions() as session:
        submitted = await session.scalar(
            select(func.count())
            .select_from(Ballot)
            .where(Ballot.survey_id == survey_id, Ballot.submitted_at.is_not(None))
        )
        events = await session.scalar(
            select(func.count()).select_from(AnswerEvent).where(AnswerEvent.survey_id == survey_id)
        )
    return int(submitted or 0), int(events or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--share", type=float, default=0.3, help="of the residents answer")
    parser.add_argument("--rate", type=float, default=25, help="the outbox's messages/s")
    parser.add_argument("--think", type=float, default=5, help="seconds between presses")
    parser.add_argument("--latency-ms", type=float, default=50)
    add_database_argument(parser)
    arguments = parser.parse_args()
    found = asyncio.run(
        bench(
            arguments.residents,
            arguments.share,
            arguments.rate,
            arguments.think,
            arguments.latency_ms / 1000,
            arguments.database_url,
        )
    )
    print("\n".join(found.lines()))


if __name__ == "__main__":
    main()
