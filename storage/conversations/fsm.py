"""aiogram's FSM storage on the conversation_states table, in the update's own transaction.

The update's session is handed over in a context variable (`in_update`), so that the state a
handler sets commits with the handler's effect, or not at all. Each key is read at most once
per update: the first read is cached in the session (`prime` lets the resident's own query
fill it), and writes change the cached row, which the session flushes at commit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conversations.models import ConversationState

_session: ContextVar[AsyncSession | None] = ContextVar("linli_update_session", default=None)
_CACHE = "conversation_states"
_ABSENT = object()  # cached: the key has no row


@contextmanager
def in_update(session: AsyncSession) -> Iterator[None]:
    """Make `session` the one the FSM storage uses while the block runs."""
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)


def row_key(key: StorageKey) -> tuple[int, int, int, str]:
    return (key.bot_id, key.chat_id, key.user_id, key.destiny)


def prime(session: AsyncSession, key: tuple[int, int, int, str], row: object) -> None:
    """Cache what a query already read for `key` (None: no row), sparing the storage a read."""
    session.info.setdefault(_CACHE, {})[key] = _ABSENT if row is None else row


def forget(session: AsyncSession) -> None:
    """Drop the cache, after a rollback undid what it held."""
    session.info.pop(_CACHE, None)


class DatabaseStorage(BaseStorage):
    """FSM storage that reads and writes through the current update's session."""

    @staticmethod
    def _session() -> AsyncSession:
        session = _session.get()
        if session is None:
            raise RuntimeError("conversation state used outside an update's transaction")
        return session

    async def _row(self, key: StorageKey) -> ConversationState | None:
        session = self._session()
        cache: dict[tuple[int, int, int, str], Any] = session.info.setdefault(_CACHE, {})
        found = cache.get(row_key(key))
        if found is None:
            found = await session.get(ConversationState, row_key(key)) or _ABSENT
            cache[row_key(key)] = found
        return None if found is _ABSENT else found

    async def _write(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        session, row = self._session(), await self._row(key)
        if state is None and not data:
            if row is not None:
                await session.delete(row)
                prime(session, row_key(key), None)
            return
        if row is None:
            bot_id, chat_id, user_id, destiny = row_key(key)
            row = ConversationState(
                bot_id=bot_id, chat_id=chat_id, user_id=user_id, destiny=destiny
            )
            session.add(row)
            prime(session, row_key(key), row)
        row.state, row.data = state, data

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._write(key, name, await self.get_data(key))

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._row(key)
        return None if row is None else row.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, await self.get_state(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._row(key)
        return {} if row is None else dict(row.data or {})

    async def close(self) -> None:
        return None
