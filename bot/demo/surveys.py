"""The survey round of `linli demo`: an elevator vote in one unit and a content survey for the
compound, answered in the chat by simulated residents — some change their minds, some never
answer, one votes on paper and one by proxy — then tallied, charted and exported as the
committee would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.charts import chart_png
from bot.documents.reports import export_xlsx
from bot.sandbox import Resident, SandboxClient
from bot.settings import Settings
from handlers.surveys.notices import announce_opening
from handlers.surveys.tally_text import tally_text
from storage.committee import add_member
from storage.models import Compound
from storage.surveys.models import Survey, SurveyStatus
from storage.surveys.queries import create_survey, definition_of, open_survey, scope_named
from storage.surveys.records import survey_records
from storage.surveys.tallies import tally_survey
from surveys.voting.templates import load_template, template_text

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class RoundResult:
    texts: list[str]
    files: list[Path]
    story: list[str]  # the paper ballots, the proxy and the conflict, as they happened


async def _open(
    sessions: Sessions,
    compound_id: int,
    template: str,
    place: tuple[str | None, str | None],
    i18n: I18n,
    settings: Settings,
) -> int:
    async with sessions() as session, session.begin():
        scope = await scope_named(session, compound_id, *place)
        survey = await create_survey(session, compound_id, template_text(template), scope)
        await open_survey(session, survey)
        await announce_opening(session, survey, i18n, settings.tz)
        return survey.id


async def _press(client: SandboxClient, resident: Resident, label: str) -> None:
    await resident.press(label)  # waits for the bot to show the button
    await client.settled()  # the bot has handled it: the next press sees its effect


async def _answer(client: SandboxClient, resident: Resident, label: str, number: int) -> None:
    """Answer question `number` by its button; the question turns into the next one with
    "✓ 问题 N" on top, which is waited for, so that the next press finds the next buttons."""
    await _press(client, resident, label)
    await resident.shown(f"✓ 问题 {number}：")


async def _vote(client: SandboxClient, owner: Resident, agree: bool, change: bool) -> None:
    await _press(client, owner, "开始作答")  # on the notice
    await _answer(client, owner, "同意" if agree else "反对", 1)
    if agree:
        await _answer(client, owner, "提取住房公积金", 2)
    await _answer(client, owner, "跳过", 3 if agree else 2)  # no remarks
    await owner.shown("已记录")  # the receipt
    if change:  # second thoughts: from agree to disagree
        await _press(client, owner, "修改答案")
        await _press(client, owner, "问题 1")
        await _press(client, owner, "反对")
        await owner.shown("✓ 问题 1：反对")


async def _content(client: SandboxClient, resident: Resident, pick: random.Random) -> None:
    definition = load_template("content")
    basic, improvement = definition.question("basic"), definition.question("improvement")
    await _press(client, resident, "开始作答")  # on the notice, already read
    for number, question in enumerate((basic, improvement), start=1):
        for option in pick.sample(list(question.options), 3):  # type: ignore[union-attr]
            await _press(client, resident, option.text.zh_CN)  # picks kept by the bot
        await _answer(client, resident, "完成", number)
    await _answer(client, resident, "跳过", 3)
    await _answer(client, resident, pick.choice(["同意", "反对", "弃权"]), 4)
    await _answer(client, resident, "跳过", 5)
    await resident.shown("已记录")


def _sheet_photo() -> bytes:
    """The photo of a signed paper sheet, as a phone would send it."""
    buffer = BytesIO()
    Image.new("RGB", (300, 420), "white").save(buffer, "JPEG")
    return buffer.getvalue()


async def _paper_ballot(
    client: SandboxClient,
    member: Resident,
    reviewer: Resident,
    number: int,
    flat: str,
    answers: list[str],
) -> str:
    """A committee member enters a signed sheet for the flat and sends its photo; a second
    member confirms it. Returns what the second member is told."""
    await member.send(f"/ballot {number} {flat}")
    await member.shown("请按签字选票上的选择点按答案")
    for question, label in enumerate(answers, start=1):
        await _answer(client, member, label, question)
    await member.shown("发送签字选票的照片")
    await member.send_photo(_sheet_photo())
    await member.shown("已提交")
    card = await reviewer.shown(f"{flat.split('/')[-1]}室")  # its review card
    await reviewer.press("确认：与选票一致", message_id=card["message_id"])
    return str((await reviewer.edited(card))["text"])


async def _paper_and_proxy(
    sessions: Sessions,
    client: SandboxClient,
    compound_id: int,
    number: int,
    committee: Resident,
    owners: dict[str, Resident],
    links: dict[str, str],
    out: Path,
) -> list[str]:
    """The elevator vote's last two flats: one owner signs a paper ballot at the door, the
    other's son votes by proxy. A sheet also arrives for a flat that voted in chat: the
    committee keeps one of the two before publishing."""
    lines = []
    second = await client.resident("赵委员")
    await second.send("/start")
    await second.next_message()
    async with sessions() as session, session.begin():
        await add_member(session, await session.get_one(Compound, compound_id), second.id)
    unit = sorted(place for place in owners if place.startswith("1栋/1单元/"))
    await committee.send(f"/ballots {number} 未投票")
    document = await committee.shown("张纸质表决票")
    (out / f"ballots-{number}.pdf").write_bytes(await client.file(document["document"]["file_id"]))
    lines.append(f"  {committee.name}: /ballots {number} 未投票 → {document['caption']}")

    told = await _paper_ballot(
        client, committee, second, number, unit[-2], ["同意", "提取住房公积金", "跳过"]
    )
    lines.append(f"  {committee.name} enters the signed sheet of {unit[-2]}; {second.name}: {told}")

    owner, son = owners[unit[-1]], await client.resident("住户之子")
    await son.scan(links[unit[-1]])
    await son.press("家庭成员", message_id=(await son.next_message())["message_id"])
    await owner.send("/proxy")
    await owner.press(son.name, message_id=(await owner.shown("委托谁代"))["message_id"])
    await owner.press(f"仅第 {number} 号表决")
    lines.append(f"  {owner.name}: /proxy → {(await owner.shown('现在可以为'))['text']}")
    await son.shown("委托您为")
    await son.send("/proxy")
    await son.press("代该户投票")
    for question, label in enumerate(["同意", "直接出资", "跳过"], start=1):
        await _answer(client, son, label, question)
    await son.shown("已记录")
    lines.append(f"  {son.name} votes for {unit[-1]} by proxy of {owner.name}")

    told = await _paper_ballot(client, committee, second, number, unit[0], ["反对", "跳过"])
    lines.append(f"  a sheet for {unit[0]}, who voted in chat: {told}")

    async def command(text: str, needle: str, confirm: str | None = None) -> str:
        """Send `text` (tapping `confirm`, for /close and /publish) until a reply holds `needle`."""
        await committee.send(text)
        if confirm is not None:
            await committee.press(confirm)
        reply = str((await committee.shown(needle))["text"])
        lines.append(f"  {committee.name}: {text} → {reply}")
        return reply

    await command(f"/close {number}", "已结束", confirm="确认结束")
    await command(f"/publish {number}", "有住户提交了两张选票")  # refused: the conflict
    await committee.send(f"/conflicts {number}")
    first = await committee.shown("先提交：已计入")
    await committee.press("保留这张选票", message_id=first["message_id"])
    await committee.shown("为什么保留")
    await command("业主本人在线投票在先，纸质选票为重复提交", "已保留选票")
    await command(f"/publish {number}", "已公示", confirm="确认公示")
    return lines


async def survey_round(
    sessions: Sessions,
    client: SandboxClient,
    compound_id: int,
    owners: dict[str, Resident],
    committee: Resident,
    links: dict[str, str],
    i18n: I18n,
    settings: Settings,
    out: Path,
) -> RoundResult:
    """`owners` maps "building/unit/room" to the resident who joined with that flat's code;
    `links` the flat codes' deep links by flat, for a family member to join with."""
    pick = random.Random(3)
    elevator = await _open(sessions, compound_id, "elevator", ("1栋", "1单元"), i18n, settings)
    unit = sorted(place for place in owners if place.startswith("1栋/1单元/"))
    for index, place in enumerate(unit[:-2]):
        await _vote(client, owners[place], agree=index % 5 != 4, change=index == 0)
    for place in unit[-2:]:  # these two read the notice and never answer in chat
        await owners[place].next_message()
    story = await _paper_and_proxy(
        sessions, client, compound_id, elevator, committee, owners, links, out
    )
    content = await _open(sessions, compound_id, "content", (None, None), i18n, settings)
    everyone = sorted(owners)
    for place in everyone:
        await owners[place].next_message()  # the notice reaches everyone
    for place in pick.sample(everyone, 8):
        await _content(client, owners[place], pick)

    texts, files = [], [out / f"ballots-{elevator}.pdf"]
    async with sessions() as session:
        for number in (elevator, content):
            survey = await session.get(Survey, number)
            assert survey is not None
            definition = definition_of(survey.definition)
            result = await tally_survey(session, survey)
            with i18n.context(), i18n.use_locale("zh_CN"):
                running = survey.status is SurveyStatus.OPEN
                texts.append(tally_text(result, definition, "zh_CN", running=running))
            chart, workbook = out / f"survey-{number}.png", out / f"survey-{number}.xlsx"
            chart.write_bytes(chart_png(definition, result, "zh_CN"))
            records = await survey_records(session, survey)
            workbook.write_bytes(export_xlsx(definition, result, records, settings.tz))
            files += [chart, workbook]
    return RoundResult(texts, files, story)
