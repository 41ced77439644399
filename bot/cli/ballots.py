"""Paper ballots: print one A4 sheet per flat of a vote, with the QR code that opens the
flat's paper ballot for the committee member who enters the signed sheet."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import friendly, in_transaction, main, run, settings
from bot.cli_types import NUMBER


@main.group()
def ballots() -> None:
    """Paper ballots (纸质表决票) for owners who do not vote in chat."""


@ballots.command("print")
@click.argument("number", type=NUMBER)
@click.option("--building", help="Only this building.")
@click.option("--unit", help="Only this unit (of --building).")
@click.option(
    "--not-voted",
    is_flag=True,
    help="Only the flats without a counted ballot, for the door-to-door round (入户征询).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write ballots-N.pdf into.",
)
@friendly
def print_ballots(
    number: int, building: str | None, unit: str | None, not_voted: bool, out: Path
) -> None:
    """Write the paper ballots of survey NUMBER: an A4 PDF, one sheet per flat of its scope,
    ordered by building, unit, floor and room."""
    from bot.app import build_i18n
    from bot.documents.ballot_sheets import ballot_sheets_pdf
    from handlers.surveys.ballot_sheets import sheets_of
    from storage.surveys.queries import definition_of, numbered_survey
    from surveys.voting.schema import SurveyDefinition
    from surveys.voting.sheets import SheetFlat, SheetHeading

    config = settings()
    config.require("secret_key", "bot_username")
    assert config.secret_key is not None and config.bot_username is not None
    username, key = config.bot_username, config.secret_key

    async def gather(
        session: AsyncSession,
    ) -> tuple[SurveyDefinition, SheetHeading, list[SheetFlat]]:
        found = await numbered_survey(session, number)
        heading, sheets = await sheets_of(
            session,
            found,
            bot_username=username,
            key=key,
            zone=config.tz,
            i18n=build_i18n(config.default_language),
            building=building,
            unit=unit,
            not_voted=not_voted,
        )
        return definition_of(found.definition), heading, sheets

    definition, heading, sheets = run(in_transaction(config, gather))
    if not sheets:
        click.echo(f"Survey #{number}: no flat to print.")
        return
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ballots-{number}.pdf"
    path.write_bytes(ballot_sheets_pdf(definition, heading, sheets))
    click.echo(f"Survey #{number}: {len(sheets)} paper ballots written to {path}.")
