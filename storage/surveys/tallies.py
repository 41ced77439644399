"""Survey results computed in SQL: participation, answers per option, decided questions with
their outcome, and the breakdown by building and unit (`surveys.voting.results`). The
records behind them for the committee are in `storage.surveys.records`.

The counts never load ballots into Python: a handful of GROUP BY queries, whatever the size of
the scope. Everything here is figures and ids, never translated text.

Choices made here:

- A ballot counts once it is **submitted** (``submitted_at`` set: every required question it
  shows is answered). A ballot still being filled in, or one reopened by a change that shows a
  new required question, counts nowhere, not even in participation: it is not yet a vote.
- Areas are summed as whole cents (the register keeps 0.01 m²), so that the sums are exact on
  SQLite too, which stores NUMERIC as binary floating point.
- Heads are `EligibleFlat.head` ("d", "o:<owner key>", "f:<flat id>"), fixed at opening, and are
  counted as `surveys.voting.decision.tally` counts them: a head participates when any of its flats
  answered, and approves when every one of its flats that answered approved.
- Rankings are scored by Borda count over the ``top`` k places: first place earns k points,
  second k - 1, ..., k-th place 1.
- For a survey answered per person, a flat counts as answered when one of its active members
  in the audience has submitted a ballot; option counts are of residents, with no area.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    Subquery,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Building, Membership, MembershipStatus, Role, Unit
from storage.surveys.models import (
    Answer,
    AnswerChoice,
    Ballot,
    EligibleFlat,
    InputKind,
    Survey,
    VoteInput,
)
from storage.surveys.queries import definition_of
from surveys.voting.decision import Answer as AgreeAnswer
from surveys.voting.decision import BlockReason, Tally, decide
from surveys.voting.questions import (
    RATING_SCALE,
    AgreeQuestion,
    ChoiceQuestion,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
)
from surveys.voting.results import (
    AgreeCounts,
    ChoiceResult,
    Decision,
    NumberResult,
    OptionCount,
    Participation,
    PlaceTally,
    QuestionResult,
    SurveyTally,
    TextResult,
)
from surveys.voting.schema import MAX_PLACES, AnswerPer, Ballots, SurveyDefinition

_AREA_PLACES = 2  # the register keeps areas to 0.01 m²
# Number answers are summed as integers scaled by 10^places; each is split at 10^MAX_PLACES into
# a quotient and a remainder summed apart, so that no sum can overflow a 64-bit integer.
_NUMBER_SPLIT = 10**MAX_PLACES
_NULL = "null"  # the stored value of a skipped optional question


# ---- SQL building blocks -------------------------------------------------------------------


def cents_of(area: ColumnElement[Decimal]) -> ColumnElement[int]:
    return cast(func.round(area * 10**_AREA_PLACES), BigInteger)


def area_of(cents: int | Decimal | None) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-_AREA_PLACES)  # 75300 cents: 753.00 m²


def _count(value: int | Decimal | None) -> int:
    return int(value or 0)  # SUM gives NULL over no rows, and NUMERIC on PostgreSQL


def submitted_ballots(survey: Survey) -> list[ColumnElement[bool]]:
    return [Ballot.survey_id == survey.id, Ballot.submitted_at.is_not(None)]


def submitted_ballot_of(flat: type[EligibleFlat]) -> ColumnElement[bool]:
    """Join condition of an eligible flat's submitted ballot, by the ballot's unique key
    (survey, "h:<household id>"): its index makes the join a lookup per flat, where
    ``household_id``, unindexed, would make SQLite scan every ballot for every flat."""
    return (
        (Ballot.survey_id == flat.survey_id)
        & (Ballot.respondent == literal("h:") + cast(flat.household_id, String))
        & Ballot.submitted_at.is_not(None)
    )


def flat_rows(survey: Survey, definition: SurveyDefinition) -> Subquery:
    """One row per eligible flat: household_id, building_id, unit_id, cents, head; ``answered``
    ("yes" or NULL); and ``answer_<i>``, its answer to the i-th decided question or NULL."""
    flat = EligibleFlat
    columns: list[ColumnElement[Any]] = [
        flat.household_id,
        flat.building_id,
        flat.unit_id,
        cents_of(flat.area).label("cents"),
        flat.head,
    ]
    query: Select[Any]
    if definition.answer_per is AnswerPer.FLAT:
        query = select().select_from(flat).outerjoin(Ballot, submitted_ballot_of(flat))
        columns.append(case((Ballot.id.is_not(None), "yes")).label("answered"))
        for index, question in enumerate(definition.decided_questions):
            choice = aliased(AnswerChoice)
            query = query.outerjoin(
                choice, (choice.ballot_id == Ballot.id) & (choice.question_id == question.id)
            )
            columns.append(choice.option_id.label(f"answer_{index}"))
    else:
        # Decided questions count flats, so a survey answered per person has none.
        member_answered = exists().where(
            Membership.household_id == flat.household_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_([Role(role.value) for role in definition.audience]),
            Ballot.resident_id == Membership.resident_id,
            *submitted_ballots(survey),
        )
        query = select().select_from(flat)
        columns.append(case((member_answered, "yes")).label("answered"))
    return query.add_columns(*columns).where(flat.survey_id == survey.id).subquery("flats")


def _measured(flats: Subquery, definition: SurveyDefinition) -> list[ColumnElement[Any]]:
    """The columns tallied like a vote: each decided question, or else whether the flat
    answered. A decided question is required and put to everyone (`surveys.voting.schema`), so the
    flats that answered it are exactly those that submitted: its participation is the
    survey's, and measuring both would only double the work."""
    decided = definition.decided_questions
    return [flats.c[f"answer_{i}"] for i in range(len(decided))] or [flats.c.answered]


