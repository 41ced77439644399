"""Paper ballots and one flat, one ballot (issue 11): a 12-flat unit's vote where owners vote
in chat and the committee enters signed paper sheets, each confirmed by a second member."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.models import Role
from storage.surveys.models import Survey
from storage.surveys.sources import ballot_sources
from storage.surveys.tallies import tally_survey
from tests.bot.conftest import Codes, confirmed
from tests.bot.paper_unit import (
    BUILDING,
    COMPOUND,
    ROOMS,
    UNIT,
    PaperUnit,
    Sessions,
    area,
    flat,
    link_owners,
    paper_unit,
)
from tests.bot.surveying import LABELS, at_the_question, link_to_flat, open_vote
from tests.posters.test_posters import pdf_pages


def _sheet_photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, "PNG")
    return buffer.getvalue()


SHEET = _sheet_photo()  # the photo of a signed sheet


async def enter_paper(member: Resident, number: int, room: str, answer: str) -> None:
    """Enter a flat's paper ballot as the sheet says and hand it in with its photo."""
    await member.send(f"/ballot {number} {flat(room)}")
    await member.shown("请按签字选票上的选择点按答案")
    question = await member.shown("问题 1/1")
    await member.press(LABELS[answer], message_id=question["message_id"])
    await member.shown("请与纸质选票核对，然后发送签字选票的照片")
    await member.send_photo(SHEET)
    await member.shown("已提交")


async def review(reviewer: Resident, room: str, confirm: bool, reason: str = "") -> str:
    """The second member confirms or rejects the latest paper ballot sent for review."""
    card = await reviewer.shown(f"{UNIT} {room}")
    assert "以上照片是签字的纸质选票" in card["text"]
    if confirm:
        await reviewer.press("确认：与选票一致", message_id=card["message_id"])
        return str((await reviewer.edited(card))["text"])
    await reviewer.press("驳回：与选票不符", message_id=card["message_id"])
    await reviewer.shown("为什么驳回")
    await reviewer.send(reason)
    return str((await reviewer.shown("已驳回"))["text"])


async def proxy_votes(owner: Resident, proxy: Resident, number: int) -> None:
    """The owner names the proxy for vote `number` in chat; the proxy votes for the flat;
    the owner can then no longer withdraw the proxy."""
    await owner.send("/proxy")
    await owner.press(proxy.name, message_id=(await owner.shown("委托谁代"))["message_id"])
    await owner.press(f"仅第 {number} 号表决")
    await owner.shown("现在可以为 9栋 1单元 601室 投票")
    await proxy.shown("委托您为 9栋 1单元 601室 投票")
    await proxy.send("/proxy")
    await proxy.press("代该户投票")
    assert "受 业主601 委托" in (await proxy.shown("委托，为"))["text"]
    question = await proxy.shown("问题 1/1")
    await proxy.press(LABELS["approve"], message_id=question["message_id"])
    await proxy.shown("已记录")
    await owner.send("/proxy")
    pressed = await owner.press(
        "撤回委托", message_id=(await owner.shown("受您委托"))["message_id"]
    )
    assert "委托不能再撤回" in (await owner.callback_answer(pressed))["text"]


