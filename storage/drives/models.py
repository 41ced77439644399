"""Tables of contribution drives (居民出资): the drive and its cost-sharing plan, each flat's
share fixed when the drive is created, the current pledge of each flat with the append-only
history of every pledge change, and the payments the committee records. Nothing here moves
money: it is the committee's record."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, enum_column, utcnow
from storage.surveys.models import ScopeKind
from surveys.drives.cost_sharing import Plan
from surveys.roles import Role


class DriveStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class PledgeKind(enum.StrEnum):
    MONEY = "money"
    GOODS = "goods"  # 捐物, described
    LABOUR = "labour"  # 投工投劳, in hours


class PayMethod(enum.StrEnum):
    """How pledged money will come."""

    DIRECT = "direct"
    MAINTENANCE_FUND = "maintenance"  # 住宅专项维修资金
    PROVIDENT_FUND = "provident"  # 住房公积金
    COMMON_INCOME = "common_income"  # 让渡小区公共收益


class PledgeAction(enum.StrEnum):
    PLEDGED = "pledged"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"


class Drive(Base):
    """A drive of one compound over a scope, for a project item (e.g. 3栋2单元加装电梯)."""

    __tablename__ = "drives"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger)
    # "floor_coefficient" is longer than enum_column's 16 characters.
    plan: Mapped[Plan] = mapped_column(
        Enum(Plan, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    floor_factors: Mapped[str | None] = mapped_column(String(500))  # as given: "3=10,4=20"
    scope_kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind))
    scope_building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    status: Mapped[DriveStatus] = mapped_column(enum_column(DriveStatus), default="draft")
    # The roles whose members pledge for a flat, comma-separated ("owner", "owner,family").
    pledgers: Mapped[str] = mapped_column(String(50), default="owner", server_default="owner")
    # Unpaid money pledges are reminded every so many days while the drive is open (None: never).
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    @property
    def pledger_roles(self) -> set[Role]:
        return {Role(role) for role in self.pledgers.split(",")}

    @property
    def residents_fen(self) -> int:
        """The residents' share: what the flats' shares add up to."""
        return self.total_fen - self.subsidy_fen


class DriveShare(Base):
    """A flat's suggested share, and why: its floor, area and floor factor at creation."""

    __tablename__ = "drive_shares"

    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    floor: Mapped[int] = mapped_column(Integer)
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    floor_factor: Mapped[str | None] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Pledge(Base):
    """The current pledge of a flat: one per flat and drive, changed in place; every change is
    also a PledgeEvent."""

    __tablename__ = "pledges"
    __table_args__ = (UniqueConstraint("drive_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))  # who pledged last
    kind: Mapped[PledgeKind] = mapped_column(enum_column(PledgeKind))
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    method: Mapped[PayMethod | None] = mapped_column(enum_column(PayMethod))
    goods: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PledgeEvent(Base):
    """Append-only: every pledge, change and withdrawal, as it was made."""

    __tablename__ = "pledge_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    action: Mapped[PledgeAction] = mapped_column(enum_column(PledgeAction))
    kind: Mapped[PledgeKind] = mapped_column(enum_column(PledgeKind))
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    method: Mapped[PayMethod | None] = mapped_column(enum_column(PayMethod))
    goods: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """Money the committee recorded as received from a flat; partial payments add up."""

    __tablename__ = "drive_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram id; None: the CLI
    at: Mapped[datetime] = mapped_column(default=utcnow)
