"""The outbox over the sandbox: recipients who have started the bot, a dispatcher with short
leases, timeouts and backoffs so that the suite stays quick, and ways to wait for it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal

import pytest
from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_bot
from bot.outbox_dispatcher import DispatchPolicy, OutboxDispatcher
from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.client import WAIT, until
from bot.sandbox.residents import say, text_content
from storage.joining.register import import_register
from storage.models import (
    Household,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxState,
    Resident,
    Role,
    Verification,
)
from storage.outbox.queue import REPLY_PRIORITY, Outgoing, enqueue_many, open_broadcast
from surveys.joining.register import RegisterFlat

Sessions = async_sessionmaker[AsyncSession]
BOT_TOKEN = "123456:outbox-test-token"
# Quick enough for tests, but requests time out only after 10 s (a quarter of the lease, as in
# production): a busy machine answers late, and a send that timed out but went through is sent
# twice. Five seconds were not enough with several suites on two cores.
FAST = DispatchPolicy(
    rate=1000, chat_interval=0.05, lease=40.0, first_backoff=0.05, max_backoff=0.2, idle_poll=0.05
)
# For the tests of timeouts: requests time out after 2 s.
TIMING_OUT = dataclasses.replace(FAST, lease=8.0)


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    assert sandbox.url is not None
    bot = build_bot(BOT_TOKEN, sandbox.url)
    yield bot
    await bot.session.close()


def started_chats(sandbox: Sandbox, count: int) -> list[int]:
    """`count` residents who each sent /start, which the bot has read, so that it may write to
    them. Made in the sandbox's memory: thousands of them over HTTP would slow the tests."""
    world, chats = sandbox.world, []
    for n in range(count):
        user = world.add_user(f"住户{n}")
        say(world, user, text_content("/start"))
        chats.append(user.id)
    world.settle(world.pending_updates())
    return chats


def received(sandbox: Sandbox, chat_id: int) -> list[str]:
    """The texts the bot sent to the chat, in order."""
    return [m.content["text"] for m in sandbox.world.bot_messages(chat_id)]


async def broadcast(
    sessions: Sessions, chats: Sequence[int], text: str = "停水通知 {chat}", key: str | None = None
) -> int:
    """Enqueue one broadcast to `chats`; each text names its chat so that a duplicate shows."""
    async with sessions() as session, session.begin():
        broadcast_id = await open_broadcast(session, "announcement", key=key)
        await enqueue_many(
            session,
            [Outgoing(chat, text.format(chat=chat)) for chat in chats],
            broadcast_id=broadcast_id,
        )
    return broadcast_id


async def states(sessions: Sessions, *, notices: bool = False) -> Counter[OutboxState]:
    """The count of rows by state; `notices`: only those not replying to what someone did in
    the chat (replies are outbox rows too)."""
    query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if notices:
        query = query.where(OutboxMessage.priority < REPLY_PRIORITY)
    async with sessions() as session:
        return Counter({state: count for state, count in await session.execute(query)})


async def until_done(
    sessions: Sessions, timeout: float = WAIT, *, notices: bool = False
) -> Counter[OutboxState]:
    """Wait until no row is pending or being sent; return the count of rows (of notices
    only, with `notices`) by state."""
    counts: Counter[OutboxState] = Counter()

    async def done() -> bool:
        nonlocal counts
        counts = await states(sessions)
        return not counts[OutboxState.PENDING] + counts[OutboxState.SENDING]

    await until(done, f"the outbox is not done after {timeout} s", timeout)
    return await states(sessions, notices=True) if notices else counts


async def until_sent(client: SandboxClient, count: int, timeout: float = WAIT) -> None:
    """Wait until the sandbox has accepted `count` messages."""

    async def sent() -> bool:
        return (await client.stats())["sent"] >= count

    await until(sent, f"fewer than {count} messages sent after {timeout} s", timeout)


@contextlib.asynccontextmanager
async def dispatching(
    bot: Bot, sessions: Sessions, policy: DispatchPolicy = FAST
) -> AsyncIterator[OutboxDispatcher]:
    """A dispatcher running in the background, stopped (cleanly) on leaving."""
    dispatcher = OutboxDispatcher(bot, sessions, policy)
    running = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def link_owner(session: AsyncSession, telegram_id: int, household_id: int) -> None:
    """A resident who joined with the flat's own code, as its confirmed owner."""
    resident = Resident(telegram_id=telegram_id, full_name=str(telegram_id))
    session.add(resident)
    await session.flush()
    session.add(
        Membership(
            resident_id=resident.id,
            household_id=household_id,
            role=Role.OWNER,
            status=MembershipStatus.ACTIVE,
            verified_by=Verification.FLAT_CODE,
            owner_confirmed=True,
        )
    )


async def residents_of_a_compound(sessions: Sessions, chats: list[int]) -> int:
    """Link each chat's resident to a flat of a new compound; return the compound's id."""
    flats = [
        RegisterFlat(
            building="1栋",
            unit="1单元",
            floor=1,
            room=f"10{n}",
            area=Decimal("70.00"),
            owner_key=None,
            developer_held=False,
        )
        for n in range(len(chats))
    ]
    async with sessions() as session, session.begin():
        await import_register(session, "幸福里", flats)
        flat_ids = list(await session.scalars(select(Household.id).order_by(Household.id)))
        for chat, flat_id in zip(chats, flat_ids, strict=True):
            await link_owner(session, chat, flat_id)
        compound_id = await session.scalar(select(Household.compound_id).limit(1))
    assert compound_id is not None
    return compound_id
