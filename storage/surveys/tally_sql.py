"""The SQL passes of a tally (`storage.surveys.tallies`) and the building blocks it shares with
the committee's records (`storage.surveys.records`). Each pass is one query over one survey's
ballots and answers, or over its eligible flats by one of their indexes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Subquery, cast, exists, func, null, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Building, Membership, MembershipStatus, Role, Unit
from storage.surveys.models import (
    Answer,
    AnswerChoice,
    Ballot,
    EligibleFlat,
    InputKind,
    ScopeUnit,
    Standing,
    Survey,
    VoteInput,
)
from surveys.voting.decision import Answer as AgreeAnswer
from surveys.voting.fields import MAX_PLACES
from surveys.voting.questions import NumberQuestion, Question, Ranking
from surveys.voting.results import AgreeCounts, NumberResult, OptionCount, PlaceTally
from surveys.voting.schema import AnswerPer, Ballots, SurveyDefinition

_AREA_PLACES = 2  # the register keeps areas to 0.01 m²
# Number answers are summed as integers scaled by 10^places; each is split at 10^MAX_PLACES into
# a quotient and a remainder summed apart, so that no sum can overflow a 64-bit integer.
_NUMBER_SPLIT = 10**MAX_PLACES
_NULL = "null"  # the stored value of a skipped optional question


# ---- SQL building blocks -------------------------------------------------------------------

# The passes select table columns, not mapped attributes: a Core statement skips the ORM's
# setup at each execution and its processing of each row, which on a tally's 4,000 units'
# rows cost more than their SQL.
BALLOTS, CHOICES, ANSWERS = Ballot.__table__, AnswerChoice.__table__, Answer.__table__
FLATS, SCOPE_UNITS = EligibleFlat.__table__, ScopeUnit.__table__
UNITS, BUILDINGS = Unit.__table__, Building.__table__


def area_of(cents: int | Decimal | None) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-_AREA_PLACES)  # 75300 cents: 753.00 m²


def count_of(value: int | Decimal | None) -> int:
    return int(value or 0)  # SUM gives NULL over no rows, and NUMERIC on PostgreSQL


def submitted_ballots(survey: Survey) -> list[ColumnElement[bool]]:
    """The ballots that count: submitted, and not a paper ballot under review, a conflict or
    one set aside (one flat, one ballot). The one place to narrow which ballots a tally and
    the committee's records count."""
    return [
        BALLOTS.c.survey_id == survey.id,
        BALLOTS.c.submitted_at.is_not(None),
        BALLOTS.c.standing == Standing.COUNTS,
    ]


def submitted_ballot_of(flat: type[EligibleFlat]) -> ColumnElement[bool]:
    """Join condition of an eligible flat's submitted ballot, on the index of ballots by
    (survey, household)."""
    return (
        (BALLOTS.c.survey_id == flat.survey_id)
        & (BALLOTS.c.household_id == flat.household_id)
        & BALLOTS.c.submitted_at.is_not(None)
        & (BALLOTS.c.standing == Standing.COUNTS)
    )


def flat_answered(survey: Survey, definition: SurveyDefinition) -> ColumnElement[bool]:
    """Whether an `EligibleFlat` row counts as answered: its ballot is submitted, or for a
    survey answered per person, one of its active members in the audience submitted theirs."""
    if definition.answer_per is AnswerPer.FLAT:
        return exists().where(submitted_ballot_of(EligibleFlat))
    return exists().where(
        Membership.household_id == EligibleFlat.household_id,
        Membership.status == MembershipStatus.ACTIVE,
        Membership.role.in_([Role(role.value) for role in definition.audience]),
        BALLOTS.c.resident_id == Membership.resident_id,
        *submitted_ballots(survey),
    )


