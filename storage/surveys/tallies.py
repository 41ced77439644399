"""Survey results computed in SQL: participation, answers per option, decided questions with
their outcome, and the breakdown by building and unit (`surveys.voting.results`). The
records behind them for the committee are in `storage.surveys.records`.

The counts never load ballots into Python: a handful of GROUP BY queries, whatever the size of
the scope. Everything here is figures and ids, never translated text.

Choices made here:

- A ballot counts once it is **submitted** (``submitted_at`` set: every required question it
  shows is answered). A ballot still being filled in, or one reopened by a change that shows a
  new required question, counts nowhere, not even in participation: it is not yet a vote.
  Nor does one whose ``standing`` is not "counts": a paper ballot awaiting review or
  rejected, a flat's second ballot held as a conflict or set aside (`storage.surveys.standing`).
- The scope's totals (flats, area, heads) and each flat's weight are fixed at opening
  (`storage.surveys.queries.open_survey`): a tally reads them and never groups the scope again.
  A flat's ballot carries its unit and area, so that participation, every option with its
  area and the breakdown by unit come from ballots and answers alone, as a bare count would.
- Areas are summed as whole cents (the register keeps 0.01 m²), so that the sums are exact on
  SQLite too, which stores NUMERIC as binary floating point.
- Heads are counted as `surveys.voting.decision.tally` counts them: a head participates when
  any of its flats answered, and approves when every one of its flats that answered approved.
  A flat whose head holds no other flat of the scope is its own head, so only the few flats
  of shared heads (``EligibleFlat.shared``) are grouped; the rest count as flats.
- Rankings are scored by Borda count over the ``top`` k places: first place earns k points,
  second k - 1, ..., k-th place 1.
- For a survey answered per person, a flat counts as answered when one of its active members
  in the audience has submitted a ballot; option counts are of residents, with no area.
- A closed survey's figures cannot change: they are computed once and kept (`KeptTally`), with
  when and from how many ballots. What may still arrive after the close, paper objections and
  consents (until the result is published), is read anew each time and the outcome decided
  again; objections to a published result are not part of the tally. A kept tally is
  recomputed if an answer was recorded after it (a change that was committing as the survey
  closed): the latest answer event is kept with it and compared, one index lookup.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import utcnow
from storage.surveys.models import AnswerEvent, KeptTally, Survey, SurveyStatus
from storage.surveys.queries import definition_of
from storage.surveys.tally_sql import (
    SharedHeads,
    answered_counts,
    answered_flats,
    area_of,
    count_of,
    input_counts,
    number_results,
    option_counts,
    shared_heads,
    submitted_count,
    unit_tallies,
)
from surveys.voting.decision import Answer as AgreeAnswer
from surveys.voting.decision import BlockReason, Tally, decide
from surveys.voting.questions import (
    RATING_SCALE,
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
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
from surveys.voting.schema import AnswerPer, SurveyDefinition

_FINAL = (SurveyStatus.CLOSED, SurveyStatus.PUBLISHED)  # no ballot changes any more


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


def _counted_by_choices(question: Question) -> bool:
    """Whether the ballots that answered the question are its options' counts added up: one
    choice per answer (single, agree, rating), one first place per ranking. A multiple choice
    has several choices, numbers and texts none: those are counted from the answers."""
    return _option_ids(question) is not None and not isinstance(question, MultipleChoice)


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
            if _counted_by_choices(question):
                ranking = isinstance(question, Ranking)
                count = sum(o.first_choices if ranking else o.respondents for o in counts)
            else:
                count = answered.get(question.id, 0)
            results.append(ChoiceResult(question.id, question.type, count, counts))
        elif isinstance(question, NumberQuestion):
            results.append(numbers[question.id])
        else:
            results.append(TextResult(question.id, answered.get(question.id, 0)))
    return tuple(results)


def _decide(
    definition: SurveyDefinition, objections: int, missing: int, question_id: str, tally: Tally
) -> Decision:
    """A decided question's outcome under its rule; objections and missing consents block only
    where the definition's ``blocked_by`` names them."""
    blocking = definition.blocked_by
    blocks = {
        "blocking_objections": objections if BlockReason.WRITTEN_OBJECTIONS in blocking else 0,
        "missing_affected_consents": missing
        if BlockReason.MISSING_AFFECTED_CONSENTS in blocking
        else 0,
    }
    question = definition.question(question_id)
    assert isinstance(question, AgreeQuestion)
    return Decision(question_id, tally, decide(question.rule, tally, **blocks))


