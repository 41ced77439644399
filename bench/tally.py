"""Benchmark: tally a 50,000-flat elevator vote in which every flat answered, on SQLite and on
PostgreSQL, against a bare GROUP BY over the same answer rows.

The compound and its answers come from bench.compound (70% approve, 20% reject, 10% abstain;
2% developer-held flats, 4% in two-flat owners). Printed per backend, best of --runs, each
measured in the same run as its baseline:

- bare: the question and option counts of the submitted ballots, one GROUP BY;
- tally: `storage.surveys.tallies.tally_survey` (participation, every option with its area,
  the decided question with the head rule and blocks, the breakdown by building and unit);
  target ≤ 2× bare on SQLite, ≤ 2.5× on PostgreSQL;
- art. 278: the decided question's figures alone, with the SQL of the tally (its options
  and the heads of several flats); target ≤ 1.3× bare;
- /tally: what the committee's /tally handler does before it replies: the tally and its chart,
  drawn in a process of its own as the bot draws it; target ≤ 1 s.

Each is also given in CPU time, best of the runs: this process's (SQLite works in it) plus the
PostgreSQL backend's (read from /proc: the server runs on this machine). On a machine other
work keeps busy, the ratios of CPU times are steadier than those of seconds.

SQLite uses a temporary file; PostgreSQL a temporary database next to LINLI_TEST_POSTGRES_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped afterwards.

    python -m bench.tally [--flats 50000] [--runs 9] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.compound import DATABASES, answered_vote
from bot.documents.out_of_process import out_of_process
from storage import migrate
from storage.db import create_engine, session_factory
from storage.surveys.models import AnswerChoice, Ballot, Survey
from storage.surveys.queries import definition_of
from storage.surveys.tallies import decided_tally, tally_survey
from storage.surveys.tally_sql import answered_flats, option_counts, shared_heads
from surveys.voting.decision import Tally

TARGETS = {"sqlite": 2.0, "postgresql": 2.5}  # full tally ÷ bare
ART_278_TARGET = 1.3
REPLY_TARGET = 1.0  # seconds
draw_chart = out_of_process("bot.documents.charts", "chart_png")


@dataclass(frozen=True)
class Timing:
    backend: str
    flats: int
    tally: float
    bare: float
    art_278: float
    reply: float  # tally + chart
    cpu: tuple[float, float, float]  # CPU seconds of the tally, the bare count, art. 278

    @property
    def ratio(self) -> float:
        return self.tally / self.bare

    @property
    def art_278_ratio(self) -> float:
        return self.art_278 / self.bare

    @property
    def cpu_ratios(self) -> tuple[float, float]:
        """The tally's and the art. 278 figures' CPU time ÷ the bare count's: steadier than
        seconds on a machine that other work keeps busy."""
        tally, bare, art_278 = self.cpu
        return tally / bare, art_278 / bare


async def _bare(session: AsyncSession, survey: Survey) -> None:
    """The least a tally must do: count each option of the submitted ballots."""
    rows = await session.execute(
        select(AnswerChoice.question_id, AnswerChoice.option_id, func.count())
        .join(Ballot, Ballot.id == AnswerChoice.ballot_id)
        .where(Ballot.survey_id == survey.id, Ballot.submitted_at.is_not(None))
        .group_by(AnswerChoice.question_id, AnswerChoice.option_id)
    )
    rows.all()


async def art_278(session: AsyncSession, survey: Survey) -> list[Tally]:
    """Each decided question's figures, as `tally_survey` computes them, and nothing else."""
    definition = definition_of(survey.definition)
    decided = definition.decided_questions
    _, *shared = await shared_heads(session, definition, answered_flats(survey, definition))
    options = await option_counts(session, survey, definition, decided)
    return [decided_tally(survey, q, options, s) for q, s in zip(decided, shared, strict=True)]


async def _reply(session: AsyncSession, survey: Survey) -> None:
    definition = definition_of(survey.definition)
    draw_chart(definition, (await tally_survey(session, survey)).without_places(), "zh_CN")


Work = Callable[[AsyncSession, Survey], Awaitable[Any]]


def _cpu_seconds(backend_pid: int | None) -> float:
    """CPU time of this process (SQLite's work included: it runs here) and of the PostgreSQL
    backend serving the session (on this machine: its /proc entry)."""
    server = 0.0
    if backend_pid is not None:
        server = int(Path(f"/proc/{backend_pid}/schedstat").read_text().split()[0]) / 1e9
    return time.process_time() + server


async def _best(
    engine: AsyncEngine, survey_id: int, works: list[Work], runs: int
) -> tuple[list[float], list[float]]:
    """Best of ``runs`` for each work, in seconds and in CPU seconds, the works taking turns
    so that a busy moment of the machine weighs on all of them alike."""
    best, cpu = [float("inf")] * len(works), [float("inf")] * len(works)
    for _ in range(runs):
        for index, work in enumerate(works):
            async with session_factory(engine)() as session, session.begin():
                backend_pid = None
                if engine.dialect.name == "postgresql":
                    backend_pid = await session.scalar(text("SELECT pg_backend_pid()"))
                survey = await session.get_one(Survey, survey_id)
                start, start_cpu = time.perf_counter(), _cpu_seconds(backend_pid)
                await work(session, survey)
                best[index] = min(best[index], time.perf_counter() - start)
                cpu[index] = min(cpu[index], _cpu_seconds(backend_pid) - start_cpu)
    return best, cpu


async def measure(backend: str, url: str, flats: int, runs: int) -> Timing:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        started = time.perf_counter()
        survey_id = await answered_vote(engine, flats)
        print(f"{backend}: built {flats} answered flats in {time.perf_counter() - started:.1f} s")
        async with session_factory(engine)() as session:
            survey = await session.get_one(Survey, survey_id)
            result = await tally_survey(session, survey)
            assert result.participation.answered_flats == flats
            assert [d.tally for d in result.decisions] == await art_278(session, survey)
        (tally, bare, figures, reply), cpu = await _best(
            engine, survey_id, [tally_survey, _bare, art_278, _reply], runs
        )
        return Timing(backend, flats, tally, bare, figures, reply, (cpu[0], cpu[1], cpu[2]))
    finally:
        await engine.dispose()


async def main(backends: list[str], flats: int, runs: int) -> list[Timing]:
    timings = []
    for backend in backends:
        async with DATABASES[backend]() as url:
            timings.append(await measure(backend, url, flats, runs))
    return timings


def report(timings: list[Timing]) -> str:
    lines = [
        f"{'backend':<11} {'flats':>7} {'bare s':>7} {'tally s':>8} {'ratio':>6} "
        f"{'art278 s':>9} {'ratio':>6} {'/tally s':>9}   CPU ratios: tally, art278"
    ]
    for t in timings:
        cpu_tally, cpu_art_278 = t.cpu_ratios
        lines.append(
            f"{t.backend:<11} {t.flats:>7} {t.bare:>7.3f} {t.tally:>8.3f} {t.ratio:>5.2f}× "
            f"{t.art_278:>9.3f} {t.art_278_ratio:>5.2f}× {t.reply:>9.3f}   "
            f"{cpu_tally:.2f}×, {cpu_art_278:.2f}×"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flats", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=9, help="best of this many runs")
    parser.add_argument("--backend", choices=DATABASES, action="append")
    arguments = parser.parse_args()
    backends = arguments.backend or list(DATABASES)
    print(report(asyncio.run(main(backends, arguments.flats, arguments.runs))))
