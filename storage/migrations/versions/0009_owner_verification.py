"""owners confirmed by the committee (memberships.owner_confirmed), flat codes handed to the
owner in person (join_codes.owner_verified)

An owner the committee approved through a shared code is confirmed; one who scanned a flat
code is not, since until now anyone scanning a flat code became its owner: the committee
confirms them in /pending.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_confirmed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    memberships = sa.table(
        "memberships",
        sa.column("owner_confirmed", sa.Boolean()),
        sa.column("role", sa.String()),
        sa.column("verified_by", sa.String()),
        sa.column("status", sa.String()),
    )
    op.execute(
        memberships.update()
        .where(
            memberships.c.role == "owner",
            memberships.c.verified_by == "committee",
            memberships.c.status == "active",
        )
        .values(owner_confirmed=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("join_codes", schema=None) as batch_op:
        batch_op.drop_column("owner_verified")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("owner_confirmed")
