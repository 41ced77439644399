"""The control API: residents scanning, pressing, blocking, and reading the bot's messages."""

import time

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import Resident, Sandbox, SandboxClient, SandboxError
from bot.sandbox.client import WAIT


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://t.me/linli_sandbox_bot?start=b3-u12_x", "/start b3-u12_x"),
        ("t.me/Linli_Sandbox_Bot?start=abc", "/start abc"),
        ("tg://resolve?domain=linli_sandbox_bot&start=abc", "/start abc"),
        ("https://telegram.me/linli_sandbox_bot", "/start"),
        ("https://t.me/linli_sandbox_bot?start=" + "a" * 64, "/start " + "a" * 64),
        ("https://t.me/linli_sandbox_bot?start=" + "a" * 65, "/start"),
        ("https://t.me/linli_sandbox_bot?start=楼栋3", "/start"),
        ("https://t.me/linli_sandbox_bot?start=a.b", "/start"),
    ],
)
async def test_scanning_a_start_link(bot: Bot, zhang: Resident, url: str, sent: str) -> None:
    update_id = await zhang.scan(url)
    [*_, update] = await bot.get_updates()
    assert update.update_id == update_id and update.message
    assert update.message.text == sent
    entities = update.message.entities or []
    assert [(e.type, e.length) for e in entities] == [("bot_command", 6)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://t.me/other_bot?start=abc", "opens @other_bot, not this sandbox's bot"),
        ("https://example.com/linli_sandbox_bot?start=abc", "not a Telegram link"),
        ("https://t.me/linli_sandbox_bot/app?start=abc", "malformed Telegram link"),
        ("https://t.me/?start=abc", "malformed Telegram link"),
    ],
)
async def test_scanning_a_foreign_or_malformed_link_is_refused(
    zhang: Resident, url: str, reason: str
) -> None:
    with pytest.raises(SandboxError, match=reason) as refused:
        await zhang.scan(url)
    assert refused.value.status == 400


def vote_keyboard(*data: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=f"选{d}", callback_data=d) for d in data]
    buttons.append(InlineKeyboardButton(text="说明", url="https://example.com/rules"))
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def test_press_finds_the_latest_message_with_the_button(bot: Bot, zhang: Resident) -> None:
    first = await bot.send_message(zhang.id, "第一轮", reply_markup=vote_keyboard("a", "b"))
    second = await bot.send_message(zhang.id, "第二轮", reply_markup=vote_keyboard("a"))
    await bot.send_message(zhang.id, "没有按钮")

    await zhang.press("选a")
    await zhang.press("选b")
    await zhang.press("选a", message_id=first.message_id)
    queries = [u.callback_query for u in (await bot.get_updates())[1:]]
    assert [(q.data, q.message.message_id) for q in queries if q and q.message] == [
        ("a", second.message_id),
        ("b", first.message_id),
        ("a", first.message_id),
    ]
    assert queries[0] and queries[0].from_user.id == zhang.id


async def test_press_refuses_missing_and_link_buttons(bot: Bot, zhang: Resident) -> None:
    sent = await bot.send_message(zhang.id, "投票", reply_markup=vote_keyboard("a"))
    with pytest.raises(SandboxError, match="no inline button with text '选z' on any bot message"):
        await zhang.press("选z", timeout=0)
    with pytest.raises(SandboxError, match="no inline button with text '选a' on message 1 "):
        await zhang.press("选a", message_id=1, timeout=0)
    with pytest.raises(SandboxError, match="opens a link or app, not a callback"):
        await zhang.press("说明", message_id=sent.message_id)


async def test_forged_press_sends_any_callback_data(bot: Bot, zhang: Resident) -> None:
    sent = await bot.send_message(zhang.id, "投票", reply_markup=vote_keyboard("a"))
    query_id = await zhang.forge_press(sent.message_id, "admin:delete_all")
    [*_, update] = await bot.get_updates()
    assert update.callback_query and update.callback_query.id == query_id
    assert update.callback_query.data == "admin:delete_all"
    with pytest.raises(SandboxError, match="forged press needs the message_id of a message"):
        await zhang.forge_press(999, "x")


async def test_callback_answers(bot: Bot, zhang: Resident) -> None:
    await bot.send_message(zhang.id, "投票", reply_markup=vote_keyboard("a"))
    query_id = await zhang.press("选a")
    with pytest.raises(AssertionError, match="has not answered callback query"):
        await zhang.callback_answer(query_id, timeout=0.1)

    assert await bot.answer_callback_query(query_id, text="已记录")
    assert await zhang.callback_answer(query_id) == {"text": "已记录", "show_alert": False}
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id, text="又一次")
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("made-up")


async def test_next_message_reads_in_order_and_names_the_chat_on_timeout(
    bot: Bot, zhang: Resident
) -> None:
    for text in ("一", "二"):
        await bot.send_message(zhang.id, text)
    assert [(await zhang.next_message())["text"] for _ in range(2)] == ["一", "二"]
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"张阿姨 \(chat 10001\) got no message .* #3"):
        await zhang.next_message(timeout=0.3)
    # It waits the timeout out; the upper bound only shows it is not held to a longer one.
    assert 0.25 < time.monotonic() - started < WAIT


async def test_blocking_stops_the_resident_too(client: SandboxClient, zhang: Resident) -> None:
    await zhang.block()
    with pytest.raises(SandboxError, match="has blocked the bot; unblock first"):
        await zhang.send("还在吗")
    await zhang.unblock()
    await zhang.send("还在吗")


async def test_control_errors_are_json(sandbox: Sandbox, client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="no user 424242") as missing:
        await client.send_text(424242, "hi")
    assert missing.value.status == 404
    with pytest.raises(SandboxError, match="first_name is required"):
        await client.create_user("")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sandbox.url}/sandbox/users", data=b"[") as response,
    ):
        assert response.status == 400
        assert await response.json() == {"error": "the body must be JSON"}
