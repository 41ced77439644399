"""Who is linked to which flat, for the committee: one flat's residents, the flats of a
compound or building with theirs (and so the flats nobody has joined yet), and unlinking a
resident who moved out or was approved by mistake.

Unlinking marks the link rejected, as declining a claim does: the row and its history stay,
the resident can join again with a code, and ballots already given for the flat are kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from storage.models import Building, Household, Membership, MembershipStatus, Resident, Unit, utcnow
from storage.refusals import NotFound, Refusal, Refused
from storage.residents import flat_named


@dataclass(frozen=True)
class FlatRoster:
    flat: Household  # with its unit and building loaded
    links: list[Membership]  # linked or waiting, with their residents loaded; oldest first


async def flat_in_compounds(
    session: AsyncSession, compounds: Sequence[int], name: str
) -> Household:
    """A flat as the committee writes it ("3栋/2单元/501"), in any of their compounds."""
    missing = NotFound("there is no flat {name} in this compound", name=name)
    for compound_id in compounds:
        try:
            return await flat_named(session, compound_id, name)
        except NotFound as error:
            missing = error
    raise missing


async def rosters(
    session: AsyncSession,
    compounds: Sequence[int],
    *,
    building: str | None = None,
    household_id: int | None = None,
) -> list[FlatRoster]:
    """The current flats of the compounds (or of one building), or one flat even if retired,
    by building, unit, floor and room, each with its residents linked or waiting."""
    query = (
        select(Household)
        .join(Household.unit)
        .join(Unit.building)
        .where(Household.compound_id.in_(compounds))
        .options(contains_eager(Household.unit).contains_eager(Unit.building))
        .order_by(Building.name, Unit.name, Household.floor, Household.room)
    )
    if building is not None:
        query = query.where(Building.name == building)
    if household_id is None:
        query = query.where(Household.retired_at.is_(None))
    else:
        query = query.where(Household.id == household_id)
    flats = (await session.scalars(query)).all()
    links = await session.scalars(
        select(Membership)
        .where(
            Membership.household_id.in_([flat.id for flat in flats]),
            Membership.status != MembershipStatus.REJECTED,
        )
        .options(joinedload(Membership.resident))
        .order_by(Membership.id)
    )
    by_flat: dict[int, list[Membership]] = {flat.id: [] for flat in flats}
    for link in links:
        by_flat[link.household_id].append(link)
    return [FlatRoster(flat, by_flat[flat.id]) for flat in flats]


async def unlink(
    session: AsyncSession, compounds: Sequence[int], membership_id: int, by: int | None
) -> Membership:
    """End a resident's link to a flat of the compounds (`by`: the committee member, or None
    from the command line). Refused if it is not theirs to end, or already ended."""
    membership = await session.scalar(
        select(Membership)
        .where(Membership.id == membership_id)
        .options(
            joinedload(Membership.resident),
            joinedload(Membership.household).joinedload(Household.unit).joinedload(Unit.building),
        )
        .with_for_update(of=Membership)
    )
    if membership is None or membership.household.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    if membership.status is MembershipStatus.REJECTED:
        raise Refused(Refusal.ALREADY_UNLINKED)
    membership.status = MembershipStatus.REJECTED
    membership.owner_confirmed = False
    membership.answers_for_flat = False
    membership.decided_by = by
    membership.decided_at = utcnow()
    await session.flush()
    return membership


async def link_of(session: AsyncSession, household_id: int, telegram_id: int) -> Membership | None:
    """The resident's current link to the flat, if any."""
    return await session.scalar(
        select(Membership)
        .join(Membership.resident)
        .where(
            Membership.household_id == household_id,
            Resident.telegram_id == telegram_id,
            Membership.status != MembershipStatus.REJECTED,
        )
    )
