"""A complaint's whole life over the sandbox: filed in the guided chat with photos, every state
the committee sets with its note reaching the reporter, assignment, photos re-sent, a rating,
a reopening (and one too late); and the limits and refusals, each saying why."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli, build_i18n
from bot.sandbox import Resident, SandboxClient
from handlers.complaints.committee import list_filters
from storage.complaints.models import Complaint, ComplaintEvent
from storage.models import Building
from surveys.complaints.rules import Category, State
from tests.bot.conftest import Codes, settle
from tests.bot.records.conftest import alert_of, join, outside_member, text_of

Sessions = async_sessionmaker[AsyncSession]


def photo(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "JPEG")
    return buffer.getvalue()


async def _file(reporter: Resident) -> tuple[int, list[str]]:
    """File a noise complaint with two photos; return its number and the photos' file ids."""
    await reporter.send("/complaint")
    assert "What is the complaint about?" in await text_of(reporter)
    await reporter.press("noise")
    assert "at most 60 characters" in (await reporter.shown("Category: noise"))["text"]
    await reporter.send("电钻" * 31)
    assert "Please keep it to at most 60 characters." in await text_of(reporter)
    await reporter.send("夜里十一点还在电钻施工")
    assert "at most 2" in await text_of(reporter)
    file_ids = []
    for colour in ("red", "blue"):
        sent = await reporter.client.send_photo(reporter.id, photo(colour))
        file_ids.append(sent["message"]["photo"][-1]["file_id"])
        assert "received" in await text_of(reporter)
    await reporter.send_photo(photo("green"))
    assert "A complaint can have at most 2 photos." in await text_of(reporter)
    await reporter.press("Done")
    assert "Photos: 2" in (await reporter.shown("Where is the problem?"))["text"]
    await reporter.press("1栋 1单元")
    await reporter.shown("Other residents never do")
    await reporter.press("Keep my name within the committee")
    summary = (await reporter.shown("Please check your complaint:"))["text"]
    assert "Category: noise" in summary and "Photos: 2" in summary
    assert (
        "Your name: seen by the committee only, never by other residents; the committee "
        "keeps it to itself." in summary
    )
    await reporter.press("Send")
    filed = (await reporter.shown("Its tracking number is #"))["text"]
    assert "夜里十一点还在电钻施工" in filed  # what was sent stays in the chat
    return int(filed.split("#")[1].split(";")[0]), file_ids


async def _set_state(committee: Resident, reporter: Resident, case: int, state: str) -> str:
    """Press the state on the /case message, type the note; return what the reporter got."""
    await committee.press(state, message_id=case)
    assert f"with “{state}”" in await text_of(committee)
    await committee.send(f"备注：{state}")
    assert f"is now: {state}. The reporter will be told." in await text_of(committee)
    told = await text_of(reporter)
    assert f"is now: {state}." in told and f"Note from the committee: 备注：{state}" in told
    return told


