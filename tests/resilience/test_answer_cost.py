"""What one answer costs: SQL statements and Bot API calls, counted on a bot of its own that
handles only the press (the shared bot's outbox dispatcher sends what it queued)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram.types import Update
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Linli
from bot.delivery import deliver
from storage.models import OutboxMessage
from tests.bot.conftest import Codes, bot_settings, settle
from tests.bot.surveying import VOTE, answer_events, at_the_question, open_vote, owners
from tests.resilience.conftest import Webhook

# The budget for one answer: the update's id, the resident with their conversation state,
# the ballot with its survey and who may answer, its answers, the answer, its choice, its
# audit event, and the reply; and two Bot API calls: the press's answer and one edit. The
# answer that completes a ballot also marks it submitted, and the receipt follows.
MOST_STATEMENTS = 8
TWO_QUESTIONS = (
    VOTE
    + """  - id: lift
    type: agree
    rule: civil_code_ordinary
    text: 是否同意加装电梯？
"""
)


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_an_answer_costs_at_most_eight_statements_and_two_calls(
    webhook: Webhook, database_url: str, codes: Codes
) -> None:
    client = webhook.client
    owner, other = await owners(client, codes, ["2栋/1单元/101", "2栋/1单元/102"])
    await settle(owner)
    await open_vote(webhook.linli.sessions, "2栋", definition=TWO_QUESTIONS)
    [question, _] = await at_the_question([owner, other], total=2)
    await webhook.hold()
    await owner.press("同意", question)
    [press] = await webhook.pending()
    async with webhook.linli.sessions() as session:
        before = await session.scalar(select(func.max(OutboxMessage.id)))

    counting = await Linli.start(bot_settings(database_url, str(client.base_url)))
    calls: list[str] = []

    async def tally_calls(make_request: Any, bot: Any, method: Any) -> Any:
        calls.append(type(method).__name__)
        return await make_request(bot, method)

    counting.bot.session.middleware(tally_calls)
    try:
        with counted(counting.engine) as statements:
            await deliver(counting.bot, counting.dispatcher, Update.model_validate(press))
    finally:
        await counting.close()

    assert list((await answer_events(webhook.linli.sessions)).values()) == [["approve"]]
    assert len(statements) <= MOST_STATEMENTS, "\n".join(s[:150] for s in statements)
    async with webhook.linli.sessions() as session:
        replies = (
            await session.scalars(
                select(OutboxMessage.method).where(
                    OutboxMessage.chat_id == owner.id, OutboxMessage.id > before
                )
            )
        ).all()
    assert calls == ["AnswerCallbackQuery"]
    assert replies == ["edit"]  # the question turns into the next one
    assert question == (await owner.shown("✓ 问题 1：同意"))["message_id"]
