"""tally figures fixed at opening: scope totals on surveys and per unit, cents and integer
heads on eligible flats, copied onto flats' ballots; kept tallies of closed surveys

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

surveys = sa.table(
    "surveys",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("scope_flats", sa.Integer),
    sa.column("scope_cents", sa.BigInteger),
    sa.column("scope_heads", sa.Integer),
)
flats = sa.table(
    "eligible_flats",
    sa.column("survey_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("area", sa.Numeric(10, 2)),
    sa.column("head", sa.String),
    sa.column("cents", sa.BigInteger),
    sa.column("head_id", sa.Integer),
    sa.column("shared", sa.Boolean),
)
ballots = sa.table(
    "ballots",
    sa.column("survey_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("cents", sa.BigInteger),
    sa.column("head_id", sa.Integer),
    sa.column("shared", sa.Boolean),
)
scope_units = sa.table(
    "scope_units",
    sa.column("survey_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("flats", sa.Integer),
)


def _backfill() -> None:
    """The figures `storage.surveys.queries.open_survey` now fixes, for surveys opened before.
    Correlated subqueries run on both backends; a temporary index on (survey, head) keeps
    the head lookups from scanning the table once per flat."""
    op.execute(
        flats.update().values(cents=sa.cast(sa.func.round(flats.c.area * 100), sa.BigInteger))
    )
    op.create_index("ix_eligible_flats_tmp_head", "eligible_flats", ["survey_id", "head"])
    same_head = sa.alias(flats, "same_head")
    of_head = (same_head.c.survey_id == flats.c.survey_id) & (same_head.c.head == flats.c.head)
    op.execute(
        flats.update().values(
            head_id=sa.select(sa.func.min(same_head.c.household_id))
            .where(of_head)
            .scalar_subquery(),
            shared=sa.select(sa.func.count()).where(of_head).scalar_subquery() > 1,
        )
    )
    op.drop_index("ix_eligible_flats_tmp_head", "eligible_flats")
    of_ballot = (flats.c.survey_id == ballots.c.survey_id) & (
        flats.c.household_id == ballots.c.household_id
    )
    op.execute(
        ballots.update()
        .where(ballots.c.household_id.is_not(None))
        .values(
            {
                name: sa.select(flats.c[name]).where(of_ballot).scalar_subquery()
                for name in ("unit_id", "cents", "head_id", "shared")
            }
        )
    )
    op.execute(
        scope_units.insert().from_select(
            ["survey_id", "unit_id", "flats"],
            sa.select(flats.c.survey_id, flats.c.unit_id, sa.func.count()).group_by(
                flats.c.survey_id, flats.c.unit_id
            ),
        )
    )
    of_survey = flats.c.survey_id == surveys.c.id
    op.execute(
        surveys.update()
        .where(surveys.c.status != "draft")
        .values(
            scope_flats=sa.select(sa.func.count()).where(of_survey).scalar_subquery(),
            scope_cents=sa.select(sa.func.coalesce(sa.func.sum(flats.c.cents), 0))
            .where(of_survey)
            .scalar_subquery(),
            scope_heads=sa.select(sa.func.count(flats.c.head_id.distinct()))
            .where(of_survey)
            .scalar_subquery(),
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_flats", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scope_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("scope_heads", sa.Integer(), nullable=True))
    with op.batch_alter_table("eligible_flats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("shared", sa.Boolean(), nullable=True))
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("shared", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ballots_unit_id_units"), "units", ["unit_id"], ["id"]
        )
    op.create_table(
        "scope_units",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("flats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_scope_units_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_scope_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("survey_id", "unit_id", name=op.f("pk_scope_units")),
    )
    _backfill()
    with op.batch_alter_table("eligible_flats", schema=None) as batch_op:
        batch_op.alter_column("cents", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("head_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("shared", existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ballots_survey_household", ["survey_id", "household_id"], unique=False
        )
        batch_op.create_index(
            "ix_ballots_shared_head", ["survey_id", "shared", "head_id"], unique=False
        )
    with op.batch_alter_table("answer_events", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_events_survey_id")
        batch_op.create_index("ix_answer_events_survey_event", ["survey_id", "id"], unique=False)
    op.create_table(
        "kept_tallies",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_kept_tallies_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("survey_id", name=op.f("pk_kept_tallies")),
    )


def downgrade() -> None:
    op.drop_table("kept_tallies")
    with op.batch_alter_table("answer_events", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_events_survey_event")
        batch_op.create_index("ix_answer_events_survey_id", ["survey_id"], unique=False)
    op.drop_table("scope_units")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index("ix_ballots_shared_head")
        batch_op.drop_index("ix_ballots_survey_household")
        batch_op.drop_constraint(batch_op.f("fk_ballots_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("shared")
        batch_op.drop_column("head_id")
        batch_op.drop_column("cents")
        batch_op.drop_column("unit_id")
    with op.batch_alter_table("eligible_flats", schema=None) as batch_op:
        batch_op.drop_column("shared")
        batch_op.drop_column("head_id")
        batch_op.drop_column("cents")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("scope_heads")
        batch_op.drop_column("scope_cents")
        batch_op.drop_column("scope_flats")
