"""Amounts of money as people type them and as the committee reads them: whole fen inside,
yuan with two decimals outside. Pure: standard library only."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

MAX_FEN = 10**12  # ten billion yuan: a typo, not a pledge
_MAX_YUAN = Decimal(MAX_FEN) / 100
_FEN = Decimal("0.01")
_MAX_TYPED = 40  # characters: "¥10,000,000,000.00元" with room to spare


class MoneyError(ValueError):
    """The text is not an amount of yuan; the message says why, without repeating the text
    (a resident typed it: it stays out of logs and tracebacks)."""


def parse_yuan(text: str) -> int:
    """'1234.5', '¥1,234.50', '1234元' or full-width digits -> fen. Positive, at most 2 places,
    at most MAX_FEN. Anything else, however absurd ("1e999999"), is a MoneyError."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    for noise in ("¥", "￥", "元", "yuan", "RMB", ",", " "):
        cleaned = cleaned.replace(noise, "")
    if len(cleaned) > _MAX_TYPED:
        raise MoneyError("not an amount of yuan: too long")
    try:
        amount = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        raise MoneyError("not an amount of yuan") from None
    # Compared exactly and before any arithmetic, which could overflow or round.
    if not amount.is_finite() or amount <= 0:
        raise MoneyError("not a positive amount")
    if amount > _MAX_YUAN:
        raise MoneyError(f"too large: at most {yuan(MAX_FEN)} yuan")
    # Within (0, MAX] quantizing stays inside Decimal's precision; it rounds, so a third
    # decimal shows as a difference.
    if amount != amount.quantize(_FEN):
        raise MoneyError("more than two decimals")
    return int(amount.quantize(_FEN) * 100)


def yuan(fen: int) -> str:
    """12345 -> '123.45', with thousands separators."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
