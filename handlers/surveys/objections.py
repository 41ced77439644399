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

from handlers.shared.callbacks import ObjectToResult
from handlers.shared.conversation import InStep
from handlers.shared.localized import messages_to
from handlers.shared.texts import flat_label, refusal_text
from storage.committee import committee_of
from storage.conversations.steps import clear_step, set_step
from storage.models import Resident
from storage.outbox.notices import queue_notice
from storage.refusals import Refused
from storage.residents import flats_by_id
from storage.surveys.vote_inputs import MAX_CHALLENGE, challengeable, file_challenge


def objection_button(survey_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Object to this result"), callback_data=ObjectToResult(survey_id=survey_id)
    )
    return builder.as_markup()


async def begin_objection(
    query: CallbackQuery, callback_data: ObjectToResult, session: AsyncSession, resident: Resident
) -> None:
    try:
        survey = await challengeable(session, resident, callback_data.survey_id)
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    await set_step(session, resident, f"objection:{survey.id}")
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        _(
            "Please write your objection to the result of #{number} in one message "
            "(at most {limit} characters) and send it. The committee will read it."
        ).format(number=survey.id, limit=MAX_CHALLENGE)
    )


async def objection_text(
    message: Message,
    step: list[str],
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    assert message.text is not None
    survey_id = int(step[0])
    if len(message.text) > MAX_CHALLENGE:  # the step stays: they may send a shorter one
        await message.answer(
            _("Your objection is {length} characters long; please shorten it to {limit}.").format(
                length=len(message.text), limit=MAX_CHALLENGE
            )
        )
        return
    await clear_step(session, resident)
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
    router.message.register(objection_text, F.text, InStep("objection"))
    return router
