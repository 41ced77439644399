"""A survey's results as files for the committee: a chart (PNG) and a spreadsheet (XLSX).

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
from fractions import Fraction
from functools import lru_cache
from io import BytesIO
from typing import Any

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.documents.fonts import cjk_font_path
from storage.surveys.models import InputKind
from storage.surveys.records import BallotRecord, SurveyRecords
from surveys.voting.decision import (
    Answer,
    BlockReason,
    Check,
    Comparison,
    Measure,
    Outcome,
    RuleKind,
)
from surveys.voting.flow import AnswerValue
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    Question,
    Ranking,
    SingleChoice,
)
from surveys.voting.results import (
    ChoiceResult,
    Decision,
    NumberResult,
    OptionCount,
    PlaceTally,
    SurveyTally,
    TextResult,
)
from surveys.voting.schema import AnswerPer, Ballots, SurveyDefinition, SurveyKind

Bilingual = tuple[str, str]  # (Chinese, English)

AGREE: dict[str, Bilingual] = {
    Answer.APPROVE: ("同意", "Approve"),
    Answer.REJECT: ("反对", "Reject"),
    Answer.ABSTAIN: ("弃权", "Abstain"),
}
MEASURES: dict[Measure, Bilingual] = {
    Measure.QUORUM_AREA: ("参与表决面积", "Participating area"),
    Measure.QUORUM_HEADS: ("参与表决人数", "Participating owners"),
    Measure.APPROVAL_AREA: ("同意面积", "Approving area"),
    Measure.APPROVAL_HEADS: ("同意人数", "Approving owners"),
    Measure.MAJORITY_OF_ANSWERS: ("同意票占同意与反对票", "Approvals of yes and no answers"),
    Measure.UNANIMITY: ("全体同意", "Every flat approves"),
}
RULES: dict[RuleKind, Bilingual] = {
    RuleKind.SIMPLE_MAJORITY: ("简单多数", "Simple majority"),
    RuleKind.CIVIL_CODE_ORDINARY: ("民法典一般事项", "Civil Code, ordinary matter"),
    RuleKind.CIVIL_CODE_MAJOR: ("民法典重大事项", "Civil Code, major matter"),
    RuleKind.UNANIMOUS: ("全体一致", "Unanimous"),
    RuleKind.CUSTOM: ("自定义规则", "Custom rule"),
}
BLOCKS: dict[BlockReason, Bilingual] = {
    BlockReason.WRITTEN_OBJECTIONS: ("书面反对意见", "Written objections"),
    BlockReason.MISSING_AFFECTED_CONSENTS: ("受影响住户未同意", "Affected flats without consent"),
}
PASSED: Bilingual = ("通过", "Passed")
NOT_PASSED: Bilingual = ("未通过", "Not passed")
BLOCKED: Bilingual = ("票数达标但被阻止", "Carried by the figures but blocked")
FLATS: Bilingual = ("户数", "Flats")
RESIDENTS: Bilingual = ("人数", "Residents")
POINTS: Bilingual = ("得分（第一位得 k 分，第 k 位得 1 分）", "Points (1st place k, k-th place 1)")


def _both(label: Bilingual) -> str:
    return f"{label[0]} {label[1]}"


def _one(label: Bilingual, language: str) -> str:
    return label[1] if language == "en" else label[0]


def _outcome_label(outcome: Outcome) -> Bilingual:
    if outcome.passed:
        return PASSED
    return BLOCKED if outcome.blocked else NOT_PASSED


def _requirement(check: Check) -> str:
    """The requirement as the law writes it: ≥ 2/3, > 1/2."""
    sign = "≥" if check.threshold.comparison is Comparison.AT_LEAST else ">"
    return f"{sign} {check.threshold.fraction}"


def _share(figure: Decimal | int, base: Decimal | int) -> Fraction | None:
    return Fraction(figure) / Fraction(base) if base else None


def _option_label(question: Question, option_id: str, language: str = "zh_CN") -> str:
    """An option's text; an agree answer's word; a rating's digit."""
    if isinstance(question, ChoiceQuestion):
        option = next(o for o in question.options if o.id == option_id)
        return option.text.in_language(language)
    if isinstance(question, AgreeQuestion):
        return _one(AGREE[option_id], language)
    return option_id


