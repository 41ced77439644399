"""What people type is stored printable wherever it enters through storage, whoever calls:
a Telegram profile name, a goods pledge, a paper input's note. A NUL would fail the write on
PostgreSQL; any control character would later fail every export that lists it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.drives.models import Pledge, PledgeKind
from storage.drives.queries import DriveTerms, PledgeTerms, create_drive, flat_share, open_drive
from storage.drives.queries import pledge as make_pledge
from storage.residents import resident_for
from storage.surveys.models import InputKind, VoteInput
from storage.surveys.queries import scope_named
from storage.surveys.vote_inputs import record_input
from surveys.drives.cost_sharing import Plan
from tests.tallies.conftest import Flat, make_survey, resident_of, vote

Sessions = async_sessionmaker[AsyncSession]


async def test_names_goods_and_notes_are_stored_printable(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        named = await resident_for(session, 4242, "王\x00五\x1b[0m")
        assert named.full_name == "王五[0m"
        again = await resident_for(session, 4242, "王五\x07")
        assert again.full_name == "王五"

        survey, ids = await make_survey(session, [Flat("1栋/1单元/101", "60.00")], vote())
        household = ids["1栋/1单元/101"]
        await record_input(session, survey, household, InputKind.OBJECTION, "纸质\x00原件")
        scope = await scope_named(session, survey.compound_id, None, None)
        terms = DriveTerms(title="粉刷", total_fen=10_000, subsidy_fen=0, plan=Plan.EQUAL)
        drive = await create_drive(session, survey.compound_id, scope, terms)
        await open_drive(session, drive)
        owner = await resident_of(session, household)
        found = await flat_share(session, owner, drive.id, household)
        await make_pledge(session, found, owner, PledgeTerms(PledgeKind.GOODS, goods="水泥\x00"))
    async with sessions() as session:
        assert await session.scalar(select(VoteInput.text)) == "纸质原件"
        assert await session.scalar(select(Pledge.goods)) == "水泥"
