"""Residents read a survey's results: after the close, or while it runs when its definition
shows them live (`results_visible: live`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import NumberArgument
from handlers.shared.replies import Replies
from handlers.surveys.tally_text import tally_text
from storage.models import Resident
from storage.surveys.models import SurveyStatus
from storage.surveys.queries import definition_of, results_for_resident
from storage.surveys.tallies import tally_survey


async def show_results(
    message: Message,
    number: int,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
) -> None:
    survey = await results_for_resident(session, resident, number)
    result = await tally_survey(session, survey)
    running = survey.status is SurveyStatus.OPEN
    definition = definition_of(survey.definition)
    replies.say(tally_text(result, definition, i18n.current_locale, running=running))


def build_router() -> Router:
    router = Router(name="results")
    router.message.register(show_results, Command("results"), NumberArgument())
    return router
