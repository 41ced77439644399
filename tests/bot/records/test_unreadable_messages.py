"""Voice messages, stickers, files and locations over the sandbox: the bot cannot take them,
and says so with what to do instead, in the person's language; in the middle of a flow that
awaits typed text or photos, it says what that step expects, and the step stays."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import SandboxClient
from handlers.drives.notices import announce_drive
from storage.committee import compound_named
from storage.drives.queries import DriveTerms, create_drive, open_drive
from storage.surveys.queries import scope_named
from surveys.drives.cost_sharing import Plan
from tests.bot.conftest import COMPOUND, Codes, settle
from tests.bot.records.conftest import join, text_of
from tests.bot.records.test_complaints import photo

Sessions = async_sessionmaker[AsyncSession]
USE_BUTTONS = "Please tap the buttons under my messages, or type what you need."


async def test_each_kind_is_answered_with_what_to_do_instead(
    linli: Linli, client: SandboxClient
) -> None:
    grandma = await client.resident("王奶奶")
    await grandma.send_voice(duration=12)
    voice = await text_of(grandma)
    assert voice.startswith("Sorry, I cannot listen to voice messages.") and USE_BUTTONS in voice
    assert "/help" in voice
    await grandma.send_sticker("🙏")
    assert "I cannot read stickers" in await text_of(grandma)
    await grandma.send_document(b"%PDF-1.4", "房产证.pdf")
    assert "I cannot open files" in await text_of(grandma)
    await grandma.send_location(31.23, 121.47)
    assert "I do not use locations" in await text_of(grandma)

    # In Chinese once she has chosen it.
    await grandma.send("/lang")
    await text_of(grandma)
    await grandma.press("中文")
    await grandma.shown("中文")
    await grandma.send_voice()
    chinese = await text_of(grandma)
    assert "语音" in chinese and "按钮" in chinese and "listen" not in chinese


async def test_mid_flow_the_step_says_what_it_expects(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await join(client, codes, "李伯", "1栋/1单元/201")
    await settle(owner)

    # A complaint awaiting its description, then photos.
    await owner.send("/complaint")
    await text_of(owner)
    await owner.press("noise")
    await owner.shown("Category: noise")
    await owner.send_voice()
    said = await text_of(owner)
    assert said == (
        "Sorry, I cannot listen to voice messages. Please describe the problem in words first."
    )
    await owner.send("楼上装修噪音")
    await text_of(owner)
    await owner.send_document(photo("red"), "现场.jpg")
    assert "send the picture as a photo, not as a file" in await text_of(owner)
    await owner.send_sticker()
    assert "I cannot read stickers" in (said := await text_of(owner)) and "“Done”" in said
    await owner.send_photo(photo("red"))  # the step stayed
    assert "Photo 1 received" in await text_of(owner)
    await owner.send("/cancel")
    await text_of(owner)

    # A pledge awaiting its amount.
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        terms = DriveTerms(title="屋面防水", total_fen=600_000, subsidy_fen=0, plan=Plan.EQUAL)
        drive = await create_drive(session, compound.id, scope, terms)
        await open_drive(session, drive)
        await announce_drive(session, drive, linli.i18n, linli.settings.tz)
    await text_of(owner)
    await owner.press("Pledge money")
    await text_of(owner)
    await owner.press("direct payment")
    await owner.shown("How much will you pledge")
    await owner.send_voice()
    said = await text_of(owner)
    assert said.startswith("Sorry, I cannot listen to voice messages. Please type the amount")
    await owner.send_location(31.23, 121.47)
    assert "I do not use locations. Please type the amount" in await text_of(owner)
    await owner.send("1000")  # the step stayed
    assert "✓ Pledge recorded: ¥1,000.00" in await text_of(owner)
