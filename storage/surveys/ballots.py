"""Ballots: the one a resident answers (their flat's, or their own), who may answer it, its
answers, and recording an answer with its audit trail."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Membership, MembershipStatus, Resident, Role, utcnow
from storage.refusals import Refusal, Refused
from storage.surveys.models import (
    Answer,
    AnswerChoice,
    AnswerEvent,
    Ballot,
    BallotSource,
    EligibleFlat,
    Standing,
    Survey,
    SurveyStatus,
)
from storage.surveys.paper import check_entering
from storage.surveys.proxies import check_proxy
from storage.surveys.queries import (
    RESPONDENT_FIRST,
    answering,
    check_open,
    definition_of,
    may_answer,
)
from storage.surveys.standing import settle
from surveys.voting.answer_codec import choices, decode, encode
from surveys.voting.flow import AnswerValue, Progress, progress
from surveys.voting.questions import Question
from surveys.voting.schema import AnswerPer, SurveyDefinition, SurveyKind


async def _respondent_of_flat(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition, household_id: int
) -> int | None:
    """The resident who answers for an eligible flat: the member who may answer (a confirmed
    owner, for a vote) whom the committee designated, else the earliest."""
    return await session.scalar(
        select(Membership.resident_id)
        .join(
            EligibleFlat,
            (EligibleFlat.household_id == Membership.household_id)
            & (EligibleFlat.survey_id == survey.id),
        )
        .where(Membership.household_id == household_id, answering(definition))
        .order_by(*RESPONDENT_FIRST)
        .limit(1)
    )


async def ballot_for(
    session: AsyncSession, survey: Survey, resident: Resident, household_id: int | None
) -> Ballot:
    """The ballot the resident answers: their flat's (per flat) or their own (per person),
    created on first use. Refused says why they may not answer."""
    definition = definition_of(survey.definition)
    if definition.answer_per is AnswerPer.FLAT:
        if household_id is None:
            raise Refused(Refusal.NOT_ELIGIBLE)
        respondent_id = await _respondent_of_flat(session, survey, definition, household_id)
        if respondent_id != resident.id:
            raise Refused(await _why_not(session, survey, resident, household_id))
        respondent = f"h:{household_id}"
    else:
        if not await _is_in_audience(session, survey, definition, resident):
            raise Refused(Refusal.NOT_ELIGIBLE)
        respondent, household_id = f"r:{resident.id}", None
    found = await session.scalar(
        select(Ballot).where(Ballot.survey_id == survey.id, Ballot.respondent == respondent)
    )
    if found is not None:
        return found
    ballot = Ballot(
        survey_id=survey.id,
        respondent=respondent,
        household_id=household_id,
        resident_id=resident.id,
    )
    if household_id is not None:  # the flat's figures, fixed at opening, go with its ballot
        flat = await session.get_one(EligibleFlat, (survey.id, household_id))
        ballot.unit_id, ballot.cents = flat.unit_id, flat.cents
        ballot.head_id, ballot.shared = flat.head_id, flat.shared
    try:
        async with session.begin_nested():
            session.add(ballot)
    except IntegrityError:  # created a moment ago by a concurrent press
        return await session.scalar(
            select(Ballot).where(Ballot.survey_id == survey.id, Ballot.respondent == respondent)
        )  # type: ignore[return-value]
    return ballot


async def _why_not(
    session: AsyncSession, survey: Survey, resident: Resident, household_id: int
) -> Refusal:
    membership = await session.scalar(
        select(Membership).where(
            Membership.resident_id == resident.id,
            Membership.household_id == household_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    eligible = await session.get(EligibleFlat, (survey.id, household_id))
    if membership is None or eligible is None:
        return Refusal.NOT_ELIGIBLE
    definition = definition_of(survey.definition)
    if definition.kind is SurveyKind.VOTE and membership.role is not Role.OWNER:
        return Refusal.OWNERS_ONLY
    if definition.kind is SurveyKind.VOTE and not membership.owner_confirmed:
        return Refusal.OWNER_UNCONFIRMED
    if not may_answer(definition, membership):
        return Refusal.NOT_ELIGIBLE
    return Refusal.FLAT_ANSWERED_BY_ANOTHER


async def _is_in_audience(
    session: AsyncSession, survey: Survey, definition: SurveyDefinition, resident: Resident
) -> bool:
    found = await session.scalar(
        select(Membership.id)
        .join(
            EligibleFlat,
            (EligibleFlat.household_id == Membership.household_id)
            & (EligibleFlat.survey_id == survey.id),
        )
        .where(Membership.resident_id == resident.id, answering(definition))
        .limit(1)
    )
    return found is not None


async def answers_of(
    session: AsyncSession, ballot: Ballot, definition: SurveyDefinition
) -> dict[str, AnswerValue | None]:
    questions = {question.id: question for question in definition.questions}
    rows = await session.execute(
        select(Answer.question_id, Answer.value).where(Answer.ballot_id == ballot.id)
    )
    return {
        question_id: decode(questions[question_id], value)
        for question_id, value in rows
        if question_id in questions
    }


async def record_answer(
    session: AsyncSession,
    ballot: Ballot,
    definition: SurveyDefinition,
    question: Question,
    value: AnswerValue | None,
    resident: Resident,
    answers: dict[str, AnswerValue | None] | None = None,
) -> Progress:
    """Keep the answer (replacing an earlier one), drop answers to questions it hides, write
    both to the audit trail, and mark the ballot submitted while every required question is
    answered. The ballot must come from `ballot_of`, which holds its row lock: members of one
    flat may answer at once (several workers), and the second then builds on the first.
    `answers`: the ballot's answers as `answers_of` read them since, to spare reading again."""
    answers = dict(
        answers if answers is not None else await answers_of(session, ballot, definition)
    )
    replaced = question.id in answers
    answers[question.id] = value
    where = progress(definition, answers)
    dropped = sorted(where.dropped)
    if replaced or dropped:  # a first answer, the usual case, has nothing to clear
        cleared = [question.id, *dropped]
        await session.execute(
            delete(AnswerChoice).where(
                AnswerChoice.ballot_id == ballot.id, AnswerChoice.question_id.in_(cleared)
            )
        )
    if dropped:
        await session.execute(
            delete(Answer).where(Answer.ballot_id == ballot.id, Answer.question_id.in_(dropped))
        )
    stored = encode(value)
    await session.execute(
        insert_for(session, Answer)
        .values(ballot_id=ballot.id, question_id=question.id, value=stored)
        .on_conflict_do_update(index_elements=["ballot_id", "question_id"], set_={"value": stored})
    )
    picked = [
        {"ballot_id": ballot.id, "question_id": question.id, "option_id": option, "rank": rank}
        for option, rank in choices(question, value)
    ]
    if picked:
        await session.execute(insert(AnswerChoice), picked)
    now = utcnow()
    await session.execute(
        insert(AnswerEvent),
        [
            {
                "survey_id": ballot.survey_id,
                "ballot_id": ballot.id,
                "question_id": question_id,
                "resident_id": resident.id,
                "value": stored if question_id == question.id else None,
                "at": now,
            }
            for question_id in [question.id, *dropped]
        ],
    )
    # The ballot row changes only when who answers or whether it is complete does: most
    # answers cost no UPDATE (each answer's time is in the audit trail).
    submitted = (ballot.submitted_at or now) if where.finished else None
    if ballot.resident_id != resident.id or ballot.submitted_at != submitted:
        completed = ballot.submitted_at is None and submitted is not None
        ballot.resident_id, ballot.submitted_at, ballot.updated_at = resident.id, submitted, now
        await session.flush()
        if completed and ballot.household_id is not None and ballot.standing is Standing.COUNTS:
            await settle(session, ballot)  # one flat, one ballot: the first complete counts
    return where


