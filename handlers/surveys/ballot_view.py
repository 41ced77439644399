"""How a ballot reads in Telegram: a question with its buttons, the receipt, and the list of
questions to change. What to ask is decided by surveys.voting.flow; this only renders it."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.surveys.callbacks import AnswerPress, BallotStep
from handlers.surveys.texts import agree_label, answer_text, how_to_answer, local
from surveys.voting.decision import Answer
from surveys.voting.flow import AnswerValue, Progress
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    MultipleChoice,
    Question,
    Ranking,
    Rating,
)
from surveys.voting.schema import ResultsVisibility, SurveyDefinition

TICK = "✓ "


def confirmation(where: Progress, question: Question, language: str) -> str:
    """「✓ 问题 2：同意」: what was just recorded."""
    return _("✓ Question {number}: {answer}").format(
        number=where.numbering(question.id).number,
        answer=answer_text(question, where.answers.get(question.id), language),
    )


def question_text(
    definition: SurveyDefinition, question: Question, where: Progress, language: str
) -> str:
    number = where.numbering(question.id)
    lines = [
        local(definition.title, language),
        _("Question {number} of {total}").format(number=number.number, total=number.total),
        "",
        local(question.text, language),
    ]
    hint = how_to_answer(question, language)
    if hint:
        lines += ["", hint]
    if question.id in where.answers:
        current = answer_text(question, where.answers[question.id], language)
        lines += ["", _("Your answer: {answer}").format(answer=current)]
    return "\n".join(lines)


def picked_of(current: AnswerValue | None) -> list[str]:
    """The option ids an answer picks, in order (a ranking's order)."""
    if isinstance(current, tuple):
        return list(current)
    if isinstance(current, frozenset):
        return sorted(current)
    return [current] if isinstance(current, str) else []


def question_keyboard(
    ballot_id: int, question: Question, picked: Sequence[str], where: Progress, language: str
) -> InlineKeyboardMarkup:
    """The answer buttons; a multiple choice or a ranking shows what is picked so far (kept
    by option id in the conversation state, never read back from these labels)."""
    builder = InlineKeyboardBuilder()
    widths: list[int] = []

    def press(text: str, choice: str) -> None:
        data = AnswerPress(ballot_id=ballot_id, question_id=question.id, choice=choice)
        builder.button(text=text, callback_data=data)

    def step(text: str, action: str) -> None:
        data = BallotStep(ballot_id=ballot_id, question_id=question.id, action=action)
        builder.button(text=text, callback_data=data)

    if isinstance(question, ChoiceQuestion):
        for option in question.options:
            label = local(option.text, language)
            if isinstance(question, Ranking) and option.id in picked:
                label = f"{list(picked).index(option.id) + 1}. {label}"
            elif option.id in picked:
                label = TICK + label
            press(label, option.id)
        widths += [1] * len(question.options)
        if isinstance(question, MultipleChoice | Ranking):
            step(_("Done"), "done")
            widths.append(1)
    elif isinstance(question, AgreeQuestion):
        for answer in Answer:
            press(agree_label(answer), answer.value)
        widths.append(3)
    elif isinstance(question, Rating):
        for score in range(1, 6):
            press(str(score), str(score))
        widths.append(5)
    controls = 0
    if where.numbering(question.id).number > 1:
        step(_("« Previous question"), "back")
        controls += 1
    if not question.required:
        step(_("Skip"), "skip")
        controls += 1
    if controls:
        widths.append(controls)
    builder.adjust(*widths)
    return builder.as_markup()


def answer_lines(where: Progress, language: str) -> list[str]:
    """「1. 问题 → 同意」 for each answered question, in order."""
    lines = []
    for number, question in enumerate(where.visible, start=1):
        if question.id in where.answers:
            answer = answer_text(question, where.answers[question.id], language)
            lines.append(f"{number}. {local(question.text, language)}\n   → {answer}")
    return lines


def receipt(
    definition: SurveyDefinition,
    survey_id: int,
    closes: bool,
    ballot_id: int,
    where: Progress,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("Your answers to “{title}” are recorded:").format(
            title=local(definition.title, language)
        ),
        *answer_lines(where, language),
    ]
    if closes:
        lines += ["", _("You can change them until the close.")]
    if definition.results_visible is ResultsVisibility.LIVE:
        lines.append(_("The results so far: /results {number}").format(number=survey_id))
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Change my answers"),
        callback_data=BallotStep(ballot_id=ballot_id, question_id="", action="pick"),
    )
    return "\n".join(lines), builder.as_markup()


def question_picker(ballot_id: int, where: Progress) -> InlineKeyboardMarkup:
    """A button per question, to change any one of them."""
    builder = InlineKeyboardBuilder()
    for number, question in enumerate(where.visible, start=1):
        builder.button(
            text=_("Question {number}").format(number=number),
            callback_data=BallotStep(ballot_id=ballot_id, question_id=question.id, action="edit"),
        )
    builder.adjust(4)
    return builder.as_markup()
