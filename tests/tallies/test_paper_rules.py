"""One flat, one ballot through the storage layer (issue 11): which of a flat's ballots
counts, when a paper ballot counts, what blocks publishing, and withdrawing a proxy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Membership, Resident, Role, utcnow
from storage.refusals import Refusal, Refused
from storage.surveys.ballots import ballot_of, record_answer
from storage.surveys.models import Ballot, KeptTally, Standing, Survey
from storage.surveys.paper import hand_in, review, start_paper_ballot
from storage.surveys.proxies import name_proxy, proxy_ballot, withdraw
from storage.surveys.queries import close_survey, definition_of, publish_survey
from storage.surveys.standing import keep_ballot
from storage.surveys.tallies import tally_survey
from surveys.voting.flow import validate_answer
from tests.tallies.conftest import Flat, flat_answers, make_survey, resident_of, vote

Sessions = async_sessionmaker[AsyncSession]
FLATS = [Flat("1栋/1单元/101", "50.00"), Flat("1栋/1单元/102", "60.00")]
FLAT = "1栋/1单元/101"


async def _members(session: AsyncSession) -> tuple[Resident, ...]:
    members = (
        Resident(telegram_id=7001, full_name="甲"),
        Resident(telegram_id=7002, full_name="乙"),
    )
    session.add_all(members)
    await session.flush()
    return members


async def _paper(
    session: AsyncSession, survey: Survey, household_id: int, member: Resident, choice: str
) -> Ballot:
    """A member enters a flat's sheet and hands it in with its photo."""
    definition = definition_of(survey.definition)
    ballot = await start_paper_ballot(session, survey, household_id, member)
    question = definition.question("agree")
    await record_answer(
        session, ballot, definition, question, validate_answer(question, choice), member
    )
    await hand_in(session, survey, ballot, member, "photo-file-id")
    return ballot


def _approving_flats(result: object) -> int:
    return result.decision("agree").tally.approving_flats  # type: ignore[attr-defined]


async def test_without_review_the_first_complete_ballot_counts_and_a_later_one_is_held(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, vote() + "paper_review: none\n")
        entering, _ = await _members(session)
        paper = await _paper(session, survey, ids[FLAT], entering, "approve")
        assert paper.standing is Standing.COUNTS  # no second member needed
        chat = await flat_answers(session, survey, ids[FLAT], {"agree": "reject"})
        assert chat.standing is Standing.CONFLICT
        result = await tally_survey(session, survey)
        assert (_approving_flats(result), result.participation.answered_flats) == (1, 1)
        await close_survey(session, survey)
        with pytest.raises(Refused) as refused:
            await publish_survey(session, survey)
        assert refused.value.reason is Refusal.BALLOT_CONFLICTS
        await tally_survey(session, survey)  # kept, closed
        aside = await keep_ballot(session, survey, chat.id, "业主本人确认", entering)
        assert [each.id for each in aside] == [paper.id] and paper.standing is Standing.SET_ASIDE
        assert await session.get(KeptTally, survey.id) is None  # counted again from now on
        result = await tally_survey(session, survey)
        assert (_approving_flats(result), result.decision("agree").tally.rejecting_flats) == (0, 1)
        await publish_survey(session, survey)


async def test_a_paper_ballot_counts_once_a_second_member_confirms_it_even_after_the_close(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, vote())
        entering, second = await _members(session)
        paper = await _paper(session, survey, ids[FLAT], entering, "approve")
        assert paper.standing is Standing.REVIEW
        assert _approving_flats(await tally_survey(session, survey)) == 0
        with pytest.raises(Refused) as refused:
            await review(session, survey, paper, entering, confirmed=True)
        assert refused.value.reason is Refusal.SECOND_MEMBER
        await close_survey(session, survey)
        assert _approving_flats(await tally_survey(session, survey)) == 0  # kept
        with pytest.raises(Refused) as refused:
            await publish_survey(session, survey)
        assert refused.value.reason is Refusal.PAPER_UNREVIEWED
        await review(session, survey, paper, second, confirmed=True)
        assert _approving_flats(await tally_survey(session, survey)) == 1
        await publish_survey(session, survey)


async def test_a_rejected_sheet_counts_nowhere_and_can_be_entered_again(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, vote())
        entering, second = await _members(session)
        first = await _paper(session, survey, ids[FLAT], entering, "approve")
        with pytest.raises(Refused) as refused:  # one sheet of a flat at a time
            await start_paper_ballot(session, survey, ids[FLAT], second)
        assert refused.value.reason is Refusal.PAPER_EXISTS
        await review(session, survey, first, second, confirmed=False, reason="签名不符")
        assert (first.standing, first.note) == (Standing.REJECTED, "签名不符")
        assert _approving_flats(await tally_survey(session, survey)) == 0
        again = await _paper(session, survey, ids[FLAT], entering, "approve")
        await review(session, survey, again, second, confirmed=True)
        assert _approving_flats(await tally_survey(session, survey)) == 1


async def test_a_proxy_is_withdrawn_until_the_proxy_has_voted(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, vote(second_required=True))
        owner = await resident_of(session, ids[FLAT])
        son = await resident_of(session, ids[FLAT], Role.FAMILY, n=1)
        proxy = await name_proxy(session, owner, ids[FLAT], son.id, survey_id=survey.id)
        _, begun = await proxy_ballot(session, survey, son, proxy.id)
        definition = definition_of(survey.definition)
        question = definition.question("agree")
        approve = validate_answer(question, "approve")
        await record_answer(session, begun, definition, question, approve, son)
        await withdraw(session, owner, proxy.id)  # half answered: withdrawable
        assert begun.standing is Standing.SET_ASIDE
        with pytest.raises(Refused) as refused:
            await ballot_of(session, son, begun.id)
        assert refused.value.reason is Refusal.PROXY_WITHDRAWN

        until = utcnow() + timedelta(days=30)
        again = await name_proxy(session, owner, ids[FLAT], son.id, until=until)
        _, ballot = await proxy_ballot(session, survey, son, again.id)
        for question_id, raw in (("agree", "approve"), ("when", "spring")):
            question = definition.question(question_id)
            value = validate_answer(question, raw)
            await record_answer(session, ballot, definition, question, value, son)
        assert ballot.standing is Standing.COUNTS and ballot.submitted_at is not None
        with pytest.raises(Refused) as refused:
            await withdraw(session, owner, again.id)
        assert refused.value.reason is Refusal.PROXY_VOTED
        assert _approving_flats(await tally_survey(session, survey)) == 1


async def test_a_proxy_votes_only_for_an_owner_the_committee_confirmed(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, vote(second_required=True))
        owner = await resident_of(session, ids[FLAT])
        son = await resident_of(session, ids[FLAT], Role.FAMILY, n=1)
        proxy = await name_proxy(session, owner, ids[FLAT], son.id, survey_id=survey.id)
        _, ballot = await proxy_ballot(session, survey, son, proxy.id)
        membership = await session.scalar(
            select(Membership).where(Membership.resident_id == owner.id)
        )
        assert membership is not None
        membership.owner_confirmed = False  # say the committee took it back
        with pytest.raises(Refused) as refused:
            await ballot_of(session, son, ballot.id)
        assert refused.value.reason is Refusal.OWNER_UNCONFIRMED
        with pytest.raises(Refused) as refused:
            await proxy_ballot(session, survey, son, proxy.id)
        assert refused.value.reason is Refusal.OWNER_UNCONFIRMED
