"""What residents do in their Telegram app: write, send photos, scan QR codes, press buttons,
block the bot. Each action makes the update Telegram would send the bot.
"""

import re
import time
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.errors import invalid, not_found
from bot.sandbox.formatting import utf16_len
from bot.sandbox.markup import find_button
from bot.sandbox.media import photo_sizes, store_upload
from bot.sandbox.params import Upload
from bot.sandbox.world import Group, Json, Message, Update, User, World

COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
LINK_HOSTS = ("t.me", "telegram.me", "telegram.dog")


def find_user(world: World, user_id: int) -> User:
    user = world.users.get(user_id)
    if user is None:
        raise not_found(f"no user {user_id}")
    return user


def _check_not_blocked(user: User) -> None:
    if user.blocked:
        raise invalid(f"user {user.id} has blocked the bot; unblock first")


def say(world: World, user: User, content: Json) -> tuple[Update | None, Message]:
    """The user sends a message to the bot, which may from then on write to them."""
    _check_not_blocked(user)
    user.started = True
    message = world.add_message(user.id, from_bot=False, content=content)
    return world.push_update("message", world.message_json(message)), message


def say_in_group(world: World, user: User, group: Group, content: Json) -> Update | None:
    """The user writes in a group the bot is in: the bot gets it with the group as chat."""
    message = world.add_message(group.id, from_bot=False, content=content, sender_id=user.id)
    return world.push_update("message", world.message_json(message))


def text_content(text: str) -> Json:
    """A typed text; a leading /command gets its bot_command entity, as Telegram adds it."""
    if not text.strip():
        raise invalid("text is empty")
    if command := COMMAND.match(text):
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
        return {"text": text, "entities": [entity]}
    return {"text": text}


def photo_content(world: World, data: bytes, caption: str | None) -> Json:
    stored = store_upload(world, Upload("photo.jpg", data), "photos")
    try:
        content: Json = {"photo": photo_sizes(stored)}
    except ValueError as error:
        raise invalid(str(error)) from None
    if caption:
        content["caption"] = caption
    return content


def start_command(url: str, bot_username: str) -> str:
    """What the phone sends after scanning `url`: `/start <payload>`, or a plain `/start`
    when the payload is not one Telegram passes on (over 64 chars, or not A-Za-z0-9_-).
    """
    parts = urlsplit(url if "://" in url else f"https://{url}")
    query = parse_qs(parts.query)
    if parts.scheme == "tg" and parts.netloc == "resolve":
        username = query.get("domain", [""])[0]
    elif parts.scheme in ("http", "https") and (parts.hostname or "") in LINK_HOSTS:
        username = parts.path.strip("/")
    else:
        raise invalid(f"not a Telegram link: {url!r}")
    if not USERNAME.fullmatch(username):
        raise invalid(f"malformed Telegram link: {url!r}")
    if username.lower() != bot_username.lower():
        raise invalid(f"the link opens @{username}, not this sandbox's bot @{bot_username}")
    payload = query.get("start", [""])[0]
    return f"/start {payload}" if START_PAYLOAD.fullmatch(payload) else "/start"


def press(
    world: World,
    user: User,
    *,
    message_id: int | None,
    button_text: str | None,
    callback_data: str | None,
    forge: bool = False,
) -> tuple[Update | None, str]:
    """Press an inline button; return the update and the callback query id.

    Without `message_id`, the latest bot message having such a button. With `forge`, any
    callback_data on any message is sent, as a tampered client could.
    """
    _check_not_blocked(user)
    if forge:
        message = world.message(user.id, message_id or 0)
        if message is None or callback_data is None:
            raise invalid("a forged press needs the message_id of a message and callback_data")
        data = callback_data
    else:
        message, button = _find_button(world, user, message_id, button_text, callback_data)
        if "callback_data" not in button:
            raise invalid(f"button {button.get('text')!r} opens a link or app, not a callback")
        data = str(button["callback_data"])
    query = world.add_callback_query()
    world.stats.record_press(user.id, world.clock())
    payload = {
        "id": query.id,
        "from": user.as_json(),
        "message": world.message_json(message),
        "chat_instance": f"chat-{user.id}",
        "data": data,
    }
    return world.push_update("callback_query", payload), query.id


def _find_button(
    world: World,
    user: User,
    message_id: int | None,
    text: str | None,
    callback_data: str | None,
) -> tuple[Message, Json]:
    if text is None and callback_data is None:
        raise invalid("say which button: button_text or callback_data")
    if message_id is None:
        candidates = [m for m in reversed(world.bot_messages(user.id)) if not m.deleted]
    else:
        candidates = [m for m in [world.message(user.id, message_id)] if m is not None]
    for message in candidates:
        button = find_button(message.reply_markup, text=text, callback_data=callback_data)
        if button is not None:
            return message, button
    what = f"text {text!r}" if text is not None else f"callback_data {callback_data!r}"
    where = "any bot message" if message_id is None else f"message {message_id}"
    raise invalid(f"no inline button with {what} on {where} in chat {user.id}")


def set_blocked(world: World, user: User, blocked: bool) -> Update | None:
    """Block or unblock the bot; Telegram tells the bot with a my_chat_member update."""
    if user.blocked == blocked:
        return None
    user.blocked = blocked
    member = {"status": "member", "user": world.bot_user()}
    kicked = {"status": "kicked", "user": world.bot_user(), "until_date": 0}
    old, new = (member, kicked) if blocked else (kicked, member)
    payload = {
        "chat": user.chat_json(),
        "from": user.as_json(),
        "date": int(time.time()),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    return world.push_update("my_chat_member", payload)
