"""The Bot API side, driven by a real aiogram Bot: replies and Telegram's error shapes."""

import asyncio
import contextlib
import re

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.sandbox import Resident, Sandbox, SandboxClient, serve_forever
from bot.sandbox.client import until


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=label)] for label in labels
        ]
    )


def as_json(markup: InlineKeyboardMarkup | None) -> dict[str, object] | None:
    return None if markup is None else markup.model_dump(exclude_none=True)


async def test_get_me_describes_the_bot_of_the_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        123456,
        True,
        "Linli",
        "linli_sandbox_bot",
    )


async def test_bot_username_is_configurable() -> None:
    async with Sandbox(bot_username="other_bot") as sandbox:
        session = AiohttpSession(api=TelegramAPIServer.from_base(str(sandbox.url)))
        async with Bot("42:abc", session=session) as bot:
            assert (await bot.get_me()).username == "other_bot"


async def test_serve_forever_runs_until_cancelled(capsys: pytest.CaptureFixture[str]) -> None:
    server = asyncio.create_task(serve_forever("127.0.0.1", 0, "cli_bot"))
    printed = ""

    async def started() -> bool:
        nonlocal printed
        printed = capsys.readouterr().out
        return bool(printed)

    await until(started, "serve_forever printed nothing")
    found = re.search(r"Bot API at (\S+),", printed)
    assert found, printed
    url = found.group(1)
    async with aiohttp.ClientSession() as http, http.get(f"{url}/bot1:a/getMe") as response:
        assert (await response.json())["result"]["username"] == "cli_bot"
    server.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await server
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http, http.get(f"{url}/bot1:a/getMe"):
            pass


async def test_malformed_token_is_unauthorized(sandbox: Sandbox) -> None:
    # aiogram refuses to build a Bot with a bad token, so this server URL swaps one in.
    api = TelegramAPIServer(base=f"{sandbox.url}/botnot-a-token/{{method}}", file="")
    async with Bot("1:ok", session=AiohttpSession(api=api)) as bot:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await bot.get_me()


async def test_unknown_method_is_not_found_and_json_and_query_bodies_work(
    sandbox: Sandbox, bot: Bot, zhang: Resident
) -> None:
    api = f"{sandbox.url}/bot{bot.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api}/sendTelepathy", json={}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        async with http.post(
            f"{api}/sendMessage", json={"chat_id": zhang.id, "text": "json", "reply_markup": markup}
        ) as response:
            reply = await response.json()
            assert reply["ok"] and reply["result"]["reply_markup"] == markup
        async with http.get(f"{api}/sendmessage", params={"chat_id": zhang.id, "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
        async with http.post(f"{api}/getMe", data={"unused": "1"}) as response:
            assert (await response.json())["result"]["id"] == bot.id


async def test_send_edit_and_delete_show_in_the_chat(bot: Bot, zhang: Resident) -> None:
    sent = await bot.send_message(zhang.id, "投票开始", reply_markup=keyboard("同意", "反对"))
    assert sent.chat.id == zhang.id and sent.from_user and sent.from_user.id == bot.id
    assert as_json(sent.reply_markup) == as_json(keyboard("同意", "反对"))

    edited = await bot.edit_message_text("投票结束", chat_id=zhang.id, message_id=sent.message_id)
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    # As in Telegram, an edit without reply_markup drops the inline keyboard.
    assert edited.reply_markup is None
    [seen] = await zhang.messages()
    assert (seen["text"], seen["reply_markup"], seen["deleted"]) == ("投票结束", None, False)

    await bot.edit_message_reply_markup(
        chat_id=zhang.id, message_id=sent.message_id, reply_markup=keyboard("查看结果")
    )
    assert (await zhang.messages())[0]["reply_markup"] == as_json(keyboard("查看结果"))

    assert await bot.delete_message(zhang.id, sent.message_id)
    assert (await zhang.messages())[0]["deleted"] is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(zhang.id, sent.message_id)


async def test_reply_keyboard_is_kept_for_the_resident(bot: Bot, zhang: Resident) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="我的楼栋")]], resize_keyboard=True)
    sent = await bot.send_message(zhang.id, "请选择", reply_markup=markup)
    assert sent.reply_markup is None  # Message objects only carry inline keyboards
    message = await zhang.next_message()
    assert message["reply_markup"]["keyboard"] == [[{"text": "我的楼栋"}]]
    # Editing the text leaves a reply keyboard alone (only inline keyboards go with edits).
    await bot.edit_message_text("请选择楼栋", chat_id=zhang.id, message_id=sent.message_id)
    [edited] = await zhang.messages()
    assert edited["text"] == "请选择楼栋" and edited["reply_markup"] == message["reply_markup"]


