"""Button payloads of complaints. Each fits Telegram's 64 bytes; every id in them is
re-checked against the database, because a modified client can send any payload."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ComplaintStep(CallbackData, prefix="cs"):
    """A choice in the guided complaint chat: field "cat", "done", "loc", "bld", "unit",
    "anon", "send" or "cancel"; taken only at its own step of its complaint."""

    complaint_id: int
    field: str
    value: str = ""


class ComplaintManage(CallbackData, prefix="cm"):
    """The committee's buttons on a complaint: "state" (value: the state), "assign" (value:
    the member's Telegram number) or "photos"."""

    complaint_id: int
    action: str
    value: str = ""


class ComplaintReply(CallbackData, prefix="cr"):
    """The reporter's buttons on a finished complaint: reopen (score 0) or rate 1-5."""

    complaint_id: int
    score: int
