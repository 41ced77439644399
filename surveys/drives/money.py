"""Amounts of money as people type them and as the committee reads them: whole fen inside,
yuan with two decimals outside. Pure: standard library only."""

from __future__ import annotations

import enum
import re
import unicodedata
from decimal import Decimal

MAX_FEN = 10**12  # ten billion yuan: a typo, not a pledge
_MAX_YUAN = Decimal(MAX_FEN) / 100
_FEN = Decimal("0.01")
_MAX_TYPED = 40  # characters: "¥10,000,000,000.00元" with room to spare
_WAN = Decimal(10_000)
# A pledge above this many times the flat's share, or above the fixed limit, is asked again
# before it is recorded: an extra zero, or 6万 meant as 6千, is the likely cause.
SHARE_MULTIPLE = 3
LARGE_PLEDGE_FEN = 100_000_00  # ¥100,000

# "¥1,500.50元", "1.5万", "6万元", "RMB 3000": a prefix, digits (commas only between groups of
# three), a fraction, then 万 and/or a unit. Nothing else: no exponent, no sign.
_AMOUNT = re.compile(
    r"(?:¥|rmb)?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"(?P<wan>万)?(?:元|块|块钱|yuan|rmb)?"
)
# A comma or point in a place a reader could take either way: "1,50", "1.500,50", "6万5".
_AMBIGUOUS = re.compile(r"\d,\d|\d[.,]\d+[.,]\d|万\d")


class MoneyProblem(enum.StrEnum):
    UNREADABLE = "not an amount of yuan"
    AMBIGUOUS = "an amount that reads two ways"
    NOT_POSITIVE = "not a positive amount"
    TOO_LARGE = "too large"
    TOO_PRECISE = "more than two decimals"


class MoneyError(ValueError):
    """The text is not an amount of yuan; `problem` says why, without repeating the text (a
    resident typed it: it stays out of logs and tracebacks)."""

    def __init__(self, problem: MoneyProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_yuan(text: str) -> int:
    """'1234.5', '¥1,234.50', '1234元', '6万', '1.5万' or full-width digits -> fen. Positive, at
    most 2 places of fen, at most MAX_FEN. Anything else, however absurd ("1e999999") or
    ambiguous ("1,50"), is a MoneyError naming the problem."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = re.sub(r"\s", "", cleaned.replace("￥", "¥"))
    if len(cleaned) > _MAX_TYPED:
        raise MoneyError(MoneyProblem.UNREADABLE)
    if cleaned.startswith("-"):
        raise MoneyError(MoneyProblem.NOT_POSITIVE)
    found = _AMOUNT.fullmatch(cleaned)
    if found is None:
        if _AMBIGUOUS.search(cleaned):
            raise MoneyError(MoneyProblem.AMBIGUOUS)
        raise MoneyError(MoneyProblem.UNREADABLE)
    # At most 40 characters of digits: Decimal holds them exactly.
    amount = Decimal(found["number"].replace(",", "") + "." + (found["fraction"] or "0"))
    if found["wan"]:
        amount *= _WAN
    if amount <= 0:
        raise MoneyError(MoneyProblem.NOT_POSITIVE)
    if amount > _MAX_YUAN:
        raise MoneyError(MoneyProblem.TOO_LARGE)
    if amount != amount.quantize(_FEN):
        raise MoneyError(MoneyProblem.TOO_PRECISE)
    return int(amount.quantize(_FEN) * 100)


def far_above_share(amount_fen: int, share_fen: int) -> bool:
    """Whether a pledge of `amount_fen` for a flat whose share is `share_fen` needs the
    resident's confirmation."""
    return amount_fen > SHARE_MULTIPLE * share_fen or amount_fen > LARGE_PLEDGE_FEN


def yuan(fen: int) -> str:
    """12345 -> '123.45', with thousands separators."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
