"""The command menus Telegram shows, per language, and the larger one for committee members."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)

# Telegram matches a user's app language by its two-letter code.
TELEGRAM_LANGUAGE = {"zh_CN": "zh", "en": "en"}


def _resident_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("Start, or join with a QR code")),
        BotCommand(command="me", description=_("My flat and role")),
        BotCommand(command="lang", description=_("Language: 中文 / English")),
        BotCommand(command="drives", description=_("Contribution drives: my share and pledge")),
        BotCommand(command="complaint", description=_("Report a problem")),
        BotCommand(command="web", description=_("Open Linli's pages")),
        BotCommand(command="help", description=_("Help")),
    ]


def _committee_commands() -> list[BotCommand]:
    return [
        *_resident_commands(),
        BotCommand(command="pending", description=_("Requests to join, owners to confirm")),
        BotCommand(command="surveys", description=_("Surveys and votes, with turnout")),
        BotCommand(command="tally", description=_("Result of a survey: /tally N")),
        BotCommand(command="export", description=_("Spreadsheet of a survey: /export N")),
        BotCommand(command="close", description=_("Close a survey: /close N")),
        BotCommand(command="publish", description=_("Publish a result to residents: /publish N")),
        BotCommand(command="extend", description=_("More days for a survey: /extend N DAYS")),
        BotCommand(command="complaints", description=_("Complaints, filtered by state")),
        BotCommand(command="unpaid", description=_("Unpaid pledges of a drive: /unpaid N")),
        BotCommand(command="announce", description=_("Send an announcement")),
        BotCommand(command="deliveries", description=_("Delivery of announcements and notices")),
        BotCommand(
            command="cancel_announcement",
            description=_("Cancel an announcement: /cancel_announcement N"),
        ),
    ]


async def register_menus(bot: Bot, i18n: I18n, committee: Sequence[tuple[int, str | None]]) -> None:
    """Resident menus for everyone (default language first), then each committee member's
    menu in their language. `committee` holds (Telegram id, language or None)."""
    with i18n.context():
        with i18n.use_locale(i18n.default_locale):
            await bot.set_my_commands(_resident_commands(), scope=BotCommandScopeDefault())
        for locale, code in TELEGRAM_LANGUAGE.items():
            with i18n.use_locale(locale):
                await bot.set_my_commands(
                    _resident_commands(), scope=BotCommandScopeDefault(), language_code=code
                )
        for telegram_id, language in committee:
            with i18n.use_locale(language or i18n.default_locale):
                try:
                    await bot.set_my_commands(
                        _committee_commands(), scope=BotCommandScopeChat(chat_id=telegram_id)
                    )
                except TelegramAPIError as error:  # has not opened the bot yet
                    log.info("no committee menu for %s yet: %s", telegram_id, error.message)
