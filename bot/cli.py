"""The `linli` command line: set up the database, import the register, print QR posters,
manage the committee, and run the bot."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings, SettingsError, load_settings
from storage import migrate
from storage.db import create_engine, session_factory
from storage.refusals import Refused
from storage.surveys.queries import numbered_survey
from surveys.drives.money import yuan

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.outbox_dispatcher import OutboxDispatcher

P = ParamSpec("P")
T = TypeVar("T")


class Failure(click.ClickException):
    """An error the person can act on: printed as one sentence, exit status 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def friendly(command: Callable[P, T]) -> Callable[P, T]:
    """Turn known failures into one clear sentence instead of a traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except (SettingsError, migrate.NotMigratedError, LookupError) as error:
            raise Failure(str(error).strip("'\"")) from None
        except Refused as refused:
            raise Failure(_refusal_sentence(refused)) from None

    return wrapper


def _refusal_sentence(refused: Refused) -> str:
    """The sentence the chat would give, in the deployment's language."""
    from bot.app import build_i18n
    from handlers.shared.texts import refusal_text

    i18n = build_i18n(load_settings().default_language)
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        return refusal_text(refused.reason)


def settings() -> Settings:
    return load_settings()


async def on_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    engine = create_engine(settings.database_url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


async def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on a migrated database."""

    async def transaction(engine: AsyncEngine) -> T:
        await migrate.ensure_current(engine)
        async with session_factory(engine)() as session, session.begin():
            return await work(session)

    return await on_engine(settings, transaction)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    envvar="LINLI_LOG_FORMAT",
    show_envvar=True,
    help="json: one JSON object a line, for a log collector.",
)
def main(verbose: bool, log_format: str) -> None:
    """Linli (邻里): residents decide their compound's renovation together, in Telegram.

    Configuration comes from LINLI_* environment variables or a .env file; see README.md."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(log_formatter(log_format))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])
    if not verbose:  # Linli's own events; the libraries only when something is wrong
        for ours in ("bot", "handlers", "storage"):
            logging.getLogger(ours).setLevel(logging.INFO)


def log_formatter(kind: str) -> logging.Formatter:
    fields = "%(asctime)s %(levelname)s %(name)s %(message)s"
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(fields, rename_fields={"levelname": "level", "name": "logger"})
    return logging.Formatter(fields.replace("%(name)s ", "%(name)s: "))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Create or update the tables (safe to run again)."""

    async def upgrade(engine: AsyncEngine) -> str | None:
        await migrate.upgrade(engine)
        return await migrate.current_revision(engine)

    click.echo(f"Database is at revision {run(on_engine(settings(), upgrade))}.")


@db.command("current")
@friendly
def db_current() -> None:
    """Show the schema revision of the database."""

    current = run(on_engine(settings(), migrate.current_revision))
    click.echo(f"current: {current or 'none'}; this version needs: {migrate.head_revision()}")


@main.group()
def committee() -> None:
    """Committee members of a compound (they approve residents and see results)."""


@committee.command("add")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option(
    "--user", "telegram_id", type=int, required=True, help="Telegram number (/me shows it)."
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
    "--user", "telegram_id", type=int, required=True, help="Telegram number (/me shows it)."
)
@friendly
def committee_designate(compound: str, flat: str, telegram_id: int) -> None:
    """Choose which member of a flat answers for it (by default, the first who joined)."""
    from storage.committee import compound_named, designate_respondent
    from storage.residents import flat_named

    async def designate(session: AsyncSession) -> None:
        found = await flat_named(session, (await compound_named(session, compound)).id, flat)
        await designate_respondent(session, found.id, telegram_id)

    run(in_transaction(settings(), designate))
    click.echo(f"{telegram_id} now answers for {flat} in surveys answered per flat.")


@committee.command("remove")
@click.option("--compound", required=True)
@click.option("--user", "telegram_id", type=int, required=True)
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
@click.option("--compound", required=True, help="Compound name (created on first import).")
@friendly
def import_households(file: Path, compound: str) -> None:
    """Import or update the household register (CSV or XLSX; columns in README.md).

    Any bad row stops the import and nothing is written; every bad row is listed."""
    from bot.documents.register_file import RegisterFileError, read_register_file
    from storage.joining.register import ImportReport, import_register
    from surveys.joining.register import RegisterError, parse_register

    try:
        flats = parse_register(*read_register_file(file))
    except (RegisterFileError, RegisterError) as error:
        raise Failure(f"Nothing was imported.\n{error}") from None

    async def store(session: AsyncSession) -> ImportReport:
        return await import_register(session, compound, flats)

    report = run(in_transaction(settings(), store))
    click.echo(
        f"{compound}: {report.created} flats added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.reactivated} back in the register, "
        f"{report.retired} no longer listed."
    )
    for flat in report.retired_with_residents:
        click.echo(
            f"  note: {flat.building} {flat.unit} {flat.room} is no longer listed but has "
            f"{flat.residents} linked residents; they stay linked until you remove them."
        )


@main.command("qr")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building.")
@click.option("--unit", help="Only this unit (with --building).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("qr-codes"), show_default=True)
@click.option("--max-uses", type=int, default=2, show_default=True, help="Joins per flat code.")
@click.option("--expires-days", type=int, help="Codes stop working after this many days.")
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
    out: Path,
    max_uses: int,
    expires_days: int | None,
    owner_verified: bool,
) -> None:
    """Issue join codes and write QR posters: a PNG per code, A4 sheets per unit."""
    from bot.app import build_i18n
    from bot.documents.join_posters import write_posters
    from storage.committee import compound_named
    from storage.joining.codes import IssuedCode, issue_codes
    from storage.models import utcnow

    config = settings()
    config.require("secret_key", "bot_username")
    assert config.secret_key is not None and config.bot_username is not None

    async def issue(session: AsyncSession) -> list[IssuedCode]:
        place = await compound_named(session, compound)
        expires = utcnow() + timedelta(days=expires_days) if expires_days else None
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
    )
    click.echo(f"Issued {len(issued)} codes; {len(sheets)} printable sheets in {out}/.")


@main.group()
def codes() -> None:
    """Join codes already issued."""


@codes.command("revoke")
@click.argument("code_ids", nargs=-1, type=int, required=True)
@friendly
def codes_revoke(code_ids: tuple[int, ...]) -> None:
    """Stop codes from working (numbers from codes.csv). Linked residents stay linked."""
    from storage.joining.codes import revoke

    async def revoke_all(session: AsyncSession) -> int:
        return await revoke(session, code_ids)

    click.echo(f"Revoked {run(in_transaction(settings(), revoke_all))} codes.")


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
    from storage.surveys.models import Survey
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
@click.argument("number", type=int)
@click.option("--days", type=int, help="Days until the close (default: the definition's).")
@friendly
def survey_open(number: int, days: int | None) -> None:
    """Open a survey: fix the eligible flats from the register and tell the residents."""
    from bot.app import build_i18n
    from handlers.surveys.notices import announce_opening
    from storage.models import utcnow
    from storage.surveys.models import Survey
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
@click.argument("number", type=int)
@friendly
def survey_close(number: int) -> None:
    from storage.surveys.queries import close_survey

    async def close(session: AsyncSession) -> None:
        found = await numbered_survey(session, number)
        await close_survey(session, found)

    run(in_transaction(settings(), close))
    click.echo(f"Survey #{number} is closed.")


@main.group("vote")
def vote() -> None:
    """What a formal vote receives on paper: written objections, the flats an elevator
    directly affects, and their consent. Each can block an outcome the figures would pass."""


@vote.command("record")
@click.argument("number", type=int)
@click.option("--flat", "flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option(
    "--kind",
    type=click.Choice(["objection", "affected", "consent"]),
    required=True,
    help="objection: a written objection; affected: a flat directly affected, whose consent "
    "is needed; consent: that consent, given.",
)
@click.option("--note", default="", help="Where the paper is kept, or what it says.")
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
@click.argument("number", type=int)
@friendly
def vote_inputs(number: int) -> None:
    """List the paper inputs and the objections to the result of survey NUMBER."""
    from storage.surveys.vote_inputs import RecordedInput, inputs_of

    async def listing(session: AsyncSession) -> Sequence[RecordedInput]:
        return await inputs_of(session, await numbered_survey(session, number))

    for item in run(in_transaction(settings(), listing)):
        click.echo(f"{item.at:%Y-%m-%d %H:%M}\t{item.flat}\t{item.kind}\t{item.text}")


@main.command("tally")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly
def tally(number: int, as_json: bool) -> None:
    """Print the results of survey NUMBER as they stand (submitted ballots only)."""
    import json

    from bot.documents.reports import summary_text
    from storage.surveys.models import Survey
    from storage.surveys.queries import definition_of
    from storage.surveys.tallies import SurveyTally, tally_survey

    async def count(session: AsyncSession) -> tuple[Survey, SurveyTally]:
        # One snapshot for all the figures, even while answers come in.
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        found = await numbered_survey(session, number)
        return found, await tally_survey(session, found)

    found, result = run(in_transaction(settings(), count))
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary_text(definition_of(found.definition), result))


@main.command("export")
@click.argument("number", type=int)
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
    from bot.documents.reports import chart_png, export_xlsx
    from storage.surveys.models import Survey
    from storage.surveys.queries import definition_of
    from storage.surveys.tallies import SurveyRecords, SurveyTally, survey_records, tally_survey

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


@main.group()
def drive() -> None:
    """Contribution drives (居民出资): shares, pledges and payments. Nothing moves money."""


@drive.command("create")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--title", required=True, help="The project item, e.g. 3栋2单元加装电梯.")
@click.option("--total-yuan", required=True, help="Total cost in yuan.")
@click.option("--subsidy-yuan", default="0", show_default=True, help="Subsidies in yuan.")
@click.option(
    "--plan",
    type=click.Choice(["equal", "area", "floor_percent", "floor_coefficient"]),
    required=True,
    help="How the residents' share is divided among the flats.",
)
@click.option("--factors", help='Per floor: percentages or coefficients, e.g. "3=10,4=20".')
@click.option("--building", help="Only this building (default: the whole compound).")
@click.option("--unit", help="Only this unit of --building.")
@click.option("--survey", "survey_id", type=int, help="The vote this drive belongs to.")
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last day of pledges.")
@click.option(
    "--remind-days",
    type=click.IntRange(min=0),
    help="Days between reminders of unpaid pledges (default LINLI_PLEDGE_REMINDER_DAYS; 0: none).",
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
) -> None:
    """Create a drive with every flat's share fixed from the register, in exact fen.

    It is created closed; `linli drive open N` opens it and tells the residents."""
    from storage.committee import compound_named
    from storage.drives.models import Drive
    from storage.drives.queries import DriveTerms, create_drive
    from storage.surveys.queries import scope_named
    from surveys.drives.cost_sharing import Plan, SharingError
    from surveys.drives.money import MoneyError, parse_yuan

    config = settings()
    reminder = config.pledge_reminder_days if remind_days is None else remind_days
    try:
        terms = DriveTerms(
            title=title,
            total_fen=parse_yuan(total_yuan),
            subsidy_fen=0 if subsidy_yuan.strip() in ("", "0") else parse_yuan(subsidy_yuan),
            plan=Plan(plan),
            floor_factors=factors,
            survey_id=survey_id,
            closes_at=None if closes is None else _end_of_day(closes, config.tz),
            reminder_days=reminder or None,
        )
    except MoneyError as error:
        raise Failure(f"Nothing was created: {error}.") from None

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


def _end_of_day(day: datetime, zone: ZoneInfo) -> datetime:
    return (day + timedelta(days=1)).replace(tzinfo=zone)


@drive.command("list")
@click.option("--compound", required=True)
@friendly
def drive_list(compound: str) -> None:
    from storage.committee import compound_named
    from storage.drives.queries import drive_progress, drives_of

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
@click.argument("number", type=int)
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
@click.argument("number", type=int)
@friendly
def drive_close(number: int) -> None:
    from storage.drives.queries import close_drive, numbered_drive

    async def close(session: AsyncSession) -> None:
        await close_drive(session, await numbered_drive(session, number))

    run(in_transaction(settings(), close))
    click.echo(f"Drive #{number} is closed; pledges can no longer change.")


@drive.command("pay")
@click.argument("number", type=int)
@click.option("--flat", required=True, help='The flat, as "3栋/2单元/501".')
@click.option("--yuan", "amount", required=True, help="The amount received, in yuan.")
@friendly
def drive_pay(number: int, flat: str, amount: str) -> None:
    """Record money received from a flat (partial payments add up)."""
    from storage.drives.queries import numbered_drive, record_payment
    from storage.residents import flat_named
    from surveys.drives.money import MoneyError, parse_yuan

    try:
        fen = parse_yuan(amount)
    except MoneyError as error:
        raise Failure(f"Nothing was recorded: {error}.") from None

    async def pay(session: AsyncSession) -> int:
        found = await numbered_drive(session, number)
        household = await flat_named(session, found.compound_id, flat)
        return await record_payment(session, found, household, fen, by=None)

    total = run(in_transaction(settings(), pay))
    click.echo(
        f"Recorded {yuan(fen)} yuan from {flat}; {yuan(total)} yuan received from it in all."
    )


@drive.command("export")
@click.argument("number", type=int)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
@friendly
def drive_export(number: int, out: Path) -> None:
    """Write the ledger: shares with why, pledges, payments and the pledge history (.xlsx)."""
    from bot.documents.records_xlsx import ledger_xlsx
    from storage.drives.queries import Ledger, drive_ledger, numbered_drive

    config = settings()

    async def gather(session: AsyncSession) -> Ledger:
        return await drive_ledger(session, await numbered_drive(session, number))

    ledger = run(in_transaction(config, gather))
    out.write_bytes(ledger_xlsx(ledger, config.tz))
    click.echo(f"Drive #{number}: {len(ledger.rows)} flats written to {out}.")


@main.command("announce")
@click.argument("text")
@click.option("--compound", required=True, help="Compound name as imported.")
@click.option("--building", help="Only this building (default: the whole compound).")
@click.option("--unit", help="Only this unit of --building.")
@click.option("--at", "at", help='When, in LINLI_TIMEZONE: "YYYY-MM-DD HH:MM" (default: now).')
@friendly
def announce(
    text: str, compound: str, building: str | None, unit: str | None, at: str | None
) -> None:
    """Send TEXT to the residents of the compound, a building or a unit, now or --at a time
    (quiet hours still apply). /deliveries in the chat shows how far it got."""
    from bot.app import build_i18n
    from handlers.announcements.drafting import queue_announcement
    from storage.announcements.drafts import create_announcement
    from storage.committee import compound_named
    from storage.models import utcnow
    from storage.schedule_models import Announcement
    from storage.surveys.queries import scope_named
    from surveys.notice_times import parse_local_time

    config = settings()
    now = utcnow()
    try:
        send_at = now if at is None else parse_local_time(at, config.tz)
    except ValueError as error:
        raise Failure(f"--at: {error}.") from None
    if send_at < now:
        raise Failure(f"--at: {at} has passed.")

    async def create(session: AsyncSession) -> tuple[Announcement, int | None]:
        place = await compound_named(session, compound)
        scope = await scope_named(session, place.id, building, unit)
        try:
            made = await create_announcement(session, place.id, scope, text, send_at)
        except ValueError as error:
            raise Failure(f"Nothing was sent: {error}.") from None
        if send_at > now:
            return made, None
        i18n = build_i18n(config.default_language)
        return made, await queue_announcement(session, made, i18n, config.tz, now)

    made, queued = run(in_transaction(config, create))
    if queued is None:
        click.echo(
            f"Announcement #{made.id} will go out at {at}; "
            f"`linli announcements cancel {made.id}` cancels it."
        )
    else:
        click.echo(f"Announcement #{made.id} is queued for {queued} residents.")


@main.group()
def announcements() -> None:
    """Announcements sent or scheduled, from the chat or `linli announce`."""


@announcements.command("list")
@click.option("--compound", required=True)
@friendly
def announcements_list(compound: str) -> None:
    """The latest announcements with their delivery: sent/waiting/unreachable/failed."""
    from storage.announcements.drafts import recent_announcements
    from storage.committee import compound_named
    from storage.outbox.queue import delivery

    config = settings()

    async def listing(session: AsyncSession) -> list[str]:
        place = await compound_named(session, compound)
        lines = []
        for each in await recent_announcements(session, [place.id], limit=50):
            assert each.send_at is not None and each.text is not None
            counts = ""
            if each.broadcast_id is not None:
                got = await delivery(session, each.broadcast_id)
                counts = f"{got.sent}/{got.waiting}/{got.unreachable}/{got.failed}"
            when = f"{each.send_at.astimezone(config.tz):%Y-%m-%d %H:%M}"
            lines.append(f"#{each.id}\t{each.status.value}\t{when}\t{counts}\t{each.text[:40]}")
        return lines

    for line in run(in_transaction(config, listing)):
        click.echo(line)


@announcements.command("cancel")
@click.argument("number", type=int)
@friendly
def announcements_cancel(number: int) -> None:
    """Cancel announcement NUMBER: what has not gone out yet stays unsent."""
    from storage.announcements.drafts import cancel_announcement
    from storage.schedule_models import Announcement, AnnouncementStatus

    async def cancel(session: AsyncSession) -> int:
        found = await session.get(Announcement, number)
        if found is None or found.status is AnnouncementStatus.DRAFT:
            raise LookupError(f"there is no announcement #{number}")
        return await cancel_announcement(session, found)

    withdrawn = run(in_transaction(settings(), cancel))
    click.echo(f"Announcement #{number} is cancelled; {withdrawn} queued messages withdrawn.")


@main.command("quiet-hours")
@click.option("--compound", required=True)
@click.argument("span", required=False)
@friendly
def quiet_hours(compound: str, span: str | None) -> None:
    """Show or set the compound's quiet hours, in LINLI_TIMEZONE: SPAN is like 22:00-07:30,
    "off", or "default" (21:30-08:00). Notices due in them wait for their end."""
    from storage.committee import compound_named
    from surveys.notice_times import DEFAULT_QUIET_HOURS, parse_quiet_hours

    if span is not None and span != "default":
        try:
            span = str(parse_quiet_hours(span))
        except ValueError as error:
            raise Failure(f"{error}.") from None

    async def apply(session: AsyncSession) -> str | None:
        place = await compound_named(session, compound)
        if span is not None:
            place.quiet_hours = None if span == "default" else span
        return place.quiet_hours

    stored = run(in_transaction(settings(), apply))
    click.echo(f"Quiet hours of {compound}: {stored or f'{DEFAULT_QUIET_HOURS} (the default)'}.")


@main.command("run")
@friendly
def run_polling() -> None:
    """Run the bot with long polling (no public address needed)."""
    from bot.app import Linli
    from bot.polling import poll

    async def serve() -> None:
        linli = await Linli.start(settings())
        try:
            await linli.bot.delete_webhook()
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(poll(linli.bot, linli.dispatcher))
                tasks.create_task(linli.send_outbox())
                tasks.create_task(linli.schedules().run())
        finally:
            await linli.close()

    run_until_stopped(serve())


@main.command("webhook")
@friendly
def run_webhook() -> None:
    """Run the bot as a webhook server (LINLI_WEBHOOK_URL, LINLI_WEBHOOK_SECRET)."""
    from bot.app import Linli
    from bot.webhook import serve

    async def serve_forever() -> None:
        linli = await Linli.start(settings())
        runner = await serve(linli)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(linli.send_outbox())
                tasks.create_task(linli.schedules().run())
        finally:
            await runner.cleanup()
            await linli.close()

    run_until_stopped(serve_forever())


@main.command("dispatch")
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Seconds before another dispatcher may send what this one claimed and did not send.",
)
@friendly
def dispatch(lease: float) -> None:
    """Send the queued notifications, without answering residents.

    `linli run` and `linli webhook` already do this; add dispatchers to share the load. Each
    sends LINLI_SEND_RATE messages per second."""
    from bot.app import build_bot

    config = settings()
    config.require("bot_token")
    assert config.bot_token is not None
    bot = build_bot(config.bot_token, config.api_url)

    async def send(engine: AsyncEngine) -> None:
        await migrate.ensure_current(engine)
        try:
            await outbox_dispatcher(bot, session_factory(engine), config, lease=lease).run()
        finally:
            await bot.session.close()

    run_until_stopped(on_engine(config, send))


def outbox_dispatcher(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], config: Settings, **policy: Any
) -> OutboxDispatcher:
    """The dispatcher `dispatch` starts; `policy`: other DispatchPolicy
    fields than the configured rate."""
    from bot.outbox_dispatcher import DispatchPolicy, OutboxDispatcher

    return OutboxDispatcher(bot, sessions, DispatchPolicy(rate=config.send_rate, **policy))


@main.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8081, show_default=True)
@click.option("--bot-username", default="linli_sandbox_bot", show_default=True)
def sandbox(host: str, port: int, bot_username: str) -> None:
    """Run the local Bot API sandbox: point LINLI_API_URL at it to try the bot offline."""
    from bot.sandbox import serve_forever

    run_until_stopped(serve_forever(host, port, bot_username))


@main.command("demo")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("demo-output"), show_default=True
)
def demo(out: Path) -> None:
    """Run the whole story offline: sample compound, QR posters, residents joining."""
    from bot.demo.story import run_demo

    run(run_demo(out))


def run_until_stopped(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run until Ctrl-C or SIGTERM. Updates not yet confirmed are delivered again on restart."""

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        await coroutine

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        logging.getLogger(__name__).info("stopped")
