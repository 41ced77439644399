"""Prometheus metrics, served at /metrics by a server of their own (bot.webhook).

Counters live in the process (one set per worker; Prometheus adds them up across workers).
The outbox depth is read from the database at each scrape, so every worker reports the same
shared queue."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.outbox.queue import waiting_rows

UPDATES = Counter(
    "linli_updates_total",
    "Updates handed to the bot, by outcome: handled, failed (a bug: logged, the person told), "
    "retry (transient: Telegram delivers it again).",
    ["outcome"],
)
UPDATE_SECONDS = Histogram(
    "linli_update_seconds",
    "Time to handle one update, its database commit included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SENDS = Counter(
    "linli_outbox_sends_total",
    "Outbox messages by recorded outcome: sent, unreachable (blocked the bot), failed, "
    "retry_later (5xx or timeout).",
    ["outcome"],
)
RETRY_AFTER = Counter("linli_telegram_429_total", "429 answers from Telegram (flood control).")
FLOOD_REFUSED = Counter(
    "linli_flood_refused_total", "Updates refused because their sender exceeded the flood limit."
)
OUTBOX_DEPTH = Gauge("linli_outbox_depth", "Outbox messages waiting or being sent.")


async def exposition(sessions: async_sessionmaker[AsyncSession]) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    async with sessions() as session:
        OUTBOX_DEPTH.set(await waiting_rows(session))
    return generate_latest(), CONTENT_TYPE_LATEST
