"""What a printed paper ballot sheet carries besides the survey: the flat, its area, and the
token printed as a QR code: which survey and which flat the sheet is for, signed so that
nobody can make one up. The token is a /start deep-link payload: "b" (join tokens start with
"A") and the signed survey and flat ids, 29 characters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from surveys.joining.tokens import InvalidToken, seal, unseal

PREFIX = "b"
_DOMAIN = b"linli-paper-ballot:"
_ID_BYTES = 4


def sign_sheet(survey_id: int, household_id: int, key: str) -> str:
    body = survey_id.to_bytes(_ID_BYTES, "big") + household_id.to_bytes(_ID_BYTES, "big")
    return PREFIX + seal(body, key, _DOMAIN)


def verify_sheet(token: str, key: str) -> tuple[int, int]:
    """(survey id, household id) of a sheet's token, or InvalidToken."""
    if not token.startswith(PREFIX):
        raise InvalidToken("not a ballot sheet")
    body = unseal(token[len(PREFIX) :], key, _DOMAIN)
    if len(body) != 2 * _ID_BYTES:
        raise InvalidToken("not a ballot sheet")
    return int.from_bytes(body[:_ID_BYTES], "big"), int.from_bytes(body[_ID_BYTES:], "big")


@dataclass(frozen=True)
class SheetFlat:
    label: str  # "9栋 1单元 401室"
    area: Decimal  # the registered area, m²
    url: str  # the deep link that opens this flat's paper ballot for the committee


@dataclass(frozen=True)
class SheetHeading:
    compound: str
    survey_id: int
    closes: str | None  # the close, local time, "2026-12-20 18:00"
