"""Residents file complaints in a guided chat (/complaint): category → description → photos
("Done") → location → anonymity → confirm, and get a tracking number. The typed steps wait in
the conversation step "complaint:text:<id>" or "complaint:photos:<id>"; buttons carry the
draft's id, re-checked as the resident's own draft. The reporter reopens or rates a finished
complaint with the buttons of the notice that told them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.notices import filed_heading, reopened_heading, tell_committee
from handlers.complaints.texts import category_label, limit_text, place_label
from handlers.shared.buttons import remove_buttons
from handlers.shared.callbacks import ComplaintReply, ComplaintStep
from handlers.shared.conversation import InStep
from handlers.shared.texts import refusal_text
from storage.complaints.models import Complaint
from storage.complaints.queries import (
    add_photo,
    complaint_row,
    draft_of,
    photo_count,
    rate,
    reopen,
    start_draft,
    submit,
)
from storage.conversations.steps import clear_step, set_step
from storage.models import Building, Resident, Unit, utcnow
from storage.refusals import Refused
from surveys.complaints.rules import Category, ComplaintLimits, OverLimit


def _buttons(complaint: Complaint, choices: list[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    """(label, field, value) buttons of the guided chat, one per row."""
    builder = InlineKeyboardBuilder()
    for label, field, value in choices:
        builder.button(
            text=label,
            callback_data=ComplaintStep(complaint_id=complaint.id, field=field, value=value),
        )
    builder.adjust(1)
    return builder.as_markup()


async def start(
    message: Message, session: AsyncSession, resident: Resident, complaint_limits: ComplaintLimits
) -> None:
    try:
        draft = await start_draft(session, resident, complaint_limits, utcnow())
    except OverLimit as over:
        await message.answer(limit_text(over))
        return
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    await clear_step(session, resident)
    choices = [(category_label(category), "cat", category.value) for category in Category]
    await message.answer(_("What is the complaint about?"), reply_markup=_buttons(draft, choices))


def _done_button(complaint: Complaint) -> InlineKeyboardMarkup:
    return _buttons(complaint, [(_("Done"), "done", "")])


async def typed(
    message: Message,
    step: list[str],
    session: AsyncSession,
    resident: Resident,
    complaint_limits: ComplaintLimits,
) -> None:
    awaited, complaint_id = step
    try:
        draft = await draft_of(session, resident, int(complaint_id))
        if awaited == "text":
            await _describe(message, session, resident, draft, complaint_limits)
        elif message.photo:
            count = await add_photo(session, draft, message.photo[-1].file_id, complaint_limits)
            await message.answer(
                _("Photo {count} received (at most {limit}). Send more, or tap “Done”.").format(
                    count=count, limit=complaint_limits.photos
                ),
                reply_markup=_done_button(draft),
            )
        else:
            await message.answer(
                _("Please send a photo, or tap “Done”."), reply_markup=_done_button(draft)
            )
    except OverLimit as over:
        await message.answer(limit_text(over))
    except Refused as refused:
        await clear_step(session, resident)
        await message.answer(refusal_text(refused.reason))


async def _describe(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    draft: Complaint,
    limits: ComplaintLimits,
) -> None:
    if not message.text:
        await message.answer(_("Please describe the problem in words first."))
        return
    draft.description = limits.check_text(message.text)
    await set_step(session, resident, f"complaint:photos:{draft.id}")
    await message.answer(
        _("Send one or more photos of the problem (at most {limit}), then tap “Done”.").format(
            limit=limits.photos
        ),
        reply_markup=_done_button(draft),
    )


async def pressed(
    query: CallbackQuery,
    callback_data: ComplaintStep,
    session: AsyncSession,
    resident: Resident,
    complaint_limits: ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    assert isinstance(query.message, Message)
    try:
        draft = await draft_of(session, resident, callback_data.complaint_id)
        reply = await _step(session, resident, draft, callback_data, complaint_limits, i18n, zone)
    except OverLimit as over:
        await query.answer(limit_text(over), show_alert=True)
        return
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    except ValueError:  # a forged payload, or a button of a step already passed
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    text, markup = reply
    await query.answer()
    await remove_buttons(query.message)
    await query.message.answer(text, reply_markup=markup)


async def _step(
    session: AsyncSession,
    resident: Resident,
    draft: Complaint,
    pressed: ComplaintStep,
    limits: ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Record a button's choice; return the next question. ValueError: a forged value."""
    if pressed.field == "cat":
        draft.category = Category(pressed.value)
        await set_step(session, resident, f"complaint:text:{draft.id}")
        return _("Describe the problem (at most {limit} characters).").format(
            limit=limits.text
        ), None
    if pressed.field == "done" and draft.description is not None:
        await clear_step(session, resident)
        own = place_label(*await _names(session, draft.building_id, draft.unit_id))
        choices = [(own, "loc", "own"), (_("A common area of the compound"), "loc", "common")]
        return _("Where is the problem?"), _buttons(draft, choices)
    if pressed.field == "loc" and pressed.value in ("own", "common"):
        if pressed.value == "common":
            draft.building_id = draft.unit_id = None
        choices = [(_("Show my name"), "anon", "0"), (_("Stay anonymous"), "anon", "1")]
        question = _("Should other residents see that you reported it? The committee always knows.")
        return question, _buttons(draft, choices)
    if pressed.field == "anon" and pressed.value in ("0", "1"):
        draft.anonymous = pressed.value == "1"
        return await _summary(session, draft), _buttons(draft, [(_("Send"), "send", "")])
    if pressed.field == "send" and draft.category is not None:
        await submit(session, draft, resident, limits, utcnow())
        row = await complaint_row(session, draft)
        key = f"complaint-filed:{draft.id}"
        await tell_committee(session, row, filed_heading, key, i18n, zone)
        return _(
            "Your complaint is filed. Its tracking number is #{number}; you will be told of "
            "every change."
        ).format(number=draft.id), None
    raise ValueError(f"no step {pressed.field}={pressed.value} now")


