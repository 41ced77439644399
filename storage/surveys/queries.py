"""Surveys and votes in the database: creating and opening them (fixing who may answer),
finding a resident's ballot, recording answers with their audit trail, closing, publishing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Building,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Unit,
    utcnow,
)
from storage.refusals import NotFound, Refusal, Refused
from storage.residents import confirmed_owner, is_confirmed_owner
from storage.surveys.models import (
    Ballot,
    EligibleFlat,
    ScopeKind,
    ScopeUnit,
    Standing,
    Survey,
    SurveyStatus,
)
from storage.surveys.standing import check_nothing_held
from surveys.voting.schema import (
    AnswerPer,
    ResultsVisibility,
    SurveyDefinition,
    SurveyKind,
    load_definition,
)

# Who answers for a flat: the member the committee designated, else the earliest to join.
RESPONDENT_FIRST = (Membership.answers_for_flat.desc(), Membership.id)


@lru_cache(maxsize=256)
def definition_of(text: str) -> SurveyDefinition:
    """The parsed definition; a stored one was validated when the survey was created."""
    return load_definition(text)


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    building_id: int | None = None
    unit_id: int | None = None


async def scope_named(
    session: AsyncSession, compound_id: int, building: str | None, unit: str | None
) -> Scope:
    """The scope a committee names: the compound, a building, or a unit of a building."""
    if building is None:
        if unit is not None:
            raise LookupError("name the building of the unit too")
        return Scope(ScopeKind.COMPOUND)
    found = await session.scalar(
        select(Building).where(Building.compound_id == compound_id, Building.name == building)
    )
    if found is None:
        raise NotFound("no building is named {building!r} in this compound", building=building)
    if unit is None:
        return Scope(ScopeKind.BUILDING, building_id=found.id)
    unit_id = await session.scalar(
        select(Unit.id).where(Unit.building_id == found.id, Unit.name == unit)
    )
    if unit_id is None:
        raise NotFound(
            "no unit is named {unit!r} in building {building!r}", unit=unit, building=building
        )
    return Scope(ScopeKind.UNIT, building_id=found.id, unit_id=unit_id)


async def create_survey(
    session: AsyncSession, compound_id: int, definition_text: str, scope: Scope
) -> Survey:
    definition = definition_of(definition_text)
    survey = Survey(
        compound_id=compound_id,
        definition=definition_text,
        title=definition.title.zh_CN[:200],
        scope_kind=scope.kind,
        scope_building_id=scope.building_id,
        scope_unit_id=scope.unit_id,
        status=SurveyStatus.DRAFT,
    )
    session.add(survey)
    await session.flush()
    return survey


def _head() -> object:
    """The owner head of a flat, as in surveys.voting.decision.tally: the developer's flats are one
    head, the flats of one owner key one head, any other flat its own."""
    return case(
        (Household.developer_held, literal("d")),
        (Household.owner_key.is_not(None), literal("o:") + Household.owner_key),
        else_=literal("f:") + cast(Household.id, String),
    )


async def open_survey(
    session: AsyncSession, survey: Survey, closes_at: datetime | None = None
) -> int:
    """Fix the eligible flats from the register, with the figures a tally counts them by, and
    the scope's totals; open the survey; return how many flats."""
    if survey.status is not SurveyStatus.DRAFT:
        raise Refused(Refusal.SURVEY_NOT_DRAFT)
    now = utcnow()
    head = _head()
    in_scope = select(
        literal(survey.id),
        Household.id,
        Household.building_id,
        Household.unit_id,
        Household.area,
        head,
        cast(func.round(Household.area * 100), BigInteger),
        func.min(Household.id).over(partition_by=head),
        func.count().over(partition_by=head) > 1,
    ).where(Household.compound_id == survey.compound_id, Household.retired_at.is_(None))
    if survey.scope_building_id is not None:
        in_scope = in_scope.where(Household.building_id == survey.scope_building_id)
    if survey.scope_unit_id is not None:
        in_scope = in_scope.where(Household.unit_id == survey.scope_unit_id)
    columns = ["survey_id", "household_id", "building_id", "unit_id", "area", "head"]
    columns += ["cents", "head_id", "shared"]
    await session.execute(insert(EligibleFlat).from_select(columns, in_scope))
    flats, cents, heads = (
        await session.execute(
            select(
                func.count(),
                func.sum(EligibleFlat.cents),
                func.count(EligibleFlat.head_id.distinct()),
            ).where(EligibleFlat.survey_id == survey.id)
        )
    ).one()
    survey.scope_flats, survey.scope_cents, survey.scope_heads = flats, int(cents or 0), heads
    per_unit = select(literal(survey.id), EligibleFlat.unit_id, func.count())
    per_unit = per_unit.where(EligibleFlat.survey_id == survey.id).group_by(EligibleFlat.unit_id)
    await session.execute(
        insert(ScopeUnit).from_select(["survey_id", "unit_id", "flats"], per_unit)
    )
    survey.status = SurveyStatus.OPEN
    survey.opened_at = now
    days = definition_of(survey.definition).closes_after_days
    survey.closes_at = closes_at or now + timedelta(days=days)
    await session.flush()
    return int(flats)


