"""Only confirmed owners vote formally (Civil Code art. 278): a flat code proves the flat, not
the ownership. A tenant who scans the landlord's slip joins as a tenant and cannot vote; an
owner linked by a plain flat code is told why their vote cannot count yet, and votes once the
committee confirms them in /pending. Opinion surveys still take everyone their audience names."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.surveys.models import Ballot
from tests.bot.conftest import Codes, join_flat, settle
from tests.bot.surveying import Sessions, flat_of, open_vote

OPINION = """kind: opinion
title: 楼道照明意见
questions:
  - id: light
    type: single
    text: 楼道照明需要改造吗？
    options: [{id: "y", text: 需要}, {id: "n", text: 不需要}]
"""


async def _ballots(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ballot)) or 0)


async def test_a_tenant_with_the_flat_code_joins_as_tenant_and_cannot_vote(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    tenant = await client.resident("租客小赵")
    welcome = await join_flat(tenant, codes.flats["2栋/1单元/101"], "租户")
    assert "租户" in welcome
    assert "2栋 1单元 101室：租户" in await settle(tenant)
    flat = await flat_of(sessions, tenant)

    vote = await open_vote(sessions, "2栋", "1单元")
    opinion = await open_vote(sessions, "2栋", "1单元", definition=OPINION)
    notice = await tenant.next_message()  # the opinion survey's only: a vote is not theirs
    assert "意见征询已开始" in notice["text"] and "楼道照明意见" in notice["text"]
    refused = await tenant.forge_press(notice["message_id"], f"sb:{vote}:{flat}")
    assert "只有业主" in (await tenant.callback_answer(refused))["text"]
    assert await _ballots(sessions) == 0

    await tenant.press("开始作答", message_id=notice["message_id"])
    assert "问题 1/1" in (await tenant.next_message())["text"]
    await tenant.press("需要")
    await tenant.shown("✓ 问题 1：需要")
    await settle(tenant)
    async with sessions() as session:
        surveys = list(await session.scalars(select(Ballot.survey_id)))
    assert surveys == [opinion]


async def test_an_unconfirmed_owner_is_told_why_and_votes_once_confirmed(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    owner = await client.resident("张阿姨")
    await join_flat(owner, codes.flats["2栋/1单元/201"])  # a plain flat code: not confirmed
    assert "业主身份待委员会确认" in await settle(owner)
    await open_vote(sessions, "2栋", "1单元")

    notice = await owner.next_message()
    assert "正式表决已开始" in notice["text"] and "尚未确认您的业主身份" in notice["text"]
    refused = await owner.press("开始作答", message_id=notice["message_id"])
    told = (await owner.callback_answer(refused))["text"]
    assert "您的业主身份尚未经委员会确认" in told and "确认后即可投票" in told
    assert await _ballots(sessions) == 0

    await committee.send("/pending")
    await committee.next_message()
    await committee.press("确认是业主")
    assert "委员会已确认您是 2栋 1单元 201室 的业主" in (await owner.next_message())["text"]
    await owner.press("开始作答", message_id=notice["message_id"])
    assert "问题 1/1" in (await owner.next_message())["text"]
    await owner.press("同意")
    assert "已记录" in (await owner.shown("已记录"))["text"]
    await settle(owner)
    async with sessions() as session:
        ballot = await session.scalar(select(Ballot))
    assert ballot is not None and ballot.submitted_at is not None
    assert ballot.household_id == await flat_of(sessions, owner)
