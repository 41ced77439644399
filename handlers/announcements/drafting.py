"""The committee's announcements: /announce → a scope by buttons (the picker turns into the
next step) → the text → "Now" or a time → a preview to confirm; /cancel_announcement N; and
the sweep that queues scheduled ones when due.

Where the author is lives in the conversation state (`Announcing`), with the id of the draft
row that holds what they wrote so far; the draft is reached only through that state, so any
command, or any other flow, ends the writing and takes the author's next text for itself."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.announcements.callbacks import AnnouncePlace, AnnounceStep, CancelAnnouncement
from handlers.announcements.views import (
    EXAMPLE_TIME,
    ask_text,
    ask_time,
    cancelled,
    compound_picker,
    on_its_way,
    place_picker,
    preview,
    scheduled,
)
from handlers.shared.filters import Committee, NumberArgument, Sorry
from handlers.shared.localized import messages_to
from handlers.shared.replies import Replies, pressed_text
from handlers.shared.texts import refusal_text
from storage.announcements.drafts import (
    MAX_TEXT,
    announcement_for_committee,
    cancel_announcement,
    checked_text,
    discard_drafts,
    due_announcements,
    own_draft,
    place_in,
    recipients,
    start_draft,
)
from storage.models import Resident, utcnow
from storage.outbox.notices import queue_notice
from storage.refusals import Refusal, Refused
from storage.schedule_models import Announcement, AnnouncementStatus
from surveys.notice_times import parse_local_time


class Announcing(StatesGroup):
    text = State()  # data: DRAFT
    when = State()  # data: DRAFT; the text is written
    confirm = State()  # data: DRAFT; the time is chosen, the preview shown


DRAFT = "announcement"  # the conversation data's key: the id of the draft being written


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


# -- choosing the scope --


async def start(
    message: Message, session: AsyncSession, compounds: list[int], replies: Replies
) -> None:
    if len(compounds) == 1:
        markup = await place_picker(session, compounds[0], None)
    else:
        markup = await compound_picker(session, compounds)
    replies.say(_("Who is the announcement for?"), markup)


async def pick_place(
    query: CallbackQuery,
    callback_data: AnnouncePlace,
    session: AsyncSession,
    compounds: list[int],
    replies: Replies,
    state: FSMContext,
) -> None:
    compound_id = callback_data.compound_id
    building_id, unit_id = callback_data.building_id or None, callback_data.unit_id or None
    if compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    if not await place_in(session, compound_id, building_id, unit_id):
        raise Sorry(_("This button is no longer valid."))
    if not callback_data.final:  # the next level, on the same message
        markup = await place_picker(session, compound_id, building_id)
        replies.edit(pressed_text(query) or _("Who is the announcement for?"), markup)
        return
    draft = await start_draft(
        session, query.from_user.id, compound_id, building_id, unit_id, utcnow()
    )
    await state.set_state(Announcing.text)
    await state.set_data({DRAFT: draft.id})
    replies.edit(*await ask_text(session, draft))


# -- the text, the time, the confirmation --


async def _draft(
    session: AsyncSession,
    state: FSMContext,
    author_id: int,
    compounds: list[int],
    named: int | None = None,
) -> Announcement:
    """The draft this person is writing; `named`: the draft of a pressed button, which must
    be that one. A button of an earlier draft is refused without ending the flow at hand."""
    draft_id = (await state.get_data()).get(DRAFT)
    stale = named is not None and named != draft_id
    if await state.get_state() not in Announcing or draft_id is None or stale:
        raise Sorry(refusal_text(Refusal.UNKNOWN_ANNOUNCEMENT))
    return await own_draft(session, author_id, int(draft_id), compounds)


def _text(typed: str) -> str:
    try:
        return checked_text(typed)
    except ValueError:
        raise Sorry(
            _(
                "An announcement can be at most {count} characters. Please send a shorter text."
            ).format(count=MAX_TEXT)
        ) from None


def _time(typed: str, zone: ZoneInfo, now: datetime) -> datetime:
    try:
        send_at = parse_local_time(typed, zone)
    except ValueError:
        raise Sorry(
            _("Please send a date and time such as {example}, or press “Now”.").format(
                example=EXAMPLE_TIME
            )
        ) from None
    if send_at <= now:
        raise Sorry(_("That time has passed. Send a later one, or press “Now”."))
    return send_at


async def typed(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    compounds: list[int],
    replies: Replies,
    state: FSMContext,
    zone: ZoneInfo,
) -> None:
    """The announcement's text, then the time it goes out at (or "Now", a button)."""
    assert message.text is not None  # F.text
    draft, now = await _draft(session, state, resident.telegram_id, compounds), utcnow()
    if await state.get_state() == Announcing.text.state:
        draft.text = _text(message.text)
        await state.set_state(Announcing.when)
        replies.say(*ask_time(draft, zone))
    else:
        draft.send_at = _time(message.text, zone, now)
        await state.set_state(Announcing.confirm)
        replies.say(*await preview(session, draft, zone, now))
    draft.updated_at = now


