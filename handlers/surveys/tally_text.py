"""A survey's result as the committee and the residents read it: participation, every option,
and for a decided question the outcome with each threshold and its figures."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers.surveys.texts import agree_label, local
from surveys.voting.decision import Answer, BlockReason, Check, Comparison, Measure
from surveys.voting.questions import AgreeQuestion, ChoiceQuestion
from surveys.voting.results import (
    ChoiceResult,
    Decision,
    NumberResult,
    SurveyTally,
    TextResult,
)
from surveys.voting.schema import SurveyDefinition


def _measure(measure: Measure) -> str:
    return {
        Measure.QUORUM_AREA: _("Participation by area"),
        Measure.QUORUM_HEADS: _("Participation by owners"),
        Measure.APPROVAL_AREA: _("Approval by area"),
        Measure.APPROVAL_HEADS: _("Approval by owners"),
        Measure.MAJORITY_OF_ANSWERS: _("Agree against disagree"),
        Measure.UNANIMITY: _("Every flat agrees"),
    }[measure]


def check_line(check: Check) -> str:
    threshold = check.threshold
    needed = (
        _("at least {fraction}")
        if threshold.comparison is Comparison.AT_LEAST
        else _("more than {fraction}")
    ).format(fraction=threshold.fraction)
    unit = " m²" if threshold.measure in (Measure.QUORUM_AREA, Measure.APPROVAL_AREA) else ""
    verdict = _("met") if check.met else _("not met")
    return f"{'✅' if check.met else '❌'} {_measure(threshold.measure)} {needed}: " + (
        f"{check.figure}{unit} / {check.base}{unit}, {verdict}"
    )


def decision_lines(decision: Decision, question: AgreeQuestion, language: str) -> list[str]:
    outcome = decision.outcome
    if outcome.passed:
        verdict = _("Passed")
    elif outcome.blocked:
        verdict = _("Not passed: blocked although the figures were met")
    else:
        verdict = _("Not passed")
    lines = [f"【{verdict}】 {local(question.text, language)}"]
    lines += [check_line(check) for check in outcome.checks]
    for block in outcome.blocks:
        reason = {
            BlockReason.WRITTEN_OBJECTIONS: _("written objections: {count}"),
            BlockReason.MISSING_AFFECTED_CONSENTS: _("affected flats without consent: {count}"),
        }[block.reason]
        lines.append("⛔ " + reason.format(count=block.count))
    return lines


def _choice_lines(
    result: ChoiceResult, question: ChoiceQuestion | AgreeQuestion, language: str
) -> list[str]:
    if isinstance(question, AgreeQuestion):
        names = {answer.value: agree_label(answer) for answer in Answer}
    elif isinstance(question, ChoiceQuestion):
        names = {option.id: local(option.text, language) for option in question.options}
    else:
        names = {}
    lines = []
    for option in result.options:
        area = _(", {area} m²").format(area=f"{option.area:.2f}") if option.area is not None else ""
        points = _(", {points} points").format(points=option.points) if option.points else ""
        lines.append(
            f"  · {names.get(option.option_id, option.option_id)}: "
            + (_("{count} flats") if option.area is not None else _("{count} people")).format(
                count=option.respondents
            )
            + area
            + points
        )
    return lines


def tally_text(tally: SurveyTally, definition: SurveyDefinition, language: str) -> str:
    share = tally.participation
    lines = [
        local(definition.title, language),
        _(
            "Answered: {flats} of {eligible} flats ({area} of {total} m²), "
            "{heads} of {owners} owners"
        ).format(
            flats=share.answered_flats,
            eligible=share.eligible_flats,
            area=share.answered_area,
            total=share.eligible_area,
            heads=share.answered_heads,
            owners=share.eligible_heads,
        ),
    ]
    for decision in tally.decisions:
        question = definition.question(decision.question_id)
        assert isinstance(question, AgreeQuestion)
        lines += ["", *decision_lines(decision, question, language)]
    for number, result in enumerate(tally.questions, start=1):
        question = definition.question(result.question_id)
        lines += ["", f"{number}. {local(question.text, language)}"]
        if isinstance(result, ChoiceResult):
            assert isinstance(question, ChoiceQuestion | AgreeQuestion)
            lines += _choice_lines(result, question, language)
        elif isinstance(result, NumberResult) and result.answered:
            lines.append(
                "  "
                + _("{count} answers, from {low} to {high}, average {mean}").format(
                    count=result.answered, low=result.minimum, high=result.maximum, mean=result.mean
                )
            )
        elif isinstance(result, TextResult | NumberResult):
            lines.append(
                "  "
                + _("{count} answers (the texts are in the export)").format(count=result.answered)
            )
    return "\n".join(lines)
