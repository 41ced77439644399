"""indexes for tallies: answers by question, so that a tally counts the answers to its text and
number questions without reading every answer of every survey; the ballots of shared heads
with whether they are submitted, so that the head rule reads that index alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED_HEAD = ["survey_id", "shared", "head_id"]


def upgrade() -> None:
    op.create_index("ix_answers_question", "answers", ["question_id"], unique=False)
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index("ix_ballots_shared_head")
        batch_op.create_index("ix_ballots_shared_head", [*SHARED_HEAD, "submitted_at"])


def downgrade() -> None:
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index("ix_ballots_shared_head")
        batch_op.create_index("ix_ballots_shared_head", SHARED_HEAD)
    op.drop_index("ix_answers_question", "answers")
