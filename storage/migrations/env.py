"""Alembic environment: runs on the connection handed over by storage.migrate, or, from the
alembic command line, on LINLI_DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.models import Base

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Copying a table that others refer to drops the original, which SQLite refuses while
        # it enforces foreign keys; the switch works only before the transaction writes, so
        # it comes first, and the keys are checked as a whole at the end instead.
        # storage.migrate disposes of this connection afterwards, so no other work runs on it
        # with the keys off.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
            raise RuntimeError("the migration left rows that refer to missing ones")


async def run_from_url(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    from bot.settings import load_settings

    asyncio.run(run_from_url(load_settings().database_url))
