"""The Bot API methods the sandbox implements: Telegram's rules and error wording, over a World."""

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.errors import (
    BLOCKED,
    ApiError,
    bad_request,
    conflict,
    forbidden,
    too_many_requests,
)
from bot.sandbox.formatting import format_text, utf16_len
from bot.sandbox.markup import check_markup
from bot.sandbox.media import document_json, photo_sizes, store_upload
from bot.sandbox.params import Params, Upload
from bot.sandbox.world import Group, Json, Message, StoredFile, User, Webhook, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_POLL_TIMEOUT = 50
MAX_UPDATES = 100
MAX_COMMANDS = 100
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
FAULT_REPLIES = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "hang": (504, "Gateway Timeout"),
    "blocked": (403, f"Forbidden: {BLOCKED}"),
    "too_old": (400, f"Bad Request: {QUERY_TOO_OLD}"),
}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)


@dataclass(frozen=True)
class Call:
    world: World
    bot_id: int
    params: Params


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, Handler] = {}  # by lower-case name: Telegram ignores the case of methods


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


async def call_method(world: World, bot_id: int, name: str, params: Params) -> Any:
    """Run one Bot API call; the result is the reply's `result`, refusals raise ApiError.

    Every answer, a refusal too, leaves `world.latency` seconds after the call is done: for a
    long poll, after its wait, so the latency adds once and does not lengthen the wait.
    """
    world.in_flight[name] += 1
    try:
        try:
            return await _answer(world, bot_id, name, params)
        finally:
            await world.linger(time.monotonic())
    finally:
        world.in_flight[name] -= 1
        if not world.in_flight[name]:
            del world.in_flight[name]


async def _answer(world: World, bot_id: int, name: str, params: Params) -> Any:
    handler = METHODS.get(name.lower())
    if handler is None:
        raise ApiError(404, "Not Found")
    world.bot_id = bot_id
    fault = world.faults.take(name, is_send=name.lower() in SEND_METHODS)
    if fault is not None:
        world.stats.faults_injected += 1
        if fault.delay:  # the answer comes after the client has likely given up
            await world.sleep(fault.delay)
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind != "delay":
            raise ApiError(*FAULT_REPLIES[fault.kind])
        # The call still succeeds: a retry duplicates it.
    result = await handler(Call(world, bot_id, params))
    world.stats.calls[name] += 1
    return result


# -- the bot itself --


@method("getMe")
async def get_me(call: Call) -> Json:
    return {
        **call.world.bot_user(),
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.get_json("commands")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _commands_key(call.params)
    if commands:
        call.world.commands[key] = commands
    else:
        call.world.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[Json]:
    return call.world.commands.get(_commands_key(call.params), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.world.commands.pop(_commands_key(call.params), None)
    return True


def _commands_key(params: Params) -> tuple[str, str]:
    """Each scope and language has its own list; no fallback, as getMyCommands shows."""
    scope = params.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""


# -- updates --


@method("getUpdates")
async def get_updates(call: Call) -> list[Json]:
    world, params = call.world, call.params
    if world.webhook is not None:
        raise conflict(WEBHOOK_CONFLICT)
    _set_allowed_updates(world, params)
    offset = params.get_int("offset")
    if offset:
        pending = world.pending_updates()
        # A negative offset keeps only the last -offset updates.
        world.settle(
            pending[:offset] if offset < 0 else [u for u in pending if u.update_id < offset]
        )
    limit = min(max(params.get_int("limit") or MAX_UPDATES, 1), MAX_UPDATES)
    timeout = min(max(params.get_int("timeout") or 0, 0), MAX_POLL_TIMEOUT)

    generation = world.begin_poll()
    await world.wait_for(
        lambda: (
            world.poll_generation != generation
            or world.webhook is not None
            or world.pending_updates()
        ),
        timeout,
    )
    if world.poll_generation != generation:
        raise conflict(
            "terminated by other getUpdates request; make sure that only one bot instance "
            "is running"
        )
    if world.webhook is not None:
        raise conflict(WEBHOOK_CONFLICT)
    return [update.as_json() for update in world.pending_updates()[:limit]]


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    world, params = call.world, call.params
    url = params.get_str("url") or ""
    if not url:
        return await delete_webhook(call)
    parts = urlsplit(url)
    # Telegram insists on HTTPS; a local sandbox has to accept plain HTTP receivers too.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get_str("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = min(max(params.get_int("max_connections") or 40, 1), 100)
    _set_allowed_updates(world, params)
    if params.get_bool("drop_pending_updates"):
        world.settle(world.pending_updates(), "dropped")
    world.webhook = Webhook(url, call.bot_id, secret, max_connections)
    world.touch()
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    world = call.world
    if call.params.get_bool("drop_pending_updates"):
        world.settle(world.pending_updates(), "dropped")
    world.webhook = None
    world.touch()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> Json:
    world, hook = call.world, call.world.webhook
    info: Json = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending_updates()),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if world.allowed_updates is not None:
            info["allowed_updates"] = sorted(world.allowed_updates)
    return info


def _set_allowed_updates(world: World, params: Params) -> None:
    allowed = params.get_json("allowed_updates")
    if allowed is not None:  # an empty list restores the default
        world.allowed_updates = frozenset(allowed) or None


# -- sending --


@method("sendMessage")
async def send_message(call: Call) -> Json:
    user = _recipient(call)
    content = _text_content(call.params)
    return _deliver(call, user, content, content["text"])


@method("sendPhoto")
async def send_photo(call: Call) -> Json:
    return _send_media(call, "photo", "photos", _photo_sizes)


@method("sendDocument")
async def send_document(call: Call) -> Json:
    return _send_media(call, "document", "documents", document_json)


def _send_media(call: Call, field: str, folder: str, describe: Callable[[StoredFile], Any]) -> Json:
    user = _recipient(call)
    stored = _input_file(call, field, folder)
    caption = _caption(call.params)
    content = {field: describe(stored), **caption}
    dedupe_key = f"{stored.file_unique_id} {caption.get('caption', '')}"
    return _deliver(call, user, content, dedupe_key)


def _photo_sizes(stored: StoredFile) -> list[Json]:
    try:
        return photo_sizes(stored)
    except ValueError:
        raise bad_request("IMAGE_PROCESS_FAILED") from None


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    _recipient(call)
    if not call.params.get_str("action"):
        raise bad_request("action is empty")
    return True


def _chat(call: Call) -> User | Group:
    """The chat named by chat_id: a resident's private chat, or a group the bot is in."""
    chat_id = call.params.get_str("chat_id")
    if not chat_id:
        raise bad_request("chat_id is empty")
    number = int(chat_id) if chat_id.lstrip("-").isdigit() else None
    world = call.world
    user = None if number is None else world.users.get(number) or world.groups.get(number)
    if user is None:
        raise bad_request("chat not found")
    if user.blocked:
        raise forbidden(BLOCKED)
    return user


def _recipient(call: Call) -> User | Group:
    user = _chat(call)
    if not user.started:
        raise forbidden("bot can't initiate conversation with a user")
    return user


def _text_content(params: Params) -> Json:
    text, entities = format_text(
        params.get_str("text") or "", params.get_str("parse_mode"), params.get_json("entities")
    )
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": text, "entities": entities} if entities else {"text": text}


def _caption(params: Params) -> Json:
    caption = params.get_str("caption")
    if caption is None:
        return {}
    text, entities = format_text(
        caption, params.get_str("parse_mode"), params.get_json("caption_entities")
    )
    if utf16_len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": text, "caption_entities": entities} if entities else {"caption": text}


def _input_file(call: Call, name: str, folder: str) -> StoredFile:
    """A fresh upload, or a file the bot has seen before, by file_id."""
    value: Upload | str | None = call.params.get_file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, Upload):
        return store_upload(call.world, value, folder)
    stored = call.world.files.get(value)
    if stored is None:  # the sandbox never fetches URLs, so they land here too
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


