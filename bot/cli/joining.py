"""The committee, the household register, join codes and their posters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import NUMBER, TELEGRAM_ID, TEXT, WholeNumber

if TYPE_CHECKING:
    from storage.joining.register import ImportReport


@main.group()
def committee() -> None:
    """Committee members of a compound (they approve residents and see results)."""


@committee.command("add")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option(
    "--user", "telegram_id", type=TELEGRAM_ID, required=True, help="Telegram number (/me shows it)."
)
@friendly
def committee_add(compound: str, telegram_id: int) -> None:
    from storage.committee import add_member, compound_named

    async def add(session: AsyncSession) -> bool:
        return await add_member(session, await compound_named(session, compound), telegram_id)

    added = run(in_transaction(settings(), add))
    click.echo(f"{telegram_id} is {'now' if added else 'already'} on the committee of {compound}.")


@committee.command("designate")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option(
    "--user", "telegram_id", type=TELEGRAM_ID, required=True, help="Telegram number (/me shows it)."
)
@friendly
def committee_designate(compound: str, flat: str, telegram_id: int) -> None:
    """Choose which member of a flat answers for it (by default, the first who joined)."""
    from storage.committee import compound_named, designate_respondent
    from storage.residents import flat_named, is_confirmed_owner

    async def designate(session: AsyncSession) -> bool:
        found = await flat_named(session, (await compound_named(session, compound)).id, flat)
        return is_confirmed_owner(await designate_respondent(session, found.id, telegram_id))

    owner = run(in_transaction(settings(), designate))
    click.echo(f"{telegram_id} now answers for {flat} in surveys answered per flat.")
    if not owner:
        click.echo(
            "Not a confirmed owner: in formal votes the flat's first confirmed owner votes "
            "(confirm owners in /pending)."
        )


@committee.command("remove")
@click.option("--compound", required=True)
@click.option("--user", "telegram_id", type=TELEGRAM_ID, required=True)
@friendly
def committee_remove(compound: str, telegram_id: int) -> None:
    from storage.committee import compound_named, remove_member

    async def remove(session: AsyncSession) -> bool:
        return await remove_member(session, await compound_named(session, compound), telegram_id)

    removed = run(in_transaction(settings(), remove))
    click.echo(
        f"{telegram_id} {'removed from' if removed else 'was not on'} the committee of {compound}."
    )


@committee.command("list")
@friendly
def committee_list() -> None:
    from storage.committee import all_members

    for telegram_id, compound in run(in_transaction(settings(), all_members)):
        click.echo(f"{compound}\t{telegram_id}")


@main.group("import")
def import_() -> None:
    """Import data from spreadsheets."""


@import_.command("households")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--compound", type=TEXT, required=True, help="Compound name (created on first import)."
)
@click.option(
    "--sheet",
    "sheets",
    multiple=True,
    help="XLSX: import only this sheet (repeat for several); by default every sheet.",
)
@click.option("--dry-run", is_flag=True, help="Show what the import would change; write nothing.")
@click.option(
    "--retire-missing",
    is_flag=True,
    help="Retire the flats of the compound that the file leaves out (without it, such an "
    "import is refused).",
)
@click.option(
    "--retire-linked",
    is_flag=True,
    help="With --retire-missing: retire them even if residents are linked to them or they have "
    "ballots (by default those are kept).",
)
@friendly
def import_households(
    file: Path,
    compound: str,
    sheets: tuple[str, ...],
    dry_run: bool,
    retire_missing: bool,
    retire_linked: bool,
) -> None:
    """Import or update the household register (CSV or XLSX; columns in README.md).

    Any bad row stops the import and nothing is written; every bad row is listed. Flats the
    file leaves out are retired only with --retire-missing; --dry-run shows the changes first."""
    from bot.documents.register_file import RegisterFileError, read_register_file, sample_hint
    from storage.joining.register import import_register
    from surveys.joining.register import RegisterError, parse_register_sheets

    if retire_linked and not retire_missing:
        raise Failure("--retire-linked only goes with --retire-missing.")
    try:
        flats = parse_register_sheets(read_register_file(file, sheets))
    except (RegisterFileError, RegisterError) as error:
        raise Failure(f"Nothing was imported.\n{error}\n{sample_hint()}") from None

    async def store(session: AsyncSession) -> ImportReport:
        report = await import_register(
            session, compound, flats, retire_missing=retire_missing, retire_linked=retire_linked
        )
        if dry_run or (report.missing and not retire_missing):
            raise _RolledBack(report)
        return report

    try:
        report = run(in_transaction(settings(), store))
    except _RolledBack as rolled_back:
        report = rolled_back.report
        if not dry_run:
            raise Failure(
                f"Nothing was imported: {len(report.missing)} flats of {compound} are not in "
                f"{file.name} and would be retired. See them with --dry-run; to retire them, "
                "run again with --retire-missing."
            ) from None
        click.echo("Dry run: nothing was written. The import would do this:")
    click.echo(
        f"{compound}: {report.created} flats added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.reactivated} back in the register, "
        f"{report.retired} retired."
    )
    for flat in report.missing:
        place = f"{flat.building}/{flat.unit}/{flat.room}"
        links = f"{flat.residents} linked residents, {flat.ballots} ballots"
        if flat not in report.kept:
            click.echo(f"  retired: {place}" + (f" ({links})" if flat.linked else ""))
        elif retire_missing:
            click.echo(f"  kept: {place} ({links}); --retire-linked retires it anyway")
        else:
            click.echo(f"  not in the file: {place} ({links})")


class _RolledBack(Exception):
    """Raised inside the import's transaction to undo it, with what it would have done."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report