_Figures = dict[str, Any]  # the keyword arguments of a `Tally`


async def _figures(
    session: AsyncSession, flats: Subquery, measured: Sequence[ColumnElement[Any]]
) -> list[_Figures]:
    """The figures of a `Tally` per measured column, with the head rule of
    `surveys.voting.decision.tally`: group the flats by head; a head participates when it has an
    answer, and approves when all its answers approve. One query for all columns."""
    cents = flats.c.cents
    per_head: list[ColumnElement[Any]] = [
        func.count().label("flats"),
        func.sum(cents).label("cents"),
    ]
    for m, answer in enumerate(measured):
        approves = answer == AgreeAnswer.APPROVE.value
        per_head += [
            func.count(answer).label(f"p{m}"),
            func.sum(case((answer.is_not(None), cents), else_=0)).label(f"pc{m}"),
            func.sum(case((approves, 1), else_=0)).label(f"a{m}"),
            func.sum(case((approves, cents), else_=0)).label(f"ac{m}"),
            func.sum(case((answer == AgreeAnswer.REJECT.value, 1), else_=0)).label(f"r{m}"),
        ]
    heads = select(*per_head).group_by(flats.c.head).subquery("heads")
    h = heads.c
    totals: list[ColumnElement[Any]] = [func.count(), func.sum(h.flats), func.sum(h.cents)]
    for m in range(len(measured)):
        participates = h[f"p{m}"] > 0
        totals += [
            func.sum(h[f"p{m}"]),
            func.sum(h[f"pc{m}"]),
            func.sum(case((participates, 1), else_=0)),
            func.sum(h[f"a{m}"]),
            func.sum(h[f"ac{m}"]),
            func.sum(case((participates & (h[f"a{m}"] == h[f"p{m}"]), 1), else_=0)),
            func.sum(h[f"r{m}"]),
        ]
    row = (await session.execute(select(*totals))).one()
    scope_heads, scope_flats, scope_cents = row[:3]
    figures = []
    for m in range(len(measured)):
        p_flats, p_cents, p_heads, a_flats, a_cents, a_heads, r_flats = row[3 + 7 * m : 10 + 7 * m]
        figures.append(
            {
                "scope_area": area_of(scope_cents),
                "scope_heads": _count(scope_heads),
                "scope_flats": _count(scope_flats),
                "participating_area": area_of(p_cents),
                "participating_heads": _count(p_heads),
                "participating_flats": _count(p_flats),
                "approving_area": area_of(a_cents),
                "approving_heads": _count(a_heads),
                "approving_flats": _count(a_flats),
                "rejecting_flats": _count(r_flats),
            }
        )
    return figures


