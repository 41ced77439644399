"""The survey round of `linli demo`: an elevator vote in one unit and a content survey for the
compound, answered in the chat by simulated residents — some change their minds, some never
answer — then tallied, charted and exported as the committee would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.documents.charts import chart_png
from bot.documents.reports import export_xlsx
from bot.sandbox import Resident, SandboxClient
from bot.settings import Settings
from handlers.surveys.notices import announce_opening
from handlers.surveys.tally_text import tally_text
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


async def survey_round(
    sessions: Sessions,
    client: SandboxClient,
    compound_id: int,
    owners: dict[str, Resident],
    i18n: I18n,
    settings: Settings,
    out: Path,
) -> RoundResult:
    """`owners` maps "building/unit/room" to the resident who joined with that flat's code."""
    pick = random.Random(3)
    elevator = await _open(sessions, compound_id, "elevator", ("1栋", "1单元"), i18n, settings)
    unit = sorted(place for place in owners if place.startswith("1栋/1单元/"))
    for index, place in enumerate(unit[:-2]):
        await _vote(client, owners[place], agree=index % 5 != 4, change=index == 0)
    for place in unit[-2:]:  # these two read the notice and never answer
        await owners[place].next_message()
    content = await _open(sessions, compound_id, "content", (None, None), i18n, settings)
    everyone = sorted(owners)
    for place in everyone:
        await owners[place].next_message()  # the notice reaches everyone
    for place in pick.sample(everyone, 8):
        await _content(client, owners[place], pick)

    texts, files = [], []
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
    return RoundResult(texts, files)
