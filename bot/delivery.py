"""Handing one update to the dispatcher, and what a failure means for confirming it.

A transient failure (database or Telegram unreachable) propagates: the update stays
unconfirmed and comes again. Any other failure is a bug that would fail forever on retry:
it is logged, the person is told, and the update counts as handled."""

from __future__ import annotations

import logging
import time

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.metrics import UPDATE_SECONDS, UPDATES

log = logging.getLogger(__name__)

TRANSIENT = (
    OperationalError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    ConnectionError,
    TimeoutError,
)


# SQLSTATE classes of a database that is away for now: 08 connection exceptions, 57P01-57P03
# (shutting down, crash shutdown, cannot connect now: PostgreSQL restarting).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_transient(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        if error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
    return isinstance(error, TRANSIENT)


def sender_of(update: Update) -> int | None:
    user = getattr(update.event, "from_user", None)
    return user.id if user is not None else None


async def deliver(bot: Bot, dispatcher: Dispatcher, i18n: I18n, update: Update) -> None:
    """Handle `update`; raise only when it should be delivered again."""
    started = time.perf_counter()
    try:
        await dispatcher.feed_update(bot, update)
    except Exception as error:
        if is_transient(error):
            UPDATES.labels(outcome="retry").inc()
            raise
        UPDATES.labels(outcome="failed").inc()
        log.exception("update %s failed; it will not be retried", update.update_id)
        await _apologise(bot, i18n, update)
    else:
        UPDATES.labels(outcome="handled").inc()
    finally:
        UPDATE_SECONDS.observe(time.perf_counter() - started)


async def _apologise(bot: Bot, i18n: I18n, update: Update) -> None:
    chat = sender_of(update)
    if chat is None:
        return
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        text = _("Sorry, something went wrong on our side. Please try again later.")
    try:
        await bot.send_message(chat, text)
    except TelegramAPIError as error:
        log.warning("could not apologise to %s: %s", chat, error.message)
