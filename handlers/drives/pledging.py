"""Residents and contribution drives: /drives shows each open drive of their flats with their
share, their pledge and the progress; buttons pledge money (with how it will come), goods or
labour, change it, or withdraw it until the close. A typed amount, description or number of
hours is awaited in the conversation state (`Pledging`), which names the drive and the flat; an
amount far above the flat's share is confirmed with buttons before it is recorded."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.callbacks import DrivePress, PledgeVia
from handlers.drives.texts import drive_card, method_label, money, pledge_text
from handlers.shared.filters import Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import explained, flat_label
from storage.drives.ledger import drive_progress
from storage.drives.models import PayMethod, PledgeKind
from storage.drives.queries import (
    FlatShare,
    PledgeTerms,
    check_pledgeable,
    flat_share,
    pledge,
    shares_of_resident,
    withdraw,
)
from storage.models import Resident
from storage.residents import flats_by_id
from surveys.drives.money import SHARE_MULTIPLE, far_above_share, parse_yuan
from surveys.numbers import whole_number_or_none

MAX_HOURS = 10_000
MAX_GOODS = 500  # characters describing pledged goods
CARDS_SHOWN = 10


class Pledging(StatesGroup):
    amount = State()  # data: drive, flat, method
    goods = State()  # data: drive, flat
    hours = State()  # data: drive, flat
    confirm = State()  # data: drive, flat, method, amount (fen): far above the share


async def card(
    session: AsyncSession, found: FlatShare, above: str = ""
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The flat's card in the drive; `above`: what was just recorded."""
    flat = (await flats_by_id(session, [found.flat.id]))[found.flat.id]
    progress = await drive_progress(session, found.drive)
    text, markup = await drive_card(session, found, flat_label(flat), progress)
    return (f"{above}\n\n{text}" if above else text), markup


async def _fresh(session: AsyncSession, resident: Resident, found: FlatShare) -> FlatShare:
    return await flat_share(session, resident, found.drive.id, found.flat.id)


async def _pledgeable(
    session: AsyncSession, resident: Resident, drive_id: int, household_id: int
) -> FlatShare:
    """The flat a pledge button names, while its drive takes pledges: nothing is asked that
    could not be recorded."""
    found = await flat_share(session, resident, drive_id, household_id)
    check_pledgeable(found)
    return found


async def _await(state: FSMContext, step: State, found: FlatShare, **data: Any) -> None:
    await state.set_state(step)
    await state.set_data({"drive": found.drive.id, "flat": found.flat.id, **data})


def _methods(found: FlatShare) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for method in PayMethod:
        data = PledgeVia(drive_id=found.drive.id, household_id=found.flat.id, method=method)
        builder.button(text=method_label(method), callback_data=data)
    builder.adjust(1)
    return builder.as_markup()


async def list_drives(
    message: Message, session: AsyncSession, resident: Resident, replies: Replies
) -> None:
    found = await shares_of_resident(session, resident)
    if not found:
        replies.say(_("No contribution drive is open for your flat."))
    for each in found[:CARDS_SHOWN]:
        replies.say(*await card(session, each))


async def pressed(
    query: CallbackQuery,
    callback_data: DrivePress,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
) -> None:
    if callback_data.action == "withdraw":
        found = await flat_share(
            session, resident, callback_data.drive_id, callback_data.household_id
        )
        await withdraw(session, found, resident)
        if await state.get_state() in Pledging:  # a pledge half typed is withdrawn too
            await state.clear()
        replies.alert(_("Your pledge is withdrawn."), show_alert=False)
        replies.edit(*await card(session, await _fresh(session, resident, found)))
        return
    found = await _pledgeable(session, resident, callback_data.drive_id, callback_data.household_id)
    if callback_data.action == "money":
        replies.say(_("How will the money come?"), _methods(found))
    elif callback_data.action == "goods":
        await _await(state, Pledging.goods, found)
        replies.say(
            _("Describe the goods you pledge (at most {limit} characters).").format(limit=MAX_GOODS)
        )
    else:  # labour; DrivePress.action is checked by the router's filter
        await _await(state, Pledging.hours, found)
        replies.say(_("How many hours of work do you pledge? Send a whole number."))


async def chose_method(
    query: CallbackQuery,
    callback_data: PledgeVia,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
) -> None:
    found = await _pledgeable(session, resident, callback_data.drive_id, callback_data.household_id)
    await _await(state, Pledging.amount, found, method=callback_data.method.value)
    replies.edit(  # the choice of method turns into the question of the amount
        _(
            "Method: {method}. How much will you pledge, in yuan? Your suggested share is {share}."
        ).format(method=method_label(callback_data.method), share=money(found.share.amount_fen))
    )


