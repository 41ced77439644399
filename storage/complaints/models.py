"""Tables of complaints (建设共管): the complaint with its place and reporter, its photos
(Telegram file ids, re-sent to the committee), and the append-only record of every state
change with the note the reporter was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, enum_column, utcnow
from surveys.complaints.rules import Category, State


class Complaint(Base):
    """A complaint of one compound; its id is the tracking number. A draft is being written
    in the guided chat and counts nowhere."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_compound_state", "compound_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    category: Mapped[Category | None] = mapped_column(enum_column(Category))
    description: Mapped[str | None] = mapped_column(Text)
    # Where: the reporter's building and unit, or a common area of the compound (both None).
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Hidden from other residents; the committee always sees who reported.
    anonymous: Mapped[bool] = mapped_column(default=False)
    state: Mapped[State] = mapped_column(enum_column(State), default=State.DRAFT)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)  # a committee member's Telegram id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # Fixed at filing from LINLI_COMPLAINT_ACKNOWLEDGE_HOURS: past it, the committee is reminded.
    acknowledge_by: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]  # when it last reached a finished state
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # the reporter's 1-5


class ComplaintPhoto(Base):
    __tablename__ = "complaint_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(200))


class ComplaintEvent(Base):
    """Append-only: each filing, state change, assignment, reopening and rating."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    state: Mapped[State] = mapped_column(enum_column(State))  # the state after the event
    note: Mapped[str | None] = mapped_column(Text)
    by_telegram_id: Mapped[int] = mapped_column(BigInteger)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    rating: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