def _shown(question: Question, option: OptionCount) -> int:
    """What an option is shown by: a ranking's by its Borda points, others by respondents."""
    return option.points if isinstance(question, Ranking) else option.respondents


def _answer_cell(question: Question, value: AnswerValue | None) -> Any:
    """An answer as a spreadsheet cell: option texts, rankings "1. … 2. …"; ratings, numbers
    and texts as they are."""
    if value is None:
        return None
    match question:
        case Ranking():
            assert isinstance(value, tuple)  # in order of preference
            return " ".join(
                f"{rank}. {_option_label(question, option)}"
                for rank, option in enumerate(value, start=1)
            )
        case MultipleChoice():
            assert isinstance(value, frozenset)  # shown in the order of the options
            return "；".join(_option_label(question, o) for o in question.option_ids if o in value)
        case SingleChoice() | AgreeQuestion():
            return _option_label(question, str(value))
    return value


# ---- the chart -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cjk_family() -> str:
    """Register the bundled Noto Sans CJK SC with matplotlib; its family name."""
    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


BAR_HEIGHT = 0.42  # inches per bar
PANEL_MARGIN = 1.3  # inches per panel: title and axis
MET, MISSED, ANSWERS = "#2e7d32", "#c62828", "#4c72b0"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _option_panel(
    axes: Axes, question: Question, result: ChoiceResult, unit: Bilingual, language: str
) -> None:
    labels = [_wrap(_option_label(question, o.option_id, language), 16) for o in result.options]
    values = [_shown(question, o) for o in result.options]
    if isinstance(question, Ranking):
        unit = POINTS
    bars = axes.barh(labels, values, color=ANSWERS)
    axes.bar_label(bars, padding=3)
    axes.invert_yaxis()  # the first option on top
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(_one(unit, language))
    axes.set_xlim(0, max(values, default=0) * 1.15 + 1)
    axes.set_title(_wrap(question.text.in_language(language), 34), loc="left")


def _decision_panel(axes: Axes, decision: Decision, language: str) -> None:
    checks = decision.outcome.checks
    labels = [f"{_one(MEASURES[c.threshold.measure], language)} {_requirement(c)}" for c in checks]
    percents = [float(_share(c.figure, c.base) or 0) * 100 for c in checks]
    bars = axes.barh(labels, percents, color=[MET if c.met else MISSED for c in checks])
    axes.bar_label(bars, labels=[f"{p:.1f}%" for p in percents], padding=3)
    for row, check in enumerate(checks):  # the required share, as a mark across its bar
        required = float(check.threshold.fraction) * 100
        axes.plot([required, required], [row - 0.4, row + 0.4], color="black", linewidth=2)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xlabel("%")
    verdict = _one(_outcome_label(decision.outcome), language)
    rule = _one(RULES[decision.outcome.rule], language)
    axes.set_title(
        f"{rule}: {verdict}", loc="left", color=MET if decision.outcome.passed else MISSED
    )


def _bars(panel: ChoiceResult | Decision) -> int:
    return len(panel.outcome.checks) if isinstance(panel, Decision) else len(panel.options)


