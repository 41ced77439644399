"""A survey's results as a chart (PNG): one horizontal bar chart per question with options,
and after each decided question its thresholds. Drawn with Pillow and the bundled CJK font:
bars, their labels and an axis need no plotting library, and Pillow loads in a tenth of the
time matplotlib took, which the committee waited for after /tally. The image and the font's
glyphs still take about 15 MB while drawing: the bot draws in a short-lived process of its
own (`bot.documents.out_of_process`) so that they never stay in it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from bot.documents.fonts import cjk_font_path
from bot.documents.labels import (
    FLATS,
    MEASURES,
    POINTS,
    RESIDENTS,
    RULES,
    Bilingual,
    one,
    option_label,
    outcome_label,
    requirement,
    share,
    shown,
)
from surveys.voting.questions import Question, Ranking
from surveys.voting.results import ChoiceResult, Decision, SurveyTally
from surveys.voting.schema import AnswerPer, SurveyDefinition

# Pixels of an 8-inch-wide figure at 110 dpi, as the chart was when matplotlib drew it.
WIDTH, MARGIN = 880, 28
TITLE_BAND = 50  # the survey's title above the panels
BAR_HEIGHT = 46  # per bar
PANEL_MARGIN = 143  # per panel: its title, its axis and the axis' label
TITLE_LINE = 24  # a panel title's line
TITLE_SIZE, PANEL_TITLE_SIZE, TEXT_SIZE = 21, 18, 15
MET, MISSED, ANSWERS, INK, WHITE = "#2e7d32", "#c62828", "#4c72b0", "#000000", "#ffffff"


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


@dataclass(frozen=True)
class _Bars:
    """What one panel shows: a title, one bar per label from the top, an x axis from 0."""

    title: str
    title_color: str
    labels: list[str]
    values: list[float]
    texts: list[str]  # at the end of each bar
    colors: list[str]
    marks: list[float]  # a required share across each bar, or none
    limit: float  # the axis' end
    axis: str
    whole: bool  # ticks at whole numbers only


def _option_bars(question: Question, result: ChoiceResult, unit: Bilingual, language: str) -> _Bars:
    values = [shown(question, o) for o in result.options]
    return _Bars(
        title=_wrap(question.text.in_language(language), 34),
        title_color=INK,
        labels=[_wrap(option_label(question, o.option_id, language), 16) for o in result.options],
        values=[float(v) for v in values],
        texts=[str(v) for v in values],
        colors=[ANSWERS] * len(values),
        marks=[],
        limit=max(values, default=0) * 1.15 + 1,
        axis=one(POINTS if isinstance(question, Ranking) else unit, language),
        whole=True,
    )


def _decision_bars(decision: Decision, language: str) -> _Bars:
    checks = decision.outcome.checks
    percents = [float(share(c.figure, c.base) or 0) * 100 for c in checks]
    verdict = one(outcome_label(decision.outcome), language)
    return _Bars(
        title=f"{one(RULES[decision.outcome.rule], language)}: {verdict}",
        title_color=MET if decision.outcome.passed else MISSED,
        labels=[f"{one(MEASURES[c.threshold.measure], language)} {requirement(c)}" for c in checks],
        values=percents,
        texts=[f"{p:.1f}%" for p in percents],
        colors=[MET if c.met else MISSED for c in checks],
        marks=[float(c.threshold.fraction) * 100 for c in checks],
        limit=118,
        axis="%",
        whole=False,
    )


def _ticks(limit: float, whole: bool) -> list[float]:
    """Round values from 0 to ``limit``, at most 8 steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    magnitude = 0.01
    while magnitude * 10 <= limit / 8:
        magnitude *= 10
    steps = [f * magnitude for f in (1, 2, 2.5, 5, 10)]
    step = next(s for s in steps if limit / s <= 8 and (s.is_integer() or not whole))
    return [step * i for i in range(int(limit / step) + 1)]


def _draw_panel(draw: ImageDraw.ImageDraw, bars: _Bars, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    font = _font(TEXT_SIZE)

    def x(value: float) -> float:
        return left + value / bars.limit * (right - left)

    title = _font(PANEL_TITLE_SIZE)
    draw.multiline_text((left, top - 8), bars.title, font=title, fill=bars.title_color, anchor="ld")
    pitch = (bottom - top) / len(bars.values)
    for index, value in enumerate(bars.values):
        middle = top + pitch * (index + 0.5)
        upper, lower = middle - 0.4 * pitch, middle + 0.4 * pitch  # 80% of the slot
        if value > 0:
            draw.rectangle((left, upper, x(value), lower), fill=bars.colors[index])
        if bars.marks:
            mark = x(bars.marks[index])
            draw.line((mark, upper, mark, lower), fill=INK, width=3)
        draw.text((x(value) + 4, middle), bars.texts[index], font=font, fill=INK, anchor="lm")
        label = bars.labels[index]
        _, label_top, _, label_bottom = draw.multiline_textbbox((0, 0), label, font=font)
        at = (left - 8, middle - (label_top + label_bottom) / 2)
        draw.multiline_text(at, label, font=font, fill=INK, anchor="ra", align="right")
    draw.rectangle(box, outline=INK)
    for tick in _ticks(bars.limit, bars.whole):
        draw.line((x(tick), bottom, x(tick), bottom + 4), fill=INK)
        draw.text((x(tick), bottom + 7), f"{tick:g}", font=font, fill=INK, anchor="ma")
    draw.text(((left + right) / 2, bottom + 27), bars.axis, font=font, fill=INK, anchor="ma")


def _label_width(draw: ImageDraw.ImageDraw, panels: Sequence[_Bars]) -> int:
    """The widest bar label: every panel's axis starts right of it, one under the other."""
    font = _font(TEXT_SIZE)
    widths = [
        draw.multiline_textbbox((0, 0), label, font=font)[2]
        for panel in panels
        for label in panel.labels
    ]
    return int(max(widths, default=0))


def chart_png(definition: SurveyDefinition, tally: SurveyTally, language: str = "zh_CN") -> bytes:
    """One horizontal bar chart per question with options, in flats (or residents, for a
    survey answered per person); after a decided question, its thresholds as bars of % with
    the required share marked, green when met and red when missed."""
    unit = FLATS if definition.answer_per is AnswerPer.FLAT else RESIDENTS
    panels: list[_Bars] = []
    for question in definition.questions:
        result = tally.question(question.id)
        if isinstance(result, ChoiceResult):
            panels.append(_option_bars(question, result, unit, language))
        panels += [
            _decision_bars(each, language)
            for each in tally.decisions
            if each.question_id == question.id
        ]
    heights = [len(p.values) * BAR_HEIGHT + PANEL_MARGIN for p in panels] or [PANEL_MARGIN]
    image = Image.new("RGB", (WIDTH, TITLE_BAND + sum(heights)), WHITE)
    draw = ImageDraw.Draw(image)
    title = definition.title.in_language(language)
    draw.text((WIDTH / 2, 12), title, font=_font(TITLE_SIZE), fill=INK, anchor="ma")
    left, top = 12 + _label_width(draw, panels) + 10, TITLE_BAND
    for panel, height in zip(panels, heights, strict=False):
        lines = panel.title.count("\n") + 1
        _draw_panel(
            draw, panel, (left, top + 10 + TITLE_LINE * lines, WIDTH - MARGIN, top + height - 52)
        )
        top += height
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
