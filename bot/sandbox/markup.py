"""Reply markup: Telegram's checks on the keyboards a bot sends, and finding a button to press."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.errors import bad_request
from bot.sandbox.world import Json

MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_DATA_BYTES = 64
# An inline button must do exactly one of these; a bare text button is a reply-keyboard thing.
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_markup(markup: Any) -> Json | None:
    """Validate reply_markup as Telegram does; return it to store, or None if absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline(markup)
    return markup


def _check_inline(markup: Json) -> None:
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    buttons = list(inline_buttons(markup))
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not any(action in button for action in BUTTON_ACTIONS):
            raise bad_request("text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode())
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not _is_url(str(button["url"])):
            raise bad_request(
                f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
            )


def _is_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "tg" or (parts.scheme in ("http", "https") and bool(parts.netloc))


def inline_buttons(markup: Json | None) -> Iterator[Json]:
    for row in (markup or {}).get("inline_keyboard", []):
        yield from row


def find_button(markup: Json | None, *, text: str | None, callback_data: str | None) -> Json | None:
    """The inline button with this text or this callback_data, if the markup has one."""
    for button in inline_buttons(markup):
        if (text is not None and button.get("text") == text) or (
            callback_data is not None and button.get("callback_data") == callback_data
        ):
            return button
    return None
