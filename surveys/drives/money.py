"""Amounts of money as people type them and as the committee reads them: whole fen inside,
yuan with two decimals outside. Pure: standard library only."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

MAX_FEN = 10**12  # ten billion yuan: a typo, not a pledge


class MoneyError(ValueError):
    """The text is not an amount of yuan; the message says why."""


def parse_yuan(text: str) -> int:
    """'1234.5', '¥1,234.50', '1234元' or full-width digits -> fen. Positive, at most 2 places."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for noise in ("¥", "￥", "元", "yuan", "RMB", ",", " "):
        cleaned = cleaned.replace(noise, "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not an amount of yuan") from None
    if not amount.is_finite() or amount <= 0:
        raise MoneyError(f"{text!r} is not a positive amount")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(f"{text!r} has more than two decimals")
    if fen > MAX_FEN:
        raise MoneyError(f"{text!r} is too large")
    return int(fen)


def yuan(fen: int) -> str:
    """12345 -> '123.45', with thousands separators."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
