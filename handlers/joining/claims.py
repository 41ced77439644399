"""The committee decides claims made through shared codes, and confirms (or not) the owners
linked by a plain flat code. A claim is told to every committee member of the compound at
once; both kinds wait in /pending. The notices go through the outbox, each in its reader's
language, so a member's chat that is rate-limited or failing gets them once it recovers."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.joining.callbacks import DecideClaim
from handlers.joining.texts import decision_keyboard, outcome, request_text, verdict
from handlers.shared.filters import Committee
from handlers.shared.localized import messages_to
from handlers.shared.replies import Replies, pressed_text
from handlers.shared.texts import flat_label
from storage.committee import committee_of
from storage.joining.decisions import decide, others_linked, waiting_decisions
from storage.models import Membership
from storage.outbox.notices import notice_time
from storage.outbox.queue import Outgoing, enqueue_many

SHOWN_AT_ONCE = 20  # requests listed per /pending, to stay within Telegram's per-chat rate


async def _notify(
    session: AsyncSession, membership: Membership, messages: Sequence[Outgoing], zone: ZoneInfo
) -> None:
    """Queue notices to people other than the one who acted: they wait out the compound's
    quiet hours. The update's own transaction queues them once."""
    when = await notice_time(session, membership.household.compound_id, zone)
    await enqueue_many(session, messages, not_before=when)


async def tell_committee_of_claim(
    session: AsyncSession, membership: Membership, i18n: I18n, zone: ZoneInfo
) -> None:
    others = (await others_linked(session, [membership]))[membership.id]
    members = await committee_of(session, membership.household.compound_id)
    messages = messages_to(
        [(member.telegram_id, member.language) for member in members],
        i18n,
        lambda: _("New request to join:") + "\n" + request_text(membership, others),
        lambda: decision_keyboard(membership),
    )
    await _notify(session, membership, messages, zone)


async def list_pending(
    message: Message, session: AsyncSession, compounds: list[int], replies: Replies
) -> None:
    waiting = await waiting_decisions(session, compounds)
    if not waiting:
        replies.say(_("No requests are waiting."))
        return
    replies.say(_("Requests waiting for a decision: {count}").format(count=len(waiting)))
    shown = waiting[:SHOWN_AT_ONCE]
    others = await others_linked(session, shown)
    for membership in shown:
        replies.say(request_text(membership, others[membership.id]), decision_keyboard(membership))
    if len(waiting) > SHOWN_AT_ONCE:
        replies.say(_("Decide these first, then send /pending again for the next ones."))


async def decide_pressed(
    query: CallbackQuery,
    callback_data: DecideClaim,
    session: AsyncSession,
    compounds: list[int],
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    membership = await decide(
        session, query.from_user.id, compounds, callback_data.membership_id, callback_data.approve
    )
    decided = verdict(membership)
    asked = pressed_text(query) or flat_label(membership.household)
    replies.edit(f"{asked}\n{decided}")
    replies.alert(decided, show_alert=False)
    resident = membership.resident
    told = messages_to(
        [(resident.telegram_id, resident.language)], i18n, lambda: outcome(membership)
    )
    await _notify(session, membership, told, zone)


def build_router() -> Router:
    router = Router(name="committee")
    router.message.register(list_pending, Command("pending"), Committee())
    router.callback_query.register(decide_pressed, DecideClaim.filter(), Committee())
    return router
