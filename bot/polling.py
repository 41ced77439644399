"""Long polling that confirms an update to Telegram only after its effect is committed.

aiogram's own polling confirms a batch as soon as it starts handling it, so a crash loses
the batch. Here updates are handled as they come — concurrently across senders, in order
within a sender — and `getUpdates` is asked again at once with the offset of the first
update not yet committed: a slow update holds back the confirmation of those after it, never
their handling. A crash before the commit makes Telegram deliver the update again;
UpdateTransaction skips the updates whose effect was already committed. An update that
failed for now (database or network away) is dropped from hand with the rest of its sender's
queue, so that when Telegram delivers them again they are handled in order."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.delivery import deliver, is_transient, sender_of

log = logging.getLogger(__name__)
MOST_IN_HAND = 200  # updates being handled or waiting for their sender's turn
BATCH = 100  # getUpdates answers at most this many, from the offset on


class PendingUpdates(GetUpdates):
    """getUpdates with its answer left as JSON: until the offset moves, every answer repeats
    the updates already in hand, and only the new ones are worth parsing (parsing a batch of
    100 cost more CPU than handling an answer)."""

    __returning__ = list[dict[str, Any]]


class Backoff:
    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap, self.delay = first, cap, first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.delay = self.first


class Poller:
    """One long-polling loop and the per-sender queues it feeds."""

    def __init__(self, bot: Bot, dispatcher: Dispatcher, timeout: int) -> None:
        self.bot, self.dispatcher, self.timeout = bot, dispatcher, timeout
        self.uncommitted: set[int] = set()  # received, effect not committed yet
        self.in_hand: set[int] = set()  # being handled or queued for it
        self.queues: dict[int, deque[Update]] = {}  # per sender, while a worker runs
        self.highest = -1
        self.progress = asyncio.Event()  # an update was settled
        self.failing = False  # an update failed for now: back off before asking again
        self.settled = 0  # updates handled so far
        self.workers: set[asyncio.Task[None]] = set()

    def offset(self) -> int | None:
        """Confirms what is committed with nothing uncommitted before it."""
        if self.uncommitted:
            return min(self.uncommitted)
        return None if self.highest < 0 else self.highest + 1

    def take(self, answer: list[dict[str, Any]]) -> int:
        """Queue the updates not already in hand; return how many."""
        taken = 0
        for raw in answer:
            update_id = raw.get("update_id")
            if update_id in self.in_hand or not isinstance(update_id, int):
                continue
            if update_id < (self.offset() or 0):
                continue
            update = Update.model_validate(raw, context={"bot": self.bot})
            taken += 1
            self.highest = max(self.highest, update.update_id)
            self.uncommitted.add(update.update_id)
            self.in_hand.add(update.update_id)
            sender = sender_of(update) or -update.update_id
            queue = self.queues.get(sender)
            if queue is not None:
                queue.append(update)
                continue
            self.queues[sender] = deque([update])
            worker = asyncio.create_task(self._work(sender))
            self.workers.add(worker)
            worker.add_done_callback(self.workers.discard)
        return taken

    async def _work(self, sender: int) -> None:
        queue = self.queues[sender]
        try:
            while queue:
                update = queue[0]
                try:
                    await deliver(self.bot, self.dispatcher, update)
                except Exception as error:
                    log.warning(
                        "update %s not handled for now (%s): it comes again",
                        update.update_id,
                        type(error).__name__,
                    )
                    self.failing = True
                    for dropped in queue:  # Telegram delivers them again, in order
                        self.in_hand.discard(dropped.update_id)
                    return
                queue.popleft()
                self.uncommitted.discard(update.update_id)
                self.in_hand.discard(update.update_id)
                self.settled += 1
                self.progress.set()
        finally:
            del self.queues[sender]
            self.progress.set()

    async def settling(self, asked: int | None, answered: int) -> None:
        """Wait until asking again is worth it, as each answer repeats every update still
        unconfirmed: a quarter of the `answered` updates have settled (at least one) — after
        a full batch, the quarter at its front, as only a moved offset brings new ones — or
        nothing is in hand, or an update failed."""
        quarter, settled = max(1, answered // 4), self.settled
        while True:
            self.progress.clear()
            await self.progress.wait()
            if not self.in_hand or self.failing:
                return
            if len(self.in_hand) >= MOST_IN_HAND:
                continue
            if answered >= BATCH and (self.offset() or 0) - (asked or 0) >= quarter:
                return
            if answered < BATCH and self.settled - settled >= quarter:
                return

    async def run(self) -> None:
        backoff = Backoff()
        allowed = self.dispatcher.resolve_used_update_types()
        try:
            while True:
                if self.failing:
                    self.failing = False
                    await asyncio.sleep(backoff.next())
                # Nothing new to take while the hands are full or everything received is in
                # hand: wait for an update to settle instead of asking Telegram in a loop.
                timeout, asked = (0 if self.in_hand else self.timeout), self.offset()
                try:
                    answer = await self.bot(
                        PendingUpdates(offset=asked, timeout=timeout, allowed_updates=allowed),
                        request_timeout=self.timeout + 10,
                    )
                except TelegramRetryAfter as error:
                    await asyncio.sleep(error.retry_after)
                    continue
                except Exception as error:
                    if not is_transient(error):
                        raise
                    delay = backoff.next()
                    log.warning("polling paused %.1f s: %s", delay, type(error).__name__)
                    await asyncio.sleep(delay)
                    continue
                if not self.failing:
                    backoff.reset()
                if (not self.take(answer) and self.in_hand) or len(self.in_hand) >= MOST_IN_HAND:
                    await self.settling(asked, len(answer))
        finally:
            for worker in list(self.workers):
                worker.cancel()


async def poll(bot: Bot, dispatcher: Dispatcher, *, timeout: int = 25) -> None:
    """Run until cancelled."""
    await Poller(bot, dispatcher, timeout).run()
