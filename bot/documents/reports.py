"""A survey's results as a spreadsheet (XLSX) for the committee, and as plain lines for the
command line; the chart is `bot.documents.charts`.

Both are drawn from a `surveys.voting.results.SurveyTally` and the survey's definition;
the spreadsheet also lists the ballots and the audit trail
(`storage.surveys.records.SurveyRecords`).
Headers are bilingual ("楼栋 Building") and answers are in Chinese, the committee's language.
A named export lets anyone recompute the tally: every flat of the scope is a row with its area,
its head and its answers. An anonymous export has no column that points to a flat or a person.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.documents.cells import append_row
from bot.documents.labels import (
    AGREE,
    BLOCKS,
    FLATS,
    MEASURES,
    POINTS,
    RESIDENTS,
    RULES,
    both,
    option_label,
    outcome_label,
    requirement,
    share,
    shown,
)
from storage.surveys.models import InputKind
from storage.surveys.records import BallotRecord, SurveyRecords
from storage.surveys.sources import Sources
from surveys.voting.decision import Answer, BlockReason
from surveys.voting.flow import AnswerValue
from surveys.voting.questions import (
    AgreeQuestion,
    MultipleChoice,
    Question,
    Ranking,
    SingleChoice,
)
from surveys.voting.results import (
    ChoiceResult,
    Decision,
    NumberResult,
    PlaceTally,
    SurveyTally,
    TextResult,
)
from surveys.voting.schema import AnswerPer, Ballots, SurveyDefinition, SurveyKind


def _answer_cell(question: Question, value: AnswerValue | None) -> Any:
    """An answer as a spreadsheet cell: option texts, rankings "1. … 2. …"; ratings, numbers
    and texts as they are."""
    if value is None:
        return None
    match question:
        case Ranking():
            assert isinstance(value, tuple)  # in order of preference
            return " ".join(
                f"{rank}. {option_label(question, option)}"
                for rank, option in enumerate(value, start=1)
            )
        case MultipleChoice():
            assert isinstance(value, frozenset)  # shown in the order of the options
            return "；".join(option_label(question, o) for o in question.option_ids if o in value)
        case SingleChoice() | AgreeQuestion():
            return option_label(question, str(value))
    return value


HEADER = Font(bold=True)
SECTION = Font(bold=True, size=12)


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    # Excel has no time zones: local wall-clock time, the zone named in the header.
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


def _number_formats(sheet: Worksheet) -> None:
    """Decimals with their own places (areas 0.00), times to the second, and floats, which
    are only ever shares, as percentages."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, Decimal):
                places = max(0, -int(value.as_tuple().exponent))
                cell.number_format = f"0.{'0' * places}" if places else "0"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, float):
                cell.number_format = "0.00%"


def question_header(question: Question) -> str:
    """ "<id>: <text>", shortened: the id is what a reader matches across sheets."""
    return textwrap.shorten(f"{question.id}: {question.text.zh_CN}", 48, placeholder="…")


def _header(sheet: Worksheet, labels: Sequence[str]) -> None:
    append_row(sheet, list(labels))
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


SOURCES = {"chat": "聊天 Chat", "paper": "纸质 Paper", "proxy": "委托 Proxy"}


def _ballot_sheet(
    sheet: Worksheet,
    definition: SurveyDefinition,
    ballots: Sequence[BallotRecord],
    tz: tzinfo,
) -> None:
    submitted = f"提交时间 Submitted ({tz})"
    if definition.ballots is Ballots.ANONYMOUS:
        fixed = ["序号 No."]
    elif definition.answer_per is AnswerPer.FLAT:
        fixed = [
            "楼栋 Building",
            "单元 Unit",
            "楼层 Floor",
            "房号 Room",
            "面积 Area (m²)",
            "业主 Head",
            submitted,
            "来源 Source",
            "录入人 Entered by",
            "复核人 Confirmed by",
            "纸质选票照片 Photo file id",
            "委托人 Proxy of",
        ]
    else:
        fixed = ["答卷人 Respondent", "住户编号 Resident no.", submitted]
    _header(sheet, [*fixed, *(question_header(q) for q in definition.questions)])
    for number, ballot in enumerate(ballots, start=1):
        if ballot.flat is not None:
            place = ballot.flat.place
            first = [place.building, place.unit, place.floor, place.room, ballot.flat.area]
            first += [ballot.flat.head, _local(ballot.submitted_at, tz)]
            origin = ballot.origin
            if origin is None:  # the flat did not vote
                first += [None] * 5
            else:
                first += [SOURCES[origin.source], origin.entered_by, origin.confirmed_by]
                first += [origin.photo_file_id, origin.proxy_of]
        elif ballot.respondent is not None:
            first = [ballot.respondent.name, ballot.respondent.resident_id]
            first.append(_local(ballot.submitted_at, tz))
        else:
            first = [number]
        answers = [_answer_cell(q, ballot.answers.get(q.id)) for q in definition.questions]
        append_row(sheet, [*first, *answers])
    _number_formats(sheet)
    sheet.freeze_panes = sheet.cell(row=2, column=len(fixed) + 1)
    _widths(sheet, [12] * len(fixed) + [24] * len(definition.questions))


