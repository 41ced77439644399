"""Linking residents to flats: directly with a flat code, or by a claim through a shared code
that a committee member approves. Either way the resident says how they live there (owner,
family member, tenant); an owner linked by a plain flat code waits for the committee to
confirm the ownership (storage.joining.decisions).

The code being used is the caller's to remember (the chat keeps it in the conversation
state); every step checks it again, since it may have been withdrawn or used up meanwhile,
and checks that the place a button names lies inside it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.joining.codes import use_once
from storage.models import (
    Building,
    CodeKind,
    Household,
    JoinCode,
    Membership,
    MembershipStatus,
    Resident,
    Role,
    Unit,
    Verification,
    utcnow,
)
from storage.refusals import Refusal, Refused


async def _membership(
    session: AsyncSession, resident: Resident, household_id: int
) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.resident_id == resident.id, Membership.household_id == household_id
        )
    )


async def _household(session: AsyncSession, household_id: int) -> Household:
    household = await session.scalar(
        select(Household)
        .where(Household.id == household_id)
        .options(joinedload(Household.unit).joinedload(Unit.building))
    )
    if household is None:
        raise Refused(Refusal.OUT_OF_SCOPE)
    return household


def _in_scope(code: JoinCode, compound_id: int, building_id: int, unit_id: int | None) -> bool:
    return (
        compound_id == code.compound_id
        and (code.building_id is None or code.building_id == building_id)
        and (code.unit_id is None or unit_id is None or code.unit_id == unit_id)
    )


async def buildings_in_scope(session: AsyncSession, code: JoinCode) -> Sequence[Building]:
    query = select(Building).where(Building.compound_id == code.compound_id)
    if code.building_id is not None:
        query = query.where(Building.id == code.building_id)
    return (await session.scalars(query.order_by(Building.name))).all()


async def units_in_scope(session: AsyncSession, code: JoinCode, building_id: int) -> Sequence[Unit]:
    building = await session.get(Building, building_id)
    if building is None or not _in_scope(code, building.compound_id, building.id, None):
        raise Refused(Refusal.OUT_OF_SCOPE)
    query = select(Unit).where(Unit.building_id == building_id)
    if code.unit_id is not None:
        query = query.where(Unit.id == code.unit_id)
    return (await session.scalars(query.order_by(Unit.name))).all()


async def flats_in_scope(
    session: AsyncSession, code: JoinCode, unit_id: int
) -> Sequence[Household]:
    unit = await session.scalar(
        select(Unit).where(Unit.id == unit_id).options(joinedload(Unit.building))
    )
    if unit is None or not _in_scope(code, unit.building.compound_id, unit.building_id, unit.id):
        raise Refused(Refusal.OUT_OF_SCOPE)
    query = (
        select(Household)
        .where(Household.unit_id == unit_id, Household.retired_at.is_(None))
        .order_by(Household.floor, Household.room)
    )
    return (await session.scalars(query)).all()


async def _joinable(
    session: AsyncSession, resident: Resident, code: JoinCode, household_id: int
) -> tuple[Household, Membership | None]:
    household = await _household(session, household_id)
    covered = (
        household.id == code.household_id
        if code.kind is CodeKind.FLAT
        else _in_scope(code, household.compound_id, household.building_id, household.unit_id)
    )
    if not covered:
        raise Refused(Refusal.OUT_OF_SCOPE)
    if household.retired_at is not None:
        raise Refused(Refusal.RETIRED_FLAT)
    membership = await _membership(session, resident, household.id)
    if membership is not None and membership.status is MembershipStatus.ACTIVE:
        raise Refused(Refusal.ALREADY_MEMBER)
    if (
        membership is not None
        and membership.status is MembershipStatus.PENDING
        and code.kind is not CodeKind.FLAT
    ):
        raise Refused(Refusal.ALREADY_CLAIMED)
    return household, membership


async def joinable_flat(
    session: AsyncSession, resident: Resident, code: JoinCode, household_id: int
) -> Household:
    """The flat a button names, if the code covers it (a flat code covers its own flat
    only), it is still registered, and the resident is not linked to it yet (nor waiting for
    it, through a shared code: a flat code links a waiting claimant at once)."""
    household, _ = await _joinable(session, resident, code, household_id)
    return household


async def join_flat(
    session: AsyncSession, resident: Resident, code: JoinCode, household_id: int, role: Role
) -> Membership:
    """Link the resident to the flat in the role they chose. A flat code proves the flat: the
    link is made at once, counting one use of the code; the ownership is confirmed only by a
    code handed to the owner in person. A shared code makes a claim, pending until a
    committee member decides it."""
    household, membership = await _joinable(session, resident, code, household_id)
    if code.kind is CodeKind.FLAT:
        await use_once(session, code)
    if membership is None:
        membership = Membership(resident_id=resident.id, household_id=household.id)
        session.add(membership)
    membership.role = role
    membership.join_code_id = code.id
    membership.decided_by = None
    if code.kind is CodeKind.FLAT:
        membership.status = MembershipStatus.ACTIVE
        membership.verified_by = Verification.FLAT_CODE
        membership.owner_confirmed = role is Role.OWNER and code.owner_verified
        membership.decided_at = utcnow()
    else:
        membership.status = MembershipStatus.PENDING
        membership.verified_by = Verification.COMMITTEE
        membership.owner_confirmed = False
        membership.decided_at = None
    membership.household = household
    membership.resident = resident
    await session.flush()
    return membership
