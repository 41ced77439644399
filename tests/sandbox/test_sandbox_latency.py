"""The latency option: every Bot API answer, refusals and getUpdates too, is held while the
call's effect has already happened, as over a network. A test holds the answers with a long
latency and lets them go by lowering it, so nothing here depends on how fast the machine is."""

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import Resident, SandboxClient
from bot.sandbox.client import until

HELD = 50.0  # seconds: shorter than aiogram's request timeout (and the longest long poll)
SOON = 30.0  # seconds every wait here may take, well within HELD
BUTTONS = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="同意", callback_data="yes")]]
)


async def _in_flight(client: SandboxClient) -> set[str]:
    return set((await client.stats())["in_flight"])


async def test_latency_holds_the_answer_of_every_method(
    bot: Bot, client: SandboxClient, zhang: Resident, photo: bytes
) -> None:
    first = await bot.send_message(zhang.id, "投票", reply_markup=BUTTONS)
    second = await bot.send_message(zhang.id, "通知", reply_markup=BUTTONS)
    query_id = await zhang.press("同意", first.message_id)
    assert await client.set_latency(HELD) == HELD

    calls: dict[str, Coroutine[Any, Any, Any]] = {
        "getMe": bot.get_me(),
        "getUpdates": bot.get_updates(timeout=0),
        "sendMessage": bot.send_message(zhang.id, "一"),
        "sendPhoto": bot.send_photo(zhang.id, BufferedInputFile(photo, "p.png")),
        "sendDocument": bot.send_document(zhang.id, BufferedInputFile(b"a,b", "d.csv")),
        "sendChatAction": bot.send_chat_action(zhang.id, "typing"),
        "editMessageText": bot.edit_message_text(
            "投票（已改）", chat_id=zhang.id, message_id=first.message_id, reply_markup=BUTTONS
        ),
        "editMessageReplyMarkup": bot.edit_message_reply_markup(
            chat_id=zhang.id, message_id=second.message_id
        ),
        "answerCallbackQuery": bot.answer_callback_query(query_id, text="已记录"),
        "deleteMessage": bot.delete_message(zhang.id, 999),  # refused: held all the same
    }
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await until(lambda: _answers_held(client, set(calls)), "not held: " + ", ".join(calls), SOON)

    # Each call has had its effect; none of them has its answer.
    shown = await zhang.messages()
    assert [m.get("text") for m in shown[:3]] == ["投票（已改）", "通知", "一"]
    assert shown[1]["reply_markup"] is None
    assert ("photo" in shown[3], "document" in shown[4], len(shown)) == (True, True, 5)
    assert await zhang.callback_answer(query_id, timeout=0) == {
        "text": "已记录",
        "show_alert": False,
    }
    assert not [name for name, task in tasks.items() if task.done()]

    await client.set_latency(0)  # lets the held answers go at once
    refused = tasks.pop("deleteMessage")
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await refused
    await asyncio.gather(*tasks.values())
    assert await _in_flight(client) == set()


async def _answers_held(client: SandboxClient, methods: set[str]) -> bool:
    return await _in_flight(client) == methods


async def test_an_update_still_ends_a_long_poll_under_latency(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    [start] = await bot.get_updates()
    await client.set_latency(HELD)
    poll = asyncio.create_task(bot.get_updates(offset=start.update_id + 1, timeout=int(HELD)))
    await until(lambda: _answers_held(client, {"getUpdates"}), "the poll never started", SOON)
    update_id = await zhang.send("在吗")

    await client.set_latency(0)
    # Well before the poll's own timeout: the update ended its wait.
    [update] = await asyncio.wait_for(poll, SOON)
    assert update.update_id == update_id
    assert await client.latency() == 0
