"""Two compounds, each with a committee, and people of 幸福里 with something to attack: a plain
resident, a pending claim, an open vote with a ballot, a contribution drive. Plus a snapshot of
the database, to show that a refused action changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.committee import add_member, compound_named
from storage.drives.queries import DriveTerms, create_drive
from storage.joining.register import import_register
from storage.models import Base, Membership, MembershipStatus
from storage.outbox.queue import REPLY_PRIORITY
from storage.surveys.queries import scope_named
from surveys.drives.cost_sharing import Plan
from tests.bot.conftest import (
    COMPOUND,
    Codes,
    bot_username,
    codes,
    committee,
    linli,
    settle,
    small_register,
)
from tests.bot.surveying import at_the_question, open_vote, owners

__all__ = ["bot_username", "codes", "committee", "linli", "world"]
Sessions = async_sessionmaker[AsyncSession]
OTHER = "安居苑"
NOT_COMMITTEE = "只有本小区的委员会成员可以进行此操作"
ME = ("Telegram 编号", "Telegram number")  # in /me's reply
# Rows that change without anyone's action, or only in a harmless way (last seen, language).
VOLATILE = {"processed_updates", "residents", "schedule_leases"}
ONLY = {"outbox_messages": "id, chat_id, text"}  # the dispatcher updates the rest as it sends
# A reply is recorded in the outbox like a notice, but tells; it changes nothing of anyone's.
WHERE = {"outbox_messages": f"WHERE priority != {REPLY_PRIORITY}"}


@dataclass
class World:
    resident: Resident  # owner of 1栋/1单元/101, nothing more
    outsider: Resident  # on the committee of 安居苑
    committee: Resident  # on the committee of 幸福里
    claimant: Resident  # waiting for 幸福里's committee to approve their claim
    claim_id: int
    compound_id: int
    survey_id: int  # an open vote of 幸福里 (2栋), answered by one flat
    drive_id: int  # a contribution drive of 幸福里
    other_survey_id: int  # an open vote of 安居苑


async def _claim(client: SandboxClient, codes: Codes) -> Resident:
    claimant = await client.resident("王大爷")
    await claimant.scan(codes.units["1栋/2单元"])
    await claimant.press("101")  # each press turns the question into the next
    await claimant.press("业主")
    await claimant.shown("已发送给社区委员会")
    await settle(claimant)
    return claimant


@pytest.fixture
async def world(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> World:
    outsider = await client.resident("赵主任")
    async with sessions() as session, session.begin():
        await import_register(session, OTHER, small_register())
        other = await compound_named(session, OTHER)
        other.quiet_hours = "off"
        await add_member(session, other, outsider.id)
        ours = await compound_named(session, COMPOUND)
        drive = await create_drive(
            session,
            ours.id,
            await scope_named(session, ours.id, None, None),
            DriveTerms(title="楼道粉刷", total_fen=240000, subsidy_fen=0, plan=Plan.EQUAL),
        )
    await outsider.send("/start")
    await outsider.next_message()
    resident, voter = await owners(client, codes, ["1栋/1单元/101", "2栋/1单元/101"])
    claimant = await _claim(client, codes)
    await committee.next_message()  # the claim's notice
    survey_id = await open_vote(sessions, "2栋")
    [question] = await at_the_question([voter])
    await voter.press("同意", question)
    await settle(voter)
    async with sessions() as session:
        claim_id = await session.scalar(
            select(Membership.id).where(Membership.status == MembershipStatus.PENDING)
        )
    assert claim_id is not None
    return World(
        resident,
        outsider,
        committee,
        claimant,
        claim_id,
        ours.id,
        survey_id,
        drive.id,
        await open_vote(sessions, compound=OTHER),
    )


async def snapshot(sessions: Sessions) -> dict[str, list[Any]]:
    """Every row of every table but the VOLATILE ones, and no reply."""
    rows = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in VOLATILE:
                columns = ONLY.get(table.name, "*")
                where = WHERE.get(table.name, "")
                query = text(f"SELECT {columns} FROM {table.name} {where} ORDER BY 1")
                rows[table.name] = [tuple(row) for row in await session.execute(query)]
    return rows


def _shown(message: dict[str, Any]) -> str:
    if "document" in message:
        return f"[{message['document'].get('file_name')}] {message.get('caption', '')}"
    return str(message.get("text") or message.get("caption") or "[photo]")


async def replies(resident: Resident, command: str | None) -> list[str]:
    """What the bot answers `command` with (None: what it still had to say): everything it
    sends before answering a /me sent right after (it handles one person's updates in order)."""
    if command is not None:
        await resident.send(command)
    await resident.send("/me")
    shown = []
    while True:
        latest = _shown(await resident.next_message())
        if any(me in latest for me in ME):
            return shown
        shown.append(latest)
