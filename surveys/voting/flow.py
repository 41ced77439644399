"""One respondent's way through a survey: which questions are asked, which answers count, and
whether a given answer is acceptable.

Pure: standard library only. A respondent (a person, or a flat for ``answer_per: flat``) has a
mapping of question id to answer, each as `validate_answer` returned it: an option id
(single), a frozenset of option ids (multiple), a tuple of option ids in order of preference
(ranking), an int (rating), a Decimal (number), a str (text) or a `decision.Answer` (agree);
None records that an optional question was skipped.

A question with ``show_if`` is asked only while the earlier answer it names matches. When that
answer changes so that the question is hidden, its answer stops counting at once:
`progress(...).answers` and `effective_answers` hold only the answers to visible questions,
and results must be computed from them. Storage should also delete the answers listed in
`Progress.dropped` when it saves the change, so that a question shown again is asked again
rather than silently answered by an old answer.

Nothing here is translated: a rejected answer raises `AnswerRejected` with a `RejectReason`
code and figures, and the chat words them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from surveys.text import printable, telegram_length
from surveys.voting.decision import Answer
from surveys.voting.questions import (
    RATING_SCALE,
    AgreeQuestion,
    ChoiceQuestion,
    Localized,
    MultipleChoice,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
    ShowIf,
    SingleChoice,
    TextQuestion,
)
from surveys.voting.schema import SurveyDefinition

AnswerValue = str | frozenset[str] | tuple[str, ...] | int | Decimal | Answer
Answers = Mapping[str, AnswerValue | None]


class RejectReason(StrEnum):
    """Why an answer is refused; the details each reason carries are in its comment."""

    REQUIRED = "required"  # skipped, or left empty, but the question must be answered
    MALFORMED = "malformed"  # not the shape the question takes: a damaged or made-up payload
    UNKNOWN_OPTION = "unknown_option"  # option: not an answer of this question
    DUPLICATE_OPTION = "duplicate_option"  # option: picked twice
    TOO_FEW = "too_few"  # minimum: fewer options picked
    TOO_MANY = "too_many"  # maximum: more options picked
    WRONG_COUNT = "wrong_count"  # expected: a ranking names exactly this many
    NOT_A_NUMBER = "not_a_number"
    BELOW_MINIMUM = "below_minimum"  # minimum
    ABOVE_MAXIMUM = "above_maximum"  # maximum
    TOO_MANY_PLACES = "too_many_places"  # places: decimals allowed (0: a whole number)
    TOO_LONG = "too_long"  # max_length, length


class AnswerRejected(ValueError):
    def __init__(self, reason: RejectReason, **details: object) -> None:
        super().__init__(f"{reason.value} {details}" if details else reason.value)
        self.reason = reason
        self.details = details


def _is_blank(raw: object) -> bool:
    if isinstance(raw, str):
        return not raw.strip()
    return raw is None or (isinstance(raw, list | tuple | set | frozenset) and not raw)


def validate_answer(question: Question, raw: object) -> AnswerValue | None:
    """The answer to keep for ``raw`` (a button's choice, typed text, or for a multiple choice
    or a ranking the option ids picked), or None for a skipped optional question. A blank
    ``raw`` (None, empty or only spaces, an empty selection) is a skip."""
    if _is_blank(raw):
        if question.required:
            raise AnswerRejected(RejectReason.REQUIRED)
        return None
    match question:
        case SingleChoice():
            return _option(question, raw)
        case MultipleChoice():
            picks = _picks(question, raw, ordered=False)
            if len(picks) < question.min_choices:
                raise AnswerRejected(RejectReason.TOO_FEW, minimum=question.min_choices)
            if len(picks) > question.max_choices:
                raise AnswerRejected(RejectReason.TOO_MANY, maximum=question.max_choices)
            return frozenset(picks)
        case Ranking():
            picks = _picks(question, raw, ordered=True)
            if len(picks) != question.top:
                raise AnswerRejected(RejectReason.WRONG_COUNT, expected=question.top)
            return tuple(picks)
        case Rating():
            scale = Decimal(RATING_SCALE.start), Decimal(RATING_SCALE.stop - 1)
            return int(_number(raw, *scale, places=0, unit=None))
        case NumberQuestion():
            return _number(raw, question.minimum, question.maximum, question.places, question.unit)
        case TextQuestion():
            return _text(question, raw)
        case AgreeQuestion():
            if not isinstance(raw, str):
                raise AnswerRejected(RejectReason.MALFORMED)
            if raw not in set(Answer):
                raise AnswerRejected(RejectReason.UNKNOWN_OPTION, option=raw)
            return Answer(raw)


def _option(question: ChoiceQuestion, raw: object) -> str:
    if not isinstance(raw, str):
        raise AnswerRejected(RejectReason.MALFORMED)
    if raw not in question.option_ids:
        raise AnswerRejected(RejectReason.UNKNOWN_OPTION, option=raw)
    return raw


def _picks(question: ChoiceQuestion, raw: object, *, ordered: bool) -> list[str]:
    """Known, distinct option ids; in the given order if ``ordered`` (a set has none)."""
    if not isinstance(raw, list | tuple) and (ordered or not isinstance(raw, set | frozenset)):
        raise AnswerRejected(RejectReason.MALFORMED)
    picks = [_option(question, item) for item in raw]
    for index, pick in enumerate(picks):
        if pick in picks[:index]:
            raise AnswerRejected(RejectReason.DUPLICATE_OPTION, option=pick)
    return picks


# Typed numbers: after NFKC (full-width ０-９ and ．, ，) an optional sign, digits that may be
# grouped by thousands, and decimals.
_TYPED_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


def _typed_number(raw: str, unit: Localized | None) -> Decimal:
    text = unicodedata.normalize("NFKC", raw).strip()
    for version in unit.versions if unit else ():
        suffix = unicodedata.normalize("NFKC", version)
        if text.endswith(suffix):  # "50元" for a question asked in 元
            text = text.removesuffix(suffix).rstrip()
            break
    if not _TYPED_NUMBER.fullmatch(text):
        raise AnswerRejected(RejectReason.NOT_A_NUMBER)
    return Decimal(text.replace(",", ""))


def _number(
    raw: object, minimum: Decimal, maximum: Decimal, places: int, unit: Localized | None
) -> Decimal:
    if isinstance(raw, str):
        value = _typed_number(raw, unit)
    elif isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        value = Decimal(raw)  # a float is refused: it has already been rounded in binary
        if not value.is_finite():
            raise AnswerRejected(RejectReason.NOT_A_NUMBER)
    else:
        raise AnswerRejected(RejectReason.MALFORMED)
    # The range is checked first: within it, quantizing stays inside Decimal's precision.
    if value < minimum:
        raise AnswerRejected(RejectReason.BELOW_MINIMUM, minimum=minimum)
    if value > maximum:
        raise AnswerRejected(RejectReason.ABOVE_MAXIMUM, maximum=maximum)
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step):
        raise AnswerRejected(RejectReason.TOO_MANY_PLACES, places=places)
    return value.quantize(step)  # "12" for a question in yuan and fen is 12.00


def _text(question: TextQuestion, raw: object) -> str:
    if not isinstance(raw, str):
        raise AnswerRejected(RejectReason.MALFORMED)
    text = printable(raw).strip()  # a NUL would stop every export of the survey
    if telegram_length(text) > question.max_length:
        raise AnswerRejected(
            RejectReason.TOO_LONG, max_length=question.max_length, length=telegram_length(text)
        )
    return text


class QuestionNumber(NamedTuple):
    """ "Question ``number`` of ``total``", counting the visible questions only."""

    number: int
    total: int


def _shown(condition: ShowIf, answer: AnswerValue | None) -> bool:
    if isinstance(answer, frozenset):  # a multiple choice: any one of the listed options
        return not answer.isdisjoint(condition.answers)
    return isinstance(answer, str) and answer in condition.answers


@dataclass(frozen=True)
class Progress:
    """Where a respondent stands, for the answers given so far.

    ``visible`` are the questions asked, in order, with every condition applied to the
    answers that count; ``answers`` are those answers (to visible questions only); ``dropped``
    are ids answered that no longer count. The total of visible questions can change as
    answers are given: "question 3 of 5" may become "question 3 of 7".
    """

    visible: tuple[Question, ...]
    answers: Mapping[str, AnswerValue | None]
    dropped: frozenset[str]

    def _answered(self, question: Question) -> bool:
        # A skip (None) answers an optional question only.
        return question.id in self.answers and (
            self.answers[question.id] is not None or not question.required
        )

    @property
    def next_question(self) -> Question | None:
        """The first visible question not answered yet, or None when all are."""
        return next((q for q in self.visible if not self._answered(q)), None)

    @property
    def finished(self) -> bool:
        """Every visible required question is answered; optional ones may be left."""
        return all(self._answered(q) for q in self.visible if q.required)

    def numbering(self, question_id: str) -> QuestionNumber:
        """Raise KeyError for a question that is not visible."""
        for number, question in enumerate(self.visible, start=1):
            if question.id == question_id:
                return QuestionNumber(number, len(self.visible))
        raise KeyError(question_id)


def progress(definition: SurveyDefinition, answers: Answers) -> Progress:
    visible: list[Question] = []
    counted: dict[str, AnswerValue | None] = {}
    for question in definition.questions:
        condition = question.show_if
        # A condition names an earlier question, so its answer is already settled here.
        if condition is not None and not _shown(condition, counted.get(condition.question)):
            continue
        visible.append(question)
        if question.id in answers:
            counted[question.id] = answers[question.id]
    return Progress(
        visible=tuple(visible),
        answers=MappingProxyType(counted),
        dropped=frozenset(answers.keys() - counted.keys()),
    )


def effective_answers(
    definition: SurveyDefinition, answers: Answers
) -> Mapping[str, AnswerValue | None]:
    """The answers that count: those to questions visible under the answers themselves."""
    return progress(definition, answers).answers
