"""The committee tallies, exports and publishes a vote; the residents are told the result."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from decimal import Decimal

import pypdfium2 as pdfium
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.surveys.notices import invitation_message
from storage.committee import compound_named
from storage.models import Membership
from storage.models import Resident as ResidentRow
from storage.surveys.ballots import ballot_for, record_answer
from storage.surveys.models import Survey
from storage.surveys.queries import (
    close_survey,
    create_survey,
    definition_of,
    invitations,
    open_survey,
    scope_named,
)
from surveys.voting.decision import Answer
from surveys.voting.templates import template_text
from tests.bot.conftest import COMPOUND, Codes, confirmed, join_flat, settle

Sessions = async_sessionmaker[AsyncSession]
UNIT_FLATS = ["101", "102", "201", "202", "301", "302"]


async def _vote(
    client: SandboxClient, codes: Codes, sessions: Sessions, answers: list[Answer]
) -> tuple[int, list[Resident]]:
    """Owners of 1栋 1单元 join and vote on the elevator, one answer each."""
    owners = []
    for room in UNIT_FLATS:
        owner = await client.resident(f"业主{room}")
        await join_flat(owner, codes.owner_flats[f"1栋/1单元/{room}"])
        owners.append(owner)
    await settle(owners[-1])
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        survey = await create_survey(session, compound.id, template_text("elevator"), scope)
        await open_survey(session, survey)
        definition = definition_of(survey.definition)
        for owner, answer in zip(owners, answers, strict=False):
            row = await session.scalar(
                select(ResidentRow).where(ResidentRow.telegram_id == owner.id)
            )
            assert row is not None
            flat = await session.scalar(
                select(Membership.household_id).where(Membership.resident_id == row.id)
            )
            ballot = await ballot_for(session, survey, row, flat)
            await record_answer(
                session, ballot, definition, definition.question("elevator"), answer, row
            )
        return survey.id, owners


async def test_tally_export_and_publish(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    # 5 of 6 flats vote (quorum met), 4 approve: 4/5 ≥ 3/4 by heads; areas decide the rest.
    answers = [Answer.APPROVE] * 4 + [Answer.REJECT]
    number, owners = await _vote(client, codes, sessions, answers)

    await committee.send(f"/tally {number}")
    text = (await committee.next_message())["text"]
    assert "已作答：6 户中 5 户" in text and "参与表决人数 不少于 2/3" in text
    assert "【目前：已达到通过条件】" in text  # open: nothing is decided before the close
    chart = await committee.next_message()
    assert chart.get("photo"), "the chart is sent as a photo"
    assert "仍在进行中" in chart["caption"]
    missing = (await committee.next_message())["text"]
    assert "尚未作答（1 户）" in missing and "1栋 1单元 302室" in missing

    await committee.send(f"/export {number}")
    document = await committee.next_message()
    workbook = load_workbook(io.BytesIO(await client.file(document["document"]["file_id"])))
    ballots = workbook.worksheets[0]
    rows = list(ballots.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6  # every flat of the scope, so that the tally can be recomputed
    assert sum(1 for row in rows if row[6] is not None) == 5  # five submitted ballots

    await committee.send(f"/publish {number}")
    assert "请先结束征询" in (await committee.next_message())["text"]
    await confirmed(committee, f"/close {number}")
    assert "将通知 6 位居民" in await confirmed(committee, f"/publish {number}")
    poster = await committee.next_message()
    assert poster["document"]["file_name"] == f"survey-{number}-result.pdf"
    pdf = pdfium.PdfDocument(await client.file(poster["document"]["file_id"]))
    assert "业主表决结果公示" in pdf[0].get_textpage().get_text_range()
    pdf.close()
    for owner in owners:  # everyone in scope, voter or not, is told
        told = await owner.next_message()
        assert told["text"].startswith("结果公示") and "【通过】" in told["text"]
    async with sessions() as session:
        survey = await session.get(Survey, number)
        assert survey is not None and survey.objections_until is not None


async def test_a_resident_cannot_tally_or_export(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    number, owners = await _vote(client, codes, sessions, [Answer.APPROVE])
    for command in ("tally", "export", "publish"):
        await owners[0].send(f"/{command} {number}")
        assert "只有本小区的委员会成员" in (await owners[0].next_message())["text"]


async def test_the_json_the_chat_and_the_spreadsheet_give_the_same_figures(
    linli: Linli,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
    committee: Resident,
    database_url: str,
) -> None:
    answers = [Answer.APPROVE, Answer.APPROVE, Answer.REJECT, Answer.ABSTAIN]
    number, _owners = await _vote(client, codes, sessions, answers)
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "tally", str(number), "--json",
        env={**os.environ, "LINLI_DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, _ = await command.communicate()
    figures = json.loads(output)
    people = figures["participation"]
    checks = {c["threshold"]["measure"]: c for c in figures["decisions"][0]["outcome"]["checks"]}

    await committee.send(f"/tally {number}")
    text = (await committee.next_message())["text"]
    assert (
        f"已作答：{people['eligible_flats']} 户中 {people['answered_flats']} 户"
        f"（面积 {people['answered_area']} / {people['eligible_area']} m²），"
        f"业主 {people['answered_heads']} / {people['eligible_heads']} 人"
    ) in text
    for check in checks.values():
        assert f"{check['figure']}" in text and f"{check['base']}" in text

    await committee.next_message()  # the chart
    await committee.next_message()  # the flats not answered
    await committee.send(f"/export {number}")
    document = await committee.next_message()
    workbook = load_workbook(io.BytesIO(await client.file(document["document"]["file_id"])))
    rows = [row for row in workbook["结果 Tally"].iter_rows(values_only=True) if row[0]]
    cells = {row[0]: row[1:] for row in rows}
    assert cells["户数 Flats"][:2] == (people["eligible_flats"], people["answered_flats"])
    assert [Decimal(str(c)) for c in cells["面积 Area (m²)"][:2]] == [
        Decimal(people["eligible_area"]), Decimal(people["answered_area"])
    ]  # fmt: skip
    assert cells["业主人数 Owners (heads)"][:2] == (
        people["eligible_heads"], people["answered_heads"]
    )  # fmt: skip
    sheet_checks = [row for row in rows if row[1] and str(row[1]).startswith(("≥", ">"))]
    assert [(Decimal(str(r[2])), Decimal(str(r[3]))) for r in sheet_checks] == [
        (Decimal(str(c["figure"])), Decimal(str(c["base"]))) for c in checks.values()
    ]


LIVE_SURVEY = """
kind: opinion
title: 楼道灯改造意见
results_visible: {visible}
questions:
  - id: lights
    type: single
    text: 楼道灯换成哪种？
    options:
      - {{id: sensor, text: 声控感应灯}}
      - {{id: switch, text: 普通开关灯}}
