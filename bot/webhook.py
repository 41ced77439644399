"""Webhook mode: an aiohttp server Telegram posts updates to.

Each update is handled before the reply, so a 200 means its effect is committed; a transient
failure answers 500 and Telegram delivers it again (see bot.delivery). aiogram's
SimpleRequestHandler would answer 200 after 55 s and keep handling in the background, which
could lose an update. The same server serves the web pages at /web (bot.web).

GET /metrics is served by a server of its own (LINLI_METRICS_HOST, by default the loopback,
and LINLI_METRICS_PORT), never on the webhook's port, which faces the internet."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from aiogram.types import Update
from aiohttp import web
from sqlalchemy import text

from bot.app import Linli
from bot.delivery import deliver
from bot.metrics import exposition
from bot.web import mount
from bot.web.site import Site

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram"


def build_app(linli: Linli, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401, text="wrong secret token")
        try:
            update = Update.model_validate(await request.json(), context={"bot": linli.bot})
        except ValueError:
            return web.Response(status=400, text="not an update")
        try:
            await deliver(linli.bot, linli.dispatcher, update)
        except Exception:
            log.exception("update %s failed; Telegram will deliver it again", update.update_id)
            return web.Response(status=500, text="failed, please retry")
        return web.json_response({})

    async def health(_request: web.Request) -> web.Response:
        """Alive and able to reach the database: a load balancer stops routing otherwise."""
        try:
            async with linli.sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception as error:
            log.warning("health check: database unreachable: %s", error)
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(PATH, receive)
    app.router.add_get("/healthz", health)
    mount(app, Site(linli.sessions, linli.i18n, linli.settings))  # the pages, at /web
    return app


def build_metrics_app(linli: Linli) -> web.Application:
    async def metrics(_request: web.Request) -> web.Response:
        body, content_type = await exposition(linli.sessions)
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


@dataclass
class Servers:
    """The running webhook server and metrics server."""

    runners: list[web.AppRunner]

    async def cleanup(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


async def _started(app: web.Application, host: str, port: int, servers: Servers) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    servers.runners.append(runner)  # stopped by cleanup even if the port is taken
    await web.TCPSite(runner, host, port).start()


async def serve(linli: Linli) -> Servers:
    """Start the servers and point Telegram at the webhook; the caller keeps the result to
    stop them."""
    settings = linli.settings
    settings.require("webhook_url", "webhook_secret")
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    servers = Servers([])
    try:
        app = build_app(linli, settings.webhook_secret)
        await _started(app, settings.webhook_host, settings.webhook_port, servers)
        if settings.metrics_port:
            app = build_metrics_app(linli)
            await _started(app, settings.metrics_host, settings.metrics_port, servers)
        await linli.bot.set_webhook(
            settings.webhook_url.rstrip("/") + PATH,
            secret_token=settings.webhook_secret,
            allowed_updates=linli.dispatcher.resolve_used_update_types(),
        )
    except BaseException:
        await servers.cleanup()
        raise
    return servers
