"""The committee's files: the chart renders, and the spreadsheet holds the ballots (from which
the tally can be recomputed), the figures, and the audit trail, with nothing that points to a
flat or a person when the ballots are anonymous."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.charts import BAR_HEIGHT, PANEL_MARGIN, TITLE_BAND, WIDTH, chart_png
from bot.documents.fonts import cjk_font_path
from bot.documents.labels import AGREE, MEASURES, RULES
from bot.documents.out_of_process import out_of_process
from bot.documents.reports import export_xlsx, question_header, summary_text
from storage.models import Role
from storage.surveys.models import Survey
from storage.surveys.queries import definition_of
from storage.surveys.records import survey_records
from storage.surveys.sources import ballot_sources
from storage.surveys.tallies import tally_survey
from surveys.voting.decision import Answer, FlatBallot, tally
from surveys.voting.results import SurveyTally
from tests.tallies.conftest import (
    Flat,
    answer,
    content_survey,
    flat_answers,
    make_survey,
    resident_of,
    vote,
)

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n"


def _rows(sheet: Worksheet) -> list[dict[str, object]]:
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


async def _export(session: AsyncSession, survey: Survey) -> tuple[SurveyTally, bytes]:
    result = await tally_survey(session, survey)
    records = await survey_records(session, survey)
    return result, export_xlsx(definition_of(survey.definition), result, records, SHANGHAI)


def _glyphless(text: str) -> set[str]:
    """The characters of ``text`` the chart's font draws as the blank box of a missing glyph
    (tofu): their bitmap is that of a character no font has."""
    font = ImageFont.truetype(str(cjk_font_path()), 15)

    def bitmap(character: str) -> bytes:
        image = Image.new("L", (24, 24))
        ImageDraw.Draw(image).text((0, 0), character, font=font, fill=255)
        return image.tobytes()

    tofu = bitmap("\U0010fffd")
    return {c for c in text if not c.isspace() and bitmap(c) == tofu}


async def test_the_chart_is_a_png_of_every_question_with_options(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, result = await content_survey(session)
    definition = definition_of(survey.definition)
    chinese = chart_png(definition, result)
    english = chart_png(definition, result, "en")
    assert chinese.startswith(PNG) and english.startswith(PNG) and chinese != english
    assert chart_png(definition, result.without_places()) == chinese  # what the bot hands over
    # A panel per question with options (multiple, ranking, rating, agree: 3 + 3 + 5 + 3 bars)
    # and one for the decided question's thresholds; bars in the answers' blue, the met
    # threshold in green.
    image = Image.open(BytesIO(chinese)).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) or []}
    assert image.width == WIDTH and {(0x4C, 0x72, 0xB0), (0x2E, 0x7D, 0x32)} <= colours
    bars = 3 + 3 + 5 + 3 + len(result.decision("willing").outcome.checks)
    assert image.height == TITLE_BAND + 5 * PANEL_MARGIN + bars * BAR_HEIGHT
    texts = [definition.title, *(q.text for q in definition.questions)]
    words = [version for text in texts for version in text.versions]
    labels = (*AGREE.values(), *MEASURES.values(), *RULES.values())
    assert _glyphless("".join(words + [w for label in labels for w in label]) + "≥>/%") == set()


# What the bot does: draw in a process of its own, then say what this process has loaded.
DRAWN_APART = """
import json, pickle, sys
from bot.documents.out_of_process import out_of_process
definition, tally = pickle.load(sys.stdin.buffer)
png = out_of_process("bot.documents.charts", "chart_png")(definition, tally, "en")
loaded = [name for name in ("PIL", "openpyxl") if name in sys.modules]
print(json.dumps({"png": png.hex(), "loaded": loaded}))
"""


async def test_the_bot_draws_the_same_chart_without_keeping_pillow(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        survey, result = await content_survey(session)
    definition = definition_of(survey.definition)
    run = subprocess.run(
        [sys.executable, "-c", DRAWN_APART],
        input=pickle.dumps((definition, result)),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode()
    drawn = json.loads(run.stdout)
    assert drawn["loaded"] == []
    assert bytes.fromhex(drawn["png"]) == chart_png(definition, result, "en")


async def test_the_workbook_drawn_apart_holds_the_same_cells(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, result = await content_survey(session)
        records = await survey_records(session, survey)
    definition = definition_of(survey.definition)
    here = load_workbook(BytesIO(export_xlsx(definition, result, records, SHANGHAI)))
    drawn = out_of_process("bot.documents.reports", "export_xlsx")
    apart = load_workbook(BytesIO(drawn(definition, result, records, tz=SHANGHAI)))
    assert apart.sheetnames == here.sheetnames
    for name in here.sheetnames:
        cells = [list(sheet.iter_rows(values_only=True)) for sheet in (here[name], apart[name])]
        assert cells[0] == cells[1]


async def test_the_summary_gives_the_figures_and_the_outcome(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, result = await content_survey(session)
        sources = await ballot_sources(session, survey)
    lines = summary_text(definition_of(survey.definition), result, sources).splitlines()
    assert "提交 Submitted: 3/5 flats, 210.75/350.75 m², 3/5 owners, 3 respondents" in lines
    assert (
        "来源 By source: chat 3, paper 0, proxy 0; 待复核 waiting review 0, 冲突 conflicts 0"
        in lines
    )
    assert "willing: 简单多数 Simple majority → 通过 Passed" in lines
    assert "priority (3): 屋面 4, 外墙 3, 楼道 2" in lines  # a ranking by its points
    assert "pledge (2): min -20.50, max 1234.50, total 1214.00, mean 607.0000" in lines


async def test_a_named_export_recomputes_the_tally(sessions: Sessions) -> None:
    flats = [
        Flat("1栋/1单元/101", "80.25", owner="王"),
        Flat("1栋/1单元/102", "20.50", owner="王"),
        Flat("1栋/1单元/201", "65.00", developer=True),
        Flat("1栋/1单元/202", "65.00", developer=True),
        Flat("1栋/2单元/101", "77.77"),
        Flat("1栋/2单元/102", "60.00"),  # does not vote
        Flat("1栋/2单元/201", "59.99"),  # answers one question only: not submitted
    ]
    answers = {
        "1栋/1单元/101": "approve",
        "1栋/1单元/102": "reject",
        "1栋/1单元/201": "approve",
        "1栋/1单元/202": "abstain",
        "1栋/2单元/101": "approve",
    }
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, flats, vote(second_required=True))
        for name, choice in answers.items():
            await flat_answers(session, survey, ids[name], {"agree": "reject", "when": "spring"})
            await flat_answers(session, survey, ids[name], {"agree": choice})  # a change
        await flat_answers(session, survey, ids["1栋/2单元/201"], {"agree": "approve"})
        result, workbook = await _export(session, survey)
    book = load_workbook(BytesIO(workbook))
    assert book.sheetnames == ["选票 Ballots", "结果 Tally", "记录 Audit"]
    rows = _rows(book["选票 Ballots"])
    assert len(rows) == len(flats)  # every flat of the scope, voters or not
    agree = question_header(definition_of(survey.definition).question("agree"))
    words = {AGREE[answer][0]: answer for answer in Answer}
    recomputed = tally(
        FlatBallot(
            flat_id=number,
            area=Decimal(str(row["面积 Area (m²)"])),
            owner_key=str(row["业主 Head"]) if str(row["业主 Head"]).startswith("o:") else None,
            developer_held=row["业主 Head"] == "d",
            answer=words[str(row[agree])] if row[agree] else None,
        )
        for number, row in enumerate(rows)
    )
    assert recomputed == result.decision("agree").tally
    first = rows[0]
    assert (first["楼栋 Building"], first["单元 Unit"], first["房号 Room"]) == (
        "1栋",
        "1单元",
        "101",
    )
    assert first[agree] == "同意" and first["提交时间 Submitted (Asia/Shanghai)"] is not None
    assert rows[-1][agree] is None  # 1栋/2单元/201 did not submit
    audit = _rows(book["记录 Audit"])
    assert len(audit) == 3 * len(answers) + 1  # two answers and a change per voter, one draft
    assert {row["答案 Answer"] for row in audit} == {"同意", "反对", "弃权", "春季"}
    tally_sheet = [row for row in book["结果 Tally"].iter_rows(values_only=True) if any(row)]
    assert ("结果 Outcome", "未通过 Not passed") in [row[:2] for row in tally_sheet]


async def test_an_anonymous_export_points_to_nobody(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        survey, _ = await content_survey(session, ballots="anonymous")
        _, workbook = await _export(session, survey)
    book = load_workbook(BytesIO(workbook))
    assert book.sheetnames == ["选票 Ballots", "结果 Tally"]  # no audit trail
    header, *rows = book["选票 Ballots"].iter_rows(values_only=True)
    assert header[0] == "序号 No." and len(rows) == 3
    assert not any(
        word in str(cell) for cell in header for word in ("楼栋", "面积", "业主", "答卷人", "时间")
    )
    # Ordered by the answers, not by who answered first (同意, 反对, 同意 in the scenario).
    willing = header.index(question_header(definition_of(survey.definition).question("willing")))
    ratings = header.index(question_header(definition_of(survey.definition).question("content")))
    assert [row[ratings] for row in rows] == ["屋面；外墙", "屋面；楼道", "外墙"]
    assert sorted(row[willing] for row in rows) == ["反对", "同意", "同意"]


async def test_a_survey_answered_per_person_names_its_respondents(sessions: Sessions) -> None:
    definition = """
kind: opinion
title: 满意度
answer_per: person
ballots: named
questions:
  - id: pick
    type: single
    text: 最满意的是？
    options: [{id: x, text: 绿化}, {id: y, text: 照明}]
"""
    async with sessions() as session, session.begin():
        survey, ids = await make_survey(session, [Flat("1栋/1单元/101", "50.00")], definition)
        household = ids["1栋/1单元/101"]
        await answer(session, survey, await resident_of(session, household), {"pick": "x"})
        family = await resident_of(session, household, Role.FAMILY, 1)
        await answer(session, survey, family, {"pick": "y"})
        _, workbook = await _export(session, survey)
        assert chart_png(definition_of(survey.definition), await tally_survey(session, survey))
    rows = _rows(load_workbook(BytesIO(workbook))["选票 Ballots"])
    assert [(row["答卷人 Respondent"], row["pick: 最满意的是？"]) for row in rows] == [
        (f"住户{household}-0", "绿化"),
        (f"住户{household}-1", "照明"),
    ]
