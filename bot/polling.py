"""Long polling that confirms an update to Telegram only after its effect is committed.

aiogram's own polling confirms a batch as soon as it starts handling it, so a crash loses
the batch. Here a batch of up to 100 updates is handled first — concurrently across chats,
in order within a chat — and only then confirmed by asking for the next offset. A crash
before that point makes Telegram deliver the batch again; UpdateTransaction skips the
updates whose effect was already committed."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot.delivery import deliver, is_transient, sender_of

log = logging.getLogger(__name__)


class Backoff:
    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap, self.delay = first, cap, first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.delay = self.first


async def _handle_in_order(
    bot: Bot, dispatcher: Dispatcher, i18n: I18n, updates: Sequence[Update]
) -> None:
    for update in updates:
        await deliver(bot, dispatcher, i18n, update)


async def handle_batch(
    bot: Bot, dispatcher: Dispatcher, i18n: I18n, updates: Sequence[Update]
) -> None:
    # Linli talks in private chats, where the sender is the chat: order is kept per sender.
    by_sender: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        by_sender[sender_of(update) or -update.update_id].append(update)
    results = await asyncio.gather(
        *(_handle_in_order(bot, dispatcher, i18n, batch) for batch in by_sender.values()),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def poll(bot: Bot, dispatcher: Dispatcher, i18n: I18n, *, timeout: int = 25) -> None:
    """Run until cancelled."""
    offset: int | None = None
    backoff = Backoff()
    allowed = dispatcher.resolve_used_update_types()
    while True:
        try:
            updates = await bot(
                GetUpdates(offset=offset, timeout=timeout, allowed_updates=allowed),
                request_timeout=timeout + 10,
            )
            if updates:
                await handle_batch(bot, dispatcher, i18n, updates)
                offset = updates[-1].update_id + 1
            backoff.reset()
        except TelegramRetryAfter as error:
            await asyncio.sleep(error.retry_after)
        except Exception as error:
            if not is_transient(error):
                raise
            delay = backoff.next()
            log.warning("polling paused %.1f s: %s", delay, error)
            await asyncio.sleep(delay)
