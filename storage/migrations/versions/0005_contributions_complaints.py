"""contribution drives, pledges, payments, complaints, conversation steps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:43:17.170643
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "plan",
            sa.Enum(
                "equal",
                "area",
                "floor_percent",
                "floor_coefficient",
                name="plan",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("floor_factors", sa.String(length=500), nullable=True),
        sa.Column(
            "scope_kind",
            sa.Enum("compound", "building", "unit", name="scopekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("scope_building_id", sa.Integer(), nullable=True),
        sa.Column("scope_unit_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "open", "closed", name="drivestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("reminder_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_drives_compound_id_compounds")
        ),
        sa.ForeignKeyConstraint(
            ["scope_building_id"],
            ["buildings.id"],
            name=op.f("fk_drives_scope_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_unit_id"], ["units.id"], name=op.f("fk_drives_scope_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_drives_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drives")),
    )
    with op.batch_alter_table("drives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drives_compound_id"), ["compound_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drives_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "drive_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"], ["drives.id"], name=op.f("fk_drive_payments_drive_id_drives")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_drive_payments_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drive_payments")),
    )
    with op.batch_alter_table("drive_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drive_payments_drive_id"), ["drive_id"], unique=False)

    op.create_table(
        "drive_shares",
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("area", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("floor_factor", sa.String(length=20), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"], ["drives.id"], name=op.f("fk_drive_shares_drive_id_drives")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_drive_shares_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("drive_id", "household_id", name=op.f("pk_drive_shares")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "quality",
                "unsafe",
                "materials",
                "noise",
                "delay",
                "illegal",
                "management",
                "other",
                name="category",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "acknowledged",
                "in_progress",
                "scheduled",
                "resolved",
                "no_action",
                "duplicate",
                "closed",
                name="state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_complaints_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_complaints_compound_id_compounds")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_complaints_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_complaints_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_complaints_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_compound_state", ["compound_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "conversation_steps",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_conversation_steps_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_conversation_steps")),
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("money", "goods", "labour", name="pledgekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "direct",
                "maintenance",
                "provident",
                "common_income",
                name="paymethod",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("goods", sa.Text(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"], ["drives.id"], name=op.f("fk_pledges_drive_id_drives")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_pledges_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_pledges_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
        sa.UniqueConstraint(
            "drive_id", "household_id", name=op.f("uq_pledges_drive_id_household_id")
        ),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledges_drive_id"), ["drive_id"], unique=False)

    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "acknowledged",
                "in_progress",
                "scheduled",
                "resolved",
                "no_action",
                "duplicate",
                "closed",
                name="state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_events_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    with op.batch_alter_table("complaint_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_events_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "complaint_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_photos_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_photos")),
    )
    with op.batch_alter_table("complaint_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_photos_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "pledge_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "pledged", "changed", "withdrawn", name="pledgeaction", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("money", "goods", "labour", name="pledgekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "direct",
                "maintenance",
                "provident",
                "common_income",
                name="paymethod",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("goods", sa.Text(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledges.id"], name=op.f("fk_pledge_events_pledge_id_pledges")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_pledge_events_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_events")),
    )
    with op.batch_alter_table("pledge_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_events_pledge_id"), ["pledge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pledge_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_events_pledge_id"))

    op.drop_table("pledge_events")
    with op.batch_alter_table("complaint_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_photos_complaint_id"))

    op.drop_table("complaint_photos")
    with op.batch_alter_table("complaint_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_events_complaint_id"))

    op.drop_table("complaint_events")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledges_drive_id"))

    op.drop_table("pledges")
    op.drop_table("conversation_steps")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_resident_id"))
        batch_op.drop_index("ix_complaints_compound_state")

    op.drop_table("complaints")
    op.drop_table("drive_shares")
    with op.batch_alter_table("drive_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drive_payments_drive_id"))

    op.drop_table("drive_payments")
    with op.batch_alter_table("drives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drives_survey_id"))
        batch_op.drop_index(batch_op.f("ix_drives_compound_id"))

    op.drop_table("drives")
