"""Where a survey's ballots came from: the counting ballots by source (chat, paper, proxy),
and those held back (paper ballots waiting for review, conflicts). One GROUP BY over the
survey's complete ballots, apart from the tally's passes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.surveys.models import Ballot, BallotSource, Standing, Survey


@dataclass(frozen=True)
class Sources:
    chat: int
    paper: int
    proxy: int
    waiting_review: int  # paper ballots handed in, not yet confirmed or rejected
    conflicts: int  # complete ballots held because their flat had one counting already
    rejected: int  # paper ballots a second member rejected

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


async def ballot_sources(session: AsyncSession, survey: Survey) -> Sources:
    rows = await session.execute(
        select(Ballot.source, Ballot.standing, func.count())
        .where(Ballot.survey_id == survey.id, Ballot.submitted_at.is_not(None))
        .group_by(Ballot.source, Ballot.standing)
    )
    found = {(source, standing): count for source, standing, count in rows}

    def counting(source: BallotSource) -> int:
        return found.get((source, Standing.COUNTS), 0)

    def held(standing: Standing) -> int:
        return sum(count for (_, each), count in found.items() if each is standing)

    return Sources(
        chat=counting(BallotSource.CHAT),
        paper=counting(BallotSource.PAPER),
        proxy=counting(BallotSource.PROXY),
        waiting_review=held(Standing.REVIEW),
        conflicts=held(Standing.CONFLICT),
        rejected=held(Standing.REJECTED),
    )
