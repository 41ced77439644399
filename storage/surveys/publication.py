"""What a printed result (公示) shows besides the tally: where the survey was held, its dates,
and, when its definition says so (`publish_ballots: true`), each flat's answers without names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Building, Compound, Unit
from storage.refusals import Refusal, Refused
from storage.surveys.models import Survey, SurveyStatus
from storage.surveys.queries import definition_of
from storage.surveys.records import BallotRecord, survey_records


@dataclass(frozen=True)
class Publication:
    survey_id: int
    compound: str
    building: str | None  # None: the whole compound
    unit: str | None
    opened_at: datetime
    closed_at: datetime
    published_at: datetime
    objections_until: datetime
    flats: tuple[BallotRecord, ...]  # every flat of the scope, or none if not published


async def publication(session: AsyncSession, survey: Survey) -> Publication:
    """The published survey's place and dates, and its flats' answers if they are public."""
    if survey.status is not SurveyStatus.PUBLISHED:
        raise Refused(Refusal.NOT_PUBLISHED)
    assert survey.opened_at and survey.closed_at and survey.published_at
    assert survey.objections_until is not None
    compound = await session.get_one(Compound, survey.compound_id)
    building = unit = None
    if survey.scope_building_id is not None:
        building = await session.scalar(
            select(Building.name).where(Building.id == survey.scope_building_id)
        )
    if survey.scope_unit_id is not None:
        unit = await session.scalar(select(Unit.name).where(Unit.id == survey.scope_unit_id))
    flats: tuple[BallotRecord, ...] = ()
    if definition_of(survey.definition).publish_ballots:
        flats = (await survey_records(session, survey)).ballots
    return Publication(
        survey.id,
        compound.name,
        building,
        unit,
        survey.opened_at,
        survey.closed_at,
        survey.published_at,
        survey.objections_until,
        flats,
    )
