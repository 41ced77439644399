"""Inputs to a vote besides ballots: what the committee records from paper (written
objections, the flats directly affected by an elevator and their consent) and the objections
residents file in chat against a published result (公示)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Building, Household, Resident, Unit, utcnow
from storage.refusals import NotFound, Refusal, Refused
from storage.residents import flat_named
from storage.surveys.models import EligibleFlat, InputKind, Survey, SurveyStatus, VoteInput
from storage.surveys.queries import member_flat
from surveys.text import printable

RECORDED_KINDS = (InputKind.OBJECTION, InputKind.AFFECTED, InputKind.CONSENT)
MAX_CHALLENGE = 2000  # characters of an objection to a result


async def flat_in_survey(session: AsyncSession, survey: Survey, label: str) -> int:
    """The flat of the survey's scope named "building/unit/room" (e.g. "3栋/2单元/501")."""
    flat = await flat_named(session, survey.compound_id, label)
    eligible = await session.get(EligibleFlat, (survey.id, flat.id))
    if eligible is None:
        raise NotFound(f"{{label}} is not a flat of survey #{survey.id}'s scope", label=label)
    return flat.id


async def record_input(
    session: AsyncSession, survey: Survey, household_id: int, kind: InputKind, note: str = ""
) -> bool:
    """Record a paper input for an eligible flat; False if it was already recorded. Inputs
    count while the vote is being decided, so not after the result is published."""
    if kind not in RECORDED_KINDS:
        raise ValueError(f"{kind} is filed by residents, not recorded")
    if survey.status is SurveyStatus.PUBLISHED:
        raise Refused(Refusal.RESULT_PUBLISHED)
    existing = await session.scalar(
        select(VoteInput.id).where(
            VoteInput.survey_id == survey.id,
            VoteInput.household_id == household_id,
            VoteInput.kind == kind,
        )
    )
    if existing is not None:
        return False
    text = printable(note)
    session.add(VoteInput(survey_id=survey.id, household_id=household_id, kind=kind, text=text))
    await session.flush()
    return True


@dataclass(frozen=True)
class RecordedInput:
    flat: str  # "building/unit/room"
    kind: InputKind
    text: str
    at: datetime


async def inputs_of(session: AsyncSession, survey: Survey) -> Sequence[RecordedInput]:
    rows = await session.execute(
        select(
            Building.name, Unit.name, Household.room, VoteInput.kind, VoteInput.text, VoteInput.at
        )
        .join(Household, Household.id == VoteInput.household_id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Household.building_id)
        .where(VoteInput.survey_id == survey.id)
        .order_by(VoteInput.at, VoteInput.id)
    )
    return [
        RecordedInput(f"{building}/{unit}/{room}", kind, text, at)
        for building, unit, room, kind, text, at in rows
    ]


async def challengeable(session: AsyncSession, resident: Resident, survey_id: int) -> Survey:
    """The published survey a resident may object to now, as a member of one of its flats.
    The scope is checked first: anyone else is refused alike, whether or not its result is
    published, which is none of their business."""
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    if await member_flat(session, resident, survey) is None:
        raise Refused(Refusal.NOT_ELIGIBLE)
    if survey.status is not SurveyStatus.PUBLISHED or survey.objections_until is None:
        raise Refused(Refusal.NOT_PUBLISHED)
    if survey.objections_until <= utcnow():
        raise Refused(Refusal.OBJECTIONS_CLOSED)
    already = await session.scalar(
        select(VoteInput.id).where(
            VoteInput.survey_id == survey.id,
            VoteInput.kind == InputKind.CHALLENGE,
            VoteInput.resident_id == resident.id,
        )
    )
    if already is not None:
        raise Refused(Refusal.ALREADY_OBJECTED)
    return survey


async def file_challenge(
    session: AsyncSession, resident: Resident, survey_id: int, text: str
) -> VoteInput:
    """A resident's objection to a published result, kept with its text and time. Each
    resident files one per survey; filing again is refused, so nothing is overwritten."""
    survey = await challengeable(session, resident, survey_id)
    household_id = await member_flat(session, resident, survey)
    assert household_id is not None
    challenge = VoteInput(
        survey_id=survey.id,
        household_id=household_id,
        kind=InputKind.CHALLENGE,
        resident_id=resident.id,
        text=printable(text)[:MAX_CHALLENGE],
    )
    session.add(challenge)
    await session.flush()
    return challenge


async def challenge_count(session: AsyncSession, survey: Survey) -> int:
    count = await session.scalar(
        select(func.count()).where(
            VoteInput.survey_id == survey.id, VoteInput.kind == InputKind.CHALLENGE
        )
    )
    return int(count or 0)
