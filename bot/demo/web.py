"""`linli demo --serve`: the demo compound's web pages, for a committee to look at in a
browser, with a sign-in link for the demo's committee member."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import click
from aiohttp import web

from bot.app import build_i18n
from bot.demo.story import DEMO_KEY
from bot.settings import load_settings
from bot.web import web_server
from bot.web.site import PREFIX, Site
from handlers.signin.links import WebSignIn, link_for
from storage.db import create_engine, session_factory
from storage.residents import known_resident


async def serve_demo(out: Path, member: int, port: int) -> None:
    """Serve the pages of `out`'s demo database until cancelled."""
    url = f"http://127.0.0.1:{port}"
    settings = load_settings(
        bot_token="123456:demo-token",
        database_url=f"sqlite+aiosqlite:///{out / 'demo.db'}",
        secret_key=DEMO_KEY,
        web_url=url,
        web_link_minutes=60,
    )
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        resident = await known_resident(session, member)
    assert resident is not None
    link = link_for(WebSignIn(url, DEMO_KEY, 60), resident, time.time())
    runner = web.AppRunner(web_server(Site(sessions, build_i18n("zh_CN"), settings)))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        click.echo(f"\nDashboard: {url}{PREFIX}/ (the committee's surveys and votes)")
        click.echo(f"Sign in as the demo's committee member (once, within an hour): {link}")
        click.echo("Serving until Ctrl-C.")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await engine.dispose()
