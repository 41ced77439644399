"""Wiring: the aiogram Bot and Dispatcher with Linli's middlewares, routers and database."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.api_answers import KeepAnswerModels
from bot.delivery import is_transient
from bot.documents.out_of_process import out_of_process
from bot.flood import FloodLimit
from bot.outbox_dispatcher import DispatchPolicy, OutboxDispatcher
from bot.polling import poll
from bot.schedules import SchedulePolicy, Schedules
from bot.settings import Settings
from handlers import build_router, explanations
from handlers.shared.menu import register_menus
from handlers.shared.middlewares import (
    CaptionsAreNotCommands,
    CommandsEndFlows,
    Outlet,
    Refusals,
    ResidentContext,
    ResidentLocale,
    UpdateTransaction,
)
from handlers.signin.links import WebSignIn
from storage.committee import member_languages
from storage.conversations.fsm import DatabaseStorage
from storage.db import create_engine, session_factory
from storage.migrate import ensure_current
from storage.refusals import Refused

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "linli"


def build_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES, default_locale=default_locale, domain=DOMAIN)


def build_bot(token: str, api_url: str) -> Bot:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    bot.session.middleware(KeepAnswerModels())
    return bot


def renderer(module: str, name: str) -> Callable[..., bytes]:
    """A workbook renderer imported on first use: openpyxl adds about 30 MB to a process,
    which a worker that never draws need not carry."""

    def render(*args: Any, **kwargs: Any) -> bytes:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)  # type: ignore[no-any-return]

    return render


def build_dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    i18n: I18n,
    settings: Settings,
    outlet: Callable[[], Outlet | None] = lambda: None,
) -> Dispatcher:
    """The dispatcher with Linli's middlewares. `outlet` gives the process's running outbox
    dispatcher, which sends each update's replies right after its commit."""
    assert settings.secret_key is not None
    zone = settings.tz
    # aiogram's FSM keeps its state in our database, inside the update's transaction: its
    # middleware is registered below, after the transaction opens, not where aiogram puts it.
    dispatcher = Dispatcher(storage=DatabaseStorage(), disable_fsm=True)
    # Order matters: the flood limit refuses before the database is touched; then the
    # transaction opens, the resident and their conversation state are loaded inside it, and
    # the locale is read from them; refusals are answered in that locale.
    dispatcher.update.outer_middleware(
        FloodLimit(i18n, settings.flood_limit, settings.flood_window)
    )
    dispatcher.update.outer_middleware(UpdateTransaction(sessions, is_transient, i18n, outlet))
    dispatcher.update.outer_middleware(ResidentContext())
    dispatcher.update.outer_middleware(dispatcher.fsm)
    ResidentLocale(i18n).setup(dispatcher)
    refusals = Refusals(explanations(), final=(Refused,))
    dispatcher.message.outer_middleware(refusals)
    dispatcher.callback_query.outer_middleware(refusals)
    dispatcher.message.outer_middleware(CommandsEndFlows())
    dispatcher.message.outer_middleware(CaptionsAreNotCommands())
    dispatcher["join_key"] = settings.secret_key
    dispatcher["zone"] = zone
    # A survey's chart, workbook and poster are drawn apart: Pillow, openpyxl, fpdf2 and the
    # CJK font never stay here.
    dispatcher["render_chart"] = out_of_process("bot.documents.charts", "chart_png")
    export = out_of_process("bot.documents.reports", "export_xlsx")
    dispatcher["render_export"] = partial(export, tz=zone)
    poster = out_of_process("bot.documents.result_poster", "result_poster_pdf")
    dispatcher["render_poster"] = partial(poster, zone=zone)
    dispatcher["render_ballots"] = out_of_process(
        "bot.documents.ballot_sheets", "ballot_sheets_pdf"
    )
    dispatcher["bot_username"] = settings.bot_username
    dispatcher["render_ledger"] = renderer("bot.documents.records_xlsx", "ledger_xlsx")
    dispatcher["render_complaints"] = renderer("bot.documents.records_xlsx", "complaints_xlsx")
    dispatcher["complaint_limits"] = settings.complaint_limits
    dispatcher["web"] = WebSignIn(settings.web_url, settings.secret_key, settings.web_link_minutes)
    dispatcher.include_router(build_router())
    return dispatcher


@dataclass
class Linli:
    """One running bot: what `linli run`, `linli webhook` and the demo start and stop."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    # The outbox dispatcher this process runs (see `send_outbox`): it sends every update's
    # replies right after the commit.
    outbox: OutboxDispatcher | None = None

    @classmethod
    async def start(cls, settings: Settings) -> Linli:
        """Connect, check the schema is current, and register the command menus."""
        settings.require("bot_token", "secret_key")
        assert settings.bot_token is not None and settings.secret_key is not None
        engine = create_engine(settings.database_url)
        try:
            await ensure_current(engine)
        except BaseException:
            await engine.dispose()
            raise
        sessions = session_factory(engine)
        i18n = build_i18n(settings.default_language)
        bot = build_bot(settings.bot_token, settings.api_url)
        linli = cls(settings, engine, sessions, bot, Dispatcher(), i18n)
        linli.dispatcher = build_dispatcher(sessions, i18n, settings, lambda: linli.outbox)
        try:
            async with sessions() as session:
                committee = await member_languages(session)
            # The first call to the Bot API: an unreachable server or a refused token fails here.
            await register_menus(bot, i18n, committee)
        except BaseException:
            await linli.close()
            raise
        return linli

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine.dispose()

    async def send_outbox(self, policy: DispatchPolicy | None = None) -> None:
        """Run this process's outbox dispatcher until cancelled."""
        policy = policy or DispatchPolicy(rate=self.settings.send_rate)
        self.outbox = OutboxDispatcher(self.bot, self.sessions, policy)
        try:
            await self.outbox.run()
        finally:
            self.outbox = None

    def schedules(self, policy: SchedulePolicy | None = None) -> Schedules:
        """This process's scheduler: it sweeps while it holds the schedule lease."""
        policy = policy or SchedulePolicy(interval=self.settings.sweep_interval)
        return Schedules(self.sessions, self.i18n, self.settings.tz, policy)

    @asynccontextmanager
    async def polling(
        self, outbox: DispatchPolicy, timeout: int = 1, schedule: SchedulePolicy | None = None
    ) -> AsyncIterator[Linli]:
        """Poll, send the outbox and run the schedules in the background while the block runs
        (the demo and the tests); stop them all, then close."""
        tasks = [
            asyncio.create_task(poll(self.bot, self.dispatcher, timeout=timeout)),
            asyncio.create_task(self.send_outbox(outbox)),
            asyncio.create_task(self.schedules(schedule).run()),
        ]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.close()
