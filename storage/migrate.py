"""Apply Alembic migrations and check that a database is at the newest revision.

The check runs at every start, so it does without Alembic (11.5 MB with Mako and Pygments,
resident for the life of the process): the database's revision is read from
``alembic_version`` with plain SQL, and the newest one from the files of the versions folder.
Alembic is imported only to upgrade or downgrade."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The assignments every revision file carries, e.g. `down_revision: str | None = "0006"`
# (script.py.mako writes them with repr(): single quotes).
_ASSIGNED = re.compile(
    r"""^(revision|down_revision)\b[^=\n]*=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE
)


class NotMigratedError(Exception):
    """The database schema is older (or newer) than this version of Linli."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command

    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    await _run(engine, command.downgrade, revision)


async def _run(engine: AsyncEngine, step: Any, revision: str) -> None:
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        step(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    if engine.dialect.name == "sqlite":
        await engine.dispose()  # the migrations turned foreign keys off on its connection


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The revision that no other revises, read from the versions folder's files."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_ASSIGNED.findall(path.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        if found.get("down_revision"):
            revised.add(found["down_revision"])
    heads = revisions - revised
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def _revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_revision_of)


async def ensure_current(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        state = "has no Linli tables yet" if current is None else f"is at revision {current}"
        raise NotMigratedError(
            f"The database {state}, but this version needs {head}: run `linli db upgrade`."
        )
