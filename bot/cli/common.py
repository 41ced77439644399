"""What every `linli` command shares: the group, logging, settings, a transaction on a
migrated database, and failures told in one sentence."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.settings import Settings, SettingsError, load_settings
from storage import migrate
from storage.db import create_engine, session_factory
from storage.refusals import NotFound, Refused

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
        except NotFound as error:  # the operator reads the name they typed
            raise Failure(error.told()) from None
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


def existing_database(settings: Settings, *, creating: bool = False) -> None:
    """Stop before SQLite creates an empty database where a mistyped path points: a missing
    folder always, a missing file unless the command is to create it (`linli db upgrade`)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if not path.parent.is_dir():
        raise Failure(
            f"LINLI_DATABASE_URL names {path}, but the folder {path.parent} does not exist; "
            "check the path."
        )
    if not creating and not path.exists():
        raise Failure(
            f"There is no database at {path}; check LINLI_DATABASE_URL, or create it with "
            "`linli db upgrade`."
        )


async def on_engine(
    settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]], *, creating: bool = False
) -> T:
    existing_database(settings, creating=creating)
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


# Verbose: SQLAlchemy's SQL echo without its values (storage.db hides them) and without the
# rows it logs at DEBUG; aiosqlite logs every call with its arguments at DEBUG. Quiet: Linli's
# own events, and the libraries only when something is wrong.
VERBOSE_LEVELS = {"sqlalchemy.engine": logging.INFO, "aiosqlite": logging.INFO}
QUIET_LEVELS = dict.fromkeys(("bot", "handlers", "storage"), logging.INFO)


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
    for name, level in (VERBOSE_LEVELS if verbose else QUIET_LEVELS).items():
        logging.getLogger(name).setLevel(level)


def log_formatter(kind: str) -> logging.Formatter:
    fields = "%(asctime)s %(levelname)s %(name)s %(message)s"
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(fields, rename_fields={"levelname": "level", "name": "logger"})
    return logging.Formatter(fields.replace("%(name)s ", "%(name)s: "))
