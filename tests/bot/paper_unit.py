"""A 12-flat unit (6 floors × 2 flats) of its own compound, with two committee members and
owners linked as the committee's approval would: for the paper ballot and proxy tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox import Resident, SandboxClient
from storage.committee import add_member, compound_named
from storage.joining.register import import_register
from storage.models import Household, Role
from surveys.joining.register import RegisterFlat
from tests.bot.surveying import link_to_flat

Sessions = async_sessionmaker[AsyncSession]
COMPOUND = "和平新村"
BUILDING, UNIT = "9栋", "1单元"
ROOMS = [f"{floor}0{flat}" for floor in range(1, 7) for flat in (1, 2)]


def area(room: str) -> Decimal:
    """60 m² + 5 per floor + the flat number: 101 is 66 m², 602 is 92 m²; 948 m² in all."""
    return Decimal(60 + 5 * int(room[0]) + int(room[-1]))


def flat(room: str) -> str:
    return f"{BUILDING}/{UNIT}/{room}"


@dataclass
class PaperUnit:
    households: dict[str, int]  # room → household id
    members: tuple[Resident, Resident]  # the committee: who enters, who confirms


async def paper_unit(client: SandboxClient, sessions: Sessions) -> PaperUnit:
    register = [
        RegisterFlat(BUILDING, UNIT, int(room[0]), room, area(room), f"o-{room}", False)
        for room in ROOMS
    ]
    members = (await client.resident("张委员"), await client.resident("王委员"))
    for member in members:
        await member.send("/start")
        await member.next_message()
    async with sessions() as session, session.begin():
        await import_register(session, COMPOUND, register)
        compound = await compound_named(session, COMPOUND)
        compound.quiet_hours = "off"
        for member in members:
            await add_member(session, compound, member.id)
        rows = await session.execute(
            select(Household.room, Household.id).where(Household.compound_id == compound.id)
        )
        households = {room: household_id for room, household_id in rows}
    return PaperUnit(households, members)


async def link_owners(
    client: SandboxClient, sessions: Sessions, unit: PaperUnit, rooms: Sequence[str]
) -> list[Resident]:
    """An owner per room, who has started the bot and is linked to the flat."""
    owners = []
    for room in rooms:
        owner = await client.resident(f"业主{room}")
        await owner.send("/start")
        await owner.next_message()
        await link_to_flat(sessions, owner, unit.households[room], Role.OWNER)
        owners.append(owner)
    return owners
