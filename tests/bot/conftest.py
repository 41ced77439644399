"""The real bot, polling the sandbox over HTTP, on a real database, with a small compound:
2 buildings × 2 units × 3 floors × 2 flats, join codes issued for all of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Resident, Sandbox, SandboxClient
from bot.settings import Settings, load_settings
from storage.committee import add_member, compound_named
from storage.joining.codes import issue_codes
from storage.joining.register import import_register
from storage.models import CodeKind
from surveys.joining.register import RegisterFlat
from surveys.joining.tokens import deep_link, sign

BOT_TOKEN = "123456:linli-test-token"
BOT_USERNAME = "linli_test_bot"
SECRET_KEY = "test-secret-key-0123456789"
COMPOUND = "幸福里"


def small_register() -> list[RegisterFlat]:
    return [
        RegisterFlat(
            building=f"{b}栋",
            unit=f"{u}单元",
            floor=floor,
            room=f"{floor}0{flat}",
            area=Decimal("60.50") + floor,
            owner_key=f"owner-{b}{u}{floor}{flat}",
            developer_held=False,
        )
        for b in (1, 2)
        for u in (1, 2)
        for floor in (1, 2, 3)
        for flat in (1, 2)
    ]


@dataclass
class Codes:
    """Deep links of the issued codes: flats by "1栋/1单元/101", units by "1栋/1单元".
    `owner_flats`: the flat codes handed to each owner in person, whose owner is confirmed
    on scanning (only confirmed owners vote formally)."""

    compound: str
    units: dict[str, str]
    flats: dict[str, str]
    ids: dict[str, int]
    owner_flats: dict[str, str]


def bot_settings(database_url: str, api_url: str, **overrides: object) -> Settings:
    return load_settings(
        bot_token=BOT_TOKEN,
        bot_username=BOT_USERNAME,
        api_url=api_url,
        database_url=database_url,
        secret_key=SECRET_KEY,
        # Tests press faster than people; tests/bot/test_flood.py checks the limit itself.
        **{"flood_limit": 1000, **overrides},
    )


@pytest.fixture
def bot_username() -> str:
    return BOT_USERNAME  # the sandbox plays the bot the join codes' deep links name


@pytest.fixture
async def codes(sessions: async_sessionmaker[AsyncSession]) -> Codes:
    async with sessions() as session, session.begin():
        await import_register(session, COMPOUND, small_register())
        compound = await compound_named(session, COMPOUND)
        compound.quiet_hours = "off"  # the suite runs at any hour; test_quiet_hours sets them
        issued = await issue_codes(session, compound.id, max_uses=2)
        handed = await issue_codes(session, compound.id, max_uses=2, owner_verified=True)
    links = Codes(compound="", units={}, flats={}, ids={}, owner_flats={})
    for item in handed:
        if item.code.kind is CodeKind.FLAT:
            place = f"{item.building}/{item.unit}/{item.room}"
            links.owner_flats[place] = deep_link(BOT_USERNAME, sign(item.code.id, SECRET_KEY))
    for item in issued:
        link = deep_link(BOT_USERNAME, sign(item.code.id, SECRET_KEY))
        if item.code.kind is CodeKind.COMPOUND:
            links.compound = link
            continue
        place = f"{item.building}/{item.unit}"
        if item.code.kind is CodeKind.FLAT:
            place += f"/{item.room}"
            links.flats[place] = link
        else:
            links.units[place] = link
        links.ids[place] = item.code.id
    return links


@pytest.fixture
async def linli(database_url: str, sandbox: Sandbox, codes: Codes) -> AsyncIterator[Linli]:
    assert sandbox.url is not None
    linli = await Linli.start(bot_settings(database_url, sandbox.url))
    async with linli.polling(DispatchPolicy(rate=200, chat_interval=0.01, idle_poll=0.05)):
        yield linli


@pytest.fixture
async def committee(
    client: SandboxClient, sessions: async_sessionmaker[AsyncSession], linli: Linli
) -> Resident:
    member = await client.resident("李主任")
    async with sessions() as session, session.begin():
        await add_member(session, await compound_named(session, COMPOUND), member.id)
    await member.send("/start")
    await member.next_message()
    return member


async def settle(resident: Resident) -> str:
    """Wait until everything the resident sent so far is committed, and return /me's reply.

    The bot replies a moment before it commits, and handles one person's updates in order:
    once /me is answered, every earlier update of theirs is in the database."""
    await resident.send("/me")
    return str((await resident.next_message())["text"])


async def choose_role(resident: Resident, role: str = "业主", timeout: float = 10) -> str:
    """Read the question how one lives in the scanned flat, answer `role` (业主, 家庭成员,
    租户) and return what the question turned into: the welcome."""
    question = await resident.next_message(timeout=timeout)
    await resident.press(role, message_id=question["message_id"], timeout=timeout)
    return str((await resident.edited(question, timeout))["text"])


async def join_flat(resident: Resident, link: str, role: str = "业主") -> str:
    """Scan a flat's own code and choose `role`; return the welcome."""
    await resident.scan(link)
    return await choose_role(resident, role)


async def confirmed(member: Resident, command: str) -> str:
    """Send `/close N` or `/publish N`, tap the confirmation it asks for, and return what the
    question turned into. A publication's poster follows as a document, left unread."""
    await member.send(command)
    publish = command.startswith("/publish")
    number = command.split()[1]
    question = await member.shown(f"公示征询 #{number}" if publish else f"结束征询 #{number}")
    await member.press("确认公示" if publish else "确认结束", message_id=question["message_id"])
    return str((await member.edited(question))["text"])
