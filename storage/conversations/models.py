"""Where a person is in a multi-step chat (answering a typed question, writing a complaint, an
announcement, a pledge): aiogram's FSM state and data, kept in the database inside each
update's transaction, so that a restart or another worker picks up the next message where the
last one left off, and a failed update leaves the state as it was."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class ConversationState(Base):
    __tablename__ = "conversation_states"

    # aiogram's StorageKey; Linli talks in private chats, so threads and business
    # connections do not occur.
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    destiny: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
