"""retire the conversation state kept outside aiogram's FSM: conversation_steps,
residents.awaiting_answer and residents.scanned_code_id, and join_codes.role (a flat code's
role is chosen by whoever scans it)

Every flow keeps its step in conversation_states since 0007; these were no longer read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = sa.Enum("owner", "family", "tenant", name="role", native_enum=False, length=16)


def upgrade() -> None:
    op.drop_table("conversation_steps")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_residents_scanned_code_id_join_codes", type_="foreignkey")
        batch_op.drop_column("scanned_code_id")
        batch_op.drop_column("awaiting_answer")
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.drop_column("role")


def downgrade() -> None:
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", ROLE, nullable=False, server_default="owner"))
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_answer", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("scanned_code_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_residents_scanned_code_id_join_codes", "join_codes", ["scanned_code_id"], ["id"]
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
