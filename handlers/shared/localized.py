"""One message to many people, each in their own language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from storage.outbox.queue import Json, Outgoing


def messages_to(
    people: Iterable[tuple[int, str | None]],
    i18n: I18n,
    compose: Callable[[], str],
    buttons: Callable[[], InlineKeyboardMarkup] | None = None,
) -> list[Outgoing]:
    """An outbox message per (Telegram id, language); `compose` (and `buttons`, the message's
    keyboard) runs once per language, in that locale (the default for who has chosen none)."""
    texts: dict[str, tuple[str, Json | None]] = {}
    messages = []
    for telegram_id, language in people:
        language = language or i18n.default_locale
        if language not in texts:
            with i18n.context(), i18n.use_locale(language):
                markup = (
                    None
                    if buttons is None
                    else buttons().model_dump(mode="json", exclude_none=True)
                )
                texts[language] = (compose(), markup)
        text, markup = texts[language]
        messages.append(Outgoing(chat_id=telegram_id, text=text, reply_markup=markup))
    return messages
