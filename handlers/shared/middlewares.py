"""Per-update plumbing: one database transaction per update that records its update id, its
effect, its conversation state and its replies together; the resident behind it; the
language they read; and refusals turned into the person's answer.

Record first, speak after: the replies are outbox rows of the update's transaction, sent
right after the commit by this process's outbox dispatcher (or by any dispatcher once their
lease ends, if this process dies first). A reply that fails is the dispatcher's to retry; it
never undoes an effect. Only a failure before the commit leaves the update unconfirmed, and
only a transient one (database or network away): the update then comes again. A failure that
would fail forever is logged, the update is marked processed and the person is told."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.middlewares.user_context import EventContext
from aiogram.fsm.context import FSMContext
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.shared.replies import Replies
from storage.conversations.fsm import forget, in_update
from storage.models import ProcessedUpdate
from storage.outbox.queue import (
    REPLY_PRIORITY,
    Claimed,
    Outgoing,
    enqueue_claimed,
    enqueue_many,
)
from storage.residents import resident_in_update

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Outlet(Protocol):
    """This process's running outbox dispatcher, which sends committed replies at once."""

    worker: str

    @property
    def lease(self) -> timedelta: ...

    def push(self, rows: Sequence[Claimed]) -> None: ...


def where_it_failed(error: BaseException) -> str:
    """The exception's type and the code locations it passed: enough to find the bug, and
    none of the exception's message, which may quote what a person typed."""
    frames = traceback.extract_tb(error.__traceback__)
    places = " < ".join(f"{frame.name}:{frame.lineno}" for frame in reversed(frames[-6:]))
    return f"{type(error).__name__} at {places}"


class UpdateTransaction(BaseMiddleware):
    """Runs each update in one transaction (see the module docstring). `outlet` gives this
    process's running outbox dispatcher, which sends the committed replies at once; without
    one, they wait for any dispatcher's next claim."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transient: Callable[[BaseException], bool],
        i18n: I18n,
        outlet: Callable[[], Outlet | None],
    ) -> None:
        self.sessions, self.transient, self.i18n = sessions, transient, i18n
        self.outlet = outlet
        self._talking: set[asyncio.Task[None]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        replies = Replies.of(event)
        data["replies"] = replies
        async with self.sessions() as session:
            with in_update(session):
                try:
                    if not await self._first_time(session, bot.id, event.update_id):
                        return None  # already handled: its effect is committed
                    data["session"] = session
                    result = await handler(event, data)
                    if replies.refused:  # undo what the handler changed; keep the refusal
                        await session.rollback()
                        forget(session)
                        session.add(ProcessedUpdate(bot_id=bot.id, update_id=event.update_id))
                        state: FSMContext | None = data.get("state")
                        if replies.end_flow and state is not None:
                            await state.clear()
                    outlet = self.outlet()
                    claimed = await self._record_replies(session, replies.messages, outlet)
                    await session.commit()
                except Exception as error:
                    with contextlib.suppress(Exception):
                        await session.close()
                    if self.transient(error):
                        raise
                    log.error(
                        "update %s failed for good: %s", event.update_id, where_it_failed(error)
                    )
                    await self._apologise(bot.id, event.update_id, replies)
                    return None
        self._speak(bot, replies, claimed, outlet)
        return result

    async def _first_time(self, session: AsyncSession, bot_id: int, update_id: int) -> bool:
        session.add(ProcessedUpdate(bot_id=bot_id, update_id=update_id))
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return False
        return True

    @staticmethod
    async def _record_replies(
        session: AsyncSession, messages: Sequence[Outgoing], outlet: Outlet | None
    ) -> list[Claimed]:
        if outlet is None:
            await enqueue_many(session, messages, priority=REPLY_PRIORITY)
            return []
        return await enqueue_claimed(session, messages, outlet.worker, lease=outlet.lease)

    def _speak(
        self, bot: Bot, replies: Replies, claimed: list[Claimed], outlet: Outlet | None
    ) -> None:
        """After the commit: answer the press first, then hand the replies to the dispatcher."""
        if replies.query_id is None:
            if claimed and outlet is not None:
                outlet.push(claimed)
            return
        task = asyncio.create_task(self._answer_then_send(bot, replies, claimed, outlet))
        self._talking.add(task)
        task.add_done_callback(self._talking.discard)

    async def _answer_then_send(
        self, bot: Bot, replies: Replies, claimed: list[Claimed], outlet: Outlet | None
    ) -> None:
        assert replies.query_id is not None
        answer = replies.answer
        try:
            await bot(
                AnswerCallbackQuery(
                    callback_query_id=replies.query_id,
                    text=answer.text,
                    show_alert=answer.show_alert or None,
                )
            )
        except Exception as error:  # a press forgotten by Telegram: nothing to retry
            log.info("could not answer a press: %s", type(error).__name__)
        if claimed and outlet is not None:
            outlet.push(claimed)

    async def _apologise(self, bot_id: int, update_id: int, replies: Replies) -> None:
        """Mark the update processed (a retry would fail the same way) and say sorry."""
        with self.i18n.context(), self.i18n.use_locale(replies.locale or self.i18n.default_locale):
            text = _("Sorry, something went wrong on our side. Please try again later.")
        apology = Replies(replies.chat_id)
        apology.say(text)
        try:
            async with self.sessions() as session, session.begin():
                session.add(ProcessedUpdate(bot_id=bot_id, update_id=update_id))
                await enqueue_many(session, apology.messages, priority=REPLY_PRIORITY)
        except Exception as error:  # then a retry may handle it once more: no worse
            log.warning("could not record failed update %s: %s", update_id, type(error).__name__)


class ResidentContext(BaseMiddleware):
    """Loads (or creates) the resident who sent the update, with their conversation state in
    the same query, and notes the language they read."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession | None = data.get("session")
        if user is not None and session is not None and not user.is_bot:
            context: EventContext | None = data.get("event_context")
            chat_id = context.chat_id if context is not None and context.chat_id else user.id
            resident = await resident_in_update(
                session, user.id, user.full_name, bot_id=data["bot"].id, chat_id=chat_id
            )
            data["resident"] = resident
            data["replies"].locale = resident.language
        return await handler(event, data)


