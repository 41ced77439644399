"""Telegram counts UTF-16 code units: 2,100 × 📢 is 4,200 of them, over a message's 4,096,
though Python counts 2,100 characters. Such a notice is refused when written, and one already
stored is queued as failed, with the reason, without stopping anything else: not the other
rows, not another compound's announcement in the same sweep."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import build_i18n
from handlers.announcements.drafting import send_due_announcements
from storage.announcements.drafts import MAX_TEXT, checked_text
from storage.committee import compound_named
from storage.joining.register import import_register
from storage.models import (
    Household,
    OutboxMessage,
    OutboxState,
    utcnow,
)
from storage.schedule_models import Announcement, AnnouncementStatus
from surveys.joining.register import RegisterFlat
from tests.outbox.conftest import Sessions, link_owner

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOUD = "📢" * 2100  # 2,100 characters, 4,200 UTF-16 code units


def test_an_announcement_is_measured_as_telegram_measures_it() -> None:
    with pytest.raises(ValueError, match="UTF-16"):
        checked_text(LOUD)
    assert checked_text("📢" * (MAX_TEXT // 2)) == "📢" * (MAX_TEXT // 2)


async def _compound_with_resident(sessions: Sessions, name: str, telegram_id: int) -> int:
    async with sessions() as session, session.begin():
        flat = RegisterFlat("1栋", "1单元", 1, "101", Decimal("60.00"), None, False)
        await import_register(session, name, [flat])
        compound = await compound_named(session, name)
        household = await session.scalar(
            select(Household.id).where(Household.compound_id == compound.id)
        )
        assert household is not None
        await link_owner(session, telegram_id, household)
        return compound.id


async def test_an_overlong_announcement_fails_alone_in_its_sweep(sessions: Sessions) -> None:
    now = utcnow()
    loud = await _compound_with_resident(sessions, "幸福里", 501)
    quiet = await _compound_with_resident(sessions, "安居苑", 502)
    async with sessions() as session, session.begin():
        for compound_id, text in ((loud, LOUD), (quiet, "明天上午停水")):
            # Stored as the older, Python-counting check let it through.
            session.add(
                Announcement(
                    compound_id=compound_id,
                    text=text,
                    send_at=now,
                    status=AnnouncementStatus.SCHEDULED,
                )
            )
    async with sessions() as session, session.begin():
        assert await send_due_announcements(session, now, build_i18n("zh_CN"), SHANGHAI) == 2
    async with sessions() as session:
        statuses = set(await session.scalars(select(Announcement.status)))
        rows = {row.chat_id: row for row in await session.scalars(select(OutboxMessage))}
    assert statuses == {AnnouncementStatus.QUEUED}  # the sweep went through, nothing rolled back
    assert rows[501].state is OutboxState.FAILED and "4096" in (rows[501].last_error or "")
    assert rows[502].state is OutboxState.PENDING
