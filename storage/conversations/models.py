"""Where a person is in a multi-step chat (writing a complaint, typing a pledge or a note):
kept in the database, inside each update's transaction, so that a restart or another webhook
worker picks up the next message where the last one left off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class ConversationStep(Base):
    __tablename__ = "conversation_steps"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    step: Mapped[str] = mapped_column(String(80))  # "<flow>:<what is awaited>:<ids>"
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