"""


async def _opinion(sessions: Sessions, visible: str) -> Survey:
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        text = LIVE_SURVEY.format(visible=visible)
        survey = await create_survey(session, compound.id, text, scope)
        await open_survey(session, survey)
        return survey


async def test_residents_see_live_results_only_where_the_survey_says(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await client.resident("看结果的业主")
    await join_flat(owner, codes.flats["1栋/1单元/101"])
    outsider = await client.resident("外单元业主")
    await join_flat(outsider, codes.flats["2栋/1单元/101"])
    await settle(outsider)
    live = await _opinion(sessions, "live")
    hidden = await _opinion(sessions, "after_close")

    async with sessions() as session:
        [invited] = await invitations(session, live)
    text, markup = invitation_message(live, invited, None, linli.i18n, linli.settings.tz)
    await linli.bot.send_message(owner.id, text, reply_markup=markup)
    await owner.next_message()
    await owner.press("开始作答")
    await owner.next_message()  # the question
    await owner.press("声控感应灯")
    await owner.shown("✓ 问题 1")  # the question turns into what was recorded
    receipt = (await owner.next_message())["text"]
    assert f"/results {live.id}" in receipt

    await owner.send(f"/results {live.id}")
    assert "声控感应灯: 1 户" in (await owner.next_message())["text"]
    await owner.send(f"/results {hidden.id}")
    assert "征询结束后公布" in (await owner.next_message())["text"]
    await outsider.send(f"/results {live.id}")
    assert "不是针对您家" in (await outsider.next_message())["text"]
    await owner.send("/results")
    assert "/results 3" in (await owner.next_message())["text"]

    async with sessions() as session, session.begin():
        await close_survey(session, await session.get(Survey, hidden.id))
    await owner.send(f"/results {hidden.id}")
    assert "楼道灯换成哪种" in (await owner.next_message())["text"]


async def test_the_committee_records_paper_objections_in_chat(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    number, _owners = await _vote(client, codes, sessions, [Answer.APPROVE] * 6)
    await committee.send(f"/paper {number} 1栋/1单元/102 反对")
    assert "已登记" in (await committee.next_message())["text"]
    await committee.send(f"/paper {number} 1栋/1单元/102 反对")
    assert "已登记过" in (await committee.next_message())["text"]
    await committee.send(f"/paper {number} 2栋/1单元/101 反对")
    assert "不在第" in (await committee.next_message())["text"]
    await committee.send(f"/paper {number} 1栋/1单元/102 签字")
    assert "例如 /paper 3" in (await committee.next_message())["text"]

    await committee.send(f"/tally {number}")
    text = (await committee.next_message())["text"]
    assert "书面反对意见：1 份" in text and "【目前：票数已达到要求，但被异议" in text
    await confirmed(committee, f"/close {number}")
    await committee.send(f"/tally {number}")
    assert "【未通过：票数达到要求，但被异议" in (await committee.shown("【未通过"))["text"]


async def test_a_running_vote_says_where_it_stands_and_what_it_still_needs(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    # One of 6 flats has voted: 61.50 of 375.00 m² and 1 of 6 owners answered, against a
    # quorum of 2/3 (250.00 m², 4 owners).
    number, _owners = await _vote(client, codes, sessions, [Answer.APPROVE])
    await committee.send(f"/tally {number}")
    text = (await committee.next_message())["text"]
    assert "【目前：尚未达到通过条件】" in text and "未通过" not in text
    assert "参与表决面积 不少于 2/3: 61.50 m² / 375.00 m², 尚未达到，还差 188.50 m²" in text
    assert "参与表决人数 不少于 2/3: 1 / 6, 尚未达到，还差 3 位业主" in text
    assert "表决仍在进行" in text
