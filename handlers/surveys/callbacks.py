"""The buttons of surveys: starting and answering a ballot, confirming a close or publication,
objecting to a published result, paper ballots and proxies. Each fits Telegram's 64 bytes;
every id in them is re-checked against the database, because a modified client can send any
payload."""

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


class PaperPress(CallbackData, prefix="pp"):
    """A paper ballot's buttons: hand in without a photo (an opinion survey), confirm or
    reject it (a second committee member), or keep it in a conflict."""

    ballot_id: int
    action: str  # "nophoto", "confirm", "reject" or "keep"


class ProxyPick(CallbackData, prefix="px"):
    """An owner names a resident linked to the flat as its proxy: then for what."""

    household_id: int
    person_id: int


class ProxyFor(CallbackData, prefix="pf"):
    household_id: int
    person_id: int
    survey_id: int  # 0: every survey until a date, typed next


class ProxyAct(CallbackData, prefix="pa"):
    proxy_id: int
    survey_id: int  # the survey to vote in ("start"); 0 to withdraw
    action: str  # "start" or "withdraw"
