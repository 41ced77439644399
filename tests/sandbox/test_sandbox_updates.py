"""Updates by long polling: what residents do reaches the bot, and confirmation is tracked."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import WAIT, until

POLL = 50  # a long poll's timeout (the longest Telegram allows)
SOON = 30  # seconds in which a poll must end that does not run its timeout out


async def test_resident_message_arrives_with_its_command_entity(
    bot: Bot, client: SandboxClient
) -> None:
    resident = await client.resident("王大爷", username="wang", language_code="zh-hans")
    update_id = await resident.send("/start@linli_sandbox_bot 楼栋3")
    [update] = await bot.get_updates()
    message = update.message
    assert update.update_id == update_id and message is not None
    assert message.text == "/start@linli_sandbox_bot 楼栋3"
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [
        ("bot_command", 0, 24)
    ]
    assert message.from_user and message.from_user.username == "wang"
    assert message.from_user.language_code == "zh-hans"
    assert (message.chat.id, message.chat.type) == (resident.id, "private")

    await resident.send("没有命令")
    [_, plain] = await bot.get_updates()
    assert plain.message and plain.message.entities is None


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: Bot, client: SandboxClient
) -> None:
    resident = await client.resident("赵阿姨")
    poll = asyncio.create_task(bot.get_updates(timeout=POLL))
    await until(lambda: _polling(client), "the long poll never reached the sandbox")
    assert not poll.done()
    await resident.send("在吗")
    # Long before the poll's own timeout: the update ended it.
    [update] = await asyncio.wait_for(poll, SOON)
    assert update.message and update.message.text == "在吗"


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    # It waits its timeout out; the upper bound only shows it is not held to a longer one.
    assert 0.9 < time.monotonic() - started < WAIT


async def _polling(client: SandboxClient) -> bool:
    return "getUpdates" in (await client.stats())["in_flight"]


async def test_offset_confirms_every_earlier_update(bot: Bot, client: SandboxClient) -> None:
    resident = await client.resident("钱先生")
    ids = [await resident.send(f"第{i}条") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet

    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    seen = await client.updates()
    assert seen["confirmed_ids"] == ids[:1]
    assert [u["state"] for u in seen["updates"]] == ["confirmed", "pending", "pending"]

    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert (await client.updates())["confirmed_ids"] == ids


async def test_a_newer_poll_terminates_the_older_one(bot: Bot, client: SandboxClient) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=POLL))
    await until(lambda: _polling(client), "the first poll never reached the sandbox")
    newer = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, SOON)
    assert await newer == []


async def test_get_updates_conflicts_with_a_webhook(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_allowed_updates_filters_new_updates(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await zhang.block()  # my_chat_member: delivered by default
    [_, blocked] = await bot.get_updates()
    assert blocked.my_chat_member and blocked.my_chat_member.new_chat_member.status == "kicked"

    await bot.get_updates(offset=blocked.update_id + 1, allowed_updates=["message"])
    await zhang.unblock()
    await zhang.send("我回来了")
    [update] = await bot.get_updates()
    assert update.message and update.message.text == "我回来了"
    assert [u["type"] for u in (await client.updates())["updates"]] == [
        "message",
        "my_chat_member",
        "message",
    ]


async def test_a_conversation_with_a_polling_dispatcher(
    client: SandboxClient, run_polling: Callable[[Dispatcher], Awaitable[None]]
) -> None:
    dispatcher = Dispatcher()
    votes: list[str] = []

    @dispatcher.message(CommandStart(deep_link=True))
    async def start(message: Message) -> None:
        buttons = [[InlineKeyboardButton(text="同意", callback_data="vote:yes")]]
        await message.answer(
            f"欢迎，{message.text.split()[1] if message.text else ''}",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
        )

    @dispatcher.callback_query(F.data.startswith("vote:"))
    async def vote(query: CallbackQuery) -> None:
        votes.append(str(query.data))
        await query.answer("已投票", show_alert=True)

    await run_polling(dispatcher)
    zhang = await client.resident("张阿姨")
    await zhang.scan("https://t.me/linli_sandbox_bot?start=b3_u12")
    welcome = await zhang.next_message()
    assert welcome["text"] == "欢迎，b3_u12"

    answer = await zhang.callback_answer(await zhang.press("同意"))
    assert answer == {"text": "已投票", "show_alert": True}
    assert votes == ["vote:yes"]

    # Every update the dispatcher took was confirmed once it polled again.
    confirmed = await client.settled()
    assert confirmed == [u["update_id"] for u in (await client.updates())["updates"]]