def chart_png(definition: SurveyDefinition, tally: SurveyTally, language: str = "zh_CN") -> bytes:
    """One horizontal bar chart per question with options, in flats (or residents, for a
    survey answered per person); after a decided question, its thresholds as bars of % with
    the required share marked, green when met and red when missed."""
    unit = FLATS if definition.answer_per is AnswerPer.FLAT else RESIDENTS
    panels: list[ChoiceResult | Decision] = []
    for question in definition.questions:
        result = tally.question(question.id)
        if isinstance(result, ChoiceResult):
            panels.append(result)
        panels += [each for each in tally.decisions if each.question_id == question.id]
    heights = [_bars(panel) * BAR_HEIGHT + PANEL_MARGIN for panel in panels] or [PANEL_MARGIN]
    with rc_context({"font.family": [_cjk_family()], "axes.unicode_minus": False}):
        figure = Figure(figsize=(8, sum(heights) + 0.8), layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(definition.title.in_language(language), fontsize=14)
        axes_list = figure.subplots(len(heights), 1, squeeze=False, height_ratios=heights)[:, 0]
        for axes, panel in zip(axes_list, panels, strict=False):
            if isinstance(panel, Decision):
                _decision_panel(axes, panel, language)
            else:
                question = definition.question(panel.question_id)
                _option_panel(axes, question, panel, unit, language)
        if not panels:  # only number and text questions: the title alone
            axes_list[0].set_axis_off()
        buffer = BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


# ---- the spreadsheet -----------------------------------------------------------------------

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
    sheet.append(list(labels))
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


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
        ]
    else:
        fixed = ["答卷人 Respondent", "住户编号 Resident no.", submitted]
    _header(sheet, [*fixed, *(question_header(q) for q in definition.questions)])
    for number, ballot in enumerate(ballots, start=1):
        if ballot.flat is not None:
            place = ballot.flat.place
            first = [place.building, place.unit, place.floor, place.room, ballot.flat.area]
            first += [ballot.flat.head, _local(ballot.submitted_at, tz)]
        elif ballot.respondent is not None:
            first = [ballot.respondent.name, ballot.respondent.resident_id]
            first.append(_local(ballot.submitted_at, tz))
        else:
            first = [number]
        answers = [_answer_cell(q, ballot.answers.get(q.id)) for q in definition.questions]
        sheet.append([*first, *answers])
    _number_formats(sheet)
    sheet.freeze_panes = sheet.cell(row=2, column=len(fixed) + 1)
    _widths(sheet, [12] * len(fixed) + [24] * len(definition.questions))


def _section(sheet: Worksheet, title: str) -> None:
    if sheet.max_row > 1:
        sheet.append([])
    sheet.append([title])
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
        sheet.append([label, eligible, answered, _percent(answered, eligible)])
    if definition.answer_per is AnswerPer.PERSON:
        sheet.append(["答卷人数 Respondents", None, figures.respondents])


def _percent(figure: Decimal | int, base: Decimal | int) -> float | None:
    fraction = _share(figure, base)
    return None if fraction is None else float(fraction)  # shown, never decided on


def _question_results(sheet: Worksheet, definition: SurveyDefinition, tally: SurveyTally) -> None:
    counted = _both(FLATS if definition.answer_per is AnswerPer.FLAT else RESIDENTS)
    for question in definition.questions:
        result = tally.question(question.id)
        _section(sheet, f"{question.id}: {question.text.zh_CN}")
        match result:
            case ChoiceResult():
                ranking = isinstance(question, Ranking)
                extra = ["首选 First choices", _both(POINTS)] if ranking else []
                _header(sheet, ["选项 Option", counted, "面积 Area (m²)", *extra])
                for option in result.options:
                    row = [
                        _option_label(question, option.option_id),
                        option.respondents,
                        option.area,
                    ]
                    sheet.append(row + ([option.first_choices, option.points] if ranking else []))
                sheet.append(["作答 Answered", result.answered])
            case NumberResult():
                _header(sheet, ["作答 Answered", "最小 Min", "最大 Max", "合计 Total", "平均 Mean"])
                sheet.append(
                    [result.answered, result.minimum, result.maximum, result.total, result.mean]
                )
            case TextResult():
                sheet.append(["作答 Answered (texts in the Ballots sheet)", result.answered])


