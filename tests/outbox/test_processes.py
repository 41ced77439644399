"""`linli dispatch` as separate processes on one database: two of them send each message once,
and one killed with SIGKILL mid-broadcast and started again completes it, duplicating at most
the sends it had in flight (the window bot.outbox_dispatcher documents)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.client import until
from storage.models import OutboxMessage, OutboxState
from tests.bot.processes import STARTING, terminated, until_faulted
from tests.outbox.conftest import (
    BOT_TOKEN,
    Sessions,
    broadcast,
    received,
    started_chats,
    until_done,
    until_sent,
)


@asynccontextmanager
async def dispatcher_process(
    database_url: str, sandbox: Sandbox, log: Path, rate: int, lease: float
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`linli dispatch` in a process of its own, stopped with SIGTERM unless already dead. Its
    requests time out after a quarter of the `lease`."""
    assert sandbox.url is not None
    environment = {
        **os.environ,
        "LINLI_BOT_TOKEN": BOT_TOKEN,
        "LINLI_API_URL": sandbox.url,
        "LINLI_DATABASE_URL": database_url,
        "LINLI_SEND_RATE": str(rate),
    }
    with log.open("a") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "dispatch", "--lease", str(lease),
            env=environment, stderr=errors,
        )  # fmt: skip
    async with terminated(process):
        yield process


async def _both_sending(sessions: Sessions) -> bool:
    return await _senders(sessions) == 2


async def _senders(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count(func.distinct(OutboxMessage.claimed_by)))) or 0
        )


# Several instances share PostgreSQL; SQLite is for a single instance.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_dispatchers_send_each_message_once(
    database_url: str, sandbox: Sandbox, client: SandboxClient, sessions: Sessions, tmp_path: Path
) -> None:
    chats = started_chats(sandbox, 3000)
    await broadcast(sessions, chats)

    log = tmp_path / "dispatchers.log"
    # Until both dispatchers have claimed rows, every answer takes a second: the first to start
    # sends 16 messages a second at most, so it cannot finish alone however slowly the other
    # starts. A second is well within the request timeout (a quarter of the lease), and the
    # lease is long enough that no send times out on a busy machine: a send that times out
    # may have gone through, and its retry would be a duplicate (the documented window).
    await client.set_latency(1)
    async with (
        dispatcher_process(database_url, sandbox, log, rate=1000, lease=20),
        dispatcher_process(database_url, sandbox, log, rate=1000, lease=20),
    ):
        await until(
            lambda: _both_sending(sessions), "the second dispatcher claimed nothing", STARTING
        )
        await client.set_latency(0)
        counts = await until_done(sessions, timeout=90)

    assert counts == {OutboxState.SENT: 3000}, log.read_text()
    stats = await client.stats()
    assert (stats["sent"], stats["duplicates"]) == (3000, 0), stats
    assert all(len(received(sandbox, chat)) == 1 for chat in chats)
    assert await _senders(sessions) == 2, "one dispatcher sent everything"


async def test_a_dispatcher_killed_mid_broadcast_completes_it_on_restart(
    database_url: str, sandbox: Sandbox, client: SandboxClient, sessions: Sessions, tmp_path: Path
) -> None:
    chats = started_chats(sandbox, 600)
    await broadcast(sessions, chats)

    log = tmp_path / "dispatcher.log"
    # A short lease, so that the rows the killed dispatcher held come back soon; its requests
    # time out after 2 s (a send that timed out but went through is a duplicate too).
    async with dispatcher_process(database_url, sandbox, log, rate=300, lease=8) as doomed:
        await until_sent(client, 150, STARTING)
        # From here every send hangs, so the kill lands mid-broadcast however fast the
        # dispatcher is; what it may duplicate is what Telegram had accepted and it had not
        # yet recorded. (A delay instead would also land sends after their request timed out
        # on a busy machine, each then sent again.)
        await client.add_fault("hang", count=None, delay=0.5)
        await until_faulted(client, 1)
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
    await client.clear_faults()
    await client.answered()
    sent_before = (await client.stats())["sent"]
    assert 150 <= sent_before < 600, "the kill did not land mid-broadcast"

    async with dispatcher_process(database_url, sandbox, log, rate=300, lease=8):
        counts = await until_done(sessions, timeout=STARTING)

    assert counts == {OutboxState.SENT: 600}, log.read_text()
    assert all(received(sandbox, chat) for chat in chats)
    stats = await client.stats()
    assert stats["duplicates"] <= DispatchPolicy().concurrency, stats
    assert stats["sent"] == 600 + stats["duplicates"]