def _section(sheet: Worksheet, title: str) -> None:
    if sheet.max_row > 1:
        append_row(sheet, [])
    append_row(sheet, [title])
    sheet.cell(row=sheet.max_row, column=1).font = SECTION


def _participation(sheet: Worksheet, definition: SurveyDefinition, tally: SurveyTally) -> None:
    figures = tally.participation
    _section(sheet, "参与情况 Participation")
    _header(sheet, ["项目 Item", "范围内 In scope", "已提交 Submitted", "比例 Share"])
    for label, eligible, answered in (
        ("户数 Flats", figures.eligible_flats, figures.answered_flats),
        ("面积 Area (m²)", figures.eligible_area, figures.answered_area),
        ("业主人数 Owners (heads)", figures.eligible_heads, figures.answered_heads),
    ):
        append_row(sheet, [label, eligible, answered, _percent(answered, eligible)])
    if definition.answer_per is AnswerPer.PERSON:
        append_row(sheet, ["答卷人数 Respondents", None, figures.respondents])


def _percent(figure: Decimal | int, base: Decimal | int) -> float | None:
    fraction = share(figure, base)
    return None if fraction is None else float(fraction)  # shown, never decided on


def _question_results(sheet: Worksheet, definition: SurveyDefinition, tally: SurveyTally) -> None:
    counted = both(FLATS if definition.answer_per is AnswerPer.FLAT else RESIDENTS)
    for question in definition.questions:
        result = tally.question(question.id)
        _section(sheet, f"{question.id}: {question.text.zh_CN}")
        match result:
            case ChoiceResult():
                ranking = isinstance(question, Ranking)
                extra = ["首选 First choices", both(POINTS)] if ranking else []
                _header(sheet, ["选项 Option", counted, "面积 Area (m²)", *extra])
                for option in result.options:
                    row = [
                        option_label(question, option.option_id),
                        option.respondents,
                        option.area,
                    ]
                    append_row(
                        sheet, row + ([option.first_choices, option.points] if ranking else [])
                    )
                append_row(sheet, ["作答 Answered", result.answered])
            case NumberResult():
                _header(sheet, ["作答 Answered", "最小 Min", "最大 Max", "合计 Total", "平均 Mean"])
                append_row(
                    sheet,
                    [result.answered, result.minimum, result.maximum, result.total, result.mean],
                )
            case TextResult():
                append_row(sheet, ["作答 Answered (texts in the Ballots sheet)", result.answered])


def _decision(sheet: Worksheet, definition: SurveyDefinition, decision: Decision) -> None:
    question = definition.question(decision.question_id)
    outcome = decision.outcome
    _section(sheet, f"表决结果 Decision — {question.id}: {question.text.zh_CN}")
    append_row(sheet, ["规则 Rule", both(RULES[outcome.rule])])
    append_row(sheet, ["结果 Outcome", both(outcome_label(outcome))])
    _header(
        sheet,
        ["条件 Condition", "要求 Required", "数值 Figure", "基数 Base", "比例 Share", "达到 Met"],
    )
    for check in outcome.checks:
        append_row(
            sheet,
            [
                both(MEASURES[check.threshold.measure]),
                requirement(check),
                check.figure,
                check.base,
                _percent(check.figure, check.base),
                "是 Yes" if check.met else "否 No",
            ],
        )
    for block in outcome.blocks:
        append_row(sheet, [f"阻止 Blocked by: {both(BLOCKS[block.reason])}", block.count])


def _places(sheet: Worksheet, tally: SurveyTally) -> None:
    _section(sheet, "分楼栋、单元 By building and unit")
    decided = tally.units[0].agree if tally.units else ()  # none for anonymous ballots
    agree = [
        f"{counts.question_id} {both(AGREE[answer])}" for counts in decided for answer in Answer
    ]
    _header(sheet, ["楼栋 Building", "单元 Unit", "范围内户数 Flats", "已提交 Submitted", *agree])
    units_of: dict[str, list[PlaceTally]] = {}
    for unit in tally.units:
        units_of.setdefault(unit.building, []).append(unit)
    for building in tally.buildings:  # each building, then its units
        for place in (building, *units_of[building.building]):
            counts = [n for c in place.agree for n in (c.approve, c.reject, c.abstain)]
            unit_name = place.unit if place.unit is not None else "全楼 Whole building"
            append_row(
                sheet,
                [place.building, unit_name, place.eligible_flats, place.answered_flats, *counts],
            )


def _tally_sheet(sheet: Worksheet, definition: SurveyDefinition, tally: SurveyTally) -> None:
    _participation(sheet, definition, tally)
    for decision in tally.decisions:
        _decision(sheet, definition, decision)
    if definition.kind is SurveyKind.VOTE or tally.objections or tally.missing_consents:
        _section(sheet, "其他意见 Other inputs")
        append_row(sheet, [both(BLOCKS[BlockReason.WRITTEN_OBJECTIONS]), tally.objections])
        append_row(
            sheet, [both(BLOCKS[BlockReason.MISSING_AFFECTED_CONSENTS]), tally.missing_consents]
        )
    _question_results(sheet, definition, tally)
    _places(sheet, tally)
    _number_formats(sheet)
    _widths(sheet, [40, 18, 18, 14, 14, 14, 14, 14, 14])


