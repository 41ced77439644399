"""Committee commands on contribution drives: record a payment (/paid), list the unpaid money
pledges (/unpaid) and export the ledger (/ledger). The workbook is drawn by the renderer the
application injects (`render_ledger`), keeping openpyxl out of the handlers."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drives.notices import tell_payment
from handlers.drives.texts import money, progress_text
from handlers.shared.filters import Committee, NumberArgument, Sorry
from handlers.shared.replies import Replies
from handlers.shared.texts import flat_label
from storage.drives.ledger import Ledger, drive_ledger, drive_progress, unpaid_pledges
from storage.drives.queries import drive_for_committee, record_payment
from storage.residents import flat_named, flats_by_id
from surveys.drives.money import parse_yuan
from surveys.numbers import whole_number_or_none

LedgerRenderer = Callable[[Ledger, ZoneInfo], bytes]
UNPAID_SHOWN = 60


async def unpaid(
    message: Message, number: int, compounds: list[int], session: AsyncSession, replies: Replies
) -> None:
    drive = await drive_for_committee(session, compounds, number)
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
    replies.say("\n".join(lines))


async def paid(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    """`/paid DRIVE FLAT YUAN`; whoever made the flat's pledge is told. An amount that is not
    one is explained by the refusal middleware (a MoneyError)."""
    assert message.from_user is not None
    usage = _("Send /paid DRIVE FLAT YUAN, for example /paid 2 3栋/2单元/501 1500.")
    parts = (command.args or "").split()
    number = whole_number_or_none(parts[0]) if len(parts) == 3 else None
    if number is None:
        raise Sorry(usage)
    flat_name, amount = parts[1], parts[2]
    drive = await drive_for_committee(session, compounds, number)
    fen = parse_yuan(amount)
    try:
        flat = await flat_named(session, drive.compound_id, flat_name)
    except LookupError:
        raise Sorry(usage) from None
    total = await record_payment(session, drive, flat, fen, by=message.from_user.id)
    await tell_payment(session, drive, flat, fen, total, i18n, zone)
    replies.say(
        _(
            "Recorded {amount} from {flat} for drive #{number}; {total} received from it in all."
        ).format(amount=money(fen), flat=flat_name, number=drive.id, total=money(total))
    )


async def ledger(
    message: Message,
    number: int,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
    render_ledger: LedgerRenderer,
    zone: ZoneInfo,
) -> None:
    drive = await drive_for_committee(session, compounds, number)
    replies.document(
        render_ledger(await drive_ledger(session, drive), zone),
        f"drive-{drive.id}.xlsx",
        _("Drive #{number}: shares, pledges, payments and the pledge history.").format(
            number=drive.id
        ),
    )


def build_router() -> Router:
    router = Router(name="drive_committee")
    router.message.register(unpaid, Command("unpaid"), Committee(), NumberArgument())
    router.message.register(paid, Command("paid"), Committee())
    router.message.register(ledger, Command("ledger"), Committee(), NumberArgument())
    return router
