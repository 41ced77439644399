"""`linli demo`: the whole joining story offline — a sample compound, QR posters, the bot on
the local sandbox, and simulated residents joining — ending in a readable summary."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli, build_i18n
from bot.demo.records import records_round
from bot.demo.surveys import survey_round
from bot.documents.join_posters import write_posters
from bot.outbox_dispatcher import DispatchPolicy
from bot.sandbox import Resident, Sandbox, SandboxClient
from bot.sandbox.client import Json
from bot.settings import load_settings
from storage import migrate
from storage.committee import add_member
from storage.db import create_engine, session_factory
from storage.joining.codes import IssuedCode, issue_codes
from storage.joining.register import import_register
from storage.models import CodeKind, Compound, Household, JoinCode, Membership, MembershipStatus
from surveys.joining.register import RegisterFlat
from surveys.joining.tokens import deep_link, sign

COMPOUND = "幸福里小区"
BOT_USERNAME = "linli_demo_bot"
UNITS_PER_BUILDING = (3, 4, 3, 4, 3)  # 17 units × 6 floors × 2 flats = 204 flats
FLOORS, FLATS_PER_FLOOR = 6, 2


def sample_register(seed: int = 7) -> list[RegisterFlat]:
    """A compound like the ones renovated: 5 buildings of 6 floors, 2 flats a landing. Every
    17th owner holds the next flat too; building 5's top floor is still the developer's."""
    pick = random.Random(seed)
    flats = []
    owner = 0
    for building, units in enumerate(UNITS_PER_BUILDING, start=1):
        for unit in range(1, units + 1):
            for floor in range(1, FLOORS + 1):
                for flat in range(1, FLATS_PER_FLOOR + 1):
                    unsold = building == 5 and floor == FLOORS
                    owner += 0 if len(flats) % 17 == 1 else 1
                    flats.append(
                        RegisterFlat(
                            building=f"{building}栋",
                            unit=f"{unit}单元",
                            floor=floor,
                            room=f"{floor}0{flat}",
                            area=Decimal(pick.randrange(4500, 9800)) / 100,
                            owner_key=None if unsold else f"房产证-{owner:05d}",
                            developer_held=unsold,
                        )
                    )
    return flats


@dataclass
class Story:
    """What happened, for the summary."""

    lines: list[str] = field(default_factory=list)

    def say(self, who: str, text: str) -> None:
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        self.lines.append(f"  {who}: {first_line}")


async def _question(resident: Resident, story: Story) -> Json:
    message = await resident.next_message()
    story.say(f"bot → {resident.name}", str(message["text"]))
    return message


async def _read(resident: Resident, story: Story) -> str:
    return str((await _question(resident, story))["text"])


async def _choose(resident: Resident, question: Json, choice: str, story: Story) -> Json:
    """Tap `choice` on `question`, which turns into what follows; return that."""
    story.say(resident.name, f"taps 「{choice}」")
    await resident.press(choice, message_id=question["message_id"])
    answer = await resident.edited(question)
    story.say(f"bot → {resident.name}", str(answer["text"]))
    return answer


async def _join_with_flat_code(resident: Resident, link: str, story: Story) -> None:
    story.say(resident.name, "scans the QR code of their flat")
    await resident.scan(link)
    await _choose(resident, await _question(resident, story), "业主", story)


async def _claim_with_shared_code(
    resident: Resident, link: str, choices: tuple[str, str, str, str], story: Story
) -> None:
    story.say(resident.name, "scans the compound's shared QR code at the gate")
    await resident.scan(link)
    question = await _question(resident, story)
    for choice in choices:
        question = await _choose(resident, question, choice, story)


DEMO_KEY = "demo-secret-key-not-for-production"


async def run_demo(out: Path, secret_key: str = DEMO_KEY) -> int:
    """Run the story into `out`; return the committee member's Telegram number."""
    out.mkdir(parents=True, exist_ok=True)
    database = out / "demo.db"
    database.unlink(missing_ok=True)
    database_url = f"sqlite+aiosqlite:///{database}"
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessions = session_factory(engine)
    story = Story()

    async with (
        Sandbox(bot_username=BOT_USERNAME) as sandbox,
        SandboxClient(sandbox.url or "") as client,
    ):
        committee = await client.resident("李主任")
        async with sessions() as session, session.begin():
            report = await import_register(session, COMPOUND, sample_register())
            compound = await session.scalar(select(Compound).where(Compound.name == COMPOUND))
            assert compound is not None
            compound.quiet_hours = "off"  # the demo runs at any hour and waits for its notices
            await add_member(session, compound, committee.id)
            issued = await issue_codes(session, compound.id)
            # Flat codes handed to the owners in person at a residents' meeting.
            slips = await issue_codes(session, compound.id, owner_verified=True)
        sheets = write_posters(
            issued,
            compound=COMPOUND,
            bot_username=BOT_USERNAME,
            secret_key=secret_key,
            out=out / "qr",
            i18n=build_i18n("zh_CN"),
        )
        links = _links(issued, secret_key)
        owner_links = _links(slips, secret_key)
        settings = load_settings(
            bot_token="123456:demo-token",
            bot_username=BOT_USERNAME,
            api_url=sandbox.url,
            database_url=database_url,
            secret_key=secret_key,
        )
        linli = await Linli.start(settings)
        async with linli.polling(DispatchPolicy(idle_poll=0.1)):
            await committee.send("/start")
            await _read(committee, story)
            owners = await _act(client, committee, links, owner_links, story)
            surveys = await survey_round(
                sessions, client, compound.id, owners, committee, links, linli.i18n, settings, out
            )
            records = await records_round(
                sessions, client, compound.id, owners, committee, linli.i18n, settings.tz
            )
        stats = await _summary(sessions, client)
    await engine.dispose()

    click.echo(f"Linli demo — {COMPOUND}, offline on the local Bot API sandbox\n")
    click.echo(
        f"Register imported: {report.created} flats in {len(UNITS_PER_BUILDING)} buildings "
        f"and {sum(UNITS_PER_BUILDING)} units (owners of two flats and developer-held flats "
        "included)."
    )
    click.echo(
        f"Join codes issued: {len(issued)}, and {len(slips)} owners' flat codes; "
        f"{len(sheets)} printable A4 sheets and one PNG per code in {out / 'qr'}/.\n"
    )
    click.echo("What happened in the chats:")
    click.echo("\n".join(story.lines))
    click.echo("\nResult:")
    for label, value in stats.items():
        click.echo(f"  {label}: {value}")
    click.echo(
        "\nSurveys: an elevator vote in 1栋 1单元 (10 of 12 owners answer in chat, one changes "
        "their mind; one more votes on paper, one by proxy) and a content survey for the "
        "compound (8 residents answer). Paper ballots and the proxy:"
    )
    click.echo("\n".join(surveys.story))
    for text in surveys.texts:
        click.echo("\n" + text)
    click.echo("\nCharts and spreadsheets: " + ", ".join(str(path) for path in surveys.files))
    click.echo("\n" + "\n".join(records))
    click.echo(f"\nDatabase: {database}")
    return committee.id