class ResidentLocale(I18nMiddleware):
    """The resident's chosen language, else the deployment's default (Chinese). Read from the
    update's notes, never from an ORM object, which the error path may find detached."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        replies: Replies | None = data.get("replies")
        locale = None if replies is None else replies.locale
        return locale if locale in self.i18n.available_locales else self.i18n.default_locale


Explain = Callable[[Any], str]


class Refusals(BaseMiddleware):
    """Turns a refusal raised by a handler or a filter into the person's answer, in their
    language, and rolls the handler's changes back (see Replies.refuse). `explain` maps each
    refusal type to the sentence that explains it; a refusal of a `final` type also ends the
    multi-step chat the person was in (what they were doing can no longer be done), while
    any other (a typing mistake) leaves them at the same step to try again."""

    def __init__(
        self, explain: Mapping[type[Exception], Explain], final: tuple[type[Exception], ...]
    ) -> None:
        self.explain, self.final = dict(explain), final
        self.types = tuple(self.explain)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except self.types as refusal:
            for kind, explain in self.explain.items():
                if isinstance(refusal, kind):
                    data["replies"].refuse(
                        explain(refusal), end_flow=isinstance(refusal, self.final)
                    )
                    break
            return None


class CommandsEndFlows(BaseMiddleware):
    """A command starts something new: whatever multi-step chat the person was in ends first,
    explicitly, so that no step of an old flow takes a message meant for the new one."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if (
            isinstance(event, Message)
            and (event.text or "").startswith("/")
            and state is not None
            and data.get("raw_state") is not None
        ):
            await state.clear()
            data["raw_state"] = None
        return await handler(event, data)


class CaptionsAreNotCommands(BaseMiddleware):
    """A command is a message's text. aiogram's Command filter reads a photo's caption too, so
    a photo captioned "/complaints_export" would run the command, from any step of any flow:
    the handlers get such a message without its caption (none of them reads captions)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if (
            isinstance(event, Message)
            and event.text is None
            and (event.caption or "").startswith("/")
        ):
            event = event.model_copy(update={"caption": None, "caption_entities": None})
        return await handler(event, data)
