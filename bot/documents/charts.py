"""A survey's results as a chart (PNG): one horizontal bar chart per question with options,
and after each decided question its thresholds. Drawn with matplotlib and the bundled CJK
font, which together weigh about 60 MB: the bot draws in a short-lived process of its own
(`bot.documents.out_of_process`) so that they never stay in it."""

from __future__ import annotations

import textwrap
from functools import lru_cache
from io import BytesIO

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

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
    labels = [_wrap(option_label(question, o.option_id, language), 16) for o in result.options]
    values = [shown(question, o) for o in result.options]
    if isinstance(question, Ranking):
        unit = POINTS
    bars = axes.barh(labels, values, color=ANSWERS)
    axes.bar_label(bars, padding=3)
    axes.invert_yaxis()  # the first option on top
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(one(unit, language))
    axes.set_xlim(0, max(values, default=0) * 1.15 + 1)
    axes.set_title(_wrap(question.text.in_language(language), 34), loc="left")


def _decision_panel(axes: Axes, decision: Decision, language: str) -> None:
    checks = decision.outcome.checks
    labels = [f"{one(MEASURES[c.threshold.measure], language)} {requirement(c)}" for c in checks]
    percents = [float(share(c.figure, c.base) or 0) * 100 for c in checks]
    bars = axes.barh(labels, percents, color=[MET if c.met else MISSED for c in checks])
    axes.bar_label(bars, labels=[f"{p:.1f}%" for p in percents], padding=3)
    for row, check in enumerate(checks):  # the required share, as a mark across its bar
        required = float(check.threshold.fraction) * 100
        axes.plot([required, required], [row - 0.4, row + 0.4], color="black", linewidth=2)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xlabel("%")
    verdict = one(outcome_label(decision.outcome), language)
    rule = one(RULES[decision.outcome.rule], language)
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
