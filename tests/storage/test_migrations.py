"""The migration stairway: every revision upgrades and downgrades cleanly on both backends."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate


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


async def test_unmigrated_database_says_what_to_run(engine: AsyncEngine) -> None:
    await migrate.downgrade(engine, "base")
    try:
        with pytest.raises(migrate.NotMigratedError, match="run `linli db upgrade`"):
            await migrate.ensure_current(engine)
    finally:
        await migrate.upgrade(engine)  # the PostgreSQL database is shared with later tests
