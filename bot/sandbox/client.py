"""A Python client for the sandbox's control API, and `Resident`, a person in a test's script:

async with SandboxClient(base_url) as sandbox:
    zhang = await sandbox.resident("张阿姨", language_code="zh-hans")
    await zhang.send("/start")
    welcome = await zhang.next_message()
    await zhang.press("投票")
"""

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import aiohttp

Json = dict[str, Any]
# Waits return as soon as what they wait for happens: the bound only has to outlast a busy
# machine (a bot process can take 30 s to start on a loaded 2-core one), never to be the time
# something takes.
WAIT = 60.0
POLL_INTERVAL = 0.05


class SandboxError(Exception):
    """The sandbox refused a control request; `reason` says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class SandboxClient:
    """The control API: one method per endpoint, plus `resident()` to make a Resident."""

    def __init__(self, base_url: str, connections: int = 100) -> None:
        """`connections`: requests at once (aiohttp's default, 100); a benchmark whose
        residents each wait on a long poll needs one per resident."""
        self.base_url = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> "SandboxClient":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._session.request(
            method, f"{self.base_url}/sandbox/{path}", **kwargs
        ) as response:
            if response.status >= 400:
                raise SandboxError(response.status, await _reason(response))
            if response.content_type == "application/json":
                return await response.json()
            return await response.read()

    # -- residents --

    async def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Json:
        user = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        }
        return await self._request("POST", "users", json=user)

    async def resident(self, first_name: str, **details: str | None) -> "Resident":
        """A new user, ready to talk to the bot; `details`: last_name, username, language_code."""
        return Resident(self, await self.create_user(first_name, **details))

    async def send_text(self, user_id: int, text: str) -> Json:
        """-> {update_id, message}"""
        return await self._request("POST", f"users/{user_id}/messages", json={"text": text})

    async def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> Json:
        """-> {update_id, message}"""
        body = {"data_base64": base64.b64encode(data).decode(), "caption": caption}
        return await self._request("POST", f"users/{user_id}/photos", json=body)

    async def create_group(self, title: str) -> int:
        """A group chat with the bot in it; -> its (negative) chat id."""
        return int((await self._request("POST", "groups", json={"title": title}))["id"])

    async def send_in_group(self, group_id: int, user_id: int, text: str) -> Json:
        """The user writes in the group. -> {update_id}"""
        body = {"user_id": user_id, "text": text}
        return await self._request("POST", f"groups/{group_id}/messages", json=body)

    async def scan(self, user_id: int, url: str) -> Json:
        """The user scans a QR code holding `url`. -> {update_id, message}"""
        return await self._request("POST", f"users/{user_id}/scan", json={"url": url})

    async def press(
        self,
        user_id: int,
        *,
        message_id: int | None = None,
        button_text: str | None = None,
        callback_data: str | None = None,
        forge: bool = False,
    ) -> Json:
        """Press an inline button. -> {update_id, callback_query_id}"""
        body = {
            "message_id": message_id,
            "button_text": button_text,
            "callback_data": callback_data,
            "forge": forge,
        }
        return await self._request("POST", f"users/{user_id}/press", json=body)

    async def block(self, user_id: int) -> Json:
        return await self._request("POST", f"users/{user_id}/block")

    async def unblock(self, user_id: int) -> Json:
        return await self._request("POST", f"users/{user_id}/unblock")

    # -- what the bot did --

    async def chat_messages(self, chat_id: int, after: int = 0, wait: float = 0) -> list[Json]:
        """The bot's messages in the chat after message `after`; `wait` seconds for one."""
        query = {"after": after, "wait": wait}
        return await self._request("GET", f"chats/{chat_id}/messages", params=query)

    async def callback_answer(self, callback_query_id: str, wait: float = 0) -> Json:
        """-> {text, show_alert}, once the bot answered the query."""
        path = f"callback_answers/{callback_query_id}"
        return await self._request("GET", path, params={"wait": wait})

    async def file(self, file_id: str) -> bytes:
        return await self._request("GET", f"files/{file_id}")

    async def updates(self) -> Json:
        """-> {updates: [{update_id, type, state, webhook_attempts, update}], confirmed_ids}"""
        return await self._request("GET", "updates")

    async def settled(self, timeout: float = WAIT) -> list[int]:
        """Wait until the bot has confirmed every update (so their effects are committed);
        return the confirmed ids."""
        listing: Json = {}

        async def confirmed() -> bool:
            nonlocal listing
            listing = await self.updates()
            return all(update["state"] != "pending" for update in listing["updates"])

        await until(confirmed, f"updates still unconfirmed after {timeout} s", timeout)
        return list(listing["confirmed_ids"])

    async def commands(self) -> list[Json]:
        """-> [{scope, language_code, commands}] as registered with setMyCommands."""
        return await self._request("GET", "commands")

    # -- flood limits, faults, statistics --

    async def limits(self) -> Json:
        return await self._request("GET", "limits")

    async def set_limits(
        self,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        global_burst: float | None = None,
        per_chat_burst: float | None = None,
    ) -> Json:
        """Replace the flood limits; a None rate turns that limit off."""
        limits = {
            "global_rate": global_rate,
            "per_chat_rate": per_chat_rate,
            "global_burst": global_burst,
            "per_chat_burst": per_chat_burst,
        }
        return await self._request("POST", "limits", json=limits)

    async def faults(self) -> list[Json]:
        """The faults still queued, with the calls each has left."""
        return await self._request("GET", "faults")

    async def add_fault(
        self,
        kind: str,
        method: str = "send",
        count: int | None = 1,
        delay: float = 0,
        *,
        retry_after: int = 1,
        probability: float = 1.0,
        seed: int = 0,
    ) -> list[Json]:
        """Calls of `method` ("send": any send method) fail: kind "500", "502", "429" (retry
        after `retry_after` s), "blocked" (403), "delay" (succeed, but only after `delay`
        seconds), or "hang" (after `delay` seconds answer 504, having sent nothing). 5xx faults
        may wait too.

        Which calls: the next `count`; with `probability` < 1, each matching call with that
        chance, drawn from an RNG seeded with `seed` (the same calls fail in every run), until
        `count` have failed. `count` None: until `clear_faults`.
        """
        fault = {
            "kind": kind,
            "method": method,
            "count": count,
            "delay": delay,
            "retry_after": retry_after,
            "probability": probability,
            "seed": seed,
        }
        return await self._request("POST", "faults", json=fault)

    async def clear_faults(self) -> list[Json]:
        return await self._request("DELETE", "faults")

    async def latency(self) -> float:
        return float((await self._request("GET", "latency"))["seconds"])

    async def set_latency(self, seconds: float) -> float:
        """Every Bot API answer, refusals and getUpdates too, leaves `seconds` after its call
        is done, as over a real network; 0 turns it off."""
        return float((await self._request("POST", "latency", json={"seconds": seconds}))["seconds"])

    async def stats(self) -> Json:
        """-> {sent, rate_limited, faults_injected, duplicates, elapsed, achieved_rate,
        in_flight: {method: Bot API calls under way}}"""
        return await self._request("GET", "stats")

    async def reset_stats(self) -> Json:
        return await self._request("DELETE", "stats")

    async def answered(self, timeout: float = WAIT) -> None:
        """Wait until the sandbox has answered every Bot API call but long polls: a delayed or
        hung call included, long after its client gave up."""
        await until(self._answered, f"Bot API calls still unanswered after {timeout} s", timeout)

    async def _answered(self) -> bool:
        in_flight = (await self.stats())["in_flight"]
        return not {method for method in in_flight if method.lower() != "getupdates"}


async def until(
    check: Callable[[], Awaitable[object]], failure: str, timeout: float = WAIT
) -> None:
    """Return as soon as `check()` is truthy; raise AssertionError(failure) after `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(failure)
        await asyncio.sleep(POLL_INTERVAL)


async def _reason(response: aiohttp.ClientResponse) -> str:
    """The control API's `{"error": reason}`, or the raw text of any other failure."""
    text = await response.text()
    try:
        return str(json.loads(text)["error"])
    except (ValueError, KeyError, TypeError):
        return text


class Resident:
    """One user of the bot, reading the bot's messages in order as a person would."""

    def __init__(self, client: SandboxClient, user: Json) -> None:
        self.client = client
        self.user = user
        self.id: int = user["id"]
        self.name: str = user["first_name"]
        self._read_up_to = 0  # message_id of the last bot message next_message returned

    def __repr__(self) -> str:
        return f"<Resident {self.name} #{self.id}>"

    async def send(self, text: str) -> int:
        """Send a text; return its update_id."""
        return (await self.client.send_text(self.id, text))["update_id"]

    async def send_photo(self, data: bytes, caption: str | None = None) -> int:
        return (await self.client.send_photo(self.id, data, caption))["update_id"]

    async def scan(self, url: str) -> int:
        """Scan a QR code holding `url`; return the update_id of the /start it sends."""
        return (await self.client.scan(self.id, url))["update_id"]

    async def press(
        self, button_text: str, message_id: int | None = None, timeout: float = WAIT
    ) -> str:
        """Press the button so labelled (on the latest bot message having it, by default),
        waiting up to `timeout` s for the bot to show it; return the callback_query_id. Past
        that, the sandbox's refusal (SandboxError) is raised."""
        refused: list[SandboxError] = []
        pressed: list[str] = []

        async def attempt() -> bool:
            try:
                reply = await self.client.press(
                    self.id, message_id=message_id, button_text=button_text
                )
            except SandboxError as error:
                if not error.reason.startswith("no inline button"):
                    raise
                refused[:] = [error]
                return False
            pressed.append(str(reply["callback_query_id"]))
            return True

        try:
            await until(attempt, "the button never came", timeout)
        except AssertionError:
            raise refused[0] from None
        return pressed[0]

    async def forge_press(self, message_id: int, callback_data: str) -> str:
        """Send callback_data no button carries, as a tampered client could."""
        reply = await self.client.press(
            self.id, message_id=message_id, callback_data=callback_data, forge=True
        )
        return reply["callback_query_id"]

    async def next_message(self, timeout: float = WAIT) -> Json:
        """The next bot message this resident has not read yet, waiting up to `timeout` s."""
        waiting = await self.client.chat_messages(self.id, after=self._read_up_to, wait=timeout)
        if not waiting:
            raise AssertionError(
                f"{self.name} (chat {self.id}) got no message from the bot after "
                f"message #{self._read_up_to} within {timeout} s"
            )
        self._read_up_to = waiting[0]["message_id"]
        return waiting[0]

    async def messages(self) -> list[Json]:
        """Every bot message in this resident's chat, as it is now."""
        return await self.client.chat_messages(self.id)

    async def shown(self, needle: str, timeout: float = WAIT) -> Json:
        """The latest bot message whose text holds `needle`, as it is now: a new message or
        one the bot edited (a pressed question turns into the next one), waiting up to
        `timeout` s for it. Messages already read by next_message count too."""
        found: list[Json] = []

        async def look() -> bool:
            for message in reversed(await self.messages()):
                if needle in message.get("text", "") or needle in message.get("caption", ""):
                    found.append(message)
                    return True
            return False

        await until(look, f"{self.name} (chat {self.id}) was not shown {needle!r}", timeout)
        self._read_up_to = max(self._read_up_to, found[0]["message_id"])
        return found[0]

    async def edited(self, message: Json, timeout: float = WAIT) -> Json:
        """`message`, a bot message read before, once the bot has changed its text (a pressed
        question turned into what follows), waiting up to `timeout` s."""
        found: list[Json] = []

        async def changed() -> bool:
            for now in await self.messages():
                same = now["message_id"] == message["message_id"]
                if same and now.get("text") != message.get("text"):
                    found.append(now)
                    return True
            return False

        failure = f"{self.name} (chat {self.id}): message #{message['message_id']} was not edited"
        await until(changed, failure, timeout)
        return found[0]

    async def callback_answer(self, callback_query_id: str, timeout: float = WAIT) -> Json:
        """The bot's answer to a press: {text, show_alert}."""
        try:
            return await self.client.callback_answer(callback_query_id, wait=timeout)
        except SandboxError as error:
            raise AssertionError(f"{self.name} (chat {self.id}): {error.reason}") from None

    async def block(self) -> None:
        await self.client.block(self.id)

    async def unblock(self) -> None:
        await self.client.unblock(self.id)
