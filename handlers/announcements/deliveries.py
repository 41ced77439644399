"""/deliveries: how far the compound's notices got — each recent announcement, or the notices
of survey N (opening, reminders, result) — and how many residents have blocked the bot."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.announcements.callbacks import CancelAnnouncement
from handlers.announcements.views import place_label
from handlers.shared.filters import Committee, NumberArgument
from handlers.shared.replies import Replies
from handlers.surveys.notices import local_time
from storage.announcements.drafts import recent_announcements
from storage.outbox.notices import broadcast_with_key
from storage.outbox.queue import Delivery, delivery, unreachable_residents
from storage.schedule_models import Announcement, AnnouncementStatus
from storage.surveys.models import Survey
from storage.surveys.queries import definition_of, survey_for_committee


def delivery_text(counts: Delivery) -> str:
    text = _(
        "sent {sent}, waiting {waiting}, unreachable (blocked the bot) {unreachable}, "
        "failed {failed}"
    ).format(
        sent=counts.sent,
        waiting=counts.waiting,
        unreachable=counts.unreachable,
        failed=counts.failed,
    )
    if counts.cancelled:
        text += _(", withdrawn {count}").format(count=counts.cancelled)
    return text


async def _announcement_line(
    session: AsyncSession, announcement: Announcement, zone: ZoneInfo
) -> tuple[str, bool]:
    """The announcement's line, and whether some of it can still be cancelled."""
    cancelled = announcement.status is AnnouncementStatus.CANCELLED
    cancellable = not cancelled
    if announcement.broadcast_id is not None:
        counts = await delivery(session, announcement.broadcast_id)
        state = delivery_text(counts)
        if cancelled:
            state = _("cancelled") + "; " + state
        cancellable = cancellable and bool(counts.waiting)
    elif cancelled:
        state = _("cancelled before it went out")
    else:
        state = _("scheduled")
    place = await place_label(
        session, announcement.compound_id, announcement.building_id, announcement.unit_id
    )
    assert announcement.send_at is not None
    line = _("Announcement #{number} to {place}, {time}: {state}").format(
        number=announcement.id,
        place=place,
        time=local_time(announcement.send_at, zone),
        state=state,
    )
    return line, cancellable


async def _announcements(
    session: AsyncSession, compounds: list[int], zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    lines, builder = [], InlineKeyboardBuilder()
    for announcement in await recent_announcements(session, compounds):
        line, cancellable = await _announcement_line(session, announcement, zone)
        lines.append(line)
        if cancellable:
            builder.button(
                text=_("Cancel #{number}").format(number=announcement.id),
                callback_data=CancelAnnouncement(announcement_id=announcement.id),
            )
    if not lines:
        lines.append(_("No announcements yet. /announce writes one."))
    for compound_id in compounds:
        blocked = await unreachable_residents(session, compound_id)
        lines += ["", _("Residents who have blocked the bot: {count}").format(count=blocked)]
    lines += ["", _("/deliveries N shows the notices of survey N.")]
    builder.adjust(3)
    return "\n".join(lines), builder.as_markup()


async def _survey_notices(session: AsyncSession, survey: Survey) -> str:
    notices = [(f"survey-opened:{survey.id}", _("Opening notice"))]
    notices += [
        (
            f"reminder:{survey.id}:{hours}h",
            _("Reminder {hours} h before the close").format(hours=hours),
        )
        for hours in definition_of(survey.definition).reminders
    ]
    notices.append((f"result:{survey.id}", _("Result published")))
    lines = [_("Notices of survey #{number}:").format(number=survey.id)]
    for key, name in notices:
        broadcast_id = await broadcast_with_key(session, key)
        state = (
            _("not sent yet")
            if broadcast_id is None
            else delivery_text(await delivery(session, broadcast_id))
        )
        lines.append(f"{name}: {state}")
    blocked = await unreachable_residents(session, survey.compound_id)
    lines += ["", _("Residents who have blocked the bot: {count}").format(count=blocked)]
    return "\n".join(lines)


async def deliveries(
    message: Message,
    session: AsyncSession,
    compounds: list[int],
    replies: Replies,
    zone: ZoneInfo,
) -> None:
    replies.say(*await _announcements(session, compounds, zone))


async def survey_deliveries(
    message: Message, session: AsyncSession, compounds: list[int], number: int, replies: Replies
) -> None:
    """/deliveries N: the notices of survey N."""
    survey = await survey_for_committee(session, compounds, number)
    replies.say(await _survey_notices(session, survey))


def build_router() -> Router:
    router = Router(name="deliveries")
    router.message.register(
        survey_deliveries,
        Command("deliveries", magic=F.args),
        Committee(),
        NumberArgument(lambda: _("/surveys lists the numbers.")),
    )
    router.message.register(deliveries, Command("deliveries"), Committee())
    return router
