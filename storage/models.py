"""Tables of the household register, residents, join codes and committees."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from surveys.roles import Role

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(cls: type[enum.Enum]) -> Enum:
    # VARCHAR plus a CHECK constraint: portable, and new members need no type migration.
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[type, type]] = {datetime: UTCDateTime}


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"


class Verification(enum.StrEnum):
    """How a link to a flat was made. Whether an owner's ownership is confirmed, which a formal
    vote needs, is `Membership.owner_confirmed`: a flat code proves the flat, not the role."""

    FLAT_CODE = "flat_code"  # scanned the flat's own code, which only its household holds
    COMMITTEE = "committee"  # claimed through a shared code and approved by a committee member


class CodeKind(enum.StrEnum):
    FLAT = "flat"
    UNIT = "unit"
    BUILDING = "building"
    COMPOUND = "compound"


class Compound(Base):
    __tablename__ = "compounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # "22:00-07:30" or "off" (surveys.notice_times); None: the default, 21:30-08:00.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buildings: Mapped[list[Building]] = relationship(back_populates="compound")


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("compound_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    compound: Mapped[Compound] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    building: Mapped[Building] = relationship(back_populates="units")
    households: Mapped[list[Household]] = relationship(back_populates="unit")


class Household(Base):
    """A flat (户) of the register. Compound and building are copied from the unit so that
    tallies over a scope filter one table."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("unit_id", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    floor: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(20))
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    # Flats with the same key belong to one owner and count as one head in votes.
    owner_key: Mapped[str | None] = mapped_column(String(64))
    # Unsold or undelivered flats: together they count as one head (the developer).
    developer_held: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when a re-imported register no longer lists the flat; linked residents are kept.
    retired_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(back_populates="households")
    memberships: Mapped[list[Membership]] = relationship(back_populates="household")


class Resident(Base):
    """A Telegram user who has talked to the bot."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    # Set when Telegram refused a message because the resident blocked the bot (403), so the
    # committee can count who notices no longer reach; cleared when a message gets through.
    unreachable_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="resident")


class Membership(Base):
    """A resident's link to a flat, with how it was verified."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("resident_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus), index=True)
    verified_by: Mapped[Verification] = mapped_column(enum_column(Verification))
    join_code_id: Mapped[int | None] = mapped_column(ForeignKey("join_codes.id"))
    # The committee member (Telegram id) who approved the claim or confirmed the ownership.
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    # The member the committee chose to answer for the flat; else its earliest member does.
    answers_for_flat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An owner whose ownership the committee confirmed (approving the claim, or in /pending),
    # or who scanned a flat code handed to the owner in person: only these vote formally.
    owner_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    resident: Mapped[Resident] = relationship(back_populates="memberships")
    household: Mapped[Household] = relationship(back_populates="memberships")


class CommitteeMember(Base):
    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("compound_id", "telegram_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class JoinCode(Base):
    """What a signed QR token points to. The token proves the id; this row says whether the
    code still works (revoked, expired, used up)."""

    __tablename__ = "join_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    kind: Mapped[CodeKind] = mapped_column(enum_column(CodeKind))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # A flat code the committee handed to the owner in person: scanned as owner, it confirms
    # the ownership at once (`linli qr --owner-verified`).
    owner_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """Update ids whose effect is committed: a redelivered update is skipped. Keyed per bot
    (the token's id), since each bot numbers its updates, and kept only for Telegram's
    redelivery window: a bot idle for a week starts its numbering again."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its not_before, then for a dispatcher
    SENDING = "sending"  # claimed by a dispatcher until claimed_until
    SENT = "sent"
    UNREACHABLE = "unreachable"  # the recipient blocked the bot (403); not retried
    FAILED = "failed"  # refused by Telegram (400) or out of retries; last_error says why
    CANCELLED = "cancelled"


class Broadcast(Base):
    """One notice to many recipients (an announcement, a survey opening, a reminder): its
    outbox rows tell the committee how far it got."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "announcement", "survey_opened"
    # Opening a broadcast with a key that exists returns that broadcast: a notice is sent once.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send: written in the transaction that decides it, sent by a dispatcher
    (bot.outbox_dispatcher), so a notice is neither lost in a crash nor sent without cause."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "state", "not_before"),
        Index("ix_outbox_messages_chat", "chat_id", "id"),  # per-chat order at claim time
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # What to do: "send" a message, "edit" the bot's message `target_message_id`, send a
    # "document" (file_data named file_name) or a "photo" (file_id, or file_data); text is
    # the caption of a file.
    method: Mapped[str] = mapped_column(String(16), default="send", server_default="send")
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # Telegram's JSON
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    file_id: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)  # higher is sent first
    not_before: Mapped[datetime] = mapped_column(default=utcnow)  # quiet hours, schedules
    state: Mapped[OutboxState] = mapped_column(
        enum_column(OutboxState), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sends tried; a 429 is not one
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The lease: the dispatcher sending this row, and until when the others leave it alone.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Enqueuing a row whose key exists is a no-op (broadcast rows: "b<broadcast id>:<chat>").
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