def _deliver(call: Call, user: User | Group, content: Json, dedupe_key: str) -> Json:
    """Flood control, then the message lands in the chat and counts as an accepted send."""
    world = call.world
    markup = check_markup(call.params.get_json("reply_markup"))
    now = world.clock()
    retry_after = world.limits.acquire(user.id, now)
    if retry_after:
        world.stats.rate_limited += 1
        raise too_many_requests(retry_after)
    message = world.add_message(user.id, from_bot=True, content=content, reply_markup=markup)
    world.stats.record_send(user.id, dedupe_key, now)
    return world.message_json(message)


# -- changing sent messages --


@method("editMessageText")
async def edit_message_text(call: Call) -> Json:
    message = _editable(call)
    if "text" not in message.content:
        raise bad_request("there is no text in the message to edit")
    return _edit(call, message, _text_content(call.params))


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> Json:
    message = _editable(call)
    if "text" in message.content:
        raise bad_request("there is no caption in the message to edit")
    media = {k: v for k, v in message.content.items() if k in ("photo", "document")}
    return _edit(call, message, {**media, **_caption(call.params)})


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Json:
    message = _editable(call)
    return _edit(call, message, message.content)


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    message = call.world.message(_chat(call).id, _message_id(call.params))
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    call.world.touch()
    return True


def _message_id(params: Params) -> int:
    message_id = params.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    return message_id


def _editable(call: Call) -> Message:
    if call.params.get_str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # no inline mode here, so no inline messages
    message = call.world.message(_chat(call).id, _message_id(call.params))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _edit(call: Call, message: Message, content: Json) -> Json:
    # As in Telegram, an edit that omits reply_markup removes the inline keyboard; a reply
    # keyboard sent with the message is not the edit's to remove.
    markup = check_markup(call.params.get_json("reply_markup"))
    if markup is None and message.inline_keyboard is None:
        markup = message.reply_markup
    if content == message.content and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.content, message.reply_markup = content, markup
    message.edit_date = int(time.time())
    call.world.stats.record_reply(message.chat_id, call.world.clock())
    call.world.touch()
    return call.world.message_json(message)


# -- callback queries and files --


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    params = call.params
    query = call.world.callback_queries.get(params.get_str("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    query.answer = {"text": params.get_str("text"), "show_alert": params.get_bool("show_alert")}
    if url := params.get_str("url"):
        query.answer["url"] = url
    call.world.touch()
    return True


@method("getFile")
async def get_file(call: Call) -> Json:
    stored = call.world.files.get(call.params.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_json()
