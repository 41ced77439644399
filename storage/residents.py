"""Residents (Telegram users) and their links to flats."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.fsm.storage.base import DEFAULT_DESTINY
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from storage.conversations.fsm import prime
from storage.conversations.models import ConversationState
from storage.models import Building, Household, Membership, MembershipStatus, Resident, Role, Unit
from storage.refusals import NotFound
from surveys.text import printable


async def resident_for(session: AsyncSession, telegram_id: int, full_name: str) -> Resident:
    """The resident behind a Telegram user, created on first contact. The name is what they
    typed into Telegram's profile: kept printable, for the exports that list it."""
    full_name = printable(full_name)[:200]
    resident = await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
    if resident is None:
        resident = Resident(telegram_id=telegram_id, full_name=full_name)
        session.add(resident)
        await session.flush()
    elif resident.full_name != full_name:
        resident.full_name = full_name
    return resident


async def resident_in_update(
    session: AsyncSession, telegram_id: int, full_name: str, *, bot_id: int, chat_id: int
) -> Resident:
    """The resident behind an update, with their conversation state in the same query (the
    FSM storage then reads it from the session, not the database)."""
    state = aliased(ConversationState)
    found = (
        await session.execute(
            select(Resident, state)
            .outerjoin(
                state,
                and_(
                    state.bot_id == bot_id,
                    state.chat_id == chat_id,
                    state.user_id == Resident.telegram_id,
                    state.destiny == DEFAULT_DESTINY,
                ),
            )
            .where(Resident.telegram_id == telegram_id)
        )
    ).first()
    prime(session, (bot_id, chat_id, telegram_id, DEFAULT_DESTINY), found and found[1])
    if found is None:
        resident = Resident(telegram_id=telegram_id, full_name=full_name[:200])
        session.add(resident)
        await session.flush()
        return resident
    resident = found[0]
    if resident.full_name != full_name[:200]:
        resident.full_name = full_name[:200]
    return resident


async def memberships_of(session: AsyncSession, resident: Resident) -> Sequence[Membership]:
    """The resident's links to flats, with each flat's unit and building loaded for display."""
    result = await session.scalars(
        select(Membership)
        .where(Membership.resident_id == resident.id)
        .options(
            joinedload(Membership.household).joinedload(Household.unit).joinedload(Unit.building)
        )
        .order_by(Membership.id)
    )
    return result.all()


def is_confirmed_owner(membership: Membership) -> bool:
    """A linked owner whose ownership is confirmed: by the committee (approving the claim,
    or in /pending), or by scanning a flat code handed to the owner in person. Only these
    should take part in formal votes; an owner linked by a plain flat code may be a tenant
    who was handed the landlord's slip."""
    return (
        membership.status is MembershipStatus.ACTIVE
        and membership.role is Role.OWNER
        and membership.owner_confirmed
    )


def confirmed_owner() -> ColumnElement[bool]:
    """`is_confirmed_owner` as a condition on Membership, for queries."""
    return and_(
        Membership.status == MembershipStatus.ACTIVE,
        Membership.role == Role.OWNER,
        Membership.owner_confirmed.is_(True),
    )


async def flats_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Household]:
    """Flats with their unit and building loaded, for labels."""
    if not ids:
        return {}
    result = await session.scalars(
        select(Household)
        .where(Household.id.in_(set(ids)))
        .options(joinedload(Household.unit).joinedload(Unit.building))
    )
    return {flat.id: flat for flat in result}


async def flat_named(session: AsyncSession, compound_id: int, name: str) -> Household:
    """A flat as the committee writes it: "3栋/2单元/501"."""
    parts = [part.strip() for part in name.replace("／", "/").split("/")]
    if len(parts) != 3:
        raise NotFound("{name!r} should read BUILDING/UNIT/ROOM, e.g. 3栋/2单元/501", name=name)
    flat = await session.scalar(
        select(Household)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Household.compound_id == compound_id,
            Building.name == parts[0],
            Unit.name == parts[1],
            Household.room == parts[2],
        )
    )
    if flat is None:
        raise NotFound("there is no flat {name} in this compound", name=name)
    return flat


async def known_resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    """The resident behind a Telegram user who has talked to the bot, or None."""
    return await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
