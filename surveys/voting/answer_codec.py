"""Answers as stored: JSON for the value, and the options it picks for grouping in SQL.

Pure: standard library only. The value shapes are those of `surveys.voting.flow`."""

from __future__ import annotations

import json
from decimal import Decimal

from surveys.voting.decision import Answer
from surveys.voting.flow import AnswerValue
from surveys.voting.questions import (
    AgreeQuestion,
    MultipleChoice,
    NumberQuestion,
    Question,
    Ranking,
    Rating,
    SingleChoice,
    TextQuestion,
)


def encode(value: AnswerValue | None) -> str:
    if isinstance(value, frozenset):
        return json.dumps(sorted(value))
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if isinstance(value, Decimal):
        return json.dumps(str(value))  # a string: JSON numbers would pass through float
    return json.dumps(value, ensure_ascii=False)


def decode(question: Question, stored: str) -> AnswerValue | None:
    raw = json.loads(stored)
    if raw is None:
        return None
    match question:
        case MultipleChoice():
            return frozenset(raw)
        case Ranking():
            return tuple(raw)
        case NumberQuestion():
            return Decimal(raw)
        case AgreeQuestion():
            return Answer(raw)
        case Rating():
            return int(raw)
        case SingleChoice() | TextQuestion():
            return str(raw)
    raise TypeError(f"unknown question type {type(question).__name__}")


def choices(question: Question, value: AnswerValue | None) -> list[tuple[str, int]]:
    """(option, rank) rows for grouping in SQL: rank 1.. for a ranking, else 0. A rating is
    its digit, an agree answer approve / reject / abstain; a number, a text or a skip has none."""
    if value is None:
        return []
    match question:
        case Ranking():
            assert isinstance(value, tuple)
            return [(option, rank) for rank, option in enumerate(value, start=1)]
        case MultipleChoice():
            assert isinstance(value, frozenset)
            return [(option, 0) for option in sorted(value)]
        case SingleChoice() | AgreeQuestion() | Rating():
            return [(str(value), 0)]
    return []
