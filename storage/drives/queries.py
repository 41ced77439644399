"""Contribution drives in the database: creating one (fixing each flat's share from the
register), opening and closing it, pledges with their history, payments, and the figures the
chat and the ledger show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
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
    Building,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Unit,
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


async def shares_of_resident(
    session: AsyncSession, resident: Resident, drive_id: int | None = None
) -> list[FlatShare]:
    """The open drives (or the one named) with a share for a flat the resident is confirmed in."""
    query = (
        select(Drive, DriveShare, Household, Pledge)
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
    if not is_open(found.drive):
        raise Refused(Refusal.DRIVE_CLOSED)
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
    if not is_open(found.drive):
        raise Refused(Refusal.DRIVE_CLOSED)
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


@dataclass(frozen=True)
class DriveProgress:
    target_fen: int  # the residents' share
    pledged_fen: int  # money pledged and not withdrawn
    paid_fen: int
    flats: int
    flats_pledged: int  # any kind of pledge


async def drive_progress(session: AsyncSession, drive: Drive) -> DriveProgress:
    live = (Pledge.drive_id == drive.id) & Pledge.withdrawn_at.is_(None)
    pledged, flats_pledged = (
        await session.execute(
            select(func.coalesce(func.sum(Pledge.amount_fen), 0), func.count()).where(live)
        )
    ).one()
    paid = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(Payment.drive_id == drive.id)
    )
    flats = await session.scalar(
        select(func.count()).select_from(DriveShare).where(DriveShare.drive_id == drive.id)
    )
    return DriveProgress(
        drive.residents_fen, int(pledged), int(paid or 0), int(flats or 0), int(flats_pledged)
    )


@dataclass(frozen=True)
class LedgerRow:
    """A flat of the drive: its share and why, its pledge and what it paid."""

    building: str
    unit: str
    room: str
    floor: int
    area: Decimal
    floor_factor: str | None
    share_fen: int
    pledge: Pledge | None
    paid_fen: int
    pledger_telegram_id: int | None

    @property
    def outstanding_fen(self) -> int:
        """Money pledged and not yet received."""
        if self.pledge is None or self.pledge.kind is not PledgeKind.MONEY:
            return 0
        return max(self.pledge.amount_fen - self.paid_fen, 0)


async def ledger_rows(session: AsyncSession, drive: Drive) -> list[LedgerRow]:
    paid = (
        select(Payment.household_id, func.sum(Payment.amount_fen).label("paid"))
        .where(Payment.drive_id == drive.id)
        .group_by(Payment.household_id)
        .subquery()
    )
    query = select(DriveShare, Building.name, Unit.name, Household.room, Pledge, paid.c.paid)
    result = await session.execute(
        _with_flat_names(query, DriveShare.household_id)
        .outerjoin(
            Pledge,
            (Pledge.drive_id == drive.id)
            & (Pledge.household_id == DriveShare.household_id)
            & Pledge.withdrawn_at.is_(None),
        )
        .outerjoin(paid, paid.c.household_id == DriveShare.household_id)
        .where(DriveShare.drive_id == drive.id)
        .order_by(Building.name, Unit.name, DriveShare.floor, Household.room)
    )
    rows = result.all()
    pledgers = await _telegram_ids(session, [row[4].resident_id for row in rows if row[4]])
    return [
        LedgerRow(
            building,
            unit,
            room,
            share.floor,
            share.area,
            share.floor_factor,
            share.amount_fen,
            current,
            int(paid_fen or 0),
            pledgers.get(current.resident_id) if current else None,
        )
        for share, building, unit, room, current, paid_fen in rows
    ]


async def _telegram_ids(session: AsyncSession, resident_ids: Sequence[int]) -> dict[int, int]:
    if not resident_ids:
        return {}
    rows = await session.execute(
        select(Resident.id, Resident.telegram_id).where(Resident.id.in_(set(resident_ids)))
    )
    return {resident_id: telegram_id for resident_id, telegram_id in rows.all()}


def _flat_name() -> object:
    return Building.name + "/" + Unit.name + "/" + Household.room


def _with_flat_names(query: Select[Any], household_id: object) -> Select[Any]:
    return (
        query.join(Household, Household.id == household_id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
    )


async def pledge_history(session: AsyncSession, drive: Drive) -> list[tuple[PledgeEvent, str]]:
    """Every pledge event of the drive, oldest first, with the flat as "3栋/2单元/501"."""
    query = select(PledgeEvent, _flat_name()).join(Pledge, Pledge.id == PledgeEvent.pledge_id)
    rows = await session.execute(
        _with_flat_names(query, Pledge.household_id)
        .where(Pledge.drive_id == drive.id)
        .order_by(PledgeEvent.id)
    )
    return [(event, name) for event, name in rows.all()]


async def payments_of(session: AsyncSession, drive: Drive) -> list[tuple[Payment, str]]:
    """Every payment recorded for the drive, oldest first, with the flat's name."""
    rows = await session.execute(
        _with_flat_names(select(Payment, _flat_name()), Payment.household_id)
        .where(Payment.drive_id == drive.id)
        .order_by(Payment.id)
    )
    return [(payment, name) for payment, name in rows.all()]


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


async def scope_members(session: AsyncSession, drive: Drive) -> list[tuple[Resident, int]]:
    """Every confirmed member of a flat with a share, with the flat: whom opening tells."""
    rows = await session.execute(
        select(Resident, Membership.household_id)
        .join(Membership, Membership.resident_id == Resident.id)
        .join(
            DriveShare,
            (DriveShare.household_id == Membership.household_id)
            & (DriveShare.drive_id == drive.id),
        )
        .where(Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.household_id, Membership.id)
    )
    return [(resident, household_id) for resident, household_id in rows.all()]


@dataclass(frozen=True)
class UnpaidPledge:
    pledge: Pledge
    drive: Drive
    paid_fen: int
    telegram_id: int
    language: str | None


async def unpaid_pledges(
    session: AsyncSession, drive_ids: Sequence[int] | None = None
) -> list[UnpaidPledge]:
    """Money pledges not withdrawn and not fully paid, of open drives (or those named)."""
    paid = (
        select(func.coalesce(func.sum(Payment.amount_fen), 0))
        .where(Payment.drive_id == Pledge.drive_id, Payment.household_id == Pledge.household_id)
        .correlate(Pledge)
        .scalar_subquery()
    )
    query = (
        select(Pledge, Drive, paid, Resident.telegram_id, Resident.language)
        .join(Drive, Drive.id == Pledge.drive_id)
        .join(Resident, Resident.id == Pledge.resident_id)
        .where(
            Pledge.kind == PledgeKind.MONEY,
            Pledge.withdrawn_at.is_(None),
            paid < Pledge.amount_fen,
        )
        .order_by(Pledge.drive_id, Pledge.id)
    )
    if drive_ids is None:
        query = query.where(Drive.status == DriveStatus.OPEN)
    else:
        query = query.where(Drive.id.in_(drive_ids))
    return [
        UnpaidPledge(p, d, int(f), t, lang)
        for p, d, f, t, lang in (await session.execute(query)).all()
    ]


@dataclass(frozen=True)
class Ledger:
    """Everything the committee's spreadsheet holds about a drive."""

    drive: Drive
    progress: DriveProgress
    rows: list[LedgerRow]
    history: list[tuple[PledgeEvent, str]]
    payments: list[tuple[Payment, str]]


async def drive_ledger(session: AsyncSession, drive: Drive) -> Ledger:
    return Ledger(
        drive,
        await drive_progress(session, drive),
        await ledger_rows(session, drive),
        await pledge_history(session, drive),
        await payments_of(session, drive),
    )
