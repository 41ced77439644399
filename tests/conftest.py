"""Shared fixtures: a clean, migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL tests use a database of their own, created next to LINLI_TEST_POSTGRES_URL's, so
that parallel runs never meet. Outside CI they are skipped when no server answers; with CI
set, an unreachable server fails the run."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.server import DEFAULT_BOT_USERNAME
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "LINLI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _admin(sql: str) -> None:
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"linli_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as error:  # asyncpg raises several unrelated types
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required in CI: {error}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "linli.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    asyncio.run(_execute(url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield url


async def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
def bot_username() -> str:
    """The bot the sandbox plays; a suite whose deep links name a bot overrides it."""
    return DEFAULT_BOT_USERNAME


@pytest.fixture
async def sandbox(bot_username: str) -> AsyncIterator[Sandbox]:
    async with Sandbox(bot_username=bot_username) as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    assert sandbox.url is not None
    async with SandboxClient(sandbox.url) as client:
        yield client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)
