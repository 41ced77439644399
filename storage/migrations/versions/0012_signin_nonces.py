"""used_signin_nonces: the one-time sign-in links and Mini App launches already used on the
web pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_signin_nonces",
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_signin_nonces")),
    )
    op.create_index(op.f("ix_used_signin_nonces_expires_at"), "used_signin_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_signin_nonces_expires_at"), table_name="used_signin_nonces")
    op.drop_table("used_signin_nonces")
