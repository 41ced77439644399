"""Pledges checked before they are recorded, over the sandbox: amounts as people type them
(6万, ¥1,500, 1500元), an ambiguous one refused with why, a pledge far above the flat's share
confirmed with buttons first, only the flat's owners pledging for it (unless the drive names
others), and the pledger told when the committee records a payment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.drives.notices import announce_drive
from storage.committee import compound_named
from storage.drives.models import Pledge
from storage.drives.queries import DriveTerms, create_drive, open_drive
from storage.models import Household
from storage.surveys.queries import scope_named
from surveys.drives.cost_sharing import Plan
from surveys.roles import Role
from tests.bot.conftest import COMPOUND, Codes, join_flat, settle
from tests.bot.records.conftest import alert_of, join, text_of

Sessions = async_sessionmaker[AsyncSession]


async def _open_drive(
    linli: Linli, sessions: Sessions, told: int, pledgers: frozenset[Role] = frozenset({Role.OWNER})
) -> int:
    """¥60,000 shared equally by the six flats of 1栋 1单元: ¥10,000.00 each."""
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        terms = DriveTerms(
            title="1栋1单元屋面防水",
            total_fen=6_000_000,
            subsidy_fen=0,
            plan=Plan.EQUAL,
            pledgers=pledgers,
        )
        drive = await create_drive(session, compound.id, scope, terms)
        await open_drive(session, drive)
        assert await announce_drive(session, drive, linli.i18n, linli.settings.tz) == told
        return drive.id


async def _type_amount(owner: Resident, amount: str) -> str:
    await owner.press("Pledge money")
    await text_of(owner)
    await owner.press("direct payment")
    await owner.shown("How much will you pledge")
    await owner.send(amount)
    return await text_of(owner)


async def _pledged_fen(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        return list(await session.scalars(select(Pledge.amount_fen).order_by(Pledge.id)))


async def test_typed_amounts_and_a_large_pledge_confirmed_first(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    owner = await join(client, codes, "二楼", "1栋/1单元/201")
    await settle(owner)
    number = await _open_drive(linli, sessions, told=1)
    assert "Your suggested share: ¥10,000.00" in await text_of(owner)

    # An ambiguous amount is refused with why, and the question stands.
    refused = await _type_amount(owner, "1,50")
    assert "can be read two ways" in refused and "1.5万" in refused
    await owner.send("1.5万")
    assert "✓ Pledge recorded: ¥15,000.00 by direct payment" in await text_of(owner)
    assert "✓ Pledge recorded: ¥1,500.00" in await _type_amount(owner, "¥1,500")
    assert "✓ Pledge recorded: ¥1,500.00" in await _type_amount(owner, "1500元")

    # 6万 is six times the share: asked first, nothing recorded until confirmed.
    asked = await _type_amount(owner, "6万")
    assert "You typed ¥60,000.00. That is more than 3 times" in asked
    assert "(¥10,000.00)" in asked
    assert await _pledged_fen(sessions) == [150_000]
    question = (await owner.messages())[-1]
    await owner.press("No, type it again")
    await owner.edited(question)
    await owner.send("6千")  # not an amount: refused, still asking
    assert "could not read that" in await text_of(owner)
    await owner.send("60000")
    question = await owner.next_message()
    assert "You typed ¥60,000.00" in question["text"]
    await owner.press("Yes, pledge ¥60,000.00")
    assert "✓ Pledge recorded: ¥60,000.00" in (await owner.edited(question))["text"]
    assert await _pledged_fen(sessions) == [6_000_000]
    # The confirmation counts once: its button replayed records nothing more.
    yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stale = await owner.forge_press(question["message_id"], yes)
    assert "no longer valid" in await alert_of(owner, stale)

    # A payment the committee records is told to whoever pledged.
    await committee.send(f"/paid {number} 1栋/1单元/201 5000")
    await text_of(committee)
    told = await text_of(owner)
    assert "The committee recorded ¥5,000.00 received from 1栋 1单元 Room 201" in told
    assert "¥5,000.00 received in all, of ¥60,000.00 pledged" in told


async def test_only_the_owners_pledge_for_a_flat_unless_the_drive_names_others(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await join(client, codes, "业主", "1栋/1单元/201")
    family = await client.resident("家人")
    await join_flat(family, codes.flats["1栋/1单元/201"], "family member")
    await settle(owner)
    await settle(family)
    number = await _open_drive(linli, sessions, told=2)
    await text_of(owner)
    card = await family.next_message()
    assert "the flat's owners pledge for it" in card["text"]
    assert card["reply_markup"] is None  # no buttons that would only refuse
    async with sessions() as session:
        flat = await session.scalar(select(Household.id).where(Household.room == "201"))
    forged = await family.forge_press(card["message_id"], f"dv:{number}:{flat}:money")
    assert "only the flat's owners" in await alert_of(family, forged)
    assert await _pledged_fen(sessions) == []

    # A drive naming family members too lets them pledge.
    second = await _open_drive(
        linli, sessions, told=2, pledgers=frozenset({Role.OWNER, Role.FAMILY})
    )
    await text_of(owner)
    await family.shown(f"#{second}")
    assert "✓ Pledge recorded: ¥800.00" in await _type_amount(family, "800块")