def _terms(step: str | None, data: dict[str, Any], text: str) -> PledgeTerms:
    """The pledge a typed answer makes; a mistake is refused with how to write it (a
    MoneyError is explained by the refusal middleware), and the step stays for another try."""
    # At the confirmation, a newly typed amount replaces the one asked about.
    if step in (Pledging.amount.state, Pledging.confirm.state):
        method = PayMethod(data["method"])
        return PledgeTerms(PledgeKind.MONEY, amount_fen=parse_yuan(text), method=method)
    if step == Pledging.goods.state:
        if len(text) > MAX_GOODS:
            raise Sorry(
                _("Please describe the goods in at most {limit} characters.").format(
                    limit=MAX_GOODS
                )
            )
        return PledgeTerms(PledgeKind.GOODS, goods=text)
    hours = whole_number_or_none(text, 1, MAX_HOURS)
    if hours is None:
        raise Sorry(
            _("Please send a whole number of hours, from 1 to {limit}.").format(limit=MAX_HOURS)
        )
    return PledgeTerms(PledgeKind.LABOUR, hours=hours)


async def typed(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
    raw_state: str | None,
) -> None:
    assert message.text is not None  # the router's F.text
    data = await state.get_data()
    terms = _terms(raw_state, data, message.text)
    found = await flat_share(session, resident, int(data["drive"]), int(data["flat"]))
    if terms.kind is PledgeKind.MONEY and far_above_share(terms.amount_fen, found.share.amount_fen):
        await _await(state, Pledging.confirm, found, method=data["method"], amount=terms.amount_fen)
        replies.say(*_confirmation(found, terms.amount_fen))
        return
    await _record(session, resident, replies, state, found, terms, edit=False)


async def _record(
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
    found: FlatShare,
    terms: PledgeTerms,
    *,
    edit: bool,
) -> None:
    made = await pledge(session, found, resident, terms)
    await state.clear()
    recorded = _("✓ Pledge recorded: {pledge}").format(pledge=pledge_text(made))
    shown = await card(session, await _fresh(session, resident, found), above=recorded)
    if edit:
        replies.edit(*shown)
    else:
        replies.say(*shown)


def _confirmation(found: FlatShare, amount_fen: int) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "You typed {amount}. That is more than {multiple} times your flat's suggested share "
        "({share}), or a very large sum. Is it right?"
    ).format(amount=money(amount_fen), multiple=SHARE_MULTIPLE, share=money(found.share.amount_fen))
    builder = InlineKeyboardBuilder()
    for label, action in (
        (_("Yes, pledge {amount}").format(amount=money(amount_fen)), "confirm"),
        (_("No, type it again"), "retype"),
    ):
        data = DrivePress(drive_id=found.drive.id, household_id=found.flat.id, action=action)
        builder.button(text=label, callback_data=data)
    builder.adjust(1)
    return text, builder.as_markup()


async def confirmed(
    query: CallbackQuery,
    callback_data: DrivePress,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
) -> None:
    """「Yes」 records the large pledge awaiting confirmation; 「No」 asks for the amount again.
    Only the confirmation of this flat's pledge being asked now counts."""
    data = await state.get_data()
    if (
        await state.get_state() != Pledging.confirm.state
        or data.get("drive") != callback_data.drive_id
        or data.get("flat") != callback_data.household_id
    ):
        raise Sorry(_("This button is no longer valid. Send /drives to see your pledge."))
    found = await _pledgeable(session, resident, callback_data.drive_id, callback_data.household_id)
    method = PayMethod(data["method"])
    if callback_data.action == "retype":
        await _await(state, Pledging.amount, found, method=method.value)
        replies.edit(
            _("How much will you pledge, in yuan? Your suggested share is {share}.").format(
                share=money(found.share.amount_fen)
            )
        )
        return
    terms = PledgeTerms(PledgeKind.MONEY, amount_fen=int(data["amount"]), method=method)
    await _record(session, resident, replies, state, found, terms, edit=True)


async def not_typed(message: Message, replies: Replies, raw_state: str | None) -> None:
    """A voice message, sticker, file… where the pledge awaits typed text: what to type."""
    if raw_state == Pledging.goods.state:
        expected = _("Please describe the goods in words.")
    elif raw_state == Pledging.hours.state:
        expected = _("Please type the number of hours, for example 8.")
    else:
        expected = _("Please type the amount in yuan, for example 1500 or 1.5万.")
    replies.say(explained(message, expected))


def build_router() -> Router:
    router = Router(name="drives")
    router.message.register(list_drives, Command("drives"))
    router.callback_query.register(
        pressed, DrivePress.filter(F.action.in_({"money", "goods", "labour", "withdraw"}))
    )
    router.callback_query.register(
        confirmed, DrivePress.filter(F.action.in_({"confirm", "retype"}))
    )
    router.callback_query.register(chose_method, PledgeVia.filter())
    router.message.register(typed, StateFilter(Pledging), F.text)
    router.message.register(not_typed, StateFilter(Pledging), ~F.text)
    return router
