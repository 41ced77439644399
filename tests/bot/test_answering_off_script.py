"""A resident in the middle of a survey who types, or sends a voice message, where the
question awaits a press (or typed text): the question comes again with what it takes, never
「没有看懂」, and the answer then given is recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.ballot_view import TICK
from storage.surveys.models import Answer
from tests.bot.conftest import Codes, settle
from tests.bot.surveying import open_vote, owners
from tests.bot.test_answering import _join, _open_elevator_vote

Sessions = async_sessionmaker[AsyncSession]
PRESS = "这个问题请点下面的按钮作答："


async def test_off_script_messages_point_back_to_the_question(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await _join(client, codes, "张阿姨", "1栋/1单元/201")
    await settle(owner)
    await _open_elevator_vote(linli, sessions)
    await owner.next_message()
    await owner.press("开始作答")
    question = await owner.next_message()

    await owner.send("同意")  # typed where a button is expected
    again = await owner.next_message()
    assert again["text"].startswith(PRESS) and "没有看懂" not in again["text"]
    assert question["text"] in again["text"]  # the same question, with its buttons
    assert again["reply_markup"] == question["reply_markup"]
    await owner.send_voice()
    voice = (await owner.next_message())["text"]
    assert voice.startswith(f"抱歉，我听不了语音消息。{PRESS}")

    await owner.press("同意", message_id=again["message_id"])
    await owner.shown("✓ 问题 1：同意")
    await owner.press("提取住房公积金")
    await owner.shown("✓ 问题 2")
    await owner.send_sticker()  # the remarks question awaits typed text
    sticker = (await owner.next_message())["text"]
    assert sticker.startswith("谢谢您的表情，不过我看不懂表情。请用文字输入您对这个问题的回答：")
    await owner.send("希望电梯装在北侧")
    await owner.shown("已记录")
    async with sessions() as session:
        answers = dict((await session.execute(select(Answer.question_id, Answer.value))).all())
    assert answers == {
        "elevator": '"approve"',
        "payment": '"provident"',
        "remarks": '"希望电梯装在北侧"',
    }


async def test_a_resident_finds_the_open_surveys_of_their_flat(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    owner = await _join(client, codes, "张阿姨", "1栋/1单元/201")
    await settle(owner)
    await owner.send("/surveys")
    assert "目前没有等您作答的调查或表决。" in (await owner.next_message())["text"]

    number = await _open_elevator_vote(linli, sessions)
    await owner.next_message()  # the opening notice, scrolled past
    await owner.send("/surveys")
    listed = await owner.next_message()
    assert "正式表决已开始" in listed["text"] and "您代表 1栋 1单元 201室 作答" in listed["text"]
    await owner.press("开始作答", message_id=listed["message_id"])
    assert "问题 1/" in (await owner.next_message())["text"]

    # The committee's /surveys stays the committee's list.
    await committee.send("/surveys")
    assert f"#{number} " in (await committee.next_message())["text"]


CHOICES = """kind: opinion
title: 改造内容征询
questions:
  - id: items
    type: multiple
    text: 您希望改造哪些内容？
    options:
      - {id: roof, text: 屋面防水}
      - {id: pipes, text: 更换管道}
      - {id: lights, text: 楼道照明}
"""


async def test_choices_made_and_not_done_survive_an_off_script_message(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    [owner] = await owners(client, codes, ["1栋/1单元/201"])
    await settle(owner)
    await open_vote(sessions, definition=CHOICES)
    await owner.next_message()
    await owner.press("开始作答")
    question = await owner.next_message()
    await owner.callback_answer(await owner.press("更换管道", message_id=question["message_id"]))
    await owner.send("还有外墙")
    again = await owner.next_message()
    assert again["text"].startswith(PRESS)
    labels = [row[0]["text"] for row in again["reply_markup"]["inline_keyboard"]]
    assert f"{TICK}更换管道" in labels and "屋面防水" in labels  # the pick is kept
