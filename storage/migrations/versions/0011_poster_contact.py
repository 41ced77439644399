"""what a compound's posters say besides the codes: the committee's contact line
(compounds.contact) and how to install Telegram (compounds.install_hint; none: the default)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("compounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("install_hint", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("compounds", schema=None) as batch_op:
        batch_op.drop_column("install_hint")
        batch_op.drop_column("contact")
