"""The sandbox's in-memory Telegram: residents, their private chats, messages, updates and files.

Pure state, no HTTP. The Bot API (botapi.py) and the residents' actions (residents.py) both act
on one World; whoever waits for a change (long polls, webhook delivery) uses `wait_for`, which
every mutation wakes through `touch`.
"""

import asyncio
import contextlib
import hashlib
import itertools
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.sandbox.limits import FaultPlan, RateLimits, Stats

T = TypeVar("T")
Json = dict[str, Any]

FIRST_USER_ID = 10001
FIRST_GROUP_ID = -1001  # Telegram's group chat ids are negative
# Update types Telegram sends only when allowed_updates names them.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _optional(**fields: Any) -> Json:
    return {key: value for key, value in fields.items() if value is not None}


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False  # has ever written to the bot, so the bot may write back
    blocked: bool = False

    def as_json(self) -> Json:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            **_optional(
                last_name=self.last_name,
                username=self.username,
                language_code=self.language_code,
            ),
        }

    def chat_json(self) -> Json:
        """The user's private chat with the bot, whose id is the user's id."""
        return {
            "id": self.id,
            "type": "private",
            "first_name": self.first_name,
            **_optional(last_name=self.last_name, username=self.username),
        }


@dataclass
class Group:
    """A group chat the bot was added to, where users write in front of each other."""

    id: int
    title: str
    blocked: bool = False  # a group cannot block the bot: these two keep a chat's shape
    started: bool = True  # the bot may write in a group it is in

    def chat_json(self) -> Json:
        return {"id": self.id, "type": "group", "title": self.title}


@dataclass
class Message:
    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    content: Json  # Telegram's fields: text + entities, or photo / document + caption
    reply_markup: Json | None = None
    edit_date: int | None = None
    deleted: bool = False
    sender_id: int | None = None  # who wrote it in a group; in a private chat, the chat's user

    @property
    def inline_keyboard(self) -> Json | None:
        """The markup if it is an inline keyboard: the only kind a Message object shows."""
        markup = self.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None