def _decision(sheet: Worksheet, definition: SurveyDefinition, decision: Decision) -> None:
    question = definition.question(decision.question_id)
    outcome = decision.outcome
    _section(sheet, f"表决结果 Decision — {question.id}: {question.text.zh_CN}")
    sheet.append(["规则 Rule", _both(RULES[outcome.rule])])
    sheet.append(["结果 Outcome", _both(_outcome_label(outcome))])
    _header(
        sheet,
        ["条件 Condition", "要求 Required", "数值 Figure", "基数 Base", "比例 Share", "达到 Met"],
    )
    for check in outcome.checks:
        sheet.append(
            [
                _both(MEASURES[check.threshold.measure]),
                _requirement(check),
                check.figure,
                check.base,
                _percent(check.figure, check.base),
                "是 Yes" if check.met else "否 No",
            ]
        )
    for block in outcome.blocks:
        sheet.append([f"阻止 Blocked by: {_both(BLOCKS[block.reason])}", block.count])


def _places(sheet: Worksheet, tally: SurveyTally) -> None:
    _section(sheet, "分楼栋、单元 By building and unit")
    decided = tally.units[0].agree if tally.units else ()  # none for anonymous ballots
    agree = [
        f"{counts.question_id} {_both(AGREE[answer])}" for counts in decided for answer in Answer
    ]
    _header(sheet, ["楼栋 Building", "单元 Unit", "范围内户数 Flats", "已提交 Submitted", *agree])
    units_of: dict[str, list[PlaceTally]] = {}
    for unit in tally.units:
        units_of.setdefault(unit.building, []).append(unit)
    for building in tally.buildings:  # each building, then its units
        for place in (building, *units_of[building.building]):
            counts = [n for c in place.agree for n in (c.approve, c.reject, c.abstain)]
            unit_name = place.unit if place.unit is not None else "全楼 Whole building"
            sheet.append(
                [place.building, unit_name, place.eligible_flats, place.answered_flats, *counts]
            )


def _tally_sheet(sheet: Worksheet, definition: SurveyDefinition, tally: SurveyTally) -> None:
    _participation(sheet, definition, tally)
    for decision in tally.decisions:
        _decision(sheet, definition, decision)
    if definition.kind is SurveyKind.VOTE or tally.objections or tally.missing_consents:
        _section(sheet, "其他意见 Other inputs")
        sheet.append([_both(BLOCKS[BlockReason.WRITTEN_OBJECTIONS]), tally.objections])
        sheet.append([_both(BLOCKS[BlockReason.MISSING_AFFECTED_CONSENTS]), tally.missing_consents])
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
        sheet.append(
            [
                _local(event.at, tz),
                *place,
                event.respondent.name,
                event.respondent.resident_id,
                event.question_id,
                value,
            ]
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
        sheet.append([_local(item.at, tz), item.flat or None, INPUT_KINDS[item.kind], item.text])
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


def summary_text(definition: SurveyDefinition, tally: SurveyTally) -> str:
    """The figures as plain lines, for `linli tally`."""
    figures = tally.participation
    lines = [
        f"#{tally.survey_id} {definition.title.zh_CN}",
        f"提交 Submitted: {figures.answered_flats}/{figures.eligible_flats} flats, "
        f"{figures.answered_area}/{figures.eligible_area} m², "
        f"{figures.answered_heads}/{figures.eligible_heads} owners, "
        f"{figures.respondents} respondents",
    ]
    for decision in tally.decisions:
        outcome = decision.outcome
        verdict = _both(_outcome_label(outcome))
        lines.append(f"{decision.question_id}: {_both(RULES[outcome.rule])} → {verdict}")
        for check in outcome.checks:
            met = "✓" if check.met else "✗"
            lines.append(
                f"  {met} {_both(MEASURES[check.threshold.measure])} {_requirement(check)}: "
                f"{check.figure}/{check.base}"
            )
        for block in outcome.blocks:
            lines.append(f"  ✗ {_both(BLOCKS[block.reason])}: {block.count}")
    for question in definition.questions:
        result = tally.question(question.id)
        if isinstance(result, ChoiceResult):
            counts = ", ".join(
                f"{_option_label(question, o.option_id)} {_shown(question, o)}"
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
