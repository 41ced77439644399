"""Signing in to the web pages: from a Mini App launch and from a one-time link, and every
way in that must be refused."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import unused_port
from playwright.async_api import Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from bot.webhook import build_app
from storage.committee import add_member, compound_named
from storage.joining.register import import_register
from storage.residents import known_resident
from surveys.signin.tokens import Claim, Purpose, seal
from tests.bot.conftest import SECRET_KEY, Codes, join_flat, small_register
from tests.bot.surveying import open_vote
from tests.web.conftest import init_data, launch, link_of, open_link, pages_url

Sessions = async_sessionmaker[AsyncSession]


async def test_a_member_signs_in_from_telegram_and_sees_the_compounds_votes(
    linli: Linli, committee: Resident, page: Page, sessions: Sessions
) -> None:
    survey = await open_vote(sessions)
    await launch(page, linli, init_data(committee.id))
    await page.get_by_role("link", name="改造方案表决").click()
    await page.wait_for_url(f"**/web/surveys/{survey}")
    assert "已作答：0 / 24 户" in await page.inner_text("body")


async def test_stale_replayed_and_forged_launches_are_refused(
    linli: Linli, committee: Resident, page: Page
) -> None:
    stale = init_data(committee.id, auth_date=int(time.time()) - 3600)
    await launch(page, linli, stale)
    assert "打开太久" in await page.inner_text(".refused")

    fresh = init_data(committee.id)
    await launch(page, linli, fresh)
    assert await page.locator(".refused").count() == 0
    await page.context.clear_cookies()
    await launch(page, linli, fresh)  # the same launch again: a replay
    assert "已经用过" in await page.inner_text(".refused")

    await launch(page, linli, init_data(committee.id, token="654321:another-bot-token"))
    assert "无效" in await page.inner_text(".refused")


async def test_a_one_time_link_signs_in_once(linli: Linli, committee: Resident, page: Page) -> None:
    link = await link_of(committee)
    await open_link(page, link)
    assert "问卷与表决" in await page.inner_text("h1")

    await page.context.clear_cookies()
    await open_link(page, link)
    assert "已经用过" in await page.inner_text(".refused")


async def test_a_resident_and_another_compounds_member_are_refused_a_vote(
    linli: Linli, client: SandboxClient, codes: Codes, page: Page, sessions: Sessions
) -> None:
    survey = await open_vote(sessions)
    owner = await client.resident("王先生")
    await join_flat(owner, codes.flats["1栋/1单元/101"])
    await launch(page, linli, init_data(owner.id))
    response = await page.goto(f"{pages_url(linli)}/surveys/{survey}")
    assert response is not None and response.status == 403
    assert "只有本小区的委员会成员" in await page.inner_text(".refused")

    elsewhere = await client.resident("别的主任")
    async with sessions() as session, session.begin():
        await import_register(session, "和平里", small_register())
        await add_member(session, await compound_named(session, "和平里"), elsewhere.id)
    await elsewhere.send("/start")
    await elsewhere.next_message()
    await page.context.clear_cookies()
    await launch(page, linli, init_data(elsewhere.id))
    response = await page.goto(f"{pages_url(linli)}/surveys/{survey}")
    assert response is not None and response.status == 403
    assert "只有本小区的委员会成员" in await page.inner_text(".refused")
    response = await page.goto(f"{pages_url(linli)}/surveys/{survey}/figures.json")
    assert response is not None and response.status == 403


async def test_forms_without_their_csrf_token_are_refused(
    linli: Linli, committee: Resident, page: Page
) -> None:
    await launch(page, linli, init_data(committee.id))
    forged = await page.request.post(f"{pages_url(linli)}/signout", form={"csrf": "made-up"})
    assert forged.status == 403 and "表单已失效" in await forged.text()
    assert await page.locator("table.surveys").count() == 1  # still signed in
    await page.reload()
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url("**/web/signin")
    response = await page.goto(f"{pages_url(linli)}/")
    assert response is not None and response.url.endswith("/web/signin")


async def test_the_webhooks_server_serves_the_pages_beside_telegrams_route(
    linli: Linli, committee: Resident, page: Page
) -> None:
    runner = web.AppRunner(build_app(linli, "webhook-secret"))
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        served = f"http://127.0.0.1:{port}/web"
        async with page.expect_navigation(url=f"{served}/"):
            fragment = urlencode({"tgWebAppData": init_data(committee.id)})
            await page.goto(f"{served}/app#{fragment}")
        assert "问卷与表决" in await page.inner_text("h1")
        refused = await page.request.post(f"http://127.0.0.1:{port}/telegram", data="{}")
        assert refused.status == 401  # the webhook's own check, untouched by the pages'
    finally:
        await runner.cleanup()


async def test_an_expired_or_altered_link_is_refused(
    linli: Linli, committee: Resident, page: Page
) -> None:
    link = await link_of(committee)
    base, token = link.split("#")
    resident, nonce, expires, signature = token.split(".")
    await open_link(page, f"{base}#{resident}.{nonce}.{int(expires) - 3600}.{signature}")
    assert "链接无效" in await page.inner_text(".refused")  # the expiry is signed

    expired = await link_of(committee)
    async with linli.sessions() as session:
        row = await known_resident(session, committee.id)
    assert row is not None
    claim = Claim(row.id, "past-nonce", int(time.time()) - 1)
    await open_link(page, f"{base}#{seal(Purpose.LINK, claim, SECRET_KEY)}")
    assert "已过期" in await page.inner_text(".refused")
    await open_link(page, expired)  # a fresh one still works
    assert "问卷与表决" in await page.inner_text("h1")
