"""What waits for the committee about who lives where: claims made through shared codes, and
owners linked by a plain flat code whose ownership is not confirmed yet. A committee member
decides each with one tap; the first decision counts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Household, Membership, MembershipStatus, Role, Unit, utcnow
from storage.refusals import Refusal, Refused


def _details() -> tuple[object, ...]:
    return (
        joinedload(Membership.resident),
        joinedload(Membership.household).joinedload(Household.unit).joinedload(Unit.building),
    )


def _owner_to_confirm() -> ColumnElement[bool]:
    return and_(
        Membership.status == MembershipStatus.ACTIVE,
        Membership.role == Role.OWNER,
        Membership.owner_confirmed.is_(False),
    )


def awaits_owner_confirmation(membership: Membership) -> bool:
    return (
        membership.status is MembershipStatus.ACTIVE
        and membership.role is Role.OWNER
        and not membership.owner_confirmed
    )


async def waiting_decisions(
    session: AsyncSession, compounds: Sequence[int]
) -> Sequence[Membership]:
    """Claims and owners to confirm in these compounds, oldest first."""
    result = await session.scalars(
        select(Membership)
        .join(Household)
        .where(
            Household.compound_id.in_(compounds),
            or_(Membership.status == MembershipStatus.PENDING, _owner_to_confirm()),
        )
        .options(*_details())
        .order_by(Membership.created_at, Membership.id)
    )
    return result.all()


async def others_linked(
    session: AsyncSession, memberships: Sequence[Membership]
) -> dict[int, list[Membership]]:
    """For each membership (by id), the other residents linked to its flat or waiting for
    it: what the committee weighs before deciding."""
    flats = {membership.household_id for membership in memberships}
    result = await session.scalars(
        select(Membership)
        .where(Membership.household_id.in_(flats), Membership.status != MembershipStatus.REJECTED)
        .options(joinedload(Membership.resident))
        .order_by(Membership.id)
    )
    linked = result.all()
    return {
        membership.id: [
            other
            for other in linked
            if other.household_id == membership.household_id and other.id != membership.id
        ]
        for membership in memberships
    }


async def decide(
    session: AsyncSession,
    telegram_id: int,
    compounds: Sequence[int],
    membership_id: int,
    approve: bool,
) -> Membership:
    """A committee member's decision. On a claim: approve links the resident (an owner's
    claim confirms the ownership too), reject refuses it. On an owner linked by a flat code:
    approve confirms the ownership, reject unlinks them. `membership.verified_by` tells which
    it was."""
    membership = await session.scalar(
        select(Membership)
        .where(Membership.id == membership_id)
        .options(*_details())
        .with_for_update(of=Membership)
    )
    if membership is None or membership.household.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    if membership.status is MembershipStatus.PENDING:
        membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED
        membership.owner_confirmed = approve and membership.role is Role.OWNER
    elif awaits_owner_confirmation(membership):
        membership.owner_confirmed = approve
        if not approve:
            membership.status = MembershipStatus.REJECTED
    else:
        raise Refused(Refusal.ALREADY_DECIDED)
    membership.decided_by = telegram_id
    membership.decided_at = utcnow()
    await session.flush()
    return membership
