"""Contribution drives in the database: creating one (fixing each flat's share from the
register), opening and closing it, pledges with their history, payments, and the figures the
chat and the ledger show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.drives.models import (
    Drive,
    DriveShare,
    DriveStatus,
    Payment,
    PayMethod,
    Pledge,
    PledgeAction,
    PledgeEvent,
    PledgeKind,
)
from storage.models import (
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Role,
    utcnow,
)
from storage.refusals import Refusal, Refused
from storage.surveys.models import Survey
from storage.surveys.queries import Scope
from surveys.drives.cost_sharing import (
    PayingFlat,
    Plan,
    SharingError,
    parse_floor_factors,
    share_costs,
)
from surveys.text import printable


@dataclass(frozen=True)
class DriveTerms:
    """What the committee sets when it creates a drive."""

    title: str
    total_fen: int
    subsidy_fen: int
    plan: Plan
    floor_factors: str | None = None  # "3=10,4=20": percentages or coefficients by plan
    survey_id: int | None = None
    closes_at: datetime | None = None
    reminder_days: int | None = None
    pledgers: frozenset[Role] = frozenset({Role.OWNER})  # who pledges for a flat


async def create_drive(
    session: AsyncSession, compound_id: int, scope: Scope, terms: DriveTerms
) -> Drive:
    """A draft drive with every flat's share of the residents' part, in exact fen.
    Raises SharingError or LookupError naming what is wrong."""
    if not 0 <= terms.subsidy_fen <= terms.total_fen:
        raise SharingError("the subsidy must lie between 0 and the total cost")
    if terms.survey_id is not None:
        survey = await session.get(Survey, terms.survey_id)
        if survey is None or survey.compound_id != compound_id:
            raise LookupError(f"there is no survey #{terms.survey_id} in this compound")
    query = select(Household).where(
        Household.compound_id == compound_id, Household.retired_at.is_(None)
    )
    if scope.building_id is not None:
        query = query.where(Household.building_id == scope.building_id)
    if scope.unit_id is not None:
        query = query.where(Household.unit_id == scope.unit_id)
    flats = list(await session.scalars(query.order_by(Household.id)))
    factors = parse_floor_factors(terms.floor_factors) if terms.floor_factors else None
    sharing = share_costs(
        terms.total_fen - terms.subsidy_fen,
        [PayingFlat(flat.id, flat.floor, flat.area) for flat in flats],
        terms.plan,
        factors,
    )
    drive = Drive(
        compound_id=compound_id,
        title=terms.title[:200],
        total_fen=terms.total_fen,
        subsidy_fen=terms.subsidy_fen,
        plan=terms.plan,
        floor_factors=terms.floor_factors,
        scope_kind=scope.kind,
        scope_building_id=scope.building_id,
        scope_unit_id=scope.unit_id,
        survey_id=terms.survey_id,
        status=DriveStatus.DRAFT,
        closes_at=terms.closes_at,
        reminder_days=terms.reminder_days,
        pledgers=",".join(sorted(terms.pledgers)),
    )
    session.add(drive)
    await session.flush()
    areas = {flat.id: flat.area for flat in flats}
    session.add_all(
        DriveShare(
            drive_id=drive.id,
            household_id=share.flat_id,
            floor=share.floor,
            area=areas[share.flat_id],
            floor_factor=None if factors is None else str(factors[share.floor]),
            amount_fen=share.amount_fen,
        )
        for share in sharing.shares
    )
    await session.flush()
    return drive


async def numbered_drive(session: AsyncSession, number: int) -> Drive:
    """The drive an operator names on the command line."""
    drive = await session.get(Drive, number)
    if drive is None:
        raise LookupError(f"there is no drive #{number}")
    return drive


async def open_drive(session: AsyncSession, drive: Drive) -> None:
    if drive.status is not DriveStatus.DRAFT:
        raise Refused(Refusal.DRIVE_NOT_DRAFT)
    drive.status, drive.opened_at = DriveStatus.OPEN, utcnow()
    await session.flush()


async def close_drive(session: AsyncSession, drive: Drive) -> None:
    if drive.status is not DriveStatus.OPEN:
        raise Refused(Refusal.DRIVE_CLOSED)
    drive.status, drive.closed_at = DriveStatus.CLOSED, utcnow()
    await session.flush()


def is_open(drive: Drive, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return drive.status is DriveStatus.OPEN and (drive.closes_at is None or now < drive.closes_at)


async def drives_of(session: AsyncSession, compound_ids: Sequence[int]) -> Sequence[Drive]:
    result = await session.scalars(
        select(Drive).where(Drive.compound_id.in_(compound_ids)).order_by(Drive.id.desc())
    )
    return result.all()


async def drive_for_committee(
    session: AsyncSession, compounds: Sequence[int], drive_id: int
) -> Drive:
    """The drive a committee command names, if it is of one of the member's `compounds`."""
    drive = await session.get(Drive, drive_id)
    if drive is None or drive.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    return drive


