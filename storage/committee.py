"""Committee members of a compound, and the member who answers for a flat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CommitteeMember,
    Compound,
    Membership,
    MembershipStatus,
    Resident,
)
from storage.refusals import NotFound


async def compound_named(session: AsyncSession, name: str) -> Compound:
    compound = await session.scalar(select(Compound).where(Compound.name == name))
    if compound is None:
        raise NotFound(
            "no compound is named {name!r}; import its household register first", name=name
        )
    return compound


async def add_member(session: AsyncSession, compound: Compound, telegram_id: int) -> bool:
    """Grant the committee role; False when the person already has it."""
    if telegram_id in await member_ids(session, compound.id):
        return False
    session.add(CommitteeMember(compound_id=compound.id, telegram_id=telegram_id))
    await session.flush()
    return True


async def remove_member(session: AsyncSession, compound: Compound, telegram_id: int) -> bool:
    result = await session.execute(
        delete(CommitteeMember).where(
            CommitteeMember.compound_id == compound.id, CommitteeMember.telegram_id == telegram_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def member_ids(session: AsyncSession, compound_id: int) -> list[int]:
    result = await session.scalars(
        select(CommitteeMember.telegram_id)
        .where(CommitteeMember.compound_id == compound_id)
        .order_by(CommitteeMember.id)
    )
    return list(result)


async def all_members(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """(Telegram id, compound name) of every committee member."""
    result = await session.execute(
        select(CommitteeMember.telegram_id, Compound.name)
        .join(Compound)
        .order_by(Compound.name, CommitteeMember.id)
    )
    return [(row[0], row[1]) for row in result]


async def member_languages(session: AsyncSession) -> Sequence[tuple[int, str | None]]:
    """(Telegram id, chosen language) of every committee member, for their command menus."""
    result = await session.execute(
        select(CommitteeMember.telegram_id, Resident.language)
        .outerjoin(Resident, Resident.telegram_id == CommitteeMember.telegram_id)
        .distinct()
    )
    return [(row[0], row[1]) for row in result]


@dataclass(frozen=True)
class Member:
    telegram_id: int
    language: str | None
    name: str | None


async def committee_of(session: AsyncSession, compound_id: int) -> list[Member]:
    """The compound's committee members with their language and name, to notify and assign."""
    rows = await session.execute(
        select(CommitteeMember.telegram_id, Resident.language, Resident.full_name)
        .outerjoin(Resident, Resident.telegram_id == CommitteeMember.telegram_id)
        .where(CommitteeMember.compound_id == compound_id)
        .order_by(CommitteeMember.id)
    )
    return [Member(*row) for row in rows.all()]


async def compounds_of(session: AsyncSession, telegram_id: int) -> list[int]:
    result = await session.scalars(
        select(CommitteeMember.compound_id).where(CommitteeMember.telegram_id == telegram_id)
    )
    return list(result)


async def designate_respondent(
    session: AsyncSession, household_id: int, telegram_id: int
) -> Membership:
    """Make a confirmed member answer for their flat in per-flat surveys and votes, instead
    of its earliest member. A vote still takes only confirmed owners: designated or not, it
    is the flat's first confirmed owner who votes."""
    member = await session.scalar(
        select(Membership)
        .join(Resident, Resident.id == Membership.resident_id)
        .where(
            Membership.household_id == household_id,
            Resident.telegram_id == telegram_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if member is None:
        raise LookupError(f"{telegram_id} is not a confirmed member of this flat")
    others = await session.scalars(
        select(Membership).where(
            Membership.household_id == household_id, Membership.id != member.id
        )
    )
    for other in others:
        other.answers_for_flat = False
    member.answers_for_flat = True
    await session.flush()
    return member
