"""Proxies (委托): an owner names another resident linked to the flat to vote for it, for one
survey or for every survey until a date. The proxy answers a ballot of its own (source
"proxy"), under the one-flat-one-ballot rule of `storage.surveys.standing`. A proxy can be
withdrawn until the proxy has voted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Membership, MembershipStatus, Resident, Role, utcnow
from storage.refusals import Refusal, Refused
from storage.surveys.models import (
    Ballot,
    BallotSource,
    EligibleFlat,
    Proxy,
    Standing,
    Survey,
    SurveyStatus,
)
from storage.surveys.queries import check_open, definition_of
from storage.surveys.standing import standing_changed
from surveys.voting.schema import SurveyKind


async def _membership(
    session: AsyncSession, resident_id: int, household_id: int
) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.resident_id == resident_id,
            Membership.household_id == household_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


async def _check_grantor(session: AsyncSession, proxy: Proxy, survey: Survey) -> None:
    """In a formal vote a proxy votes only for an owner whose ownership the committee has
    confirmed, as the owner would; an owner who left the flat no longer has a proxy."""
    granting = await _membership(session, proxy.granted_by, proxy.household_id)
    if granting is None or granting.role is not Role.OWNER:
        raise Refused(Refusal.PROXY_WITHDRAWN)
    vote = definition_of(survey.definition).kind is SurveyKind.VOTE
    if vote and not granting.owner_confirmed:
        raise Refused(Refusal.OWNER_UNCONFIRMED)


async def owned_flats(session: AsyncSession, owner: Resident) -> list[int]:
    """The flats the resident is a linked owner of: those they may name a proxy for."""
    found = await session.scalars(
        select(Membership.household_id)
        .where(
            Membership.resident_id == owner.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role == Role.OWNER,
        )
        .order_by(Membership.id)
    )
    return list(found)


async def candidates(session: AsyncSession, owner: Resident, household_id: int) -> list[Resident]:
    """The other residents linked to the flat, whom the owner may name."""
    found = await session.scalars(
        select(Resident)
        .join(Membership, Membership.resident_id == Resident.id)
        .where(
            Membership.household_id == household_id,
            Membership.status == MembershipStatus.ACTIVE,
            Resident.id != owner.id,
        )
        .order_by(Membership.id)
    )
    return list(found)


async def open_surveys_of_flat(session: AsyncSession, household_id: int) -> Sequence[Survey]:
    found = await session.scalars(
        select(Survey)
        .join(EligibleFlat, EligibleFlat.survey_id == Survey.id)
        .where(EligibleFlat.household_id == household_id, Survey.status == SurveyStatus.OPEN)
        .order_by(Survey.id)
    )
    return [survey for survey in found.all() if _is_open(survey)]


def _is_open(survey: Survey) -> bool:
    try:
        check_open(survey)
    except Refused:
        return False
    return True


async def name_proxy(
    session: AsyncSession,
    owner: Resident,
    household_id: int,
    proxy_resident_id: int,
    *,
    survey_id: int | None = None,
    until: datetime | None = None,
) -> Proxy:
    """Record the owner's proxy: for one open survey of the flat, or until a date."""
    assert (survey_id is None) != (until is None)
    membership = await _membership(session, owner.id, household_id)
    if membership is None or membership.role is not Role.OWNER:
        raise Refused(Refusal.NOT_OWNER)
    if proxy_resident_id == owner.id or (
        await _membership(session, proxy_resident_id, household_id) is None
    ):
        raise Refused(Refusal.NOT_ELIGIBLE)
    if survey_id is not None:
        survey = await session.get(Survey, survey_id)
        if survey is None or await session.get(EligibleFlat, (survey_id, household_id)) is None:
            raise Refused(Refusal.NOT_ELIGIBLE)
        check_open(survey)
    elif until is not None and until <= utcnow():
        raise Refused(Refusal.PROXY_EXPIRED)
    proxy = Proxy(
        household_id=household_id,
        proxy_resident_id=proxy_resident_id,
        granted_by=owner.id,
        survey_id=survey_id,
        until=until,
        owner_name=owner.full_name,
    )
    session.add(proxy)
    await session.flush()
    return proxy


