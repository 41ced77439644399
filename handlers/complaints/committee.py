"""Committee commands on complaints: /complaints lists them (filtered by state, category and
building, in any language the chat shows them in), /case N shows one with buttons to change
its state (the note for the reporter is then typed, in the `Noting` flow), assign it to a
member and re-send its photos; /complaints_export sends the spreadsheet, drawn by the
injected `render_complaints` so that openpyxl stays out of the handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.callbacks import ComplaintManage
from handlers.complaints.notices import tell_reporter
from handlers.complaints.texts import category_label, committee_view, row_line, state_label
from handlers.shared.filters import Committee, NumberArgument, Sorry
from handlers.shared.replies import Replies
from storage.committee import committee_of
from storage.complaints.queries import (
    ComplaintRow,
    assign,
    change_state,
    complaint_for_committee,
    complaint_row,
    complaint_rows,
    photos_of,
)
from storage.models import utcnow
from storage.refusals import Refusal, Refused
from surveys.complaints import rules
from surveys.numbers import MAX_TELEGRAM_ID, whole_number_or_none

ComplaintsRenderer = Callable[[Sequence[ComplaintRow], ZoneInfo], bytes]
LISTED = 30
LISTABLE = [state for state in rules.State if state is not rules.State.DRAFT]
SETTABLE = {state.value: state for state in rules.COMMITTEE_STATES}
Word = TypeVar("Word", rules.State, rules.Category)


class Noting(StatesGroup):
    note = State()  # data: complaint, state (the one it is moved to with the note)


def _typed(value: Word, label: Callable[[Word], str]) -> str:
    """The word to type for `value` in a filter: its label as the chat shows it, unless the
    label is several words ("in progress"), then its code ("in_progress")."""
    shown = label(value)
    return value.value if " " in shown else shown


def _words(values: Iterable[Word], label: Callable[[Word], str], i18n: I18n) -> dict[str, Word]:
    """Every word that names one of `values`: its code, and its label in each language."""
    words: dict[str, Word] = {}
    for value in values:
        words[value.value] = value
        for locale in i18n.available_locales:
            with i18n.use_locale(locale):
                words[label(value)] = value
    return words


def _building_names(word: str, i18n: I18n) -> set[str]:
    """The register names `word` may stand for: itself, or "3" where the chat says "3栋"."""
    names = {word}
    for locale in i18n.available_locales:
        with i18n.use_locale(locale):
            before, _name, after = _("Building {name}").partition("{name}")
        bare = word.removeprefix(before).removesuffix(after)
        if word.startswith(before) and word.endswith(after) and bare.isdigit():
            names.add(bare)
    return names


def list_filters(args: str, i18n: I18n) -> dict[str, Any]:
    states = _words(LISTABLE, state_label, i18n)
    categories = _words(rules.Category, category_label, i18n)
    chosen: dict[str, Any] = {}
    for word in args.split():
        if word in states:
            chosen["state"] = states[word]
        elif word in categories:
            chosen["category"] = categories[word]
        else:
            chosen["buildings"] = _building_names(word, i18n)
    return chosen


async def list_complaints(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    compounds: list[int],
    i18n: I18n,
    replies: Replies,
) -> None:
    rows = await complaint_rows(session, compounds, **list_filters(command.args or "", i18n))
    lines = [row_line(row) for row in rows[:LISTED]] or [_("No complaints match.")]
    if len(rows) > LISTED:
        lines.append(
            _("… and {count} more, listed in /complaints_export.").format(count=len(rows) - LISTED)
        )
    lines += [
        "",
        _(
            "Filter: /complaints [state] [category] [building], e.g. /complaints {example} 3栋"
        ).format(example=_typed(rules.Category.NOISE, category_label)),
        _("States: {states}").format(
            states=", ".join(_typed(state, state_label) for state in LISTABLE)
        ),
        _("Categories: {categories}").format(
            categories=", ".join(_typed(category, category_label) for category in rules.Category)
        ),
        _("Send /case N to handle complaint N."),
    ]
    replies.say("\n".join(lines))


async def _case_keyboard(session: AsyncSession, row: ComplaintRow) -> InlineKeyboardMarkup:
    complaint = row.complaint
    builder = InlineKeyboardBuilder()

    def press(text: str, action: str, value: str = "") -> None:
        data = ComplaintManage(complaint_id=complaint.id, action=action, value=value)
        builder.button(text=text, callback_data=data)

    states = [state for state in rules.COMMITTEE_STATES if state is not complaint.state]
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


async def _show_case(session: AsyncSession, row: ComplaintRow, replies: Replies) -> None:
    """The case with its buttons, in the pressed message (a new one for /case)."""
    replies.edit(committee_view(row), await _case_keyboard(session, row))


async def show_case(
    message: Message, number: int, session: AsyncSession, compounds: list[int], replies: Replies
) -> None:
    complaint = await complaint_for_committee(session, compounds, number)
    await _show_case(session, await complaint_row(session, complaint), replies)


async def managed(
    query: CallbackQuery,
    callback_data: ComplaintManage,
    session: AsyncSession,
    compounds: list[int],
    replies: Replies,
    state: FSMContext,
) -> None:
    complaint = await complaint_for_committee(session, compounds, callback_data.complaint_id)
    action, value = callback_data.action, callback_data.value
    member = whole_number_or_none(value, 1, MAX_TELEGRAM_ID)
    if action == "state" and value in SETTABLE:
        if not rules.may_set(complaint.state, SETTABLE[value]):
            raise Refused(Refusal.COMPLAINT_STATE)
        await state.set_state(Noting.note)
        await state.set_data({"complaint": complaint.id, "state": value})
        replies.say(
            _("Write the note the reporter will get with “{state}”.").format(
                state=state_label(SETTABLE[value])
            )
        )
    elif action == "assign" and member is not None:
        await assign(session, complaint, member, query.from_user.id)
        replies.alert(_("Assigned."), show_alert=False)
        await _show_case(session, await complaint_row(session, complaint), replies)
    elif action == "photos":
        for file_id in await photos_of(session, complaint):
            replies.photo(file_id, caption=f"#{complaint.id}")
    else:  # a made-up state or action
        raise Sorry(_("This button is no longer valid."))


async def typed_note(
    message: Message,
    event_from_user: User,
    session: AsyncSession,
    compounds: list[int],
    complaint_limits: rules.ComplaintLimits,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    note = complaint_limits.check_text(message.text or "")
    complaint = await complaint_for_committee(session, compounds, int(data["complaint"]))
    new = SETTABLE[str(data["state"])]
    event = await change_state(session, complaint, new, note, event_from_user.id, utcnow())
    await state.clear()
    row = await complaint_row(session, complaint)
    await tell_reporter(session, row, new, note, f"complaint-event:{event.id}", i18n, zone)
    replies.say(
        _("Complaint #{number} is now: {state}. The reporter will be told.").format(
            number=complaint.id, state=state_label(new)
        )
    )


async def not_a_note(message: Message, replies: Replies) -> None:
    replies.say(_("Please write the note as text."))


async def export(
    message: Message,
    session: AsyncSession,
    compounds: list[int],
    render_complaints: ComplaintsRenderer,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    rows = await complaint_rows(session, compounds)
    replies.document(
        render_complaints(rows, zone),
        "complaints.xlsx",
        caption=_("Complaints: {count}.").format(count=len(rows)),
    )


def build_router() -> Router:
    router = Router(name="complaint_committee")
    router.message.register(list_complaints, Command("complaints"), Committee())
    router.message.register(show_case, Command("case"), Committee(), NumberArgument())
    router.message.register(export, Command("complaints_export"), Committee())
    router.callback_query.register(managed, ComplaintManage.filter(), Committee())
    # A command never reaches these: it ends the flow first (CommandsEndFlows).
    router.message.register(typed_note, StateFilter(Noting.note), F.text, Committee())
    router.message.register(not_a_note, StateFilter(Noting.note))
    return router
