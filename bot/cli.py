"""The `linli` command line: set up the database, import the register, print QR posters,
manage the committee, and run the bot."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings, SettingsError, load_settings
from storage import migrate
from storage.db import create_engine, session_factory
from storage.refusals import Refused

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
    from handlers.texts import refusal_text

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
def main(verbose: bool) -> None:
    """Linli (邻里): residents decide their compound's renovation together, in Telegram.

    Configuration comes from LINLI_* environment variables or a .env file; see README.md."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:  # Linli's own events; the libraries only when something is wrong
        for ours in ("bot", "handlers", "storage"):
            logging.getLogger(ours).setLevel(logging.INFO)


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
    from bot.register_file import RegisterFileError, read_register_file
    from storage.register import ImportReport, import_register
    from surveys.register import RegisterError, parse_register

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
@friendly
def qr(
    compound: str,
    building: str | None,
    unit: str | None,
    out: Path,
    max_uses: int,
    expires_days: int | None,
) -> None:
    """Issue join codes and write QR posters: a PNG per code, A4 sheets per unit."""
    from bot.app import build_i18n
    from bot.join_posters import write_posters
    from storage.committee import compound_named
    from storage.join_codes import IssuedCode, issue_codes
    from storage.models import utcnow

    config = settings()
    config.require("secret_key", "bot_username")
    assert config.secret_key is not None and config.bot_username is not None

    async def issue(session: AsyncSession) -> list[IssuedCode]:
        place = await compound_named(session, compound)
        expires = utcnow() + timedelta(days=expires_days) if expires_days else None
        return await issue_codes(
            session, place.id, building=building, unit=unit, max_uses=max_uses, expires_at=expires
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
    from storage.join_codes import revoke

    async def revoke_all(session: AsyncSession) -> int:
        return await revoke(session, code_ids)

    click.echo(f"Revoked {run(in_transaction(settings(), revoke_all))} codes.")


@main.group()
def survey() -> None:
    """Surveys and formal votes: create from YAML or a template, open, close."""


@survey.command("templates")
def survey_templates() -> None:
    """List the built-in templates of the renovation programme."""
    from surveys.templates import load_template, template_names

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
    from storage.survey_models import Survey
    from storage.surveys import create_survey, scope_named
    from surveys.schema import SchemaError, load_definition
    from surveys.templates import template_names, template_text

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
    from storage.surveys import surveys_of, turnout

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
    from handlers.survey_notices import announce_opening
    from storage.models import utcnow
    from storage.survey_models import Survey
    from storage.surveys import open_survey

    config = settings()

    async def open_(session: AsyncSession) -> tuple[Survey, int, int]:
        found = await session.get(Survey, number)
        if found is None:
            raise LookupError(f"there is no survey #{number}")
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
    from storage.survey_models import Survey
    from storage.surveys import close_survey

    async def close(session: AsyncSession) -> None:
        found = await session.get(Survey, number)
        if found is None:
            raise LookupError(f"there is no survey #{number}")
        await close_survey(session, found)

    run(in_transaction(settings(), close))
    click.echo(f"Survey #{number} is closed.")


@main.command("tally")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly
def tally(number: int, as_json: bool) -> None:
    """Print the results of survey NUMBER as they stand (submitted ballots only)."""
    import json

    from bot.reports import summary_text
    from storage.survey_models import Survey
    from storage.surveys import definition_of
    from storage.tallies import SurveyTally, tally_survey

    async def count(session: AsyncSession) -> tuple[Survey, SurveyTally]:
        # One snapshot for all the figures, even while answers come in.
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        found = await session.get(Survey, number)
        if found is None:
            raise LookupError(f"there is no survey #{number}")
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
    from bot.reports import chart_png, export_xlsx
    from storage.survey_models import Survey
    from storage.surveys import definition_of
    from storage.tallies import SurveyRecords, SurveyTally, survey_records, tally_survey

    config = settings()

    async def gather(session: AsyncSession) -> tuple[Survey, SurveyTally, SurveyRecords]:
        # One snapshot for the tally and the ballots, even while answers come in.
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        found = await session.get(Survey, number)
        if found is None:
            raise LookupError(f"there is no survey #{number}")
        return found, await tally_survey(session, found), await survey_records(session, found)

    found, result, records = run(in_transaction(config, gather))
    definition = definition_of(found.definition)
    out.write_bytes(export_xlsx(definition, result, records, config.tz))
    if chart is not None:
        chart.write_bytes(chart_png(definition, result))
    click.echo(f"Survey #{number}: {len(records.ballots)} ballots written to {out}.")


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
            outbox = outbox_dispatcher(linli.bot, linli.sessions, linli.settings)
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(poll(linli.bot, linli.dispatcher, linli.i18n))
                tasks.create_task(outbox.run())
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
            await outbox_dispatcher(linli.bot, linli.sessions, linli.settings).run()
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
    """The dispatcher `run`, `webhook` and `dispatch` start; `policy`: other DispatchPolicy
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
    from bot.demo import run_demo

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
