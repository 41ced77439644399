"""How the announcement chat reads in Telegram: the scope picker, the questions of each step
with their buttons, the preview and the confirmation. What comes next is decided by
handlers.announcements.drafting; this only renders it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.announcements.callbacks import AnnouncePlace, AnnounceStep
from handlers.shared.texts import building_label, unit_label
from handlers.surveys.notices import local_time
from storage.announcements.drafts import recipients
from storage.models import Building, Compound, Unit
from storage.outbox.notices import notice_time
from storage.schedule_models import Announcement

EXAMPLE_TIME = "2026-12-03 09:00"


async def place_label(
    session: AsyncSession, compound_id: int, building_id: int | None, unit_id: int | None
) -> str:
    """ "幸福里", "3栋" or "3栋 2单元": the scope an announcement goes to."""
    if building_id is None:
        return str(await session.scalar(select(Compound.name).where(Compound.id == compound_id)))
    building = await session.get(Building, building_id)
    assert building is not None
    if unit_id is None:
        return building_label(building.name)
    unit = await session.get(Unit, unit_id)
    assert unit is not None
    return f"{building_label(building.name)} {unit_label(unit.name)}"


async def compound_picker(session: AsyncSession, compounds: Sequence[int]) -> InlineKeyboardMarkup:
    """A member serving several compounds chooses one first."""
    builder = InlineKeyboardBuilder()
    names = await session.execute(
        select(Compound.id, Compound.name).where(Compound.id.in_(compounds))
    )
    for compound_id, name in names:
        place = AnnouncePlace(compound_id=compound_id, building_id=0, unit_id=0, final=False)
        builder.button(text=name, callback_data=place)
    builder.adjust(1)
    return builder.as_markup()


async def place_picker(
    session: AsyncSession, compound_id: int, building_id: int | None
) -> InlineKeyboardMarkup:
    """The whole compound and its buildings (chosen, they list their units), or the whole
    building and its units."""
    place = AnnouncePlace(
        compound_id=compound_id, building_id=building_id or 0, unit_id=0, final=True
    )
    choices: list[tuple[str, AnnouncePlace]]
    if building_id is None:
        buildings = await session.scalars(
            select(Building).where(Building.compound_id == compound_id).order_by(Building.id)
        )
        choices = [(_("The whole compound"), place)] + [
            (building_label(b.name), place.model_copy(update={"building_id": b.id, "final": False}))
            for b in buildings
        ]
    else:
        units = await session.scalars(
            select(Unit).where(Unit.building_id == building_id).order_by(Unit.id)
        )
        choices = [(_("The whole building"), place)] + [
            (unit_label(u.name), place.model_copy(update={"unit_id": u.id})) for u in units
        ]
    builder = InlineKeyboardBuilder()
    for text, data in choices:
        builder.button(text=text, callback_data=data)
    builder.adjust(1, 3)
    return builder.as_markup()


def steps(draft: Announcement, *buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """(label, action) buttons of the draft, in a row."""
    builder = InlineKeyboardBuilder()
    for text, action in buttons:
        builder.button(
            text=text, callback_data=AnnounceStep(announcement_id=draft.id, action=action)
        )
    return builder.as_markup()


async def ask_text(session: AsyncSession, draft: Announcement) -> tuple[str, InlineKeyboardMarkup]:
    place = await place_label(session, draft.compound_id, draft.building_id, draft.unit_id)
    return _("An announcement to {place}. Now send me its text.").format(place=place), steps(
        draft, (_("Discard"), "drop")
    )


def ask_time(draft: Announcement, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "When should it go out? Press “Now”, or send a date and time in the compound's "
        "time ({zone}), for example {example}."
    ).format(zone=zone.key, example=EXAMPLE_TIME)
    return text, steps(draft, (_("Now"), "now"), (_("Discard"), "drop"))


async def preview(
    session: AsyncSession, draft: Announcement, zone: ZoneInfo, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """Who gets it, when (and when quiet hours hold it back), the text; "Send" or "Schedule"."""
    assert draft.send_at is not None and draft.text is not None
    place = await place_label(session, draft.compound_id, draft.building_id, draft.unit_id)
    count = len(await recipients(session, draft))
    scheduled = draft.send_at > now
    when = local_time(draft.send_at, zone) if scheduled else _("now")
    lines = [
        _("To: {place} ({count} residents)").format(place=place, count=count),
        _("When: {when}").format(when=when),
    ]
    goes_out = await notice_time(session, draft.compound_id, zone, max(draft.send_at, now))
    if goes_out > max(draft.send_at, now):
        lines.append(
            _("That is within the compound's quiet hours: it will go out at {time}.").format(
                time=local_time(goes_out, zone)
            )
        )
    lines += ["", draft.text]
    send = _("Schedule") if scheduled else _("Send")
    return "\n".join(lines), steps(draft, (send, "send"), (_("Discard"), "drop"))


def scheduled(draft: Announcement, zone: ZoneInfo) -> str:
    assert draft.send_at is not None
    return _(
        "Announcement #{number} will go out at {time}. "
        "/cancel_announcement {number} cancels it; /deliveries shows it."
    ).format(number=draft.id, time=local_time(draft.send_at, zone))


def on_its_way(draft: Announcement, count: int) -> str:
    return _(
        "Announcement #{number} is on its way to {count} residents. "
        "/deliveries shows how far it got."
    ).format(number=draft.id, count=count)


def cancelled(announcement: Announcement, withdrawn: int) -> str:
    if announcement.broadcast_id is None:
        return _("Announcement #{number} is cancelled; nobody received it.").format(
            number=announcement.id
        )
    return _(
        "Announcement #{number} is cancelled: {count} messages not yet sent were withdrawn."
    ).format(number=announcement.id, count=withdrawn)
