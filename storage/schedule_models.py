"""Tables of the schedules: the lease that lets one process at a time run them, and the
committee's announcements (a draft being written in the chat, then scheduled or queued)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, enum_column, utcnow


class ScheduleLease(Base):
    """Who runs the schedules, until when. A holder that stops renewing (it died) loses the
    lease once `expires_at` passes, and another process takes it over."""

    __tablename__ = "schedule_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "draft"  # being written in the chat: the draft is the conversation's state
    SCHEDULED = "scheduled"  # confirmed, waiting for send_at
    QUEUED = "queued"  # in the outbox as broadcast_id
    CANCELLED = "cancelled"


class Announcement(Base):
    """A committee's message to the residents of its compound, a building or a unit."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_due", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Who wrote it in the chat (None: the operator's command line); drafts are found by it.
    author_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    text: Mapped[str | None] = mapped_column(Text)  # None while the draft waits for it
    send_at: Mapped[datetime | None]  # None while the draft waits for it
    status: Mapped[AnnouncementStatus] = mapped_column(
        enum_column(AnnouncementStatus), default=AnnouncementStatus.DRAFT
    )
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
