"""Who may do what: a plain resident, a committee member of another compound and 幸福里's own
committee, against every committee command and button. Only the compound's committee gets
through; the others are told why and change nothing. A new command is one row of COMMANDS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.sandbox import Resident
from storage.models import Membership, MembershipStatus
from storage.models import Resident as ResidentRow
from storage.surveys.models import Survey, SurveyStatus
from tests.security.conftest import NOT_COMMITTEE, Sessions, World, replies, snapshot


@dataclass(frozen=True)
class Row:
    command: str  # may name {survey}, {drive} or {compound}: 幸福里's
    shows: str | None = None  # in the committee's reply; never in an outsider's
    committee: bool = True  # False: nothing of 幸福里's exists for it, so no success to check
    confirm: str | None = None  # the button the committee then taps to confirm
    everyone: bool = False  # residents get an answer of their own, never the committee's


COMMANDS = [
    Row("/pending", shows="王大爷"),
    Row("/flat 1栋/2单元/101", shows="王大爷"),
    Row("/unlink 1栋/2单元/101", shows="王大爷"),
    Row("/surveys", shows="#{survey} ", everyone=True),
    Row("/tally {survey}"),
    Row("/export {survey}", shows=".xlsx"),
    Row("/deliveries {survey}"),
    Row("/deliveries"),
    Row("/announce"),
    Row("/cancel_announcement 1", committee=False),
    Row("/complaints"),
    Row("/case 1", committee=False),
    Row("/complaints_export"),
    Row("/unpaid {drive}"),
    Row("/paid {drive} 1栋/1单元/101 100"),
    Row("/ledger {drive}"),
    Row("/paper {survey} 2栋/1单元/102 反对", shows="已登记"),
    Row("/ballots {survey}", shows=".pdf"),
    Row("/review {survey}"),
    Row("/conflicts {survey}"),
    Row("/extend {survey} 7", shows="延长至"),
    Row("/close {survey}", confirm="确认结束"),
    Row("/reopen {survey}", shows="重新开放"),
    Row("/close {survey}", confirm="确认结束"),
    Row("/publish {survey}", confirm="确认公示"),
]
# A claim, and an owner linked by a plain flat code whose ownership waits for confirmation.
BUTTONS = [
    "cd:{claim}:1",
    "cd:{claim}:0",
    "cd:{owner}:1",
    "cd:{owner}:0",
    "ap:{compound}:0:0:1",
    "ul:{owner}",
    "sx:{survey}:close",
    "sx:{survey}:publish",
]
RESIDENT_COMMANDS = {
    "start",
    "me",
    "lang",
    "help",
    "complaint",
    "cancel",
    "drives",
    "results",
    "web",
    "proxy",
}


def test_every_committee_command_has_a_row() -> None:
    """Re-scanned from the handlers, so that a command added without a row fails here."""
    handlers = Path(__file__).parents[2] / "handlers"
    registered = {
        name
        for source in handlers.rglob("*.py")
        for name in re.findall(r'Command\("(\w+)"\)', source.read_text())
    }
    covered = {row.command.split()[0].lstrip("/") for row in COMMANDS}
    assert registered - RESIDENT_COMMANDS == covered


async def _membership_of(sessions: Sessions, resident: Resident) -> int:
    async with sessions() as session:
        found = await session.scalar(
            select(Membership.id).join(ResidentRow).where(ResidentRow.telegram_id == resident.id)
        )
    assert found is not None
    return found


async def test_only_the_compounds_committee_may(world: World, sessions: Sessions) -> None:
    names = {
        "survey": world.survey_id,
        "drive": world.drive_id,
        "compound": world.compound_id,
        "claim": world.claim_id,
        "owner": await _membership_of(sessions, world.resident),
    }
    for row in COMMANDS:
        command = row.command.format(**names)
        for actor in (world.resident, world.outsider):
            before = await snapshot(sessions)
            shown = await replies(actor, command)
            if (actor is world.resident or "{" in row.command) and not row.everyone:
                assert any(NOT_COMMITTEE in t for t in shown), (actor, command, shown)
            elif row.shows is not None:  # their own compound's, not 幸福里's
                assert not any(row.shows.format(**names) in t for t in shown), (command, shown)
            assert await snapshot(sessions) == before, f"{actor} changed something: {command}"
        if row.committee:
            shown = await replies(world.committee, command)
            assert shown and not any(NOT_COMMITTEE in t for t in shown), (command, shown)
            if row.shows is not None:
                assert any(row.shows.format(**names) in t for t in shown), (command, shown)
            if row.confirm is not None:
                await world.committee.press(row.confirm)
                await replies(world.committee, None)  # committed
    async with sessions() as session:
        survey = await session.get(Survey, world.survey_id)
        assert survey is not None and survey.status is SurveyStatus.PUBLISHED

    for payload in BUTTONS:
        data = payload.format(**names)
        for actor in (world.resident, world.outsider):
            before = await snapshot(sessions)
            anywhere = (await actor.messages())[-1]["message_id"]
            answer = await actor.callback_answer(await actor.forge_press(anywhere, data))
            assert "委员会成员" in str(answer["text"]), (actor, data, answer)
            await replies(actor, "/me")  # committed
            assert await snapshot(sessions) == before, f"{actor} changed something: {data}"
    press = await world.committee.press("通过")
    assert (await world.committee.callback_answer(press))["text"] == "已通过。"
    await replies(world.committee, "/me")
    async with sessions() as session:
        claim = await session.scalar(select(Membership).where(Membership.id == world.claim_id))
        assert claim is not None and claim.status is MembershipStatus.ACTIVE
