"""The buttons of published results. Every id in them is re-checked against the database."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ObjectToResult(CallbackData, prefix="ob"):
    survey_id: int


class ConfirmSurveyStep(CallbackData, prefix="sx"):
    """The committee's confirmation of /close or /publish (`step`), or "cancel"."""

    survey_id: int
    step: str
