"""Join codes: the rows behind the signed tokens printed as QR codes."""

from __future__ import annotations

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


async def usable_code(session: AsyncSession, code_id: int, now: datetime | None = None) -> JoinCode:
    """The code a verified token names, if it still works; Refused says why not."""
    code = await session.get(JoinCode, code_id)
    now = now or utcnow()
    if code is None:
        raise Refused(Refusal.UNKNOWN_CODE)
    if code.revoked_at is not None:
        raise Refused(Refusal.REVOKED_CODE)
    if code.expires_at is not None and code.expires_at <= now:
        raise Refused(Refusal.EXPIRED_CODE)
    if code.max_uses is not None and code.uses >= code.max_uses:
        raise Refused(Refusal.USED_UP_CODE)
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
            code = JoinCode(
                compound_id=compound_id,
                kind=CodeKind.FLAT,
                building_id=each.building_id,
                unit_id=each.id,
                household_id=flat.id,
                owner_verified=owner_verified,
                max_uses=max_uses,
                expires_at=expires_at,
            )
            issued.append(IssuedCode(code, each.building.name, each.name, flat.room))
    session.add_all(item.code for item in issued)
    await session.flush()
    return issued


async def revoke(session: AsyncSession, code_ids: Sequence[int]) -> int:
    result = await session.execute(
        update(JoinCode)
        .where(JoinCode.id.in_(code_ids), JoinCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
