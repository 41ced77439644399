"""Flood limits, injected faults and send statistics (all off until configured). The flood
limits and the statistics read the test's clock, which moves only when the test says so."""

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import Resident, SandboxClient, SandboxError
from tests.sandbox.conftest import Clock


async def test_per_chat_limit_allows_a_burst_then_asks_to_retry(
    bot: Bot, client: SandboxClient, zhang: Resident, clock: Clock
) -> None:
    other = await client.resident("陈先生")
    await other.send("/start")
    await client.set_limits(per_chat_rate=1, per_chat_burst=3)
    assert (await client.limits())["global_rate"] is None
    for i in range(3):
        await bot.send_message(zhang.id, f"第{i}条")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(zhang.id, "第4条")
    assert refused.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in refused.value.message
    await bot.send_message(other.id, "另一个聊天不受影响")

    clock.advance(0.5)
    with pytest.raises(TelegramRetryAfter):  # half a token is back
        await bot.send_message(zhang.id, "第4条")
    clock.advance(0.5)
    await bot.send_message(zhang.id, "等了一秒")
    assert (await client.stats())["rate_limited"] == 2


async def test_global_limit_spans_chats(bot: Bot, client: SandboxClient, clock: Clock) -> None:
    residents = [await client.resident(f"住户{i}") for i in range(4)]
    for resident in residents:
        await resident.send("/start")
    await client.set_limits(global_rate=0.5, global_burst=3)
    for resident in residents[:3]:
        await bot.send_message(resident.id, "通知")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(residents[3].id, "通知")
    assert refused.value.retry_after == 2  # one token per 2 s, rounded up to whole seconds

    await client.set_limits()  # off again
    await bot.send_message(residents[3].id, "通知")


async def test_faults_fail_the_next_calls(bot: Bot, client: SandboxClient, zhang: Resident) -> None:
    await client.add_fault("500", method="sendMessage")
    await client.add_fault("502", count=2)  # any send method
    await client.add_fault("blocked", method="sendPhoto")
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.send_message(zhang.id, "一")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(zhang.id, "一")
    await bot.get_me()  # not a send: untouched
    assert [(f["kind"], f["count"]) for f in await client.faults()] == [("502", 1), ("blocked", 1)]
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_document(zhang.id, "no-file")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_photo(zhang.id, "no-file")
    assert await client.clear_faults() == []

    await bot.send_message(zhang.id, "一")
    stats = await client.stats()
    assert (stats["sent"], stats["faults_injected"]) == (1, 4)


