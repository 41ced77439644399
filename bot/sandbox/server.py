"""The sandbox server: Telegram's Bot API, its file downloads and the control API on one app.

/bot<token>/<method>          the Bot API, GET or POST (JSON, urlencoded or multipart)
/file/bot<token>/<file_path>  downloads of files named by getFile
/sandbox/...                  the control API (control.py)
"""

import asyncio
import re
import socket

from aiohttp import web

from bot.sandbox.botapi import call_method
from bot.sandbox.control import WORLD, control_app
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.params import Params, read_multipart
from bot.sandbox.webhook import WebhookDelivery
from bot.sandbox.world import World

DEFAULT_BOT_USERNAME = "linli_sandbox_bot"
TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
MAX_REQUEST_BYTES = 64 * 1024 * 1024  # Telegram takes uploads up to 50 MB
SHUTDOWN_TIMEOUT = 1.0  # long polls end at once on stop, so there is little to wait for


class Sandbox:
    """A local Bot API server for one bot, with a control API to play its residents.

    >>> sandbox = Sandbox()
    >>> base_url = await sandbox.start()  # http://127.0.0.1:PORT
    >>> ...
    >>> await sandbox.stop()
    """

    def __init__(self, bot_username: str = DEFAULT_BOT_USERNAME) -> None:
        self.world = World(bot_username)
        self.url: str | None = None
        self._runner: web.AppRunner | None = None
        self._webhooks = WebhookDelivery(self.world)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (port 0: any free port); return the base URL."""
        sock = socket.create_server((host, port))
        self._runner = web.AppRunner(build_app(self.world), shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._webhooks.start()
        bound_host, bound_port = sock.getsockname()[:2]
        self.url = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        self.world.close()
        await self._webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "Sandbox":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def build_app(world: World) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[WORLD] = world
    app.router.add_route("GET", "/bot{token}/{method}", bot_api)
    app.router.add_route("POST", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{file_path:.+}", download)
    app.add_subapp("/sandbox/", control_app())
    return app


async def bot_api(request: web.Request) -> web.Response:
    try:
        bot_id = _bot_id(request.match_info["token"])
        params = await _read_params(request)
        world = request.app[WORLD]
        result = await call_method(world, bot_id, request.match_info["method"], params)
    except ApiError as error:
        return web.json_response(error.as_json(), status=error.code)
    return web.json_response({"ok": True, "result": result})


async def download(request: web.Request) -> web.Response:
    try:
        _bot_id(request.match_info["token"])
    except ApiError as error:
        return web.json_response(error.as_json(), status=error.code)
    stored = request.app[WORLD].file_at(request.match_info["file_path"])
    if stored is None:
        return web.json_response(ApiError(404, "Not Found").as_json(), status=404)
    return web.Response(body=stored.data, content_type="application/octet-stream")


def _bot_id(token: str) -> int:
    """Any well-formed token is a bot, whose user id is the number before the colon."""
    match = TOKEN.fullmatch(token)
    if match is None:
        raise ApiError(401, "Unauthorized")
    return int(match.group(1))


async def _read_params(request: web.Request) -> Params:
    """Query-string parameters, overridden by those in the body."""
    query = dict(request.query)
    if request.content_type == "multipart/form-data":
        return await read_multipart(await request.multipart(), query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        return Params({**query, **(body if isinstance(body, dict) else {})})
    return Params({**query, **await request.post()})


async def serve_forever(
    host: str = "127.0.0.1", port: int = 8081, bot_username: str = DEFAULT_BOT_USERNAME
) -> None:
    """Run a sandbox until cancelled (Ctrl+C under asyncio.run); for `linli sandbox`."""
    sandbox = Sandbox(bot_username)
    url = await sandbox.start(host, port)
    print(f"Linli sandbox for @{bot_username}: Bot API at {url}, control API at {url}/sandbox/")
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