async def _names(
    session: AsyncSession, building_id: int | None, unit_id: int | None
) -> tuple[str | None, str | None]:
    building = await session.get(Building, building_id) if building_id else None
    unit = await session.get(Unit, unit_id) if unit_id else None
    return (building.name if building else None, unit.name if unit else None)


async def _summary(session: AsyncSession, draft: Complaint) -> str:
    place = place_label(*await _names(session, draft.building_id, draft.unit_id))
    return "\n".join(
        [
            _("Please check your complaint:"),
            _("Category: {category}").format(category=category_label(draft.category)),
            _("Where: {place}").format(place=place),
            _("Photos: {count}").format(count=await photo_count(session, draft)),
            _("Anonymous to other residents: {answer}").format(
                answer=_("yes") if draft.anonymous else _("no")
            ),
            "",
            draft.description or "",
        ]
    )


async def replied(
    query: CallbackQuery,
    callback_data: ComplaintReply,
    session: AsyncSession,
    resident: Resident,
    complaint_limits: ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    try:
        if callback_data.score == 0:
            complaint = await reopen(
                session, resident, callback_data.complaint_id, complaint_limits, utcnow()
            )
            row = await complaint_row(session, complaint)
            assert complaint.acknowledge_by is not None
            key = f"complaint-reopened:{complaint.id}:{complaint.acknowledge_by.timestamp():.0f}"
            await tell_committee(session, row, reopened_heading, key, i18n, zone)
            text = _("Complaint #{number} is reopened; the committee will look at it again.")
        else:
            complaint = await rate(
                session, resident, callback_data.complaint_id, callback_data.score
            )
            text = _("Thank you: your rating of complaint #{number} is recorded.")
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    await query.answer(text.format(number=complaint.id), show_alert=True)


def build_router() -> Router:
    router = Router(name="complaints")
    router.message.register(start, Command("complaint"))
    router.callback_query.register(pressed, ComplaintStep.filter())
    router.callback_query.register(replied, ComplaintReply.filter())
    router.message.register(typed, InStep("complaint"))
    return router
