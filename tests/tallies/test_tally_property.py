"""Property: for any small scope and any answers stored through `storage.surveys.queries`, the SQL
tally of the decided question equals `surveys.voting.decision.tally` over the same ballots."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.db import create_engine, session_factory
from storage.models import Base
from storage.surveys.tallies import tally_survey
from surveys.voting.decision import Answer, FlatBallot, tally
from tests.tallies.conftest import Flat, flat_answers, make_survey, vote


@dataclass(frozen=True)
class Voter:
    flat: Flat
    answer: Answer | None  # None: never answers
    submits: bool  # else answers the decided question only: the ballot stays unsubmitted
    changed_from: Answer | None  # an earlier answer, replaced

    @property
    def counted(self) -> Answer | None:
        return self.answer if self.submits else None


@st.composite
def scopes(draw: st.DrawFn) -> tuple[list[Voter], str | None, str]:
    voters = []
    for index in range(draw(st.integers(1, 8))):
        holder = draw(st.sampled_from([None, None, "甲", "乙", "developer"]))
        # The first flat is in 1栋, so that a scope of 1栋 is never empty.
        building = "1栋" if index == 0 else draw(st.sampled_from(["1栋", "2栋"]))
        flat = Flat(
            f"{building}/1单元/{101 + index}",
            str(draw(st.decimals(Decimal("0.01"), Decimal("300.00"), places=2))),
            owner=holder if holder != "developer" else None,
            developer=holder == "developer",
        )
        answer = draw(st.none() | st.sampled_from(list(Answer)))
        submits, changed_from = draw(st.booleans()), draw(st.none() | st.sampled_from(list(Answer)))
        voters.append(Voter(flat, answer, submits, changed_from))
    scope = draw(st.sampled_from([None, "1栋"]))  # the compound, or one building
    rule = draw(st.sampled_from(["civil_code_major", "civil_code_ordinary"]))
    return voters, scope, rule


async def _check(database_url: str, voters: list[Voter], building: str | None, rule: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # one database for the run: clean it
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
        async with session_factory(engine)() as session, session.begin():
            flats = [voter.flat for voter in voters]
            survey, ids = await make_survey(
                session, flats, vote(rule, second_required=True), building=building
            )
            reference = []
            for voter in voters:
                if building is not None and not voter.flat.name.startswith(f"{building}/"):
                    continue  # outside the scope: not eligible
                household_id = ids[voter.flat.name]
                if voter.answer is not None:
                    given = {"agree": voter.answer} | ({"when": "spring"} if voter.submits else {})
                    if voter.changed_from is not None:
                        await flat_answers(
                            session, survey, household_id, {"agree": voter.changed_from}
                        )
                    await flat_answers(session, survey, household_id, given)
                reference.append(
                    FlatBallot(
                        household_id,
                        Decimal(voter.flat.area),
                        voter.flat.owner,
                        voter.flat.developer,
                        voter.counted,
                    )
                )
            result = await tally_survey(session, survey)
        expected = tally(reference)
        assert result.decision("agree").tally == expected
        assert result.participation.answered_heads == expected.participating_heads
        assert result.participation.eligible_area == expected.scope_area
    finally:
        await engine.dispose()


@settings(
    max_examples=30,
    deadline=None,
    # The database is cleaned at the start of every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scope=scopes())
def test_the_sql_tally_equals_the_reference(
    database_url: str, scope: tuple[list[Voter], str | None, str]
) -> None:
    asyncio.run(_check(database_url, *scope))