@lru_cache(maxsize=4096)  # a compound repeats the same few unit names
def natural_key(name: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting 2栋 before 10栋."""
    return tuple(
        (int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", name)
    )


async def _units(
    session: AsyncSession, flats: Subquery, definition: SurveyDefinition
) -> list[PlaceTally]:
    decided = definition.decided_questions if definition.ballots is Ballots.NAMED else ()
    counts: list[ColumnElement[Any]] = [func.count(), func.count(flats.c.answered)]
    for index in range(len(decided)):
        answer = flats.c[f"answer_{index}"]
        counts += [func.sum(case((answer == choice.value, 1), else_=0)) for choice in AgreeAnswer]
    # Grouped by ids first, named after: grouping 50,000 rows by names would sort them all.
    per_unit = (
        select(flats.c.building_id, flats.c.unit_id, *counts)
        .group_by(flats.c.building_id, flats.c.unit_id)
        .subquery("per_unit")
    )
    named = list(per_unit.c)[2:]
    rows = await session.execute(
        select(Building.name, Unit.name, *named)
        .join_from(per_unit, Building, Building.id == per_unit.c.building_id)
        .join(Unit, Unit.id == per_unit.c.unit_id)
    )
    units = [
        PlaceTally(
            building=building,
            unit=unit,
            eligible_flats=eligible,
            answered_flats=answered,
            agree=tuple(
                AgreeCounts(question.id, *map(_count, answers[3 * i : 3 * i + 3]))
                for i, question in enumerate(decided)
            ),
        )
        for building, unit, eligible, answered, *answers in rows
    ]
    return sorted(
        units, key=lambda place: (natural_key(place.building), natural_key(place.unit or ""))
    )


def _whole_building(units: Sequence[PlaceTally]) -> PlaceTally:
    return PlaceTally(
        building=units[0].building,
        unit=None,
        eligible_flats=sum(unit.eligible_flats for unit in units),
        answered_flats=sum(unit.answered_flats for unit in units),
        agree=tuple(
            AgreeCounts(
                counts[0].question_id,
                sum(each.approve for each in counts),
                sum(each.reject for each in counts),
                sum(each.abstain for each in counts),
            )
            for counts in zip(*(unit.agree for unit in units), strict=True)
        ),
    )


def _buildings(units: Sequence[PlaceTally]) -> list[PlaceTally]:
    """Each building's units added up, in the units' order."""
    by_building: dict[str, list[PlaceTally]] = {}
    for unit in units:
        by_building.setdefault(unit.building, []).append(unit)
    return [_whole_building(members) for members in by_building.values()]


def _option_ids(question: Question) -> tuple[str, ...] | None:
    """What a question's answers are counted by, or None for numbers and texts."""
    match question:
        case ChoiceQuestion():
            return question.option_ids
        case AgreeQuestion():
            return question.choices
        case Rating():
            return tuple(str(score) for score in RATING_SCALE)
    return None


async def _option_counts(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition
) -> dict[tuple[str, str], OptionCount]:
    """Per (question, option): respondents, area (per flat), first choices and Borda points."""
    choice = AnswerChoice
    per_flat = definition.answer_per is AnswerPer.FLAT
    query = (
        select(
            choice.question_id,
            choice.option_id,
            func.count(),
            func.sum(choice.rank),
            func.sum(case((choice.rank == 1, 1), else_=0)),
            func.sum(cents_of(EligibleFlat.area)) if per_flat else null(),
        )
        .join(Ballot, Ballot.id == choice.ballot_id)
        .where(*submitted_ballots(survey))
        .group_by(choice.question_id, choice.option_id)
    )
    if per_flat:
        query = query.join(
            EligibleFlat,
            (EligibleFlat.survey_id == Ballot.survey_id)
            & (EligibleFlat.household_id == Ballot.household_id),
        )
    tops = {q.id: q.top for q in definition.questions if isinstance(q, Ranking)}
    counts = {}
    rows = await session.execute(query)
    for question_id, option_id, respondents, rank_sum, firsts, cents in rows:
        top = tops.get(question_id)
        counts[question_id, option_id] = OptionCount(
            option_id=option_id,
            respondents=respondents,
            area=area_of(cents) if per_flat else None,
            first_choices=_count(firsts) if top else 0,
            # Σ (top + 1 - rank) over the ballots that ranked the option.
            points=respondents * (top + 1) - _count(rank_sum) if top else 0,
        )
    return counts


async def _answered(session: AsyncSession, survey: Survey) -> dict[str, int]:
    """Submitted ballots that answered each question (a skipped optional question is not)."""
    rows = await session.execute(
        select(Answer.question_id, func.count())
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .where(*submitted_ballots(survey), Answer.value != _NULL)
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


async def _number_results(
    session: AsyncSession,
    survey: Survey,
    questions: Sequence[NumberQuestion],
    answered: Mapping[str, int],
) -> dict[str, NumberResult]:
    if not questions:
        return {}
    # A number is stored quantized to its question's places, as the JSON string "-12.50":
    # without the quotes and the point it is the exact integer -1250 (× 10^-places).
    scaled = cast(func.replace(func.replace(Answer.value, '"', ""), ".", ""), BigInteger)
    rows = await session.execute(
        select(
            Answer.question_id,
            func.min(scaled),
            func.max(scaled),
            func.sum(scaled // _NUMBER_SPLIT),
            func.sum(scaled % _NUMBER_SPLIT),
        )
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .where(
            *submitted_ballots(survey),
            Answer.question_id.in_([q.id for q in questions]),
            Answer.value != _NULL,
        )
        .group_by(Answer.question_id)
    )
    found = {question_id: rest for question_id, *rest in rows}
    results = {}
    for question in questions:
        low, high, quotients, remainders = found.get(question.id, (None, None, 0, 0))
        places = question.places
        count = answered.get(question.id, 0)
        total = Decimal(_count(quotients) * _NUMBER_SPLIT + _count(remainders)).scaleb(-places)
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


async def _survey_counts(session: AsyncSession, survey: Survey) -> tuple[int, int, int]:
    """Submitted ballots, written objections, and affected flats without a consent."""
    consent = aliased(VoteInput)
    of_survey = VoteInput.survey_id == survey.id
    respondents = select(func.count()).select_from(Ballot).where(*submitted_ballots(survey))
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
    row = await session.execute(
        select(
            respondents.scalar_subquery(), objections.scalar_subquery(), missing.scalar_subquery()
        )
    )
    submitted, written, unconsented = row.one()
    return submitted, written, unconsented


def _results(
    definition: SurveyDefinition,
    options: Mapping[tuple[str, str], OptionCount],
    answered: Mapping[str, int],
    numbers: Mapping[str, NumberResult],
) -> tuple[QuestionResult, ...]:
    per_flat = definition.answer_per is AnswerPer.FLAT
    results: list[QuestionResult] = []
    for question in definition.questions:
        option_ids = _option_ids(question)
        if option_ids is not None:
            nobody = OptionCount("", 0, Decimal(0) if per_flat else None, 0, 0)
            counts = tuple(
                options.get((question.id, option), replace(nobody, option_id=option))
                for option in option_ids
            )
            results.append(
                ChoiceResult(question.id, question.type, answered.get(question.id, 0), counts)
            )
        elif isinstance(question, NumberQuestion):
            results.append(numbers[question.id])
        else:
            results.append(TextResult(question.id, answered.get(question.id, 0)))
    return tuple(results)


def _decisions(
    definition: SurveyDefinition, figures: Sequence[_Figures], objections: int, missing: int
) -> tuple[Decision, ...]:
    """Each decided question's outcome; objections and missing consents block only where
    the definition's ``blocked_by`` names them."""
    blocking = definition.blocked_by
    blocks = {
        "blocking_objections": objections if BlockReason.WRITTEN_OBJECTIONS in blocking else 0,
        "missing_affected_consents": missing
        if BlockReason.MISSING_AFFECTED_CONSENTS in blocking
        else 0,
    }
    decisions = []
    for question, each in zip(definition.decided_questions, figures, strict=True):
        tally = Tally(**each)
        decisions.append(Decision(question.id, tally, decide(question.rule, tally, **blocks)))
    return tuple(decisions)


async def tally_survey(session: AsyncSession, survey: Survey) -> SurveyTally:
    """The results of a survey as they stand, from its submitted ballots. Several queries:
    while answers come in, run it in a SERIALIZABLE transaction for one consistent snapshot
    on PostgreSQL (SQLite transactions are serializable already)."""
    definition = definition_of(survey.definition)
    flats = flat_rows(survey, definition)
    figures = await _figures(session, flats, _measured(flats, definition))
    participation = figures[0]
    respondents, objections, missing = await _survey_counts(session, survey)
    answered = await _answered(session, survey)
    numbers = [q for q in definition.questions if isinstance(q, NumberQuestion)]
    units = await _units(session, flats, definition)
    return SurveyTally(
        survey_id=survey.id,
        participation=Participation(
            eligible_flats=participation["scope_flats"],
            eligible_area=participation["scope_area"],
            eligible_heads=participation["scope_heads"],
            answered_flats=participation["participating_flats"],
            answered_area=participation["participating_area"],
            answered_heads=participation["participating_heads"],
            respondents=respondents,
        ),
        questions=_results(
            definition,
            await _option_counts(session, survey, definition),
            answered,
            await _number_results(session, survey, numbers, answered),
        ),
        # An empty scope decides nothing (and `Tally` refuses one).
        decisions=_decisions(definition, figures, objections, missing)
        if definition.decided_questions and participation["scope_flats"]
        else (),
        objections=objections,
        missing_consents=missing,
        buildings=tuple(_buildings(units)),
        units=tuple(units),
    )