async def test_delay_fault_times_out_the_client_but_the_send_lands(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await client.add_fault("delay", method="sendMessage", delay=0.5)
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(zhang.id, "缴费提醒", request_timeout=0.2)  # type: ignore[arg-type]
    assert (await zhang.next_message())["text"] == "缴费提醒"

    await bot.send_message(zhang.id, "缴费提醒")  # the bot's naive retry
    stats = await client.stats()
    assert (stats["sent"], stats["duplicates"], stats["faults_injected"]) == (2, 1, 1)


async def test_hang_fault_times_out_the_client_and_sends_nothing(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await client.add_fault("hang", method="sendMessage", delay=0.1)
    with pytest.raises(TelegramServerError, match="Gateway Timeout"):
        await bot.send_message(zhang.id, "缴费提醒")  # a client that waits gets the 504
    await client.add_fault("hang", method="sendMessage", delay=0.4)
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(zhang.id, "缴费提醒", request_timeout=0.2)  # type: ignore[arg-type]
    await client.answered()  # the sandbox gives up on the hung call

    await bot.send_message(zhang.id, "缴费提醒")  # the retry is the only one to land
    assert [m["text"] for m in await zhang.messages()] == ["缴费提醒"]
    stats = await client.stats()
    assert (stats["sent"], stats["duplicates"], stats["faults_injected"]) == (1, 0, 2)


async def test_stats_report_the_achieved_rate(
    bot: Bot, client: SandboxClient, zhang: Resident, clock: Clock
) -> None:
    for i in range(3):
        await bot.send_message(zhang.id, f"第{i}条")
        clock.advance(0.1)
    stats = await client.stats()
    assert stats["sent"] == 3 and stats["duplicates"] == 0
    assert stats["elapsed"] == pytest.approx(0.2)
    assert stats["achieved_rate"] == pytest.approx(10)
    assert (await client.reset_stats())["sent"] == 0
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(zhang.id, "")
    assert (await client.stats())["sent"] == 0  # refused sends are not counted


async def test_bad_limit_and_fault_specs_are_refused(client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="fault kind must be one of"):
        await client.add_fault("teapot")
    with pytest.raises(SandboxError, match="delay fault a positive delay"):
        await client.add_fault("delay")
    with pytest.raises(SandboxError, match="count >= 1"):
        await client.add_fault("500", count=0)
    with pytest.raises(SandboxError, match="probability must be in"):
        await client.add_fault("500", probability=0)
    with pytest.raises(SandboxError, match="retry_after must be a whole number"):
        await client.add_fault("429", retry_after=0)
    with pytest.raises(SandboxError, match="global_rate must be positive"):
        await client.set_limits(global_rate=0)
    with pytest.raises(SandboxError, match="latency must be between"):
        await client.set_latency(-1)
    assert await client.faults() == []


async def test_a_429_fault_asks_for_its_retry_after(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await client.add_fault("429", method="sendMessage", count=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as refused:
            await bot.send_message(zhang.id, "通知")
        assert refused.value.retry_after == 3
    await bot.send_message(zhang.id, "通知")
    stats = await client.stats()
    assert (stats["sent"], stats["faults_injected"], stats["rate_limited"]) == (1, 2, 0)


async def _failing_sends(bot: Bot, chat_id: int, calls: int) -> list[int]:
    """Which of `calls` sends failed with a 5xx."""
    failed = []
    for n in range(calls):
        try:
            await bot.send_message(chat_id, f"第{n}条")
        except TelegramServerError:
            failed.append(n)
    return failed


async def test_a_seeded_fault_fails_the_same_calls_every_time(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await client.add_fault("500", count=None, probability=0.3, seed=278)
    failed = await _failing_sends(bot, zhang.id, 40)
    assert 0 < len(failed) < 40
    assert [f["count"] for f in await client.faults()] == [None]  # until cleared
    await client.clear_faults()

    await client.add_fault("500", count=None, probability=0.3, seed=278)
    assert await _failing_sends(bot, zhang.id, 40) == failed
    await client.clear_faults()
    await client.add_fault("500", count=None, probability=0.3, seed=279)
    assert await _failing_sends(bot, zhang.id, 40) != failed
    await client.clear_faults()

    # With a count, it stops once that many calls have failed.
    await client.add_fault("502", count=2, probability=0.3, seed=278)
    assert await _failing_sends(bot, zhang.id, 40) == failed[:2]
    assert await client.faults() == []


async def test_a_seeded_fault_draws_only_on_the_calls_it_matches(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    await client.add_fault("500", method="sendMessage", count=None, probability=0.3, seed=278)
    expected = await _failing_sends(bot, zhang.id, 30)
    await client.clear_faults()
    await client.add_fault("500", method="sendMessage", count=None, probability=0.3, seed=278)
    failed = []
    for n in range(30):
        await bot.get_me()  # another method: no number drawn
        try:
            await bot.send_message(zhang.id, f"第{n}条")
        except TelegramServerError:
            failed.append(n)
    assert failed == expected


async def test_stats_count_calls_and_time_each_press_to_the_next_message_or_edit(
    bot: Bot, client: SandboxClient, zhang: Resident, clock: Clock
) -> None:
    button = InlineKeyboardButton(text="同意", callback_data="yes")
    question = await bot.send_message(
        zhang.id, "问题 1", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )
    await zhang.press("同意")
    clock.advance(0.25)
    await bot.edit_message_text("问题 2", chat_id=zhang.id, message_id=question.message_id)
    clock.advance(1)
    await bot.send_message(zhang.id, "no press is waiting for this one")
    stats = await client.stats()
    assert stats["reply_delays"] == [pytest.approx(0.25)]
    assert stats["calls"] == {"sendMessage": 2, "editMessageText": 1}
