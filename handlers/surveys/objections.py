"""Residents object to a published result (公示) within its window: a button on the result,
then the objection as a message, awaited in the conversation state (`Objecting`). The
committee is told of each one through the outbox."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.filters import Sorry
from handlers.shared.localized import messages_to
from handlers.shared.replies import Replies
from handlers.shared.texts import flat_label
from handlers.surveys.callbacks import ObjectToResult
from storage.committee import committee_of
from storage.models import Resident
from storage.outbox.notices import queue_notice
from storage.residents import flats_by_id
from storage.surveys.vote_inputs import MAX_CHALLENGE, challengeable, file_challenge


class Objecting(StatesGroup):
    writing = State()  # data: survey


def objection_button(survey_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Object to this result"), callback_data=ObjectToResult(survey_id=survey_id)
    )
    return builder.as_markup()


async def begin_objection(
    query: CallbackQuery,
    callback_data: ObjectToResult,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
) -> None:
    survey = await challengeable(session, resident, callback_data.survey_id)
    await state.set_state(Objecting.writing)
    await state.set_data({"survey": survey.id})
    replies.say(
        _(
            "Please write your objection to the result of #{number} in one message "
            "(at most {limit} characters) and send it. The committee will read it."
        ).format(number=survey.id, limit=MAX_CHALLENGE)
    )


async def objection_text(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    assert message.text is not None  # the router's F.text
    survey_id = int((await state.get_data())["survey"])
    if len(message.text) > MAX_CHALLENGE:  # the step stays: they may send a shorter one
        raise Sorry(
            _("Your objection is {length} characters long; please shorten it to {limit}.").format(
                length=len(message.text), limit=MAX_CHALLENGE
            )
        )
    objection = await file_challenge(session, resident, survey_id, message.text)
    await state.clear()
    replies.say(
        _(
            "Your objection to the result of #{number} is recorded. The committee will reply."
        ).format(number=survey_id)
    )
    flat = (await flats_by_id(session, [objection.household_id]))[objection.household_id]
    members = await committee_of(session, flat.compound_id)
    told = messages_to(
        ((m.telegram_id, m.language) for m in members),
        i18n,
        lambda: _("Objection to the result of #{number} from {flat}:\n{text}").format(
            number=survey_id, flat=flat_label(flat), text=objection.text
        ),
    )
    key = f"objection:{objection.id}"
    await queue_notice(session, "objection", told, compound_id=flat.compound_id, key=key, zone=zone)


def build_router() -> Router:
    router = Router(name="objections")
    router.callback_query.register(begin_objection, ObjectToResult.filter())
    router.message.register(objection_text, StateFilter(Objecting.writing), F.text)
    return router
