"""The `linli` command line: set up the database, import the register, print QR posters,
manage the committee and surveys, and run the bot. One module per command group."""

from bot.cli import (
    announcing,
    ballots,
    compounds,
    database,
    drives,
    joining,
    residents,
    running,
    surveys,
)
from bot.cli.common import VERBOSE_LEVELS, main

__all__ = [
    "VERBOSE_LEVELS",
    "announcing",
    "ballots",
    "compounds",
    "database",
    "drives",
    "joining",
    "main",
    "residents",
    "running",
    "surveys",
]
