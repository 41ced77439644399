"""Parameter types of the command line: what an operator types is checked like what a
resident types. Numbers are ASCII digits within their column's range (click's `int` takes
"١٢", "1_000" and 20-digit ids, which overflow the database); free text is made printable
before it is stored."""

from __future__ import annotations

from typing import Any

import click

from surveys.numbers import MAX_ID, MAX_TELEGRAM_ID, NumberRefused, whole_number
from surveys.text import printable


class WholeNumber(click.ParamType):
    name = "number"

    def __init__(self, low: int = 1, high: int = MAX_ID) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):  # a default
            return value
        try:
            return whole_number(str(value), self.low, self.high)
        except NumberRefused as refused:
            self.fail(str(refused), param, ctx)


class Printable(click.ParamType):
    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return printable(str(value))


NUMBER = WholeNumber()  # a survey, drive, announcement or code number
TELEGRAM_ID = WholeNumber(1, MAX_TELEGRAM_ID)
TEXT = Printable()
