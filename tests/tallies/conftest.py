"""Building survey scenarios through the storage layer: a register, a survey opened over it,
and owners answering through `storage.surveys.queries`, exactly as the chat stores them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.committee import compound_named
from storage.joining.register import import_register
from storage.models import (
    Building,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Role,
    Unit,
    Verification,
)
from storage.surveys.ballots import ballot_for, record_answer
from storage.surveys.models import Ballot, Survey
from storage.surveys.queries import create_survey, definition_of, open_survey, scope_named
from storage.surveys.tallies import tally_survey
from surveys.joining.register import RegisterFlat
from surveys.voting.flow import validate_answer
from surveys.voting.results import SurveyTally

COMPOUND = "幸福里"


@dataclass(frozen=True)
class Flat:
    """A flat of a test register; ``name`` is "1栋/1单元/101"."""

    name: str
    area: str
    owner: str | None = None
    developer: bool = False
    floor: int = 1

    def register_row(self) -> RegisterFlat:
        building, unit, room = self.name.split("/")
        return RegisterFlat(
            building, unit, self.floor, room, Decimal(self.area), self.owner, self.developer
        )


def vote(
    rule: str = "civil_code_major", *, blocked_by: str = "[]", second_required: bool = False
) -> str:
    """A formal vote with one decided question, ``agree``; with ``second_required`` a second
    required question, so that answering only the first leaves the ballot unsubmitted."""
    second = (
        """
  - id: when
    type: single
    text: 何时施工？
    options: [{id: spring, text: 春季}, {id: autumn, text: 秋季}]"""
        if second_required
        else ""
    )
    return f"""
kind: vote
title: 表决
blocked_by: {blocked_by}
questions:
  - id: agree
    type: agree
    rule: {rule}
    text: 您是否同意？{second}
"""


async def make_survey(
    session: AsyncSession,
    flats: list[Flat],
    definition: str,
    *,
    building: str | None = None,
    unit: str | None = None,
) -> tuple[Survey, dict[str, int]]:
    """Import the flats, open a survey over the compound (or a building or unit of it), and
    return it with the household id of each flat by name."""
    await import_register(session, COMPOUND, [flat.register_row() for flat in flats])
    compound = await compound_named(session, COMPOUND)
    scope = await scope_named(session, compound.id, building, unit)
    survey = await create_survey(session, compound.id, definition, scope)
    await open_survey(session, survey)
    rows = await session.execute(
        select(Building.name, Unit.name, Household.room, Household.id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Household.building_id)
    )
    return survey, {f"{building}/{unit}/{room}": id_ for building, unit, room, id_ in rows}


async def resident_of(
    session: AsyncSession, household_id: int, role: Role = Role.OWNER, n: int = 0
) -> Resident:
    """The n-th resident linked to a flat, created and linked on first use."""
    telegram_id = 1_000_000 + household_id * 10 + n
    resident = await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
    if resident is None:
        resident = Resident(telegram_id=telegram_id, full_name=f"住户{household_id}-{n}")
        session.add(resident)
        await session.flush()
        session.add(
            Membership(
                resident_id=resident.id,
                household_id=household_id,
                role=role,
                status=MembershipStatus.ACTIVE,
                verified_by=Verification.FLAT_CODE,
                owner_confirmed=role is Role.OWNER,  # a code handed to the owner in person
            )
        )
        await session.flush()
    return resident


async def answer(
    session: AsyncSession,
    survey: Survey,
    resident: Resident,
    answers: Mapping[str, object],
    household_id: int | None = None,
) -> Ballot:
    """Record answers, in order, as the chat would: validated, one question at a time."""
    definition = definition_of(survey.definition)
    ballot = await ballot_for(session, survey, resident, household_id)
    for question_id, raw in answers.items():
        question = definition.question(question_id)
        value = validate_answer(question, raw)
        await record_answer(session, ballot, definition, question, value, resident)
    return ballot


async def flat_answers(
    session: AsyncSession, survey: Survey, household_id: int, answers: Mapping[str, object]
) -> Ballot:
    """The flat's owner answers for it."""
    owner = await resident_of(session, household_id)
    return await answer(session, survey, owner, answers, household_id)


CONTENT = """
kind: opinion
title: 改造内容征询
ballots: {ballots}
questions:
  - id: content
    type: multiple
    text: 需要改造哪些？
    options: [{{id: a, text: 屋面}}, {{id: b, text: 外墙}}, {{id: c, text: 楼道}}]
  - id: priority
    type: ranking
    top: 2
    text: 最优先的两项？
    options: [{{id: a, text: 屋面}}, {{id: b, text: 外墙}}, {{id: c, text: 楼道}}]
  - id: rating
    type: rating
    text: 您对现状的评价？
  - id: pledge
    type: number
    required: false
    min: -1000
    max: 100000000000
    places: 2
    unit: 元
    text: 您愿意出资多少？
  - id: remarks
    type: text
    required: false
    text: 其他意见？
  - id: willing
    type: agree
    rule: simple_majority
    text: 您是否同意改造？
"""

FLATS = [
    Flat("1栋/1单元/101", "60.50"),
    Flat("1栋/2单元/101", "70.25"),
    Flat("2栋/1单元/101", "80.00"),
    Flat("2栋/1单元/102", "90.00"),
    Flat("10栋/1单元/101", "50.00"),
]


async def content_survey(
    session: AsyncSession, ballots: str = "named"
) -> tuple[Survey, SurveyTally]:
    """Five flats; three answer, 2栋/1单元/102 and 10栋/1单元/101 do not."""
    survey, ids = await make_survey(session, FLATS, CONTENT.format(ballots=ballots))
    answers = {
        "1栋/1单元/101": {
            "content": ["a", "b"],
            "priority": ["a", "b"],
            "rating": "5",
            "pledge": "1,234.5元",
            "remarks": "北侧",
            "willing": "approve",
        },
        "1栋/2单元/101": {
            "content": ["b"],
            "priority": ["b", "c"],
            "rating": "3",
            "pledge": "-20.5",
            "remarks": "",  # skipped
            "willing": "reject",
        },
        "2栋/1单元/101": {
            "content": ["a", "c"],
            "priority": ["a", "c"],
            "rating": "4",
            "pledge": "",
            "remarks": "好",
            "willing": "approve",
        },
    }
    for name, given in answers.items():
        await flat_answers(session, survey, ids[name], given)
    return survey, await tally_survey(session, survey)