@dataclass
class Update:
    update_id: int
    kind: str  # the Update field holding the payload: "message", "callback_query", ...
    payload: Json
    state: str = "pending"  # then "confirmed" by the bot, or "dropped" (drop_pending_updates)
    # webhook delivery bookkeeping
    in_flight: bool = False
    attempts: int = 0
    retry_at: float = 0.0

    def as_json(self) -> Json:
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def as_json(self) -> Json:
        """Telegram's File object, as getFile returns it."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class CallbackQuery:
    id: str
    answer: Json | None = None  # {text, show_alert} once the bot answered


@dataclass
class Webhook:
    url: str
    bot_id: int  # whose calls the webhook's reply bodies are made as
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class World:
    bot_username: str
    bot_id: int = 0  # learned from the token of each Bot API call; one bot per sandbox
    users: dict[int, User] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    chats: dict[int, list[Message]] = field(default_factory=dict)  # by chat id
    updates: list[Update] = field(default_factory=list)  # every update ever made, in id order
    files: dict[str, StoredFile] = field(default_factory=dict)  # by file_id
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[Json]] = field(default_factory=dict)  # (scope, lang)
    webhook: Webhook | None = None
    allowed_updates: frozenset[str] | None = None  # None: every type but OPT_IN_UPDATES
    poll_generation: int = 0  # bumped by each getUpdates, so an older long poll knows it lost
    limits: RateLimits = field(default_factory=RateLimits)
    faults: FaultPlan = field(default_factory=FaultPlan)
    stats: Stats = field(default_factory=Stats)
    latency: float = 0.0  # seconds every Bot API answer takes, as Telegram's round trip would
    # The flood limits' and the statistics' clock: a test may pass its own, to move time on
    # instead of sleeping.
    clock: Callable[[], float] = time.monotonic
    in_flight: Counter[str] = field(default_factory=Counter)  # Bot API calls not yet answered
    closed: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    # Apart from _changed: held answers wake only when the latency changes, not at every send.
    _latency_changed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _serial: Iterator[int] = field(
        default_factory=lambda: itertools.count(1), init=False, repr=False
    )

    # -- waiting for changes --

    def touch(self) -> None:
        """Wake everyone in `wait_for` to re-check their condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        """End all waits at once, so a stopping server has no long poll to sit out."""
        self.closed = True
        self.touch()
        self._latency_changed.set()

    async def next_change(self, timeout: float) -> None:
        """Return at the next `touch`, or after `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def wait_for(self, probe: Callable[[], T], timeout: float) -> T:
        """Re-evaluate `probe` after every change until it is truthy or `timeout` runs out."""
        deadline = time.monotonic() + timeout
        while not (result := probe()) and not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self.next_change(remaining)
        return result

    async def sleep(self, seconds: float) -> None:
        """Sleep, but not past `close`."""
        await self.wait_for(lambda: False, seconds)

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds
        self._latency_changed.set()
        self._latency_changed = asyncio.Event()

    async def linger(self, since: float) -> None:
        """Wait until `latency` seconds after `since` (a time.monotonic reading), by the latency
        in force: lowering it lets the answers it holds go at once."""
        while (left := since + self.latency - time.monotonic()) > 0 and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._latency_changed.wait(), left)

    # -- users and messages --

    def bot_user(self) -> Json:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Linli",
            "username": self.bot_username,
        }

    def add_user(self, first_name: str, **details: str | None) -> User:
        user = User(id=FIRST_USER_ID + len(self.users), first_name=first_name, **details)
        self.users[user.id] = user
        self.chats[user.id] = []
        self.touch()
        return user

    def add_group(self, title: str) -> Group:
        group = Group(id=FIRST_GROUP_ID - len(self.groups), title=title)
        self.groups[group.id] = group
        self.chats[group.id] = []
        self.touch()
        return group

    def add_message(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        content: Json,
        reply_markup: Json | None = None,
        sender_id: int | None = None,
    ) -> Message:
        chat = self.chats[chat_id]
        message = Message(
            message_id=len(chat) + 1,
            chat_id=chat_id,
            from_bot=from_bot,
            date=int(time.time()),
            content=content,
            reply_markup=reply_markup,
            sender_id=sender_id,
        )
        chat.append(message)
        self.touch()
        return message

    def message(self, chat_id: int, message_id: int) -> Message | None:
        """A message still in the chat (not deleted), or None."""
        chat = self.chats.get(chat_id, [])
        if 0 < message_id <= len(chat) and not chat[message_id - 1].deleted:
            return chat[message_id - 1]
        return None

    def bot_messages(self, chat_id: int, after: int = 0) -> list[Message]:
        return [m for m in self.chats[chat_id][max(after, 0) :] if m.from_bot]

    def message_json(self, message: Message) -> Json:
        """Telegram's Message object."""
        chat = self.groups.get(message.chat_id) or self.users[message.chat_id]
        if message.from_bot:
            sender = self.bot_user()
        else:
            sender = self.users[message.sender_id or message.chat_id].as_json()
        return {
            "message_id": message.message_id,
            "from": sender,
            "chat": chat.chat_json(),
            "date": message.date,
            **message.content,
            **_optional(edit_date=message.edit_date, reply_markup=message.inline_keyboard),
        }

    # -- updates --

    def push_update(self, kind: str, payload: Json) -> Update | None:
        """Queue an update, unless allowed_updates filters its type out (as Telegram does)."""
        if self.allowed_updates is None:
            wanted = kind not in OPT_IN_UPDATES
        else:
            wanted = kind in self.allowed_updates
        if not wanted:
            return None
        update = Update(update_id=len(self.updates) + 1, kind=kind, payload=payload)
        self.updates.append(update)
        self.touch()
        return update

    def pending_updates(self) -> list[Update]:
        return [u for u in self.updates if u.state == "pending"]

    def settle(self, updates: list[Update], state: str = "confirmed") -> None:
        """Take updates out of the queue: confirmed by the bot, or dropped."""
        for update in updates:
            update.state = state
        self.touch()

    def confirmed_ids(self) -> list[int]:
        return [u.update_id for u in self.updates if u.state == "confirmed"]

    def begin_poll(self) -> int:
        """Number a new getUpdates long poll, waking an older one still waiting: it has lost."""
        self.poll_generation += 1
        self.touch()
        return self.poll_generation

    # -- files and callback queries --

    def store_file(
        self, data: bytes, folder: str, file_name: str | None, mime_type: str | None, suffix: str
    ) -> StoredFile:
        serial = next(self._serial)
        stored = StoredFile(
            file_id=f"{folder}-{serial}-{secrets.token_urlsafe(9)}",
            # Telegram keeps one unique id per file content across uploads
            file_unique_id=hashlib.sha256(data).hexdigest()[:16],
            file_path=f"{folder}/file_{serial}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_at(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    def add_callback_query(self) -> CallbackQuery:
        query = CallbackQuery(id=f"cq-{next(self._serial)}")
        self.callback_queries[query.id] = query
        return query
