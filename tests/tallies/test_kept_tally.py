"""A closed survey's tally is computed once and kept with its audit; what may still change
after the close (paper objections and consents) is read anew, and an answer recorded after
the tally was kept makes it count again."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.surveys.models import AnswerChoice, AnswerEvent, InputKind, KeptTally, Survey
from storage.surveys.queries import close_survey, publish_survey
from storage.surveys.tallies import tally_survey
from storage.surveys.vote_inputs import record_input
from surveys.voting.decision import Block, BlockReason
from surveys.voting.results import ChoiceResult, SurveyTally
from tests.tallies.conftest import Flat, content_survey, flat_answers, make_survey, vote

Sessions = async_sessionmaker[AsyncSession]
FLATS = [
    Flat("1栋/1单元/101", "50.00"),
    Flat("1栋/1单元/102", "60.00", owner="王"),
    Flat("1栋/1单元/103", "70.00", owner="王"),
    Flat("1栋/2单元/101", "80.00"),
]


async def _closed_vote(session: AsyncSession) -> tuple[Survey, SurveyTally, dict[str, int]]:
    """Three of four flats approve; the tally as the survey closes."""
    survey, ids = await make_survey(session, FLATS, vote(blocked_by="[written_objections]"))
    for name in ("1栋/1单元/101", "1栋/1单元/102", "1栋/2单元/101"):
        await flat_answers(session, survey, ids[name], {"agree": "approve"})
    live = await tally_survey(session, survey)
    await close_survey(session, survey)
    return survey, live, ids


async def test_a_closed_survey_is_tallied_once_and_kept_with_its_audit(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, live, _ = await _closed_vote(session)
        assert await session.get(KeptTally, survey.id) is None  # open: nothing kept
        assert await tally_survey(session, survey) == live
        kept = await session.get_one(KeptTally, survey.id)
        assert kept.ballots == 3
        assert survey.closed_at is not None and kept.computed_at >= survey.closed_at
        computed_at = kept.computed_at
        # Counting again would see this; reading the kept tally does not count again.
        await session.execute(delete(AnswerChoice))
        await publish_survey(session, survey)
        assert await tally_survey(session, survey) == live
        assert (await session.get_one(KeptTally, survey.id)).computed_at == computed_at


async def test_paper_inputs_after_the_close_still_decide(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, live, ids = await _closed_vote(session)
        assert live.decision("agree").outcome.passed is True
        await tally_survey(session, survey)  # kept
        await record_input(session, survey, ids["1栋/1单元/103"], InputKind.OBJECTION)
        result = await tally_survey(session, survey)
    assert result.objections == 1
    outcome = result.decision("agree").outcome
    assert outcome.blocks == (Block(BlockReason.WRITTEN_OBJECTIONS, 1),)
    assert (
        outcome.passed is False and result.decision("agree").tally == live.decision("agree").tally
    )


async def test_an_answer_recorded_after_the_tally_was_kept_counts(sessions: Sessions) -> None:
    """As if an answer's transaction, begun while the survey was open, committed after the
    close and after the first tally: its audit event tells the kept tally is behind."""
    async with sessions() as session, session.begin():
        survey, live, ids = await _closed_vote(session)
        await tally_survey(session, survey)
        # Recorded as the chat records it, past its check that the survey is open.
        await flat_answers(session, survey, ids["1栋/1单元/103"], {"agree": "reject"})
        result = await tally_survey(session, survey)
        kept = await session.get_one(KeptTally, survey.id)
        last = await session.scalar(select(func.max(AnswerEvent.id)))
    tally = result.decision("agree").tally
    assert (tally.participating_flats, tally.rejecting_flats) == (4, 1)
    assert live.decision("agree").tally.participating_flats == 3
    assert (kept.ballots, kept.last_event_id) == (4, last)


async def test_the_kept_figures_read_back_as_they_were_counted(sessions: Sessions) -> None:
    """Every kind of question, its areas and points, the breakdown: `from_json` gives back
    what `to_json` was given."""
    async with sessions() as session, session.begin():
        survey, counted = await content_survey(session)
        await close_survey(session, survey)
        assert await tally_survey(session, survey) == counted
        assert await tally_survey(session, survey) == counted  # read from the kept figures
        assert await session.get(KeptTally, survey.id) is not None
    ranking = counted.question("priority")
    assert isinstance(ranking, ChoiceResult) and any(o.points for o in ranking.options)
