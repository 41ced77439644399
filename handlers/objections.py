"""Residents object to a published result (公示) within its window: a button on the result,
then the objection as a message. The committee is told of each one through the outbox."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ObjectToResult
from handlers.texts import flat_label, refusal_text
from storage.committee import member_languages
from storage.models import Resident
from storage.notices import queue_notice
from storage.outbox import Outgoing
from storage.refusals import Refused
from storage.residents import flats_by_id
from storage.vote_inputs import MAX_CHALLENGE, challengeable, file_challenge

# Resident.awaiting_answer while an objection is being written: "objection:<survey id>".
AWAITING = "objection:"


def objection_button(survey_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Object to this result"), callback_data=ObjectToResult(survey_id=survey_id)
    )
    return builder.as_markup()


def writing_objection(message: Message, resident: Resident | None = None) -> bool:
    return resident is not None and (resident.awaiting_answer or "").startswith(AWAITING)


async def begin_objection(
    query: CallbackQuery, callback_data: ObjectToResult, session: AsyncSession, resident: Resident
) -> None:
    try:
        survey = await challengeable(session, resident, callback_data.survey_id)
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    resident.awaiting_answer = f"{AWAITING}{survey.id}"
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        _(
            "Please write your objection to the result of #{number} in one message "
            "(at most {limit} characters) and send it. The committee will read it."
        ).format(number=survey.id, limit=MAX_CHALLENGE)
    )


async def objection_text(
    message: Message, session: AsyncSession, resident: Resident, i18n: I18n, zone: ZoneInfo
) -> None:
    assert resident.awaiting_answer is not None and message.text is not None
    survey_id = int(resident.awaiting_answer.removeprefix(AWAITING))
    resident.awaiting_answer = None
    if len(message.text) > MAX_CHALLENGE:
        resident.awaiting_answer = f"{AWAITING}{survey_id}"
        await message.answer(
            _("Your objection is {length} characters long; please shorten it to {limit}.").format(
                length=len(message.text), limit=MAX_CHALLENGE
            )
        )
        return
    try:
        objection = await file_challenge(session, resident, survey_id, message.text)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    await message.answer(
        _(
            "Your objection to the result of #{number} is recorded. The committee will reply."
        ).format(number=survey_id)
    )
    flat = (await flats_by_id(session, [objection.household_id]))[objection.household_id]
    told = []
    for telegram_id, language in await member_languages(session, flat.compound_id):
        with i18n.use_locale(language or i18n.default_locale):
            text = _("Objection to the result of #{number} from {flat}:\n{text}").format(
                number=survey_id, flat=flat_label(flat), text=objection.text
            )
        told.append(
            Outgoing(chat_id=telegram_id, text=text, key=f"objection:{objection.id}:{telegram_id}")
        )
    key = f"objection:{objection.id}"
    await queue_notice(session, "objection", told, compound_id=flat.compound_id, key=key, zone=zone)


def build_router() -> Router:
    router = Router(name="objections")
    router.callback_query.register(begin_objection, ObjectToResult.filter())
    router.message.register(objection_text, F.text, ~F.text.startswith("/"), writing_objection)
    return router
