"""`linli compound`: what a compound's posters say besides the codes."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import TEXT

# The columns' sizes (storage.models.Compound).
CONTACT_LIMIT, HINT_LIMIT = 200, 300


@main.group()
def compound() -> None:
    """A compound's settings."""


@compound.command("set")
@click.option("--compound", "name", required=True, help="Compound name as imported.")
@click.option(
    "--contact",
    type=TEXT,
    help="The committee's contact line on the posters, e.g. \"王主任 138-0000-0000，每周二 "
    '9-11 点 居委会"; "" removes it.',
)
@click.option(
    "--install-hint",
    type=TEXT,
    help='How to install Telegram, as printed on the posters; "" restores the default hint.',
)
@friendly
def compound_set(name: str, contact: str | None, install_hint: str | None) -> None:
    """Set what the compound's posters print next to the codes (`linli qr` prints it)."""
    from storage.committee import compound_named

    for option, value, limit in (
        ("--contact", contact, CONTACT_LIMIT),
        ("--install-hint", install_hint, HINT_LIMIT),
    ):
        if value is not None and len(value) > limit:
            raise Failure(f"{option} is {len(value)} characters long; at most {limit} fit.")

    async def store(session: AsyncSession) -> tuple[str | None, str | None]:
        place = await compound_named(session, name)
        if contact is not None:
            place.contact = contact.strip() or None
        if install_hint is not None:
            place.install_hint = install_hint.strip() or None
        return place.contact, place.install_hint

    _echo(*run(in_transaction(settings(), store)))


@compound.command("show")
@click.option("--compound", "name", required=True, help="Compound name as imported.")
@friendly
def compound_show(name: str) -> None:
    """What the compound's posters print next to the codes."""
    from storage.committee import compound_named

    async def read(session: AsyncSession) -> tuple[str | None, str | None]:
        place = await compound_named(session, name)
        return place.contact, place.install_hint

    _echo(*run(in_transaction(settings(), read)))


def _echo(contact: str | None, install_hint: str | None) -> None:
    click.echo(f"Contact on the posters: {contact or '(none)'}")
    click.echo(f"How to install Telegram: {install_hint or '(the default hint)'}")