async def unfinished_ballot(session: AsyncSession, resident: Resident) -> int | None:
    """The latest ballot the resident is answering and has not finished, of a survey still
    open: a message sent in the middle of it is pointed back to its question."""
    return await session.scalar(
        select(Ballot.id)
        .join(Survey, Survey.id == Ballot.survey_id)
        .where(
            Ballot.resident_id == resident.id,
            Ballot.submitted_at.is_(None),
            Survey.status == SurveyStatus.OPEN,
            Survey.closes_at.is_(None) | (Survey.closes_at > utcnow()),
        )
        .order_by(Ballot.updated_at.desc(), Ballot.id.desc())
        .limit(1)
    )


async def ballot_of(
    session: AsyncSession, resident: Resident, ballot_id: int
) -> tuple[Survey, Ballot]:
    """A ballot a button names, if its survey is open and this resident may answer it now.
    One statement: the ballot with its row lock (for `record_answer`), its survey, and the
    flat's active members, of whom the respondent is picked as `ballot_for` would."""
    rows = (
        await session.execute(
            select(Ballot, Survey, Membership)
            .join(Survey, Survey.id == Ballot.survey_id)
            .outerjoin(
                Membership,
                (Membership.household_id == Ballot.household_id)
                & (Membership.status == MembershipStatus.ACTIVE),
            )
            .where(Ballot.id == ballot_id)
            .order_by(*RESPONDENT_FIRST)
            .with_for_update(of=Ballot)
        )
    ).all()
    if not rows:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    ballot, survey = rows[0][0], rows[0][1]
    check_open(survey)
    if ballot.source is BallotSource.PAPER:
        check_entering(ballot, resident)
        return survey, ballot
    if ballot.source is BallotSource.PROXY:
        await check_proxy(session, ballot, resident)
        return survey, ballot
    definition = definition_of(survey.definition)
    if ballot.household_id is None:
        if ballot.respondent != f"r:{resident.id}":
            raise Refused(Refusal.NOT_ELIGIBLE)
        return survey, ballot
    respondent = next(
        (m.resident_id for _, _, m in rows if m is not None and may_answer(definition, m)), None
    )
    if respondent != resident.id:
        raise Refused(await _why_not(session, survey, resident, ballot.household_id))
    return survey, ballot
