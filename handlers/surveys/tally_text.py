"""A survey's result as the committee and the residents read it: participation, every option,
and for a decided question the outcome with each threshold and its figures."""

from __future__ import annotations

from decimal import Decimal

from aiogram.utils.i18n import gettext as _

from handlers.surveys.texts import agree_label, local
from surveys.voting.decision import Answer, BlockReason, Check, Comparison, Measure, still_needed
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


def _amount(measure: Measure, amount: Decimal | int) -> str:
    if measure.in_area:
        return f"{amount} m²"
    if measure in (Measure.QUORUM_HEADS, Measure.APPROVAL_HEADS):
        return _("{count} owners").format(count=amount)
    return _("{count} flats").format(count=amount)


def check_line(check: Check, running: bool) -> str:
    """One threshold with its figures; while the vote runs, what it still needs."""
    threshold = check.threshold
    needed = (
        _("at least {fraction}")
        if threshold.comparison is Comparison.AT_LEAST
        else _("more than {fraction}")
    ).format(fraction=threshold.fraction)
    unit = " m²" if threshold.measure.in_area else ""
    if check.met:
        verdict = _("met")
    elif not running:
        verdict = _("not met")
    else:
        more = still_needed(check)
        verdict = (
            _("not met yet; new answers alone cannot meet it")
            if more is None
            else _("not met yet: {amount} more needed").format(
                amount=_amount(threshold.measure, more)
            )
        )
    return f"{'✅' if check.met else '❌'} {_measure(threshold.measure)} {needed}: " + (
        f"{check.figure}{unit} / {check.base}{unit}, {verdict}"
    )


def _verdict(decision: Decision, running: bool) -> str:
    outcome = decision.outcome
    if running:  # nothing is decided before the close: say where the figures stand
        if outcome.passed:
            return _("So far: carried")
        if outcome.blocked:
            return _("So far: carried by the figures, but blocked")
        return _("So far: not carried yet")
    if outcome.passed:
        return _("Passed")
    if outcome.blocked:
        return _("Not passed: blocked although the figures were met")
    return _("Not passed")


def decision_lines(
    decision: Decision, question: AgreeQuestion, language: str, running: bool
) -> list[str]:
    outcome = decision.outcome
    lines = [f"【{_verdict(decision, running)}】 {local(question.text, language)}"]
    lines += [check_line(check, running) for check in outcome.checks]
    for block in outcome.blocks:
        reason = {
            BlockReason.WRITTEN_OBJECTIONS: _("written objections: {count}"),
            BlockReason.MISSING_AFFECTED_CONSENTS: _("affected flats without consent: {count}"),
        }[block.reason]
        lines.append("⛔ " + reason.format(count=block.count))
    if running and not outcome.thresholds_met:
        lines.append(
            _(
                "The vote is still open: “more needed” counts answers yet to come, agreeing "
                "ones for an approval."
            )
        )
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


def tally_text(
    tally: SurveyTally, definition: SurveyDefinition, language: str, *, running: bool
) -> str:
    """The result; `running`: the survey is still open, so a vote is not decided yet."""
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
        lines += ["", *decision_lines(decision, question, language, running)]
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
