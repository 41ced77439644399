"""PostgreSQL stopped and started again while the bot polls and residents keep writing: the
updates of the outage stay unconfirmed, and are handled once the database is back, with no one
restarting the bot.

The server is a throwaway cluster of this test's own (the machine's PostgreSQL is shared)."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Sandbox, SandboxClient
from storage.models import Membership
from storage.models import Resident as ResidentRow
from tests.bot.conftest import Codes, bot_settings, choose_role
from tests.bot.processes import FAST_OUTBOX, free_port
from tests.bot.surveying import open_vote, owners
from tests.conftest import _migrate

Sessions = async_sessionmaker[AsyncSession]
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@dataclass
class Cluster:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        """pg_ctl as the postgres user, which owns the cluster (the server refuses root)."""
        pg_ctl = str(Path(INITDB[-1]).with_name("pg_ctl"))
        command = ["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(self.directory / "data")]
        subprocess.run([*command, "-w", *args], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", options, "-l", str(self.directory / "server.log"), "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not INITDB:
        if os.environ.get("CI"):
            pytest.fail("initdb is required in CI (PostgreSQL server binaries)")
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    directory = Path(tempfile.mkdtemp(prefix="linli-pg-"))
    shutil.chown(directory, "postgres")
    cluster = Cluster(directory, free_port())
    try:
        initdb = ["runuser", "-u", "postgres", "--", INITDB[-1], "-D", str(directory / "data")]
        options = ["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        subprocess.run([*initdb, *options], check=True, capture_output=True)
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # the test stopped it
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database_url(cluster: Cluster) -> str:
    """This module's database: the throwaway cluster's, migrated."""
    asyncio.run(_migrate(cluster.url))
    return cluster.url


def _mentions(record: logging.LogRecord, text: str) -> bool:
    told = record.getMessage()
    if record.exc_info:
        told += logging.Formatter().formatException(record.exc_info)
    return text in told


async def _until_logged(
    caplog: pytest.LogCaptureFixture, logger: str, text: str, timeout: float = 30
) -> None:
    """Wait until `logger` (or a logger below it) has logged something mentioning `text`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(r.name.startswith(logger) and _mentions(r, text) for r in caplog.records):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{logger} logged nothing about {text!r} in {timeout} s")
        await asyncio.sleep(0.05)


async def _linked(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(ResidentRow.telegram_id).join(Membership)))


async def test_the_bot_rides_out_a_database_restart(
    cluster: Cluster,
    sandbox: Sandbox,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert sandbox.url is not None
    caplog.set_level(logging.WARNING, logger="bot")
    # Started here, not by a fixture, so that a background task dying fails the test itself.
    linli = await Linli.start(bot_settings(cluster.url, sandbox.url))
    async with linli.polling(FAST_OUTBOX):
        await _outage_and_recovery(cluster, client, codes, sessions, caplog)


async def _outage_and_recovery(
    cluster: Cluster,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    [before] = await owners(client, codes, ["1栋/1单元/101"])
    await client.settled()

    # A stopping server first ends its sessions and refuses new ones ("the database system is
    # shutting down"), a moment that a session of the test's own holds open here.
    holder = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="postgres")
    await asyncio.to_thread(cluster.pg_ctl, "-m", "smart", "-W", "stop")
    await holder.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    flats = ["1栋/1单元/102", "1栋/2单元/101", "2栋/1单元/101", "2栋/2单元/101"]
    during = [await client.resident(f"停机时{n}") for n in range(len(flats))]
    sent = [await during[0].scan(codes.flats[flats[0]])]
    await _until_logged(caplog, "bot.", "shutting down")
    # Then it is gone: connections are refused.
    await asyncio.to_thread(cluster.stop)
    await holder.close(timeout=1)
    for resident, flat in zip(during[1:], flats[1:], strict=True):
        sent.append(await resident.scan(codes.flats[flat]))
    await _until_logged(caplog, "bot.polling", "ConnectionRefusedError")
    listing = await client.updates()
    states = {u["update_id"]: u["state"] for u in listing["updates"]}
    assert [states[i] for i in sent] == ["pending"] * len(sent), "confirmed in the outage"

    await asyncio.to_thread(cluster.start)
    await client.settled(timeout=60)
    for resident in during:  # each scan asks how they live there; the answer links them
        assert "欢迎" in await choose_role(resident)
    assert await _linked(sessions) == {before.id, *(r.id for r in during)}
    # The polling loop and the outbox live on: a vote's notices reach everyone.
    await open_vote(sessions)
    for resident in [before, *during]:
        assert "正式表决已开始" in (await resident.next_message())["text"]
