"""Paper ballots: a committee member enters a flat's signed sheet with the same questions and
buttons as the owner's chat ballot, hands it in with a photo of the sheet, and a second
member confirms or rejects it. Only a confirmed paper ballot counts (unless the survey sets
``paper_review: none``), under the one-flat-one-ballot rule of `storage.surveys.standing`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Membership, MembershipStatus, Resident, utcnow
from storage.refusals import Refusal, Refused
from storage.surveys.models import Ballot, BallotSource, EligibleFlat, Standing, Survey
from storage.surveys.queries import check_open, definition_of
from storage.surveys.standing import check_unpublished, settle
from surveys.text import printable
from surveys.voting.schema import AnswerPer, PaperReview, SurveyKind

# A flat's paper ballot in one of these stands for it: no second one is entered.
_STANDING_FOR_FLAT = (Standing.ENTRY, Standing.REVIEW, Standing.COUNTS, Standing.CONFLICT)


async def start_paper_ballot(
    session: AsyncSession, survey: Survey, household_id: int, member: Resident
) -> Ballot:
    """The paper ballot `member` enters for an eligible flat: created, or the one they were
    entering. Refused while another stands for the flat (rejected ones do not)."""
    check_open(survey)
    if definition_of(survey.definition).answer_per is not AnswerPer.FLAT:
        raise Refused(Refusal.PER_FLAT_ONLY)
    flat = await session.get(EligibleFlat, (survey.id, household_id), with_for_update=True)
    if flat is None:
        raise Refused(Refusal.NOT_ELIGIBLE)
    existing = await session.scalar(
        select(Ballot).where(
            Ballot.survey_id == survey.id,
            Ballot.household_id == household_id,
            Ballot.source == BallotSource.PAPER,
            Ballot.standing.in_(_STANDING_FOR_FLAT),
        )
    )
    if existing is not None:
        if existing.standing is Standing.ENTRY and existing.entered_by == member.id:
            return existing
        raise Refused(Refusal.PAPER_EXISTS)
    # Several paper ballots of a flat may exist (a rejected one, then its correction).
    respondent = f"p:{household_id}:{secrets.token_hex(6)}"
    ballot = Ballot.of_flat(
        flat,
        respondent,
        member.id,
        entered_by=member.id,
        source=BallotSource.PAPER,
        standing=Standing.ENTRY,
    )
    session.add(ballot)
    await session.flush()
    return ballot


def check_entering(ballot: Ballot, resident: Resident) -> None:
    """Only the member entering a paper ballot answers it, and only until it is handed in."""
    if ballot.entered_by != resident.id:
        raise Refused(Refusal.NOT_ELIGIBLE)
    if ballot.standing is not Standing.ENTRY:
        raise Refused(Refusal.PAPER_HANDED_IN)


async def hand_in(
    session: AsyncSession, survey: Survey, ballot: Ballot, member: Resident, photo: str | None
) -> Standing:
    """Hand in a fully entered paper ballot with the photo of its signed sheet (required for a
    formal vote): it waits for review, or under ``paper_review: none`` is settled at once."""
    check_open(survey)
    check_entering(ballot, member)
    definition = definition_of(survey.definition)
    if ballot.submitted_at is None:
        raise Refused(Refusal.PAPER_HANDED_IN)  # not reachable from the buttons: all answered
    if photo is None and definition.kind is SurveyKind.VOTE:
        raise Refused(Refusal.PHOTO_NEEDED)
    ballot.photo_file_id = photo
    ballot.updated_at = utcnow()
    if definition.paper_review is PaperReview.NONE:
        return await settle(session, ballot)
    ballot.standing = Standing.REVIEW
    await session.flush()
    return ballot.standing


async def paper_ballot(session: AsyncSession, ballot_id: int) -> tuple[Survey, Ballot]:
    """A paper ballot a review button names, with its row lock, and its survey."""
    ballot = await session.get(Ballot, ballot_id, with_for_update=True)
    if ballot is None or ballot.source is not BallotSource.PAPER:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    return await session.get_one(Survey, ballot.survey_id), ballot


async def review(
    session: AsyncSession,
    survey: Survey,
    ballot: Ballot,
    member: Resident,
    *,
    confirmed: bool,
    reason: str = "",
) -> Standing:
    """A second member confirms a paper ballot (it then counts, or is a conflict) or rejects
    it with a reason (it never counts). Allowed after the close, until the result is
    published."""
    check_unpublished(survey)
    if ballot.standing is not Standing.REVIEW:
        raise Refused(Refusal.NOT_IN_REVIEW)
    if ballot.entered_by == member.id:
        raise Refused(Refusal.SECOND_MEMBER)
    ballot.confirmed_by = member.id
    if confirmed:
        return await settle(session, ballot)
    ballot.standing, ballot.note = Standing.REJECTED, printable(reason)
    await session.flush()
    return ballot.standing


async def waiting_review(session: AsyncSession, survey: Survey) -> Sequence[Ballot]:
    result = await session.scalars(
        select(Ballot)
        .where(Ballot.survey_id == survey.id, Ballot.standing == Standing.REVIEW)
        .order_by(Ballot.id)
    )
    return result.all()


async def flat_members(session: AsyncSession, household_id: int) -> list[tuple[int, str | None]]:
    """(Telegram id, language) of the flat's linked residents: told of a paper ballot entered
    for their flat, so that a forged one is noticed."""
    rows = await session.execute(
        select(Resident.telegram_id, Resident.language)
        .join(Membership, Membership.resident_id == Resident.id)
        .where(
            Membership.household_id == household_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    return [(telegram_id, language) for telegram_id, language in rows]
