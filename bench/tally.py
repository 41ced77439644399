"""Benchmark: tally a 50,000-flat elevator vote in which every flat answered, on SQLite and on
PostgreSQL, against a bare GROUP BY over the same answer rows.

The scope is built with bulk inserts: buildings of 6 units × 12 flats; 2% of the flats held by
the developer, 4% owned in pairs by one owner, about 75% with an owner number of their own and
the rest with none; answers 70% approve, 20% reject, 10% abstain, approvers also saying how they
will pay and one flat in ten leaving a remark. Printed per backend, best of --runs:

- tally: `storage.tallies.tally_survey` (participation, options, the decided question with the
  head rule and blocks, the breakdown by building and unit);
- bare: the question and option counts of the submitted ballots, one GROUP BY;
- their ratio (target ≤ 2×), with a tally under 1 s.

SQLite uses a temporary file; PostgreSQL a temporary database next to LINLI_TEST_POSTGRES_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped afterwards.

    python -m bench.tally [--flats 50000] [--runs 5] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Building, Compound, Household, Resident, Unit, utcnow
from storage.survey_models import (
    Answer,
    AnswerChoice,
    Ballot,
    InputKind,
    ScopeKind,
    Survey,
    VoteInput,
)
from storage.surveys import Scope, create_survey, open_survey
from storage.tallies import tally_survey
from surveys.answer_codec import encode
from surveys.templates import template_text

POSTGRES_URL = os.environ.get(
    "LINLI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
UNITS_PER_BUILDING = 6
FLATS_PER_UNIT = 12  # 6 floors × 2 flats
PAYMENTS = ("direct", "provident", "maintenance", "undecided")
BATCH = 10_000


@dataclass(frozen=True)
class Timing:
    backend: str
    flats: int
    tally: float
    bare: float

    @property
    def ratio(self) -> float:
        return self.tally / self.bare


async def _insert(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model), rows[start : start + BATCH])


async def _register(session: AsyncSession, flats: int, rng: random.Random) -> None:
    """A compound of ``flats`` flats, ids 1..flats."""
    compound = Compound(name="基准小区")
    session.add(compound)
    await session.flush()
    per_building = UNITS_PER_BUILDING * FLATS_PER_UNIT
    buildings = -(-flats // per_building)
    await _insert(
        session,
        Building,
        [{"id": b, "compound_id": compound.id, "name": f"{b}栋"} for b in range(1, buildings + 1)],
    )
    await _insert(
        session,
        Unit,
        [
            {"id": (b - 1) * UNITS_PER_BUILDING + u, "building_id": b, "name": f"{u}单元"}
            for b in range(1, buildings + 1)
            for u in range(1, UNITS_PER_BUILDING + 1)
        ],
    )
    households = []
    for flat in range(1, flats + 1):
        unit = (flat - 1) // FLATS_PER_UNIT + 1
        index = (flat - 1) % FLATS_PER_UNIT
        developer = flat % 50 == 49
        if flat % 50 in (0, 1):
            owner: str | None = f"pair-{flat // 50}"  # two neighbouring flats of one owner
        elif developer or rng.random() < 0.2:
            owner = None
        else:
            owner = f"owner-{flat}"
        households.append(
            {
                "id": flat,
                "compound_id": compound.id,
                "building_id": (unit - 1) // UNITS_PER_BUILDING + 1,
                "unit_id": unit,
                "floor": index // 2 + 1,
                "room": f"{index // 2 + 1}0{index % 2 + 1}",
                "area": Decimal(rng.randrange(4500, 12000)) / 100,
                "owner_key": owner,
                "developer_held": developer,
            }
        )
    await _insert(session, Household, households)


async def _votes(session: AsyncSession, survey: Survey, flats: int, rng: random.Random) -> None:
    """Every flat answers the elevator vote, with one resident per flat."""
    now = utcnow()
    await _insert(
        session,
        Resident,
        [{"id": flat, "telegram_id": 10_000_000 + flat} for flat in range(1, flats + 1)],
    )
    ballots, answers, choices = [], [], []
    for flat in range(1, flats + 1):
        ballots.append(
            {
                "id": flat,
                "survey_id": survey.id,
                "respondent": f"h:{flat}",
                "household_id": flat,
                "resident_id": flat,
                "submitted_at": now,
                "updated_at": now,
            }
        )
        vote = rng.choices(("approve", "reject", "abstain"), (70, 20, 10))[0]
        given = {"elevator": vote}
        if vote == "approve":
            given["payment"] = rng.choice(PAYMENTS)
        if rng.random() < 0.1:
            given["remarks"] = "希望电梯装在北侧"
        for question_id, value in given.items():
            answers.append({"ballot_id": flat, "question_id": question_id, "value": encode(value)})
            if question_id != "remarks":
                choices.append(
                    {"ballot_id": flat, "question_id": question_id, "option_id": value, "rank": 0}
                )
    await _insert(session, Ballot, ballots)
    await _insert(session, Answer, answers)
    await _insert(session, AnswerChoice, choices)
    session.add_all(
        VoteInput(survey_id=survey.id, household_id=flat, kind=InputKind.OBJECTION)
        for flat in rng.sample(range(1, flats + 1), 3)
    )


async def _build(engine: AsyncEngine, flats: int) -> int:
    rng = random.Random(278)
    async with session_factory(engine)() as session, session.begin():
        await _register(session, flats, rng)
        compound_id = await session.scalar(select(Compound.id))
        assert compound_id is not None
        survey = await create_survey(
            session, compound_id, template_text("elevator"), Scope(ScopeKind.COMPOUND)
        )
        await open_survey(session, survey)
        await _votes(session, survey, flats, rng)
        return survey.id


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
        survey_id = await _build(engine, flats)
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))  # as autovacuum or PRAGMA optimize would
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


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        yield f"sqlite+aiosqlite:///{folder}/bench.db"


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    name = f"linli_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


DATABASES = {"sqlite": sqlite_database, "postgresql": postgres_database}


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
