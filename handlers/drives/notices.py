"""Drive notices through the outbox, in each reader's language: the opening notice (each
confirmed member of a flat in the scope gets the flat's card: share, why, progress, pledge
buttons) and the reminder sweep for unpaid money pledges."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.texts import drive_card, money
from handlers.shared.texts import flat_label
from storage.drives.ledger import drive_progress, unpaid_pledges
from storage.drives.models import Drive, DriveShare
from storage.drives.queries import FlatShare, is_open, pledge_of_flat, scope_members
from storage.models import Household
from storage.outbox.notices import queue_notice
from storage.outbox.queue import Outgoing
from storage.residents import flats_by_id


async def announce_drive(session: AsyncSession, drive: Drive, i18n: I18n, zone: ZoneInfo) -> int:
    """Queue the opening notice for every member of the scope; return how many were queued."""
    members = await scope_members(session, drive)
    flats = await flats_by_id(session, [household_id for _, household_id, _ in members])
    progress = await drive_progress(session, drive)
    messages = []
    for resident, household_id, role in members:
        share = await session.get(DriveShare, (drive.id, household_id))
        assert share is not None
        found = FlatShare(drive, share, flats[household_id], None, role)
        with i18n.context(), i18n.use_locale(resident.language or i18n.default_locale):
            text, markup = await drive_card(session, found, flat_label(found.flat), progress)
            text = _("A contribution drive has opened.") + "\n\n" + text
        messages.append(
            Outgoing(
                chat_id=resident.telegram_id,
                text=text,
                reply_markup=None if markup is None else markup.model_dump(exclude_none=True),
                key=f"drive-opened:{drive.id}:{resident.telegram_id}:{household_id}",
            )
        )
    queued = await queue_notice(
        session,
        "drive_opened",
        messages,
        compound_id=drive.compound_id,
        key=f"drive-opened:{drive.id}",
        zone=zone,
    )
    return queued.count


async def remind_unpaid_pledges(
    session: AsyncSession, now: datetime, i18n: I18n, zone: ZoneInfo
) -> int:
    """Sweep: remind each unpaid money pledge of an open drive every `reminder_days` days
    after it was first made, outside the compound's quiet hours; the broadcast's key names the
    pledge and the period, so once per period."""
    queued = 0
    for unpaid in await unpaid_pledges(session):
        days = unpaid.drive.reminder_days
        if not days or not is_open(unpaid.drive, now):
            continue
        period = (now - unpaid.pledge.created_at) // timedelta(days=days)
        if period < 1:
            continue
        with i18n.context(), i18n.use_locale(unpaid.language or i18n.default_locale):
            text = _(
                "Reminder for “{title}”: you pledged {pledged}; {paid} has been received so "
                "far. Send /drives to see or change your pledge."
            ).format(
                title=unpaid.drive.title,
                pledged=money(unpaid.pledge.amount_fen),
                paid=money(unpaid.paid_fen),
            )
        queued += (
            await queue_notice(
                session,
                "pledge_reminder",
                [Outgoing(chat_id=unpaid.telegram_id, text=text)],
                compound_id=unpaid.drive.compound_id,
                key=f"pledge-reminder:{unpaid.pledge.id}:{period}",
                zone=zone,
                at=now,
            )
        ).count
    return queued


async def tell_payment(
    session: AsyncSession,
    drive: Drive,
    flat: Household,
    amount_fen: int,
    total_fen: int,
    i18n: I18n,
    zone: ZoneInfo,
) -> int:
    """Tell whoever made the flat's pledge that the committee recorded money received for it;
    return how many were told (none when the flat has no pledge). The flat's running total
    names the payment, so each is told once."""
    pledged = await pledge_of_flat(session, drive, flat)
    if pledged is None:
        return 0
    pledge, resident = pledged
    label = flat_label((await flats_by_id(session, [flat.id]))[flat.id])
    with i18n.context(), i18n.use_locale(resident.language or i18n.default_locale):
        text = _(
            "The committee recorded {amount} received from {flat} for “{title}”: {total} "
            "received in all, of {pledged} pledged. Send /drives to see it."
        ).format(
            amount=money(amount_fen),
            flat=label,
            title=drive.title,
            total=money(total_fen),
            pledged=money(pledge.amount_fen),
        )
    key = f"drive-paid:{drive.id}:{flat.id}:{total_fen}"
    queued = await queue_notice(
        session,
        "payment_recorded",
        [Outgoing(chat_id=resident.telegram_id, text=text, key=key)],
        compound_id=drive.compound_id,
        key=key,
        zone=zone,
    )
    return queued.count
