"""Committee commands on complaints: /complaints lists them (filtered by state, category and
building), /case N shows one with buttons to change its state (the note for the reporter is
then typed, waiting in the conversation step "note:<id>:<state>"), assign it to a member and
re-send its photos; /complaints_export sends the spreadsheet, drawn by the injected
`render_complaints` so that openpyxl stays out of the handlers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.notices import tell_reporter
from handlers.complaints.texts import committee_view, limit_text, row_line, state_label
from handlers.shared.callbacks import ComplaintManage
from handlers.shared.conversation import InStep
from handlers.shared.texts import refusal_text
from storage.committee import committee_of, compounds_of
from storage.complaints.queries import (
    ComplaintRow,
    assign,
    change_state,
    complaint_for_committee,
    complaint_row,
    complaint_rows,
    photos_of,
)
from storage.conversations.steps import clear_step, set_step
from storage.models import Resident, utcnow
from storage.refusals import Refusal, Refused
from surveys.complaints.rules import COMMITTEE_STATES, Category, ComplaintLimits, OverLimit, State

ComplaintsRenderer = Callable[[Sequence[ComplaintRow], ZoneInfo], bytes]
LISTED = 30


async def _compounds(message: Message, session: AsyncSession) -> list[int] | None:
    assert message.from_user is not None
    compounds = await compounds_of(session, message.from_user.id)
    if not compounds:
        await message.answer(refusal_text(Refusal.NOT_COMMITTEE))
        return None
    return compounds


async def list_complaints(message: Message, command: CommandObject, session: AsyncSession) -> None:
    compounds = await _compounds(message, session)
    if compounds is None:
        return
    states = {state.value: state for state in State if state is not State.DRAFT}
    categories = {category.value: category for category in Category}
    state = category = building = None
    for word in (command.args or "").split():
        if word in states:
            state = states[word]
        elif word in categories:
            category = categories[word]
        else:
            building = word
    rows = await complaint_rows(
        session, compounds, state=state, category=category, building=building
    )
    lines = [row_line(row) for row in rows[:LISTED]] or [_("No complaints match.")]
    if len(rows) > LISTED:
        lines.append(
            _("… and {count} more, listed in /complaints_export.").format(count=len(rows) - LISTED)
        )
    lines += [
        "",
        _("Filter: /complaints [state] [category] [building], e.g. /complaints noise 3栋"),
        _("States: {states}").format(states=", ".join(states)),
        _("Categories: {categories}").format(categories=", ".join(categories)),
        _("Send /case N to handle complaint N."),
    ]
    await message.answer("\n".join(lines)[:4096])


async def _case_keyboard(session: AsyncSession, row: ComplaintRow) -> InlineKeyboardMarkup:
    complaint = row.complaint
    builder = InlineKeyboardBuilder()

    def press(text: str, action: str, value: str = "") -> None:
        data = ComplaintManage(complaint_id=complaint.id, action=action, value=value)
        builder.button(text=text, callback_data=data)

    states = [state for state in COMMITTEE_STATES if state is not complaint.state]
    for state in states:
        press(state_label(state), "state", state.value)
    members = await committee_of(session, complaint.compound_id)
    for member in members:
        name = member.name or str(member.telegram_id)
        press(_("Assign to {name}").format(name=name), "assign", str(member.telegram_id))
    if row.photos:
        press(_("Show the photos"), "photos")
    builder.adjust(*([2] * ((len(states) + 1) // 2)), *([1] * (len(members) + bool(row.photos))))
    return builder.as_markup()


async def show_case(message: Message, command: CommandObject, session: AsyncSession) -> None:
    assert message.from_user is not None
    number = (command.args or "").strip().lstrip("#")
    if not number.isdigit():
        await message.answer(_("Send /case followed by the complaint number, for example /case 3."))
        return
    try:
        complaint = await complaint_for_committee(session, message.from_user.id, int(number))
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    row = await complaint_row(session, complaint)
    await message.answer(committee_view(row), reply_markup=await _case_keyboard(session, row))


async def managed(
    query: CallbackQuery,
    callback_data: ComplaintManage,
    session: AsyncSession,
    resident: Resident,
) -> None:
    assert isinstance(query.message, Message)
    try:
        complaint = await complaint_for_committee(
            session, query.from_user.id, callback_data.complaint_id
        )
        if callback_data.action == "state":
            state = State(callback_data.value)
            await set_step(session, resident, f"note:{complaint.id}:{state.value}")
            await query.message.answer(
                _("Write the note the reporter will get with “{state}”.").format(
                    state=state_label(state)
                )
            )
        elif callback_data.action == "assign" and callback_data.value.isdigit():
            await assign(session, complaint, int(callback_data.value), query.from_user.id)
            await query.answer(_("Assigned."))
            return
        elif callback_data.action == "photos":
            for file_id in await photos_of(session, complaint):
                await query.message.answer_photo(file_id, caption=f"#{complaint.id}")
        else:
            raise ValueError(callback_data.action)
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    except ValueError:  # a forged state or action
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()


async def typed_note(
    message: Message,
    step: list[str],
    session: AsyncSession,
    resident: Resident,
    complaint_limits: ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    assert message.from_user is not None
    complaint_id, state = int(step[0]), State(step[1])
    if not message.text:
        await message.answer(_("Please write the note as text."))
        return
    try:
        note = complaint_limits.check_text(message.text)
        complaint = await complaint_for_committee(session, message.from_user.id, complaint_id)
        event = await change_state(session, complaint, state, note, message.from_user.id, utcnow())
    except OverLimit as over:
        await message.answer(limit_text(over))
        return
    except Refused as refused:
        await clear_step(session, resident)
        await message.answer(refusal_text(refused.reason))
        return
    await clear_step(session, resident)
    row = await complaint_row(session, complaint)
    await tell_reporter(session, row, state, note, f"complaint-event:{event.id}", i18n, zone)
    await message.answer(
        _("Complaint #{number} is now: {state}. The reporter will be told.").format(
            number=complaint.id, state=state_label(state)
        )
    )


async def export(
    message: Message,
    session: AsyncSession,
    render_complaints: ComplaintsRenderer,
    zone: ZoneInfo,
) -> None:
    compounds = await _compounds(message, session)
    if compounds is None:
        return
    rows = await complaint_rows(session, compounds)
    await message.answer_document(
        BufferedInputFile(render_complaints(rows, zone), "complaints.xlsx"),
        caption=_("Complaints: {count}.").format(count=len(rows)),
    )


def build_router() -> Router:
    router = Router(name="complaint_committee")
    router.message.register(list_complaints, Command("complaints"))
    router.message.register(show_case, Command("case"))
    router.message.register(export, Command("complaints_export"))
    router.callback_query.register(managed, ComplaintManage.filter())
    router.message.register(typed_note, F.text, InStep("note"))
    return router
