"""The committee sees who is linked to each flat and which flats nobody has joined, and
unlinks a resident in the chat, with a button or by Telegram number; the resident is told."""

from __future__ import annotations

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from tests.bot.conftest import Codes, join_flat, settle


async def test_the_committee_lists_flats_and_unlinks_residents(
    linli: Linli, client: SandboxClient, codes: Codes, committee: Resident
) -> None:
    await committee.send("/flat")
    summary = (await committee.next_message())["text"]
    assert summary.splitlines()[:2] == [
        "1栋：12 户中有 12 户无人登记。",
        "2栋：12 户中有 12 户无人登记。",
    ]

    owner, tenant = await client.resident("张阿姨"), await client.resident("小租")
    await join_flat(owner, codes.flats["1栋/1单元/101"])
    await join_flat(tenant, codes.flats["1栋/1单元/101"], "租户")
    await settle(tenant)

    await committee.send("/flat")
    assert "1栋：12 户中有 11 户无人登记。" in (await committee.next_message())["text"]
    await committee.send("/flat 1栋")
    assert (await committee.next_message())["text"].splitlines() == [
        "1栋：12 户中有 11 户无人登记。",
        "1单元: 102, 201, 202, 301, 302",
        "2单元: 101, 102, 201, 202, 301, 302",
    ]
    await committee.send("/flat 1栋/1单元/101")
    roster = await committee.next_message()
    assert roster["text"].splitlines() == [
        "1栋 1单元 101室:",
        f"• 张阿姨：业主，业主身份待委员会确认，Telegram 号码 {owner.id}",
        f"• 小租：租户，已确认，Telegram 号码 {tenant.id}",
    ]

    press = await committee.press("解除 小租 的关联", message_id=roster["message_id"])
    assert (await committee.callback_answer(press))[
        "text"
    ] == "已解除 小租 与 1栋 1单元 101室 的关联。"
    assert "小租" not in (await committee.edited(roster))["text"]
    told = (await tenant.next_message())["text"]
    assert told.startswith("业委会已解除您与 1栋 1单元 101室 的关联。")
    assert "1栋 1单元 101室：租户，未通过" in await settle(tenant)

    await committee.send(f"/unlink 1栋/1单元/101 {owner.id}")
    assert (await committee.next_message())["text"] == "已解除 张阿姨 与 1栋 1单元 101室 的关联。"
    assert "业委会已解除您与" in (await owner.next_message())["text"]
    await committee.send(f"/unlink 1栋/1单元/101 {owner.id}")
    assert (await committee.next_message())["text"] == (
        f"Telegram 号码 {owner.id} 没有登记在 1栋/1单元/101。"
    )
    await committee.send("/flat 1栋/1单元/101")
    assert "这一户还没有人登记。" in (await committee.next_message())["text"]

    # The button of a resident already unlinked, and mistyped or foreign commands.
    stale = await committee.press("解除 张阿姨 的关联", message_id=roster["message_id"])
    assert (await committee.callback_answer(stale))["text"] == "这位居民已不再关联这一户。"
    for command, reply in [
        ("/unlink", "请发送 /unlink 和住户"),
        ("/unlink 1栋/1单元/909", "您的小区没有住户「1栋/1单元/909」"),
        ("/flat 9栋", "您的小区没有「9栋」这栋楼。"),
    ]:
        await committee.send(command)
        assert (await committee.next_message())["text"].startswith(reply)
    await tenant.send("/unlink 1栋/1单元/101")
    assert "委员会" in (await tenant.next_message())["text"]
