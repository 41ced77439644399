"""An answer delivered more than once has one effect: redelivered after it was handled (a
restart), or posted to the webhook several times at once (Telegram retrying while the first
attempt still runs). tests/bot/test_delivery.py does the same for joins, and checks that the
webhook answers 401 without the secret; here a refused post also changes nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from tests.bot.conftest import Codes, settle
from tests.bot.processes import redeliver
from tests.bot.surveying import answer_events, at_the_question, current_answers, open_vote, owners
from tests.resilience.conftest import Webhook

Sessions = async_sessionmaker[AsyncSession]


async def _owner_at_the_question(
    client: SandboxClient, codes: Codes, sessions: Sessions
) -> tuple[Resident, int]:
    [owner] = await owners(client, codes, ["2栋/1单元/301"])
    await settle(owner)
    await open_vote(sessions, "2栋")
    [question] = await at_the_question([owner])
    return owner, question


async def test_a_redelivered_answer_is_recorded_once(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner, question = await _owner_at_the_question(client, codes, sessions)
    press = await owner.press("反对", question)
    await owner.shown("✓ 问题 1")  # the question turns into what was recorded
    assert "已记录" in (await owner.next_message())["text"]
    await settle(owner)
    before = await owner.messages()

    [update_id] = [
        u["update_id"]
        for u in (await client.updates())["updates"]
        if u["update"].get("callback_query", {}).get("id") == press
    ]
    for _ in range(2):
        await redeliver(linli, client, update_id)

    assert list((await answer_events(sessions)).values()) == [["reject"]]
    assert await owner.messages() == before, "the bot answered the duplicate again"


async def test_an_answer_posted_to_the_webhook_many_times_at_once_counts_once(
    webhook: Webhook, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner, question = await _owner_at_the_question(client, codes, sessions)
    await webhook.hold()
    await owner.press("同意", question)
    [update] = await webhook.pending()

    for secret in (None, "wrong-secret"):
        assert await webhook.post(update, secret=secret) == 401
    assert await answer_events(sessions) == {}, "a post without the secret was handled"

    assert await webhook.post_all([update] * 5) == [200] * 5
    assert await webhook.post(update) == 200
    [ballot_id] = await current_answers(sessions)
    assert await answer_events(sessions) == {ballot_id: ["approve"]}
    assert await current_answers(sessions) == {ballot_id: "approve"}
    receipts = [m for m in await owner.messages() if "已记录" in m.get("text", "")]
    assert len(receipts) == 1, "the duplicates were answered too"
