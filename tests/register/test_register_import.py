"""Importing the register into the database, on SQLite and PostgreSQL."""

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.register_file import read_register_file
from storage.joining.register import ImportReport, MissingFlat, import_register
from storage.models import (
    Base,
    Building,
    Compound,
    Household,
    Membership,
    MembershipStatus,
    Resident,
    Role,
    Unit,
    Verification,
)
from storage.surveys.models import Ballot, ScopeKind, Survey
from surveys.joining.register import RegisterError, RegisterFlat, parse_register_sheets

Sessions = async_sessionmaker[AsyncSession]


def flat(building: str, unit: str, room: str, area: str = "89.37") -> RegisterFlat:
    return RegisterFlat(building, unit, int(room[0]), room, Decimal(area), None, False)


REGISTER = [
    flat("1栋", "1单元", "101"),
    flat("1栋", "1单元", "102", "72.50"),
    flat("1栋", "2单元", "101"),
    replace(flat("2栋", "1单元", "101"), owner_key="P-9"),
    replace(flat("2栋", "1单元", "201"), owner_key="P-9"),
    replace(flat("2栋", "1单元", "202"), developer_held=True),
]


async def imported(sessions: Sessions, flats: list[RegisterFlat], **retire: bool) -> ImportReport:
    async with sessions.begin() as session:
        return await import_register(session, "幸福里", flats, **retire)


async def households(sessions: Sessions) -> dict[tuple[str, str, str], Household]:
    async with sessions() as session:
        rows = await session.execute(
            select(Building.name, Unit.name, Household)
            .join(Unit, Household.unit_id == Unit.id)
            .join(Building, Unit.building_id == Building.id)
        )
        return {(building, unit, h.room): h for building, unit, h in rows}


