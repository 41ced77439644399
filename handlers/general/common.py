"""Help, the resident's own record, language choice, and answers to anything unexpected."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.general.callbacks import SetLanguage
from handlers.joining.texts import standing_label
from handlers.shared.replies import Replies
from handlers.shared.texts import explained, flat_label, role_label
from storage.committee import compounds_of
from storage.models import Resident
from storage.residents import memberships_of

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


async def show_help(
    message: Message, session: AsyncSession, resident: Resident, replies: Replies
) -> None:
    lines = [
        _("Linli (邻里) lets the residents of this compound decide its renovation together."),
        "",
        _("/me — your flat and your role"),
        _("/lang — 中文 / English"),
        _("/surveys — the surveys and votes waiting for your answers"),
        _("/results N — the results of survey N, once they are shown"),
        _("/drives — contribution drives for your flat: your share, your pledge"),
        _("/complaint — report a problem with the works or the management"),
        _("/proxy — name someone to vote for your flat, or vote as someone's proxy"),
        _("/help — this message"),
        "",
        _("To join, scan the QR code posted in your stairwell."),
    ]
    if await compounds_of(session, resident.telegram_id):
        lines += [
            "",
            _("For the committee:"),
            _("/pending — requests to join, and owners to confirm"),
            _("/flat [BUILDING or FLAT] — flats nobody has joined; who is linked to a flat"),
            _("/unlink FLAT — unlink a resident who moved out or was approved by mistake"),
            _("/surveys — surveys and votes, with turnout"),
            _("/tally N — the result of survey N, with a chart"),
            _("/export N — the spreadsheet of survey N"),
            _("/close N — close survey N"),
            _("/publish N — publish the result of survey N to its residents, with its poster"),
            _("/extend N DAYS — give open survey N more days"),
            _("/reopen N [DAYS] — reopen survey N, closed by mistake, before its 公示"),
            _("/paper N FLAT 反对|受影响|同意 — record a paper objection or consent for vote N"),
            _("/ballots N [未投票] — vote N's paper ballots to print, one sheet per flat"),
            _("/ballot N FLAT — enter a signed paper ballot (or scan the sheet's QR code)"),
            _("/review N — paper ballots of vote N waiting for a second member"),
            _("/conflicts N — flats of vote N with two ballots: keep one"),
            _("/unpaid N — drive N's progress and its unpaid money pledges"),
            _("/paid N FLAT YUAN — record a payment to drive N, e.g. /paid 2 3栋/2单元/501 1500"),
            _("/ledger N — the spreadsheet of drive N"),
            _("/complaints [state] [category] [building] — complaints, filtered"),
            _("/case N — handle complaint N: state with a note, assign, photos"),
            _("/complaints_export — the spreadsheet of complaints"),
            _("/announce — send an announcement to the compound, a building or a unit"),
            _("/deliveries — how far announcements got; /deliveries N: the notices of survey N"),
            _("/cancel_announcement N — cancel announcement N"),
        ]
    replies.say("\n".join(lines))


async def show_me(
    message: Message, session: AsyncSession, resident: Resident, replies: Replies
) -> None:
    lines = []
    for membership in await memberships_of(session, resident):
        lines.append(
            _("{flat}: {role}, {status}").format(
                flat=flat_label(membership.household),
                role=role_label(membership.role),
                status=standing_label(membership),
            )
        )
    if not lines:
        lines.append(_("You are not linked to a flat yet. Scan the QR code in your stairwell."))
    if await compounds_of(session, resident.telegram_id):
        lines.append(_("You are a committee member."))
    lines.append(_("Your Telegram number: {id}").format(id=resident.telegram_id))
    replies.say("\n".join(lines))


async def choose_language(message: Message, replies: Replies) -> None:
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=SetLanguage(code=code))
    replies.say(_("Choose your language:"), builder.as_markup())


async def set_language(
    query: CallbackQuery,
    callback_data: SetLanguage,
    resident: Resident,
    i18n: I18n,
    replies: Replies,
) -> None:
    """The menu turns into the confirmation, written in the language just chosen."""
    if callback_data.code not in LANGUAGE_NAMES:
        replies.alert(_("This button is no longer valid."))
        return
    resident.language = replies.locale = callback_data.code
    with i18n.use_locale(callback_data.code):
        replies.edit(_("Language set to English."))


async def stale_button(query: CallbackQuery, replies: Replies) -> None:
    """A button whose payload no handler accepts: old, or made up by a modified client."""
    replies.alert(_("This button is no longer valid. Please send /help to start again."))


async def unreadable_sent(message: Message, replies: Replies, raw_state: str | None) -> None:
    """A voice message, sticker, file or location no flow takes: why, and what to do instead
    (elderly residents send voice)."""
    if raw_state is None:
        expected = _(
            "Please tap the buttons under my messages, or type what you need. "
            "Send /help to see what I can do."
        )
    else:
        expected = _(
            "I am waiting for your answer to my last message: please type it, or tap its "
            "buttons. Send /cancel to stop."
        )
    replies.say(explained(message, expected))


async def not_understood(message: Message, replies: Replies) -> None:
    replies.say(_("Sorry, I did not understand that. Send /help to see what I can do."))


async def private_only(message: Message, replies: Replies) -> None:
    """Linli talks in private chats only, where a vote, a flat or an export stays between the
    bot and one person; in a group it only says where to find it (in the group)."""
    if (message.text or "").startswith("/"):
        replies.say(_("Please talk to me in a private chat: tap my name, then “Start”."))


def build_group_router() -> Router:
    """First in line: takes every message outside private chats."""
    router = Router(name="groups")
    router.message.register(private_only, F.chat.type != ChatType.PRIVATE)
    return router


def build_router() -> Router:
    """Last in line: its catch-alls answer what no other router took."""
    router = Router(name="common")
    router.message.register(show_help, Command("help"))
    router.message.register(show_me, Command("me"))
    router.message.register(choose_language, Command("lang"))
    router.callback_query.register(set_language, SetLanguage.filter())
    router.callback_query.register(stale_button)
    router.message.register(unreadable_sent, ~F.text, ~F.photo)
    router.message.register(not_understood)
    return router
