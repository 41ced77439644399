"""Survey results in SQL: participation, options with their area, ranking points, numbers,
texts, the breakdown by building and unit, non-respondents, surveys answered per person, and
the JSON form."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.committee import compound_named
from storage.joining.register import import_register
from storage.models import Role
from storage.surveys.queries import create_survey, scope_named
from storage.surveys.records import FlatOfScope, non_respondents
from storage.surveys.tallies import tally_survey
from surveys.voting.questions import QuestionType
from surveys.voting.results import (
    AgreeCounts,
    ChoiceResult,
    NumberResult,
    OptionCount,
    Participation,
    PlaceTally,
    TextResult,
)
from tests.tallies.conftest import (
    COMPOUND,
    CONTENT,
    FLATS,
    answer,
    content_survey,
    make_survey,
    resident_of,
)

Sessions = async_sessionmaker[AsyncSession]


def _options(result: object) -> list[tuple[str, int, Decimal | None, int, int]]:
    assert isinstance(result, ChoiceResult)
    return [(o.option_id, o.respondents, o.area, o.first_choices, o.points) for o in result.options]


async def test_participation_options_numbers_and_texts(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, result = await content_survey(session)
    assert result.participation == Participation(
        eligible_flats=5,
        eligible_area=Decimal("350.75"),
        eligible_heads=5,
        answered_flats=3,
        answered_area=Decimal("210.75"),
        answered_heads=3,
        respondents=3,
    )
    assert _options(result.question("content")) == [
        ("a", 2, Decimal("140.50"), 0, 0),
        ("b", 2, Decimal("130.75"), 0, 0),
        ("c", 1, Decimal("80.00"), 0, 0),
    ]
    # Borda over the top 2: first place 2 points, second place 1.
    assert _options(result.question("priority")) == [
        ("a", 2, Decimal("140.50"), 2, 4),
        ("b", 2, Decimal("130.75"), 1, 3),
        ("c", 2, Decimal("150.25"), 0, 2),
    ]
    rating = result.question("rating")
    assert isinstance(rating, ChoiceResult) and rating.answered == 3
    assert [(o.option_id, o.respondents) for o in rating.options] == [
        ("1", 0),
        ("2", 0),
        ("3", 1),
        ("4", 1),
        ("5", 1),
    ]
    assert result.question("pledge") == NumberResult(
        question_id="pledge",
        answered=2,
        minimum=Decimal("-20.50"),
        maximum=Decimal("1234.50"),
        total=Decimal("1214.00"),
        mean=Decimal("607.0000"),
    )
    assert result.question("remarks") == TextResult("remarks", 2)  # a skip is no answer
    decision = result.decision("willing")
    assert decision.outcome.passed is True  # 2 of 3 answers approve


async def test_breakdown_by_building_and_unit_and_non_respondents(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, result = await content_survey(session)
        missing = await non_respondents(session, survey)
    assert result.units == (
        PlaceTally("1栋", "1单元", 1, 1, (AgreeCounts("willing", 1, 0, 0),)),
        PlaceTally("1栋", "2单元", 1, 1, (AgreeCounts("willing", 0, 1, 0),)),
        PlaceTally("2栋", "1单元", 2, 1, (AgreeCounts("willing", 1, 0, 0),)),
        PlaceTally("10栋", "1单元", 1, 0, (AgreeCounts("willing", 0, 0, 0),)),
    )
    assert result.buildings == (
        PlaceTally("1栋", None, 2, 2, (AgreeCounts("willing", 1, 1, 0),)),
        PlaceTally("2栋", None, 2, 1, (AgreeCounts("willing", 1, 0, 0),)),
        PlaceTally("10栋", None, 1, 0, (AgreeCounts("willing", 0, 0, 0),)),
    )
    assert [(f.building, f.unit, f.floor, f.room) for f in missing] == [
        ("2栋", "1单元", 1, "102"),
        ("10栋", "1单元", 1, "101"),
    ]
    assert all(isinstance(flat, FlatOfScope) for flat in missing)


async def test_an_anonymous_survey_gives_no_answers_per_unit(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, result = await content_survey(session, ballots="anonymous")
    assert result.decision("willing").outcome.passed is True
    assert [unit.answered_flats for unit in result.units] == [1, 1, 1, 0]
    assert all(place.agree == () for place in (*result.units, *result.buildings))


async def test_a_survey_answered_per_person_counts_residents(sessions: Sessions) -> None:
    definition = """
kind: opinion
title: 满意度
answer_per: person
audience: [owner, family]
questions:
  - id: pick
    type: single
    text: 最满意的是？
    options: [{id: x, text: 绿化}, {id: y, text: 照明}]
"""
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS[:3], definition)
        first, second = ids["1栋/1单元/101"], ids["1栋/2单元/101"]
        for resident in (
            await resident_of(session, first),
            await resident_of(session, first, Role.FAMILY, 1),
            await resident_of(session, second, Role.FAMILY, 1),
        ):
            await answer(session, survey, resident, {"pick": "x"})
        await answer(session, survey, await resident_of(session, second), {"pick": "y"})
        await resident_of(session, ids["2栋/1单元/101"], Role.TENANT)  # not in the audience
        result = await tally_survey(session, survey)
    assert result.participation.respondents == 4
    assert (result.participation.answered_flats, result.participation.eligible_flats) == (2, 3)
    assert result.participation.answered_area == Decimal("130.75")
    assert result.question("pick") == ChoiceResult(
        "pick",
        QuestionType.SINGLE,
        4,
        (OptionCount("x", 3, None, 0, 0), OptionCount("y", 1, None, 0, 0)),
    )


async def test_the_json_form_is_plain(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        data = (await content_survey(session))[1].to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["participation"]["eligible_area"] == "350.75"
    assert data["questions"][0]["type"] == "multiple"
    assert data["questions"][3]["mean"] == "607.0000"
    decision = data["decisions"][0]
    assert decision["outcome"]["rule"] == "simple_majority"
    check = decision["outcome"]["checks"][0]
    assert check["threshold"] == {
        "measure": "majority_of_answers",
        "fraction": "1/2",
        "comparison": "more_than",
    }
    assert (check["figure"], check["base"], check["met"]) == (2, 3, True)
    assert data["units"][3] == {
        "building": "10栋",
        "unit": "1单元",
        "eligible_flats": 1,
        "answered_flats": 0,
        "agree": [{"question_id": "willing", "approve": 0, "reject": 0, "abstain": 0}],
    }


async def test_a_draft_has_nothing_to_tally(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await import_register(session, COMPOUND, [flat.register_row() for flat in FLATS])
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, None, None)
        survey = await create_survey(session, compound.id, CONTENT.format(ballots="named"), scope)
        result = await tally_survey(session, survey)
    assert result.participation.eligible_flats == 0 and result.decisions == ()
    assert result.question("pledge") == NumberResult("pledge", 0, None, None, Decimal(0), None)
