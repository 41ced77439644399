"""Tables of surveys and votes: the definition, who may answer and with what weight (fixed at
opening), ballots, current answers, the append-only record of every answer given, and the
tally of a closed survey, kept."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, enum_column, utcnow


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class ScopeKind(enum.StrEnum):
    COMPOUND = "compound"
    BUILDING = "building"
    UNIT = "unit"


class Survey(Base):
    """A survey or vote of one compound, over a scope: the compound, a building or a unit."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    definition: Mapped[str] = mapped_column(Text)  # the YAML, validated by surveys.voting.schema
    title: Mapped[str] = mapped_column(String(200))
    scope_kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind))
    scope_building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[SurveyStatus] = mapped_column(enum_column(SurveyStatus), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    objections_until: Mapped[datetime | None]
    # Times the committee moved the close (extended, or reopened): keys the notices of each close.
    deadline_moves: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The scope's totals, fixed when the survey opens (None before): what every tally divides by.
    scope_flats: Mapped[int | None]
    scope_cents: Mapped[int | None] = mapped_column(BigInteger)  # area in 0.01 m²
    scope_heads: Mapped[int | None]  # owners as art. 278 counts them


class EligibleFlat(Base):
    """A flat of the scope as it stood when the survey opened: later register changes do not
    move a vote's totals. Besides the register's figures it keeps them as the tally counts
    them: the area in whole cents, and its head as an integer with whether that head holds
    other flats of the scope, so that only those few heads need grouping."""

    __tablename__ = "eligible_flats"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    # One head per owner: "d" for all developer-held flats, "o:<owner key>", or "f:<flat id>".
    head: Mapped[str] = mapped_column(String(80))
    cents: Mapped[int] = mapped_column(BigInteger)  # area × 100, exact
    head_id: Mapped[int]  # the lowest household id among the head's flats of the scope
    shared: Mapped[bool] = mapped_column(Boolean)  # the head holds more than this flat


class ScopeUnit(Base):
    """How many eligible flats each unit of the scope has, fixed at opening with them."""

    __tablename__ = "scope_units"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    flats: Mapped[int]


class BallotSource(enum.StrEnum):
    CHAT = "chat"  # the flat's owner answered in chat
    PAPER = "paper"  # a committee member entered a signed paper sheet
    PROXY = "proxy"  # a person the owner named answered in chat


class Standing(enum.StrEnum):
    """Whether a ballot counts. One flat, one ballot: the first complete ballot counts; a later
    complete one from another source is a conflict until the committee keeps one of them."""

    COUNTS = "counts"  # counts once submitted (a chat ballot, from its first answer)
    ENTRY = "entry"  # a paper ballot being entered: answers or the sheet's photo missing
    REVIEW = "review"  # a paper ballot waiting for a second committee member
    REJECTED = "rejected"  # a paper ballot the second member rejected (the reason in `note`)
    CONFLICT = "conflict"  # complete, but the flat already had a counting ballot
    SET_ASIDE = "set_aside"  # the committee kept another ballot of the flat (reason in `note`)


class Ballot(Base):
    """One respondent's answers to one survey: a flat ("h:<household id>") or, for surveys
    answered per person, a resident ("r:<resident id>"). A flat's ballot carries copies of its
    eligible flat's figures (unit, cents, head_id, shared), fixed at opening, so that a tally
    reads ballots and answers alone, as a bare count of the answers would."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent"),
        Index("ix_ballots_survey_household", "survey_id", "household_id"),
        # The head rule's ballots, read from this index alone (submitted or not).
        Index("ix_ballots_shared_head", "survey_id", "shared", "head_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    respondent: Mapped[str] = mapped_column(String(32))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # A flat's ballot only: its eligible flat's figures.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    cents: Mapped[int | None] = mapped_column(BigInteger)
    head_id: Mapped[int | None]
    shared: Mapped[bool | None] = mapped_column(Boolean)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))  # who answered last
    submitted_at: Mapped[datetime | None]  # set once every required question is answered
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the ballot came from and whether it counts (tallies read `standing` "counts" only).
    # Defaults as members, not strings: a ballot just created is compared with `is`.
    source: Mapped[BallotSource] = mapped_column(
        enum_column(BallotSource), default=BallotSource.CHAT
    )
    standing: Mapped[Standing] = mapped_column(enum_column(Standing), default=Standing.COUNTS)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # paper
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # or rejected
    photo_file_id: Mapped[str | None] = mapped_column(String(200))  # the signed sheet
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id"))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # a conflict
    note: Mapped[str | None] = mapped_column(Text)  # why rejected, kept or set aside

    @classmethod
    def of_flat(cls, flat: EligibleFlat, respondent: str, resident_id: int, **more: Any) -> Ballot:
        """A new ballot of an eligible flat, carrying its figures fixed at opening."""
        return cls(
            survey_id=flat.survey_id,
            respondent=respondent,
            household_id=flat.household_id,
            unit_id=flat.unit_id,
            cents=flat.cents,
            head_id=flat.head_id,
            shared=flat.shared,
            resident_id=resident_id,
            **more,
        )


class Proxy(Base):
    """A person named to vote for a flat (委托) by its owner in chat: for one survey, or for
    every survey until a date."""

    __tablename__ = "proxies"
    __table_args__ = (Index("ix_proxies_household", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    proxy_resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    granted_by: Mapped[int] = mapped_column(ForeignKey("residents.id"))  # the owner
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    until: Mapped[datetime | None]
    owner_name: Mapped[str] = mapped_column(String(100), default="")  # as the ballot shows it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class Answer(Base):
    """The current answer to one question of a ballot, as JSON."""

    __tablename__ = "answers"
    # A tally counts the answers to a question (texts, numbers) by this index.
    __table_args__ = (Index("ix_answers_question", "question_id"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AnswerChoice(Base):
    """The options of a current answer, one row each, so that tallies group in SQL. A rating
    is stored as its digit; an agree question as approve / reject / abstain."""

    __tablename__ = "answer_choices"
    __table_args__ = (Index("ix_answer_choices_question", "question_id", "option_id"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    option_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)  # 1.. for rankings, else 0


class AnswerEvent(Base):
    """Every answer and change of answer, never updated or deleted: the audit trail."""

    __tablename__ = "answer_events"
    # The latest event of a survey in one index lookup: whether a kept tally is still current.
    __table_args__ = (Index("ix_answer_events_survey_event", "survey_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"))
    question_id: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    value: Mapped[str | None] = mapped_column(Text)  # None: the answer was withdrawn
    at: Mapped[datetime] = mapped_column(default=utcnow)


class InputKind(enum.StrEnum):
    OBJECTION = "objection"  # a written objection to the vote (elevator retrofits)
    AFFECTED = "affected"  # a flat directly affected, whose consent is needed
    CONSENT = "consent"  # that consent, given
    CHALLENGE = "challenge"  # an objection to the published result (公示), with its text


class VoteInput(Base):
    """Inputs besides ballots that can block an outcome or contest a published result."""

    __tablename__ = "vote_inputs"
    __table_args__ = (UniqueConstraint("survey_id", "household_id", "kind", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    kind: Mapped[InputKind] = mapped_column(enum_column(InputKind))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class KeptTally(Base):
    """The tally of a closed survey, computed once from its ballots, which can no longer change,
    with when and from what it was computed. ``figures`` is `SurveyTally.to_json`."""

    __tablename__ = "kept_tallies"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ballots: Mapped[int]  # submitted ballots counted
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)  # the latest answer event then
    figures: Mapped[str] = mapped_column(Text)
