"""`linli run` killed with SIGKILL in the middle of a burst of vote answers: no answer Telegram
considers delivered is lost, none is counted twice, and the restarted bot handles the rest."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Sandbox, SandboxClient
from tests.bot.conftest import Codes, bot_settings
from tests.bot.processes import (
    FAST_OUTBOX,
    bot_environment,
    bot_process,
    kill,
    until_faulted,
    until_polling,
)
from tests.bot.surveying import (
    LABELS,
    answer_events,
    apologised_to,
    at_the_question,
    ballots,
    current_answers,
    open_vote,
    owners,
)

Sessions = async_sessionmaker[AsyncSession]


async def test_sigkill_mid_burst_of_answers_loses_no_confirmed_answer(
    database_url: str,
    sandbox: Sandbox,
    client: SandboxClient,
    codes: Codes,
    sessions: Sessions,
    tmp_path: Path,
) -> None:
    assert sandbox.url is not None
    environment = bot_environment(database_url, sandbox.url)
    flats = sorted(codes.flats)[:12]
    choices = ["approve", "reject", "abstain"]
    async with bot_process(environment, tmp_path / "bot.log") as bot:
        await until_polling(client)
        residents = await owners(client, codes, flats)
        await open_vote(sessions)
        questions = await at_the_question(residents)
        chosen = {r.id: choices[n % 3] for n, r in enumerate(residents)}
        presses = {}

        async def press(index: int) -> str:
            resident = residents[index]
            label = LABELS[chosen[resident.id]]
            presses[resident.id] = await resident.press(label, message_id=questions[index])
            return presses[resident.id]

        # The first half answer one after another, each batch confirmed by the next poll...
        for index in range(5):
            await residents[index].callback_answer(await press(index))
        # ...but the poll after the sixth hangs: its batch is committed, not confirmed. (Once
        # all is confirmed, the bot is in the long poll that will return the sixth.)
        await client.settled()
        await client.add_fault("hang", method="getUpdates", delay=30)
        await residents[5].callback_answer(await press(5))
        await until_faulted(client, 1)
        for index in range(6, len(residents)):  # the rest arrive while the bot hangs
            await press(index)
        await kill(bot)

    listing = await client.updates()
    by_id = {u["update_id"]: u["update"] for u in listing["updates"]}
    confirmed = [
        by_id[i]["callback_query"] for i in listing["confirmed_ids"] if "callback_query" in by_id[i]
    ]
    confirmed_answers = {q["data"] for q in confirmed if q["data"].startswith("ans:")}
    assert len(confirmed_answers) == 5, "the kill did not land mid-burst"
    recorded = await current_answers(sessions)
    for data in confirmed_answers:  # ans:<ballot>:<question>:<choice>
        _, ballot_id, _, choice = data.split(":")
        assert recorded.get(int(ballot_id)) == choice, f"confirmed answer {data} was lost"

    # Restarted in this process: as good as a new one here, and it spares a second start-up.
    linli = await Linli.start(bot_settings(database_url, sandbox.url))
    async with linli.polling(FAST_OUTBOX):
        await client.settled(timeout=30)
        for resident in residents:  # every press is answered, the redelivered one too
            await resident.callback_answer(presses[resident.id], timeout=0)

    by_flat = await ballots(sessions)
    assert len(by_flat) == len(residents)
    events = await answer_events(sessions)
    recorded = await current_answers(sessions)
    assert sorted(events.values()) == sorted([chosen[r.id]] for r in residents), "counted twice"
    assert {b: [v] for b, v in recorded.items()} == events
    assert await apologised_to(residents) == []
