"""One flat, one ballot, whatever the channel: which of a flat's ballots counts.

The rule: the first complete ballot of a flat counts (`Standing.COUNTS`). A ballot of the
same flat that becomes complete later, from another source, is held as a conflict and counts
nowhere until the committee keeps one of them, with a reason; the other is set aside, never
deleted. The owner's own chat ballot stays one ballot: changing its answers before the close
changes what counts. `/publish` is refused while a conflict or a paper ballot awaiting review
is open, so that no ballot anyone was told is recorded is silently dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Resident
from storage.refusals import Refusal, Refused
from storage.surveys.models import Ballot, EligibleFlat, KeptTally, Standing, Survey, SurveyStatus
from surveys.text import printable

# A ballot waiting for the committee: the survey's result cannot be published before.
HELD = (Standing.REVIEW, Standing.CONFLICT)


async def settle(session: AsyncSession, ballot: Ballot) -> Standing:
    """Decide whether a complete ballot of a flat counts (no other counting complete ballot
    of the flat) or is a conflict. Holds the eligible flat's row lock, so that two ballots of
    one flat completing at once are decided one after the other."""
    assert ballot.household_id is not None and ballot.submitted_at is not None
    await session.execute(
        select(EligibleFlat.household_id)
        .where(
            EligibleFlat.survey_id == ballot.survey_id,
            EligibleFlat.household_id == ballot.household_id,
        )
        .with_for_update()
    )
    counted = await session.scalar(
        select(Ballot.id).where(
            Ballot.survey_id == ballot.survey_id,
            Ballot.household_id == ballot.household_id,
            Ballot.id != ballot.id,
            Ballot.standing == Standing.COUNTS,
            Ballot.submitted_at.is_not(None),
        )
    )
    ballot.standing = Standing.COUNTS if counted is None else Standing.CONFLICT
    await standing_changed(session, ballot.survey_id)
    return ballot.standing


async def standing_changed(session: AsyncSession, survey_id: int) -> None:
    """Which ballots count changed: a closed survey's kept tally is computed again."""
    await session.execute(delete(KeptTally).where(KeptTally.survey_id == survey_id))
    await session.flush()


def check_unpublished(survey: Survey) -> None:
    if survey.status is SurveyStatus.PUBLISHED:
        raise Refused(Refusal.RESULT_PUBLISHED)


async def check_nothing_held(session: AsyncSession, survey: Survey) -> None:
    """Refuse to publish while a conflict or a paper ballot awaiting review is open."""
    rows = await session.execute(
        select(Ballot.standing, func.count())
        .where(Ballot.survey_id == survey.id, Ballot.standing.in_(HELD))
        .group_by(Ballot.standing)
    )
    held = {standing: count for standing, count in rows}
    if held.get(Standing.CONFLICT):
        raise Refused(Refusal.BALLOT_CONFLICTS)
    if held.get(Standing.REVIEW):
        raise Refused(Refusal.PAPER_UNREVIEWED)


@dataclass(frozen=True)
class Conflict:
    """A flat with more than one complete ballot: the one counting first, then the others."""

    household_id: int
    ballots: tuple[Ballot, ...]


async def conflicts_of(session: AsyncSession, survey: Survey) -> list[Conflict]:
    flats = select(Ballot.household_id).where(
        Ballot.survey_id == survey.id, Ballot.standing == Standing.CONFLICT
    )
    rows = await session.scalars(
        select(Ballot)
        .where(
            Ballot.survey_id == survey.id,
            Ballot.household_id.in_(flats),
            Ballot.standing.in_((Standing.COUNTS, Standing.CONFLICT)),
            Ballot.submitted_at.is_not(None),
        )
        .order_by(Ballot.household_id, Ballot.standing != Standing.COUNTS, Ballot.id)
    )
    found: dict[int, list[Ballot]] = {}
    for ballot in rows:
        assert ballot.household_id is not None
        found.setdefault(ballot.household_id, []).append(ballot)
    return [Conflict(flat, tuple(ballots)) for flat, ballots in found.items()]


async def keep_ballot(
    session: AsyncSession, survey: Survey, ballot_id: int, reason: str, member: Resident
) -> Sequence[Ballot]:
    """Resolve a flat's conflict: keep `ballot_id`, set the flat's other complete ballots aside
    with the reason. Returns the ballots set aside."""
    check_unpublished(survey)
    kept = await session.get(Ballot, ballot_id, with_for_update=True)
    if kept is None or kept.survey_id != survey.id or kept.household_id is None:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    others = (
        await session.scalars(
            select(Ballot).where(
                Ballot.survey_id == survey.id,
                Ballot.household_id == kept.household_id,
                Ballot.id != kept.id,
                Ballot.standing.in_((Standing.COUNTS, Standing.CONFLICT)),
                Ballot.submitted_at.is_not(None),
            )
        )
    ).all()
    if kept.standing not in (Standing.COUNTS, Standing.CONFLICT) or not any(
        Standing.CONFLICT in (each.standing, kept.standing) for each in others
    ):
        raise Refused(Refusal.NO_CONFLICT)
    note = printable(reason)
    kept.standing, kept.note, kept.resolved_by = Standing.COUNTS, note, member.id
    for other in others:
        other.standing, other.note, other.resolved_by = Standing.SET_ASIDE, note, member.id
    await standing_changed(session, survey.id)
    return others