def _audit_sheet(
    sheet: Worksheet, definition: SurveyDefinition, records: SurveyRecords, tz: tzinfo
) -> None:
    _header(
        sheet,
        [
            f"时间 Time ({tz})",
            "楼栋 Building",
            "单元 Unit",
            "房号 Room",
            "作答人 Answered by",
            "住户编号 Resident no.",
            "问题 Question",
            "答案 Answer",
        ],
    )
    for event in records.events:
        place = (
            [event.flat.building, event.flat.unit, event.flat.room] if event.flat else [None] * 3
        )
        question = definition.question(event.question_id)
        if event.withdrawn:
            value = "（撤回）withdrawn"
        elif event.value is None:
            value = "（跳过）skipped"
        else:
            value = _answer_cell(question, event.value)
        append_row(
            sheet,
            [
                _local(event.at, tz),
                *place,
                event.respondent.name,
                event.respondent.resident_id,
                event.question_id,
                value,
            ],
        )
    _number_formats(sheet)
    sheet.freeze_panes = "A2"
    _widths(sheet, [20, 12, 12, 10, 16, 12, 14, 30])


INPUT_KINDS: dict[InputKind, str] = {
    InputKind.OBJECTION: "书面反对意见 Written objection",
    InputKind.AFFECTED: "受影响住户 Affected flat",
    InputKind.CONSENT: "受影响住户同意 Affected flat's consent",
    InputKind.CHALLENGE: "对公示结果的异议 Objection to the result",
}


def _inputs_sheet(sheet: Worksheet, records: SurveyRecords, tz: tzinfo) -> None:
    _header(sheet, [f"时间 Time ({tz})", "住户 Flat", "类别 Kind", "内容 Text"])
    for item in records.inputs:
        append_row(
            sheet, [_local(item.at, tz), item.flat or None, INPUT_KINDS[item.kind], item.text]
        )
    _number_formats(sheet)
    _widths(sheet, [20, 22, 30, 60])


def export_xlsx(
    definition: SurveyDefinition, tally: SurveyTally, records: SurveyRecords, tz: tzinfo
) -> bytes:
    """The workbook: "选票 Ballots", "结果 Tally" and, for named ballots, "记录 Audit"."""
    workbook = Workbook()
    ballots = workbook.active
    assert ballots is not None
    ballots.title = "选票 Ballots"
    _ballot_sheet(ballots, definition, records.ballots, tz)
    _tally_sheet(workbook.create_sheet("结果 Tally"), definition, tally)
    if definition.ballots is Ballots.NAMED:
        _audit_sheet(workbook.create_sheet("记录 Audit"), definition, records, tz)
    if records.inputs:
        _inputs_sheet(workbook.create_sheet("异议与同意 Objections"), records, tz)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- the summary for the command line ------------------------------------------------------


def summary_text(definition: SurveyDefinition, tally: SurveyTally, sources: Sources) -> str:
    """The figures as plain lines, for `linli tally`."""
    figures = tally.participation
    lines = [
        f"#{tally.survey_id} {definition.title.zh_CN}",
        f"提交 Submitted: {figures.answered_flats}/{figures.eligible_flats} flats, "
        f"{figures.answered_area}/{figures.eligible_area} m², "
        f"{figures.answered_heads}/{figures.eligible_heads} owners, "
        f"{figures.respondents} respondents",
        f"来源 By source: chat {sources.chat}, paper {sources.paper}, proxy {sources.proxy}; "
        f"待复核 waiting review {sources.waiting_review}, 冲突 conflicts {sources.conflicts}",
    ]
    for decision in tally.decisions:
        outcome = decision.outcome
        verdict = both(outcome_label(outcome))
        lines.append(f"{decision.question_id}: {both(RULES[outcome.rule])} → {verdict}")
        for check in outcome.checks:
            met = "✓" if check.met else "✗"
            lines.append(
                f"  {met} {both(MEASURES[check.threshold.measure])} {requirement(check)}: "
                f"{check.figure}/{check.base}"
            )
        for block in outcome.blocks:
            lines.append(f"  ✗ {both(BLOCKS[block.reason])}: {block.count}")
    for question in definition.questions:
        result = tally.question(question.id)
        if isinstance(result, ChoiceResult):
            counts = ", ".join(
                f"{option_label(question, o.option_id)} {shown(question, o)}"
                for o in result.options
            )
            lines.append(f"{question.id} ({result.answered}): {counts}")
        elif isinstance(result, NumberResult):
            lines.append(
                f"{question.id} ({result.answered}): min {result.minimum}, max {result.maximum}, "
                f"total {result.total}, mean {result.mean}"
            )
        else:
            lines.append(f"{question.id} ({result.answered})")
    return "\n".join(lines)