async def test_a_complaint_from_filing_to_closing(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    number, file_ids = await _file(reporter)
    new = await text_of(committee)
    assert f"New complaint #{number}:" in new and "[submitted] noise — 1栋 1单元" in new

    await reporter.send("/complaint")  # the daily limit is 1 here
    assert "at most 1 complaints in 24 hours" in await text_of(reporter)

    await committee.send("/complaints submitted noise 1栋")
    assert f"#{number} [submitted]" in await text_of(committee)
    await committee.send("/complaints 已提交 噪音 1栋")  # the words of the Chinese chat
    assert f"#{number} [submitted]" in await text_of(committee)
    await committee.send("/complaints 2栋")
    assert "No complaints match." in await text_of(committee)
    await committee.send(f"/case {number}")
    view = await committee.next_message()
    assert (
        "(asks that the name stay within the committee)" in view["text"]
        and "Photos: 2" in view["text"]
    )
    await committee.press("Show the photos", message_id=view["message_id"])
    resent = [(await committee.next_message())["photo"]["file_id"] for _ in file_ids]
    assert resent == file_ids
    assigned = await committee.press("Assign to 李主任", message_id=view["message_id"])
    assert await alert_of(committee, assigned) == "Assigned."
    assert f"Assigned to: {committee.id}" in (await committee.shown("Assigned to:"))["text"]

    for state in ("acknowledged", "in progress", "action scheduled"):
        await _set_state(committee, reporter, view["message_id"], state)
    resolved = await _set_state(committee, reporter, view["message_id"], "resolved")
    assert "Tap 1 (poor) to 5" in resolved
    rated = await reporter.press("4")
    assert "rating of complaint" in await alert_of(reporter, rated)
    reopened = await reporter.press("Reopen")
    assert "is reopened" in await alert_of(reporter, reopened)
    assert "was reopened by its reporter" in await text_of(committee)
    for state in ("no further action", "duplicate", "closed"):
        await _set_state(committee, reporter, view["message_id"], state)

    # Reopening is allowed for 14 days after the close.
    await settle(reporter)
    async with sessions() as session, session.begin():
        closed = await session.get(Complaint, number)
        assert closed is not None and closed.finished_at is not None
        closed.finished_at -= timedelta(days=15)
    late = await reporter.press("Reopen")
    assert "can no longer be reopened" in await alert_of(reporter, late)

    async with sessions() as session:
        complaint = await session.get(Complaint, number)
        assert complaint is not None
        assert (complaint.state, complaint.rating, complaint.assignee_id) == (
            "closed",
            4,
            committee.id,
        )
        events = (await session.scalars(select(ComplaintEvent.state))).all()
    assert len(events) == 1 + 1 + 4 + 1 + 1 + 3  # filed, assigned, 4 states, rated, reopened, 3

    await committee.send("/complaints_export")
    document = (await committee.next_message())["document"]
    assert document["file_name"] == "complaints.xlsx"


async def test_complaint_commands_refuse_outsiders_and_tampering(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    neighbour = await join(client, codes, "邻居", "1栋/1单元/202")
    stranger = await outside_member(client, sessions)
    number, _ = await _file(reporter)
    await committee.next_message()
    for person in (neighbour, stranger):
        await person.send(f"/case {number}")
        assert "Only the compound's committee members can do this." in await text_of(person)
    await neighbour.send("/complaints")
    assert "Only the compound's committee members" in await text_of(neighbour)
    await stranger.send("/complaints")
    assert "No complaints match." in await text_of(stranger)  # their own compound has none
    last = (await stranger.messages())[-1]["message_id"]
    forged = await stranger.forge_press(last, f"cm:{number}:state:closed")
    assert "Only the compound's committee members" in await alert_of(stranger, forged)
    last = (await neighbour.messages())[-1]["message_id"]
    for payload in (f"cr:{number}:0", f"cs:{number}:send:"):
        forged = await neighbour.forge_press(last, payload)
        assert "not one of yours" in await alert_of(neighbour, forged)
    await settle(neighbour)
    async with sessions() as session:
        complaint = await session.get(Complaint, number)
        assert complaint is not None and complaint.state == "submitted"
    unlinked = await client.resident("路人")
    await unlinked.send("/complaint")
    assert "not linked to a flat" in await text_of(unlinked)


async def _begin(reporter: Resident, category: str) -> dict[str, Any]:
    """Start a complaint and choose its category; return the message asking for the text."""
    await reporter.send("/complaint")
    assert "What is the complaint about?" in await text_of(reporter)
    await reporter.press(category)
    return await reporter.shown("Describe the problem")


def _draft_id(prompt: dict[str, Any]) -> int:
    """The draft's number, from the 「取消」 button of a step's message."""
    (cancel,) = prompt["reply_markup"]["inline_keyboard"][-1]
    return int(cancel["callback_data"].split(":")[1])


async def test_a_step_button_counts_only_at_its_step(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    """Issue 10 item 7: "Send" forged right after the category filed a complaint with no
    description, photos, place or anonymity choice."""
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    prompt = await _begin(reporter, "noise")
    number = _draft_id(prompt)
    for payload in ("send:", "anon:1", "loc:common", "done:", "cat:delay"):
        forged = await reporter.forge_press(prompt["message_id"], f"cs:{number}:{payload}")
        assert "not for the step your complaint is at" in await alert_of(reporter, forged)
    forged = await reporter.forge_press(prompt["message_id"], f"cs:{number}:bogus:")
    assert "not for the step" in await alert_of(reporter, forged)
    # The refusals left the flow where it was: the description is still awaited.
    await reporter.send("楼道里堆满了建筑垃圾")
    assert "Send one or more photos" in await text_of(reporter)
    async with sessions() as session:
        draft = await session.get(Complaint, number)
        assert draft is not None and draft.state == "draft" and draft.category == "noise"
        assert (await session.scalars(select(ComplaintEvent))).all() == []
    assert not any("New complaint" in m.get("text", "") for m in await committee.messages())


async def test_a_complaint_is_cancelled_at_any_step(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    await reporter.send("/complaint")
    await reporter.press("Cancel")  # at the category
    await reporter.shown("Your complaint is cancelled; nothing was sent.")
    await _begin(reporter, "delay")
    await reporter.send("工期延误两个月")
    assert "Send one or more photos" in await text_of(reporter)
    await reporter.send_photo(photo("red"))
    assert "Photo 1 received" in await text_of(reporter)
    await reporter.press("Cancel")  # at the photos
    await reporter.shown("Your complaint is cancelled; nothing was sent.")
    await reporter.send("工期延误两个月")  # no step awaits it any more
    assert "I did not understand" in await text_of(reporter)
    await _begin(reporter, "other")
    await reporter.send("/cancel")
    assert "Your complaint is cancelled; nothing was sent." in await text_of(reporter)
    await _begin(reporter, "noise")
    await reporter.send("夜间施工")
    await text_of(reporter)
    await reporter.press("Done")
    await reporter.press("Another building or unit")
    which = await reporter.shown("Which building?")
    await reporter.press("Cancel", message_id=which["message_id"])  # while choosing the place
    cancelled = await reporter.edited(which)
    assert cancelled["text"] == "Your complaint is cancelled; nothing was sent."
    await reporter.send("/cancel")
    assert "Cancelled." in await text_of(reporter)
    await settle(reporter)
    async with sessions() as session:
        assert (await session.scalars(select(Complaint))).all() == []
    await reporter.send("/complaint")  # cancelled drafts do not count towards the daily limit
    assert "What is the complaint about?" in await text_of(reporter)


async def test_a_captioned_photo_is_a_photo_never_a_command(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    """Issue 10 item 8: aiogram's Command filter reads captions too."""
    await settle(committee)
    await committee.send_photo(photo("red"), caption="/complaints_export")
    assert "I only take photos while you write a complaint" in await text_of(committee)
    await settle(committee)
    assert not any("document" in message for message in await committee.messages())

    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    await _begin(reporter, "noise")
    await reporter.send("夜里十一点还在电钻施工")
    assert "Send one or more photos" in await text_of(reporter)
    await reporter.send_photo(photo("red"), caption="/complaint")  # not a fresh start
    assert "Photo 1 received" in await text_of(reporter)
    await reporter.press("Done")
    await reporter.shown("Where is the problem?")
    async with sessions() as session:
        (draft,) = (await session.scalars(select(Complaint))).all()
        assert draft.description == "夜里十一点还在电钻施工"


def test_filters_take_the_words_the_chat_shows() -> None:
    i18n = build_i18n("zh_CN")
    with i18n.context():
        chosen = list_filters("处理中 noise 3栋", i18n)
    assert chosen == {
        "state": State.IN_PROGRESS,
        "category": Category.NOISE,
        "buildings": {"3栋", "3"},
    }


async def test_a_complaint_is_placed_in_any_building_or_unit_of_the_compound(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    await outside_member(client, sessions)  # another compound, with its own 2栋
    prompt = await _begin(reporter, "unsafe work")
    number = _draft_id(prompt)
    await reporter.send("脚手架没有防护网")
    await text_of(reporter)
    await reporter.press("Done")
    place = await reporter.shown("Where is the problem?")
    await reporter.press("Another building or unit")
    await reporter.edited(place)
    which = await reporter.shown("Which building?")
    labels = [row[0]["text"] for row in which["reply_markup"]["inline_keyboard"]]
    assert labels == ["1栋", "2栋", "Cancel"]  # this compound's buildings only
    async with sessions() as session:
        elsewhere = await session.scalar(
            select(Building.id).where(
                Building.compound_id != (await session.get(Complaint, number)).compound_id
            )
        )
    forged = await reporter.forge_press(which["message_id"], f"cs:{number}:bld:{elsewhere}")
    assert "no longer valid" in await alert_of(reporter, forged)
    await reporter.press("2栋")
    units = await reporter.shown("Where in 2栋?")
    assert [row[0]["text"] for row in units["reply_markup"]["inline_keyboard"]] == [
        "The whole building",
        "1单元",
        "2单元",
        "Cancel",
    ]
    await reporter.press("2单元")
    assert "Where: 2栋 2单元" in (await reporter.shown("Who sees your name"))["text"]
    await reporter.press("The committee may give my name")
    summary = (await reporter.shown("Please check your complaint:"))["text"]
    assert "Where: 2栋 2单元" in summary
    assert "the committee may give it when it takes the complaint up" in summary
    await reporter.press("Send")
    await reporter.shown("Its tracking number is #")
    assert "— 2栋 2单元 —" in await text_of(committee)
    async with sessions() as session:
        filed = await session.get(Complaint, number)
        assert filed is not None and filed.anonymous is False
        building = await session.get(Building, filed.building_id)
        assert building is not None and building.name == "2栋"
