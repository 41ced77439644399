"""`linli db`: the database schema."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.common import friendly, main, on_engine, run, settings
from storage import migrate


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Create or update the tables (safe to run again)."""

    async def upgrade(engine: AsyncEngine) -> str | None:
        await migrate.upgrade(engine)
        return await migrate.current_revision(engine)

    click.echo(f"Database is at revision {run(on_engine(settings(), upgrade, creating=True))}.")


@db.command("current")
@friendly
def db_current() -> None:
    """Show the schema revision of the database."""

    current = run(on_engine(settings(), migrate.current_revision))
    click.echo(f"current: {current or 'none'}; this version needs: {migrate.head_revision()}")