async def test_a_unit_reaches_its_quorum_with_chat_and_confirmed_paper_ballots(
    linli: Linli, client: SandboxClient, sessions: Sessions, codes: Codes
) -> None:
    unit: PaperUnit = await paper_unit(client, sessions)
    entering, confirming = unit.members
    chat_votes = {
        "101": "approve",
        "102": "approve",
        "201": "approve",
        "202": "approve",
        "301": "reject",
        "302": "reject",
    }
    owners = await link_owners(client, sessions, unit, list(chat_votes))
    # The owner of 601 will not use the chat to vote: their son votes by their proxy.
    (owner_601,) = await link_owners(client, sessions, unit, ["601"])
    son = await client.resident("儿子601")
    await son.send("/start")
    await son.next_message()
    await link_to_flat(sessions, son, unit.households["601"], Role.FAMILY)
    number = await open_vote(sessions, BUILDING, UNIT, compound=COMPOUND)
    questions = await at_the_question(owners)
    for owner, question, answer in zip(owners, questions, chat_votes.values(), strict=True):
        await owner.press(LABELS[answer], message_id=question)
        await owner.shown("已记录")

    paper_votes = {"401": "approve", "402": "approve", "502": "abstain"}
    for room, answer in paper_votes.items():
        await enter_paper(entering, number, room, answer)
        assert "计入" in await review(confirming, room, confirm=True)
    # A sheet whose signature does not match: rejected, it never counts.
    await enter_paper(entering, number, "501", "approve")
    rejected = await review(confirming, "501", confirm=False, reason="签名与房主不符")
    assert "签名与房主不符" in rejected
    assert "签名与房主不符" in (await entering.shown("已驳回"))["text"]
    # The owner of 101 voted in chat; a paper sheet for 101 came later: held as a conflict.
    await enter_paper(entering, number, "101", "reject")
    assert "冲突" in await review(confirming, "101", confirm=True)
    assert "录入一张纸质选票" in (await owners[0].shown("纸质选票"))["text"]

    await proxy_votes(owner_601, son, number)

    async with sessions() as session, session.begin():
        survey = await session.get_one(Survey, number)
        result = await tally_survey(session, survey)
        sources = await ballot_sources(session, survey)
    # By hand: 6 in chat, 3 on paper, 1 by proxy of 12 flats; 501 (rejected) and 602 did not
    # vote, and count nowhere: 10 of 12 owners, 770 of 948 m² took part; 530 m² approve.
    votes = {**chat_votes, **paper_votes, "601": "approve"}
    approving = [room for room, vote in votes.items() if vote == "approve"]
    assert sum(map(area, votes)) == Decimal(770) and sum(map(area, approving)) == Decimal(530)
    figures = result.participation
    assert (figures.answered_flats, figures.answered_heads) == (10, 10)
    assert figures.answered_area == Decimal("770.00")
    (decision,) = result.decisions
    assert decision.tally.approving_area == Decimal("530.00")
    assert (decision.tally.approving_flats, decision.tally.rejecting_flats) == (7, 2)
    assert decision.outcome.quorum_met and decision.outcome.passed  # ≥ 2/3 and > 1/2 each
    assert (sources.chat, sources.paper, sources.proxy) == (6, 3, 1)
    assert (sources.rejected, sources.conflicts, sources.waiting_review) == (1, 1, 0)

    await entering.send(f"/tally {number}")
    assert "线上 6 张，纸质 3 张，委托 1 张" in (await entering.shown("计入的选票：线上"))["text"]
    assert "已结束" in await confirmed(entering, f"/close {number}")
    await entering.send(f"/publish {number}")
    assert "/conflicts" in (await entering.shown("有住户提交了两张选票"))["text"]
    await entering.send(f"/conflicts {number}")
    first = await entering.shown("先提交：已计入")
    assert "线上" in first["text"]
    await entering.press("保留这张选票", message_id=first["message_id"])
    await entering.shown("为什么保留")
    await entering.send("业主本人线上投票为准")
    assert "业主本人线上投票为准" in (await entering.shown("已保留选票"))["text"]
    assert "已公示" in await confirmed(entering, f"/publish {number}")
    async with sessions() as session:
        survey = await session.get_one(Survey, number)
        kept = await tally_survey(session, survey)
    assert kept.participation == figures  # the chat ballot of 101 was the one counted

    await entering.send(f"/export {number}")
    document = await entering.shown("选票、结果和作答记录")
    workbook = load_workbook(BytesIO(await client.file(document["document"]["file_id"])))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    by_room = {row[header.index("房号 Room")]: dict(zip(header, row, strict=True)) for row in rows}
    paper = by_room["401"]
    assert (paper["来源 Source"], paper["录入人 Entered by"]) == ("纸质 Paper", "张委员")
    assert paper["复核人 Confirmed by"] == "王委员" and paper["纸质选票照片 Photo file id"]
    assert (by_room["101"]["来源 Source"], by_room["101"]["录入人 Entered by"]) == (
        "聊天 Chat",
        None,
    )
    assert (by_room["601"]["来源 Source"], by_room["601"]["委托人 Proxy of"]) == (
        "委托 Proxy",
        "业主601",
    )
    assert by_room["501"]["来源 Source"] is None  # the rejected sheet counts nowhere


async def test_the_not_voted_sheets_open_the_flat_s_paper_ballot_when_scanned(
    linli: Linli, client: SandboxClient, sessions: Sessions, codes: Codes, tmp_path: Path
) -> None:
    unit = await paper_unit(client, sessions)
    member = unit.members[0]
    (owner,) = await link_owners(client, sessions, unit, ["101"])
    number = await open_vote(sessions, BUILDING, UNIT, compound=COMPOUND)
    (question,) = await at_the_question([owner])
    await owner.press(LABELS["approve"], message_id=question)
    await owner.shown("已记录")

    await member.send(f"/ballots {number} 未投票")
    document = await member.shown("张纸质表决票")
    sheets = tmp_path / "ballots.pdf"
    sheets.write_bytes(await client.file(document["document"]["file_id"]))
    pages = pdf_pages(sheets)
    # 101 voted: the other 11 flats, by floor then room.
    assert [text.split("房屋：")[1].split()[2] for _, text in pages] == [
        f"{room}室" for room in ROOMS[1:]
    ]
    (link,) = pages[0][0]
    await member.scan(link)
    assert "9栋 1单元 102室 的纸质选票" in (await member.shown("纸质选票"))["text"]
    await member.shown("问题 1/1")
    await owner.scan(link)  # an owner scanning a sheet is told it is the committee's
    await owner.shown("只有本小区的委员会成员")
