"""Joining: /start with a scanned QR code links the resident to a flat.

Every code ends with the question how the resident lives there (owner, family member,
tenant). A flat code asks it at once and links at once; a shared code (unit, building or
compound) first lets the resident pick building → unit → room, each press turning the
question into the next, and the claim then waits for the committee. The scanned code is
kept in the conversation state (`Joining.picking`) until the role is chosen."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.joining.callbacks import PickBuilding, PickFlat, PickRole, PickUnit
from handlers.joining.claims import tell_committee_of_claim
from handlers.joining.texts import claim_sent, role_question, welcome
from handlers.shared.replies import Replies
from handlers.shared.texts import building_label, unit_label
from storage.joining.codes import usable_code
from storage.joining.links import (
    buildings_in_scope,
    flats_in_scope,
    join_flat,
    joinable_flat,
    units_in_scope,
)
from storage.models import CodeKind, JoinCode, MembershipStatus, Resident
from storage.refusals import Refusal, Refused
from storage.residents import memberships_of
from surveys.joining.tokens import InvalidToken, verify


class Joining(StatesGroup):
    picking = State()  # data: code (the scanned join code's id)


async def _scanned(session: AsyncSession, state: FSMContext) -> JoinCode:
    """The code this flow started with, if it still works: a button pressed outside the
    flow (an old message, a forged payload) is refused."""
    data = await state.get_data()
    if await state.get_state() != Joining.picking.state or "code" not in data:
        raise Refused(Refusal.NO_SHARED_CODE)
    return await usable_code(session, int(data["code"]))


async def start_with_code(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    resident: Resident,
    join_key: str,
    replies: Replies,
    state: FSMContext,
) -> None:
    try:
        code_id = verify(command.args or "", join_key)
    except InvalidToken:
        raise Refused(Refusal.UNKNOWN_CODE) from None
    code = await usable_code(session, code_id)
    await state.set_state(Joining.picking)
    await state.set_data({"code": code.id})
    if code.kind is CodeKind.FLAT:
        assert code.household_id is not None
        household = await joinable_flat(session, resident, code, code.household_id)
        replies.say(*role_question(household, scanned=True))
        return
    await _show_next_choice(replies, session, code, code.building_id, code.unit_id)


async def start_without_code(
    message: Message, session: AsyncSession, resident: Resident, replies: Replies
) -> None:
    if await memberships_of(session, resident):
        replies.say(_("Welcome back! Send /me to see your flat, or /help for everything else."))
        return
    replies.say(
        _(
            "Welcome to Linli (邻里), where the residents decide the renovation of their compound "
            "together.\n\nTo join, scan the QR code posted in your stairwell with your phone "
            "camera. Each flat also has its own code from the community committee."
        )
    )


async def _show_next_choice(
    replies: Replies,
    session: AsyncSession,
    code: JoinCode,
    building_id: int | None,
    unit_id: int | None,
) -> None:
    """Ask for the first choice left open (in the pressed message, or a new one after a
    scan); a level with one option is chosen for the resident, saving taps."""
    if building_id is None:
        buildings = await buildings_in_scope(session, code)
        if len(buildings) != 1:
            replies.edit(
                _("Which building do you live in?"),
                _keyboard(
                    [(building_label(b.name), PickBuilding(building_id=b.id)) for b in buildings]
                ),
            )
            return
        building_id = buildings[0].id
    if unit_id is None:
        units = await units_in_scope(session, code, building_id)
        if len(units) != 1:
            replies.edit(
                _("Which unit (stairwell) do you live in?"),
                _keyboard([(unit_label(u.name), PickUnit(unit_id=u.id)) for u in units]),
            )
            return
        unit_id = units[0].id
    await _ask_flat(replies, session, code, unit_id)


async def _ask_flat(replies: Replies, session: AsyncSession, code: JoinCode, unit_id: int) -> None:
    flats = await flats_in_scope(session, code, unit_id)
    replies.edit(
        _("Which flat is yours?"),
        _keyboard([(f.room, PickFlat(household_id=f.id)) for f in flats], width=4),
    )


def _keyboard(
    buttons: Sequence[tuple[str, PickBuilding | PickUnit | PickFlat]], width: int = 2
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in buttons:
        builder.button(text=text, callback_data=data)
    builder.adjust(width)
    return builder.as_markup()


async def picked_building(
    query: CallbackQuery,
    callback_data: PickBuilding,
    session: AsyncSession,
    replies: Replies,
    state: FSMContext,
) -> None:
    code = await _scanned(session, state)
    await _show_next_choice(replies, session, code, callback_data.building_id, None)


async def picked_unit(
    query: CallbackQuery,
    callback_data: PickUnit,
    session: AsyncSession,
    replies: Replies,
    state: FSMContext,
) -> None:
    await _ask_flat(replies, session, await _scanned(session, state), callback_data.unit_id)


async def picked_flat(
    query: CallbackQuery,
    callback_data: PickFlat,
    session: AsyncSession,
    resident: Resident,
    replies: Replies,
    state: FSMContext,
) -> None:
    code = await _scanned(session, state)
    household = await joinable_flat(session, resident, code, callback_data.household_id)
    replies.edit(*role_question(household, scanned=False))


async def picked_role(
    query: CallbackQuery,
    callback_data: PickRole,
    session: AsyncSession,
    resident: Resident,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    state: FSMContext,
) -> None:
    code = await _scanned(session, state)
    membership = await join_flat(
        session, resident, code, callback_data.household_id, callback_data.role
    )
    await state.clear()
    if membership.status is MembershipStatus.ACTIVE:  # a flat code: linked at once
        replies.edit(welcome(membership))
        return
    replies.edit(claim_sent(membership))
    await tell_committee_of_claim(session, membership, i18n, zone)


def build_router() -> Router:
    router = Router(name="join")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(start_without_code, CommandStart())
    router.callback_query.register(picked_building, PickBuilding.filter())
    router.callback_query.register(picked_unit, PickUnit.filter())
    router.callback_query.register(picked_flat, PickFlat.filter())
    router.callback_query.register(picked_role, PickRole.filter())
    return router