async def step(
    query: CallbackQuery,
    callback_data: AnnounceStep,
    session: AsyncSession,
    compounds: list[int],
    replies: Replies,
    state: FSMContext,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    """A button of the draft, which turns its message into what follows."""
    author_id, action = query.from_user.id, callback_data.action
    draft = await _draft(session, state, author_id, compounds, callback_data.announcement_id)
    now, at = utcnow(), await state.get_state()
    if action == "drop":
        await discard_drafts(session, author_id)
        await state.clear()
        replies.edit(_("The announcement was discarded."))
    elif action == "now" and at == Announcing.when.state:
        draft.send_at, draft.updated_at = now, now
        await state.set_state(Announcing.confirm)
        replies.edit(*await preview(session, draft, zone, now))
    elif action == "send" and at == Announcing.confirm.state:
        await state.clear()
        replies.edit(await _confirm(session, draft, i18n, zone, now))
    else:  # a button of a step already passed
        raise Sorry(_("This button is no longer valid."))


async def _confirm(
    session: AsyncSession, draft: Announcement, i18n: I18n, zone: ZoneInfo, now: datetime
) -> str:
    assert draft.send_at is not None
    draft.status = AnnouncementStatus.SCHEDULED
    if draft.send_at > now:
        return scheduled(draft, zone)
    return on_its_way(draft, await queue_announcement(session, draft, i18n, zone, now))


# -- cancelling --


async def _cancel(session: AsyncSession, compounds: list[int], announcement_id: int) -> str:
    announcement = await announcement_for_committee(session, compounds, announcement_id)
    return cancelled(announcement, await cancel_announcement(session, announcement))


async def cancel_command(
    message: Message,
    session: AsyncSession,
    compounds: list[int],
    number: int,
    replies: Replies,
) -> None:
    replies.say(await _cancel(session, compounds, number))


async def cancel_button(
    query: CallbackQuery,
    callback_data: CancelAnnouncement,
    session: AsyncSession,
    compounds: list[int],
    replies: Replies,
) -> None:
    replies.say(await _cancel(session, compounds, callback_data.announcement_id))


def build_router() -> Router:
    router = Router(name="announcements")
    router.message.register(start, Command("announce"), Committee())
    router.message.register(
        cancel_command,
        Command("cancel_announcement"),
        Committee(),
        NumberArgument(lambda: _("/deliveries lists the numbers.")),
    )
    router.message.register(
        typed, StateFilter(Announcing.text, Announcing.when), F.text, Committee()
    )
    router.callback_query.register(pick_place, AnnouncePlace.filter(), Committee())
    router.callback_query.register(step, AnnounceStep.filter(), Committee())
    router.callback_query.register(cancel_button, CancelAnnouncement.filter(), Committee())
    return router
