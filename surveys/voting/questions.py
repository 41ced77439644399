"""The questions of a survey definition: their types, options, conditions and Telegram limits.

Pure: standard library only. These are the validated, frozen forms; `surveys.voting.schema` builds
them from YAML and reports what is wrong with a definition, and `surveys.voting.flow` checks answers
against them.

Ids are short slugs (`SLUG`) because they travel in button payloads, which Telegram caps at 64
bytes, and contain no ":", aiogram's separator. Lengths
are counted as Telegram counts them, in UTF-16 code units: a CJK character is one, an emoji
two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from surveys.voting.decision import PRESETS, Answer, Rule, RuleKind

SLUG = re.compile(r"[a-z0-9_]{1,16}")  # question and option ids
MIN_OPTIONS = 2
MAX_OPTIONS = 100  # Telegram shows at most 100 buttons under a message
MAX_BUTTON_TEXT = 64  # an option's text is its button's label
# A message holds 4096; the rest is left to the chat for "question 3 of 12" and a hint.
MESSAGE_BUDGET = 4000
RATING_SCALE = range(1, 6)


@dataclass(frozen=True)
class Localized:
    """A text in Chinese (``zh_CN``, always there) and, optionally, English."""

    zh_CN: str
    en: str | None = None

    def in_language(self, language: str) -> str:
        """The text for a language code of the bot ("zh_CN", "en"), Chinese by default."""
        return self.en if language == "en" and self.en is not None else self.zh_CN

    @property
    def versions(self) -> tuple[str, ...]:
        """Every language version present, for checks that must hold in all of them."""
        return (self.zh_CN,) if self.en is None else (self.zh_CN, self.en)


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"
    RATING = "rating"
    NUMBER = "number"
    TEXT = "text"
    AGREE = "agree"


@dataclass(frozen=True)
class Option:
    id: str
    text: Localized


@dataclass(frozen=True)
class ShowIf:
    """Ask a question only when the earlier question ``question`` was answered with one of
    ``answers`` (option ids, or approve / reject / abstain for an agree question); for a
    multiple choice, when any one of them was picked."""

    question: str
    answers: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class QuestionBase:
    type: ClassVar[QuestionType]

    id: str
    text: Localized
    required: bool = True
    show_if: ShowIf | None = None


@dataclass(frozen=True, kw_only=True)
class ChoiceQuestion(QuestionBase):
    """A question answered by pressing option buttons."""

    options: tuple[Option, ...]

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)


@dataclass(frozen=True, kw_only=True)
class SingleChoice(ChoiceQuestion):
    type: ClassVar[QuestionType] = QuestionType.SINGLE


@dataclass(frozen=True, kw_only=True)
class MultipleChoice(ChoiceQuestion):
    type: ClassVar[QuestionType] = QuestionType.MULTIPLE

    min_choices: int
    max_choices: int


@dataclass(frozen=True, kw_only=True)
class Ranking(ChoiceQuestion):
    """Pick the ``top`` preferred options, in order of preference."""

    type: ClassVar[QuestionType] = QuestionType.RANKING

    top: int


@dataclass(frozen=True, kw_only=True)
class Rating(QuestionBase):
    """A score on `RATING_SCALE` (1 to 5), with optional words for its two ends."""

    type: ClassVar[QuestionType] = QuestionType.RATING

    low_label: Localized | None = None
    high_label: Localized | None = None


@dataclass(frozen=True, kw_only=True)
class NumberQuestion(QuestionBase):
    """A typed number within ``minimum`` and ``maximum``, with at most ``places`` decimals
    (0: a whole number)."""

    type: ClassVar[QuestionType] = QuestionType.NUMBER

    minimum: Decimal
    maximum: Decimal
    places: int = 0
    unit: Localized | None = None


@dataclass(frozen=True, kw_only=True)
class TextQuestion(QuestionBase):
    type: ClassVar[QuestionType] = QuestionType.TEXT

    max_length: int = 500


@dataclass(frozen=True, kw_only=True)
class AgreeQuestion(QuestionBase):
    """Agree, disagree or abstain: the question a vote decides. Answers are
    `surveys.voting.decision.Answer` (approve / reject / abstain) and, unless the rule is NONE, are
    tallied and decided by it."""

    type: ClassVar[QuestionType] = QuestionType.AGREE
    choices: ClassVar[tuple[str, ...]] = tuple(Answer)

    rule: Rule = PRESETS[RuleKind.NONE]

    @property
    def decided(self) -> bool:
        return self.rule.kind is not RuleKind.NONE


Question = (
    SingleChoice | MultipleChoice | Ranking | Rating | NumberQuestion | TextQuestion | AgreeQuestion
)


def choice_ids(question: QuestionBase) -> tuple[str, ...] | None:
    """The answers a ``show_if`` may test the question for, or None when it cannot depend on
    the question (ratings, numbers and texts)."""
    if isinstance(question, ChoiceQuestion):
        return question.option_ids
    if isinstance(question, AgreeQuestion):
        return question.choices
    return None
