"""The token printed as a QR code on a paper ballot sheet: which survey and which flat the
sheet is for, signed so that nobody can make one up. It is a /start deep-link payload: "b"
(join tokens start with "A") and the signed survey and flat ids, 29 characters."""

from __future__ import annotations

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
