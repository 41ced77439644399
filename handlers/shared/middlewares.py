"""Per-update plumbing: one database transaction per update, the resident behind it, and
the language they read."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ProcessedUpdate
from storage.residents import resident_for

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateTransaction(BaseMiddleware):
    """Runs each update in one transaction that also records its update_id.

    The id and the update's effect commit together, so an update delivered twice (polling
    after a crash, webhook redelivery, two workers) has one effect: the second delivery
    finds the id taken and is skipped. Errors propagate so the caller does not confirm the
    update to Telegram. An update that failed for good (a bug, not an outage) has its id
    recorded on its own, so that the retry of a batch it was part of skips it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transient: Callable[[BaseException], bool],
    ) -> None:
        self.sessions, self.transient = sessions, transient

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        async with self.sessions() as session:
            session.add(ProcessedUpdate(update_id=event.update_id))
            try:
                await session.flush()
            except IntegrityError:
                await session.rollback()
                return None  # already handled: its effect is committed
            data["session"] = session
            try:
                result = await handler(event, data)
            except TelegramForbiddenError:
                result = None  # blocked the bot while we replied: what they did still counts
            except Exception as error:
                # Close, not rollback: the objects keep their loaded state for aiogram's error
                # handling, and SQLite's one connection is free for the record below.
                await session.close()
                if not self.transient(error):
                    await self._mark_failed(event.update_id)
                raise
            await session.commit()
            return result

    async def _mark_failed(self, update_id: int) -> None:
        try:
            async with self.sessions() as session, session.begin():
                session.add(ProcessedUpdate(update_id=update_id))
        except Exception as error:  # then a retry may handle it once more: no worse
            log.warning("could not record failed update %s: %s", update_id, error)


class ResidentContext(BaseMiddleware):
    """Loads (or creates) the resident who sent the update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession | None = data.get("session")
        if user is not None and session is not None and not user.is_bot:
            data["resident"] = await resident_for(session, user.id, user.full_name)
        return await handler(event, data)


class ResidentLocale(I18nMiddleware):
    """The resident's chosen language, else the deployment's default (Chinese)."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        resident = data.get("resident")
        if resident is not None and resident.language in self.i18n.available_locales:
            return str(resident.language)
        return self.i18n.default_locale
