"""One message to many people, each in their own language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram.utils.i18n import I18n

from storage.outbox.queue import Outgoing


def messages_to(
    people: Iterable[tuple[int, str | None]], i18n: I18n, compose: Callable[[], str]
) -> list[Outgoing]:
    """An outbox message per (Telegram id, language); `compose` runs once per language, in
    that locale (the default for who has chosen none)."""
    texts: dict[str, str] = {}
    messages = []
    for telegram_id, language in people:
        language = language or i18n.default_locale
        if language not in texts:
            with i18n.context(), i18n.use_locale(language):
                texts[language] = compose()
        messages.append(Outgoing(chat_id=telegram_id, text=texts[language]))
    return messages
