"""The outbox dispatcher: sends the rows of storage.outbox.queue at Telegram's pace, each once.

One dispatcher claims due rows in batches under a lease, and `concurrency` senders send them,
spaced to `rate` messages per second overall and one per `chat_interval` per chat, a chat's
messages in order. The replies an update pushes (see `push`) are sent before claimed notices:
a person who pressed a button waits for them, while a broadcast only goes a little slower.
Telegram's answer decides each row:

- accepted: recorded `sent` at once, in its own transaction, before the next send;
- 429: every sender waits `retry_after`, then the same row is sent again;
- 5xx or no answer within the request timeout: retried after an exponential backoff, until
  `max_attempts`, then `failed` with the error;
- 403 (blocked): `unreachable`, and so is the resident; never retried;
- any other refusal (400 "chat not found", "message is too long"): `failed` with the reason.

Several dispatchers may share a database: a claim never hands the same row to two of them
(storage.outbox.queue). A send is started only while its row's lease has more than a request
timeout left, so no other dispatcher can claim the row while its send may still be under way.
The rate applies per dispatcher: with N of them, give each 1/N of the bot's allowance.

The one unavoidable window: Telegram has no idempotent send. A message Telegram accepted
whose `sent` mark was not yet committed when the process died (or whose mark failed on a
database error) is sent again once its lease runs out; so is a message Telegram accepted but
answered too late (a timeout). Since each mark follows its send immediately, what a crash can
duplicate is the sends in flight at that moment: at most `concurrency` messages, one per chat.
Stopping cleanly duplicates nothing: sends under way finish and are recorded, and the rows
not yet tried are handed back at once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import EditMessageText, SendDocument, SendMessage, SendPhoto, TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import is_transient
from bot.metrics import RETRY_AFTER, SENDS
from bot.polling import Backoff
from storage.models import utcnow
from storage.outbox import queue as outbox
from storage.outbox.queue import Claimed

log = logging.getLogger(__name__)
PUSHED, CLAIMED = 0, 1  # the send order of runs


@dataclass(frozen=True)
class DispatchPolicy:
    """How a dispatcher paces, claims and retries (the tests shorten every duration)."""

    rate: float = 25.0  # messages per second across chats (LINLI_SEND_RATE)
    chat_interval: float = 1.0  # seconds between two messages to one chat
    concurrency: int = 16  # messages being sent at once: also the most a crash can duplicate
    batch: int = 200  # rows claimed at a time, at most (see claim_size)
    lease: float = 60.0  # seconds a claim lasts: a dead dispatcher's rows wait this long
    max_attempts: int = 8
    first_backoff: float = 2.0  # seconds before the first retry; doubles with each attempt
    max_backoff: float = 300.0
    idle_poll: float = 1.0  # seconds between looks at an empty queue

    @property
    def burst(self) -> int:
        """Sends that may go at once to make up for a lull (the average stays at `rate`):
        a twentieth of a second's worth, one at Telegram's usual rates."""
        return max(1, round(self.rate / 20))

    @property
    def request_timeout(self) -> float:
        """A send must end well within its lease, so that nobody else claims it meanwhile."""
        return min(10.0, self.lease / 4)

    @property
    def claim_size(self) -> int:
        """About a second of sends, so that what is claimed (up to two batches) is out within
        two seconds, when a cancelled broadcast stops, and well within the lease."""
        sendable = self.rate * (self.lease - self.request_timeout) / 2
        return max(1, min(self.batch, round(self.rate), int(sendable)))

    def backoff(self, attempts: int) -> float:
        return min(self.max_backoff, self.first_backoff * 2**attempts)


class Pace:
    """Hands out moments `interval` seconds apart on average, `burst` of them at once at most
    when some went unused: a token bucket holding `burst` tokens."""

    def __init__(self, interval: float, burst: int = 1) -> None:
        self.interval = interval
        self.slack = (burst - 1) * interval
        self.next_free = 0.0

    def reserve(self, now: float) -> float:
        """Take the next free moment; return the seconds until it."""
        moment = max(self.next_free, now - self.slack)
        self.next_free = moment + self.interval
        return max(0.0, moment - now)

    def hold(self, until: float) -> None:
        """Give out no moment before `until` (Telegram said 429)."""
        self.next_free = max(self.next_free, until)


class ChatPaces:
    """A Pace per chat, forgetting chats that have been quiet for a while."""

    def __init__(self, interval: float, keep: int = 10_000) -> None:
        self.interval, self.keep = interval, keep
        self.paces: dict[int, Pace] = {}

    def reserve(self, chat_id: int, now: float) -> float:
        if len(self.paces) >= self.keep:
            self.paces = {c: p for c, p in self.paces.items() if p.next_free > now}
        return self.paces.setdefault(chat_id, Pace(self.interval)).reserve(now)


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


Recorder = Callable[..., Awaitable[bool]]


class OutboxDispatcher:
    """One dispatcher: a claiming task and `concurrency` senders (see the module docstring)."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        policy: DispatchPolicy | None = None,
        worker: str | None = None,
    ) -> None:
        self.bot, self.sessions = bot, sessions
        self.policy = policy or DispatchPolicy()
        self.worker = worker or worker_name()
        self._pace = Pace(1 / self.policy.rate, self.policy.burst)
        self._chats = ChatPaces(self.policy.chat_interval)
        # Runs of one chat each. A pushed run (replies to someone who just pressed or wrote)
        # goes before the claimed ones (notices, broadcasts): a person is waiting for it.
        self._queue: asyncio.PriorityQueue[tuple[int, int, list[Claimed]]] = asyncio.PriorityQueue()
        self._order = itertools.count()  # first in, first out within a priority
        # The run each chat has queued or being sent: rows held later for the chat join it,
        # so that two updates' replies cannot interleave.
        self._runs: dict[int, list[Claimed]] = {}
        self._held: dict[int, Claimed] = {}  # claimed and not settled, by row id
        self._sending: dict[int, asyncio.Task[float | bool]] = {}  # sends under way
        self._room = asyncio.Event()  # a held row was settled

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.policy.lease)

    async def run(self) -> None:
        """Send due messages until cancelled; then stop cleanly (see the module docstring)."""
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._claim_loop())
                for _ in range(self.policy.concurrency):
                    tasks.create_task(self._send_loop())
        finally:
            await self._stop()

    # -- claiming --

    async def _claim_loop(self) -> None:
        backoff = Backoff(first=self.policy.idle_poll)
        size = self.policy.claim_size
        while True:
            while len(self._held) >= size:
                self._room.clear()
                await self._room.wait()
            try:
                async with self.sessions() as session, session.begin():
                    rows = await outbox.claim(
                        session, self.worker, limit=size, lease=timedelta(seconds=self.policy.lease)
                    )
            except Exception as error:
                if not is_transient(error):
                    raise
                delay = backoff.next()
                log.warning("outbox claims paused %.1f s: %s", delay, error)
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            for row in rows:
                self._hold([row], CLAIMED)
            if len(rows) < size:  # nothing more is due for now
                await asyncio.sleep(self.policy.idle_poll)

    def push(self, rows: Sequence[Claimed]) -> None:
        """Send rows claimed elsewhere for this dispatcher (an update's replies, just
        committed) without waiting for a claim: in order, one run per chat."""
        runs: dict[int, list[Claimed]] = {}
        for row in rows:
            runs.setdefault(row.chat_id, []).append(row)
        for run in runs.values():
            self._hold(run, PUSHED)

    def _hold(self, run: list[Claimed], priority: int) -> None:
        for row in run:
            self._held[row.id] = row
        chat = run[0].chat_id
        if chat in self._runs:
            self._runs[chat].extend(run)
            return
        self._runs[chat] = run
        self._queue.put_nowait((priority, next(self._order), run))

    def _settle(self, row: Claimed) -> None:
        self._held.pop(row.id, None)
        self._room.set()

    # -- sending --

    async def _send_loop(self) -> None:
        while True:
            _, _, run = await self._queue.get()
            for position, row in enumerate(run):  # including rows added while it is sent
                if not await self._deliver(row):
                    # Not sent for now: the chat's later rows wait behind it, in the queue.
                    del self._runs[row.chat_id]
                    await self._hand_back(run[position + 1 :])
                    break
            else:
                del self._runs[run[0].chat_id]

    async def _hand_back(self, rows: Sequence[Claimed]) -> None:
        if not rows:
            return
        try:
            async with self.sessions() as session, session.begin():
                await outbox.release(session, self.worker, [row.id for row in rows])
        except Exception as error:  # they come back when their leases end
            log.warning("could not hand back %d outbox rows: %s", len(rows), error)
        for row in rows:
            self._settle(row)

    async def _deliver(self, row: Claimed) -> bool:
        """Send one held row when its chat's and the bot's turn comes; after a 429, again.
        True when its outcome is final (sent, failed, unreachable)."""
        while True:
            await asyncio.sleep(self._chats.reserve(row.chat_id, time.monotonic()))
            await asyncio.sleep(self._pace.reserve(time.monotonic()))
            left = (row.claimed_until - utcnow()).total_seconds()
            if left <= self.policy.request_timeout:
                # Too late to send under this lease: the row is claimed again once it ends.
                log.info("outbox row %s waits for its lease to end", row.id)
                self._settle(row)
                return False
            try:
                retry_after = await self._shielded(row)
            except Exception as error:
                if not is_transient(error):
                    raise
                log.warning(
                    "outbox row %s: outcome not recorded (%s); it is sent again", row.id, error
                )
                self._settle(row)
                return False
            if isinstance(retry_after, bool):
                return retry_after
            self._pace.hold(time.monotonic() + retry_after)

    async def _shielded(self, row: Claimed) -> float | bool:
        """Run the attempt in a task of its own that a stop lets finish (see `_stop`)."""
        task = asyncio.create_task(self._attempt(row))
        self._sending[row.id] = task
        task.add_done_callback(lambda _: self._sending.pop(row.id, None))
        return await asyncio.shield(task)

    async def _attempt(self, row: Claimed) -> float | bool:
        """Send once and record the outcome: the seconds to wait after a 429, else whether the
        outcome is final (False: to be retried later)."""
        try:
            markup = (
                None
                if row.reply_markup is None
                else InlineKeyboardMarkup.model_validate(row.reply_markup)
            )
        except ValueError as error:  # Telegram would refuse it too, every time
            await self._record(outbox.mark_failed, row, error=f"not an inline keyboard: {error}")
            return True
        try:
            message_id = await self._call(row, markup)
        except TelegramRetryAfter as error:
            RETRY_AFTER.inc()
            return float(error.retry_after)
        except (TelegramUnauthorizedError, TelegramNotFound):
            raise  # a wrong token or API address would fail every row: stop instead
        except TelegramForbiddenError as error:
            await self._record(outbox.mark_unreachable, row, error=error.message)
        except (TelegramServerError, TelegramNetworkError) as error:
            if row.attempts + 1 < self.policy.max_attempts:
                at = utcnow() + timedelta(seconds=self.policy.backoff(row.attempts))
                await self._record(outbox.retry_later, row, error=error.message, at=at)
                return False
            await self._record(outbox.mark_failed, row, error=error.message)
        except TelegramAPIError as error:
            await self._record(outbox.mark_failed, row, error=error.message)
        else:
            await self._record(outbox.mark_sent, row, telegram_message_id=message_id)
        return True

    async def _call(self, row: Claimed, markup: InlineKeyboardMarkup | None) -> int:
        """Make the Bot API call the row asks for; return the message id it concerns."""
        # aiogram types the timeout as int; aiohttp takes fractions of a second too.
        timeout: Any = self.policy.request_timeout
        if row.method == outbox.EDIT and row.target_message_id is not None:
            try:
                await self.bot(
                    EditMessageText(
                        chat_id=row.chat_id,
                        message_id=row.target_message_id,
                        text=row.text,
                        reply_markup=markup,
                    ),
                    request_timeout=timeout,
                )
                return row.target_message_id
            except TelegramBadRequest as error:
                if "not modified" in error.message:  # an edit delivered twice: done
                    return row.target_message_id
                # Too old or deleted: the person still gets the text, as a new message.
                log.info("outbox row %s: edit refused, sent as a new message", row.id)
        method: TelegramMethod[Message]
        if row.method in (outbox.DOCUMENT, outbox.PHOTO) and row.file_data is not None:
            upload = BufferedInputFile(row.file_data, row.file_name or "file")
            caption = row.text or None
            method = (
                SendDocument(
                    chat_id=row.chat_id, document=upload, caption=caption, reply_markup=markup
                )
                if row.method == outbox.DOCUMENT
                else SendPhoto(chat_id=row.chat_id, photo=upload, caption=caption)
            )
        elif row.method == outbox.PHOTO and row.file_id is not None:
            method = SendPhoto(chat_id=row.chat_id, photo=row.file_id, caption=row.text or None)
        else:
            method = SendMessage(chat_id=row.chat_id, text=row.text, reply_markup=markup)
        sent = await self.bot(method, request_timeout=timeout)
        return sent.message_id

    async def _record(self, mark: Recorder, row: Claimed, **outcome: Any) -> None:
        async with self.sessions() as session, session.begin():
            if not await mark(session, row, **outcome):
                log.warning("outbox row %s: its lease went to another dispatcher", row.id)
        SENDS.labels(outcome=mark.__name__.removeprefix("mark_")).inc()
        self._settle(row)

    # -- stopping --

    async def _stop(self) -> None:
        """Let the sends under way finish and be recorded; hand the untried rows back."""
        if self._sending:
            await asyncio.wait(
                list(self._sending.values()), timeout=self.policy.request_timeout + 5
            )
        untried = [row_id for row_id in self._held if row_id not in self._sending]
        try:
            async with self.sessions() as session, session.begin():
                await outbox.release(session, self.worker, untried)
        except Exception as error:  # they come back when their leases end
            log.warning("could not hand back %d outbox rows: %s", len(untried), error)