def decided_tally(
    survey: Survey,
    question: AgreeQuestion,
    options: Mapping[tuple[str, str], OptionCount],
    shared: SharedHeads,
) -> Tally:
    """A decided question's figures: the scope's as fixed at opening; flats and area from its
    options."""
    nobody = OptionCount("", 0, Decimal(0), 0, 0)
    approve, reject, abstain = (options.get((question.id, a.value), nobody) for a in AgreeAnswer)
    participating = (approve, reject, abstain)
    flats = sum(o.respondents for o in participating)
    # A flat of a head of its own is that head: heads are flats, less the flats of shared
    # heads, plus those heads as the rule counts them.
    return Tally(
        scope_area=area_of(survey.scope_cents),
        scope_heads=count_of(survey.scope_heads),
        scope_flats=count_of(survey.scope_flats),
        participating_area=sum((o.area or Decimal(0) for o in participating), Decimal(0)),
        participating_heads=flats - shared.flats + shared.heads,
        participating_flats=flats,
        approving_area=approve.area or Decimal(0),
        approving_heads=approve.respondents - shared.approving_flats + shared.approving_heads,
        approving_flats=approve.respondents,
        rejecting_flats=reject.respondents,
    )


async def _counted(
    session: AsyncSession,
    survey: Survey,
    definition: SurveyDefinition,
    decision: Callable[[str, Tally], Decision],
    inputs: tuple[int, int],
) -> SurveyTally:
    answered = answered_flats(survey, definition)
    units, totals = await unit_tallies(session, survey, definition, answered)
    having_answered, *per_question = await shared_heads(session, definition, answered)
    # The decided questions' options come with the units; the others are counted here.
    others = [q for q in definition.questions if q not in definition.decided_questions]
    options = await option_counts(session, survey, definition, others) | totals.decided
    apart = [q for q in definition.questions if not _counted_by_choices(q)]
    answered_by = await answered_counts(session, survey, apart)
    numbers = [q for q in definition.questions if isinstance(q, NumberQuestion)]
    per_flat = definition.answer_per is AnswerPer.FLAT
    return SurveyTally(
        survey_id=survey.id,
        participation=Participation(
            eligible_flats=count_of(survey.scope_flats),
            eligible_area=area_of(survey.scope_cents),
            eligible_heads=count_of(survey.scope_heads),
            answered_flats=totals.flats,
            answered_area=area_of(totals.cents),
            answered_heads=totals.flats - having_answered.flats + having_answered.heads,
            respondents=totals.flats if per_flat else await submitted_count(session, survey),
        ),
        questions=_results(
            definition,
            options,
            answered_by,
            await number_results(session, survey, numbers, answered_by),
        ),
        # An empty scope decides nothing (and `Tally` refuses one).
        decisions=tuple(
            decision(question.id, decided_tally(survey, question, options, shared))
            for question, shared in zip(definition.decided_questions, per_question, strict=True)
        )
        if survey.scope_flats
        else (),
        objections=inputs[0],
        missing_consents=inputs[1],
        buildings=tuple(_buildings(units)),
        units=tuple(units),
    )


async def _keep(
    session: AsyncSession, survey: Survey, result: SurveyTally, last_event: int | None
) -> None:
    kept = KeptTally(
        survey_id=survey.id,
        computed_at=utcnow(),
        ballots=result.participation.respondents,
        last_event_id=last_event,
        figures=json.dumps(result.to_json(), ensure_ascii=False),
    )
    try:
        async with session.begin_nested():
            await session.merge(kept)
    except IntegrityError:
        pass  # kept a moment ago by a concurrent tally of the same survey, from the same ballots


async def tally_survey(session: AsyncSession, survey: Survey) -> SurveyTally:
    """The results of a survey as they stand, from its submitted ballots; for a closed survey,
    from the figures kept at the first tally after the close. Several queries: while answers
    come in, run it in a SERIALIZABLE transaction for one consistent snapshot on PostgreSQL
    (SQLite transactions are serializable already)."""
    definition = definition_of(survey.definition)
    inputs = await input_counts(session, survey)
    decision = partial(_decide, definition, *inputs)
    if survey.status not in _FINAL:
        return await _counted(session, survey, definition, decision, inputs)
    last_event = await session.scalar(
        select(func.max(AnswerEvent.id)).where(AnswerEvent.survey_id == survey.id)
    )
    kept = await session.get(KeptTally, survey.id)
    if kept is not None and kept.last_event_id == last_event:
        figures = SurveyTally.from_json(json.loads(kept.figures), decision)
        return replace(figures, objections=inputs[0], missing_consents=inputs[1])
    result = await _counted(session, survey, definition, decision, inputs)
    await _keep(session, survey, result, last_event)
    return result