def _links(issued: list[IssuedCode], secret_key: str) -> dict[str, str]:
    links = {}
    for item in issued:
        place = "/".join(p for p in (item.building, item.unit, item.room) if p) or "compound"
        links[place if item.code.kind is not CodeKind.UNIT else f"{place}/shared"] = deep_link(
            BOT_USERNAME, sign(item.code.id, secret_key)
        )
    return links


async def _act(
    client: SandboxClient,
    committee: Resident,
    links: dict[str, str],
    owner_links: dict[str, str],
    story: Story,
) -> dict[str, Resident]:
    """The joining story; return the owners who joined with their flat's code, by flat."""
    # Owners with the codes handed to them at a residents' meeting, all at once.
    owners = [await client.resident(f"住户{n:02d}") for n in range(1, 41)]
    flats = list(owner_links)
    await asyncio.gather(
        *(o.scan(owner_links[flat]) for o, flat in zip(owners, flats, strict=False))
    )
    questions = [await owner.next_message() for owner in owners]
    for owner, question in zip(owners, questions, strict=True):
        await owner.press("业主", message_id=question["message_id"])
    for owner, question in zip(owners, questions, strict=True):
        await owner.edited(question)
    story.say(
        "40 owners",
        "scan the codes handed to them at a residents' meeting, all at once, and tap 「业主」: "
        "all are linked as confirmed owners",
    )
    # A flat code found in the letterbox: the committee confirms the owner in /pending.
    await _join_with_flat_code(await client.resident("张阿姨"), links["3栋/2单元/501"], story)

    # Through the shared code, approved (or not) by the committee.
    claims = [
        ("王大爷", ("2栋", "1单元", "302", "业主")),
        ("Lucy", ("4栋", "4单元", "601", "租户")),
        ("陈先生", ("1栋", "3单元", "101", "家庭成员")),
    ]
    for name, choices in claims:
        resident = await client.resident(name)
        await _claim_with_shared_code(resident, links["compound"], choices, story)
        await _read(committee, story)  # who is told at once
    story.say(committee.name, "sends /pending")
    await committee.send("/pending")
    await _read(committee, story)
    for verdict in ("确认是业主", "通过", "通过", "不通过"):
        notice = await committee.next_message()
        story.say(committee.name, f"{notice['text']} → taps 「{verdict}」")
        await committee.press(verdict, message_id=notice["message_id"])
    # Someone with a damaged or made-up code is told so and joins nothing.
    stranger = await client.resident("陌生人")
    story.say(stranger.name, "scans a made-up code")
    await stranger.send("/start AAAAAAAAAAAAAAAAAAAAAAAAA")
    await _read(stranger, story)
    await client.settled()  # every update confirmed, so every effect committed
    return dict(zip(flats, owners, strict=False))


async def _summary(
    sessions: async_sessionmaker[AsyncSession], client: SandboxClient
) -> dict[str, object]:
    async with sessions() as session:
        by_status = dict(
            (
                await session.execute(
                    select(Membership.status, func.count()).group_by(Membership.status)
                )
            ).all()
        )
        flats = await session.scalar(select(func.count()).select_from(Household))
        used = await session.scalar(select(func.sum(JoinCode.uses)))
    updates = await client.updates()
    return {
        "flats in the register": flats,
        "residents linked": by_status.get(MembershipStatus.ACTIVE, 0),
        "claims rejected by the committee": by_status.get(MembershipStatus.REJECTED, 0),
        "claims still waiting": by_status.get(MembershipStatus.PENDING, 0),
        "flat-code uses": used,
        "updates confirmed to the sandbox": len(updates.get("confirmed_ids", [])),
    }
