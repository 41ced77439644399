"""The hygiene of what people type: control characters, Telegram's UTF-16 lengths, and whole
numbers that are only digits, within a column's range."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.complaints.rules import ComplaintLimits, OverLimit
from surveys.numbers import (
    MAX_ID,
    NumberProblem,
    NumberRefused,
    whole_number,
    whole_number_or_none,
)
from surveys.text import CAPTION_LIMIT, clipped, printable, telegram_length


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("楼道\x00漏水", "楼道漏水"),
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
        ("a\tb\nc", "a\tb\nc"),
        ("\x1b[31m红色\x07\x7f\x85", "[31m红色"),
        ("孤\ud800立", "孤立"),  # a lone surrogate, as a JSON escape can make one
        ("\ufffe\uffff📢", "📢"),
    ],
)
def test_printable_keeps_text_and_line_breaks_only(typed: str, kept: str) -> None:
    assert printable(typed) == kept


@given(st.text())
def test_printable_text_encodes_and_is_stable(text: str) -> None:
    kept = printable(text)
    kept.encode("utf-8")  # no lone surrogate left
    assert printable(kept) == kept
    assert all(ch in "\t\n" or ord(ch) >= 0x20 for ch in kept)


def test_lengths_are_counted_as_telegram_counts_them() -> None:
    assert telegram_length("公告") == 2
    assert telegram_length("📢" * 2100) == 4200  # 2,100 characters for Python
    assert clipped("📢" * 600, CAPTION_LIMIT) == "📢" * 512
    assert clipped("a" + "📢" * 600, CAPTION_LIMIT) == "a" + "📢" * 511  # no half emoji
    assert clipped("short") == "short"


@pytest.mark.parametrize(("typed", "number"), [("12", 12), (" 7 ", 7), ("１２", 12), ("007", 7)])
def test_whole_numbers_of_ascii_or_full_width_digits(typed: str, number: int) -> None:
    assert whole_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["", "²", "٣", "1_000", "+5", "-1", "1.0", "1e3", "12a", "#3", "五"]
)
def test_anything_but_digits_is_not_a_number(typed: str) -> None:
    with pytest.raises(NumberRefused) as refused:
        whole_number(typed)
    assert refused.value.problem is NumberProblem.NOT_A_NUMBER
    assert whole_number_or_none(typed) is None


@pytest.mark.parametrize("typed", ["0", str(MAX_ID + 1), "99999999999999999999", "9" * 5000])
def test_numbers_outside_the_column_are_refused(typed: str) -> None:
    with pytest.raises(NumberRefused) as refused:
        whole_number(typed)
    assert refused.value.problem is NumberProblem.OUT_OF_RANGE
    assert typed[:20] not in str(refused.value)  # the refusal never repeats what was typed


def test_the_caller_gives_the_range() -> None:
    assert whole_number("200", 1, 200) == 200
    assert whole_number_or_none("201", 1, 200) is None


def test_a_complaint_text_is_kept_printable_and_measured_as_telegram_does() -> None:
    limits = ComplaintLimits(text=100)
    assert limits.check_text("楼道\x00漏水\r\n") == "楼道漏水\n"
    assert limits.check_text("📢" * 50) == "📢" * 50
    with pytest.raises(OverLimit):
        limits.check_text("📢" * 51)  # 51 characters, 102 UTF-16 code units
