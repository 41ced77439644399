"""`linli residents`: who is linked to each flat, the flats nobody has joined, and unlinking a
resident (moved out, approved by mistake)."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import TELEGRAM_ID

if TYPE_CHECKING:
    from storage.joining.roster import FlatRoster
    from storage.models import Membership


@main.group()
def residents() -> None:
    """Residents linked to flats."""


@residents.command("list")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building.")
@click.option("--unlinked", is_flag=True, help="Only the flats nobody is linked to.")
@friendly
def residents_list(compound: str, building: str | None, unlinked: bool) -> None:
    """Each flat with who is linked to it (or waiting for the committee), then per building
    how many flats nobody has joined."""
    from storage.committee import compound_named
    from storage.joining.roster import rosters

    async def listed(session: AsyncSession) -> list[FlatRoster]:
        place = await compound_named(session, compound)
        return await rosters(session, [place.id], building=building)

    flats = run(in_transaction(settings(), listed))
    if not flats:
        raise Failure(f"{compound} has no flats{f' in {building}' if building else ''}.")
    for roster in flats:
        if not roster.links:
            click.echo(f"{_place(roster)}\t(nobody linked)")
        for link in [] if unlinked else roster.links:
            click.echo(f"{_place(roster)}\t{_link(link)}")
    for name, rows in groupby(flats, key=lambda roster: roster.flat.unit.building.name):
        in_building = list(rows)
        empty = sum(1 for roster in in_building if not roster.links)
        click.echo(f"{name}: {empty} of {len(in_building)} flats have nobody linked.")


@residents.command("unlink")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option(
    "--user", "telegram_id", type=TELEGRAM_ID, required=True, help="Telegram number (/me shows it)."
)
@friendly
def residents_unlink(compound: str, flat: str, telegram_id: int) -> None:
    """End a resident's link to a flat (moved out, approved by mistake); they are told in the
    chat. Their answers already given stay; they can join again with a code."""
    from bot.app import build_i18n
    from handlers.joining.flats import tell_unlinked
    from storage.committee import compound_named
    from storage.joining.roster import link_of, unlink
    from storage.residents import flat_named

    config = settings()

    async def unlink_one(session: AsyncSession) -> None:
        place = await compound_named(session, compound)
        household = await flat_named(session, place.id, flat)
        link = await link_of(session, household.id, telegram_id)
        if link is None:
            raise Failure(f"{telegram_id} is not linked to {flat}; nothing was changed.")
        unlinked = await unlink(session, [place.id], link.id, by=None)
        await tell_unlinked(session, unlinked, build_i18n(config.default_language), config.tz)

    run(in_transaction(config, unlink_one))
    click.echo(f"{telegram_id} is no longer linked to {flat}; they will be told in the chat.")


def _place(roster: FlatRoster) -> str:
    return f"{roster.flat.unit.building.name}/{roster.flat.unit.name}/{roster.flat.room}"


def _link(link: Membership) -> str:
    owner = " (ownership confirmed)" if link.owner_confirmed else ""
    return (
        f"{link.resident.telegram_id}\t{link.resident.full_name}\t{link.role}{owner}\t{link.status}"
    )
