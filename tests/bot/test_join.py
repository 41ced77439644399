"""Residents join over the sandbox: flat codes, shared codes with approval, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.joining.codes import revoke
from storage.models import JoinCode, Membership, MembershipStatus, Role, Verification
from storage.models import Resident as ResidentRow
from tests.bot.conftest import Codes, settle

Sessions = async_sessionmaker[AsyncSession]


async def memberships(sessions: Sessions, resident: Resident) -> list[Membership]:
    async with sessions() as session:
        result = await session.scalars(
            select(Membership).join(ResidentRow).where(ResidentRow.telegram_id == resident.id)
        )
        return list(result)


async def test_flat_code_joins_in_one_step(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("张阿姨")
    await resident.scan(codes.flats["1栋/2单元/301"])
    reply = await resident.next_message()
    assert "1栋 2单元 301室" in reply["text"] and "业主" in reply["text"]
    assert "1栋 2单元 301室：业主，已确认" in await settle(resident)
    [membership] = await memberships(sessions, resident)
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.verified_by is Verification.FLAT_CODE
    assert membership.role is Role.OWNER


async def test_shared_code_claim_goes_through_committee_approval(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("王大爷")
    await resident.scan(codes.compound)
    assert "哪一栋" in (await resident.next_message())["text"]
    await resident.press("2栋")
    assert "哪个单元" in (await resident.next_message())["text"]
    await resident.press("1单元")
    assert "哪一户" in (await resident.next_message())["text"]
    await resident.press("202")
    assert "2栋 1单元 202室" in (await resident.next_message())["text"]
    await resident.press("租户")
    asked = await resident.next_message()
    assert "已发送给社区委员会" in asked["text"] and "租户" in asked["text"]
    roles = [m for m in await resident.messages() if "您在这里的身份" in m.get("text", "")]
    assert not roles[0].get("reply_markup"), "the role buttons stay after the choice"
    assert "等待委员会审核" in await settle(resident)
    [pending] = await memberships(sessions, resident)
    assert pending.status is MembershipStatus.PENDING and pending.role is Role.TENANT

    notice = await committee.next_message()
    assert "王大爷" in notice["text"] and "2栋 1单元 202室" in notice["text"]
    await committee.send("/pending")
    assert "1 条" in (await committee.next_message())["text"]
    listed = await committee.next_message()
    press = await committee.press("通过", message_id=listed["message_id"])
    assert (await committee.callback_answer(press))["text"] == "已通过。"

    told = await resident.next_message()
    assert "委员会已确认您是 2栋 1单元 202室 的租户" in told["text"]
    await settle(committee)
    [approved] = await memberships(sessions, resident)
    assert approved.status is MembershipStatus.ACTIVE
    assert approved.verified_by is Verification.COMMITTEE
    assert approved.decided_by == committee.id

    # The same claim, decided again from the first notice, is refused with a reason.
    again = await committee.press("不通过", message_id=notice["message_id"])
    assert "已经处理" in (await committee.callback_answer(again))["text"]


async def test_unit_code_skips_to_the_flats_and_rejection_is_told(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("Lucy")
    await resident.scan(codes.units["1栋/1单元"])
    assert "哪一户" in (await resident.next_message())["text"]
    await resident.press("101")
    await resident.next_message()
    await resident.press("家庭成员")
    await resident.next_message()
    notice = await committee.next_message()
    await committee.press("不通过", message_id=notice["message_id"])
    assert "未能确认" in (await resident.next_message())["text"]
    assert "未通过" in await settle(resident)
    [rejected] = await memberships(sessions, resident)
    assert rejected.status is MembershipStatus.REJECTED


async def test_forged_expired_and_revoked_tokens_join_nothing(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("赵先生")
    genuine = codes.flats["2栋/2单元/102"]
    token = genuine.rsplit("=", 1)[1]
    forged = genuine.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    await resident.scan(forged)
    assert "二维码无效" in (await resident.next_message())["text"]

    async with sessions() as session, session.begin():
        await revoke(session, [codes.ids["2栋/2单元/102"]])
    await resident.scan(genuine)
    assert "已被委员会作废" in (await resident.next_message())["text"]

    async with sessions() as session, session.begin():
        expired = await session.get(JoinCode, codes.ids["2栋/2单元/101"])
        assert expired is not None
        expired.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    await resident.scan(codes.flats["2栋/2单元/101"])
    assert "已过期" in (await resident.next_message())["text"]
    await settle(resident)
    assert await memberships(sessions, resident) == []


async def test_used_up_flat_code_is_refused(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    link = codes.flats["2栋/1单元/101"]
    for name in ("一", "二"):
        member = await client.resident(name)
        await member.scan(link)
        assert "欢迎" in (await member.next_message())["text"]
    third = await client.resident("三")
    await third.scan(link)
    assert "使用次数上限" in (await third.next_message())["text"]
    await settle(third)
    async with sessions() as session:
        code = await session.get(JoinCode, codes.ids["2栋/1单元/101"])
        assert code is not None and code.uses == 2


async def test_tampered_buttons_are_refused_and_change_nothing(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("钱女士")
    await resident.scan(codes.units["1栋/1单元"])
    flats = await resident.next_message()
    async with sessions() as session:  # a real flat, but outside the scanned unit
        outside = await session.scalar(
            select(JoinCode.household_id).where(JoinCode.id == codes.ids["2栋/2单元/302"])
        )
    assert outside is not None
    for payload in (f"jf:{outside}", f"jr:{outside}:owner"):
        answer = await resident.callback_answer(
            await resident.forge_press(flats["message_id"], payload)
        )
        assert "不符" in answer["text"] and answer["show_alert"]
    for payload in ("jf:abc", "jr:1:king", "cd:1:maybe", "zz:1"):
        answer = await resident.callback_answer(
            await resident.forge_press(flats["message_id"], payload)
        )
        assert "已失效" in answer["text"]
    decide = await resident.forge_press(flats["message_id"], "cd:1:1")
    assert "委员会成员" in (await resident.callback_answer(decide))["text"]
    assert "还没有登记" in await settle(resident)
    assert await memberships(sessions, resident) == []
