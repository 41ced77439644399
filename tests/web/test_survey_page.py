"""A resident starts a ten-question survey in the chat and finishes it on the page, at phone
width; the chat's receipt and the tally agree with what the page recorded."""

from __future__ import annotations

from playwright.async_api import Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import SandboxClient
from storage.committee import compound_named
from storage.drives.queries import DriveTerms, create_drive, open_drive
from storage.surveys.models import Survey
from storage.surveys.queries import scope_named
from storage.surveys.tallies import tally_survey
from surveys.drives.cost_sharing import Plan
from surveys.voting.results import ChoiceResult
from tests.bot.conftest import COMPOUND, Codes
from tests.bot.surveying import open_vote, owners
from tests.web.conftest import SCREENSHOTS, init_data, launch, pages_url

Sessions = async_sessionmaker[AsyncSession]
SURVEY = """kind: opinion
title: 加装电梯意见征询
description: 电梯方案：北侧加装，每户分摊约一万元。
questions:
  - id: lift
    type: single
    text: 是否支持加装电梯？
    options: [{id: pro, text: 支持}, {id: con, text: 不支持}]
  - id: why
    type: text
    text: 请说明不支持的原因
    show_if: {question: lift, answer: con}
  - id: parts
    type: multiple
    text: 希望改造哪些部分？
    options: [{id: roof, text: 屋顶}, {id: pipes, text: 管道}, {id: paint, text: 外墙}]
  - id: floors
    type: number
    text: 您家住几楼？
    min: 1
    max: 30
  - id: score
    type: rating
    text: 您对目前的物业打几分？
  - id: order
    type: ranking
    top: 2
    text: 请排出最急需的两项
    options: [{id: lift, text: 电梯}, {id: roof, text: 屋顶}, {id: park, text: 停车}]
  - id: people
    type: number
    text: 家中常住几人？
    min: 1
    max: 12
  - id: elder
    type: single
    text: 家中是否有七十岁以上老人？
    options: [{id: has, text: 有}, {id: none, text: 没有}]
  - id: help
    type: multiple
    text: 施工期间需要哪些帮助？
    options: [{id: carry, text: 搬运}, {id: stay, text: 临时安置}]
    required: false
  - id: more
    type: text
    text: 其他意见
    required: false
"""


async def test_a_survey_started_in_the_chat_is_finished_on_the_page(
    linli: Linli, client: SandboxClient, codes: Codes, page: Page, sessions: Sessions
) -> None:
    (owner,) = await owners(client, codes, ["1栋/1单元/301"])
    survey = await open_vote(sessions, definition=SURVEY)
    notice = await owner.next_message()
    assert "加装电梯" in notice["text"]
    await owner.press("开始作答")
    await owner.next_message()
    await owner.press("不支持")  # the first answer, in the chat
    await owner.shown("✓ 问题 1")

    await page.set_viewport_size({"width": 390, "height": 844})
    await launch(page, linli, init_data(owner.id))
    await page.get_by_role("link", name="加装电梯意见征询").click()
    assert await page.is_checked("input[name=q-lift][value=con]")  # recorded in the chat
    # The reason is asked only of those against: it goes and comes back with the answer.
    await page.check("input[name=q-lift][value=pro]")
    assert await page.is_hidden("#q-why")
    await page.check("input[name=q-lift][value=con]")
    assert await page.is_visible("#q-why")
    await page.fill("textarea[name=q-why]", "费用太高")
    await page.check("input[name=q-parts][value=roof]")
    await page.check("input[name=q-parts][value=paint]")
    await page.fill("input[name=q-floors]", "45")  # above the maximum: refused, says why
    await page.check("input[name=q-score][value='4']")
    await page.select_option("select[name=q-order-1]", "roof")
    await page.select_option("select[name=q-order-2]", "lift")
    await page.fill("input[name=q-people]", "３")  # full-width, as a phone may type it
    await page.check("input[name=q-elder][value=has]")
    await page.fill("textarea[name=q-more]", "希望尽快开工")
    await page.get_by_role("button", name="保存我的答案").click()
    assert (
        "不能大于 30" in await page.inner_text("#q-floors .refused")
        or await page.locator("#q-floors .refused").count()
    )
    await page.fill("input[name=q-floors]", "3")
    await page.get_by_role("button", name="保存我的答案").click()
    await page.wait_for_url("**/answer?saved=1")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.evaluate("document.fonts.ready")  # the Chinese font, where it is fetched
    await page.screenshot(path=SCREENSHOTS / "resident-390.png", full_page=True)

    receipt = await owner.shown("已记录")
    for recorded in ("不支持", "费用太高", "屋顶、外墙", "1. 屋顶 2. 电梯", "有", "尽快开工"):
        assert recorded in receipt["text"]
    async with sessions() as session:
        tally = await tally_survey(session, await session.get_one(Survey, survey))
    assert tally.participation.answered_flats == 1
    lift = tally.question("lift")
    assert isinstance(lift, ChoiceResult)
    assert {o.option_id: o.respondents for o in lift.options} == {"pro": 0, "con": 1}
    order = tally.question("order")
    assert isinstance(order, ChoiceResult)
    assert {o.option_id: o.points for o in order.options} == {"lift": 1, "roof": 2, "park": 0}


async def test_the_page_of_a_vote_shows_the_flats_share_of_its_linked_drive(
    linli: Linli, client: SandboxClient, codes: Codes, page: Page, sessions: Sessions
) -> None:
    (owner,) = await owners(client, codes, ["1栋/1单元/201"])
    survey = await open_vote(sessions, "1栋", "1单元")
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        terms = DriveTerms(
            title="加装电梯", total_fen=600_000, subsidy_fen=0, plan=Plan.EQUAL, survey_id=survey
        )
        await open_drive(session, await create_drive(session, compound.id, scope, terms))
    await launch(page, linli, init_data(owner.id))
    await page.goto(f"{pages_url(linli)}/surveys/{survey}/answer")
    share = await page.inner_text("#share")
    assert "加装电梯" in share and "¥1,000.00" in share  # ¥6,000 shared by 6 flats
