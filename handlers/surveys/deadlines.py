"""The committee moves a survey's close: `/extend N DAYS` gives an open survey more days,
`/reopen N [DAYS]` opens again one closed by mistake before its result is published. Who has
not finished answering is told the new close, with the button to answer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Committee, Sorry
from handlers.shared.replies import Replies
from handlers.surveys.notices import announce_new_close, local_time
from storage.surveys.deadlines import extend_survey, reopen_survey
from storage.surveys.models import Survey
from storage.surveys.queries import survey_for_committee
from surveys.numbers import whole_number_or_none

MAX_DAYS = 365


def _numbers(command: CommandObject, count: range) -> list[int] | None:
    """The command's whole numbers, if there are `count` of them and days are 1 to MAX_DAYS."""
    parts = (command.args or "").split()
    numbers = [whole_number_or_none(part) for part in parts]
    if len(numbers) not in count or None in numbers:
        return None
    found = [number for number in numbers if number is not None]
    return found if all(1 <= days <= MAX_DAYS for days in found[1:]) else None


async def _tell(
    session: AsyncSession, survey: Survey, i18n: I18n, zone: ZoneInfo, *, reopened: bool
) -> dict[str, object]:
    """Queue the new close for who has not finished; the figures of the committee's reply."""
    assert survey.closes_at is not None
    count = await announce_new_close(session, survey, i18n, zone, reopened=reopened)
    return {"number": survey.id, "time": local_time(survey.closes_at, zone), "count": count}


async def extend(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    numbers = _numbers(command, range(2, 3))
    if numbers is None:
        raise Sorry(
            _(
                "Send /extend, the survey number and how many days to add (1 to {most}), "
                "for example /extend 3 7."
            ).format(most=MAX_DAYS)
        )
    number, days = numbers
    survey = await survey_for_committee(session, compounds, number)
    await extend_survey(session, survey, days)
    told = await _tell(session, survey, i18n, zone, reopened=False)
    replies.say(
        _(
            "Survey #{number} now closes at {time}; {count} residents who have not finished "
            "answering will be told."
        ).format(**told)
    )


async def reopen(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    numbers = _numbers(command, range(1, 3))
    if numbers is None:
        raise Sorry(
            _(
                "Send /reopen and the survey number, and how many days it stays open if its "
                "former close time has passed, for example /reopen 3 or /reopen 3 7."
            )
        )
    number, *days = numbers
    survey = await survey_for_committee(session, compounds, number)
    await reopen_survey(session, survey, days[0] if days else None)
    told = await _tell(session, survey, i18n, zone, reopened=True)
    replies.say(
        _(
            "Survey #{number} is open again until {time}; the answers given stay. {count} "
            "residents who have not finished answering will be told."
        ).format(**told)
    )


def build_router() -> Router:
    router = Router(name="survey_deadlines")
    router.message.register(extend, Command("extend"), Committee())
    router.message.register(reopen, Command("reopen"), Committee())
    return router
