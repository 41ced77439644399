"""drives.pledgers: the roles of a flat's members who may pledge for it (owners by default)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pledgers", sa.String(length=50), nullable=False, server_default="owner")
        )


def downgrade() -> None:
    with op.batch_alter_table("drives", schema=None) as batch_op:
        batch_op.drop_column("pledgers")