def answered_flats(survey: Survey, definition: SurveyDefinition) -> Subquery:
    """One row per flat that answered, with its figures fixed at opening (unit_id, cents,
    head_id, shared) and ballot_id, the flat's ballot: from the ballots' copies, or for a
    survey answered per person from the eligible flats (no ballot_id)."""
    if definition.answer_per is AnswerPer.FLAT:
        b = BALLOTS.c
        query = select(b.unit_id, b.cents, b.head_id, b.shared, b.id.label("ballot_id"))
        return query.where(*submitted_ballots(survey)).subquery("answered")
    f = FLATS.c
    return (
        select(f.unit_id, f.cents, f.head_id, f.shared, null().label("ballot_id"))
        .where(f.survey_id == survey.id, flat_answered(survey, definition))
        .subquery("answered")
    )


def _choice_of(answered: Subquery, question: Question) -> tuple[Any, ColumnElement[bool]]:
    """An answer choice to ``question`` and its join condition to an answered flat's ballot:
    a decided question has one choice per ballot."""
    choice = CHOICES.alias()
    joined = (choice.c.ballot_id == answered.c.ballot_id) & (choice.c.question_id == question.id)
    return choice, joined


@lru_cache(maxsize=4096)  # a compound repeats the same few unit names
def natural_key(name: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting 2栋 before 10栋."""
    return tuple(
        (int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", name)
    )


def _ranks(names: Iterable[str]) -> dict[str, int]:
    """Each distinct name's place in natural order."""
    return {name: rank for rank, name in enumerate(sorted(set(names), key=natural_key))}


# ---- the passes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """The flats that answered, over the whole scope: how many, with what area, and how they
    answered each decided question (its options' counts, by (question, option))."""

    flats: int
    cents: int
    decided: dict[tuple[str, str], OptionCount]


async def unit_tallies(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition, answered: Subquery
) -> tuple[list[PlaceTally], Answered]:
    """Each unit: its eligible flats (fixed at opening), the flats that answered and, for named
    ballots, how they answered each decided question; and the totals. The decided questions'
    options with their area are added up here, so that the count of options need not read
    those answers again."""
    decided = definition.decided_questions
    picks: list[ColumnElement[bool]] = []
    per_unit = select(answered.c.unit_id)
    for question in decided:
        choice, joined = _choice_of(answered, question)
        per_unit = per_unit.outerjoin(choice, joined)
        picks += [choice.c.option_id == each.value for each in AgreeAnswer]
    # Per unit: flats, then each pick's flats (approve, reject, abstain of each decided question
    # in turn), then the area of all and of each pick.
    counts = [func.count(), *(func.count().filter(pick) for pick in picks)]
    areas = [
        func.sum(answered.c.cents),
        *(func.sum(answered.c.cents).filter(pick) for pick in picks),
    ]
    answers = per_unit.add_columns(*counts, *areas).group_by(answered.c.unit_id).subquery()
    # Grouped by ids first, named after: grouping 50,000 rows by names would sort them all.
    # COALESCE: a unit where nobody answered has no row of answers. Sums as BIGINT: PostgreSQL
    # gives NUMERIC, which the driver would turn into 20,000 Decimals.
    figures = [cast(func.coalesce(column, 0), BigInteger) for column in list(answers.c)[1:]]
    rows = (
        await session.execute(
            select(BUILDINGS.c.name, UNITS.c.name, SCOPE_UNITS.c.flats, *figures)
            .join_from(SCOPE_UNITS, UNITS, UNITS.c.id == SCOPE_UNITS.c.unit_id)
            .join(BUILDINGS, BUILDINGS.c.id == UNITS.c.building_id)
            .outerjoin(answers, answers.c.unit_id == SCOPE_UNITS.c.unit_id)
            .where(SCOPE_UNITS.c.survey_id == survey.id)
        )
    ).all()
    # In natural order (2栋 before 10栋): rank the few distinct names, then sort by the ranks.
    buildings, units = _ranks(row[0] for row in rows), _ranks(row[1] for row in rows)
    rows.sort(key=lambda row: (buildings[row[0]], units[row[1]]))
    # Named ballots only: in a unit with one respondent, anonymous counts would tell its answer.
    named = definition.ballots is Ballots.NAMED
    # Each decided question's approve, reject and abstain: the row's columns from `at` on.
    at = [(q.id, 4 + 3 * i) for i, q in enumerate(decided)] if named else []
    places = [
        PlaceTally(
            row[0], row[1], row[2], row[3], tuple([AgreeCounts(q, *row[i : i + 3]) for q, i in at])
        )
        for row in rows
    ]
    # Column by column: the flats, each pick's flats, the area, each pick's area.
    columns = list(zip(*rows, strict=True))[3:] or [()] * (2 + 2 * len(picks))
    flats, *picked = map(sum, columns[: 1 + len(picks)])
    cents, *picked_cents = map(sum, columns[1 + len(picks) :])
    options = [(q.id, a.value) for q in decided for a in AgreeAnswer]
    return places, Answered(
        flats,
        cents,
        {
            option: OptionCount(option[1], count, area_of(area), 0, 0)
            for option, count, area in zip(options, picked, picked_cents, strict=True)
        },
    )


@dataclass(frozen=True)
class SharedHeads:
    """For one measure (having answered, or one decided question): the flats of shared heads
    that answered and that approved, and those heads that participate and that approve."""

    flats: int
    approving_flats: int
    heads: int
    approving_heads: int


async def shared_heads(
    session: AsyncSession, definition: SurveyDefinition, answered: Subquery
) -> list[SharedHeads]:
    """The head rule of `surveys.voting.decision.tally` for the heads of several flats: the
    first measure is having answered, then each decided question. One query, over the few
    answered flats of such heads (on the ballots' index by shared head)."""
    per_head = (
        select(answered.c.head_id, func.count().label("n"))
        .where(answered.c.shared == true())
        .group_by(answered.c.head_id)
    )
    for m, question in enumerate(definition.decided_questions):
        choice, joined = _choice_of(answered, question)
        approves = choice.c.option_id == AgreeAnswer.APPROVE.value
        per_head = per_head.outerjoin(choice, joined).add_columns(
            func.count(choice.c.option_id).label(f"p{m}"),
            func.count().filter(approves).label(f"a{m}"),
        )
    heads = per_head.subquery("heads")
    h = heads.c
    # Having answered: every head here has an answered flat, and none approves as such.
    totals: list[ColumnElement[Any]] = [func.sum(h.n), null(), func.count(), null()]
    for m in range(len(definition.decided_questions)):
        p, a = h[f"p{m}"], h[f"a{m}"]
        totals += [func.sum(p), func.sum(a), func.count().filter(p > 0)]
        totals.append(func.count().filter((p > 0) & (a == p)))
    row = (await session.execute(select(*totals))).one()
    return [SharedHeads(*map(count_of, row[4 * m : 4 * m + 4])) for m in range(len(row) // 4)]


async def option_counts(
    session: AsyncSession,
    survey: Survey,
    definition: SurveyDefinition,
    questions: Sequence[Question] | None = None,
) -> dict[tuple[str, str], OptionCount]:
    """Per (question, option) of ``questions`` (None: all): respondents, area (the ballots'
    copies; none per person), first choices and Borda points. The bare count of the answers,
    plus their area."""
    if questions is not None and not questions:
        return {}
    choice = CHOICES.c
    only = () if questions is None else (choice.question_id.in_([q.id for q in questions]),)
    rows = await session.execute(
        select(
            choice.question_id,
            choice.option_id,
            func.count(),
            cast(func.sum(BALLOTS.c.cents), BigInteger),
            func.sum(choice.rank),
            func.count().filter(choice.rank == 1),
        )
        .join_from(CHOICES, BALLOTS, BALLOTS.c.id == choice.ballot_id)
        .where(*submitted_ballots(survey), *only)
        .group_by(choice.question_id, choice.option_id)
    )
    per_flat = definition.answer_per is AnswerPer.FLAT
    tops = {q.id: q.top for q in definition.questions if isinstance(q, Ranking)}
    counts = {}
    for question_id, option_id, respondents, cents, rank_sum, firsts in rows:
        top = tops.get(question_id)
        counts[question_id, option_id] = OptionCount(
            option_id=option_id,
            respondents=respondents,
            area=area_of(cents) if per_flat else None,
            first_choices=count_of(firsts) if top else 0,
            # Σ (top + 1 - rank) over the ballots that ranked the option.
            points=respondents * (top + 1) - count_of(rank_sum) if top else 0,
        )
    return counts


async def answered_counts(
    session: AsyncSession, survey: Survey, questions: Sequence[Question]
) -> dict[str, int]:
    """Submitted ballots that answered each of ``questions`` (a skipped optional question is
    not)."""
    if not questions:
        return {}
    answer = ANSWERS.c
    rows = await session.execute(
        select(answer.question_id, func.count())
        .join_from(ANSWERS, BALLOTS, BALLOTS.c.id == answer.ballot_id)
        .where(
            *submitted_ballots(survey),
            answer.question_id.in_([q.id for q in questions]),
            answer.value != _NULL,
        )
        .group_by(answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


async def number_results(
    session: AsyncSession,
    survey: Survey,
    questions: Sequence[NumberQuestion],
    answered: Mapping[str, int],
) -> dict[str, NumberResult]:
    if not questions:
        return {}
    # A number is stored quantized to its question's places, as the JSON string "-12.50":
    # without the quotes and the point it is the exact integer -1250 (× 10^-places).
    answer = ANSWERS.c
    scaled = cast(func.replace(func.replace(answer.value, '"', ""), ".", ""), BigInteger)
    rows = await session.execute(
        select(
            answer.question_id,
            func.min(scaled),
            func.max(scaled),
            func.sum(scaled // _NUMBER_SPLIT),
            func.sum(scaled % _NUMBER_SPLIT),
        )
        .join_from(ANSWERS, BALLOTS, BALLOTS.c.id == answer.ballot_id)
        .where(
            *submitted_ballots(survey),
            answer.question_id.in_([q.id for q in questions]),
            answer.value != _NULL,
        )
        .group_by(answer.question_id)
    )
    found = {question_id: rest for question_id, *rest in rows}
    results = {}
    for question in questions:
        low, high, quotients, remainders = found.get(question.id, (None, None, 0, 0))
        places = question.places
        count = answered.get(question.id, 0)
        total = Decimal(count_of(quotients) * _NUMBER_SPLIT + count_of(remainders)).scaleb(-places)
        mean_step = Decimal(1).scaleb(-places - 2)
        results[question.id] = NumberResult(
            question_id=question.id,
            answered=count,
            minimum=None if low is None else Decimal(int(low)).scaleb(-places),
            maximum=None if high is None else Decimal(int(high)).scaleb(-places),
            total=total,
            mean=(total / count).quantize(mean_step) if count else None,
        )
    return results


async def submitted_count(session: AsyncSession, survey: Survey) -> int:
    found = await session.scalar(
        select(func.count()).select_from(BALLOTS).where(*submitted_ballots(survey))
    )
    return count_of(found)


async def input_counts(session: AsyncSession, survey: Survey) -> tuple[int, int]:
    """Written objections, and affected flats without a consent: recorded on paper, they may
    still arrive after the close."""
    consent = aliased(VoteInput)
    of_survey = VoteInput.survey_id == survey.id
    objections = select(func.count()).where(of_survey, VoteInput.kind == InputKind.OBJECTION)
    missing = select(func.count(VoteInput.household_id.distinct())).where(
        of_survey,
        VoteInput.kind == InputKind.AFFECTED,
        ~exists().where(
            consent.survey_id == survey.id,
            consent.household_id == VoteInput.household_id,
            consent.kind == InputKind.CONSENT,
        ),
    )
    row = await session.execute(select(objections.scalar_subquery(), missing.scalar_subquery()))
    written, unconsented = row.one()
    return written, unconsented
