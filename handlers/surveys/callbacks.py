"""The buttons of published results. Every id in them is re-checked against the database."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ObjectToResult(CallbackData, prefix="ob"):
    survey_id: int


class PaperPress(CallbackData, prefix="pp"):
    """A paper ballot's buttons: hand in without a photo (an opinion survey), confirm or
    reject it (a second committee member), or keep it in a conflict."""

    ballot_id: int
    action: str  # "nophoto", "confirm", "reject" or "keep"