def answering(definition: SurveyDefinition) -> ColumnElement[bool]:
    """The members who may answer, as a condition on Membership: in a formal vote only the
    owners whose ownership is confirmed (a flat code proves the flat, not the ownership);
    in an opinion survey every active member of a role its audience names."""
    if definition.kind is SurveyKind.VOTE:
        return confirmed_owner()
    return and_(
        Membership.status == MembershipStatus.ACTIVE, Membership.role.in_(definition.audience)
    )


def may_answer(definition: SurveyDefinition, membership: Membership) -> bool:
    """`answering` for a membership at hand."""
    if definition.kind is SurveyKind.VOTE:
        return is_confirmed_owner(membership)
    return membership.status is MembershipStatus.ACTIVE and membership.role in definition.audience


@dataclass(frozen=True)
class Invitation:
    """Whom to tell that a survey opened, and for which flat they answer (None: themselves).
    `unconfirmed`: an owner whose ownership the committee has not confirmed yet, in a formal
    vote for a flat without a confirmed owner: told that they can vote once it is."""

    telegram_id: int
    language: str | None
    household_id: int | None
    unconfirmed: bool = False


async def invitations(session: AsyncSession, survey: Survey) -> list[Invitation]:
    """Everyone who may answer: per flat, the flat's respondent (or, in a formal vote, its
    first owner still to be confirmed); per person, each member."""
    definition = definition_of(survey.definition)
    vote = definition.kind is SurveyKind.VOTE
    rows = await session.execute(
        select(
            Resident.telegram_id,
            Resident.language,
            Membership.household_id,
            Membership.owner_confirmed,
        )
        .join(Membership, Membership.resident_id == Resident.id)
        .join(
            EligibleFlat,
            (EligibleFlat.household_id == Membership.household_id)
            & (EligibleFlat.survey_id == survey.id),
        )
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(definition.audience),  # a vote's: owners only
        )
        .order_by(Membership.household_id, *RESPONDENT_FIRST)
    )
    if definition.answer_per is AnswerPer.PERSON:
        seen: set[int] = set()
        people = []
        for telegram_id, language, _, _ in rows:
            if telegram_id not in seen:
                seen.add(telegram_id)
                people.append(Invitation(telegram_id, language, None))
        return people
    first_of_flat: dict[int, Invitation] = {}
    for telegram_id, language, household_id, confirmed in rows:
        invitation = Invitation(telegram_id, language, household_id, vote and not confirmed)
        known = first_of_flat.get(household_id)
        if known is None or (known.unconfirmed and not invitation.unconfirmed):
            first_of_flat[household_id] = invitation
    return list(first_of_flat.values())


async def open_invitations_of(
    session: AsyncSession, resident: Resident, limit: int = 10
) -> list[tuple[Survey, Invitation]]:
    """The open surveys of the resident's flats that the resident answers (for their flat, or
    for themselves), oldest first: what /surveys offers a resident."""
    now = utcnow()
    surveys = await session.scalars(
        select(Survey)
        .join(EligibleFlat, EligibleFlat.survey_id == Survey.id)
        .join(Membership, Membership.household_id == EligibleFlat.household_id)
        .where(
            Membership.resident_id == resident.id,
            Membership.status == MembershipStatus.ACTIVE,
            Survey.status == SurveyStatus.OPEN,
            (Survey.closes_at.is_(None)) | (Survey.closes_at > now),
        )
        .distinct()
        .order_by(Survey.id)
        .limit(limit)
    )
    found = []
    for survey in surveys.all():
        for invitation in await invitations(session, survey):
            if invitation.telegram_id == resident.telegram_id:
                found.append((survey, invitation))
    return found


async def open_survey_of(session: AsyncSession, survey_id: int) -> Survey:
    """The survey a button or command names, if it is open for answers now."""
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    check_open(survey)
    return survey


def check_open(survey: Survey) -> None:
    if survey.status is not SurveyStatus.OPEN or (
        survey.closes_at is not None and survey.closes_at <= utcnow()
    ):
        raise Refused(Refusal.SURVEY_CLOSED)


