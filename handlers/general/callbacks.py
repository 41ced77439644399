"""Button payloads of the general commands (the prefix is in residents' chats: keep it)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SetLanguage(CallbackData, prefix="lang"):
    code: str