def covers(proxy: Proxy, survey: Survey, now: datetime) -> bool:
    """Whether the proxy holds for the survey now."""
    if proxy.withdrawn_at is not None:
        return False
    if proxy.survey_id is not None:
        return proxy.survey_id == survey.id
    return proxy.until is not None and proxy.until > now


async def held_by(session: AsyncSession, resident: Resident) -> list[tuple[Proxy, Survey]]:
    """Each open survey the resident may vote in as someone's proxy, with the proxy."""
    proxies = await session.scalars(
        select(Proxy)
        .where(Proxy.proxy_resident_id == resident.id, Proxy.withdrawn_at.is_(None))
        .order_by(Proxy.id)
    )
    now, found = utcnow(), []
    for proxy in proxies:
        for survey in await open_surveys_of_flat(session, proxy.household_id):
            if covers(proxy, survey, now):
                found.append((proxy, survey))
    return found


async def granted_by(session: AsyncSession, owner: Resident) -> Sequence[Proxy]:
    found = await session.scalars(
        select(Proxy)
        .where(Proxy.granted_by == owner.id, Proxy.withdrawn_at.is_(None))
        .order_by(Proxy.id)
    )
    return found.all()


async def proxy_ballot(
    session: AsyncSession, survey: Survey, resident: Resident, proxy_id: int
) -> tuple[Proxy, Ballot]:
    """The ballot the proxy answers for the flat: created on first use."""
    check_open(survey)
    proxy = await session.get(Proxy, proxy_id)
    if proxy is None or proxy.proxy_resident_id != resident.id:
        raise Refused(Refusal.NOT_ELIGIBLE)
    if not covers(proxy, survey, utcnow()):
        raise Refused(Refusal.PROXY_WITHDRAWN)
    await _check_grantor(session, proxy, survey)
    flat = await session.get(EligibleFlat, (survey.id, proxy.household_id))
    if flat is None:
        raise Refused(Refusal.NOT_ELIGIBLE)
    respondent = f"x:{proxy.household_id}:{proxy.id}"
    found = await session.scalar(
        select(Ballot).where(Ballot.survey_id == survey.id, Ballot.respondent == respondent)
    )
    if found is not None:
        return proxy, found
    ballot = Ballot.of_flat(
        flat, respondent, resident.id, source=BallotSource.PROXY, proxy_id=proxy.id
    )
    session.add(ballot)
    await session.flush()
    return proxy, ballot


async def check_proxy(session: AsyncSession, ballot: Ballot, resident: Resident) -> None:
    """Only the proxy answers a proxy ballot, and only while the proxy holds."""
    proxy = await session.get(Proxy, ballot.proxy_id)
    survey = await session.get_one(Survey, ballot.survey_id)
    if proxy is None or proxy.proxy_resident_id != resident.id:
        raise Refused(Refusal.NOT_ELIGIBLE)
    if not covers(proxy, survey, utcnow()) or ballot.standing is Standing.SET_ASIDE:
        raise Refused(Refusal.PROXY_WITHDRAWN)
    await _check_grantor(session, proxy, survey)


async def withdraw(session: AsyncSession, owner: Resident, proxy_id: int) -> Proxy:
    """Withdraw a proxy the owner named, unless the proxy has voted with it; a ballot the
    proxy had begun is set aside."""
    proxy = await session.get(Proxy, proxy_id, with_for_update=True)
    if proxy is None or proxy.granted_by != owner.id:
        raise Refused(Refusal.NOT_OWNER)
    if proxy.withdrawn_at is not None:
        raise Refused(Refusal.PROXY_WITHDRAWN)
    begun = (
        await session.scalars(select(Ballot).where(Ballot.proxy_id == proxy.id).with_for_update())
    ).all()
    if any(ballot.submitted_at is not None for ballot in begun):
        raise Refused(Refusal.PROXY_VOTED)
    proxy.withdrawn_at = utcnow()
    for ballot in begun:
        ballot.standing, ballot.note = Standing.SET_ASIDE, "proxy withdrawn"
        await standing_changed(session, ballot.survey_id)
    await session.flush()
    return proxy
