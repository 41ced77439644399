"""The buttons of surveys: starting and answering a ballot, confirming a close or publication,
objecting to a published result. Each fits Telegram's 64 bytes; every id in them is re-checked
against the database, because a modified client can send any payload."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ObjectToResult(CallbackData, prefix="ob"):
    survey_id: int


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


class ConfirmSurveyStep(CallbackData, prefix="sx"):
    """The committee's confirmation of /close or /publish (`step`), or "cancel"."""

    survey_id: int
    step: str
