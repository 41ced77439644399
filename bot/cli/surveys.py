"""Surveys and votes: create, open, close, paper inputs, the tally and its export."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import Failure, friendly, in_transaction, main, run, settings
from bot.cli_types import NUMBER, TEXT, WholeNumber
from storage.surveys.queries import numbered_survey

if TYPE_CHECKING:
    from storage.surveys.models import Survey


@main.group()
def survey() -> None:
    """Surveys and formal votes: create from YAML or a template, open, close."""


@survey.command("templates")
def survey_templates() -> None:
    """List the built-in templates of the renovation programme."""
    from surveys.voting.templates import load_template, template_names

    for name in template_names():
        click.echo(f"{name}\t{load_template(name).title.zh_CN}")


@survey.command("create")
@click.argument("source")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building (default: the whole compound).")
@click.option("--unit", help="Only this unit of --building.")
@friendly
def survey_create(source: str, compound: str, building: str | None, unit: str | None) -> None:
    """Create a survey from a YAML FILE or a template name (see `linli survey templates`).

    It is created closed; `linli survey open N` opens it and tells the residents."""
    from storage.committee import compound_named
    from storage.surveys.queries import create_survey, scope_named
    from surveys.voting.schema import SchemaError, load_definition
    from surveys.voting.templates import template_names, template_text

    path = Path(source)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    elif source in template_names():
        text = template_text(source)
    else:
        raise Failure(f"{source} is neither a file nor a template ({', '.join(template_names())}).")
    try:
        load_definition(text)
    except SchemaError as error:
        raise Failure(f"Nothing was created.\n{error}") from None

    async def create(session: AsyncSession) -> Survey:
        place = await compound_named(session, compound)
        scope = await scope_named(session, place.id, building, unit)
        return await create_survey(session, place.id, text, scope)

    created = run(in_transaction(settings(), create))
    click.echo(
        f"Survey #{created.id} created: {created.title}. "
        f"Open it with `linli survey open {created.id}`."
    )


@survey.command("list")
@click.option("--compound", required=True)
@friendly
def survey_list(compound: str) -> None:
    from storage.committee import compound_named
    from storage.surveys.queries import surveys_of, turnout

    async def listing(session: AsyncSession) -> list[str]:
        place = await compound_named(session, compound)
        lines = []
        for each in await surveys_of(session, [place.id]):
            counts = await turnout(session, each)
            lines.append(
                f"#{each.id}\t{each.status.value}\t{counts.submitted}/{counts.eligible}\t{each.title}"
            )
        return lines

    for line in run(in_transaction(settings(), listing)):
        click.echo(line)


@survey.command("open")
@click.argument("number", type=NUMBER)
@click.option(
    "--days", type=WholeNumber(1, 365), help="Days until the close (default: the definition's)."
)
@friendly
def survey_open(number: int, days: int | None) -> None:
    """Open a survey: fix the eligible flats from the register and tell the residents."""
    from bot.app import build_i18n
    from handlers.surveys.notices import announce_opening
    from storage.models import utcnow
    from storage.surveys.queries import open_survey

    config = settings()

    async def open_(session: AsyncSession) -> tuple[Survey, int, int]:
        found = await numbered_survey(session, number)
        closes = utcnow() + timedelta(days=days) if days else None
        eligible = await open_survey(session, found, closes)
        told = await announce_opening(
            session, found, build_i18n(config.default_language), config.tz
        )
        return found, eligible, told

    opened, eligible, told = run(in_transaction(config, open_))
    click.echo(
        f"Survey #{opened.id} is open for {eligible} flats until "
        f"{opened.closes_at:%Y-%m-%d %H:%M} UTC; {told} residents will be told by the bot."
    )


@survey.command("close")
@click.argument("number", type=NUMBER)
@friendly
def survey_close(number: int) -> None:
    from storage.surveys.queries import close_survey

    async def close(session: AsyncSession) -> None:
        found = await numbered_survey(session, number)
        await close_survey(session, found)

    run(in_transaction(settings(), close))
    click.echo(f"Survey #{number} is closed.")


def _move_close(
    number: int, move: Callable[[AsyncSession, Survey], Awaitable[None]], *, reopened: bool
) -> None:
    """Move survey NUMBER's close and tell who has not finished answering."""
    from bot.app import build_i18n
    from handlers.surveys.notices import announce_new_close

    config = settings()

    async def moved(session: AsyncSession) -> tuple[Survey, int]:
        found = await numbered_survey(session, number)
        await move(session, found)
        i18n = build_i18n(config.default_language)
        return found, await announce_new_close(session, found, i18n, config.tz, reopened=reopened)

    survey, told = run(in_transaction(config, moved))
    click.echo(
        f"Survey #{number} is open until {survey.closes_at:%Y-%m-%d %H:%M} UTC; {told} residents "
        "who have not finished answering will be told by the bot."
    )


@survey.command("extend")
@click.argument("number", type=NUMBER)
@click.option("--days", type=WholeNumber(1, 365), required=True, help="Days added to the close.")
@friendly
def survey_extend(number: int, days: int) -> None:
    """Give open survey NUMBER more days; who has not finished answering is told."""
    from storage.surveys.deadlines import extend_survey

    _move_close(number, lambda session, found: extend_survey(session, found, days), reopened=False)


