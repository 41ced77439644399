"""A per-person flood limit, checked before an update touches the database.

A sliding window per sender, in this process's memory: with several workers each counts for
itself, so a runaway client gets at most workers × limit through, which still keeps it from
flooding the database. A refused update is confirmed without effect; the person is told once
per window, in the language their Telegram app uses (the database is not asked)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.metrics import FLOOD_REFUSED
from handlers.shared.middlewares import Handler


class FloodLimit(BaseMiddleware):
    def __init__(
        self,
        i18n: I18n,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.i18n, self.limit, self.window, self.clock = i18n, limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._next_sweep = 0.0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = self.clock()
        self._forget_idle(now)
        seen = self._seen.setdefault(user.id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            return await handler(event, data)
        FLOOD_REFUSED.inc()
        if self._warned.get(user.id, -self.window) <= now - self.window:
            self._warned[user.id] = now
            assert isinstance(event, Update)
            await self._tell(event, user)
        return None

    async def _tell(self, update: Update, user: User) -> None:
        english = (user.language_code or "").startswith("en")
        with (
            self.i18n.context(),
            self.i18n.use_locale("en" if english else self.i18n.default_locale),
        ):
            text = _("You are sending very fast. Please wait a few seconds, then try again.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)

    def _forget_idle(self, now: float) -> None:
        """Drop the people quiet for a window, so the memory stays that of the active ones."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        cutoff = now - self.window
        for user_id in [u for u, seen in self._seen.items() if not seen or seen[-1] <= cutoff]:
            del self._seen[user_id]
        for user_id in [u for u, at in self._warned.items() if at <= cutoff]:
            del self._warned[user_id]
