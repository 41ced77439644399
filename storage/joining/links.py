"""Linking residents to flats: directly with a flat code, or by a claim through a shared code
that a committee member approves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.joining.codes import usable_code, use_once
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


async def household_for_display(session: AsyncSession, household_id: int) -> Household:
    household = await session.scalar(
        select(Household)
        .where(Household.id == household_id)
        .options(joinedload(Household.unit).joinedload(Unit.building))
    )
    if household is None:
        raise Refused(Refusal.OUT_OF_SCOPE)
    return household


async def redeem_flat_code(session: AsyncSession, resident: Resident, code: JoinCode) -> Membership:
    """A flat code proves the flat: the resident is linked at once."""
    assert code.kind is CodeKind.FLAT and code.household_id is not None
    household = await household_for_display(session, code.household_id)
    if household.retired_at is not None:
        raise Refused(Refusal.RETIRED_FLAT)
    membership = await _membership(session, resident, household.id)
    if membership is not None and membership.status is MembershipStatus.ACTIVE:
        raise Refused(Refusal.ALREADY_MEMBER)
    await use_once(session, code)
    if membership is None:
        membership = Membership(resident_id=resident.id, household_id=household.id)
        session.add(membership)
    membership.role = code.role
    membership.status = MembershipStatus.ACTIVE
    membership.verified_by = Verification.FLAT_CODE
    membership.join_code_id = code.id
    membership.decided_at = utcnow()
    membership.household = household
    await session.flush()
    return membership


async def begin_shared_join(session: AsyncSession, resident: Resident, code: JoinCode) -> None:
    """Remember which shared code the resident scanned: the buttons that follow may only pick
    places inside its scope."""
    assert code.kind is not CodeKind.FLAT
    resident.scanned_code_id = code.id
    await session.flush()


async def _scanned_code(session: AsyncSession, resident: Resident) -> JoinCode:
    if resident.scanned_code_id is None:
        raise Refused(Refusal.NO_SHARED_CODE)
    return await usable_code(session, resident.scanned_code_id)


def _in_scope(code: JoinCode, compound_id: int, building_id: int, unit_id: int | None) -> bool:
    return (
        compound_id == code.compound_id
        and (code.building_id is None or code.building_id == building_id)
        and (code.unit_id is None or unit_id is None or code.unit_id == unit_id)
    )


async def buildings_in_scope(session: AsyncSession, resident: Resident) -> Sequence[Building]:
    code = await _scanned_code(session, resident)
    query = select(Building).where(Building.compound_id == code.compound_id)
    if code.building_id is not None:
        query = query.where(Building.id == code.building_id)
    return (await session.scalars(query.order_by(Building.name))).all()


async def units_in_scope(
    session: AsyncSession, resident: Resident, building_id: int
) -> Sequence[Unit]:
    code = await _scanned_code(session, resident)
    building = await session.get(Building, building_id)
    if building is None or not _in_scope(code, building.compound_id, building.id, None):
        raise Refused(Refusal.OUT_OF_SCOPE)
    query = select(Unit).where(Unit.building_id == building_id)
    if code.unit_id is not None:
        query = query.where(Unit.id == code.unit_id)
    return (await session.scalars(query.order_by(Unit.name))).all()


async def flats_in_scope(
    session: AsyncSession, resident: Resident, unit_id: int
) -> Sequence[Household]:
    code = await _scanned_code(session, resident)
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


async def claimable_flat(session: AsyncSession, resident: Resident, household_id: int) -> Household:
    """The flat a button names, if the scanned code covers it and it is still registered."""
    code = await _scanned_code(session, resident)
    household = await household_for_display(session, household_id)
    if not _in_scope(code, household.compound_id, household.building_id, household.unit_id):
        raise Refused(Refusal.OUT_OF_SCOPE)
    if household.retired_at is not None:
        raise Refused(Refusal.RETIRED_FLAT)
    return household


async def claim_flat(
    session: AsyncSession, resident: Resident, household_id: int, role: Role
) -> Membership:
    """A claim through a shared code: pending until a committee member decides."""
    household = await claimable_flat(session, resident, household_id)
    membership = await _membership(session, resident, household.id)
    if membership is not None and membership.status is MembershipStatus.ACTIVE:
        raise Refused(Refusal.ALREADY_MEMBER)
    if membership is not None and membership.status is MembershipStatus.PENDING:
        raise Refused(Refusal.ALREADY_CLAIMED)
    if membership is None:
        membership = Membership(resident_id=resident.id, household_id=household.id)
        session.add(membership)
    membership.role = role
    membership.status = MembershipStatus.PENDING
    membership.verified_by = Verification.COMMITTEE
    membership.join_code_id = resident.scanned_code_id
    membership.decided_by = None
    membership.decided_at = None
    membership.household = household
    membership.resident = resident
    resident.scanned_code_id = None
    await session.flush()
    return membership
