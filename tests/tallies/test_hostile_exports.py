"""Every spreadsheet the committee gets holds outside text as text: a complaint, a text
answer, a goods pledge, a name or a building that reads like a formula stays a string that
Excel will not evaluate, and a control character stored before it was filtered out cannot
stop an export. Numbers we compute stay numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from zipfile import ZipFile
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.records_xlsx import complaints_xlsx, ledger_xlsx
from bot.documents.reports import export_xlsx
from storage.complaints.queries import complaint_rows, start_draft, submit
from storage.drives.ledger import drive_ledger
from storage.drives.models import PledgeKind
from storage.drives.queries import (
    DriveTerms,
    PledgeTerms,
    create_drive,
    flat_share,
    open_drive,
    pledge,
)
from storage.surveys.ballots import ballot_for, record_answer
from storage.surveys.models import InputKind
from storage.surveys.queries import definition_of, scope_named
from storage.surveys.records import survey_records
from storage.surveys.tallies import tally_survey
from storage.surveys.vote_inputs import record_input
from surveys.complaints.rules import Category, ComplaintLimits
from surveys.drives.cost_sharing import Plan
from tests.tallies.conftest import Flat, answer, make_survey, resident_of

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEADS = ("=", "+", "-", "@", "\t", "\r")
LINK = '=HYPERLINK("http://evil.example","点此查看")'
CALC = "=cmd|' /C calc'!A0"
BUILDING, UNIT, ROOM, OWNER = "=1+1", "-2单元", "@SUM(A1)", "+86 138"
FLATS = [Flat(f"{BUILDING}/{UNIT}/{ROOM}", "80.25", owner=OWNER), Flat("3栋/1单元/101", "60.00")]
DEFINITION = """
kind: opinion
title: 意见征询
ballots: named
questions:
  - id: pick
    type: single
    text: 选哪个？
    options: [{id: a, text: "=1+2"}, {id: b, text: "@A1"}]
  - id: remarks
    type: text
    required: false
    text: 其他意见？
"""


def inert_texts(workbook: bytes) -> list[str]:
    """Every string cell of the workbook, after checking that no cell is a formula and that
    each text Excel could read as one is marked as text (quotePrefix)."""
    with ZipFile(BytesIO(workbook)) as files:
        for name in files.namelist():
            if name.startswith("xl/worksheets/"):
                xml = files.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, f"a formula in {name}"
    texts = []
    for sheet in load_workbook(BytesIO(workbook)):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value.startswith(LEADS):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    return texts


async def test_the_survey_export_keeps_formulas_and_controls_out(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, DEFINITION)
        household = ids[FLATS[0].name]
        owner = await resident_of(session, household)
        owner.full_name = LINK  # a Telegram name is whatever its owner typed
        await answer(session, survey, owner, {"pick": "a", "remarks": CALC}, household)
        # A text answer stored before control characters were filtered out.
        definition = definition_of(survey.definition)
        ballot = await ballot_for(session, survey, owner, household)
        question = definition.question("remarks")
        await record_answer(session, ballot, definition, question, "\x00\x1b" + CALC, owner)
        await record_input(session, survey, household, InputKind.OBJECTION, "-1 反对")
        records = await survey_records(session, survey)
        workbook = export_xlsx(definition, await tally_survey(session, survey), records, SHANGHAI)
    texts = inert_texts(workbook)
    for hostile in (BUILDING, UNIT, ROOM, CALC, "=1+2", "@A1", "-1 反对"):
        assert hostile in texts
    book = load_workbook(BytesIO(workbook))
    rows = book["选票 Ballots"].iter_rows(min_row=2, values_only=True)
    assert (BUILDING, UNIT, 1, ROOM, 80.25) in [row[:5] for row in rows]  # numbers stay numbers


async def test_the_drive_ledger_keeps_formulas_out(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, DEFINITION)
        scope = await scope_named(session, survey.compound_id, None, None)
        terms = DriveTerms(title=LINK, total_fen=100_000, subsidy_fen=0, plan=Plan.EQUAL)
        drive = await create_drive(session, survey.compound_id, scope, terms)
        await open_drive(session, drive)
        household = ids[FLATS[0].name]
        resident = await resident_of(session, household)
        found = await flat_share(session, resident, drive.id, household)
        await pledge(session, found, resident, PledgeTerms(PledgeKind.GOODS, goods=CALC))
        workbook = ledger_xlsx(await drive_ledger(session, drive), SHANGHAI)
    texts = inert_texts(workbook)
    assert {LINK, CALC, BUILDING, ROOM} <= set(texts)
    shares = load_workbook(BytesIO(workbook))["分摊 Shares"]
    amounts = [row[6] for row in shares.iter_rows(min_row=2, values_only=True)]
    assert amounts == [500, 500]  # yuan, as numbers


async def test_the_complaints_export_keeps_formulas_and_controls_out(sessions: Sessions) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, FLATS, DEFINITION)
        reporter = await resident_of(session, ids[FLATS[0].name])
        reporter.full_name = "@薛\x07"
        draft = await start_draft(session, reporter, ComplaintLimits(), now)
        draft.category = Category.NOISE
        draft.description = "\x1b" + LINK  # stored before control characters were filtered
        await submit(session, draft, reporter, ComplaintLimits(), now)
        workbook = complaints_xlsx(await complaint_rows(session, [survey.compound_id]), SHANGHAI)
    assert {LINK, BUILDING, UNIT, "@薛"} <= set(inert_texts(workbook))
