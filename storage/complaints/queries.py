"""Complaints in the database: the draft written in the guided chat, filing it, the
committee's state changes and assignments, the reporter's reopening and rating, and the
lists the committee and the reminders read. Every change is also a ComplaintEvent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.committee import member_ids
from storage.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from storage.models import (
    Building,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Unit,
)
from storage.refusals import Refusal, Refused
from surveys.complaints.rules import FINISHED, Category, ComplaintLimits, State, may_set


async def _filed_in_last_day(session: AsyncSession, resident: Resident, now: datetime) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Complaint)
            .where(
                Complaint.resident_id == resident.id,
                Complaint.submitted_at > now - timedelta(days=1),
            )
        )
        or 0
    )


async def start_draft(
    session: AsyncSession, resident: Resident, limits: ComplaintLimits, now: datetime
) -> Complaint:
    """A new draft placed at the resident's first confirmed flat; an older draft is dropped.
    Raises OverLimit when the resident filed the most allowed in the last 24 hours."""
    limits.check_per_day(await _filed_in_last_day(session, resident, now))
    flat = await session.scalar(
        select(Household)
        .join(Membership, Membership.household_id == Household.id)
        .where(Membership.resident_id == resident.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)
        .limit(1)
    )
    if flat is None:
        raise Refused(Refusal.NO_FLAT)
    await drop_drafts(session, resident)
    draft = Complaint(
        compound_id=flat.compound_id,
        resident_id=resident.id,
        household_id=flat.id,
        building_id=flat.building_id,
        unit_id=flat.unit_id,
        state=State.DRAFT,
        created_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def compound_buildings(session: AsyncSession, compound_id: int) -> Sequence[Building]:
    """The buildings of a compound, for placing a complaint anywhere in it."""
    result = await session.scalars(
        select(Building).where(Building.compound_id == compound_id).order_by(Building.id)
    )
    return result.all()


async def building_units(
    session: AsyncSession, compound_id: int, building_id: int
) -> tuple[Building, Sequence[Unit]] | None:
    """A building of the compound with its units; None for any other (a forged button)."""
    building = await session.get(Building, building_id)
    if building is None or building.compound_id != compound_id:
        return None
    units = await session.scalars(
        select(Unit).where(Unit.building_id == building_id).order_by(Unit.id)
    )
    return building, units.all()


async def place_draft(
    session: AsyncSession, draft: Complaint, building_id: int, unit_id: int | None
) -> bool:
    """Place the draft at a building of its compound, or one unit of it; False (and nothing
    changed) for a place outside the compound."""
    found = await building_units(session, draft.compound_id, building_id)
    if found is None or (unit_id is not None and unit_id not in {u.id for u in found[1]}):
        return False
    draft.building_id, draft.unit_id = building_id, unit_id
    return True


async def drop_drafts(session: AsyncSession, resident: Resident) -> bool:
    """Drop the complaint the resident is writing, with its photos; whether there was one."""
    drafts = select(Complaint.id).where(
        Complaint.resident_id == resident.id, Complaint.state == State.DRAFT
    )
    await session.execute(delete(ComplaintPhoto).where(ComplaintPhoto.complaint_id.in_(drafts)))
    await session.execute(delete(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(drafts)))
    dropped = await session.execute(delete(Complaint).where(Complaint.id.in_(drafts)))
    return bool(dropped.rowcount)  # type: ignore[attr-defined]


async def own_complaint(session: AsyncSession, resident: Resident, complaint_id: int) -> Complaint:
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None or complaint.resident_id != resident.id:
        raise Refused(Refusal.UNKNOWN_COMPLAINT)
    return complaint


async def draft_of(session: AsyncSession, resident: Resident, complaint_id: int) -> Complaint:
    """The resident's own complaint a guided-chat button or message names, still a draft."""
    complaint = await own_complaint(session, resident, complaint_id)
    if complaint.state is not State.DRAFT:
        raise Refused(Refusal.COMPLAINT_SENT)
    return complaint


async def photo_count(session: AsyncSession, complaint: Complaint) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(ComplaintPhoto)
            .where(ComplaintPhoto.complaint_id == complaint.id)
        )
        or 0
    )


async def add_photo(
    session: AsyncSession, complaint: Complaint, file_id: str, limits: ComplaintLimits
) -> int:
    """Attach a photo (Telegram's file id); return how many the complaint has now."""
    count = await photo_count(session, complaint)
    limits.check_photos(count)
    session.add(ComplaintPhoto(complaint_id=complaint.id, file_id=file_id))
    await session.flush()
    return count + 1


async def photos_of(session: AsyncSession, complaint: Complaint) -> list[str]:
    result = await session.scalars(
        select(ComplaintPhoto.file_id)
        .where(ComplaintPhoto.complaint_id == complaint.id)
        .order_by(ComplaintPhoto.id)
    )
    return list(result)


async def submit(
    session: AsyncSession,
    complaint: Complaint,
    resident: Resident,
    limits: ComplaintLimits,
    now: datetime,
) -> None:
    """File the draft: it gets its tracking number (its id) and the committee's deadline."""
    limits.check_per_day(await _filed_in_last_day(session, resident, now))
    complaint.state = State.SUBMITTED
    complaint.submitted_at = now
    complaint.acknowledge_by = now + timedelta(hours=limits.acknowledge_hours)
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id, state=State.SUBMITTED, by_telegram_id=resident.telegram_id
        )
    )
    await session.flush()