@main.command("qr")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building.")
@click.option("--unit", help="Only this unit (with --building).")
@click.option(
    "--room",
    "flat",
    help='One flat whose code was lost, as "3栋/2单元/501": a new code, and its old one '
    "withdrawn (the unit's other codes stay as they are).",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("qr-codes"), show_default=True)
@click.option(
    "--max-uses",
    type=WholeNumber(1, 1000),
    default=2,
    show_default=True,
    help="Joins per flat code.",
)
@click.option(
    "--expires-days", type=WholeNumber(1, 3650), help="Codes stop working after this many days."
)
@click.option(
    "--owner-verified",
    is_flag=True,
    help="Only flat codes, to hand to each owner in person: scanned as owner, the ownership "
    "counts as confirmed (no check by the committee in /pending).",
)
@friendly
def qr(
    compound: str,
    building: str | None,
    unit: str | None,
    flat: str | None,
    out: Path,
    max_uses: int,
    expires_days: int | None,
    owner_verified: bool,
) -> None:
    """Issue join codes and write QR posters: a PNG per code, A4 sheets per unit."""
    from bot.app import build_i18n
    from bot.documents.join_posters import write_posters
    from storage.committee import compound_named
    from storage.joining.codes import IssuedCode, issue_codes, replace_flat_code
    from storage.models import utcnow
    from storage.residents import flat_named

    config = settings()
    config.require("secret_key", "bot_username")
    assert config.secret_key is not None and config.bot_username is not None
    if flat is not None and (building or unit):
        raise Failure("--room names the flat in full; leave out --building and --unit.")
    withdrawn: list[int] = []
    printed: dict[str, str | None] = {}  # the compound's lines on the posters

    async def issue(session: AsyncSession) -> list[IssuedCode]:
        place = await compound_named(session, compound)
        printed.update(contact=place.contact, install_hint=place.install_hint)
        expires = utcnow() + timedelta(days=expires_days) if expires_days else None
        if flat is not None:
            new, old = await replace_flat_code(
                session,
                await flat_named(session, place.id, flat),
                max_uses=max_uses,
                expires_at=expires,
                owner_verified=owner_verified,
            )
            withdrawn.extend(old)
            return [new]
        return await issue_codes(
            session,
            place.id,
            building=building,
            unit=unit,
            max_uses=max_uses,
            expires_at=expires,
            owner_verified=owner_verified,
        )

    issued = run(in_transaction(config, issue))
    sheets = write_posters(
        issued,
        compound=compound,
        bot_username=config.bot_username,
        secret_key=config.secret_key,
        out=out,
        i18n=build_i18n(config.default_language),
        contact=printed["contact"],
        install_hint=printed["install_hint"],
    )
    click.echo(f"Issued {len(issued)} codes; {len(sheets)} printable sheets in {out}/.")
    if flat is not None:
        old = ", ".join(map(str, withdrawn)) or "none was in force"
        click.echo(f"Withdrawn codes of {flat}: {old}.")


@main.group()
def codes() -> None:
    """Join codes already issued."""


@codes.command("list")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--flat", help='Only this flat, as "3栋/2单元/501".')
@friendly
def codes_list(compound: str, flat: str | None) -> None:
    """Every code by place: number, kind, place, uses, state."""
    from storage.committee import compound_named
    from storage.joining.codes import ListedCode, codes_of
    from storage.residents import flat_named

    async def listed(session: AsyncSession) -> list[ListedCode]:
        place = await compound_named(session, compound)
        household = await flat_named(session, place.id, flat) if flat else None
        return await codes_of(session, place.id, household.id if household else None)

    for item in run(in_transaction(settings(), listed)):
        code = item.code
        kind = f"{code.kind}, owner in person" if code.owner_verified else str(code.kind)
        uses = f"{code.uses}/{code.max_uses}" if code.max_uses is not None else str(code.uses)
        place = item.place or compound
        click.echo(f"{code.id}\t{kind}\t{place}\tused {uses}\t{item.state}")


@codes.command("revoke")
@click.argument("code_ids", nargs=-1, type=NUMBER, required=True)
@friendly
def codes_revoke(code_ids: tuple[int, ...]) -> None:
    """Stop codes from working (numbers from codes.csv). Linked residents stay linked."""
    from storage.joining.codes import revoke

    async def revoke_all(session: AsyncSession) -> int:
        return await revoke(session, code_ids)

    click.echo(f"Revoked {run(in_transaction(settings(), revoke_all))} codes.")
