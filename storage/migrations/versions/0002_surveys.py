"""surveys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:40:24.054868
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "scope_kind",
            sa.Enum("compound", "building", "unit", name="scopekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("scope_building_id", sa.Integer(), nullable=True),
        sa.Column("scope_unit_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "published",
                name="surveystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("objections_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["compounds.id"], name=op.f("fk_surveys_compound_id_compounds")
        ),
        sa.ForeignKeyConstraint(
            ["scope_building_id"],
            ["buildings.id"],
            name=op.f("fk_surveys_scope_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_unit_id"], ["units.id"], name=op.f("fk_surveys_scope_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_compound_id"), ["compound_id"], unique=False)

    op.create_table(
        "eligible_flats",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("head", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_eligible_flats_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_eligible_flats_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_eligible_flats_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_eligible_flats_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("survey_id", "household_id", name=op.f("pk_eligible_flats")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_ballots_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_ballots_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_ballots_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint(
            "survey_id", "respondent", name=op.f("uq_ballots_survey_id_respondent")
        ),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "vote_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "objection",
                "affected",
                "consent",
                "challenge",
                name="inputkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_vote_inputs_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_vote_inputs_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_vote_inputs_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_inputs")),
        sa.UniqueConstraint(
            "survey_id",
            "household_id",
            "kind",
            "resident_id",
            name=op.f("uq_vote_inputs_survey_id_household_id_kind_resident_id"),
        ),
    )
    with op.batch_alter_table("vote_inputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_inputs_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "answer_choices",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("option_id", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballots.id"], name=op.f("fk_answer_choices_ballot_id_ballots")
        ),
        sa.PrimaryKeyConstraint(
            "ballot_id", "question_id", "option_id", name=op.f("pk_answer_choices")
        ),
    )
    with op.batch_alter_table("answer_choices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_choices_question", ["question_id", "option_id"], unique=False
        )

    op.create_table(
        "answer_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballots.id"], name=op.f("fk_answer_events_ballot_id_ballots")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_answer_events_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_answer_events_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_events")),
    )
    with op.batch_alter_table("answer_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_events_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "answers",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballots.id"], name=op.f("fk_answers_ballot_id_ballots")
        ),
        sa.PrimaryKeyConstraint("ballot_id", "question_id", name=op.f("pk_answers")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_answer", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("awaiting_answer")

    op.drop_table("answers")
    with op.batch_alter_table("answer_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_events_survey_id"))

    op.drop_table("answer_events")
    with op.batch_alter_table("answer_choices", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_choices_question")

    op.drop_table("answer_choices")
    with op.batch_alter_table("vote_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_inputs_survey_id"))

    op.drop_table("vote_inputs")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_survey_id"))

    op.drop_table("ballots")
    op.drop_table("eligible_flats")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_compound_id"))

    op.drop_table("surveys")
