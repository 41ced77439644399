"""The printed result of a survey or vote (公示): an A4 PDF in Chinese to post in the compound.

It shows the matter, the scope, participation, each decided question's figures against each
threshold of its rule (art. 278) and the outcome, the objection window's dates and where to
object; with `publish_ballots: true`, each flat's answers without names. Drawn from the same
`SurveyTally` as /tally, so the figures are the tally's. Pure rendering, run out of process
like the chart (`bot.documents.out_of_process`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from bot.documents.fonts import PDF_FONT, a4_pdf
from bot.documents.labels import (
    AGREE,
    BLOCKS,
    MEASURES,
    RULES,
    option_label,
    outcome_label,
    requirement,
    share,
    shown,
)
from storage.surveys.publication import Publication
from surveys.voting.flow import AnswerValue
from surveys.voting.questions import AgreeQuestion, Question, SingleChoice
from surveys.voting.results import ChoiceResult, Decision, SurveyTally
from surveys.voting.schema import AnswerPer, SurveyDefinition, SurveyKind

_MARGIN_MM = 18
# Large type: the notice is read on a board in the stairwell, often by elderly residents.
_BODY_PT, _HEADING_PT, _SECTION_PT = 12, 22, 15
_LINE_MM = 7.0
_HEADINGS = FontFace(emphasis="", fill_color=(230, 230, 230))  # the font has no bold face
_SHOWN_QUESTIONS = 3  # of each flat's answers: the decided (else single-choice) questions
WHERE_TO_OBJECT = (
    "如对本结果有异议，请在公示期内在「邻里」机器人的结果通知中点击「对结果提出异议」，"
    "或以书面形式交社区委员会。"
)


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _percent(figure: object, base: object) -> str:
    fraction = share(figure, base)  # type: ignore[arg-type]
    return "—" if fraction is None else f"{float(fraction):.2%}"  # shown, never decided on


class _Poster:
    def __init__(self, title: str) -> None:
        self.pdf = a4_pdf(title, _MARGIN_MM, page_breaks=True)
        self.pdf.add_page()

    def line(self, text: str, size: float = _BODY_PT, align: Align = Align.L) -> None:
        self.pdf.set_font(PDF_FONT, size=size)
        self.pdf.multi_cell(
            0,
            _LINE_MM * size / _BODY_PT,
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def section(self, text: str) -> None:
        self.pdf.ln(3)
        self.line(text, _SECTION_PT)

    def table(self, rows: Sequence[Sequence[str]], widths: Sequence[int] | None = None) -> None:
        self.pdf.set_font(PDF_FONT, size=_BODY_PT - 1)
        with self.pdf.table(
            col_widths=widths, text_align="CENTER", line_height=_LINE_MM, headings_style=_HEADINGS
        ) as table:
            for cells in rows:
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        self.pdf.ln(2)


def _scope(publication: Publication) -> str:
    if publication.building is None:
        return f"{publication.compound} 全小区"
    return " ".join(filter(None, (publication.compound, publication.building, publication.unit)))


def _participation(poster: _Poster, tally: SurveyTally) -> None:
    figures = tally.participation
    poster.section("一、参与情况")
    rows = [["项目", "范围内", "已参与", "比例"]]
    for label, eligible, answered in (
        ("户数", figures.eligible_flats, figures.answered_flats),
        ("面积（m²）", figures.eligible_area, figures.answered_area),
        ("业主人数", figures.eligible_heads, figures.answered_heads),
    ):
        rows.append([label, str(eligible), str(answered), _percent(answered, eligible)])
    poster.table(rows, (3, 2, 2, 2))


def _decision(
    poster: _Poster, definition: SurveyDefinition, tally: SurveyTally, decision: Decision
) -> None:
    question = definition.question(decision.question_id)
    outcome = decision.outcome
    poster.section(f"表决事项：{question.text.zh_CN}")
    poster.line(f"表决规则：{RULES[outcome.rule][0]}")
    result = tally.question(question.id)
    if isinstance(result, ChoiceResult):
        counts = "；".join(
            f"{AGREE[option.option_id][0]} {option.respondents} 户、{option.area} m²"
            for option in result.options
        )
        poster.line(f"表决情况：{counts}")
    rows = [["条件", "要求", "数值", "基数", "比例", "是否达到"]]
    for check in outcome.checks:
        rows.append(
            [
                MEASURES[check.threshold.measure][0],
                requirement(check),
                str(check.figure),
                str(check.base),
                _percent(check.figure, check.base),
                "达到" if check.met else "未达到",
            ]
        )
    poster.table(rows, (4, 2, 2, 2, 2, 2))
    for block in outcome.blocks:
        poster.line(f"阻止表决通过：{BLOCKS[block.reason][0]} {block.count} 份")
    poster.line(f"表决结果：{outcome_label(outcome)[0]}", _SECTION_PT)


def _choices(poster: _Poster, definition: SurveyDefinition, tally: SurveyTally) -> None:
    """The options of the questions not decided by a rule (an opinion survey's)."""
    counted = "户数" if definition.answer_per is AnswerPer.FLAT else "人数"
    decided = {decision.question_id for decision in tally.decisions}
    for question in definition.questions:
        result = tally.question(question.id)
        if question.id in decided or not isinstance(result, ChoiceResult):
            continue
        poster.section(f"{question.text.zh_CN}（{result.answered} 份作答）")
        rows = [["选项", counted]]
        rows += [
            [option_label(question, o.option_id), str(shown(question, o))] for o in result.options
        ]
        poster.table(rows, (5, 2))


def _answer(question: Question, value: AnswerValue | None) -> str:
    return "" if value is None else option_label(question, str(value))


def _flats(poster: _Poster, definition: SurveyDefinition, publication: Publication) -> None:
    asked: list[Question] = list(definition.decided_questions)
    asked = asked or [
        q for q in definition.questions if isinstance(q, AgreeQuestion | SingleChoice)
    ]
    asked = asked[:_SHOWN_QUESTIONS]
    poster.section("各户表决情况（不含姓名）")
    header = ["楼栋", "单元", "房号", "面积（m²）"]
    named = len(asked) > 1  # several questions: columns by id, their texts below
    rows = [header + ([question.id for question in asked] if named else ["意见"])]
    for ballot in publication.flats:
        assert ballot.flat is not None  # named ballots of flats: the schema checks it
        place = ballot.flat.place
        answers = (
            [_answer(q, ballot.answers.get(q.id)) for q in asked]
            if ballot.submitted_at is not None
            else ["未参与"] * len(asked)
        )
        rows.append([place.building, place.unit, place.room, str(ballot.flat.area), *answers])
    poster.table(rows)
    for question in asked if named else ():
        poster.line(f"{question.id}：{question.text.zh_CN}", _BODY_PT - 1)


def result_poster_pdf(
    definition: SurveyDefinition, tally: SurveyTally, publication: Publication, zone: tzinfo
) -> bytes:
    """The 公示 of a published survey as A4 PDF bytes; times in the compound's `zone`."""
    vote = definition.kind is SurveyKind.VOTE
    heading = "业主表决结果公示" if vote else "意见征询结果公示"
    poster = _Poster(f"{heading} #{publication.survey_id}")
    poster.line(heading, _HEADING_PT, Align.C)
    poster.line(f"{definition.title.zh_CN}（第 {publication.survey_id} 号）", _SECTION_PT, Align.C)
    poster.pdf.ln(3)
    poster.line(f"范围：{_scope(publication)}")
    if definition.description is not None:
        poster.line(f"事项说明：{definition.description.zh_CN}")
    poster.line(
        f"征询时间：{_local(publication.opened_at, zone)} 至 {_local(publication.closed_at, zone)}"
    )
    _participation(poster, tally)
    if vote:
        poster.line("未参与表决的业主不计入同意，也不视为随多数（不从众）。", _BODY_PT - 1)
    for decision in tally.decisions:
        _decision(poster, definition, tally, decision)
    _choices(poster, definition, tally)
    poster.section("二、公示与异议")
    published = _local(publication.published_at, zone)
    if publication.objections_until > publication.published_at:
        until = _local(publication.objections_until, zone)
        poster.line(f"公示期：{published} 至 {until}。")
        poster.line(WHERE_TO_OBJECT)
    else:
        poster.line(f"公示日期：{published}。本结果不设异议期。")
    if publication.flats:
        _flats(poster, definition, publication)
    poster.pdf.ln(6)
    poster.line(f"{publication.compound} 社区委员会    {published[:10]}", align=Align.R)
    return bytes(poster.pdf.output())
