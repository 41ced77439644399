"""Shared by the benchmarks: a generated compound of any size, an elevator vote every flat of
it answered, owners linked to flats, and throw-away databases on SQLite and PostgreSQL.

Rows go in by bulk insert (storage.joining.register.import_register would take minutes at 50,000
flats): buildings of 6 units × 12 flats; 2% of the flats held by the developer, 4% owned in
pairs by one owner, about 75% with an owner number of their own and the rest with none."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import create_engine, session_factory
from storage.models import (
    Building,
    Compound,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Role,
    Unit,
    Verification,
    utcnow,
)
from storage.surveys.models import (
    Answer,
    AnswerChoice,
    Ballot,
    EligibleFlat,
    InputKind,
    ScopeKind,
    VoteInput,
)
from storage.surveys.queries import Scope, create_survey, open_survey
from surveys.voting.answer_codec import encode
from surveys.voting.templates import template_text

POSTGRES_URL = os.environ.get(
    "LINLI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
COMPOUND = "基准小区"
UNITS_PER_BUILDING = 6
FLATS_PER_UNIT = 12  # 6 floors × 2 flats
PAYMENTS = ("direct", "provident", "maintenance", "undecided")
BATCH = 10_000


async def insert_rows(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model), rows[start : start + BATCH])
    if rows and "id" in rows[0] and session.bind.dialect.name == "postgresql":
        # Explicit ids leave PostgreSQL's sequence behind: the bot's own inserts would collide.
        table = model.__table__.name
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


async def register(session: AsyncSession, flats: int, rng: random.Random) -> int:
    """The compound COMPOUND with ``flats`` flats, ids 1..flats; return the compound's id."""
    compound = Compound(name=COMPOUND)
    session.add(compound)
    await session.flush()
    per_building = UNITS_PER_BUILDING * FLATS_PER_UNIT
    buildings = -(-flats // per_building)
    await insert_rows(
        session,
        Building,
        [{"id": b, "compound_id": compound.id, "name": f"{b}栋"} for b in range(1, buildings + 1)],
    )
    await insert_rows(
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
    await insert_rows(session, Household, households)
    return compound.id


async def link_owners(session: AsyncSession, telegram_ids: Sequence[int]) -> None:
    """The i-th Telegram user becomes the confirmed owner of flat i + 1."""
    await insert_rows(
        session,
        Resident,
        [{"id": i, "telegram_id": t, "full_name": "住户"} for i, t in enumerate(telegram_ids, 1)],
    )
    await insert_rows(
        session,
        Membership,
        [
            {
                "resident_id": i,
                "household_id": i,
                "role": Role.OWNER,
                "status": MembershipStatus.ACTIVE,
                "verified_by": Verification.FLAT_CODE,
                "owner_confirmed": True,
            }
            for i in range(1, len(telegram_ids) + 1)
        ],
    )


async def _votes(session: AsyncSession, survey_id: int, flats: int, rng: random.Random) -> None:
    """Every flat answers the elevator vote, with one resident per flat: 70/20/10 approve,
    reject, abstain; approvers also say how they will pay; one flat in ten leaves a remark.
    Each ballot carries its flat's figures, as `storage.surveys.queries.ballot_for` copies
    them."""
    now = utcnow()
    e = EligibleFlat
    figures = await session.execute(
        select(e.household_id, e.unit_id, e.cents, e.head_id, e.shared).where(
            e.survey_id == survey_id
        )
    )
    copies = {row.household_id: row._asdict() for row in figures}
    await insert_rows(
        session,
        Resident,
        [{"id": flat, "telegram_id": 10_000_000 + flat} for flat in range(1, flats + 1)],
    )
    ballots, answers, choices = [], [], []
    for flat in range(1, flats + 1):
        ballots.append(
            {
                "id": flat,
                "survey_id": survey_id,
                "respondent": f"h:{flat}",
                **copies[flat],
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
    await insert_rows(session, Ballot, ballots)
    await insert_rows(session, Answer, answers)
    await insert_rows(session, AnswerChoice, choices)
    session.add_all(
        VoteInput(survey_id=survey_id, household_id=flat, kind=InputKind.OBJECTION)
        for flat in rng.sample(range(1, flats + 1), 3)
    )


async def answered_vote(engine: AsyncEngine, flats: int) -> int:
    """A compound of ``flats`` flats and an open elevator vote all of them answered (three
    written objections); return the survey's id. The planner's statistics are refreshed (and
    PostgreSQL's tables vacuumed), as autovacuum or PRAGMA optimize would."""
    rng = random.Random(278)
    async with session_factory(engine)() as session, session.begin():
        compound_id = await register(session, flats, rng)
        survey = await create_survey(
            session, compound_id, template_text("elevator"), Scope(ScopeKind.COMPOUND)
        )
        await open_survey(session, survey)
        await _votes(session, survey.id, flats, rng)
        survey_id = survey.id
    # VACUUM too on PostgreSQL, as autovacuum would: index-only scans need the visibility map.
    refresh = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(refresh))
    return survey_id


async def compound_id(session: AsyncSession) -> int:
    found = await session.scalar(select(Compound.id).where(Compound.name == COMPOUND))
    assert found is not None
    return found


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        yield f"sqlite+aiosqlite:///{folder}/bench.db"


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A database of its own next to POSTGRES_URL, dropped afterwards."""
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


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """--database-url, which `database` takes."""
    parser.add_argument(
        "--database-url",
        help="an empty database, or sqlite / postgresql for a temporary one (default: sqlite)",
    )


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """``url`` as given (an empty database the caller provides); "sqlite" or "postgresql" (or
    None: SQLite) for a temporary one."""
    if url is not None and url not in DATABASES:
        yield url
        return
    async with DATABASES[url or "sqlite"]() as temporary:
        yield temporary
