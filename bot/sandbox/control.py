"""The control API under /sandbox/: act as residents and read what the bot did. JSON in and out;
refusals are `{"error": reason}` with a 4xx status.
"""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.sandbox import residents
from bot.sandbox.errors import ControlError, invalid, not_found
from bot.sandbox.limits import Fault, RateLimits, Stats
from bot.sandbox.world import Json, Message, Update, User, World

T = TypeVar("T")
WORLD = web.AppKey("world", World)
MAX_WAIT = 60.0  # seconds a long-polling control request may ask for

routes = web.RouteTableDef()


def control_app() -> web.Application:
    """The /sandbox sub-application; it finds the World under WORLD in its parent app."""
    app = web.Application(middlewares=[_refusals_as_json])
    app.add_routes(routes)
    return app


@web.middleware
async def _refusals_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        return web.json_response({"error": error.reason}, status=error.status)


# -- acting as residents --


@routes.post("/users")
async def create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name:
        raise invalid("first_name is required")
    details = {k: body.get(k) for k in ("last_name", "username", "language_code")}
    return web.json_response(_world(request).add_user(first_name, **details).as_json())


@routes.post("/users/{user_id}/messages")
async def send_text(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    return _said(request, user, residents.text_content(str(body.get("text", ""))))


@routes.post("/users/{user_id}/photos")
async def send_photo(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    content = residents.photo_content(_world(request), _base64(body), body.get("caption"))
    return _said(request, user, content)


@routes.post("/users/{user_id}/voice")
async def send_voice(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    duration = _int(str(body.get("duration", 1)), "duration")
    content = residents.voice_content(_world(request), _base64(body), duration)
    return _said(request, user, content)


@routes.post("/users/{user_id}/stickers")
async def send_sticker(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    return _said(
        request, user, residents.sticker_content(_world(request), str(body.get("emoji", "")))
    )


@routes.post("/users/{user_id}/documents")
async def send_document(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    content = residents.document_content(
        _world(request), _base64(body), str(body.get("file_name", "")), body.get("caption")
    )
    return _said(request, user, content)


@routes.post("/users/{user_id}/locations")
async def send_location(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    try:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise invalid("latitude and longitude are required numbers") from None
    return _said(request, user, residents.location_content(latitude, longitude))


@routes.post("/users/{user_id}/scan")
async def scan(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    text = residents.start_command(str(body.get("url", "")), _world(request).bot_username)
    return _said(request, user, residents.text_content(text))


def _said(request: web.Request, user: User, content: Json) -> web.Response:
    world = _world(request)
    update, message = residents.say(world, user, content)
    return web.json_response({"update_id": _id(update), "message": world.message_json(message)})


@routes.post("/groups")
async def create_group(request: web.Request) -> web.Response:
    title = str((await _body(request)).get("title", "")).strip()
    if not title:
        raise invalid("title is required")
    return web.json_response(_world(request).add_group(title).chat_json())


@routes.post("/groups/{group_id}/messages")
async def send_in_group(request: web.Request) -> web.Response:
    """A user (`user_id` in the body) writes `text` in the group."""
    world, body = _world(request), await _body(request)
    group = world.groups.get(_int(request.match_info["group_id"], "group id"))
    if group is None:
        raise not_found("no such group")
    user = residents.find_user(world, _int(str(body.get("user_id", "")), "user_id"))
    content = residents.text_content(str(body.get("text", "")))
    return web.json_response(
        {"update_id": _id(residents.say_in_group(world, user, group, content))}
    )


@routes.post("/users/{user_id}/press")
async def press(request: web.Request) -> web.Response:
    user, body = _user(request), await _body(request)
    message_id = body.get("message_id")
    update, query_id = residents.press(
        _world(request),
        user,
        message_id=None if message_id is None else _int(str(message_id), "message_id"),
        button_text=body.get("button_text"),
        callback_data=body.get("callback_data"),
        forge=bool(body.get("forge", False)),
    )
    return web.json_response({"update_id": _id(update), "callback_query_id": query_id})


@routes.post("/users/{user_id}/block")
async def block(request: web.Request) -> web.Response:
    return _set_blocked(request, blocked=True)


@routes.post("/users/{user_id}/unblock")
async def unblock(request: web.Request) -> web.Response:
    return _set_blocked(request, blocked=False)


def _set_blocked(request: web.Request, blocked: bool) -> web.Response:
    update = residents.set_blocked(_world(request), _user(request), blocked)
    return web.json_response({"blocked": blocked, "update_id": _id(update)})


# -- reading what the bot did --


@routes.get("/chats/{chat_id}/messages")
async def chat_messages(request: web.Request) -> web.Response:
    """The bot's messages in a chat after message `after`, as they are now; `wait` long-polls."""
    world = _world(request)
    chat_id = _int(request.match_info["chat_id"], "chat id")
    if chat_id not in world.chats:
        raise not_found(f"no chat {chat_id}")
    after = _int(request.query.get("after", "0"), "after")
    messages = await world.wait_for(lambda: world.bot_messages(chat_id, after), _wait(request))
    return web.json_response([_message_view(world, m) for m in messages])


@routes.get("/callback_answers/{query_id}")
async def callback_answer(request: web.Request) -> web.Response:
    world, query_id = _world(request), request.match_info["query_id"]
    query = world.callback_queries.get(query_id)
    if query is None:
        raise not_found(f"no callback query {query_id}")
    answer = await world.wait_for(lambda: query.answer, _wait(request))
    if answer is None:
        raise not_found(f"the bot has not answered callback query {query_id}")
    return web.json_response(answer)


@routes.get("/files/{file_id}")
async def file_bytes(request: web.Request) -> web.Response:
    stored = _world(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise not_found(f"no file {request.match_info['file_id']}")
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )


@routes.get("/updates")
async def updates(request: web.Request) -> web.Response:
    world = _world(request)
    return web.json_response(
        {
            "updates": [
                {
                    "update_id": u.update_id,
                    "type": u.kind,
                    "state": u.state,
                    "webhook_attempts": u.attempts,
                    "update": u.as_json(),
                }
                for u in world.updates
            ],
            "confirmed_ids": world.confirmed_ids(),
        }
    )


@routes.get("/commands")
async def commands(request: web.Request) -> web.Response:
    return web.json_response(
        [
            {"scope": json.loads(scope), "language_code": language, "commands": listed}
            for (scope, language), listed in _world(request).commands.items()
        ]
    )


# -- flood limits, faults, statistics --


@routes.get("/limits")
async def get_limits(request: web.Request) -> web.Response:
    return web.json_response(_world(request).limits.as_json())


@routes.post("/limits")
async def set_limits(request: web.Request) -> web.Response:
    """Replace the flood limits: {global_rate, global_burst, per_chat_rate, per_chat_burst}."""
    _world(request).limits = _parse(RateLimits.from_json, await _body(request))
    return await get_limits(request)


@routes.get("/faults")
async def get_faults(request: web.Request) -> web.Response:
    return web.json_response([fault.as_json() for fault in _world(request).faults.queue])


@routes.post("/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Queue a fault: {method ("send" = any send method), kind, count (null: until cleared),
    delay, retry_after (of a 429), probability and seed (of its RNG)}."""
    _world(request).faults.queue.append(_parse(Fault.from_json, await _body(request)))
    return await get_faults(request)


@routes.delete("/faults")
async def clear_faults(request: web.Request) -> web.Response:
    _world(request).faults.queue.clear()
    return await get_faults(request)


@routes.get("/latency")
async def get_latency(request: web.Request) -> web.Response:
    return web.json_response({"seconds": _world(request).latency})


@routes.post("/latency")
async def set_latency(request: web.Request) -> web.Response:
    """{seconds}: how long after its call every Bot API answer leaves (0: at once)."""
    _world(request).set_latency(_parse(_latency, await _body(request)))
    return await get_latency(request)


def _latency(body: dict[str, Any]) -> float:
    seconds = float(body.get("seconds", 0))
    if not 0 <= seconds <= MAX_WAIT:
        raise ValueError(f"latency must be between 0 and {MAX_WAIT:g} seconds")
    return seconds


@routes.get("/stats")
async def stats(request: web.Request) -> web.Response:
    """The send statistics, and the Bot API calls under way by method (long polls too)."""
    world = _world(request)
    return web.json_response({**world.stats.as_json(), "in_flight": dict(world.in_flight)})


@routes.delete("/stats")
async def reset_stats(request: web.Request) -> web.Response:
    _world(request).stats = Stats()
    return await stats(request)


# -- helpers --


def _world(request: web.Request) -> World:
    return request.config_dict[WORLD]


def _user(request: web.Request) -> User:
    user_id = _int(request.match_info["user_id"], "user id")
    return residents.find_user(_world(request), user_id)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise invalid("the body must be JSON") from None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def _base64(body: dict[str, Any]) -> bytes:
    """The file a resident sends, as `data_base64` in the body."""
    try:
        return base64.b64decode(str(body.get("data_base64", "")), validate=True)
    except binascii.Error:
        raise invalid("data_base64 is not valid base64") from None


def _parse(parse: Callable[[dict[str, Any]], T], body: dict[str, Any]) -> T:
    """Build a setting from a request body, its ValueErrors becoming 400s."""
    try:
        return parse(body)
    except (TypeError, ValueError) as error:
        raise invalid(str(error)) from None


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise invalid(f"{name} must be an integer, not {value!r}") from None


def _wait(request: web.Request) -> float:
    try:
        return min(max(float(request.query.get("wait", "0")), 0.0), MAX_WAIT)
    except ValueError:
        raise invalid("wait must be a number of seconds") from None


def _id(update: Update | None) -> int | None:
    """An update's id, or None when allowed_updates filtered it out."""
    return None if update is None else update.update_id


def _message_view(world: World, message: Message) -> Json:
    """A bot message as the resident sees it now: content, any keyboard, edited or deleted."""
    view: Json = {"message_id": message.message_id, "date": message.date, **message.content}
    if "photo" in view:
        stored = world.files[view["photo"][-1]["file_id"]]
        view["photo"] = {
            **view["photo"][-1],
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
        }
    view["reply_markup"] = message.reply_markup
    view["edit_date"] = message.edit_date
    view["deleted"] = message.deleted
    return view
