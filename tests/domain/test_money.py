from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.drives.money import MAX_FEN, MoneyError, parse_yuan, yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [("3000", 300_000), ("2580.5", 258_050), ("¥1,234.56", 123_456), ("１２元", 1200)],
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
