"""paper ballots and proxies: each ballot's source and whether it counts (one flat, one
ballot), who entered and confirmed a paper ballot with the photo of its sheet; proxies

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proxies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("proxy_resident_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_proxies_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["proxy_resident_id"],
            ["residents.id"],
            name=op.f("fk_proxies_proxy_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["residents.id"], name=op.f("fk_proxies_granted_by_residents")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_proxies_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxies")),
    )
    op.create_index("ix_proxies_household", "proxies", ["household_id"])
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="chat")
        )
        batch_op.add_column(
            sa.Column("standing", sa.String(length=16), nullable=False, server_default="counts")
        )
        batch_op.add_column(sa.Column("entered_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("photo_file_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("proxy_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_entered_by_residents"), "residents", ["entered_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_confirmed_by_residents"), "residents", ["confirmed_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_proxy_id_proxies"), "proxies", ["proxy_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_resolved_by_residents"), "residents", ["resolved_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        for foreign_key in ("resolved_by", "proxy_id", "confirmed_by", "entered_by"):
            table = "proxies" if foreign_key == "proxy_id" else "residents"
            name = batch_op.f(f"fk_ballots_{foreign_key}_{table}")
            batch_op.drop_constraint(name, type_="foreignkey")
        for column in (
            "note",
            "resolved_by",
            "proxy_id",
            "photo_file_id",
            "confirmed_by",
            "entered_by",
            "standing",
            "source",
        ):
            batch_op.drop_column(column)
    op.drop_index("ix_proxies_household", table_name="proxies")
    op.drop_table("proxies")