async def complaint_for_committee(
    session: AsyncSession, compounds: Collection[int], complaint_id: int
) -> Complaint:
    """A filed complaint a committee command or button names, if it is of one of the
    `compounds` the member serves."""
    complaint = await session.get(Complaint, complaint_id)
    if (
        complaint is None
        or complaint.state is State.DRAFT
        or complaint.compound_id not in compounds
    ):
        raise Refused(Refusal.NOT_COMMITTEE)
    return complaint


async def change_state(
    session: AsyncSession,
    complaint: Complaint,
    new: State,
    note: str,
    by: int,
    now: datetime,
) -> ComplaintEvent:
    """Move the complaint to `new` with the note for the reporter; return the event."""
    if not may_set(complaint.state, new):
        raise Refused(Refusal.COMPLAINT_STATE)
    complaint.state = new
    complaint.finished_at = now if new in FINISHED else None
    event = ComplaintEvent(
        complaint_id=complaint.id, state=new, note=note, by_telegram_id=by, at=now
    )
    session.add(event)
    await session.flush()
    return event


async def assign(session: AsyncSession, complaint: Complaint, member: int, by: int) -> None:
    """Give the complaint to a committee member of its compound."""
    if member not in await member_ids(session, complaint.compound_id):
        raise Refused(Refusal.NOT_COMMITTEE)
    complaint.assignee_id = member
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id, state=complaint.state, by_telegram_id=by, assignee_id=member
        )
    )
    await session.flush()


async def reopen(
    session: AsyncSession,
    resident: Resident,
    complaint_id: int,
    limits: ComplaintLimits,
    now: datetime,
) -> Complaint:
    """The reporter reopens a finished complaint within the allowed days: submitted again, with
    a fresh deadline for the committee."""
    complaint = await own_complaint(session, resident, complaint_id)
    if not limits.may_reopen(complaint.state, complaint.finished_at, now):
        raise Refused(Refusal.REOPEN_EXPIRED)
    complaint.state, complaint.finished_at = State.SUBMITTED, None
    complaint.acknowledge_by = now + timedelta(hours=limits.acknowledge_hours)
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            state=State.SUBMITTED,
            note="reopened",
            by_telegram_id=resident.telegram_id,
            at=now,
        )
    )
    await session.flush()
    return complaint


async def rate(
    session: AsyncSession, resident: Resident, complaint_id: int, score: int
) -> Complaint:
    """The reporter's 1-5 for a finished complaint; rating again replaces it."""
    complaint = await own_complaint(session, resident, complaint_id)
    if complaint.state not in FINISHED or not 1 <= score <= 5:
        raise Refused(Refusal.COMPLAINT_STATE)
    complaint.rating = score
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            state=complaint.state,
            by_telegram_id=resident.telegram_id,
            rating=score,
        )
    )
    await session.flush()
    return complaint


@dataclass(frozen=True)
class ComplaintRow:
    """A filed complaint as the committee lists it: with its place and its reporter."""

    complaint: Complaint
    building: str | None
    unit: str | None
    reporter_name: str
    reporter_telegram_id: int
    reporter_language: str | None
    photos: int


async def complaint_rows(
    session: AsyncSession,
    compound_ids: Sequence[int],
    *,
    state: State | None = None,
    category: Category | None = None,
    buildings: Collection[str] | None = None,
    ids: Sequence[int] | None = None,
) -> list[ComplaintRow]:
    """Filed complaints of the compounds, newest first, filtered as the committee asks
    (`buildings`: the names the building may have in the register)."""
    photos = (
        select(func.count())
        .where(ComplaintPhoto.complaint_id == Complaint.id)
        .correlate(Complaint)
        .scalar_subquery()
    )
    query = (
        select(
            Complaint,
            Building.name,
            Unit.name,
            Resident.full_name,
            Resident.telegram_id,
            Resident.language,
            photos,
        )
        .join(Resident, Resident.id == Complaint.resident_id)
        .outerjoin(Building, Building.id == Complaint.building_id)
        .outerjoin(Unit, Unit.id == Complaint.unit_id)
        .where(Complaint.compound_id.in_(compound_ids), Complaint.state != State.DRAFT)
        .order_by(Complaint.id.desc())
    )
    if state is not None:
        query = query.where(Complaint.state == state)
    if category is not None:
        query = query.where(Complaint.category == category)
    if buildings is not None:
        query = query.where(Building.name.in_(buildings))
    if ids is not None:
        query = query.where(Complaint.id.in_(ids))
    return [ComplaintRow(*row) for row in (await session.execute(query)).all()]


async def complaint_row(session: AsyncSession, complaint: Complaint) -> ComplaintRow:
    (row,) = await complaint_rows(session, [complaint.compound_id], ids=[complaint.id])
    return row


async def overdue_complaints(session: AsyncSession, now: datetime) -> list[ComplaintRow]:
    """Filed complaints nobody acknowledged by their deadline, across compounds."""
    ids = await session.scalars(
        select(Complaint.id).where(
            Complaint.state == State.SUBMITTED, Complaint.acknowledge_by <= now
        )
    )
    wanted = list(ids)
    if not wanted:
        return []
    compounds = await session.scalars(
        select(Complaint.compound_id).where(Complaint.id.in_(wanted)).distinct()
    )
    return await complaint_rows(session, list(compounds), ids=wanted)


async def complaint_events(session: AsyncSession, complaint: Complaint) -> list[ComplaintEvent]:
    result = await session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.id)
    )
    return list(result)
