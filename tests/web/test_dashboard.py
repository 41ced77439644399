"""The committee's dashboard of a vote: bars that move as residents answer in the chat, the
door-to-door grid and list, and the same figures as `linli tally --json`."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner
from playwright.async_api import Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.cli import main
from bot.sandbox import Resident, SandboxClient
from tests.bot.conftest import Codes
from tests.bot.surveying import at_the_question, open_vote, owners
from tests.web.conftest import SCREENSHOTS, init_data, launch, pages_url

Sessions = async_sessionmaker[AsyncSession]
FLATS = ["1栋/1单元/101", "1栋/1单元/102", "1栋/1单元/201", "1栋/2单元/101"]


async def _share(page: Page, bar: str) -> float:
    return float(await page.get_attribute(f'[data-bar="{bar}"]', "data-share") or 0)


async def test_bars_fill_as_residents_vote_in_the_chat(
    linli: Linli,
    committee: Resident,
    client: SandboxClient,
    codes: Codes,
    page: Page,
    sessions: Sessions,
    database_url: str,
) -> None:
    voters = await owners(client, codes, FLATS)
    survey = await open_vote(sessions)
    await at_the_question(voters)
    await launch(page, linli, init_data(committee.id))
    await page.goto(f"{pages_url(linli)}/surveys/{survey}")
    quorum = "plan:0"  # participation by area
    assert await _share(page, quorum) == 0
    assert await page.locator("[data-flat].answered").count() == 0

    for number, voter in enumerate(voters, start=1):
        await voter.press("同意")
        await voter.shown("已记录")
        # The page polls its figures: wait until the bar and the grid show this answer.
        await page.wait_for_function(
            "n => document.querySelectorAll('[data-flat].answered').length === n", arg=number
        )
        assert await page.inner_text("#answered") == str(number)
    assert 0 < await _share(page, quorum) < 1

    # Paper arrives: an affected flat whose consent is still out, and a written objection.
    await committee.send(f"/paper {survey} 1栋/1单元/302 受影响")
    await committee.shown("已登记")
    await committee.send(f"/paper {survey} 2栋/1单元/101 反对")
    await committee.shown("已登记")
    await page.wait_for_function(
        "() => document.querySelectorAll('[data-flat].objected').length === 1"
    )
    pending = page.locator("[data-flat].pending")
    assert await pending.count() == 1 and await pending.inner_text() == "302"
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.evaluate("document.fonts.ready")  # the Chinese font, where it is fetched
    await page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    # The page's figures are `linli tally --json`'s.
    figures = await (
        await page.request.get(f"{pages_url(linli)}/surveys/{survey}/figures.json")
    ).json()
    env = {"LINLI_DATABASE_URL": database_url}
    command = ["tally", str(survey), "--json"]
    printed = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert printed.exit_code == 0, printed.output
    assert figures["tally"] == json.loads(printed.output)
    assert "已作答：4 / 24 户" in await page.inner_text("body")

    # Without JavaScript the figures read the same (they update on reload).
    plain = await page.context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    await plain.add_cookies(await page.context.cookies())
    reader = await plain.new_page()
    await reader.goto(f"{pages_url(linli)}/surveys/{survey}")
    assert await reader.inner_text("#answered") == "4"
    assert await reader.locator("[data-flat].answered").count() == 4
    assert await _share(reader, quorum) == await _share(page, quorum)
    await plain.close()

    await page.get_by_role("link", name="尚需上门的住户").click()
    await page.wait_for_url(f"**/surveys/{survey}/visit")
    rows = page.locator("table.visit tbody tr")
    assert await rows.count() == 20
    assert "尚需上门的住户：20 户" in await page.inner_text("h2")
    assert "102" not in await rows.filter(has_text="1单元").filter(has_text="1").first.inner_text()
