"""Benchmark: tally a 50,000-flat elevator vote in which every flat answered, on SQLite and on
PostgreSQL, against a bare GROUP BY over the same answer rows.

The compound and its answers come from bench.compound (70% approve, 20% reject, 10% abstain).
Printed per backend, best of --runs:

- tally: `storage.surveys.tallies.tally_survey` (participation, options, the decided question
  with the head rule and blocks, the breakdown by building and unit);
- bare: the question and option counts of the submitted ballots, one GROUP BY;
- their ratio (target ≤ 2×), with a tally under 1 s.

SQLite uses a temporary file; PostgreSQL a temporary database next to LINLI_TEST_POSTGRES_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped afterwards.

    python -m bench.tally [--flats 50000] [--runs 5] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.compound import DATABASES, answered_vote
from storage import migrate
from storage.db import create_engine, session_factory
from storage.surveys.models import AnswerChoice, Ballot, Survey
from storage.surveys.tallies import tally_survey


@dataclass(frozen=True)
class Timing:
    backend: str
    flats: int
    tally: float
    bare: float

    @property
    def ratio(self) -> float:
        return self.tally / self.bare


async def _bare(session: AsyncSession, survey: Survey) -> None:
    """The least a tally must do: count each option of the submitted ballots."""
    rows = await session.execute(
        select(AnswerChoice.question_id, AnswerChoice.option_id, func.count())
        .join(Ballot, Ballot.id == AnswerChoice.ballot_id)
        .where(Ballot.survey_id == survey.id, Ballot.submitted_at.is_not(None))
        .group_by(AnswerChoice.question_id, AnswerChoice.option_id)
    )
    rows.all()


Work = Callable[[AsyncSession, Survey], Awaitable[Any]]


async def _best(engine: AsyncEngine, survey_id: int, work: Work, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        async with session_factory(engine)() as session, session.begin():
            survey = await session.get_one(Survey, survey_id)
            start = time.perf_counter()
            await work(session, survey)
            best = min(best, time.perf_counter() - start)
    return best


async def measure(backend: str, url: str, flats: int, runs: int) -> Timing:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        started = time.perf_counter()
        survey_id = await answered_vote(engine, flats)
        print(f"{backend}: built {flats} answered flats in {time.perf_counter() - started:.1f} s")
        async with session_factory(engine)() as session:
            result = await tally_survey(session, await session.get_one(Survey, survey_id))
        assert result.participation.answered_flats == flats
        return Timing(
            backend,
            flats,
            tally=await _best(engine, survey_id, tally_survey, runs),
            bare=await _best(engine, survey_id, _bare, runs),
        )
    finally:
        await engine.dispose()


async def main(backends: list[str], flats: int, runs: int) -> list[Timing]:
    timings = []
    for backend in backends:
        async with DATABASES[backend]() as url:
            timings.append(await measure(backend, url, flats, runs))
    return timings


def report(timings: list[Timing]) -> str:
    lines = [f"{'backend':<11} {'flats':>7} {'tally s':>8} {'bare s':>8} {'ratio':>6}"]
    for timing in timings:
        lines.append(
            f"{timing.backend:<11} {timing.flats:>7} {timing.tally:>8.3f} {timing.bare:>8.3f} "
            f"{timing.ratio:>5.1f}×"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flats", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5, help="best of this many runs")
    parser.add_argument("--backend", choices=DATABASES, action="append")
    arguments = parser.parse_args()
    backends = arguments.backend or list(DATABASES)
    print(report(asyncio.run(main(backends, arguments.flats, arguments.runs))))
