from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.drives.money import MAX_FEN, MoneyError, MoneyProblem, parse_yuan, yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("3000", 300_000),
        ("2580.5", 258_050),
        ("¥1,234.56", 123_456),
        ("１２元", 1200),
        ("6万", 6_000_000),
        ("1.5万", 1_500_000),
        ("1.5 万元", 1_500_000),
        ("¥1,500", 150_000),
        ("￥1，500", 150_000),  # full-width yen sign and comma
        ("1500元", 150_000),
        ("1,500.50", 150_050),
        ("RMB 3000", 300_000),
        ("800块", 80_000),
        ("1.23456万", 1_234_560),
    ],
)
def test_amounts_as_people_type_them(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "0", "-5", "1.234", "NaN", "Infinity", "1e20"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_yuan(text)


@given(st.integers(1, MAX_FEN))
def test_printed_amounts_read_back(fen: int) -> None:
    assert parse_yuan(yuan(fen)) == fen
    assert Decimal(yuan(fen).replace(",", "")) * 100 == fen


@pytest.mark.parametrize(
    "text",
    [
        "1e999999",  # decimal.Overflow once multiplied into fen
        "1e-999999999",  # underflows to 0 fen
        "9" * 5000,
        "1e99999999999999999999",
        "sNaN",
        "0.001",
        "1.0000000000000000000000000000001",  # beyond Decimal's 28 digits
    ],
)
def test_absurd_amounts_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_yuan(text)
    assert text not in str(refused.value)  # the reason, never the typed text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1,50", MoneyProblem.AMBIGUOUS),  # 1.50 or 150?
        ("1.500,50", MoneyProblem.AMBIGUOUS),  # European or a typo?
        ("6万5", MoneyProblem.AMBIGUOUS),  # 65,000 or 60,005?
        ("一万", MoneyProblem.UNREADABLE),
        ("1e20", MoneyProblem.UNREADABLE),
        ("-5", MoneyProblem.NOT_POSITIVE),
        ("0万", MoneyProblem.NOT_POSITIVE),
        ("1.2345678万", MoneyProblem.TOO_PRECISE),
        ("100000000000万", MoneyProblem.TOO_LARGE),
        ("9" * 41, MoneyProblem.UNREADABLE),
    ],
)
def test_ambiguous_and_absurd_amounts_name_their_problem(text: str, problem: MoneyProblem) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_yuan(text)
    assert refused.value.problem is problem
