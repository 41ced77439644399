"""Running the bot: polling, the webhook, outbox dispatchers, the sandbox and the demo."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.common import Failure, existing_database, friendly, main, on_engine, run, settings
from bot.cli_types import WholeNumber
from bot.settings import Settings
from storage import migrate
from storage.db import session_factory

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.app import Linli
    from bot.outbox_dispatcher import OutboxDispatcher


@main.command("run")
@friendly
def run_polling() -> None:
    """Run the bot with long polling (no public address needed)."""
    from bot.polling import poll

    config = settings()

    async def serve() -> None:
        linli = await start(config)
        try:
            with bot_api_failures(config):
                await linli.bot.delete_webhook()
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(poll(linli.bot, linli.dispatcher))
                tasks.create_task(linli.send_outbox())
                tasks.create_task(linli.schedules().run())
        finally:
            await linli.close()

    run_until_stopped(serve())


@main.command("webhook")
@friendly
def run_webhook() -> None:
    """Run the bot as a webhook server (LINLI_WEBHOOK_URL, LINLI_WEBHOOK_SECRET)."""
    from bot.webhook import serve

    config = settings()

    async def serve_forever() -> None:
        linli = await start(config)
        try:
            with bot_api_failures(config):
                servers = await serve(linli)
            try:
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(linli.send_outbox())
                    tasks.create_task(linli.schedules().run())
            finally:
                await servers.cleanup()
        finally:
            await linli.close()

    run_until_stopped(serve_forever())


async def start(config: Settings) -> Linli:
    from bot.app import Linli

    existing_database(config)
    with bot_api_failures(config):
        return await Linli.start(config)


@contextmanager
def bot_api_failures(config: Settings) -> Iterator[None]:
    """An unreachable Bot API or a token Telegram refuses, told in one sentence."""
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    try:
        yield
    except TelegramNetworkError as error:
        raise Failure(
            f"Cannot reach the Bot API at {config.api_url} ({error.message}); check "
            "LINLI_API_URL and the network."
        ) from None
    except TelegramUnauthorizedError:
        raise Failure(
            "Telegram does not accept LINLI_BOT_TOKEN; copy the token from @BotFather again."
        ) from None


@main.command("web")
@friendly
def run_web() -> None:
    """Serve the web pages (LINLI_WEB_HOST, LINLI_WEB_PORT) beside a bot run by polling.

    `linli webhook` serves them already, on the webhook's port."""
    from aiohttp import web

    from bot.app import build_i18n
    from bot.web import web_server
    from bot.web.site import Site

    config = settings()
    config.require("bot_token", "secret_key", "web_url")

    async def serve(engine: AsyncEngine) -> None:
        await migrate.ensure_current(engine)
        site = Site(session_factory(engine), build_i18n(config.default_language), config)
        runner = web.AppRunner(web_server(site))
        await runner.setup()
        try:
            await web.TCPSite(runner, config.web_host, config.web_port).start()
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    run_until_stopped(on_engine(config, serve))


@main.command("dispatch")
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Seconds before another dispatcher may send what this one claimed and did not send.",
)
@friendly
def dispatch(lease: float) -> None:
    """Send the queued notifications, without answering residents.

    `linli run` and `linli webhook` already do this; add dispatchers to share the load. Each
    sends LINLI_SEND_RATE messages per second."""
    from bot.app import build_bot

    config = settings()
    config.require("bot_token")
    assert config.bot_token is not None
    bot = build_bot(config.bot_token, config.api_url)

    async def send(engine: AsyncEngine) -> None:
        await migrate.ensure_current(engine)
        try:
            await outbox_dispatcher(bot, session_factory(engine), config, lease=lease).run()
        finally:
            await bot.session.close()

    run_until_stopped(on_engine(config, send))


def outbox_dispatcher(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], config: Settings, **policy: Any
) -> OutboxDispatcher:
    """The dispatcher `dispatch` starts; `policy`: other DispatchPolicy
    fields than the configured rate."""
    from bot.outbox_dispatcher import DispatchPolicy, OutboxDispatcher

    return OutboxDispatcher(bot, sessions, DispatchPolicy(rate=config.send_rate, **policy))


@main.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=WholeNumber(1, 65535), default=8081, show_default=True)
@click.option("--bot-username", default="linli_sandbox_bot", show_default=True)
def sandbox(host: str, port: int, bot_username: str) -> None:
    """Run the local Bot API sandbox: point LINLI_API_URL at it to try the bot offline."""
    from bot.sandbox import serve_forever

    run_until_stopped(serve_forever(host, port, bot_username))


@main.command("demo")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("demo-output"), show_default=True
)
@click.option("--serve", is_flag=True, help="Then serve the web pages until Ctrl-C.")
@click.option("--port", type=WholeNumber(1, 65535), default=8082, show_default=True)
def demo(out: Path, serve: bool, port: int) -> None:
    """Run the whole story offline: sample compound, QR posters, residents joining; with
    --serve, then the committee's dashboard of it in a browser."""
    from bot.demo.story import run_demo

    member = run(run_demo(out))
    if serve:
        from bot.demo.web import serve_demo

        run_until_stopped(serve_demo(out, member, port))


def run_until_stopped(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run until Ctrl-C or SIGTERM. Updates not yet confirmed are delivered again on restart."""

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        await coroutine

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        logging.getLogger(__name__).info("stopped")
