"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    if make_url(url).get_backend_name() == "sqlite":
        # SQLite has one writer: a single pooled connection makes concurrent handlers queue
        # for it instead of failing with "database is locked".
        engine = create_async_engine(
            url, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True, **options
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # hide_parameters: SQL echo and database errors (logged with tracebacks) show the
    # statement without its values, which are residents' names, phones and texts.
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT in the session's dialect, for its ON CONFLICT clauses (which PostgreSQL and
    SQLite spell alike). The dialect's module is the one the engine loaded: importing the
    other would add 1-2 MB to every process for nothing."""
    name = session.get_bind().dialect.name  # "postgresql" or "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{name}").insert(table)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
