"""Committee commands on surveys, and the refusal for everyone else."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from storage.committee import add_member, compound_named
from storage.joining.register import import_register
from storage.surveys.queries import create_survey, open_survey, scope_named
from surveys.voting.templates import template_text
from tests.bot.conftest import COMPOUND, Codes, confirmed, small_register
from tests.bot.surveying import APOLOGY

Sessions = async_sessionmaker[AsyncSession]


async def _survey(sessions: Sessions) -> int:
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        scope = await scope_named(session, compound.id, None, None)
        survey = await create_survey(session, compound.id, template_text("willingness"), scope)
        await open_survey(session, survey)
        return survey.id


async def test_committee_lists_and_closes_surveys(
    linli: Linli, committee: Resident, sessions: Sessions, codes: Codes
) -> None:
    number = await _survey(sessions)
    await committee.send("/surveys")
    listing = (await committee.next_message())["text"]
    assert f"#{number}" in listing and "进行中" in listing and "0/24" in listing
    await committee.send("/close")
    usage = (await committee.next_message())["text"]
    assert "例如 /close 3" in usage and "发送 /surveys 查看编号" in usage
    await committee.send(f"/close {number}")
    asked = await committee.next_message()
    assert "现在结束征询" in asked["text"] and "0/24 户作答" in asked["text"]
    await committee.press("取消", message_id=asked["message_id"])
    assert "未作任何改动" in (await committee.edited(asked))["text"]
    await committee.send("/surveys")
    assert "进行中" in (await committee.next_message())["text"]
    assert f"征询 #{number} 已结束" in await confirmed(committee, f"/close {number}")
    await committee.send(f"/close {number}")
    assert "没有在进行中" in (await committee.next_message())["text"]


async def test_others_are_refused_survey_commands(
    linli: Linli, client: SandboxClient, sessions: Sessions, codes: Codes
) -> None:
    number = await _survey(sessions)
    resident = await client.resident("普通居民")
    stranger = await client.resident("外小区委员")
    async with sessions() as session, session.begin():
        await import_register(session, "另一小区", small_register())
        await add_member(session, await compound_named(session, "另一小区"), stranger.id)
    for person in (resident, stranger):
        for command in (f"/close {number}", "/surveys"):
            await person.send(command)
            reply = (await person.next_message())["text"]
            if person is stranger and command == "/surveys":
                assert "还没有征询" in reply  # their own compound has none
            elif command == "/surveys":  # a resident's own: the surveys they answer
                assert "目前没有等您作答的调查或表决。" in reply
            else:
                assert "只有本小区的委员会成员" in reply


async def test_numbers_that_are_not_are_answered_with_how_to_write_them(
    linli: Linli, client: SandboxClient, committee: Resident, sessions: Sessions, codes: Codes
) -> None:
    """Issue 10 item 5: a superscript or Arabic-Indic digit passed str.isdigit and then
    crashed int(); a number past the id columns overflowed SQLite. Each gets a sentence."""
    await _survey(sessions)
    resident = await client.resident("普通居民")
    too_large = "99999999999999999999"
    for person, command in (
        (committee, "/tally ³"),
        (committee, "/close ٣"),
        (committee, f"/export {too_large}"),
        (committee, "/publish 2147483648"),
        (committee, "/paper ² 1栋/1单元/101 反对"),
        (committee, "/unpaid ³"),
        (committee, f"/ledger {too_large}"),
        (committee, "/paid ² 1栋/1单元/101 5"),
        (resident, "/results ²"),
        (resident, f"/results {too_large}"),
    ):
        await person.send(command)
        reply = (await person.next_message())["text"]
        assert "例如" in reply and APOLOGY not in reply, (command, reply)
