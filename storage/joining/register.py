"""Importing a compound's household register: the register's flats become the households.

A flat is matched to its household by building name, unit name and room. A matched
household is updated in place, keeping its id so that residents linked to it stay linked.
A household the register no longer lists is retired, never deleted, and only when the caller
asks for it: a partial register (one new building) must not retire the rest of the compound.
A missing flat that residents are linked to, or that has ballots, is kept unless the caller
insists; the report lists every missing flat so that the operator sees it. The work is a fixed
number of bulk statements whatever the size of the compound; the caller owns the
transaction and commits or rolls back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Building,
    Compound,
    Household,
    Membership,
    MembershipStatus,
    Unit,
    utcnow,
)
from storage.surveys.models import Ballot
from surveys.joining.register import RegisterFlat

FlatKey = tuple[str, str, str]  # building, unit, room
UnitKey = tuple[str, str]  # building, unit


@dataclass(frozen=True)
class MissingFlat:
    """A current flat of the compound that the register does not list."""

    building: str
    unit: str
    room: str
    residents: int  # memberships pending or active
    ballots: int  # in any survey

    @property
    def linked(self) -> bool:
        return bool(self.residents or self.ballots)


@dataclass
class ImportReport:
    """What the import did. created + updated + unchanged + reactivated = flats in the register;
    a reactivated flat also takes the register's floor, area and owner. `missing` lists every
    current flat the register leaves out; `retired` of them were retired, `kept` were not."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    reactivated: int = 0
    missing: list[MissingFlat] = field(default_factory=list)
    kept: list[MissingFlat] = field(default_factory=list)


# What a re-import can change in a household; RegisterFlat has fields of the same names.
_FACTS = ("floor", "area", "owner_key", "developer_held")


@dataclass(frozen=True)
class _Stored:
    id: int
    facts: dict[str, Any]
    retired_at: datetime | None


async def import_register(
    session: AsyncSession,
    compound_name: str,
    flats: Sequence[RegisterFlat],
    *,
    retire_missing: bool = False,
    retire_linked: bool = False,
) -> ImportReport:
    """Import the register. `retire_missing`: retire the current flats it leaves out, except
    those with linked residents or ballots unless `retire_linked` too."""
    if not flats:
        raise ValueError("an empty register would retire every flat of the compound")
    compound_id = await _compound_id(session, compound_name)
    unit_ids = await _unit_ids(session, compound_id, {(flat.building, flat.unit) for flat in flats})
    stored = await _stored_households(session, compound_id)
    report = ImportReport()
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for flat in flats:
        household = stored.pop(flat.key, None)
        facts = {name: getattr(flat, name) for name in _FACTS}
        if household is None:
            building_id, unit_id = unit_ids[flat.building, flat.unit]
            new.append(
                {
                    "compound_id": compound_id,
                    "building_id": building_id,
                    "unit_id": unit_id,
                    "room": flat.room,
                    **facts,
                }
            )
            report.created += 1
        elif household.retired_at is not None:
            changed.append({"id": household.id, "retired_at": None, **facts})
            report.reactivated += 1
        elif household.facts != facts:
            changed.append({"id": household.id, "retired_at": None, **facts})
            report.updated += 1
        else:
            report.unchanged += 1
    # What is left in `stored` is absent from the register.
    gone = {key: household for key, household in stored.items() if household.retired_at is None}
    # Bulk INSERT, and bulk UPDATE by primary key, each one executemany for all rows.
    if new:
        await session.execute(insert(Household), new)
    if changed:
        await session.execute(update(Household), changed)
    if not gone:
        return report
    residents = await _residents_by_household(session, compound_id)
    ballots = await _ballots_by_household(session, compound_id)
    retiring = []
    for key, household in sorted(gone.items()):
        missing = MissingFlat(
            *key, residents=residents.get(household.id, 0), ballots=ballots.get(household.id, 0)
        )
        report.missing.append(missing)
        if retire_missing and (retire_linked or not missing.linked):
            retiring.append({"id": household.id, "retired_at": utcnow()})
        else:
            report.kept.append(missing)
    if retiring:
        await session.execute(update(Household), retiring)
    report.retired = len(retiring)
    return report


async def _compound_id(session: AsyncSession, name: str) -> int:
    compound_id = await session.scalar(select(Compound.id).where(Compound.name == name))
    if compound_id is not None:
        return compound_id
    compound = Compound(name=name)
    session.add(compound)
    await session.flush()
    return compound.id


async def _unit_ids(
    session: AsyncSession, compound_id: int, wanted: set[UnitKey]
) -> dict[UnitKey, tuple[int, int]]:
    """(building id, unit id) of each wanted unit, creating the buildings and units needed."""
    rows = await session.execute(
        select(Building.name, Building.id).where(Building.compound_id == compound_id)
    )
    building_ids: dict[str, int] = dict(rows.all())
    missing_buildings = sorted({building for building, _ in wanted} - building_ids.keys())
    if missing_buildings:
        rows = await session.execute(
            insert(Building).returning(Building.name, Building.id),
            [{"compound_id": compound_id, "name": name} for name in missing_buildings],
        )
        building_ids.update(rows.all())

    rows = await session.execute(
        select(Unit.building_id, Unit.name, Unit.id)
        .join(Unit.building)
        .where(Building.compound_id == compound_id)
    )
    unit_ids = {(building_id, name): unit_id for building_id, name, unit_id in rows}
    missing_units = sorted({(building_ids[b], unit) for b, unit in wanted} - unit_ids.keys())
    if missing_units:
        rows = await session.execute(
            insert(Unit).returning(Unit.building_id, Unit.name, Unit.id),
            [{"building_id": building_id, "name": name} for building_id, name in missing_units],
        )
        unit_ids.update(((building_id, name), unit_id) for building_id, name, unit_id in rows)
    return {
        (building, unit): (building_ids[building], unit_ids[building_ids[building], unit])
        for building, unit in wanted
    }


async def _stored_households(session: AsyncSession, compound_id: int) -> dict[FlatKey, _Stored]:
    rows = await session.execute(
        select(
            Building.name.label("building"),
            Unit.name.label("unit"),
            Household.room,
            Household.id,
            Household.retired_at,
            *(getattr(Household, name) for name in _FACTS),
        )
        .join(Unit, Household.unit_id == Unit.id)
        .join(Building, Household.building_id == Building.id)
        .where(Household.compound_id == compound_id)
    )
    return {
        (row.building, row.unit, row.room): _Stored(
            row.id, {name: row._mapping[name] for name in _FACTS}, row.retired_at
        )
        for row in rows
    }


async def _residents_by_household(session: AsyncSession, compound_id: int) -> dict[int, int]:
    """Linked residents per household of the compound, for households that have any."""
    rows = await session.execute(
        select(Membership.household_id, func.count())
        .join(Membership.household)
        .where(
            Household.compound_id == compound_id,
            Membership.status != MembershipStatus.REJECTED,
        )
        .group_by(Membership.household_id)
    )
    return dict(rows.all())


async def _ballots_by_household(session: AsyncSession, compound_id: int) -> dict[int, int]:
    """Ballots of any survey per household of the compound, for households that have any."""
    rows = await session.execute(
        select(Ballot.household_id, func.count())
        .join(Household, Household.id == Ballot.household_id)
        .where(Household.compound_id == compound_id)
        .group_by(Ballot.household_id)
    )
    return {household_id: count for household_id, count in rows.all()}
