"""Printable paper ballots (纸质表决票): one A4 sheet per flat, in Chinese and in large type
for an elderly owner, with a QR code the committee scans to enter the signed sheet in chat.

Pure rendering: the caller passes the survey's definition, the flats and their deep links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot.documents.fonts import PDF_FONT, a4_pdf
from bot.documents.labels import AGREE, MEASURES, RULES, threshold_requirement
from bot.documents.posters import MM_PER_PT, draw_qr, qr_matrix
from surveys.voting.decision import Rule
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
)
from surveys.voting.schema import SurveyDefinition
from surveys.voting.sheets import SheetFlat, SheetHeading

_MARGIN_MM = 15
_QR_MM = 34
_LINE = 1.45  # line height, as a multiple of the font size
# Point sizes: nothing an owner must read is under 16 pt (the QR code's caption is for the
# committee).
_HEADING_PT, _TITLE_PT, _BODY_PT, _SMALL_PT = 26, 20, 16, 11
_BOX_MM = 5.5


def ballot_sheets_pdf(
    definition: SurveyDefinition,
    heading: SheetHeading,
    flats: Sequence[SheetFlat],
    created: datetime | None = None,
) -> bytes:
    """The A4 PDF: one sheet per flat, in the order given. A fixed `created` makes the file
    byte-for-byte reproducible."""
    if not flats:
        raise ValueError("no flats to print")
    pdf = a4_pdf(
        f"{heading.compound} #{heading.survey_id} {definition.title.zh_CN}",
        _MARGIN_MM,
        page_breaks=True,
    )
    if created is not None:
        pdf.set_creation_date(created)
    for flat in flats:
        _sheet(pdf, definition, heading, flat)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, size: float, width: float = 0) -> None:
    pdf.set_font(PDF_FONT, size=size)
    height = size * MM_PER_PT * _LINE
    pdf.multi_cell(width, height, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _sheet(pdf: FPDF, definition: SurveyDefinition, heading: SheetHeading, flat: SheetFlat) -> None:
    pdf.add_page()
    top = pdf.get_y()
    qr_x = pdf.w - _MARGIN_MM - _QR_MM
    draw_qr(pdf, qr_matrix(flat.url), qr_x, top, _QR_MM)
    pdf.set_xy(qr_x, top + _QR_MM)
    pdf.set_font(PDF_FONT, size=_SMALL_PT)
    pdf.cell(_QR_MM, _SMALL_PT * MM_PER_PT * _LINE, "委员会录入用", align="C")
    pdf.set_xy(_MARGIN_MM, top)
    beside = pdf.epw - _QR_MM - 4  # the text left of the code
    kind = "业主表决票" if definition.decided_questions else "征询意见表"
    _text(pdf, f"{heading.compound}\n{kind}", _HEADING_PT, beside)
    _text(pdf, f"第 {heading.survey_id} 号：{definition.title.zh_CN}", _TITLE_PT, beside)
    pdf.set_y(max(pdf.get_y(), top + _QR_MM + 8))
    _text(pdf, f"房屋：{flat.label}　　登记面积：{flat.area} 平方米", _TITLE_PT)
    if definition.description is not None:
        pdf.ln(2)
        _text(pdf, definition.description.zh_CN, _BODY_PT)
    for number, question in enumerate(definition.questions, start=1):
        pdf.ln(3)
        _question(pdf, number, question)
    pdf.ln(3)
    for question in definition.decided_questions:
        _text(pdf, f"表决规则：{_rule_in_words(question.rule)}", _BODY_PT)
    _text(pdf, "只统计实际参与表决的业主，未投票不视为同意。", _BODY_PT)
    if heading.closes is not None:
        _text(pdf, f"投票截止：{heading.closes}", _BODY_PT)
    pdf.ln(8)
    _text(pdf, "业主签字：＿＿＿＿＿＿＿＿＿＿＿＿", _TITLE_PT)
    pdf.ln(2)
    _text(pdf, "日期：＿＿＿＿年＿＿月＿＿日", _TITLE_PT)
    pdf.ln(4)
    how = "请在选项前的方框内打「√」。填好后交给委员会，或在入户征询时交给上门的委员。"
    _text(pdf, how, _BODY_PT)


def _question(pdf: FPDF, number: int, question: Question) -> None:
    hint = _hint(question)
    _text(pdf, f"{number}. {question.text.zh_CN}{hint}", _BODY_PT)
    match question:
        case AgreeQuestion():
            _boxes(pdf, [AGREE[choice][0] for choice in question.choices], inline=True)
        case ChoiceQuestion():
            _boxes(pdf, [option.text.zh_CN for option in question.options], inline=False)
        case Rating():
            _boxes(pdf, [str(score) for score in range(1, 6)], inline=True)
        case _:
            _text(pdf, "答：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿", _BODY_PT)


def _hint(question: Question) -> str:
    match question:
        case Ranking():
            return f"（在方框内按喜好写 1 至 {question.top}）"
        case MultipleChoice():
            return f"（选 {question.min_choices} 至 {question.max_choices} 项）"
        case NumberQuestion():
            return f"（{question.minimum} 至 {question.maximum}）"
    return "" if question.required else "（可不填）"


def _boxes(pdf: FPDF, labels: Sequence[str], *, inline: bool) -> None:
    """A tick box before each label: on one line (agree, ratings) or one per line."""
    height = _BODY_PT * MM_PER_PT * _LINE
    pdf.set_font(PDF_FONT, size=_BODY_PT)
    pdf.set_x(_MARGIN_MM + 6)
    for label in labels:
        if not inline:
            pdf.set_x(_MARGIN_MM + 6)
        x, y = pdf.get_x(), pdf.get_y()
        pdf.set_line_width(0.4)
        pdf.rect(x, y + (height - _BOX_MM) / 2, _BOX_MM, _BOX_MM)
        pdf.set_x(x + _BOX_MM + 2)
        width = pdf.get_string_width(label) + 10
        if inline:
            pdf.cell(width, height, label)
        else:
            pdf.multi_cell(0, height, label, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if inline:
        pdf.ln(height)


def _rule_in_words(rule: Rule) -> str:
    """「参与表决面积 ≥ 2/3，参与表决人数 ≥ 2/3，同意面积 > 1/2，同意人数 > 1/2」."""
    parts = [
        f"{MEASURES[threshold.measure][0]} {threshold_requirement(threshold)}"
        for threshold in rule.thresholds
    ]
    return f"{RULES[rule.kind][0]}：" + "，".join(parts)
