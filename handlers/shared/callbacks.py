"""Button payloads. Each fits Telegram's 64 bytes; every id in them is re-checked against
the database, because a modified client can send any payload."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from storage.drives.models import PayMethod


class StartBallot(CallbackData, prefix="sb"):
    survey_id: int
    household_id: int  # 0 for a survey answered per person


class AnswerPress(CallbackData, prefix="ans"):
    """An option, rating digit or approve/reject/abstain: slugs of at most 16 characters, so
    with a 10-digit ballot id this stays under 50 bytes."""

    ballot_id: int
    question_id: str
    choice: str


class BallotStep(CallbackData, prefix="bs"):
    ballot_id: int
    question_id: str
    action: str  # "done", "skip", "back" or "edit"


class AnnouncePlace(CallbackData, prefix="ap"):
    """A scope for an announcement: the compound, a building, or a unit (0: none chosen).
    Not final: list the buildings (or units) to choose from next."""

    compound_id: int
    building_id: int
    unit_id: int
    final: bool


class AnnounceStep(CallbackData, prefix="aa"):
    announcement_id: int
    action: str  # "now", "send" or "drop"


class CancelAnnouncement(CallbackData, prefix="ax"):
    announcement_id: int


class ObjectToResult(CallbackData, prefix="ob"):
    survey_id: int


class DrivePress(CallbackData, prefix="dv"):
    """A flat's pledge buttons: "money", "goods", "labour" or "withdraw"."""

    drive_id: int
    household_id: int
    action: str


class PledgeVia(CallbackData, prefix="dm"):
    drive_id: int
    household_id: int
    method: PayMethod


class ComplaintStep(CallbackData, prefix="cs"):
    """A choice in the guided complaint chat: field "cat", "done", "loc", "anon" or "send"."""

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
