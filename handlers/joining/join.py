"""Joining: /start with a scanned QR code links the resident to a flat.

A flat code links at once. A shared code (unit, building or compound) lets the resident pick
building → unit → room → role with buttons; the claim then waits for the committee."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.joining.claims import notify_committee_of_claim
from handlers.shared.buttons import remove_buttons
from handlers.shared.callbacks import PickBuilding, PickFlat, PickRole, PickUnit
from handlers.shared.texts import building_label, flat_label, refusal_text, role_label, unit_label
from storage.joining.codes import usable_code
from storage.joining.links import (
    begin_shared_join,
    buildings_in_scope,
    claim_flat,
    claimable_flat,
    flats_in_scope,
    redeem_flat_code,
    units_in_scope,
)
from storage.models import CodeKind, Resident, Role
from storage.refusals import Refusal, Refused
from storage.residents import memberships_of
from surveys.joining.tokens import InvalidToken, verify


async def start_with_code(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    resident: Resident,
    join_key: str,
    bot: Bot,
    i18n: I18n,
) -> None:
    try:
        code_id = verify(command.args or "", join_key)
    except InvalidToken:
        await message.answer(refusal_text(Refusal.UNKNOWN_CODE))
        return
    try:
        code = await usable_code(session, code_id)
        if code.kind is CodeKind.FLAT:
            membership = await redeem_flat_code(session, resident, code)
            await message.answer(
                _("Welcome! You are now linked to {flat} as its {role}.").format(
                    flat=flat_label(membership.household), role=role_label(membership.role)
                )
                + "\n"
                + _("Send /help to see what you can do here.")
            )
            return
        await begin_shared_join(session, resident, code)
        await _show_next_choice(
            message, session, resident, code.kind, code.building_id, code.unit_id
        )
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))


async def start_without_code(message: Message, session: AsyncSession, resident: Resident) -> None:
    linked = await memberships_of(session, resident)
    if linked:
        await message.answer(
            _("Welcome back! Send /me to see your flat, or /help for everything else.")
        )
        return
    await message.answer(
        _(
            "Welcome to Linli (邻里), where the residents decide the renovation of their compound "
            "together.\n\nTo join, scan the QR code posted in your stairwell with your phone "
            "camera. Each flat also has its own code from the community committee."
        )
    )


async def _show_next_choice(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    kind: CodeKind,
    building_id: int | None,
    unit_id: int | None,
) -> None:
    """Ask for the first choice the scanned code leaves open; a level with one option is
    chosen for the resident, saving taps."""
    if kind is CodeKind.COMPOUND:
        buildings = await buildings_in_scope(session, resident)
        if len(buildings) != 1:
            await message.answer(
                _("Which building do you live in?"),
                reply_markup=_keyboard(
                    [(building_label(b.name), PickBuilding(building_id=b.id)) for b in buildings]
                ),
            )
            return
        building_id = buildings[0].id
    if unit_id is None:
        assert building_id is not None
        units = await units_in_scope(session, resident, building_id)
        if len(units) != 1:
            await message.answer(
                _("Which unit (stairwell) do you live in?"),
                reply_markup=_keyboard(
                    [(unit_label(u.name), PickUnit(unit_id=u.id)) for u in units]
                ),
            )
            return
        unit_id = units[0].id
    await _ask_flat(message, session, resident, unit_id)


async def _ask_flat(
    message: Message, session: AsyncSession, resident: Resident, unit_id: int
) -> None:
    flats = await flats_in_scope(session, resident, unit_id)
    await message.answer(
        _("Which flat is yours?"),
        reply_markup=_keyboard([(f.room, PickFlat(household_id=f.id)) for f in flats], width=4),
    )


def _keyboard(
    buttons: Sequence[tuple[str, PickBuilding | PickUnit | PickFlat | PickRole]], width: int = 2
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in buttons:
        builder.button(text=text, callback_data=data)
    builder.adjust(width)
    return builder.as_markup()


@asynccontextmanager
async def _answering(query: CallbackQuery) -> AsyncIterator[None]:
    """Answer the button press: with the reason when storage refused it, else silently."""
    try:
        yield
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
    else:
        await query.answer()


async def picked_building(
    query: CallbackQuery, callback_data: PickBuilding, session: AsyncSession, resident: Resident
) -> None:
    assert isinstance(query.message, Message)
    async with _answering(query):
        await _show_next_choice(
            query.message, session, resident, CodeKind.BUILDING, callback_data.building_id, None
        )


async def picked_unit(
    query: CallbackQuery, callback_data: PickUnit, session: AsyncSession, resident: Resident
) -> None:
    assert isinstance(query.message, Message)
    async with _answering(query):
        await _ask_flat(query.message, session, resident, callback_data.unit_id)


async def picked_flat(
    query: CallbackQuery, callback_data: PickFlat, session: AsyncSession, resident: Resident
) -> None:
    assert isinstance(query.message, Message)
    async with _answering(query):
        household = await claimable_flat(session, resident, callback_data.household_id)
        roles = [
            (role_label(role), PickRole(household_id=household.id, role=role)) for role in Role
        ]
        await query.message.answer(
            _("You chose {flat}. How do you live there?").format(flat=flat_label(household)),
            reply_markup=_keyboard(roles, width=3),
        )


async def picked_role(
    query: CallbackQuery,
    callback_data: PickRole,
    session: AsyncSession,
    resident: Resident,
    bot: Bot,
    i18n: I18n,
) -> None:
    assert isinstance(query.message, Message)
    async with _answering(query):
        membership = await claim_flat(
            session, resident, callback_data.household_id, callback_data.role
        )
        await remove_buttons(query.message)  # the role is chosen
        await query.message.answer(
            _(
                "Thank you. Your request to join {flat} as its {role} has been sent to the "
                "community committee. You will get a message here when they have checked it."
            ).format(flat=flat_label(membership.household), role=role_label(membership.role))
        )
        await notify_committee_of_claim(bot, session, i18n, membership)


def build_router() -> Router:
    router = Router(name="join")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(start_without_code, CommandStart())
    router.callback_query.register(picked_building, PickBuilding.filter())
    router.callback_query.register(picked_unit, PickUnit.filter())
    router.callback_query.register(picked_flat, PickFlat.filter())
    router.callback_query.register(picked_role, PickRole.filter())
    return router
