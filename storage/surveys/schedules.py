"""What the survey sweeps read: surveys past their close, open surveys, and who has not
finished answering."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Resident
from storage.surveys.models import Ballot, Survey, SurveyStatus
from storage.surveys.queries import Invitation, definition_of, invitations
from surveys.voting.schema import AnswerPer


async def surveys_past_close(session: AsyncSession, now: datetime) -> Sequence[Survey]:
    """Open surveys whose close time has come, locked so that a committee's /close at the same
    moment waits and then finds the survey closed."""
    result = await session.scalars(
        select(Survey)
        .where(Survey.status == SurveyStatus.OPEN, Survey.closes_at <= now)
        .order_by(Survey.id)
        .with_for_update()
    )
    return result.all()


async def surveys_open_at(session: AsyncSession, now: datetime) -> Sequence[Survey]:
    result = await session.scalars(
        select(Survey)
        .where(Survey.status == SurveyStatus.OPEN, Survey.closes_at > now)
        .order_by(Survey.id)
    )
    return result.all()


async def non_finishers(session: AsyncSession, survey: Survey) -> list[Invitation]:
    """Who was invited and has not submitted: per flat, the respondent of each flat without a
    submitted ballot (a flat answered by any member is done for all); per person, each
    invitee without one. A ballot with answers still missing is not submitted."""
    invited = await invitations(session, survey)
    submitted = (Ballot.survey_id == survey.id, Ballot.submitted_at.is_not(None))
    if definition_of(survey.definition).answer_per is AnswerPer.FLAT:
        flats = set(await session.scalars(select(Ballot.household_id).where(*submitted)))
        return [each for each in invited if each.household_id not in flats]
    people = set(
        await session.scalars(
            select(Resident.telegram_id)
            .join(Ballot, Ballot.resident_id == Resident.id)
            .where(*submitted)
        )
    )
    return [each for each in invited if each.telegram_id not in people]
