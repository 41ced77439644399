"""Signed, expiring tokens for the web pages: the one-time sign-in link the bot sends and the
session cookie the browser keeps.

A token is ``<purpose-free fields>.<expiry>.<signature>`` in URL-safe characters: fields are
whole numbers or base64url nonces, never a name, a flat or a Telegram number. The signature is
HMAC-SHA256 over the purpose and the rest, so a session cookie can never pass for a link nor
the reverse, and neither for a join code (which signs with a domain of its own). Single use is
not the token's business: the database keeps the used nonces (storage.signin)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

_DOMAIN = b"linli-web:"
MAX_TOKEN = 200


class Purpose(StrEnum):
    LINK = "link"  # a one-time sign-in link: resident id, nonce
    SESSION = "session"  # a signed-in browser: resident id, nonce
    CSRF = "csrf"  # a form's token: the browser's CSRF cookie


class TokenRejected(ValueError):
    """Forged, damaged or of another purpose (`expired` False), or past its time (True)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Claim:
    resident_id: int
    nonce: str
    expires_at: int  # Unix time


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _signature(key: str, purpose: Purpose, body: str) -> str:
    digest = hmac.new(key.encode(), _DOMAIN + f"{purpose}:{body}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode("ascii")


def seal(purpose: Purpose, claim: Claim, key: str) -> str:
    body = f"{claim.resident_id}.{claim.nonce}.{claim.expires_at}"
    return f"{body}.{_signature(key, purpose, body)}"


def unseal(purpose: Purpose, token: str, key: str, now: float) -> Claim:
    """The claim a token carries, if `key` signed it for `purpose` and it has not expired."""
    if not token or len(token) > MAX_TOKEN or not token.isascii():
        raise TokenRejected(expired=False)
    body, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature, _signature(key, purpose, body)):
        raise TokenRejected(expired=False)
    resident, nonce, expires = body.split(".")  # signed by us: well formed
    claim = Claim(int(resident), nonce, int(expires))
    if claim.expires_at <= now:
        raise TokenRejected(expired=True)
    return claim


def form_token(browser_nonce: str, key: str) -> str:
    """The CSRF token a form carries: bound to the browser's own cookie (double submit, signed),
    so a page of another site can neither read nor make it."""
    return _signature(key, Purpose.CSRF, browser_nonce)


def form_token_matches(browser_nonce: str, token: str, key: str) -> bool:
    return bool(browser_nonce) and hmac.compare_digest(token, form_token(browser_nonce, key))
