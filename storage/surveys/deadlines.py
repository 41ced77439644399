"""The committee moves a survey's close: extends an open survey, or reopens one closed by
mistake before its result is published. Each move is counted (`Survey.deadline_moves`), so
that the reminders and the close notice of the new close are keyed apart from the former's:
those were sent once, these are due again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import utcnow
from storage.refusals import Refusal, Refused
from storage.surveys.models import KeptTally, Survey, SurveyStatus


def notice_key(survey: Survey, key: str) -> str:
    """`key` for the notices of the survey's current close (the first close's keys as ever)."""
    return key if not survey.deadline_moves else f"{key}:m{survey.deadline_moves}"


async def _locked(session: AsyncSession, survey: Survey) -> Survey:
    """The survey as it is now, locked: the close sweep may be closing it at this moment."""
    await session.refresh(survey, with_for_update=True)
    return survey


async def extend_survey(
    session: AsyncSession, survey: Survey, days: int, now: datetime | None = None
) -> None:
    """Move an open survey's close `days` later."""
    survey = await _locked(session, survey)
    now = now or utcnow()
    if survey.status is SurveyStatus.DRAFT:
        raise Refused(Refusal.SURVEY_NOT_OPEN)
    if survey.status is not SurveyStatus.OPEN or (survey.closes_at or now) <= now:
        raise Refused(Refusal.CLOSE_PASSED)
    assert survey.closes_at is not None
    survey.closes_at += timedelta(days=days)
    survey.deadline_moves += 1
    await session.flush()


async def reopen_survey(
    session: AsyncSession, survey: Survey, days: int | None, now: datetime | None = None
) -> None:
    """Open a closed survey again, whose result is not published: until `days` from now, or
    without `days` until its former close time if that is still ahead (a /close by mistake).
    The answers given stay; the figures kept at the close are counted again at the next."""
    survey = await _locked(session, survey)
    now = now or utcnow()
    if survey.status is SurveyStatus.PUBLISHED:
        raise Refused(Refusal.REOPEN_PUBLISHED)
    if survey.status is not SurveyStatus.CLOSED:
        raise Refused(Refusal.REOPEN_NOT_CLOSED)
    closes = now + timedelta(days=days) if days else survey.closes_at
    if closes is None or closes <= now:
        raise Refused(Refusal.REOPEN_NEEDS_DAYS)
    survey.status, survey.closed_at, survey.closes_at = SurveyStatus.OPEN, None, closes
    survey.deadline_moves += 1
    await session.execute(delete(KeptTally).where(KeptTally.survey_id == survey.id))
    await session.flush()
