"""Who lives where, for the committee: `/flat` (flats nobody has joined, per building; one
building's; one flat's residents) and `/unlink` (end a resident's link to a flat, with a button
or by Telegram number). The resident is told through the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.joining.callbacks import UnlinkResident
from handlers.joining.texts import standing_label
from handlers.shared.filters import Committee, Sorry
from handlers.shared.localized import messages_to
from handlers.shared.replies import Replies
from handlers.shared.texts import building_label, flat_label, role_label, unit_label
from storage.joining.roster import FlatRoster, flat_in_compounds, link_of, rosters, unlink
from storage.models import Household, Membership
from storage.outbox.notices import notice_time
from storage.outbox.queue import enqueue_many
from storage.refusals import NotFound
from surveys.numbers import MAX_TELEGRAM_ID, whole_number_or_none


def _name(link: Membership) -> str:
    return link.resident.full_name or _("A resident")


def roster_text(roster: FlatRoster) -> tuple[str, InlineKeyboardMarkup | None]:
    """A flat's residents, each with a button to unlink them."""
    lines = [flat_label(roster.flat) + ":"]
    builder = InlineKeyboardBuilder()
    for link in roster.links:
        lines.append(
            _("• {name}: {role}, {status}, Telegram number {id}").format(
                name=_name(link),
                role=role_label(link.role),
                status=standing_label(link),
                id=link.resident.telegram_id,
            )
        )
        builder.button(
            text=_("Unlink {name}").format(name=_name(link)),
            callback_data=UnlinkResident(membership_id=link.id),
        )
    if not roster.links:
        lines.append(_("Nobody is linked to this flat."))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup() if roster.links else None


def _nobody_line(building: str, flats: Sequence[FlatRoster]) -> str:
    return _("{building}: {empty} of {total} flats have nobody linked.").format(
        building=building_label(building), empty=len(_empty(flats)), total=len(flats)
    )


def _empty(flats: Sequence[FlatRoster]) -> list[FlatRoster]:
    return [roster for roster in flats if not roster.links]


async def show_flats(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    replies: Replies,
) -> None:
    """`/flat`: per building, how many flats nobody has joined; `/flat 3栋`: which ones;
    `/flat 3栋/2单元/501`: who is linked to that flat."""
    asked = (command.args or "").strip()
    if "/" in asked or "／" in asked:
        flat = await _flat(session, compounds, asked)
        [roster] = await rosters(session, compounds, household_id=flat.id)
        replies.say(*roster_text(roster))
        return
    flats = await rosters(session, compounds, building=asked or None)
    if not flats and asked:
        raise Sorry(_("There is no building {building} in your compound.").format(building=asked))
    by_building = {
        name: list(rows) for name, rows in groupby(flats, key=lambda r: r.flat.unit.building.name)
    }
    if not asked:
        lines = [_nobody_line(name, rows) for name, rows in by_building.items()]
        lines.append(_("/flat 3栋 lists them; /flat 3栋/2单元/501 shows who is linked to a flat."))
        replies.say("\n".join(lines))
        return
    lines = [_nobody_line(asked, flats)]
    for unit, in_unit in groupby(_empty(flats), key=lambda roster: roster.flat.unit.name):
        rooms = ", ".join(roster.flat.room for roster in in_unit)
        lines.append(f"{unit_label(unit)}: {rooms}")
    replies.say("\n".join(lines))


async def unlink_command(
    message: Message,
    command: CommandObject,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """`/unlink 3栋/2单元/501`: the flat's residents with a button each; `/unlink 3栋/2单元/501
    TELEGRAM_NUMBER`: unlink that resident at once."""
    assert message.from_user is not None
    parts = (command.args or "").split()
    telegram_id = whole_number_or_none(parts[1], 1, MAX_TELEGRAM_ID) if len(parts) == 2 else None
    if not parts or len(parts) > 2 or (len(parts) == 2 and telegram_id is None):
        raise Sorry(
            _(
                "Send /unlink and the flat, for example /unlink 3栋/2单元/501, then tap whom to "
                "unlink; or add their Telegram number: /unlink 3栋/2单元/501 123456789."
            )
        )
    flat = await _flat(session, compounds, parts[0])
    if telegram_id is None:
        [roster] = await rosters(session, compounds, household_id=flat.id)
        replies.say(*roster_text(roster))
        return
    link = await link_of(session, flat.id, telegram_id)
    if link is None:
        raise Sorry(
            _("Telegram number {id} is not linked to {flat}.").format(id=telegram_id, flat=parts[0])
        )
    unlinked = await unlink(session, compounds, link.id, message.from_user.id)
    replies.say(_unlinked_text(unlinked))
    await tell_unlinked(session, unlinked, i18n, zone)


async def unlink_pressed(
    query: CallbackQuery,
    callback_data: UnlinkResident,
    compounds: list[int],
    session: AsyncSession,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    unlinked = await unlink(session, compounds, callback_data.membership_id, query.from_user.id)
    [roster] = await rosters(session, compounds, household_id=unlinked.household_id)
    replies.edit(*roster_text(roster))
    replies.alert(_unlinked_text(unlinked), show_alert=False)
    await tell_unlinked(session, unlinked, i18n, zone)


def _unlinked_text(membership: Membership) -> str:
    return _("{name} is no longer linked to {flat}.").format(
        name=_name(membership), flat=flat_label(membership.household)
    )


async def tell_unlinked(
    session: AsyncSession, membership: Membership, i18n: I18n, zone: ZoneInfo
) -> None:
    """Tell the resident, outside the compound's quiet hours, that their link has ended."""
    resident = membership.resident
    told = messages_to(
        [(resident.telegram_id, resident.language)],
        i18n,
        lambda: _(
            "The community committee has unlinked you from {flat}. If this is a mistake, please "
            "contact them; you can join again with the flat's QR code."
        ).format(flat=flat_label(membership.household)),
    )
    when = await notice_time(session, membership.household.compound_id, zone)
    await enqueue_many(session, told, not_before=when)


async def _flat(session: AsyncSession, compounds: list[int], name: str) -> Household:
    try:
        return await flat_in_compounds(session, compounds, name)
    except NotFound:
        raise Sorry(
            _("There is no flat {flat} in your compound; write it as 3栋/2单元/501.").format(
                flat=name
            )
        ) from None


def build_router() -> Router:
    router = Router(name="flats")
    router.message.register(show_flats, Command("flat"), Committee())
    router.message.register(unlink_command, Command("unlink"), Committee())
    router.callback_query.register(unlink_pressed, UnlinkResident.filter(), Committee())
    return router
