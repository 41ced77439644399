"""The two sweeps the scheduler runs, called directly with a chosen `now`: reminders of
unpaid pledges (once per pledge and period, until paid in full) and the committee's alert
for a complaint not acknowledged in time (once per complaint and deadline)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Linli
from bot.sandbox import Resident, SandboxClient
from handlers.complaints.notices import alert_overdue_complaints
from handlers.drives.notices import remind_unpaid_pledges
from storage.committee import compound_named
from storage.complaints.queries import start_draft, submit
from storage.drives.models import Drive, PayMethod, PledgeKind
from storage.drives.queries import (
    DriveTerms,
    PledgeTerms,
    create_drive,
    flat_share,
    open_drive,
    pledge,
    record_payment,
)
from storage.models import Broadcast, OutboxMessage, utcnow
from storage.models import Resident as ResidentRow
from storage.residents import flat_named
from storage.surveys.queries import scope_named
from surveys.complaints.rules import Category, ComplaintLimits
from surveys.drives.cost_sharing import Plan
from tests.bot.conftest import COMPOUND, Codes, settle
from tests.bot.records.conftest import join, text_of

Sessions = async_sessionmaker[AsyncSession]


async def _resident_row(session: AsyncSession, resident: Resident) -> ResidentRow:
    row = await session.scalar(select(ResidentRow).where(ResidentRow.telegram_id == resident.id))
    assert row is not None
    return row


async def _reminders(sessions: Sessions, owner: Resident) -> list[str]:
    async with sessions() as session:
        texts = await session.scalars(
            select(OutboxMessage.text)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .where(Broadcast.kind == "pledge_reminder", OutboxMessage.chat_id == owner.id)
            .order_by(OutboxMessage.id)
        )
        return list(texts)


async def _outbox(sessions: Sessions, prefix: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count()).where(OutboxMessage.key.startswith(prefix)))
            or 0
        )


async def test_unpaid_pledges_are_reminded_once_per_period(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions
) -> None:
    owner = await join(client, codes, "二楼", "1栋/1单元/201")
    await settle(owner)
    async with sessions() as session, session.begin():
        compound = await compound_named(session, COMPOUND)
        compound.quiet_hours = "off"  # the chosen `now` may fall in the night
        scope = await scope_named(session, compound.id, "1栋", "1单元")
        terms = DriveTerms("外墙修缮", 600_000, 0, Plan.EQUAL, reminder_days=7)
        drive = await create_drive(session, compound.id, scope, terms)
        await open_drive(session, drive)
        resident = await _resident_row(session, owner)
        found = await flat_share(
            session,
            resident,
            drive.id,
            (await flat_named(session, compound.id, "1栋/1单元/201")).id,
        )
        made = await pledge(
            session, found, resident, PledgeTerms(PledgeKind.MONEY, 100_000, PayMethod.DIRECT)
        )
        pledged_at, drive_id, pledge_id = made.created_at, drive.id, made.id

    async def sweep(days: float) -> int:
        async with sessions() as session, session.begin():
            return await remind_unpaid_pledges(
                session, pledged_at + timedelta(days=days), linli.i18n, linli.settings.tz
            )

    assert await sweep(6.9) == 0
    assert await sweep(7.1) == 1
    assert await sweep(10) == 0  # the same period
    # Due at the chosen `now` (a week ahead), so read from the outbox rather than the chat.
    assert (
        "Reminder for “外墙修缮”: you pledged ¥1,000.00; ¥0.00 has been received"
        in (await _reminders(sessions, owner))[0]
    )
    async with sessions() as session, session.begin():
        drive = await session.get(Drive, drive_id)
        assert drive is not None
        flat = await flat_named(session, drive.compound_id, "1栋/1单元/201")
        await record_payment(session, drive, flat, 40_000, by=None)
    assert await sweep(14.5) == 1
    assert "¥400.00 has been received" in (await _reminders(sessions, owner))[1]
    async with sessions() as session, session.begin():
        drive = await session.get(Drive, drive_id)
        assert drive is not None
        await record_payment(session, drive, flat, 60_000, by=None)
    assert await sweep(21.5) == 0  # paid in full
    async with sessions() as session:
        keys = await session.scalars(
            select(Broadcast.key).where(Broadcast.kind == "pledge_reminder").order_by(Broadcast.id)
        )
        assert list(keys) == [f"pledge-reminder:{pledge_id}:1", f"pledge-reminder:{pledge_id}:2"]


async def test_an_unacknowledged_complaint_alerts_the_committee_once(
    linli: Linli, client: SandboxClient, codes: Codes, sessions: Sessions, committee: Resident
) -> None:
    reporter = await join(client, codes, "王阿姨", "1栋/1单元/201")
    await settle(reporter)
    limits = ComplaintLimits(acknowledge_hours=48)
    filed_at = utcnow()
    async with sessions() as session, session.begin():
        resident = await _resident_row(session, reporter)
        draft = await start_draft(session, resident, limits, filed_at)
        draft.category, draft.description = Category.DELAY, "工期延误两个月"
        await submit(session, draft, resident, limits, filed_at)
        number = draft.id

    async def sweep(hours: float) -> int:
        async with sessions() as session, session.begin():
            return await alert_overdue_complaints(
                session, filed_at + timedelta(hours=hours), linli.i18n, linli.settings.tz
            )

    assert await sweep(47) == 0
    assert await sweep(49) == 1  # one committee member
    assert await sweep(60) == 0
    alert = await text_of(committee)
    assert f"Complaint #{number} has not been acknowledged in time:" in alert
    assert "[submitted] delay — 1栋 1单元 — 工期延误两个月" in alert
    assert await _outbox(sessions, f"complaint-overdue:{number}:") == 1
