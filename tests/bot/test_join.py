"""Residents join over the sandbox: flat codes with a role and the owner's confirmation,
shared codes with approval, claim notices through send faults, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.committee import compound_named
from storage.joining.codes import issue_codes, revoke
from storage.models import JoinCode, Membership, MembershipStatus, Role, Verification
from storage.models import Resident as ResidentRow
from storage.residents import is_confirmed_owner
from surveys.joining.tokens import deep_link, sign
from tests.bot.conftest import (
    BOT_USERNAME,
    COMPOUND,
    SECRET_KEY,
    Codes,
    join_flat,
    settle,
)

Sessions = async_sessionmaker[AsyncSession]


async def memberships(sessions: Sessions, resident: Resident) -> list[Membership]:
    async with sessions() as session:
        result = await session.scalars(
            select(Membership).join(ResidentRow).where(ResidentRow.telegram_id == resident.id)
        )
        return list(result)


async def test_flat_code_asks_the_role_and_the_committee_confirms_the_owner(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    link = codes.flats["1栋/2单元/301"]
    tenant = await client.resident("小租")
    await tenant.scan(link)
    question = await tenant.next_message()
    assert "1栋 2单元 301室" in question["text"] and "您在这里的身份" in question["text"]
    await tenant.press("租户")
    assert "租户" in (await tenant.edited(question))["text"]
    assert "1栋 2单元 301室：租户，已确认" in await settle(tenant)
    [renting] = await memberships(sessions, tenant)
    assert renting.role is Role.TENANT and renting.status is MembershipStatus.ACTIVE
    assert renting.verified_by is Verification.FLAT_CODE

    owner = await client.resident("张阿姨")
    welcome = await join_flat(owner, link)
    assert "1栋 2单元 301室" in welcome and "业主" in welcome and "核实您的业主身份" in welcome
    assert "1栋 2单元 301室：业主，业主身份待委员会确认" in await settle(owner)
    [linked] = await memberships(sessions, owner)
    assert linked.status is MembershipStatus.ACTIVE and linked.role is Role.OWNER
    assert linked.verified_by is Verification.FLAT_CODE and not is_confirmed_owner(linked)

    # The tenant waits for nothing; the owner waits in /pending, with what to weigh.
    await committee.send("/pending")
    assert "1 条" in (await committee.next_message())["text"]
    asked = (await committee.next_message())["text"]
    assert "张阿姨 用住户专属二维码加入了 1栋 2单元 301室" in asked
    assert "业主编号：owner-1231" in asked and "小租 (租户, 已确认)" in asked
    press = await committee.press("确认是业主")
    assert (await committee.callback_answer(press))["text"] == "已确认业主身份。"
    assert "委员会已确认您是 1栋 2单元 301室 的业主" in (await owner.next_message())["text"]
    assert "1栋 2单元 301室：业主，已确认" in await settle(owner)
    [confirmed] = await memberships(sessions, owner)
    assert is_confirmed_owner(confirmed) and confirmed.decided_by == committee.id
    await committee.send("/pending")
    assert "目前没有待审核的申请" in (await committee.next_message())["text"]


async def test_an_owner_the_committee_does_not_confirm_is_unlinked(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    claimed = await client.resident("冒名者")
    await join_flat(claimed, codes.flats["2栋/1单元/201"])
    await settle(claimed)
    await committee.send("/pending")
    await committee.next_message()
    listed = await committee.next_message()
    press = await committee.press("不是业主", message_id=listed["message_id"])
    assert (await committee.callback_answer(press))["text"] == "不是业主：已解除登记。"
    assert "已解除登记。" in (await committee.edited(listed))["text"]
    assert "已解除您与该户的登记" in (await claimed.next_message())["text"]
    assert "未通过" in await settle(claimed)
    [unlinked] = await memberships(sessions, claimed)
    assert unlinked.status is MembershipStatus.REJECTED and not is_confirmed_owner(unlinked)


async def test_owner_verified_codes_confirm_the_owner_at_once(
    linli: Linli, client: SandboxClient, sessions: Sessions, committee: Resident
) -> None:
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        issued = await issue_codes(
            session, compound.id, building="2栋", unit="2单元", owner_verified=True
        )
    assert {item.code.kind.value for item in issued} == {"flat"}
    [slip] = [item.code.id for item in issued if item.room == "102"]
    link = deep_link(BOT_USERNAME, sign(slip, SECRET_KEY))

    owner = await client.resident("李先生")
    welcome = await join_flat(owner, link)
    assert "业主" in welcome and "核实" not in welcome
    spouse = await client.resident("李太太")
    await join_flat(spouse, link, "家庭成员")
    assert "2栋 2单元 102室：业主，已确认" in await settle(owner)
    [confirmed] = await memberships(sessions, owner)
    assert is_confirmed_owner(confirmed) and confirmed.verified_by is Verification.FLAT_CODE
    [family] = await memberships(sessions, spouse)
    assert family.role is Role.FAMILY and not is_confirmed_owner(family)
    await committee.send("/pending")
    assert "目前没有待审核的申请" in (await committee.next_message())["text"]


async def test_shared_code_claim_goes_through_committee_approval(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("王大爷")
    await resident.scan(codes.compound)
    assert "哪一栋" in (await resident.next_message())["text"]
    await resident.press("2栋")  # each choice turns the question into the next
    assert "哪个单元" in (await resident.shown("哪个单元"))["text"]
    await resident.press("1单元")
    await resident.shown("哪一户")
    await resident.press("202")
    assert "2栋 1单元 202室" in (await resident.shown("您在这里的身份"))["text"]
    await resident.press("租户")
    asked = await resident.shown("已发送给社区委员会")
    assert "租户" in asked["text"] and not asked.get("reply_markup"), "the role buttons stay"
    assert len(await resident.messages()) == 1, "a press sent a message instead of editing"
    assert "等待委员会审核" in await settle(resident)
    [pending] = await memberships(sessions, resident)
    assert pending.status is MembershipStatus.PENDING and pending.role is Role.TENANT

    notice = await committee.next_message()
    assert "王大爷" in notice["text"] and "2栋 1单元 202室" in notice["text"]
    assert "该户暂无其他登记的人" in notice["text"]
    await committee.send("/pending")
    assert "1 条" in (await committee.next_message())["text"]
    listed = await committee.next_message()
    press = await committee.press("通过", message_id=listed["message_id"])
    assert (await committee.callback_answer(press))["text"] == "已通过。"
    assert "已通过。" in (await committee.edited(listed))["text"]

    told = await resident.next_message()
    assert "委员会已确认您是 2栋 1单元 202室 的租户" in told["text"]
    await settle(committee)
    [approved] = await memberships(sessions, resident)
    assert approved.status is MembershipStatus.ACTIVE
    assert approved.verified_by is Verification.COMMITTEE
    assert approved.decided_by == committee.id and not is_confirmed_owner(approved)

    # The same claim, decided again from the first notice, is refused with a reason.
    again = await committee.press("不通过", message_id=notice["message_id"])
    assert "已经处理" in (await committee.callback_answer(again))["text"]


async def test_a_claim_notice_reaches_the_committee_once_through_send_faults(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("Lucy")
    await resident.scan(codes.units["1栋/1单元"])
    assert "哪一户" in (await resident.next_message())["text"]
    await resident.press("101")
    await resident.shown("您在这里的身份")
    # The next sends fail: a server error, then the member's chat is rate-limited.
    await client.add_fault("500", method="sendMessage")
    await client.add_fault("429", method="sendMessage")
    await resident.press("业主")
    await resident.shown("已发送给社区委员会")  # an edit: no send, so no fault taken
    notice = await committee.next_message(timeout=20)
    assert "Lucy 申请以业主身份加入 1栋 1单元 101室" in notice["text"]
    assert await client.faults() == [], "the notice went out before the faults"
    await committee.press("通过", message_id=notice["message_id"])
    assert "委员会已确认您是 1栋 1单元 101室 的业主" in (await resident.next_message())["text"]
    await settle(committee)
    notices = [m for m in await committee.messages() if "Lucy" in m.get("text", "")]
    assert len(notices) == 1, "the notice was sent more than once"
    [approved] = await memberships(sessions, resident)
    assert is_confirmed_owner(approved), "an owner's approved claim confirms the ownership"


async def test_unit_code_skips_to_the_flats_and_rejection_is_told(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    resident = await client.resident("Lucy")
    await resident.scan(codes.units["1栋/1单元"])
    assert "哪一户" in (await resident.next_message())["text"]
    await resident.press("101")
    await resident.press("家庭成员")
    await resident.shown("已发送给社区委员会")
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
        assert "欢迎" in await join_flat(await client.resident(name), link)
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
    async with sessions() as session:  # a real flat, but outside the scanned codes
        outside = await session.scalar(
            select(JoinCode.household_id).where(JoinCode.id == codes.ids["2栋/2单元/302"])
        )
    assert outside is not None
    unit, flat = codes.units["1栋/1单元"], codes.flats["1栋/1单元/101"]
    for link, payload in [
        (unit, f"jf:{outside}"),
        (unit, f"jr:{outside}:owner"),
        (flat, f"jr:{outside}:owner"),
    ]:
        await resident.scan(link)  # again each time: a refusal ends the flow
        shown = await resident.next_message()
        answer = await resident.callback_answer(
            await resident.forge_press(shown["message_id"], payload)
        )
        assert "不符" in answer["text"] and answer["show_alert"], payload
    for payload in ("jf:abc", "jr:1:king", "cd:1:maybe", "zz:1"):
        answer = await resident.callback_answer(
            await resident.forge_press(shown["message_id"], payload)
        )
        assert "已失效" in answer["text"]
    decide = await resident.forge_press(shown["message_id"], "cd:1:1")
    assert "委员会成员" in (await resident.callback_answer(decide))["text"]
    assert "还没有登记" in await settle(resident)
    assert await memberships(sessions, resident) == []
