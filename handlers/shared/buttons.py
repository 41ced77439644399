"""Taking the buttons off a message the person has just used."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message


async def remove_buttons(message: Message) -> None:
    """Remove the inline keyboard. Telegram refuses the edit when there is nothing to remove,
    which is what a press delivered again finds (its first handling took them off): that must
    not stop the press from being handled again."""
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise
