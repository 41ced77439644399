"""The web pages in a real headless Chromium (Playwright, the system's Chromium), served by
the webhook's aiohttp application beside the real bot polling the sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from playwright.async_api import Page, async_playwright

from bot.app import Linli
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Resident, Sandbox
from bot.web import web_server
from bot.web.site import Site
from tests.bot.conftest import (  # noqa: F401  (fixtures)
    BOT_TOKEN,
    Codes,
    bot_settings,
    bot_username,
    codes,
    committee,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parents[2] / "screenshots"  # gitignored: for people to look at


@pytest.fixture
async def linli(database_url: str, sandbox: Sandbox, codes: Codes) -> AsyncIterator[Linli]:  # noqa: F811
    """The bot with its web pages at `linli.settings.web_url`."""
    assert sandbox.url is not None
    port = unused_port()
    settings = bot_settings(database_url, sandbox.url, web_url=f"http://127.0.0.1:{port}")
    linli = await Linli.start(settings)
    runner = web.AppRunner(web_server(Site(linli.sessions, linli.i18n, linli.settings)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with linli.polling(DispatchPolicy(rate=200, chat_interval=0.01, idle_poll=0.05)):
            yield linli
    finally:
        await runner.cleanup()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    """A phone-sized page in the system's Chromium, in Chinese."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        yield await context.new_page()
        await browser.close()


def pages_url(linli: Linli) -> str:
    assert linli.settings.web_url is not None
    return linli.settings.web_url + "/web"


def init_data(user_id: int, auth_date: int | None = None, token: str = BOT_TOKEN) -> str:
    """A Mini App launch's initData as Telegram signs it (https://core.telegram.org/bots/
    webapps#validating-data-received-via-the-web-app), written here from the rule, not
    with the code under test."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": f"q{user_id}",
        "user": json.dumps({"id": user_id, "first_name": "李"}, separators=(",", ":")),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


async def launch(page: Page, linli: Linli, data: str) -> None:
    """Open the Mini App as Telegram does, initData in the fragment; wait for the sign-in."""
    fragment = urlencode({"tgWebAppData": data, "tgWebAppVersion": "7.0"})
    async with page.expect_navigation(url=lambda url: "/app" not in url):
        await page.goto(f"{pages_url(linli)}/app#{fragment}")


async def link_of(resident: Resident) -> str:
    """Ask the bot for a sign-in link with /web and return it."""
    await resident.send("/web")
    text = str((await resident.next_message())["text"])
    return next(word for word in text.split() if "/web/signin#" in word)


async def open_link(page: Page, link: str) -> None:
    async with page.expect_navigation(url=lambda url: "/signin" not in url or "#" not in url):
        await page.goto(link)
