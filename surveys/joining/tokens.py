"""Signed join tokens for QR deep links.

A token names a join-code row and carries an HMAC so that nobody can make one up. It fits
Telegram's /start payload (at most 64 characters of A-Za-z0-9_-): version byte + minimal
big-endian code id + 12 bytes of HMAC-SHA256, base64url without padding — 22 characters
for ids below 2**24. Revocation, expiry and use limits live in the database row, not here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

VERSION = 1
_SIGNATURE_BYTES = 12
_DOMAIN = b"linli-join-code:"  # keeps these signatures apart from any other use of the key
MAX_PAYLOAD = 64


class InvalidToken(ValueError):
    """The token is malformed or its signature does not match: forged or damaged."""


def _signature(key: bytes, body: bytes, domain: bytes) -> bytes:
    return hmac.new(key, domain + body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def seal(body: bytes, key: str, domain: bytes) -> str:
    """`body` with its signature under `domain` (one domain per use of the key), base64url."""
    raw = body + _signature(key.encode(), body, domain)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unseal(token: str, key: str, domain: bytes) -> bytes:
    """The body `seal` signed, or InvalidToken."""
    if not token or len(token) > MAX_PAYLOAD or not token.isascii():
        raise InvalidToken("not a token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise InvalidToken("not the canonical encoding")  # one body, one token string
    body, signature = raw[:-_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _signature(key.encode(), body, domain)):
        raise InvalidToken("signature mismatch")
    return body


def sign(code_id: int, key: str) -> str:
    if code_id < 1:
        raise ValueError("code ids are positive")
    body = bytes([VERSION]) + code_id.to_bytes((code_id.bit_length() + 7) // 8, "big")
    return seal(body, key, _DOMAIN)


def verify(token: str, key: str) -> int:
    """Return the code id the token names, or raise InvalidToken."""
    body = unseal(token, key, _DOMAIN)
    if len(body) < 2 or body[0] != VERSION:
        raise InvalidToken("unknown token version")
    return int.from_bytes(body[1:], "big")


def deep_link(bot_username: str, token: str) -> str:
    """The link a QR code carries: it opens the bot with /start and the token."""
    return f"https://t.me/{bot_username}?start={token}"
