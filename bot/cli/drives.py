"""Contribution drives: create, open, close, payments and the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import NUMBER, TEXT, WholeNumber
from surveys.drives.money import yuan


@main.group()
def drive() -> None:
    """Contribution drives (居民出资): shares, pledges and payments. Nothing moves money."""


@drive.command("create")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--title", type=TEXT, required=True, help="The project item, e.g. 3栋2单元加装电梯.")
@click.option("--total-yuan", required=True, help="Total cost in yuan.")
@click.option("--subsidy-yuan", default="0", show_default=True, help="Subsidies in yuan.")
@click.option(
    "--plan",
    type=click.Choice(["equal", "area", "floor_percent", "floor_coefficient"]),
    required=True,
    help="How the residents' share is divided among the flats.",
)
@click.option(
    "--factors", type=TEXT, help='Per floor: percentages or coefficients, e.g. "3=10,4=20".'
)
@click.option("--building", help="Only this building (default: the whole compound).")
@click.option("--unit", help="Only this unit of --building.")
@click.option("--survey", "survey_id", type=NUMBER, help="The vote this drive belongs to.")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last day of pledges.")
@click.option(
    "--remind-days",
    type=WholeNumber(0, 365),
    help="Days between reminders of unpaid pledges (default LINLI_PLEDGE_REMINDER_DAYS; 0: none).",
)
@click.option(
    "--pledgers",
    default="owner",
    show_default=True,
    help='Who pledges for a flat: roles among owner, family, tenant, e.g. "owner,family".',
)
@friendly
def drive_create(
    compound: str,
    title: str,
    total_yuan: str,
    subsidy_yuan: str,
    plan: str,
    factors: str | None,
    building: str | None,
    unit: str | None,
    survey_id: int | None,
    closes: datetime | None,
    remind_days: int | None,
    pledgers: str,
) -> None:
    """Create a drive with every flat's share fixed from the register, in exact fen.

    It is created closed; `linli drive open N` opens it and tells the residents."""
    from storage.committee import compound_named
    from storage.drives.models import Drive
    from storage.drives.queries import DriveTerms, create_drive
    from storage.surveys.queries import scope_named
    from surveys.drives.cost_sharing import Plan, SharingError
    from surveys.roles import Role

    roles = {part.strip() for part in pledgers.split(",") if part.strip()}
    if not roles or not roles <= {role.value for role in Role}:
        raise Failure("Nothing was created: --pledgers names roles among owner, family, tenant.")
    config = settings()
    reminder = config.pledge_reminder_days if remind_days is None else remind_days
    terms = DriveTerms(
        title=title,
        total_fen=_fen("--total-yuan", total_yuan, "Nothing was created"),
        subsidy_fen=0
        if subsidy_yuan.strip() in ("", "0")
        else _fen("--subsidy-yuan", subsidy_yuan, "Nothing was created"),
        plan=Plan(plan),
        floor_factors=factors,
        survey_id=survey_id,
        closes_at=None if closes is None else _end_of_day(closes, config.tz),
        reminder_days=reminder or None,
        pledgers=frozenset(Role(role) for role in roles),
    )

    async def create(session: AsyncSession) -> Drive:
        place = await compound_named(session, compound)
        scope = await scope_named(session, place.id, building, unit)
        return await create_drive(session, place.id, scope, terms)

    try:
        created = run(in_transaction(config, create))
    except SharingError as error:
        raise Failure(f"Nothing was created: {error}.") from None
    click.echo(
        f"Drive #{created.id} created: {created.title}, residents' share "
        f"{yuan(created.residents_fen)} yuan. Open it with `linli drive open {created.id}`."
    )


def _fen(option: str, typed: str, nothing: str) -> int:
    """The amount an option gives, or one sentence naming it (the reason alone leaves out
    what was typed, for the chat's sake)."""
    from surveys.drives.money import MoneyError, parse_yuan

    try:
        return parse_yuan(typed)
    except MoneyError as error:
        raise Failure(f"{nothing}: {option} {typed}: {error}.") from None


def _end_of_day(day: datetime, zone: ZoneInfo) -> datetime:
    return (day + timedelta(days=1)).replace(tzinfo=zone)


@drive.command("list")
@click.option("--compound", required=True)
@friendly
def drive_list(compound: str) -> None:
    from storage.committee import compound_named
    from storage.drives.ledger import drive_progress
    from storage.drives.queries import drives_of

    async def listing(session: AsyncSession) -> list[str]:
        place = await compound_named(session, compound)
        lines = []
        for each in await drives_of(session, [place.id]):
            figures = await drive_progress(session, each)
            lines.append(
                f"#{each.id}\t{each.status.value}\t{yuan(figures.pledged_fen)}/"
                f"{yuan(figures.target_fen)} pledged\t{yuan(figures.paid_fen)} received\t"
                f"{figures.flats_pledged}/{figures.flats} flats\t{each.title}"
            )
        return lines

    for line in run(in_transaction(settings(), listing)):
        click.echo(line)


@drive.command("open")
@click.argument("number", type=NUMBER)
@friendly
def drive_open(number: int) -> None:
    """Open a drive for pledges and tell every confirmed resident of its flats."""
    from bot.app import build_i18n
    from handlers.drives.notices import announce_drive
    from storage.drives.queries import numbered_drive, open_drive

    config = settings()

    async def open_(session: AsyncSession) -> int:
        found = await numbered_drive(session, number)
        await open_drive(session, found)
        return await announce_drive(session, found, build_i18n(config.default_language), config.tz)

    told = run(in_transaction(config, open_))
    click.echo(f"Drive #{number} is open; {told} residents will be told by the bot.")


@drive.command("close")
@click.argument("number", type=NUMBER)
@friendly
def drive_close(number: int) -> None:
    from storage.drives.queries import close_drive, numbered_drive

    async def close(session: AsyncSession) -> None:
        await close_drive(session, await numbered_drive(session, number))

    run(in_transaction(settings(), close))
    click.echo(f"Drive #{number} is closed; pledges can no longer change.")


@drive.command("pay")
@click.argument("number", type=NUMBER)
@click.option("--flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option("--yuan", "amount", required=True, help="The amount received, in yuan.")
@friendly
def drive_pay(number: int, flat: str, amount: str) -> None:
    """Record money received from a flat (partial payments add up); whoever made the flat's
    pledge is told by the bot."""
    from bot.app import build_i18n
    from handlers.drives.notices import tell_payment
    from storage.drives.queries import numbered_drive, record_payment
    from storage.residents import flat_named

    fen = _fen("--yuan", amount, "Nothing was recorded")
    config = settings()

    async def pay(session: AsyncSession) -> int:
        found = await numbered_drive(session, number)
        household = await flat_named(session, found.compound_id, flat)
        total = await record_payment(session, found, household, fen, by=None)
        i18n = build_i18n(config.default_language)
        await tell_payment(session, found, household, fen, total, i18n, config.tz)
        return total

    total = run(in_transaction(config, pay))
    click.echo(
        f"Recorded {yuan(fen)} yuan from {flat}; {yuan(total)} yuan received from it in all."
    )


@drive.command("export")
@click.argument("number", type=NUMBER)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
@friendly
def drive_export(number: int, out: Path) -> None:
    """Write the ledger: shares with why, pledges, payments and the pledge history (.xlsx)."""
    from bot.documents.records_xlsx import ledger_xlsx
    from storage.drives.ledger import Ledger, drive_ledger
    from storage.drives.queries import numbered_drive

    config = settings()

    async def gather(session: AsyncSession) -> Ledger:
        return await drive_ledger(session, await numbered_drive(session, number))

    ledger = run(in_transaction(config, gather))
    out.write_bytes(ledger_xlsx(ledger, config.tz))
    click.echo(f"Drive #{number}: {len(ledger.rows)} flats written to {out}.")
