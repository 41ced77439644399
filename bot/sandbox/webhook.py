"""Webhook delivery: POST each pending update to the bot's URL until it answers 2xx.

Failures (non-2xx, connection errors, timeouts) are retried with a short doubling backoff, and
at most `max_connections` deliveries are in flight. As in Telegram, a 2xx reply whose body is a
Bot API call (aiogram answers so when it handles updates in the foreground) gets that call made.
"""

import asyncio
import logging
import time

import aiohttp

from bot.sandbox.botapi import call_method
from bot.sandbox.errors import ApiError
from bot.sandbox.params import Params, read_multipart
from bot.sandbox.world import Update, Webhook, World

log = logging.getLogger(__name__)

FIRST_RETRY_DELAY = 0.2  # seconds; Telegram waits far longer, but tests should stay fast
MAX_RETRY_DELAY = 2.0
DELIVERY_TIMEOUT = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """Runs alongside the server, delivering whenever the world has a webhook set."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._session: aiohttp.ClientSession | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT))
        self._loop_task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop delivering; the world must be closed first so the loop ends."""
        tasks = [*self._deliveries, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while not self.world.closed:
            hook = self.world.webhook
            if hook is not None:
                for update in self._due(hook):
                    update.in_flight = True
                    task = asyncio.create_task(self._deliver(hook, update))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
            await self.world.next_change(self._until_next_retry())

    def _due(self, hook: Webhook) -> list[Update]:
        now = time.monotonic()
        pending = self.world.pending_updates()
        free = hook.max_connections - sum(u.in_flight for u in pending)
        due = [u for u in pending if not u.in_flight and u.retry_at <= now]
        return due[: max(free, 0)]

    def _until_next_retry(self) -> float:
        now = time.monotonic()
        waits = [u.retry_at - now for u in self.world.pending_updates() if u.retry_at > now]
        return min(waits, default=60.0)

    async def _deliver(self, hook: Webhook, update: Update) -> None:
        assert self._session is not None
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        reply: Params | None = None
        try:
            async with self._session.post(
                hook.url, json=update.as_json(), headers=headers
            ) as response:
                if 200 <= response.status < 300:
                    error = None
                    reply = await _read_reply(response)
                else:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {str(exc) or type(exc).__name__}"
        update.in_flight = False
        if error is None:
            if update.state == "pending":  # unless dropped meanwhile
                self.world.settle([update])
        else:
            update.attempts += 1
            backoff = FIRST_RETRY_DELAY * 2 ** (update.attempts - 1)
            update.retry_at = time.monotonic() + min(backoff, MAX_RETRY_DELAY)
            hook.last_error_date, hook.last_error_message = int(time.time()), error
            self.world.touch()
        if reply is not None:
            await self._make_reply_call(hook, reply)

    async def _make_reply_call(self, hook: Webhook, reply: Params) -> None:
        method = reply.get_str("method") or ""
        try:
            await call_method(self.world, hook.bot_id, method, reply)
        except ApiError as error:  # Telegram drops these silently; a log line helps debugging
            log.warning("webhook reply %s failed: %s", method, error.description)


async def _read_reply(response: aiohttp.ClientResponse) -> Params | None:
    """The Bot API call in a webhook's reply body, if there is one."""
    try:
        if response.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader(response.headers, response.content)
            reply = await read_multipart(reader, {})
        elif response.content_type == "application/json":
            body = await response.json()
            reply = Params(body if isinstance(body, dict) else {})
        else:
            return None
    except (ValueError, aiohttp.ClientError):
        return None  # the update still counts as delivered; Telegram ignores such a reply
    return reply if reply.get_str("method") else None