@survey.command("reopen")
@click.argument("number", type=NUMBER)
@click.option(
    "--days",
    type=WholeNumber(1, 365),
    help="Days it stays open (default: until its former close, if that is still ahead).",
)
@friendly
def survey_reopen(number: int, days: int | None) -> None:
    """Reopen survey NUMBER, closed by mistake, before its result is published."""
    from storage.surveys.deadlines import reopen_survey

    _move_close(number, lambda session, found: reopen_survey(session, found, days), reopened=True)


@main.group("vote")
def vote() -> None:
    """What a formal vote receives on paper: written objections, the flats an elevator
    directly affects, and their consent. Each can block an outcome the figures would pass."""


@vote.command("record")
@click.argument("number", type=NUMBER)
@click.option("--flat", "flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option(
    "--kind",
    type=click.Choice(["objection", "affected", "consent"]),
    required=True,
    help="objection: a written objection; affected: a flat directly affected, whose consent "
    "is needed; consent: that consent, given.",
)
@click.option("--note", type=TEXT, default="", help="Where the paper is kept, or what it says.")
@friendly
def vote_record(number: int, flat: str, kind: str, note: str) -> None:
    """Record a paper input to survey NUMBER for one flat of its scope."""
    from storage.surveys.models import InputKind
    from storage.surveys.vote_inputs import flat_in_survey, record_input

    async def record(session: AsyncSession) -> bool:
        found = await numbered_survey(session, number)
        household_id = await flat_in_survey(session, found, flat)
        return await record_input(session, found, household_id, InputKind(kind), note)

    if run(in_transaction(settings(), record)):
        click.echo(f"Recorded for survey #{number}: {kind}, {flat}.")
    else:
        click.echo(f"Already recorded for survey #{number}: {kind}, {flat}.")


@vote.command("inputs")
@click.argument("number", type=NUMBER)
@friendly
def vote_inputs(number: int) -> None:
    """List the paper inputs and the objections to the result of survey NUMBER."""
    from storage.surveys.vote_inputs import RecordedInput, inputs_of

    async def listing(session: AsyncSession) -> Sequence[RecordedInput]:
        return await inputs_of(session, await numbered_survey(session, number))

    for item in run(in_transaction(settings(), listing)):
        click.echo(f"{item.at:%Y-%m-%d %H:%M}\t{item.flat}\t{item.kind}\t{item.text}")


@main.command("tally")
@click.argument("number", type=NUMBER)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly
def tally(number: int, as_json: bool) -> None:
    """Print the results of survey NUMBER as they stand (submitted ballots only)."""
    import json

    from bot.documents.reports import summary_text
    from storage.surveys.queries import definition_of
    from storage.surveys.sources import Sources, ballot_sources
    from storage.surveys.tallies import tally_survey
    from surveys.voting.results import SurveyTally

    async def count(session: AsyncSession) -> tuple[Survey, SurveyTally, Sources]:
        # One snapshot for all the figures, even while answers come in.
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        found = await numbered_survey(session, number)
        return found, await tally_survey(session, found), await ballot_sources(session, found)

    found, result, sources = run(in_transaction(settings(), count))
    if as_json:
        figures = {**result.to_json(), "sources": sources.to_json()}
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        click.echo(summary_text(definition_of(found.definition), result, sources))


@main.command("export")
@click.argument("number", type=NUMBER)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The spreadsheet to write (.xlsx): ballots, tally and audit trail.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the chart of the results (.png).",
)
@friendly
def export(number: int, out: Path, chart: Path | None) -> None:
    """Export survey NUMBER for the committee. Named ballots list every flat of the scope
    with its area, owner head and answers, so that anyone can recompute the tally."""
    from bot.documents.charts import chart_png
    from bot.documents.reports import export_xlsx
    from storage.surveys.queries import definition_of
    from storage.surveys.records import SurveyRecords, survey_records
    from storage.surveys.tallies import tally_survey
    from surveys.voting.results import SurveyTally

    config = settings()

    async def gather(session: AsyncSession) -> tuple[Survey, SurveyTally, SurveyRecords]:
        # One snapshot for the tally and the ballots, even while answers come in.
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        found = await numbered_survey(session, number)
        return found, await tally_survey(session, found), await survey_records(session, found)

    found, result, records = run(in_transaction(config, gather))
    definition = definition_of(found.definition)
    out.write_bytes(export_xlsx(definition, result, records, config.tz))
    if chart is not None:
        chart.write_bytes(chart_png(definition, result))
    click.echo(f"Survey #{number}: {len(records.ballots)} ballots written to {out}.")


@main.command("publish-poster")
@click.argument("number", type=NUMBER)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The PDF to write (A4): the result to post in the compound (公示).",
)
@friendly
def publish_poster(number: int, out: Path) -> None:
    """Print the published result of survey NUMBER (公示): the matter, the scope, the figures
    against each threshold, the outcome, and the objection window."""
    from bot.documents.result_poster import result_poster_pdf
    from storage.surveys.publication import Publication, publication
    from storage.surveys.queries import definition_of
    from storage.surveys.tallies import tally_survey
    from surveys.voting.results import SurveyTally

    config = settings()

    async def gather(session: AsyncSession) -> tuple[Survey, SurveyTally, Publication]:
        found = await numbered_survey(session, number)
        published = await publication(session, found)  # refused before the 公示
        return found, await tally_survey(session, found), published

    found, result, published = run(in_transaction(config, gather))
    out.write_bytes(
        result_poster_pdf(definition_of(found.definition), result, published, config.tz)
    )
    click.echo(f"Survey #{number}: the result (公示) written to {out}.")