@dataclass(frozen=True)
class FlatShare:
    """A resident's flat in a drive: its share, and its current pledge if any."""

    drive: Drive
    share: DriveShare
    flat: Household
    pledge: Pledge | None
    role: Role  # the resident's in the flat

    @property
    def may_pledge(self) -> bool:
        return self.role in self.drive.pledger_roles


def check_pledgeable(found: FlatShare) -> None:
    """Refuse a pledge, change or withdrawal the drive does not take from this member now."""
    if not is_open(found.drive):
        raise Refused(Refusal.DRIVE_CLOSED)
    if not found.may_pledge:
        raise Refused(Refusal.NOT_PLEDGER)


async def shares_of_resident(
    session: AsyncSession, resident: Resident, drive_id: int | None = None
) -> list[FlatShare]:
    """The open drives (or the one named) with a share for a flat the resident is confirmed in."""
    query = (
        select(Drive, DriveShare, Household, Pledge, Membership.role)
        .join(DriveShare, DriveShare.drive_id == Drive.id)
        .join(Household, Household.id == DriveShare.household_id)
        .join(Membership, Membership.household_id == Household.id)
        .outerjoin(
            Pledge,
            (Pledge.drive_id == Drive.id)
            & (Pledge.household_id == Household.id)
            & Pledge.withdrawn_at.is_(None),
        )
        .where(
            Membership.resident_id == resident.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(Drive.id, Household.id)
    )
    if drive_id is None:
        query = query.where(Drive.status == DriveStatus.OPEN)
    else:
        query = query.where(Drive.id == drive_id)
    return [FlatShare(*row) for row in (await session.execute(query)).all()]


async def flat_share(
    session: AsyncSession, resident: Resident, drive_id: int, household_id: int
) -> FlatShare:
    """The flat a pledge button names, if the resident is confirmed in it and it has a share."""
    for found in await shares_of_resident(session, resident, drive_id):
        if found.flat.id == household_id:
            return found
    raise Refused(Refusal.NOT_IN_DRIVE)


async def linked_share(
    session: AsyncSession, survey_id: int, household_id: int
) -> tuple[Drive, DriveShare] | None:
    """The share of a flat in a drive linked to a vote, to show before the flat votes."""
    row = (
        await session.execute(
            select(Drive, DriveShare)
            .join(DriveShare, DriveShare.drive_id == Drive.id)
            .where(Drive.survey_id == survey_id, DriveShare.household_id == household_id)
            .order_by(Drive.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class PledgeTerms:
    kind: PledgeKind
    amount_fen: int = 0
    method: PayMethod | None = None
    goods: str | None = None
    hours: int | None = None


async def pledge(
    session: AsyncSession, found: FlatShare, resident: Resident, terms: PledgeTerms
) -> Pledge:
    """Make or change the flat's pledge; the history keeps every version."""
    check_pledgeable(found)
    current = await session.scalar(
        select(Pledge).where(
            Pledge.drive_id == found.drive.id, Pledge.household_id == found.flat.id
        )
    )
    action = PledgeAction.CHANGED
    if current is None:
        current = Pledge(drive_id=found.drive.id, household_id=found.flat.id)
        session.add(current)
        action = PledgeAction.PLEDGED
    elif current.withdrawn_at is not None:
        action = PledgeAction.PLEDGED
    now = utcnow()
    current.resident_id, current.kind, current.amount_fen = (
        resident.id,
        terms.kind,
        terms.amount_fen,
    )
    goods = None if terms.goods is None else printable(terms.goods)  # typed by the resident
    current.method, current.goods, current.hours = terms.method, goods, terms.hours
    current.withdrawn_at, current.updated_at = None, now
    await session.flush()
    session.add(_event(current, resident, action))
    return current


def _event(current: Pledge, resident: Resident, action: PledgeAction) -> PledgeEvent:
    return PledgeEvent(
        pledge_id=current.id,
        resident_id=resident.id,
        action=action,
        kind=current.kind,
        amount_fen=current.amount_fen,
        method=current.method,
        goods=current.goods,
        hours=current.hours,
    )


async def withdraw(session: AsyncSession, found: FlatShare, resident: Resident) -> None:
    check_pledgeable(found)
    if found.pledge is None:
        raise Refused(Refusal.NO_PLEDGE)
    found.pledge.withdrawn_at = found.pledge.updated_at = utcnow()
    session.add(_event(found.pledge, resident, PledgeAction.WITHDRAWN))
    await session.flush()


async def record_payment(
    session: AsyncSession, drive: Drive, flat: Household, amount_fen: int, by: int | None
) -> int:
    """Record money received from a flat of the drive; return the flat's total paid."""
    share = await session.get(DriveShare, (drive.id, flat.id))
    if share is None:
        raise Refused(Refusal.NOT_IN_DRIVE)
    if amount_fen <= 0:
        raise ValueError("a payment must be a positive amount")
    session.add(
        Payment(drive_id=drive.id, household_id=flat.id, amount_fen=amount_fen, recorded_by=by)
    )
    await session.flush()
    return int(
        await session.scalar(
            select(func.sum(Payment.amount_fen)).where(
                Payment.drive_id == drive.id, Payment.household_id == flat.id
            )
        )
        or 0
    )


async def pledge_of_flat(
    session: AsyncSession, drive: Drive, flat: Household
) -> tuple[Pledge, Resident] | None:
    """The flat's current pledge in the drive and who made it last, if it has one."""
    row = (
        await session.execute(
            select(Pledge, Resident)
            .join(Resident, Resident.id == Pledge.resident_id)
            .where(
                Pledge.drive_id == drive.id,
                Pledge.household_id == flat.id,
                Pledge.withdrawn_at.is_(None),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class PlanBasis:
    """What a flat's share is measured against, to explain it."""

    flats: int
    total_area: Decimal
    flats_on_floor: int


async def plan_basis(session: AsyncSession, drive: Drive, floor: int) -> PlanBasis:
    on_floor = func.sum(case((DriveShare.floor == floor, 1), else_=0))
    flats, area, same_floor = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(DriveShare.area), 0), on_floor).where(
                DriveShare.drive_id == drive.id
            )
        )
    ).one()
    return PlanBasis(int(flats), Decimal(area), int(same_floor or 0))


async def scope_members(session: AsyncSession, drive: Drive) -> list[tuple[Resident, int, Role]]:
    """Every confirmed member of a flat with a share, with the flat and their role in it: whom
    opening tells."""
    rows = await session.execute(
        select(Resident, Membership.household_id, Membership.role)
        .join(Membership, Membership.resident_id == Resident.id)
        .join(
            DriveShare,
            (DriveShare.household_id == Membership.household_id)
            & (DriveShare.drive_id == drive.id),
        )
        .where(Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.household_id, Membership.id)
    )
    return [(resident, household_id, role) for resident, household_id, role in rows.all()]
