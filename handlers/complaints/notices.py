"""Complaint notices through the outbox, each in its reader's language: the reporter hears of
every change with the committee's note; the committee hears of a complaint filed, reopened or
left unacknowledged too long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.texts import reporter_notice, row_line
from storage.committee import committee_of
from storage.complaints.queries import ComplaintRow, overdue_complaints
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Outgoing
from surveys.complaints.rules import State


async def tell_reporter(
    session: AsyncSession,
    row: ComplaintRow,
    state: State,
    note: str,
    key: str,
    i18n: I18n,
    zone: ZoneInfo,
) -> bool:
    with i18n.context(), i18n.use_locale(row.reporter_language or i18n.default_locale):
        text, markup = reporter_notice(row.complaint.id, state, note)
    reply_markup = None if markup is None else markup.model_dump(exclude_none=True)
    notice = Outgoing(
        chat_id=row.reporter_telegram_id, text=text, reply_markup=reply_markup, key=key
    )
    queued = await queue_notice(
        session,
        "complaint_update",
        [notice],
        compound_id=row.complaint.compound_id,
        key=key,
        zone=zone,
    )
    return queued.count > 0


def filed_heading(row: ComplaintRow) -> str:
    return _("New complaint #{number}:").format(number=row.complaint.id)


def reopened_heading(row: ComplaintRow) -> str:
    return _("Complaint #{number} was reopened by its reporter:").format(number=row.complaint.id)


def overdue_heading(row: ComplaintRow) -> str:
    return _("Complaint #{number} has not been acknowledged in time:").format(
        number=row.complaint.id
    )


async def tell_committee(
    session: AsyncSession,
    row: ComplaintRow,
    heading: Callable[[ComplaintRow], str],
    key: str,
    i18n: I18n,
    zone: ZoneInfo,
) -> int:
    """Queue `heading` and the complaint's line for each committee member of its compound;
    `key` plus the member's number makes each notice once only."""
    messages = []
    for member in await committee_of(session, row.complaint.compound_id):
        with i18n.context(), i18n.use_locale(member.language or i18n.default_locale):
            text = "\n".join(
                [
                    heading(row),
                    row_line(row),
                    _("Send /case {number} to handle it.").format(number=row.complaint.id),
                ]
            )
        messages.append(
            Outgoing(chat_id=member.telegram_id, text=text, key=f"{key}:{member.telegram_id}")
        )
    queued = await queue_notice(
        session,
        "complaint_alert",
        messages,
        compound_id=row.complaint.compound_id,
        key=key,
        zone=zone,
    )
    return queued.count


async def alert_overdue_complaints(
    session: AsyncSession, now: datetime, i18n: I18n, zone: ZoneInfo
) -> int:
    """Sweep: remind the committee of complaints not acknowledged by their deadline (set at
    filing from LINLI_COMPLAINT_ACKNOWLEDGE_HOURS); once per complaint and deadline."""
    queued = 0
    for row in await overdue_complaints(session, now):
        deadline = row.complaint.acknowledge_by
        assert deadline is not None
        key = f"complaint-overdue:{row.complaint.id}:{deadline.timestamp():.0f}"
        queued += await tell_committee(session, row, overdue_heading, key, i18n, zone)
    return queued
