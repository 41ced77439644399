"""Button payloads of the announcements. Each fits Telegram's 64 bytes; every id in them is
re-checked against the database, because a modified client can send any payload. The
prefixes are in users' chats: they stay."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


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
