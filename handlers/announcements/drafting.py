"""The committee's announcements: /announce → a scope by buttons → the text → "now" or a time
→ confirm; /cancel_announcement N; and the sweep that queues scheduled ones when due.

The draft being written is a database row (storage.announcements.drafts), changed inside each
update's transaction: a restart or another webhook worker carries on from the next message."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.buttons import remove_buttons
from handlers.shared.callbacks import AnnouncePlace, AnnounceStep, CancelAnnouncement
from handlers.shared.localized import messages_to
from handlers.shared.texts import building_label, refusal_text, unit_label
from handlers.surveys.notices import local_time
from storage.announcements.drafts import (
    MAX_TEXT,
    announcement_for_committee,
    cancel_announcement,
    checked_text,
    discard_drafts,
    draft_of,
    due_announcements,
    own_draft,
    place_in,
    recipients,
    start_draft,
)
from storage.committee import compounds_of
from storage.models import Building, Compound, Resident, Unit, utcnow
from storage.outbox.notices import notice_time, queue_notice
from storage.refusals import Refusal, Refused
from storage.schedule_models import Announcement, AnnouncementStatus
from surveys.notice_times import parse_local_time

EXAMPLE_TIME = "2026-12-03 09:00"


# -- what residents get --


async def queue_announcement(
    session: AsyncSession, announcement: Announcement, i18n: I18n, zone: ZoneInfo, now: datetime
) -> int:
    """Queue the announcement to everyone in its scope; return how many messages."""
    text = announcement.text
    assert text is not None
    messages = messages_to(
        await recipients(session, announcement),
        i18n,
        lambda: _("Announcement from the committee:") + "\n\n" + text,
    )
    queued = await queue_notice(
        session,
        "announcement",
        messages,
        compound_id=announcement.compound_id,
        key=f"announcement:{announcement.id}",
        zone=zone,
        at=now,
    )
    announcement.status = AnnouncementStatus.QUEUED
    announcement.broadcast_id = queued.broadcast_id
    return queued.count


async def send_due_announcements(
    session: AsyncSession, now: datetime, i18n: I18n, zone: ZoneInfo
) -> int:
    """Sweep: queue the scheduled announcements whose time has come."""
    queued = 0
    for announcement in await due_announcements(session, now):
        queued += await queue_announcement(session, announcement, i18n, zone, now)
    return queued


# -- labels --


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


def _step_button(
    builder: InlineKeyboardBuilder, text: str, draft: Announcement, action: str
) -> None:
    builder.button(text=text, callback_data=AnnounceStep(announcement_id=draft.id, action=action))


def _discard_only(draft: Announcement) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _step_button(builder, _("Discard"), draft, "drop")
    return builder.as_markup()


# -- choosing the scope --


async def _places(
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


async def start(message: Message, session: AsyncSession) -> None:
    assert message.from_user is not None
    compounds = await compounds_of(session, message.from_user.id)
    if not compounds:
        await message.answer(refusal_text(Refusal.NOT_COMMITTEE))
        return
    if len(compounds) == 1:
        markup = await _places(session, compounds[0], None)
    else:
        builder = InlineKeyboardBuilder()
        names = await session.execute(
            select(Compound.id, Compound.name).where(Compound.id.in_(compounds))
        )
        for compound_id, name in names:
            place = AnnouncePlace(compound_id=compound_id, building_id=0, unit_id=0, final=False)
            builder.button(text=name, callback_data=place)
        builder.adjust(1)
        markup = builder.as_markup()
    await message.answer(_("Who is the announcement for?"), reply_markup=markup)


async def pick_place(
    query: CallbackQuery, callback_data: AnnouncePlace, session: AsyncSession
) -> None:
    assert isinstance(query.message, Message)
    compound_id = callback_data.compound_id
    building_id, unit_id = callback_data.building_id or None, callback_data.unit_id or None
    if compound_id not in await compounds_of(session, query.from_user.id):
        await query.answer(refusal_text(Refusal.NOT_COMMITTEE), show_alert=True)
        return
    if not await place_in(session, compound_id, building_id, unit_id):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    if not callback_data.final:  # the next level, on the same message
        await query.message.edit_reply_markup(
            reply_markup=await _places(session, compound_id, building_id)
        )
        await query.answer()
        return
    draft = await start_draft(
        session, query.from_user.id, compound_id, building_id, unit_id, utcnow()
    )
    place = await place_label(session, compound_id, building_id, unit_id)
    await remove_buttons(query.message)
    await query.message.answer(
        _("An announcement to {place}. Now send me its text.").format(place=place),
        reply_markup=_discard_only(draft),
    )
    await query.answer()


# -- the text, the time, the confirmation --


async def writing_announcement(
    message: Message, session: AsyncSession, resident: Resident | None = None
) -> dict[str, Any] | bool:
    """A filter: the sender has a draft waiting for text; hands it to the handler."""
    if resident is None:
        return False
    draft = await draft_of(session, resident.telegram_id, utcnow())
    return False if draft is None else {"draft": draft}


async def typed(
    message: Message, session: AsyncSession, draft: Announcement, zone: ZoneInfo
) -> None:
    assert message.text is not None
    now = utcnow()
    draft.updated_at = now
    if draft.text is None:
        try:
            draft.text = checked_text(message.text)
        except ValueError:
            await message.answer(
                _(
                    "An announcement can be at most {count} characters. Please send a shorter text."
                ).format(count=MAX_TEXT),
                reply_markup=_discard_only(draft),
            )
            return
        builder = InlineKeyboardBuilder()
        _step_button(builder, _("Now"), draft, "now")
        _step_button(builder, _("Discard"), draft, "drop")
        await message.answer(
            _(
                "When should it go out? Press “Now”, or send a date and time in the compound's "
                "time ({zone}), for example {example}."
            ).format(zone=zone.key, example=EXAMPLE_TIME),
            reply_markup=builder.as_markup(),
        )
        return
    if draft.send_at is None:
        try:
            send_at = parse_local_time(message.text, zone)
        except ValueError:
            await message.answer(
                _("Please send a date and time such as {example}, or press “Now”.").format(
                    example=EXAMPLE_TIME
                )
            )
            return
        if send_at <= now:
            await message.answer(_("That time has passed. Send a later one, or press “Now”."))
            return
        draft.send_at = send_at
    await _preview(message, session, draft, zone, now)


async def _preview(
    message: Message, session: AsyncSession, draft: Announcement, zone: ZoneInfo, now: datetime
) -> None:
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
    builder = InlineKeyboardBuilder()
    _step_button(builder, _("Send") if not scheduled else _("Schedule"), draft, "send")
    _step_button(builder, _("Discard"), draft, "drop")
    await message.answer("\n".join(lines)[:4096], reply_markup=builder.as_markup())


async def step(
    query: CallbackQuery,
    callback_data: AnnounceStep,
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    assert isinstance(query.message, Message)
    now = utcnow()
    try:
        draft = await own_draft(session, query.from_user.id, callback_data.announcement_id, now)
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    await query.answer()
    await remove_buttons(query.message)
    if callback_data.action == "drop":
        await discard_drafts(session, query.from_user.id)
        await query.message.answer(_("The announcement was discarded."))
    elif callback_data.action == "now" and draft.text is not None and draft.send_at is None:
        draft.send_at, draft.updated_at = now, now
        await _preview(query.message, session, draft, zone, now)
    elif callback_data.action == "send" and draft.send_at is not None:
        await _confirm(query.message, session, draft, i18n, zone, now)
    else:
        await query.message.answer(_("This button is no longer valid."))


async def _confirm(
    message: Message,
    session: AsyncSession,
    draft: Announcement,
    i18n: I18n,
    zone: ZoneInfo,
    now: datetime,
) -> None:
    assert draft.send_at is not None
    draft.status = AnnouncementStatus.SCHEDULED
    if draft.send_at > now:
        await message.answer(
            _(
                "Announcement #{number} will go out at {time}. "
                "/cancel_announcement {number} cancels it; /deliveries shows it."
            ).format(number=draft.id, time=local_time(draft.send_at, zone))
        )
        return
    count = await queue_announcement(session, draft, i18n, zone, now)
    await message.answer(
        _(
            "Announcement #{number} is on its way to {count} residents. "
            "/deliveries shows how far it got."
        ).format(number=draft.id, count=count)
    )


# -- cancelling --


async def _cancel(session: AsyncSession, telegram_id: int, announcement_id: int) -> str:
    """Cancel and say what that did, or why it could not."""
    try:
        announcement = await announcement_for_committee(session, telegram_id, announcement_id)
        withdrawn = await cancel_announcement(session, announcement)
    except Refused as refused:
        return refusal_text(refused.reason)
    if announcement.broadcast_id is None:
        return _("Announcement #{number} is cancelled; nobody received it.").format(
            number=announcement.id
        )
    return _(
        "Announcement #{number} is cancelled: {count} messages not yet sent were withdrawn."
    ).format(number=announcement.id, count=withdrawn)


async def cancel_command(message: Message, command: CommandObject, session: AsyncSession) -> None:
    assert message.from_user is not None
    number = (command.args or "").strip().lstrip("#")
    if not number.isdigit():
        await message.answer(
            _(
                "Send /cancel_announcement followed by the announcement number, for example "
                "/cancel_announcement 3. /deliveries lists the numbers."
            )
        )
        return
    await message.answer(await _cancel(session, message.from_user.id, int(number)))


async def cancel_button(
    query: CallbackQuery, callback_data: CancelAnnouncement, session: AsyncSession
) -> None:
    assert isinstance(query.message, Message)
    text = await _cancel(session, query.from_user.id, callback_data.announcement_id)
    await query.answer()
    await query.message.answer(text)


def build_router() -> Router:
    router = Router(name="announcements")
    router.message.register(start, Command("announce"))
    router.message.register(cancel_command, Command("cancel_announcement"))
    router.callback_query.register(pick_place, AnnouncePlace.filter())
    router.callback_query.register(step, AnnounceStep.filter())
    router.callback_query.register(cancel_button, CancelAnnouncement.filter())
    router.message.register(typed, F.text, ~F.text.startswith("/"), writing_announcement)
    return router