async def row_counts(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


async def link_resident(
    sessions: Sessions, household_id: int, status: MembershipStatus = MembershipStatus.ACTIVE
) -> int:
    async with sessions.begin() as session:
        unused_telegram_id = await session.scalar(select(func.count(Resident.id)))
        resident = Resident(telegram_id=unused_telegram_id)
        membership = Membership(
            resident=resident,
            household_id=household_id,
            role=Role.OWNER,
            status=status,
            verified_by=Verification.FLAT_CODE,
        )
        session.add(membership)
        await session.flush()
        return membership.id


async def test_first_import_creates_compound_buildings_units_and_households(
    sessions: Sessions,
) -> None:
    report = await imported(sessions, REGISTER)

    assert report == ImportReport(created=6)
    counts = await row_counts(sessions)
    assert (counts["compounds"], counts["buildings"], counts["units"]) == (1, 2, 3)
    stored = await households(sessions)
    assert sorted(stored) == sorted(f.key for f in REGISTER)
    for register_flat in REGISTER:
        household = stored[register_flat.key]
        assert household.floor == register_flat.floor
        assert household.area == register_flat.area
        assert household.owner_key == register_flat.owner_key
        assert household.developer_held is register_flat.developer_held
        assert household.retired_at is None
    async with sessions() as session:
        units = await session.execute(select(Unit.id, Unit.building_id))
        building_of_unit = dict(units.all())
    assert all(h.building_id == building_of_unit[h.unit_id] for h in stored.values())
    assert len({h.compound_id for h in stored.values()}) == 1


async def test_reimport_updates_creates_and_retires_exactly_what_changed(
    sessions: Sessions,
) -> None:
    await imported(sessions, REGISTER)
    before = await households(sessions)
    changed_key, missing_key = REGISTER[0].key, REGISTER[2].key
    on_changed = await link_resident(sessions, before[changed_key].id)
    await link_resident(sessions, before[missing_key].id, MembershipStatus.REJECTED)

    new_flat = flat("2栋", "2单元", "301")
    again = [replace(REGISTER[0], area=Decimal("90.01")), REGISTER[1], *REGISTER[3:], new_flat]
    report = await imported(sessions, again, retire_missing=True)

    # A rejected claim is no link: the flat is retired.
    missing = MissingFlat("1栋", "2单元", "101", residents=0, ballots=0)
    assert report == ImportReport(created=1, updated=1, unchanged=4, retired=1, missing=[missing])
    after = await households(sessions)
    assert after[changed_key].id == before[changed_key].id
    assert after[changed_key].area == Decimal("90.01")
    assert after[missing_key].id == before[missing_key].id  # retired, not deleted
    assert after[missing_key].retired_at is not None
    assert [key for key, h in after.items() if h.retired_at is not None] == [missing_key]
    assert after[new_flat.key].retired_at is None
    for key in (REGISTER[1].key, REGISTER[3].key):
        assert after[key].id == before[key].id
    async with sessions() as session:
        membership = await session.get(Membership, on_changed)
    assert membership is not None
    assert membership.household_id == before[changed_key].id


async def test_a_partial_register_retires_nothing_unless_asked(sessions: Sessions) -> None:
    await imported(sessions, REGISTER)
    report = await imported(sessions, REGISTER[3:])
    assert (report.unchanged, report.retired, len(report.missing)) == (3, 0, 3)
    assert report.kept == report.missing
    assert all(h.retired_at is None for h in (await households(sessions)).values())


async def test_flats_with_residents_or_ballots_are_kept_unless_forced(sessions: Sessions) -> None:
    await imported(sessions, REGISTER)
    stored = await households(sessions)
    await link_resident(sessions, stored[REGISTER[0].key].id)
    await link_resident(sessions, stored[REGISTER[1].key].id, MembershipStatus.PENDING)
    async with sessions.begin() as session:
        [[compound_id]] = (await session.execute(select(Compound.id))).all()
        survey = Survey(
            compound_id=compound_id, definition="", title="t", scope_kind=ScopeKind.COMPOUND
        )
        resident = Resident(telegram_id=999)
        session.add_all([survey, resident])
        await session.flush()
        ballot = Ballot(
            survey_id=survey.id,
            respondent=f"h:{stored[REGISTER[2].key].id}",
            household_id=stored[REGISTER[2].key].id,
            resident_id=resident.id,
        )
        session.add(ballot)

    report = await imported(sessions, REGISTER[3:], retire_missing=True)
    assert report.retired == 0
    assert report.kept == [
        MissingFlat("1栋", "1单元", "101", residents=1, ballots=0),
        MissingFlat("1栋", "1单元", "102", residents=1, ballots=0),
        MissingFlat("1栋", "2单元", "101", residents=0, ballots=1),
    ]
    forced = await imported(sessions, REGISTER[3:], retire_missing=True, retire_linked=True)
    assert (forced.retired, forced.kept) == (3, [])
    retired = [key for key, h in (await households(sessions)).items() if h.retired_at]
    assert sorted(retired) == sorted(flat.key for flat in REGISTER[:3])


async def test_a_flat_that_reappears_is_reactivated_in_place(sessions: Sessions) -> None:
    await imported(sessions, REGISTER)
    first_id = (await households(sessions))[REGISTER[5].key].id
    await imported(sessions, REGISTER[:5], retire_missing=True)

    back = replace(REGISTER[5], developer_held=False, owner_key="P-10")
    assert await imported(sessions, [*REGISTER[:5], back]) == ImportReport(
        unchanged=5, reactivated=1
    )
    household = (await households(sessions))[back.key]
    assert (household.id, household.retired_at) == (first_id, None)
    assert (household.owner_key, household.developer_held) == ("P-10", False)
    # Already retired and still absent: neither retired again nor counted.
    await imported(sessions, REGISTER[:5], retire_missing=True)
    assert (await imported(sessions, REGISTER[:5], retire_missing=True)).retired == 0


async def test_other_compounds_are_left_alone(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await import_register(session, "向阳小区", REGISTER)
    await imported(sessions, REGISTER[:1], retire_missing=True)
    async with sessions() as session:
        other = await session.scalar(select(Compound.id).where(Compound.name == "向阳小区"))
        retired = await session.scalar(
            select(func.count())
            .select_from(Household)
            .where(Household.compound_id == other, Household.retired_at.is_not(None))
        )
    assert retired == 0


async def test_a_malformed_register_writes_nothing(sessions: Sessions, tmp_path: Path) -> None:
    await imported(sessions, REGISTER)
    before = await row_counts(sessions)
    # Good rows first: an import that wrote as it read would have written these.
    path = tmp_path / "register.csv"
    path.write_text(
        "楼栋,单元,楼层,房号,面积\n9栋,1单元,1,101,89.37\n9栋,1单元,1,102,89.37\n9栋,1单元,1,103,abc\n",
        encoding="utf-8",
    )

    with pytest.raises(RegisterError):
        async with sessions.begin() as session:  # as the import command runs it
            await import_register(
                session, "幸福里", parse_register_sheets(read_register_file(path))
            )

    assert await row_counts(sessions) == before


async def test_the_caller_owns_the_transaction(sessions: Sessions) -> None:
    async with sessions() as session:
        await import_register(session, "幸福里", REGISTER)
        await session.rollback()
    assert set((await row_counts(sessions)).values()) == {0}


async def test_an_empty_register_is_refused_before_retiring_everything(
    sessions: Sessions,
) -> None:
    await imported(sessions, REGISTER)
    with pytest.raises(ValueError, match="empty register"):
        await imported(sessions, [])
    assert all(h.retired_at is None for h in (await households(sessions)).values())


async def test_control_characters_in_a_register_file_are_removed_before_storing(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes(
        "楼栋,单元,楼层,房号,面积,业主编号\n9栋\x00,1单元\x1b,1,101\x07,89.37,A\x001\n".encode()
    )
    async with sessions.begin() as session:
        await import_register(session, "幸福里", parse_register_sheets(read_register_file(path)))
    [(place, flat)] = (await households(sessions)).items()
    assert place == ("9栋", "1单元", "101") and flat.owner_key == "A1"
