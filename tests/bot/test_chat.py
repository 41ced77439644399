"""Help, language choice, command menus, and answers to the unexpected."""

from __future__ import annotations

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import Json, until
from tests.bot.conftest import Codes, join_flat, settle


async def test_language_switches_to_english_and_back(
    linli: Linli, client: SandboxClient, codes: Codes
) -> None:
    resident = await client.resident("Tom", language_code="en")
    await resident.send("/start")
    assert "欢迎使用「邻里」" in (await resident.next_message())["text"]  # Chinese by default
    await resident.send("/lang")
    menu = await resident.next_message()
    assert menu["text"] == "请选择语言："
    await resident.press("English")  # the menu turns into the confirmation, in English
    assert (await resident.edited(menu))["text"] == "Language set to English."
    assert "You are not linked to a flat yet" in await settle(resident)

    welcome = await join_flat(resident, codes.flats["1栋/1单元/102"], "owner")
    assert welcome.startswith("Welcome! You are now linked to Building 1栋"[:30])
    await resident.send("/lang")
    menu = await resident.next_message()
    await resident.press("中文")
    assert (await resident.edited(menu))["text"] == "语言已设为中文。"


async def test_help_shows_committee_commands_only_to_the_committee(
    linli: Linli, client: SandboxClient, committee: Resident
) -> None:
    resident = await client.resident("小明")
    await resident.send("/help")
    assert "/pending" not in (await resident.next_message())["text"]
    await committee.send("/help")
    assert "/pending" in (await committee.next_message())["text"]
    await resident.send("/pending")
    assert "只有本小区的委员会成员" in (await resident.next_message())["text"]


async def test_unexpected_text_and_old_buttons_get_a_clear_answer(
    linli: Linli, client: SandboxClient
) -> None:
    resident = await client.resident("老李")
    await resident.send("你好")
    assert "/help" in (await resident.next_message())["text"]
    await resident.send("/lang")
    menu = await resident.next_message()
    answer = await resident.callback_answer(
        await resident.forge_press(menu["message_id"], "lang:fr")
    )
    assert "已失效" in answer["text"]


async def test_command_menus_are_registered_per_language(
    linli: Linli, client: SandboxClient
) -> None:
    menus = {
        (m["scope"]["type"], m["language_code"]): m["commands"] for m in await client.commands()
    }
    chinese = {c["command"]: c["description"] for c in menus[("default", "zh")]}
    english = {c["command"]: c["description"] for c in menus[("default", "en")]}
    assert chinese["me"] == "我的房屋和身份" and english["me"] == "My flat and role"
    assert set(chinese) == {"start", "me", "lang", "drives", "complaint", "web", "help"}
    assert menus[("default", "")] == menus[("default", "zh")]  # for any other app language


async def test_in_a_group_the_bot_only_points_to_the_private_chat(
    linli: Linli, client: SandboxClient, committee: Resident
) -> None:
    group = await client.create_group("幸福里业主群")
    private = len(await committee.messages())
    for command in ("/export 1", "/tally 1", "/me"):
        await client.send_in_group(group, committee.id, command)
    await client.send_in_group(group, committee.id, "大家好")  # talk among people: no reply
    await client.send_in_group(group, committee.id, "/help")  # answered after anything before
    replies = await _group_replies(client, group, 4)
    assert [m["text"] for m in replies] == ["请在与我的私聊中使用：点我的名字，再点「开始」。"] * 4
    assert len(await committee.messages()) == private  # nothing was sent privately either


async def _group_replies(client: SandboxClient, group: int, count: int) -> list[Json]:
    """The bot's messages in the group, once there are `count` of them."""

    async def enough() -> bool:
        return len(await client.chat_messages(group)) >= count

    await until(enough, f"fewer than {count} replies in the group")
    return await client.chat_messages(group)
