"""Refusals: Bot API errors worded as Telegram words them, and control API errors."""

from typing import Any

BLOCKED = "bot was blocked by the user"


class ApiError(Exception):
    """A Bot API call that Telegram would refuse; becomes `{"ok": false, ...}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def as_json(self) -> dict[str, Any]:
        reply: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            reply["parameters"] = {"retry_after": self.retry_after}
        return reply


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


class ControlError(Exception):
    """A control API request the sandbox refuses; becomes `{"error": reason}` with `status`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def invalid(reason: str) -> ControlError:
    return ControlError(400, reason)


def not_found(reason: str) -> ControlError:
    return ControlError(404, reason)
