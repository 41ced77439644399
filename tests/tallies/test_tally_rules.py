"""Decided questions tallied in SQL at the boundaries of Civil Code art. 278, hand-computed:
quorum, approval, heads of several flats, the developer, abstentions, blocks, and ballots that
are not submitted."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.surveys.models import InputKind, VoteInput
from storage.surveys.tallies import tally_survey
from surveys.voting.decision import Block, BlockReason, Measure, Tally
from surveys.voting.results import ChoiceResult, Decision
from tests.tallies.conftest import Flat, flat_answers, make_survey, vote

Sessions = async_sessionmaker[AsyncSession]


def _flats(*areas: str, **owners: str) -> list[Flat]:
    """Flats 1栋/1单元/101, 102, ... with these areas; ``owners`` maps a room to an owner key
    ("dev" for the developer)."""
    flats = []
    for index, area in enumerate(areas, start=1):
        room = str(100 + index)
        owner = owners.get(f"r{room}")
        flats.append(
            Flat(f"1栋/1单元/{room}", area, None if owner == "dev" else owner, owner == "dev")
        )
    return flats


async def _decide(
    sessions: Sessions, flats: list[Flat], definition: str, answers: dict[str, str]
) -> Decision:
    """Open the vote over the flats; rooms in ``answers`` answer the agree question."""
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, flats, definition)
        for room, choice in answers.items():
            await flat_answers(session, survey, ids[f"1栋/1单元/{room}"], {"agree": choice})
        return (await tally_survey(session, survey)).decision("agree")


def _met(decision: Decision) -> dict[Measure, bool]:
    return {check.threshold.measure: check.met for check in decision.outcome.checks}


async def test_quorum_of_exactly_two_thirds_by_area_but_not_by_heads(sessions: Sessions) -> None:
    decision = await _decide(
        sessions, _flats("80.00", "20.00", "20.00"), vote("civil_code_ordinary"), {"101": "approve"}
    )
    assert decision.tally == Tally(
        scope_area=Decimal("120.00"),
        scope_heads=3,
        scope_flats=3,
        participating_area=Decimal("80.00"),
        participating_heads=1,
        participating_flats=1,
        approving_area=Decimal("80.00"),
        approving_heads=1,
        approving_flats=1,
        rejecting_flats=0,
    )
    met = _met(decision)
    assert met[Measure.QUORUM_AREA]  # 80/120 is exactly 2/3: "以上" includes it
    assert not met[Measure.QUORUM_HEADS]  # 1/3
    assert decision.outcome.quorum_met is False and decision.outcome.passed is False


async def test_approval_of_exactly_three_quarters_carries_a_major_matter(
    sessions: Sessions,
) -> None:
    answers = {"101": "approve", "102": "approve", "103": "approve", "104": "reject"}
    decision = await _decide(sessions, _flats("50.00", "50.00", "50.00", "50.00"), vote(), answers)
    assert (decision.tally.approving_area, decision.tally.participating_area) == (
        Decimal("150.00"),
        Decimal("200.00"),
    )
    assert (decision.tally.approving_heads, decision.tally.participating_heads) == (3, 4)
    assert decision.tally.rejecting_flats == 1
    assert all(_met(decision).values()) and decision.outcome.passed is True


async def test_a_cent_short_of_three_quarters_by_area_fails(sessions: Sessions) -> None:
    answers = {"101": "approve", "102": "approve", "103": "approve", "104": "reject"}
    decision = await _decide(sessions, _flats("50.00", "50.00", "49.99", "50.01"), vote(), answers)
    assert decision.tally.approving_area == Decimal("149.99")
    met = _met(decision)
    assert not met[Measure.APPROVAL_AREA] and met[Measure.APPROVAL_HEADS]
    assert decision.outcome.passed is False


async def test_exactly_half_fails_an_ordinary_matter(sessions: Sessions) -> None:
    answers = {"101": "approve", "102": "approve", "103": "reject", "104": "reject"}
    decision = await _decide(
        sessions, _flats("60.00", "60.00", "60.00", "60.00"), vote("civil_code_ordinary"), answers
    )
    met = _met(decision)
    assert met[Measure.QUORUM_AREA] and met[Measure.QUORUM_HEADS]
    assert not met[Measure.APPROVAL_AREA] and not met[Measure.APPROVAL_HEADS]  # 1/2 is not > 1/2
    assert decision.outcome.passed is False


async def test_an_owner_of_two_flats_voting_apart_is_one_head_that_does_not_approve(
    sessions: Sessions,
) -> None:
    flats = _flats("70.00", "30.00", "50.00", r101="王", r102="王")
    answers = {"101": "approve", "102": "reject", "103": "approve"}
    decision = await _decide(sessions, flats, vote("civil_code_ordinary"), answers)
    tally = decision.tally
    assert (tally.scope_heads, tally.participating_heads, tally.approving_heads) == (2, 2, 1)
    assert (tally.scope_flats, tally.participating_flats, tally.approving_flats) == (3, 3, 2)
    assert tally.approving_area == Decimal("120.00")  # area counts in full, flat by flat
    assert not _met(decision)[Measure.APPROVAL_HEADS]  # 1 of 2 heads is not more than half


async def test_developer_flats_are_pooled_into_one_head(sessions: Sessions) -> None:
    flats = _flats("40.00", "40.00", "40.00", "90.00", "90.00", r101="dev", r102="dev", r103="dev")
    # One developer flat approves and the other two do not vote: the developer approves.
    answers = {"101": "approve", "104": "approve", "105": "reject"}
    tally = (await _decide(sessions, flats, vote("civil_code_ordinary"), answers)).tally
    assert (tally.scope_heads, tally.participating_heads, tally.approving_heads) == (3, 3, 2)
    assert tally.scope_area == Decimal("300.00")
    assert tally.participating_area == Decimal("220.00")
    assert tally.approving_area == Decimal("130.00")


async def test_abstentions_participate_without_approving(sessions: Sessions) -> None:
    answers = {"101": "approve", "102": "abstain", "103": "abstain"}
    decision = await _decide(
        sessions, _flats("50.00", "50.00", "50.00"), vote("civil_code_ordinary"), answers
    )
    tally = decision.tally
    assert (tally.participating_flats, tally.approving_flats, tally.rejecting_flats) == (3, 1, 0)
    assert decision.outcome.quorum_met is True and decision.outcome.passed is False


async def _elevator_vote_with_inputs(
    sessions: Sessions, blocked_by: str, inputs: list[tuple[str, InputKind]]
) -> tuple[Decision, int, int]:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(
            session, _flats("50.00", "50.00", "50.00"), vote(blocked_by=blocked_by)
        )
        for room in ("101", "102", "103"):
            await flat_answers(session, survey, ids[f"1栋/1单元/{room}"], {"agree": "approve"})
        session.add_all(
            VoteInput(survey_id=survey.id, household_id=ids[f"1栋/1单元/{room}"], kind=kind)
            for room, kind in inputs
        )
        await session.flush()
        result = await tally_survey(session, survey)
    return result.decision("agree"), result.objections, result.missing_consents


async def test_a_written_objection_blocks_an_elevator_vote_that_passes(
    sessions: Sessions,
) -> None:
    decision, objections, missing = await _elevator_vote_with_inputs(
        sessions,
        "[written_objections, missing_affected_consents]",
        [
            ("103", InputKind.OBJECTION),
            ("101", InputKind.AFFECTED),
            ("101", InputKind.CONSENT),
            ("102", InputKind.AFFECTED),  # affected, no consent
        ],
    )
    assert (objections, missing) == (1, 1)
    outcome = decision.outcome
    assert outcome.thresholds_met is True and outcome.passed is False and outcome.blocked
    assert outcome.blocks == (
        Block(BlockReason.WRITTEN_OBJECTIONS, 1),
        Block(BlockReason.MISSING_AFFECTED_CONSENTS, 1),
    )


async def test_objections_block_only_when_the_definition_says_so(sessions: Sessions) -> None:
    decision, objections, missing = await _elevator_vote_with_inputs(
        sessions, "[missing_affected_consents]", [("103", InputKind.OBJECTION)]
    )
    assert (objections, missing) == (1, 0)  # still reported to the committee
    assert decision.outcome.blocks == () and decision.outcome.passed is True


async def test_a_ballot_not_submitted_does_not_count(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(
            session, _flats("50.00", "50.00", "50.00"), vote(second_required=True)
        )
        await flat_answers(
            session, survey, ids["1栋/1单元/101"], {"agree": "approve", "when": "spring"}
        )
        # The second question is required and unanswered: the ballot is not submitted.
        await flat_answers(session, survey, ids["1栋/1单元/102"], {"agree": "reject"})
        result = await tally_survey(session, survey)
    tally = result.decision("agree").tally
    assert (tally.participating_flats, tally.approving_flats, tally.rejecting_flats) == (1, 1, 0)
    assert result.participation.answered_flats == result.participation.respondents == 1
    agree = result.question("agree")
    assert isinstance(agree, ChoiceResult)
    assert [(o.option_id, o.respondents) for o in agree.options] == [
        ("approve", 1),
        ("reject", 0),
        ("abstain", 0),
    ]
