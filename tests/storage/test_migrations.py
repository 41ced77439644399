"""The migration stairway: every revision upgrades and downgrades cleanly on both backends;
and what a migration fills in for the data already there."""

import json
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.models import Base, utcnow


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_stairway(engine: AsyncEngine) -> None:
    await migrate.downgrade(engine, "base")
    for revision in _revisions():
        previous = await migrate.current_revision(engine)
        await migrate.upgrade(engine, revision)
        await migrate.downgrade(engine, previous or "base")
        await migrate.upgrade(engine, revision)
        assert await migrate.current_revision(engine) == revision


async def test_sqlite_enforces_foreign_keys_again_after_a_migration(engine: AsyncEngine) -> None:
    # The migrations turn them off to copy tables that others refer to.
    await migrate.downgrade(engine, "0009")
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        enforced = await connection.scalar(
            text("SELECT 1") if engine.dialect.name != "sqlite" else text("PRAGMA foreign_keys")
        )
    assert enforced == 1


def test_the_head_revision_is_read_from_the_files_as_alembic_reads_it() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.head_revision() == script.get_current_head()


# A process that starts as `linli run` does: the app, the schema check, a query.
STARTED = """
import asyncio, json, sys
import bot.app, bot.cli
from sqlalchemy import text
from storage.db import create_engine
from storage.migrate import ensure_current

async def start(url):
    engine = create_engine(url)
    await ensure_current(engine)
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    await engine.dispose()

asyncio.run(start(sys.argv[1]))
print(json.dumps([name for name in ("alembic", "asyncpg", "aiosqlite") if name in sys.modules]))
"""


def test_a_started_process_loads_its_own_driver_and_not_alembic(database_url: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", STARTED, database_url], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    own = "aiosqlite" if database_url.startswith("sqlite") else "asyncpg"
    assert json.loads(run.stdout) == [own]


async def test_unmigrated_database_says_what_to_run(engine: AsyncEngine) -> None:
    await migrate.downgrade(engine, "base")
    try:
        with pytest.raises(migrate.NotMigratedError, match="run `linli db upgrade`"):
            await migrate.ensure_current(engine)
    finally:
        await migrate.upgrade(engine)  # the PostgreSQL database is shared with later tests


OPENED_BEFORE_0008 = """
INSERT INTO compounds (id, name, created_at) VALUES (1, '幸福里', :now);
INSERT INTO buildings (id, compound_id, name) VALUES (1, 1, '1栋');
INSERT INTO units (id, building_id, name) VALUES (1, 1, '1单元'), (2, 1, '2单元');
INSERT INTO households (id, compound_id, building_id, unit_id, floor, room, area, developer_held)
    VALUES (11, 1, 1, 1, 1, '101', 89.37, false), (12, 1, 1, 1, 1, '102', 0.01, false),
           (13, 1, 1, 2, 1, '101', 75.30, true), (14, 1, 1, 2, 1, '102', 60.00, false);
INSERT INTO surveys (id, compound_id, definition, title, scope_kind, status, created_at)
    VALUES (1, 1, '', 'vote', 'compound', 'closed', :now),
           (2, 1, '', 'draft', 'compound', 'draft', :now);
INSERT INTO eligible_flats (survey_id, household_id, building_id, unit_id, area, head) VALUES
    (1, 11, 1, 1, 89.37, 'o:王'), (1, 12, 1, 1, 0.01, 'o:王'), (1, 13, 1, 2, 75.30, 'd'),
    (1, 14, 1, 2, 60.00, 'f:14');
INSERT INTO residents (id, telegram_id, full_name, created_at) VALUES (1, 100, '', :now);
INSERT INTO ballots (id, survey_id, respondent, household_id, resident_id, updated_at) VALUES
    (1, 1, 'h:12', 12, 1, :now), (2, 1, 'r:1', NULL, 1, :now);
"""


async def test_the_figures_fixed_at_opening_are_filled_in_for_surveys_opened_before(
    engine: AsyncEngine,
) -> None:
    await migrate.downgrade(engine, "0007")
    try:
        async with engine.begin() as connection:
            for statement in filter(str.strip, OPENED_BEFORE_0008.split(";")):
                await connection.execute(text(statement), {"now": utcnow()})
        await migrate.upgrade(engine, "0008")
        async with engine.connect() as connection:
            flats = await connection.execute(
                text(
                    "SELECT household_id, cents, head_id, shared FROM eligible_flats "
                    "ORDER BY household_id"
                )
            )
            assert [tuple(row) for row in flats] == [
                (11, 8937, 11, True),
                (12, 1, 11, True),
                (13, 7530, 13, False),
                (14, 6000, 14, False),
            ]
            surveys = await connection.execute(
                text("SELECT scope_flats, scope_cents, scope_heads FROM surveys ORDER BY id")
            )
            assert [tuple(row) for row in surveys] == [(4, 22468, 3), (None, None, None)]
            ballots = await connection.execute(
                text("SELECT unit_id, cents, head_id, shared FROM ballots ORDER BY id")
            )
            assert [tuple(row) for row in ballots] == [(1, 1, 11, True), (None,) * 4]
            units = await connection.execute(
                text("SELECT survey_id, unit_id, flats FROM scope_units ORDER BY unit_id")
            )
            assert [tuple(row) for row in units] == [(1, 1, 2), (1, 2, 2)]
    finally:
        await migrate.upgrade(engine)
        async with engine.begin() as connection:  # the PostgreSQL database is shared
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
