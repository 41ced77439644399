"""Join codes: the rows behind the signed tokens printed as QR codes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Building, CodeKind, Household, JoinCode, Unit, utcnow
from storage.refusals import Refusal, Refused


@dataclass(frozen=True)
class IssuedCode:
    code: JoinCode
    building: str
    unit: str | None
    room: str | None


class CodeState(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used up"


_REFUSALS = {
    CodeState.REVOKED: Refusal.REVOKED_CODE,
    CodeState.EXPIRED: Refusal.EXPIRED_CODE,
    CodeState.USED_UP: Refusal.USED_UP_CODE,
}


def code_state(code: JoinCode, now: datetime) -> CodeState:
    if code.revoked_at is not None:
        return CodeState.REVOKED
    if code.expires_at is not None and code.expires_at <= now:
        return CodeState.EXPIRED
    if code.max_uses is not None and code.uses >= code.max_uses:
        return CodeState.USED_UP
    return CodeState.ACTIVE


async def usable_code(session: AsyncSession, code_id: int, now: datetime | None = None) -> JoinCode:
    """The code a verified token names, if it still works; Refused says why not."""
    code = await session.get(JoinCode, code_id)
    if code is None:
        raise Refused(Refusal.UNKNOWN_CODE)
    state = code_state(code, now or utcnow())
    if state is not CodeState.ACTIVE:
        raise Refused(_REFUSALS[state])
    return code


async def use_once(session: AsyncSession, code: JoinCode) -> None:
    """Count one use, atomically: two residents racing for the last use cannot both win."""
    result = await session.execute(
        update(JoinCode)
        .where(JoinCode.id == code.id, JoinCode.revoked_at.is_(None))
        .where((JoinCode.max_uses.is_(None)) | (JoinCode.uses < JoinCode.max_uses))
        .values(uses=JoinCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused(Refusal.USED_UP_CODE)
    await session.refresh(code)


async def issue_codes(
    session: AsyncSession,
    compound_id: int,
    *,
    building: str | None = None,
    unit: str | None = None,
    max_uses: int | None = 2,
    expires_at: datetime | None = None,
    owner_verified: bool = False,
) -> list[IssuedCode]:
    """A flat code for every current flat in scope, a unit code for every unit in scope, and a
    compound code when the scope is the whole compound. `owner_verified`: only flat codes, to
    be handed to each owner in person; whoever scans one as its owner is a confirmed owner."""
    units_query = (
        select(Unit)
        .join(Building)
        .where(Building.compound_id == compound_id)
        .options(joinedload(Unit.building))
        .order_by(Building.name, Unit.name)
    )
    if building is not None:
        units_query = units_query.where(Building.name == building)
    if unit is not None:
        units_query = units_query.where(Unit.name == unit)
    units = (await session.scalars(units_query)).all()
    if not units:
        raise LookupError("no unit matches that building and unit in this compound")
    issued: list[IssuedCode] = []
    if building is None and unit is None and not owner_verified:
        code = JoinCode(compound_id=compound_id, kind=CodeKind.COMPOUND, expires_at=expires_at)
        issued.append(IssuedCode(code, building="", unit=None, room=None))
    for each in units:
        if not owner_verified:
            code = JoinCode(
                compound_id=compound_id,
                kind=CodeKind.UNIT,
                building_id=each.building_id,
                unit_id=each.id,
                expires_at=expires_at,
            )
            issued.append(IssuedCode(code, each.building.name, each.name, room=None))
        flats = await session.scalars(
            select(Household)
            .where(Household.unit_id == each.id, Household.retired_at.is_(None))
            .order_by(Household.floor, Household.room)
        )
        for flat in flats:
            code = _flat_code(
                flat, max_uses=max_uses, expires_at=expires_at, owner_verified=owner_verified
            )
            issued.append(IssuedCode(code, each.building.name, each.name, flat.room))
    session.add_all(item.code for item in issued)
    await session.flush()
    return issued


def _flat_code(
    flat: Household, *, max_uses: int | None, expires_at: datetime | None, owner_verified: bool
) -> JoinCode:
    return JoinCode(
        compound_id=flat.compound_id,
        kind=CodeKind.FLAT,
        building_id=flat.building_id,
        unit_id=flat.unit_id,
        household_id=flat.id,
        owner_verified=owner_verified,
        max_uses=max_uses,
        expires_at=expires_at,
    )


async def replace_flat_code(
    session: AsyncSession,
    flat: Household,
    *,
    max_uses: int | None = 2,
    expires_at: datetime | None = None,
    owner_verified: bool = False,
) -> tuple[IssuedCode, list[int]]:
    """A new code for one flat whose code was lost, and the numbers of its codes of the same
    kind (owner-verified or not) that were still in force, withdrawn in the same step. The
    unit's other flats and the shared codes are left alone."""
    if flat.retired_at is not None:
        raise LookupError("that flat is no longer in the register; import it again first")
    unit = await session.scalar(
        select(Unit).where(Unit.id == flat.unit_id).options(joinedload(Unit.building))
    )
    assert unit is not None
    withdrawn = list(
        await session.scalars(
            select(JoinCode.id).where(
                JoinCode.household_id == flat.id,
                JoinCode.kind == CodeKind.FLAT,
                JoinCode.owner_verified.is_(owner_verified),
                JoinCode.revoked_at.is_(None),
            )
        )
    )
    await revoke(session, withdrawn)
    code = _flat_code(flat, max_uses=max_uses, expires_at=expires_at, owner_verified=owner_verified)
    session.add(code)
    await session.flush()
    return IssuedCode(code, unit.building.name, unit.name, flat.room), withdrawn


@dataclass(frozen=True)
class ListedCode:
    code: JoinCode
    place: str  # "3栋/2单元/501", "3栋/2单元", or "" for the compound's code
    state: CodeState


async def codes_of(
    session: AsyncSession, compound_id: int, household_id: int | None = None
) -> list[ListedCode]:
    """The compound's codes (or one flat's), by place, the compound's first, then by number."""
    query = (
        select(JoinCode, Building.name, Unit.name, Household.room)
        .outerjoin(Building, Building.id == JoinCode.building_id)
        .outerjoin(Unit, Unit.id == JoinCode.unit_id)
        .outerjoin(Household, Household.id == JoinCode.household_id)
        .where(JoinCode.compound_id == compound_id)
    )
    if household_id is not None:
        query = query.where(JoinCode.household_id == household_id)
    now = utcnow()
    listed = [
        ListedCode(code, "/".join(part for part in place if part), code_state(code, now))
        for code, *place in await session.execute(query)
    ]
    return sorted(listed, key=lambda item: (item.place, item.code.id))


async def revoke(session: AsyncSession, code_ids: Sequence[int]) -> int:
    result = await session.execute(
        update(JoinCode)
        .where(JoinCode.id.in_(code_ids), JoinCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