async def test_edit_errors(bot: Bot, zhang: Resident) -> None:
    sent = await bot.send_message(zhang.id, "同一段话", reply_markup=keyboard("好"))
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text(
            "同一段话", chat_id=zhang.id, message_id=sent.message_id, reply_markup=keyboard("好")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=zhang.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=zhang.id, message_id=1)  # her /start


@pytest.mark.parametrize(
    ("text", "markup", "error"),
    [
        ("", None, "Bad Request: message text is empty"),
        ("   ", None, "Bad Request: message text is empty"),
        ("长" * 4097, None, "Bad Request: message is too long"),
        ("x", keyboard("a" * 65), "Bad Request: BUTTON_DATA_INVALID"),
        ("x", keyboard(*(str(i) for i in range(101))), "Bad Request: reply markup is too long"),
        (
            "x",
            InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="无动作")]]),
            "Bad Request: text buttons are unallowed in the inline keyboard",
        ),
    ],
)
async def test_bad_messages_are_refused(
    bot: Bot, zhang: Resident, text: str, markup: InlineKeyboardMarkup | None, error: str
) -> None:
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(zhang.id, text, reply_markup=markup)
    assert refused.value.message == error
    assert await zhang.messages() == []


async def test_longest_text_and_fullest_keyboard_pass(bot: Bot, zhang: Resident) -> None:
    labels = [f"{i:02}" for i in range(100)]
    await bot.send_message(zhang.id, "长" * 4096, reply_markup=keyboard(*labels))
    assert len((await zhang.next_message())["text"]) == 4096


async def test_who_the_bot_may_write_to(bot: Bot, client: SandboxClient, zhang: Resident) -> None:
    with pytest.raises(TelegramBadRequest, match=r"says - Bad Request: chat not found$"):
        await bot.send_message(99999, "你好")
    stranger = await client.resident("李师傅")
    with pytest.raises(
        TelegramForbiddenError, match="Forbidden: bot can't initiate conversation with a user"
    ):
        await bot.send_message(stranger.id, "你好")
    await zhang.block()
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(zhang.id, "你好")
    await zhang.unblock()
    await bot.send_message(zhang.id, "欢迎回来")
    assert (await zhang.next_message())["text"] == "欢迎回来"


async def test_html_is_parsed_into_entities_or_refused(bot: Bot, zhang: Resident) -> None:
    sent = await bot.send_message(zhang.id, "<b>3号楼</b> &lt;加装电梯&gt;", parse_mode="HTML")
    assert sent.text == "3号楼 <加装电梯>"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 3)]
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(zhang.id, "<王>阿姨", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding to start tag"):
        await bot.send_message(zhang.id, "<i>没关上", parse_mode="HTML")
    plain = await bot.send_message(zhang.id, "<b>不解析</b>")
    assert plain.text == "<b>不解析</b>"


async def test_commands_are_kept_per_scope_and_language(
    bot: Bot, client: SandboxClient, zhang: Resident
) -> None:
    scope = BotCommandScopeChat(chat_id=zhang.id)
    assert await bot.set_my_commands([BotCommand(command="start", description="开始")])
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], language_code="en"
    )
    assert await bot.set_my_commands(
        [BotCommand(command="export", description="导出")], scope=scope
    )

    async def listed(**where: object) -> list[tuple[str, str]]:
        return [(c.command, c.description) for c in await bot.get_my_commands(**where)]

    assert await listed() == [("start", "开始")]
    assert await listed(language_code="en") == [("start", "Start")]
    assert await listed(scope=scope) == [("export", "导出")]
    assert await listed(scope=scope, language_code="en") == []  # no fallback
    registered = {
        (c["scope"]["type"], c["language_code"]): c["commands"] for c in await client.commands()
    }
    assert registered[("chat", "")] == [{"command": "export", "description": "导出"}]

    assert await bot.delete_my_commands(language_code="en")
    assert await listed(language_code="en") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
