"""conversation states for aiogram's FSM, outbox replies (edits and files), update ids per bot

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("destiny", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "bot_id", "chat_id", "user_id", "destiny", name=op.f("pk_conversation_states")
        ),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("method", sa.String(length=16), nullable=False, server_default="send")
        )
        batch_op.add_column(sa.Column("target_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("file_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("file_data", sa.LargeBinary(), nullable=True))
    # The ids recorded so far are only a memory against redelivery, which lasts a day: a new
    # table keyed per bot starts empty.
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        for column in ("file_data", "file_name", "file_id", "target_message_id", "method"):
            batch_op.drop_column(column)
    op.drop_table("conversation_states")
