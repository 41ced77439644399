"""The committee's pages of the records besides votes: a contribution drive (pledges made in
the chat and a payment recorded with /paid, by building, and the money still outstanding) and
the complaints board."""

from __future__ import annotations

from playwright.async_api import Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.drives.notices import announce_drive
from storage.committee import compound_named
from storage.drives.queries import DriveTerms, create_drive, open_drive
from storage.surveys.queries import scope_named
from surveys.drives.cost_sharing import Plan
from tests.bot.conftest import Codes
from tests.bot.surveying import owners
from tests.web.conftest import SCREENSHOTS, init_data, launch, pages_url

Sessions = async_sessionmaker[AsyncSession]


async def _pledge(owner: Resident, amount: str) -> None:
    await owner.next_message()  # the drive's card
    await owner.press("认捐资金")
    await owner.next_message()
    await owner.press("直接出资")
    await owner.shown("直接出资")
    await owner.send(amount)
    await owner.shown("认捐已记录")


async def test_a_drives_progress_by_building_and_its_unpaid_pledges(
    linli: Linli,
    committee: Resident,
    client: SandboxClient,
    codes: Codes,
    page: Page,
    sessions: Sessions,
) -> None:
    first, second = await owners(client, codes, ["1栋/1单元/101", "2栋/1单元/101"])
    async with sessions() as session, session.begin():
        compound = await compound_named(session, "幸福里")
        scope = await scope_named(session, compound.id, None, None)
        terms = DriveTerms(title="屋顶防水", total_fen=2_400_000, subsidy_fen=0, plan=Plan.EQUAL)
        drive = await create_drive(session, compound.id, scope, terms)
        await open_drive(session, drive)
        await announce_drive(session, drive, linli.i18n, linli.settings.tz)
    await _pledge(first, "1000")
    await _pledge(second, "1000")
    await committee.send(f"/paid {drive.id} 2栋/1单元/101 1000")
    await committee.shown("已登记")

    await launch(page, linli, init_data(committee.id))
    await page.get_by_role("link", name="屋顶防水").click()
    await page.wait_for_url(f"**/web/drives/{drive.id}")
    assert "¥2,000.00" in await page.inner_text("#progress")
    one = await page.inner_text('tr[data-building="1栋"]')
    assert "1 / 12" in one and "¥12,000.00" in one and "¥1,000.00" in one
    unpaid = page.locator("table.unpaid tbody tr")
    assert await unpaid.count() == 1 and "1栋" in await unpaid.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "drive.png", full_page=True)

    await page.context.clear_cookies()
    await launch(page, linli, init_data(first.id))
    response = await page.goto(f"{pages_url(linli)}/drives/{drive.id}")
    assert response is not None and response.status == 403


async def test_the_complaints_board_shows_a_complaint_filed_in_the_chat(
    linli: Linli,
    committee: Resident,
    client: SandboxClient,
    codes: Codes,
    page: Page,
) -> None:
    (reporter,) = await owners(client, codes, ["1栋/1单元/101"])
    await reporter.send("/complaint")
    await reporter.shown("您要反映什么问题？")
    await reporter.press("噪音")
    await reporter.shown("类别：噪音")
    await reporter.send("夜里十一点还在电钻施工")
    await reporter.shown("问题照片")
    await reporter.press("完成")
    await reporter.shown("问题在哪里？")
    await reporter.press("1栋 1单元")
    await reporter.shown("其他居民永远看不到")
    await reporter.press("我的名字只限委员会知道")
    await reporter.shown("请核对您的投诉：")
    await reporter.press("发送")
    await reporter.shown("投诉已提交")

    await launch(page, linli, init_data(committee.id))
    await page.get_by_role("link", name="投诉看板").click()
    card = page.locator("[data-complaint]")
    assert await card.count() == 1
    assert "电钻" in await card.inner_text() and "噪音" in await card.inner_text()
    column = page.locator(".column", has=card)
    assert "已提交" in await column.locator("h2").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "complaints.png", full_page=True)
