"""The buttons of contribution drives. Every id in them is re-checked against the database."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from storage.drives.models import PayMethod


class DrivePress(CallbackData, prefix="dv"):
    """A flat's pledge buttons: "money", "goods", "labour" or "withdraw"; and "confirm" or
    "retype" for a large amount awaiting confirmation."""

    drive_id: int
    household_id: int
    action: str


class PledgeVia(CallbackData, prefix="dm"):
    drive_id: int
    household_id: int
    method: PayMethod
