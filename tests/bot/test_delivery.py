"""No update is lost or counted twice: redelivery, a killed process, and the webhook."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Sandbox, SandboxClient
from bot.settings import load_settings
from bot.webhook import PATH, SECRET_HEADER, serve
from storage.models import JoinCode, Membership
from storage.models import Resident as ResidentRow
from tests.bot.conftest import Codes, bot_settings, join_flat, settle
from tests.bot.processes import (
    FAST_OUTBOX,
    STARTING,
    WEBHOOK_SECRET,
    bot_environment,
    free_port,
    redeliver,
    start_bot,
    until_faulted,
    until_polling,
)

Sessions = async_sessionmaker[AsyncSession]
Json = dict[str, Any]


async def _linked(sessions: Sessions) -> dict[int, int]:
    """Telegram id → number of flats linked."""
    async with sessions() as session:
        rows = await session.execute(
            select(ResidentRow.telegram_id, Membership.id).join(Membership)
        )
        linked: dict[int, int] = {}
        for telegram_id, _ in rows:
            linked[telegram_id] = linked.get(telegram_id, 0) + 1
        return linked


async def _code_uses(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        return list(await session.scalars(select(JoinCode.uses).where(JoinCode.uses > 0)))


async def test_a_redelivered_update_has_one_effect(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    resident = await client.resident("孙奶奶")
    await join_flat(resident, codes.flats["1栋/1单元/101"])
    await settle(resident)
    before = len(await resident.messages())
    for update in (await client.updates())["updates"]:  # the scan, the role's press, /me
        await redeliver(linli, client, update["update_id"])

    assert await _linked(sessions) == {resident.id: 1}
    assert await _code_uses(sessions) == [1]
    assert len(await resident.messages()) == before, "the bot answered the duplicate again"


async def test_sigkill_mid_burst_loses_no_confirmed_join(
    database_url: str, sandbox: Sandbox, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    assert sandbox.url is not None
    environment = bot_environment(database_url, sandbox.url)
    bot = await start_bot(environment)
    flats = sorted(codes.flats)
    residents = [await client.resident(f"住户{n}") for n in range(len(flats))]
    await until_polling(client)  # the burst starts once the bot is up
    await residents[0].send("/help")
    await residents[0].next_message()

    # The first join one after another (a scan, then "业主"), each confirmed by the next poll...
    for resident, flat in zip(residents[:4], flats[:4], strict=True):
        await join_flat(resident, codes.flats[flat])
    # ...but the poll after the fifth's press hangs: it is committed, not confirmed. (Once all
    # is confirmed, the bot is in the long poll that will return the press.)
    await residents[4].scan(codes.flats[flats[4]])
    question = await residents[4].next_message()
    await client.settled()
    await client.add_fault("hang", method="getUpdates", delay=30)
    await residents[4].press("业主", message_id=question["message_id"])
    await residents[4].shown("欢迎")
    await until_faulted(client, 1)
    for resident, flat in zip(residents[5:], flats[5:], strict=True):  # while the bot hangs
        await resident.scan(codes.flats[flat])
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    confirmed = (await client.updates())["confirmed_ids"]
    assert 4 <= len(confirmed) <= len(flats), "the kill did not land mid-burst"

    async def confirmed_presses() -> list[Json]:
        listing = await client.updates()
        by_update = {u["update_id"]: u["update"] for u in listing["updates"]}
        confirmed = [by_update[i] for i in listing["confirmed_ids"]]
        return [u["callback_query"] for u in confirmed if "callback_query" in u]

    # Every join Telegram would consider delivered is in the database.
    confirmed_senders = {press["from"]["id"] for press in await confirmed_presses()}
    assert confirmed_senders, "no join was confirmed before the kill"
    assert confirmed_senders < {r.id for r in residents}, "the kill came after the burst"
    assert confirmed_senders <= (await _linked(sessions)).keys()

    bot = await start_bot(environment)
    try:
        for resident in residents[5:]:  # the restarted bot asks how they live there
            await resident.press("业主", timeout=STARTING)
        await client.settled(STARTING)
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()
    assert await _linked(sessions) == {resident.id: 1 for resident in residents}
    assert await _code_uses(sessions) == [1] * len(flats)


async def test_webhook_checks_the_secret_handles_updates_and_keeps_metrics_apart(
    database_url: str, sandbox: Sandbox, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    assert sandbox.url is not None
    port, metrics_port = free_port(), free_port()
    settings = bot_settings(database_url, sandbox.url).model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
            "metrics_port": metrics_port,
        }
    )
    linli = await Linli.start(settings)
    runner = await serve(linli)
    sending = asyncio.create_task(linli.send_outbox(FAST_OUTBOX))  # as `linli webhook` does
    try:
        resident = await client.resident("周阿姨")
        assert "2栋 2单元 201室" in await join_flat(resident, codes.flats["2栋/2单元/201"])
        await client.settled()
        assert await _linked(sessions) == {resident.id: 1}

        async with aiohttp.ClientSession() as http:
            body = {"update_id": 999999, "message": {"message_id": 1, "date": 0}}
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(
                    f"http://127.0.0.1:{port}{PATH}", json=body, headers=headers
                ) as reply:
                    assert reply.status == 401
            async with http.get(f"http://127.0.0.1:{port}/healthz") as reply:
                assert reply.status == 200
            # Whoever reaches the webhook port (the internet, behind the proxy) gets no metrics.
            async with http.get(f"http://127.0.0.1:{port}/metrics") as reply:
                assert reply.status == 404
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as reply:
                metrics = await reply.text()
            assert 'linli_updates_total{outcome="handled"}' in metrics
            assert "linli_outbox_depth 0.0" in metrics and "linli_update_seconds_bucket" in metrics
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await runner.cleanup()
        await linli.close()


def test_metrics_listen_on_the_loopback_by_default() -> None:
    settings = load_settings()
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9464)
