"""Residents read a survey's results: after the close, or while it runs when its definition
shows them live (`results_visible: live`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.texts import refusal_text
from handlers.surveys.committee import survey_number
from handlers.surveys.tally_text import tally_text
from storage.models import Resident
from storage.refusals import Refused
from storage.surveys.queries import definition_of, results_for_resident
from storage.surveys.tallies import tally_survey


async def show_results(
    message: Message, command: CommandObject, session: AsyncSession, resident: Resident, i18n: I18n
) -> None:
    number = await survey_number(message, command)
    if number is None:
        return
    try:
        survey = await results_for_resident(session, resident, number)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    result = await tally_survey(session, survey)
    text = tally_text(result, definition_of(survey.definition), i18n.current_locale)
    await message.answer(text[:4096])


def build_router() -> Router:
    router = Router(name="results")
    router.message.register(show_results, Command("results"))
    return router
