"""The records behind a survey's tally, for the committee: the flats that have not answered
(for door knocking), and for the export every ballot, the audit trail of every answer and the
inputs besides ballots. For an anonymous survey nothing that points to a flat or a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Building, Household, Resident, Unit
from storage.surveys.models import (
    Answer,
    AnswerEvent,
    Ballot,
    EligibleFlat,
    InputKind,
    Proxy,
    Survey,
    VoteInput,
)
from storage.surveys.queries import definition_of
from storage.surveys.tally_sql import (
    area_of,
    flat_answered,
    natural_key,
    submitted_ballot_of,
    submitted_ballots,
)
from storage.surveys.vote_inputs import RecordedInput, inputs_of
from surveys.voting.answer_codec import decode, encode
from surveys.voting.flow import AnswerValue
from surveys.voting.schema import AnswerPer, Ballots, SurveyDefinition


@dataclass(frozen=True)
class FlatOfScope:
    household_id: int
    building: str
    unit: str
    floor: int
    room: str


def _place_columns() -> tuple[ColumnElement[Any], ...]:
    """The columns of a `FlatOfScope`, in order, from households, buildings and units."""
    return (Household.id, Building.name, Unit.name, Household.floor, Household.room)


def _flat_order(flat: FlatOfScope) -> tuple[Any, ...]:
    return (natural_key(flat.building), natural_key(flat.unit), flat.floor, natural_key(flat.room))


@dataclass(frozen=True)
class Door:
    """A flat of the scope as the committee knocks on doors: whether it answered, and what
    arrived for it on paper (a written objection, a directly affected flat, its consent)."""

    place: FlatOfScope
    answered: bool
    paper: frozenset[InputKind] = frozenset()

    @property
    def consent_pending(self) -> bool:
        return InputKind.AFFECTED in self.paper and InputKind.CONSENT not in self.paper

    @property
    def objected(self) -> bool:
        return InputKind.OBJECTION in self.paper


async def doors(session: AsyncSession, survey: Survey) -> list[Door]:
    """Every eligible flat in place order, with whether it has answered (a submitted ballot)
    and its paper inputs: the committee's door-to-door view."""
    answered = flat_answered(survey, definition_of(survey.definition))
    rows = await session.execute(
        select(*_place_columns(), answered)
        .join_from(EligibleFlat, Household, Household.id == EligibleFlat.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .where(EligibleFlat.survey_id == survey.id)
    )
    paper: dict[int, set[InputKind]] = {}
    inputs = await session.execute(
        select(VoteInput.household_id, VoteInput.kind).where(
            VoteInput.survey_id == survey.id, VoteInput.kind != InputKind.CHALLENGE
        )
    )
    for household_id, kind in inputs:
        paper.setdefault(household_id, set()).add(kind)
    found = [
        Door(FlatOfScope(*row[:-1]), bool(row[-1]), frozenset(paper.get(row[0], ())))
        for row in rows
    ]
    return sorted(found, key=lambda door: _flat_order(door.place))


async def non_respondents(session: AsyncSession, survey: Survey) -> list[FlatOfScope]:
    """The eligible flats without a submitted ballot, for the committee's door knocking."""
    return [door.place for door in await doors(session, survey) if not door.answered]


async def flats_to_print(
    session: AsyncSession,
    survey: Survey,
    *,
    building: str | None = None,
    unit: str | None = None,
    not_voted: bool = False,
) -> list[tuple[FlatOfScope, Decimal]]:
    """The eligible flats to print paper ballots for, with their area, ordered by building,
    unit, floor and room: all of them, or those of one building or unit, or (`not_voted`,
    for the door-to-door round) those without a ballot that counts."""
    conditions = [EligibleFlat.survey_id == survey.id]
    if building is not None:
        conditions.append(Building.name == building)
    if unit is not None:
        conditions.append(Unit.name == unit)
    if not_voted:
        conditions.append(~flat_answered(survey, definition_of(survey.definition)))
    rows = await session.execute(
        select(*_place_columns(), EligibleFlat.area)
        .join_from(EligibleFlat, Household, Household.id == EligibleFlat.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .where(*conditions)
    )
    places = len(_place_columns())
    flats = [(FlatOfScope(*row[:places]), row[places]) for row in rows]
    return sorted(flats, key=lambda flat: _flat_order(flat[0]))


@dataclass(frozen=True)
class VotingFlat:
    """A flat of a named ballot, with what its vote weighs: area and head."""

    place: FlatOfScope
    area: Decimal
    head: str


@dataclass(frozen=True)
class Respondent:
    resident_id: int
    name: str


@dataclass(frozen=True)
class BallotRecord:
    """A row of the export. Named and per flat: every flat of the scope, so that the tally can
    be recomputed from the rows (a flat that did not submit has no answers). Named and per
    person: each submitted ballot with its respondent. Anonymous: the answers only."""

    flat: VotingFlat | None
    respondent: Respondent | None
    submitted_at: datetime | None
    answers: Mapping[str, AnswerValue | None]  # submitted ballots only
    # A flat's ballot: where it came from, who entered and who confirmed it (paper), and the
    # Telegram file id of the signed sheet's photo, so that it can be audited.
    origin: BallotOrigin | None = None


@dataclass(frozen=True)
class BallotOrigin:
    source: str
    entered_by: str | None
    confirmed_by: str | None
    photo_file_id: str | None
    proxy_of: str | None = None  # the owner who named the proxy


@dataclass(frozen=True)
class AnswerRecord:
    """An entry of the audit trail: an answer given, changed, or withdrawn (``withdrawn``:
    a changed answer hid the question)."""

    flat: FlatOfScope | None
    respondent: Respondent
    question_id: str
    value: AnswerValue | None
    withdrawn: bool
    at: datetime


@dataclass(frozen=True)
class SurveyRecords:
    ballots: tuple[BallotRecord, ...]
    events: tuple[AnswerRecord, ...]  # empty for an anonymous survey
    # Objections, affected flats, consents, objections to the result: they can decide an
    # outcome, so whoever recomputes the tally needs them. No flat for an anonymous survey.
    inputs: tuple[RecordedInput, ...] = ()


async def _submitted_answers(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition
) -> dict[int, dict[str, AnswerValue | None]]:
    questions = {question.id: question for question in definition.questions}
    rows = await session.execute(
        select(Answer.ballot_id, Answer.question_id, Answer.value)
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .where(*submitted_ballots(survey))
    )
    answers: dict[int, dict[str, AnswerValue | None]] = {}
    for ballot_id, question_id, value in rows:
        if question_id in questions:
            answers.setdefault(ballot_id, {})[question_id] = decode(questions[question_id], value)
    return answers


async def _flat_ballots(
    session: AsyncSession, survey: Survey, answers: Mapping[int, Mapping[str, AnswerValue | None]]
) -> list[BallotRecord]:
    entered, confirmed = aliased(Resident), aliased(Resident)
    rows = await session.execute(
        select(
            *_place_columns(),
            EligibleFlat.cents,
            EligibleFlat.head,
            Ballot.id,
            Ballot.submitted_at,
            Ballot.source,
            entered.full_name,
            confirmed.full_name,
            Ballot.photo_file_id,
            Proxy.owner_name,
        )
        .join_from(EligibleFlat, Household, Household.id == EligibleFlat.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .outerjoin(Ballot, submitted_ballot_of(EligibleFlat))
        .outerjoin(entered, entered.id == Ballot.entered_by)
        .outerjoin(confirmed, confirmed.id == Ballot.confirmed_by)
        .outerjoin(Proxy, Proxy.id == Ballot.proxy_id)
        .where(EligibleFlat.survey_id == survey.id)
    )
    places = len(_place_columns())
    by_place = sorted(
        ((FlatOfScope(*row[:places]), row[places:]) for row in rows),
        key=lambda item: _flat_order(item[0]),
    )
    return [
        BallotRecord(
            VotingFlat(place, area_of(cents), head),
            None,
            submitted_at,
            MappingProxyType(dict(answers.get(ballot_id, {}))),
            None if source is None else BallotOrigin(source, *origin),
        )
        for place, (cents, head, ballot_id, submitted_at, source, *origin) in by_place
    ]


async def _person_ballots(
    session: AsyncSession, survey: Survey, answers: Mapping[int, Mapping[str, AnswerValue | None]]
) -> list[BallotRecord]:
    rows = await session.execute(
        select(Ballot.id, Ballot.submitted_at, Resident.id, Resident.full_name)
        .join(Resident, Resident.id == Ballot.resident_id)
        .where(*submitted_ballots(survey))
        .order_by(Ballot.submitted_at, Ballot.id)
    )
    return [
        BallotRecord(
            None,
            Respondent(resident_id, name),
            submitted_at,
            MappingProxyType(dict(answers[ballot_id])),
        )
        for ballot_id, submitted_at, resident_id, name in rows
    ]


def _anonymous_ballots(
    definition: SurveyDefinition, answers: Mapping[int, Mapping[str, AnswerValue | None]]
) -> list[BallotRecord]:
    # Ordered by the answers themselves: ballot ids and times would tell who answered first.
    def content(ballot: Mapping[str, AnswerValue | None]) -> tuple[str, ...]:
        return tuple(encode(ballot[q.id]) if q.id in ballot else "" for q in definition.questions)

    return [
        BallotRecord(None, None, None, MappingProxyType(dict(ballot)))
        for ballot in sorted(answers.values(), key=content)
    ]


async def _answer_events(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition
) -> list[AnswerRecord]:
    questions = {question.id: question for question in definition.questions}
    rows = await session.execute(
        select(*_place_columns())
        .add_columns(
            Resident.id,
            Resident.full_name,
            AnswerEvent.question_id,
            AnswerEvent.value,
            AnswerEvent.at,
        )
        .select_from(AnswerEvent)
        .join(Ballot, Ballot.id == AnswerEvent.ballot_id)
        .join(Resident, Resident.id == AnswerEvent.resident_id)
        .outerjoin(Household, Household.id == Ballot.household_id)
        .outerjoin(Building, Building.id == Household.building_id)
        .outerjoin(Unit, Unit.id == Household.unit_id)
        .where(AnswerEvent.survey_id == survey.id)
        .order_by(AnswerEvent.id)
    )
    return [
        AnswerRecord(
            flat=None if place[0] is None else FlatOfScope(*place),
            respondent=Respondent(resident_id, name),
            question_id=question_id,
            value=None if value is None else decode(questions[question_id], value),
            withdrawn=value is None,
            at=at,
        )
        for *place, resident_id, name, question_id, value, at in rows
        if question_id in questions
    ]


async def survey_records(session: AsyncSession, survey: Survey) -> SurveyRecords:
    """The ballots and the audit trail as the export shows them. For an anonymous survey,
    nothing that points to a flat or a person: answers only, and no audit trail."""
    definition = definition_of(survey.definition)
    answers = await _submitted_answers(session, survey, definition)
    inputs = tuple(await inputs_of(session, survey))
    if definition.ballots is Ballots.ANONYMOUS:
        unnamed = tuple(replace(item, flat="") for item in inputs)
        return SurveyRecords(tuple(_anonymous_ballots(definition, answers)), (), unnamed)
    if definition.answer_per is AnswerPer.FLAT:
        ballots = await _flat_ballots(session, survey, answers)
    else:
        ballots = await _person_ballots(session, survey, answers)
    events = tuple(await _answer_events(session, survey, definition))
    return SurveyRecords(tuple(ballots), events, inputs)
