"""How a survey question, an answer and a refusal read in the chat."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from surveys.voting.decision import Answer
from surveys.voting.flow import AnswerValue, RejectReason
from surveys.voting.questions import (
    AgreeQuestion,
    ChoiceQuestion,
    Localized,
    MultipleChoice,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
    TextQuestion,
)


def local(text: Localized, language: str) -> str:
    return text.in_language(language)


def agree_label(answer: Answer) -> str:
    return {Answer.APPROVE: _("Agree"), Answer.REJECT: _("Disagree"), Answer.ABSTAIN: _("Abstain")}[
        answer
    ]


def how_to_answer(question: Question, language: str) -> str:
    match question:
        case MultipleChoice():
            return _("Choose {low} to {high}, then tap “Done”.").format(
                low=question.min_choices, high=question.max_choices
            )
        case Ranking():
            return _("Tap your {count} choices in order of preference, then tap “Done”.").format(
                count=question.top
            )
        case Rating():
            ends = [label for label in (question.low_label, question.high_label) if label]
            hint = _("Tap a score from 1 (lowest) to 5 (highest).")
            if len(ends) == 2:
                hint += f" (1 = {local(ends[0], language)}, 5 = {local(ends[1], language)})"
            return hint
        case NumberQuestion():
            unit = local(question.unit, language) if question.unit else ""
            return _("Send the number as a message ({low} to {high}{unit}).").format(
                low=question.minimum, high=question.maximum, unit=unit
            )
        case TextQuestion():
            return _("Send your answer as a message (at most {count} characters).").format(
                count=question.max_length
            )
    return ""


def answer_text(question: Question, value: AnswerValue | None, language: str) -> str:
    if value is None:
        return _("(skipped)")
    if isinstance(question, AgreeQuestion):
        return agree_label(Answer(value))
    if isinstance(question, ChoiceQuestion):
        names = {option.id: local(option.text, language) for option in question.options}
        if isinstance(value, tuple):
            return " ".join(f"{rank}. {names[v]}" for rank, v in enumerate(value, start=1))
        if isinstance(value, frozenset):
            return "、".join(names[v] for v in question.option_ids if v in value)
        return names[str(value)]
    return str(value)


def rejection_text(reason: RejectReason, details: dict[str, object]) -> str:
    texts = {
        RejectReason.REQUIRED: _("This question needs an answer."),
        RejectReason.MALFORMED: _("This button is no longer valid."),
        RejectReason.UNKNOWN_OPTION: _("This button is no longer valid."),
        RejectReason.DUPLICATE_OPTION: _("Each choice can be picked once."),
        RejectReason.TOO_FEW: _("Please choose at least {minimum}."),
        RejectReason.TOO_MANY: _("Please choose at most {maximum}."),
        RejectReason.WRONG_COUNT: _("Please choose exactly {expected}, in order."),
        RejectReason.NOT_A_NUMBER: _("Please send a number, for example 12."),
        RejectReason.BELOW_MINIMUM: _("The number must be at least {minimum}."),
        RejectReason.ABOVE_MAXIMUM: _("The number must be at most {maximum}."),
        RejectReason.TOO_MANY_PLACES: _("Please use at most {places} decimal places."),
        RejectReason.TOO_LONG: _("Please keep it to {max_length} characters (you sent {length})."),
    }
    return texts[reason].format(**details)
