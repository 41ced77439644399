"""Committee members approve or reject claims made through shared codes."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.shared.callbacks import DecideClaim
from handlers.shared.texts import flat_label, refusal_text, role_label
from storage.committee import decide_claim, member_ids, pending_claims
from storage.models import Membership, MembershipStatus, Resident
from storage.refusals import Refused

log = logging.getLogger(__name__)
SHOWN_AT_ONCE = 20  # claims listed per /pending, to stay within Telegram's per-chat rate


def _claim_text(membership: Membership) -> str:
    return _("{name} asks to join {flat} as its {role}.").format(
        name=membership.resident.full_name or _("A resident"),
        flat=flat_label(membership.household),
        role=role_label(membership.role),
    )


def _decision_keyboard(membership: Membership) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Approve"), callback_data=DecideClaim(membership_id=membership.id, approve=True)
    )
    builder.button(
        text=_("Reject"), callback_data=DecideClaim(membership_id=membership.id, approve=False)
    )
    return builder.as_markup()


async def _language_of(session: AsyncSession, telegram_id: int, i18n: I18n) -> str:
    language = await session.scalar(
        select(Resident.language).where(Resident.telegram_id == telegram_id)
    )
    return language if language in i18n.available_locales else i18n.default_locale


async def _send(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Tell another person something; one who never opened the bot or blocked it is skipped."""
    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramAPIError as error:
        log.warning("could not notify chat %s: %s", chat_id, error.message)


async def notify_committee_of_claim(
    bot: Bot, session: AsyncSession, i18n: I18n, membership: Membership
) -> None:
    for member_id in await member_ids(session, membership.household.compound_id):
        with i18n.use_locale(await _language_of(session, member_id, i18n)):
            text = _("New request to join:") + "\n" + _claim_text(membership)
            await _send(bot, member_id, text, _decision_keyboard(membership))


async def list_pending(message: Message, session: AsyncSession) -> None:
    assert message.from_user is not None
    try:
        claims = await pending_claims(session, message.from_user.id)
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    if not claims:
        await message.answer(_("No requests are waiting."))
        return
    await message.answer(_("Requests waiting for a decision: {count}").format(count=len(claims)))
    for membership in claims[:SHOWN_AT_ONCE]:
        await message.answer(_claim_text(membership), reply_markup=_decision_keyboard(membership))
    if len(claims) > SHOWN_AT_ONCE:
        await message.answer(_("Decide these first, then send /pending again for the next ones."))


async def decide(
    query: CallbackQuery,
    callback_data: DecideClaim,
    session: AsyncSession,
    bot: Bot,
    i18n: I18n,
) -> None:
    assert isinstance(query.message, Message)
    try:
        membership = await decide_claim(
            session, query.from_user.id, callback_data.membership_id, callback_data.approve
        )
    except Refused as refused:
        await query.answer(refusal_text(refused.reason), show_alert=True)
        return
    approved = membership.status is MembershipStatus.ACTIVE
    verdict = _("Approved.") if approved else _("Rejected.")
    await query.message.edit_text(f"{_claim_text(membership)}\n{verdict}")
    await query.answer(verdict)
    resident = membership.resident
    with i18n.use_locale(await _language_of(session, resident.telegram_id, i18n)):
        if approved:
            text = _("The committee has confirmed you as the {role} of {flat}. Welcome!")
        else:
            text = _(
                "The committee could not confirm you as the {role} of {flat}. If this is a "
                "mistake, please contact the community committee."
            )
        text = text.format(role=role_label(membership.role), flat=flat_label(membership.household))
        await _send(bot, resident.telegram_id, text)


def build_router() -> Router:
    router = Router(name="committee")
    router.message.register(list_pending, Command("pending"))
    router.callback_query.register(decide, DecideClaim.filter())
    return router
