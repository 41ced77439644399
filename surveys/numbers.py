"""Whole numbers as people type them: ids, counts, hours. Pure: standard library only.

`str.isdigit` and `int` accept far more than digits: superscripts ("²".isdigit() is True,
and int("²") then fails), digits of every script, "1_000", and numbers of any size, which
overflow the database's integer columns. `whole_number` accepts ASCII digits only, and
full-width ones (Chinese input methods type ０-９), within the range the caller gives.
"""

from __future__ import annotations

import enum

MAX_ID = 2**31 - 1  # PostgreSQL's integer: every row id and every count column
MAX_TELEGRAM_ID = 2**63 - 1  # a BIGINT column: Telegram's user and chat ids
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_MAX_DIGITS = 19  # the longest number any range here reaches; int() of more is wasted work


class NumberProblem(enum.Enum):
    NOT_A_NUMBER = "not_a_number"  # empty, a sign, a decimal point, letters, other digits
    OUT_OF_RANGE = "out_of_range"


class NumberRefused(ValueError):
    """A typed number is refused: `problem` says why, `low`..`high` is what was expected."""

    def __init__(self, problem: NumberProblem, low: int, high: int) -> None:
        reason = "not a whole number" if problem is NumberProblem.NOT_A_NUMBER else "out of range"
        super().__init__(f"{reason}: expected a whole number from {low} to {high}")
        self.problem, self.low, self.high = problem, low, high


def whole_number(text: str, low: int = 1, high: int = MAX_ID) -> int:
    """The number `text` writes with digits 0-9 only (spaces around allowed), if it lies in
    `low`..`high`; otherwise NumberRefused. The message never repeats `text`."""
    digits = text.strip().translate(_FULL_WIDTH)
    if not digits or not digits.isascii() or not digits.isdigit():
        raise NumberRefused(NumberProblem.NOT_A_NUMBER, low, high)
    if len(digits.lstrip("0")) > _MAX_DIGITS or not low <= int(digits) <= high:
        raise NumberRefused(NumberProblem.OUT_OF_RANGE, low, high)
    return int(digits)


def whole_number_or_none(text: str, low: int = 1, high: int = MAX_ID) -> int | None:
    """`whole_number`, or None where it refuses: for a chat that answers every refusal alike."""
    try:
        return whole_number(text, low, high)
    except NumberRefused:
        return None
