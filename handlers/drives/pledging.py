"""Residents and contribution drives: /drives shows each open drive of their flats with their
share, their pledge and the progress; buttons pledge money (with how it will come), goods or
labour, change it, or withdraw it until the close. Typed amounts wait in the conversation step
"pledge:<kind>:<drive>:<flat>[:<method>]"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.texts import drive_card, method_label, money, pledge_text
from handlers.shared.callbacks import DrivePress, PledgeVia
from handlers.shared.conversation import InStep
from handlers.shared.texts import flat_label, refusal_text
from storage.conversations.steps import clear_step, set_step
from storage.drives.models import PayMethod, PledgeKind
from storage.drives.queries import (
    FlatShare,
    PledgeTerms,
    drive_progress,
    flat_share,
    pledge,
    shares_of_resident,
    withdraw,
)
from storage.models import Resident
from storage.refusals import Refused
from storage.residents import flats_by_id
from surveys.drives.money import MoneyError, parse_yuan

MAX_HOURS = 10_000
MAX_GOODS = 500  # characters describing pledged goods


async def send_card(message: Message, session: AsyncSession, found: FlatShare) -> None:
    flat = (await flats_by_id(session, [found.flat.id]))[found.flat.id]
    text, markup = await drive_card(
        session, found, flat_label(flat), await drive_progress(session, found.drive)
    )
    await message.answer(text, reply_markup=markup)


async def list_drives(message: Message, session: AsyncSession, resident: Resident) -> None:
    found = await shares_of_resident(session, resident)
    if not found:
        await message.answer(_("No contribution drive is open for your flat."))
        return
    for each in found[:10]:
        await send_card(message, session, each)


async def pressed(
    query: CallbackQuery, callback_data: DrivePress, session: AsyncSession, resident: Resident
) -> None:
    assert isinstance(query.message, Message)
    try:
        found = await flat_share(
            session, resident, callback_data.drive_id, callback_data.household_id
        )
        if callback_data.action == "withdraw":
            await withdraw(session, found, resident)
            await clear_step(session, resident)
            await query.answer(_("Your pledge is withdrawn."))
            await send_card(query.message, session, await _fresh(session, resident, found))
            return
        await _ask(query.message, session, resident, found, callback_data.action)
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    await query.answer()


async def _ask(
    message: Message, session: AsyncSession, resident: Resident, found: FlatShare, action: str
) -> None:
    place = f"{found.drive.id}:{found.flat.id}"
    if action == "money":
        builder = InlineKeyboardBuilder()
        for method in PayMethod:
            data = PledgeVia(drive_id=found.drive.id, household_id=found.flat.id, method=method)
            builder.button(text=method_label(method), callback_data=data)
        builder.adjust(1)
        await message.answer(_("How will the money come?"), reply_markup=builder.as_markup())
    elif action == "goods":
        await set_step(session, resident, f"pledge:goods:{place}")
        await message.answer(
            _("Describe the goods you pledge (at most {limit} characters).").format(limit=MAX_GOODS)
        )
    else:  # labour; DrivePress.action is checked by the router's filter
        await set_step(session, resident, f"pledge:labour:{place}")
        await message.answer(_("How many hours of work do you pledge? Send a whole number."))


async def _fresh(session: AsyncSession, resident: Resident, found: FlatShare) -> FlatShare:
    return await flat_share(session, resident, found.drive.id, found.flat.id)


async def chose_method(
    query: CallbackQuery, callback_data: PledgeVia, session: AsyncSession, resident: Resident
) -> None:
    assert isinstance(query.message, Message)
    try:
        found = await flat_share(
            session, resident, callback_data.drive_id, callback_data.household_id
        )
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    await set_step(
        session,
        resident,
        f"pledge:money:{found.drive.id}:{found.flat.id}:{callback_data.method.value}",
    )
    await query.answer()
    await query.message.answer(
        _("How much will you pledge, in yuan? Your suggested share is {share}.").format(
            share=money(found.share.amount_fen)
        )
    )


def _terms(kind: PledgeKind, rest: list[str], text: str) -> PledgeTerms | str:
    """The pledge a typed answer makes, or why it cannot (a sentence for the resident)."""
    if kind is PledgeKind.MONEY:
        try:
            return PledgeTerms(kind, amount_fen=parse_yuan(text), method=PayMethod(rest[0]))
        except MoneyError:
            return _("Please send an amount in yuan, for example 3000 or 2580.50.")
    if kind is PledgeKind.GOODS:
        if len(text) > MAX_GOODS:
            return _("Please describe the goods in at most {limit} characters.").format(
                limit=MAX_GOODS
            )
        return PledgeTerms(kind, goods=text)
    hours = text.strip()
    if not hours.isdigit() or not 0 < int(hours) <= MAX_HOURS:
        return _("Please send a whole number of hours, from 1 to {limit}.").format(limit=MAX_HOURS)
    return PledgeTerms(kind, hours=int(hours))


async def typed(
    message: Message, step: list[str], session: AsyncSession, resident: Resident
) -> None:
    kind, drive_id, household_id, *rest = step
    terms = _terms(PledgeKind(kind), rest, message.text or "")
    if isinstance(terms, str):
        await message.answer(terms)
        return
    try:
        found = await flat_share(session, resident, int(drive_id), int(household_id))
        made = await pledge(session, found, resident, terms)
    except Refused as refused:
        await clear_step(session, resident)
        await message.answer(refusal_text(refused.reason))
        return
    await clear_step(session, resident)
    await message.answer(_("✓ Pledge recorded: {pledge}").format(pledge=pledge_text(made)))
    await send_card(message, session, await _fresh(session, resident, found))


def build_router() -> Router:
    router = Router(name="drives")
    router.message.register(list_drives, Command("drives"))
    router.callback_query.register(
        pressed, DrivePress.filter(F.action.in_({"money", "goods", "labour", "withdraw"}))
    )
    router.callback_query.register(chose_method, PledgeVia.filter())
    router.message.register(typed, F.text, InStep("pledge"))
    return router
