"""The records round of `linli demo`: a contribution drive for an elevator in 1栋 1单元 (shares
by floor percentage, pledges in the chat, payments recorded, the progress bar) and a complaint
filed with a photo and moved to resolution by the committee, then rated by its reporter."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox import Resident, SandboxClient
from handlers.drives.notices import announce_drive
from storage.drives.queries import DriveTerms, create_drive, open_drive
from storage.surveys.queries import scope_named
from surveys.drives.cost_sharing import Plan

Sessions = async_sessionmaker[AsyncSession]


async def _text(resident: Resident) -> str:
    return str((await resident.next_message())["text"])


async def _drive(
    sessions: Sessions,
    client: SandboxClient,
    compound_id: int,
    owners: list[Resident],
    committee: Resident,
    i18n: I18n,
    zone: ZoneInfo,
) -> list[str]:
    async with sessions() as session, session.begin():
        scope = await scope_named(session, compound_id, "1栋", "1单元")
        terms = DriveTerms(
            "1栋1单元加装电梯",
            50_000_000,
            20_000_000,
            Plan.FLOOR_PERCENT,
            "1=0,2=0,3=10,4=20,5=30,6=40",
        )
        drive = await create_drive(session, compound_id, scope, terms)
        await open_drive(session, drive)
        await announce_drive(session, drive, i18n, zone)
    for owner in owners:
        await owner.next_message()  # the opening notice with the owner's share
    for owner, method in zip(
        owners[-6:], ["住房公积金", "直接出资", "住宅专项维修资金"] * 2, strict=True
    ):
        await owner.press("认捐资金")
        await owner.press(method)  # the card turned into the ways to pay
        await owner.shown("您认捐多少元")
        await owner.send("30000")
        await owner.shown("✓ 认捐已记录")
    await owners[0].press("投工投劳")
    await owners[0].shown("您认捐多少小时")
    await owners[0].send("16")
    await owners[0].shown("✓ 认捐已记录")
    await client.settled()
    for amount in ("20000", "5000"):
        await committee.send(f"/paid {drive.id} 1栋/1单元/601 {amount}")
        await committee.next_message()
    await committee.send(f"/unpaid {drive.id}")
    return (await _text(committee)).splitlines()


async def _complaint(reporter: Resident, committee: Resident) -> list[str]:
    story = []
    await reporter.send("/complaint")
    await reporter.press("施工质量")  # each step turns the question into the next
    await reporter.shown("施工质量")
    await reporter.send("楼道新刷的墙面大面积起皮脱落")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "lightgray").save(buffer, "JPEG")
    await reporter.send_photo(buffer.getvalue())
    await reporter.press("完成")
    await reporter.press("1栋 1单元")
    await reporter.press("委员会可以告知我的名字")
    await reporter.press("发送")
    story.append(str((await reporter.shown("投诉已提交"))["text"]))
    new = await _text(committee)
    number = new.split("#")[1].split("：")[0]
    await committee.send(f"/case {number}")
    for state, note in (
        ("已受理", "已通知施工方，周三现场查看"),
        ("已解决", "施工方已铲除重刷，已验收"),
    ):
        await committee.press(state)  # on the case's card, once it is shown
        await committee.shown(f"随“{state}”发给反映人")
        await committee.send(note)
        await committee.shown(f"现为：{state}")
        told = await reporter.shown(f"现为：{state}")
        story.append(str(told["text"]).replace("\n", " "))
    await reporter.press("5")
    return story


async def records_round(
    sessions: Sessions,
    client: SandboxClient,
    compound_id: int,
    owners: dict[str, Resident],
    committee: Resident,
    i18n: I18n,
    zone: ZoneInfo,
) -> list[str]:
    """`owners` maps "building/unit/room" to the resident who joined with that flat's code;
    return the lines the summary prints."""
    unit = [owners[place] for place in sorted(owners) if place.startswith("1栋/1单元/")]
    drive = await _drive(sessions, client, compound_id, unit, committee, i18n, zone)
    complaint = await _complaint(unit[1], committee)  # unit[0] pledged labour just now
    await client.settled()
    return ["Contribution drive (committee's /unpaid):", *drive, "", "Complaint:", *complaint]
