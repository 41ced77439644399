"""Committee commands on contribution drives: record a payment (/paid), list the unpaid money
pledges (/unpaid) and export the ledger (/ledger). The workbook is drawn by the renderer the
application injects (`render_ledger`), keeping openpyxl out of the handlers."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.texts import money, progress_text
from handlers.shared.texts import flat_label, refusal_text
from storage.drives.models import Drive
from storage.drives.queries import (
    Ledger,
    drive_for_committee,
    drive_ledger,
    drive_progress,
    record_payment,
    unpaid_pledges,
)
from storage.refusals import Refused
from storage.residents import flat_named, flats_by_id
from surveys.drives.money import MoneyError, parse_yuan

LedgerRenderer = Callable[[Ledger, ZoneInfo], bytes]
UNPAID_SHOWN = 60


async def _named_drive(message: Message, number: str, session: AsyncSession) -> Drive | None:
    """The drive a command names, if the sender is on its committee; else say why."""
    assert message.from_user is not None
    number = number.strip().lstrip("#")
    if not number.isdigit():
        await message.answer(_("Send the drive number too, for example /unpaid 2."))
        return None
    try:
        return await drive_for_committee(session, message.from_user.id, int(number))
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return None


async def unpaid(message: Message, command: CommandObject, session: AsyncSession) -> None:
    drive = await _named_drive(message, command.args or "", session)
    if drive is None:
        return
    pledges = await unpaid_pledges(session, [drive.id])
    flats = await flats_by_id(session, [each.pledge.household_id for each in pledges])
    lines = [
        _("Drive #{number}: {title}").format(number=drive.id, title=drive.title),
        progress_text(await drive_progress(session, drive)),
        "",
        _("Money pledged and not fully received ({count} flats):").format(count=len(pledges)),
    ]
    for each in pledges[:UNPAID_SHOWN]:
        lines.append(
            _("{flat}: pledged {pledged}, received {paid}").format(
                flat=flat_label(flats[each.pledge.household_id]),
                pledged=money(each.pledge.amount_fen),
                paid=money(each.paid_fen),
            )
        )
    await message.answer("\n".join(lines)[:4096])


async def paid(message: Message, command: CommandObject, session: AsyncSession) -> None:
    assert message.from_user is not None
    number, flat_name, amount = [*(command.args or "").split(), "", "", ""][:3]
    usage = _("Send /paid DRIVE FLAT YUAN, for example /paid 2 3栋/2单元/501 1500.")
    if not flat_name or not amount:
        await message.answer(usage)
        return
    drive = await _named_drive(message, number, session)
    if drive is None:
        return
    try:
        fen = parse_yuan(amount)
        flat = await flat_named(session, drive.compound_id, flat_name)
        total = await record_payment(session, drive, flat, fen, by=message.from_user.id)
    except (LookupError, MoneyError):
        await message.answer(usage)
        return
    except Refused as refused:
        await message.answer(refusal_text(refused.reason))
        return
    await message.answer(
        _(
            "Recorded {amount} from {flat} for drive #{number}; {total} received from it in all."
        ).format(
            amount=money(fen),
            flat=flat_name,
            number=drive.id,
            total=money(total),
        )
    )


async def ledger(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    render_ledger: LedgerRenderer,
    zone: ZoneInfo,
) -> None:
    drive = await _named_drive(message, command.args or "", session)
    if drive is None:
        return
    workbook = render_ledger(await drive_ledger(session, drive), zone)
    await message.answer_document(
        BufferedInputFile(workbook, f"drive-{drive.id}.xlsx"),
        caption=_("Drive #{number}: shares, pledges, payments and the pledge history.").format(
            number=drive.id
        ),
    )


def build_router() -> Router:
    router = Router(name="drive_committee")
    router.message.register(unpaid, Command("unpaid"))
    router.message.register(paid, Command("paid"))
    router.message.register(ledger, Command("ledger"))
    return router
