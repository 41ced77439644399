"""What a drive has raised: its progress, the ledger of pledges and payments with their history,
and the money pledged but not yet paid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.drives.models import (
    Drive,
    DriveShare,
    DriveStatus,
    Payment,
    Pledge,
    PledgeEvent,
    PledgeKind,
)
from storage.models import (
    Building,
    Household,
    Resident,
    Unit,
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
