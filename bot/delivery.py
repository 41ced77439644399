"""Handing one update to the dispatcher, and what a failure means for confirming it.

A transient failure (database or Telegram unreachable) propagates: the update stays
unconfirmed and comes again. Any other failure is a bug that would fail forever on retry:
it is logged, the person is told, and the update counts as handled."""

from __future__ import annotations

import logging
import time

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Update
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


async def deliver(bot: Bot, dispatcher: Dispatcher, update: Update) -> None:
    """Handle `update`; raise only when it should be delivered again. The transaction
    middleware settles an update that fails for good (handlers.shared.middlewares); what
    fails outside it is logged and counts as handled."""
    started = time.perf_counter()
    try:
        await dispatcher.feed_update(bot, update)
    except Exception as error:
        if is_transient(error):
            UPDATES.labels(outcome="retry").inc()
            raise
        UPDATES.labels(outcome="failed").inc()
        log.error(
            "update %s failed; it will not be retried: %s", update.update_id, type(error).__name__
        )
    else:
        UPDATES.labels(outcome="handled").inc()
    finally:
        UPDATE_SECONDS.observe(time.perf_counter() - started)
