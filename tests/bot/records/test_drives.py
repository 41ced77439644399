"""A contribution drive over the sandbox: shares by floor coefficient × area (not dividing
evenly), the opening notice, pledges of money, goods and labour, changes and a withdrawal,
partial payments, progress, the unpaid list, the ledger spreadsheet, the share shown before
the linked vote, the close, and the refusals."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.drives.notices import announce_drive
from handlers.surveys.notices import invitation_message
from storage.committee import compound_named
from storage.drives.models import Drive, PledgeEvent
from storage.drives.queries import DriveTerms, close_drive, create_drive, open_drive
from storage.models import Household
from storage.surveys.models import Survey
from storage.surveys.queries import create_survey, invitations, open_survey, scope_named
from surveys.drives.cost_sharing import Plan
from surveys.voting.templates import template_text
from tests.bot.conftest import COMPOUND, Codes, settle
from tests.bot.records.conftest import alert_of, join, outside_member, text_of

Sessions = async_sessionmaker[AsyncSession]

# 1栋 1单元: floors 1-3, two flats each, of 61.50, 62.50 and 63.50 m². Coefficients 0 / 1 / 1.5
# give weights 0, 62.5 and 95.25 per flat (315.5 in all) of 6,000,000 fen: quotas of
# 1,188,589.54 and 1,811,410.46 fen. Two fen are left over after rounding down; the larger
# remainders (.54, the second floor) get one each.
FLOOR_2, FLOOR_3 = "11,885.90", "18,114.10"


async def _open_drive(linli: Linli, sessions: Sessions, told: int) -> int:
    """Open the drive and its vote for 1栋 1单元; `told`: residents its notice goes to."""
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        survey = await create_survey(session, compound.id, template_text("elevator"), scope)
        await open_survey(session, survey)
        terms = DriveTerms(
            title="1栋1单元加装电梯",
            total_fen=10_000_000,
            subsidy_fen=4_000_000,
            plan=Plan.FLOOR_COEFFICIENT,
            floor_factors="1=0,2=1,3=1.5",
            survey_id=survey.id,
        )
        drive = await create_drive(session, compound.id, scope, terms)
        await open_drive(session, drive)
        assert await announce_drive(session, drive, linli.i18n, linli.settings.tz) == told
        return drive.id


async def _pledge_money(owner: Resident, method: str, amount: str) -> str:
    """Pledge money by `method`; return what the bot then says (the card, with the pledge
    recorded on top)."""
    await owner.press("Pledge money")
    assert "How will the money come?" in await text_of(owner)
    await owner.press(method)
    # The choice of method turns into the question of the amount.
    assert "How much will you pledge" in (await owner.shown(f"Method: {method}."))["text"]
    await owner.send(amount)
    return await text_of(owner)


async def test_a_drive_from_shares_to_ledger(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    ground = await join(client, codes, "一楼", "1栋/1单元/101")
    second = await join(client, codes, "二楼", "1栋/1单元/201")
    third = await join(client, codes, "三楼", "1栋/1单元/301")
    for owner in (ground, second, third):
        await settle(owner)
    number = await _open_drive(linli, sessions, told=3)

    notice = await text_of(second)
    assert "A contribution drive has opened" in notice and f"¥{FLOOR_2}" in notice
    assert "floor 2, coefficient 1, 62.50 m²" in notice
    assert "¥60,000.00 (cost ¥100,000.00 less subsidy ¥40,000.00)" in notice
    assert f"¥{FLOOR_3}" in await text_of(third)
    assert "Your suggested share: ¥0.00" in await text_of(ground)

    # Pledge, then change it; labour, withdrawn, then money; goods.
    first = await _pledge_money(second, "housing provident fund", "11885.90")
    assert first.startswith("✓ Pledge recorded: ¥11,885.90 by housing provident fund")
    assert "Your pledge: ¥11,885.90" in first  # with the card, as it is now
    changed = await _pledge_money(second, "direct payment", "12,000")
    assert "✓ Pledge recorded: ¥12,000.00 by direct payment" in changed
    await third.press("Pledge labour")
    await text_of(third)
    await third.send("twenty")  # a mistake: said how to write it, and asked again
    assert "whole number of hours" in await text_of(third)
    await third.send("20")
    assert "20 hours of work" in await text_of(third)
    withdrawn = await third.press("Withdraw my pledge")
    assert "withdrawn" in await alert_of(third, withdrawn)
    await third.shown("You have not pledged yet.")  # the pressed card turns into the new one
    refused = await _pledge_money(third, "housing maintenance fund", "18114.105")
    assert "Please send an amount in yuan" in refused  # and the question stands
    await third.send("18114.10")
    assert "housing maintenance fund" in await text_of(third)
    await ground.press("Pledge goods")
    await text_of(ground)
    await ground.send("两桶外墙涂料")
    card = await text_of(ground)
    assert "goods: 两桶外墙涂料" in card
    # 30,114.10 of 60,000 pledged: 50 %.
    assert "Pledged ¥30,114.10 of ¥60,000.00:\n▓▓▓▓▓░░░░░ 50%" in card
    assert "Received ¥0.00; 3 of 6 flats have pledged." in card

    # Payments: two partial ones for 201, one in full for 301.
    for flat, amount, total in (
        ("201", "5000", "¥5,000.00"),
        ("201", "2000", "¥7,000.00"),
        ("301", "18114.10", "¥18,114.10"),
    ):
        await committee.send(f"/paid {number} 1栋/1单元/{flat} {amount}")
        assert f"{total} received from it in all" in await text_of(committee)
    await committee.send(f"/unpaid {number}")
    unpaid = await text_of(committee)
    assert "Received ¥25,114.10; 3 of 6 flats have pledged." in unpaid
    assert "(1 flats)" in unpaid
    assert "1栋 1单元 Room 201: pledged ¥12,000.00, received ¥7,000.00" in unpaid
    assert "301" not in unpaid

    await committee.send(f"/ledger {number}")
    document = (await committee.next_message())["document"]
    book = load_workbook(BytesIO(await client.file(document["file_id"])))
    shares = list(book["分摊 Shares"].iter_rows(min_row=2, values_only=True))
    assert sum(Decimal(str(row[6])) for row in shares) == Decimal("60000")
    by_room = {row[2]: row for row in shares}
    assert Decimal(str(by_room["201"][6])) == Decimal("11885.90")
    assert (by_room["201"][9], by_room["201"][12], by_room["201"][13]) == (12000, 7000, 5000)
    assert by_room["301"][8] == "maintenance" and by_room["301"][13] == 0
    assert by_room["101"][10] == "两桶外墙涂料" and by_room["102"][7] is None
    history = book["认捐记录 Pledge history"].iter_rows(min_row=2, values_only=True)
    assert [row[1:3] for row in history] == [
        ("1栋/1单元/201", "pledged"),
        ("1栋/1单元/201", "changed"),
        ("1栋/1单元/301", "pledged"),
        ("1栋/1单元/301", "withdrawn"),
        ("1栋/1单元/301", "pledged"),
        ("1栋/1单元/101", "pledged"),
    ]
    assert len(list(book["收款 Payments"].iter_rows(min_row=2))) == 3

    async with sessions() as session:
        assert len((await session.scalars(select(PledgeEvent))).all()) == 6

    # After the close nothing changes, and the buttons say why.
    async with sessions() as session, session.begin():
        drive = await session.get(Drive, number)
        assert drive is not None
        await close_drive(session, drive)
    for button in ("Withdraw my pledge", "Pledge goods"):  # nothing is asked in vain
        assert "closed" in await alert_of(second, await second.press(button))


async def test_the_share_is_shown_before_the_linked_vote(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:

    second = await join(client, codes, "二楼", "1栋/1单元/201")
    await settle(second)
    number = await _open_drive(linli, sessions, told=1)
    await second.next_message()  # the drive's notice
    async with sessions() as session:
        drive = await session.get(Drive, number)
        assert drive is not None
        survey = await session.get(Survey, drive.survey_id)
        assert survey is not None
        (invitation,) = await invitations(session, survey)
    text, markup = invitation_message(survey, invitation, None, linli.i18n, linli.settings.tz)
    await linli.bot.send_message(second.id, text, reply_markup=markup)
    await second.next_message()
    await second.press("Start answering")
    share = await text_of(second)
    assert "If this passes, your flat's share of “1栋1单元加装电梯”" in share
    assert f"¥{FLOOR_2}" in share
    assert "Question 1 of" in await text_of(second)


async def test_drive_commands_and_buttons_refuse_outsiders(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    second = await join(client, codes, "二楼", "1栋/1单元/201")
    elsewhere = await join(client, codes, "二栋住户", "2栋/1单元/201")
    stranger = await outside_member(client, sessions)
    await settle(second)
    number = await _open_drive(linli, sessions, told=1)
    notice = await second.next_message()
    for person in (second, stranger):
        for command in (
            f"/unpaid {number}",
            f"/ledger {number}",
            f"/paid {number} 1栋/1单元/201 5",
        ):
            await person.send(command)
            assert "Only the compound's committee members can do this." in await text_of(person)
    await elsewhere.send("/drives")
    assert "No contribution drive is open for your flat." in await text_of(elsewhere)
    # A tampered button naming another flat of the drive pledges nothing.
    async with sessions() as session:
        other = await session.scalar(select(Household.id).where(Household.room == "301"))
    forged = await second.forge_press(notice["message_id"], f"dv:{number}:{other}:money")
    assert "does not include your flat" in await alert_of(second, forged)
