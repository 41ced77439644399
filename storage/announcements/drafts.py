"""The committee's announcements: a draft written step by step in the chat (the author's
conversation state names the draft row, which holds what they wrote so far), then scheduled,
queued as a broadcast when due, or cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Building, Household, Membership, MembershipStatus, Resident, Unit
from storage.outbox.queue import cancel_broadcast, delivery
from storage.refusals import Refusal, Refused
from storage.schedule_models import Announcement, AnnouncementStatus
from storage.surveys.queries import Scope
from surveys.text import printable, telegram_length

MAX_TEXT = 3500  # leaves room for the heading within Telegram's 4096


async def place_in(
    session: AsyncSession, compound_id: int, building_id: int | None, unit_id: int | None
) -> bool:
    """Whether a building (and a unit of it) named by a button lies in the compound."""
    if building_id is None:
        return unit_id is None
    building = await session.get(Building, building_id)
    if building is None or building.compound_id != compound_id:
        return False
    if unit_id is None:
        return True
    unit = await session.get(Unit, unit_id)
    return unit is not None and unit.building_id == building_id


async def start_draft(
    session: AsyncSession,
    author_id: int,
    compound_id: int,
    building_id: int | None,
    unit_id: int | None,
    now: datetime,
) -> Announcement:
    """A new draft for the scope, replacing any the author left unfinished."""
    await discard_drafts(session, author_id)
    draft = Announcement(
        compound_id=compound_id,
        building_id=building_id,
        unit_id=unit_id,
        author_id=author_id,
        status=AnnouncementStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def discard_drafts(session: AsyncSession, author_id: int) -> None:
    await session.execute(
        delete(Announcement).where(
            Announcement.author_id == author_id, Announcement.status == AnnouncementStatus.DRAFT
        )
    )


async def own_draft(
    session: AsyncSession, author_id: int, announcement_id: int, compounds: list[int]
) -> Announcement:
    """The draft the author's conversation names, if it is still theirs to write and they
    still serve its compound (`compounds`)."""
    draft = await session.get(Announcement, announcement_id)
    if (
        draft is None
        or draft.status is not AnnouncementStatus.DRAFT
        or draft.author_id != author_id
    ):
        raise Refused(Refusal.UNKNOWN_ANNOUNCEMENT)
    if draft.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    return draft


def checked_text(text: str) -> str:
    """The announcement's text, printable; ValueError if empty or over MAX_TEXT as Telegram
    counts (UTF-16 code units: an emoji is two)."""
    text = printable(text).strip()
    if not text or telegram_length(text) > MAX_TEXT:
        raise ValueError(
            f"an announcement needs 1 to {MAX_TEXT} characters, counted as Telegram counts "
            f"them (UTF-16 code units: an emoji is two); this one has {telegram_length(text)}"
        )
    return text


async def create_announcement(
    session: AsyncSession,
    compound_id: int,
    scope: Scope,
    text: str,
    send_at: datetime,
    author_id: int | None = None,
) -> Announcement:
    """A confirmed announcement (the operator's command line), due at `send_at`."""
    announcement = Announcement(
        compound_id=compound_id,
        building_id=scope.building_id,
        unit_id=scope.unit_id,
        author_id=author_id,
        text=checked_text(text),
        send_at=send_at,
        status=AnnouncementStatus.SCHEDULED,
    )
    session.add(announcement)
    await session.flush()
    return announcement


async def due_announcements(session: AsyncSession, now: datetime) -> Sequence[Announcement]:
    """Scheduled announcements whose time has come, locked against a cancel meanwhile."""
    result = await session.scalars(
        select(Announcement)
        .where(Announcement.status == AnnouncementStatus.SCHEDULED, Announcement.send_at <= now)
        .order_by(Announcement.id)
        .with_for_update()
    )
    return result.all()


async def recipients(
    session: AsyncSession, announcement: Announcement
) -> list[tuple[int, str | None]]:
    """(Telegram id, language) of every confirmed member of a flat in the scope."""
    query = (
        select(Resident.telegram_id, Resident.language)
        .join(Membership, Membership.resident_id == Resident.id)
        .join(Household, Household.id == Membership.household_id)
        .where(
            Household.compound_id == announcement.compound_id,
            Household.retired_at.is_(None),
            Membership.status == MembershipStatus.ACTIVE,
        )
        .distinct()
    )
    if announcement.building_id is not None:
        query = query.where(Household.building_id == announcement.building_id)
    if announcement.unit_id is not None:
        query = query.where(Household.unit_id == announcement.unit_id)
    return [(telegram_id, language) for telegram_id, language in await session.execute(query)]


async def announcement_for_committee(
    session: AsyncSession, compounds: list[int], announcement_id: int
) -> Announcement:
    """The announcement a command or button names, if it is of one of `compounds` (those the
    person serves)."""
    announcement = await session.get(Announcement, announcement_id, with_for_update=True)
    if announcement is None or announcement.status is AnnouncementStatus.DRAFT:
        raise Refused(Refusal.UNKNOWN_ANNOUNCEMENT)
    if announcement.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    return announcement


async def cancel_announcement(session: AsyncSession, announcement: Announcement) -> int:
    """Stop what has not gone out; return how many queued messages were withdrawn (0 for one
    still scheduled: nobody got it). Refused once it is all sent, or cancelled already."""
    if announcement.status is AnnouncementStatus.CANCELLED:
        raise Refused(Refusal.ANNOUNCEMENT_CANCELLED)
    withdrawn = 0
    if announcement.broadcast_id is not None:
        if not (await delivery(session, announcement.broadcast_id)).waiting:
            raise Refused(Refusal.ANNOUNCEMENT_SENT)
        withdrawn = await cancel_broadcast(session, announcement.broadcast_id)
    announcement.status = AnnouncementStatus.CANCELLED
    await session.flush()
    return withdrawn


async def recent_announcements(
    session: AsyncSession, compound_ids: Sequence[int], limit: int = 10
) -> Sequence[Announcement]:
    result = await session.scalars(
        select(Announcement)
        .where(
            Announcement.compound_id.in_(compound_ids),
            Announcement.status != AnnouncementStatus.DRAFT,
        )
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    return result.all()
