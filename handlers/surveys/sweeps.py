"""The periodic work on surveys, run by bot.schedules: closing surveys whose close time has
come (telling their committee), and reminding who has not finished answering."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.localized import messages_to
from handlers.surveys.notices import reminder_message, survey_notices
from storage.committee import committee_of
from storage.outbox.notices import broadcast_with_key, notice_time, queue_notice
from storage.outbox.queue import Outgoing
from storage.surveys.deadlines import notice_key
from storage.surveys.models import Survey
from storage.surveys.queries import Turnout, close_survey, definition_of, turnout
from storage.surveys.schedules import non_finishers, surveys_open_at, surveys_past_close
from surveys.notice_times import due_reminder


async def _queue(
    session: AsyncSession,
    survey: Survey,
    kind: str,
    key: str,
    messages: Sequence[Outgoing],
    zone: ZoneInfo,
    now: datetime,
) -> int:
    queued = await queue_notice(
        session, kind, messages, compound_id=survey.compound_id, key=key, zone=zone, at=now
    )
    return queued.count


def closed_text(number: int, counts: Turnout) -> str:
    return _(
        "Survey #{number} is closed: {submitted} of {eligible} flats answered. "
        "/tally {number} shows the result."
    ).format(number=number, submitted=counts.submitted, eligible=counts.eligible)


async def close_due_surveys(
    session: AsyncSession, now: datetime, i18n: I18n, zone: ZoneInfo
) -> int:
    """Sweep: close the surveys whose time is up and tell their committee the turnout."""
    queued = 0
    for survey in await surveys_past_close(session, now):
        await close_survey(session, survey)
        counts = await turnout(session, survey)
        members = await committee_of(session, survey.compound_id)
        messages = messages_to(
            ((m.telegram_id, m.language) for m in members),
            i18n,
            partial(closed_text, survey.id, counts),
        )
        key = notice_key(survey, f"survey-closed:{survey.id}")
        queued += await _queue(session, survey, "survey_closed", key, messages, zone, now)
    return queued


async def remind_non_finishers(
    session: AsyncSession, now: datetime, i18n: I18n, zone: ZoneInfo
) -> int:
    """Sweep: at each reminder offset of an open survey, remind everyone invited who has not
    submitted, once. The reminder's broadcast is the record that it was done, so a sweep run
    again (or by the next leader) sends nothing twice."""
    queued = 0
    for survey in await surveys_open_at(session, now):
        assert survey.opened_at is not None and survey.closes_at is not None
        offsets = definition_of(survey.definition).reminders
        hours = due_reminder(offsets, survey.opened_at, survey.closes_at, now)
        key = notice_key(survey, f"reminder:{survey.id}:{hours}h")
        if hours is None or await broadcast_with_key(session, key) is not None:
            continue
        messages = []
        # A reminder that quiet hours would hold past the close is pointless: none is sent.
        if await notice_time(session, survey.compound_id, zone, now) < survey.closes_at:
            invited = await non_finishers(session, survey)
            messages = await survey_notices(
                session, survey, invited, reminder_message, key, i18n, zone
            )
        queued += await _queue(session, survey, "survey_reminder", key, messages, zone, now)
    return queued