async def close_survey(session: AsyncSession, survey: Survey) -> None:
    if survey.status is not SurveyStatus.OPEN:
        raise Refused(Refusal.SURVEY_NOT_OPEN)
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = utcnow()
    await session.flush()


async def publish_survey(session: AsyncSession, survey: Survey) -> None:
    """Publish the result (公示) and open the window for objections."""
    if survey.status is not SurveyStatus.CLOSED:
        raise Refused(Refusal.SURVEY_NOT_CLOSED)
    await check_nothing_held(session, survey)  # one flat, one ballot, every paper one reviewed
    now = utcnow()
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = now
    survey.objections_until = now + timedelta(days=definition_of(survey.definition).objection_days)
    await session.flush()


async def surveys_of(session: AsyncSession, compound_ids: Sequence[int]) -> Sequence[Survey]:
    result = await session.scalars(
        select(Survey).where(Survey.compound_id.in_(compound_ids)).order_by(Survey.id.desc())
    )
    return result.all()


async def member_flat(session: AsyncSession, resident: Resident, survey: Survey) -> int | None:
    """The resident's confirmed flat in the survey's scope (the first, if several)."""
    return await session.scalar(
        select(Membership.household_id)
        .join(
            EligibleFlat,
            (EligibleFlat.household_id == Membership.household_id)
            & (EligibleFlat.survey_id == survey.id),
        )
        .where(Membership.resident_id == resident.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)
        .limit(1)
    )


async def results_for_resident(session: AsyncSession, resident: Resident, survey_id: int) -> Survey:
    """The survey whose results this resident may read now: theirs (a flat in its scope), and
    either closed or showing its results live, as its definition says."""
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.status is SurveyStatus.DRAFT:
        raise Refused(Refusal.UNKNOWN_SURVEY)
    if await member_flat(session, resident, survey) is None:
        raise Refused(Refusal.NOT_ELIGIBLE)
    live = definition_of(survey.definition).results_visible is ResultsVisibility.LIVE
    if survey.status is SurveyStatus.OPEN and not live:
        raise Refused(Refusal.RESULTS_HIDDEN)
    return survey


async def numbered_survey(session: AsyncSession, number: int) -> Survey:
    """The survey an operator names on the command line."""
    survey = await session.get(Survey, number)
    if survey is None:
        raise LookupError(f"there is no survey #{number}")
    return survey


async def survey_for_committee(
    session: AsyncSession, compounds: Sequence[int], survey_id: int
) -> Survey:
    """The survey a committee command names, if it is of one of the member's `compounds`."""
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.compound_id not in compounds:
        raise Refused(Refusal.NOT_COMMITTEE)
    return survey


@dataclass(frozen=True)
class Turnout:
    eligible: int
    submitted: int


async def turnout(session: AsyncSession, survey: Survey) -> Turnout:
    eligible = await session.scalar(
        select(func.count()).select_from(EligibleFlat).where(EligibleFlat.survey_id == survey.id)
    )
    submitted = await session.scalar(
        select(func.count())
        .select_from(Ballot)
        .where(
            Ballot.survey_id == survey.id,
            Ballot.submitted_at.is_not(None),
            Ballot.standing == Standing.COUNTS,
        )
    )
    return Turnout(int(eligible or 0), int(submitted or 0))


async def eligible_residents(session: AsyncSession, survey: Survey) -> list[tuple[int, str | None]]:
    """(Telegram id, language) of every confirmed member of an eligible flat, whatever their
    role: everyone bound by the result is told it."""
    rows = await session.execute(
        select(Resident.telegram_id, Resident.language)
        .join(Membership, Membership.resident_id == Resident.id)
        .join(
            EligibleFlat,
            (EligibleFlat.household_id == Membership.household_id)
            & (EligibleFlat.survey_id == survey.id),
        )
        .where(Membership.status == MembershipStatus.ACTIVE)
        .distinct()
    )
    return [(telegram_id, language) for telegram_id, language in rows]


async def open_surveys_of_resident(session: AsyncSession, resident: Resident) -> Sequence[Survey]:
    """The open surveys with one of the resident's confirmed flats in their scope (whether the
    resident may answer for it, `ballot_for` says)."""
    result = await session.scalars(
        select(Survey)
        .join(EligibleFlat, EligibleFlat.survey_id == Survey.id)
        .join(Membership, Membership.household_id == EligibleFlat.household_id)
        .where(
            Survey.status == SurveyStatus.OPEN,
            Membership.resident_id == resident.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .distinct()
        .order_by(Survey.id.desc())
    )
    return result.all()
