"""Reading a survey definition's YAML fields: each field checked, every problem collected with
its path (FieldError), never the first only. The limits every field is read within."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final, TypeVar

from surveys.text import printable, telegram_length
from surveys.voting.questions import (
    SLUG,
    Localized,
)

MAX_QUESTIONS = 50
MAX_TITLE = 100
MAX_DESCRIPTION = 3000
MAX_UNIT = 16
MAX_RATING_LABEL = 32
MAX_TEXT_ANSWER = 3000
MAX_PLACES = 6
MAX_MAGNITUDE = Decimal(10) ** 12  # number bounds; keeps answers far inside Decimal precision
DEFAULT_TOP = 3
DEFAULT_REMINDERS = (48, 2)
MAX_REMINDERS = 5
MAX_REMINDER_HOURS = 24 * 30


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. "questions[2].options[0].id"; "" for the document itself
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.reason}"


MISSING: Final = object()  # a field the YAML leaves out
_E = TypeVar("_E", bound=StrEnum)


def join_path(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class Fields:
    """One YAML mapping being read at ``path``. Every key read is known; `finish` reports the
    others. A typed reader reports what is wrong and returns None for a bad value (or a
    missing one without a default), so that reading goes on and every problem is found."""

    def __init__(self, data: Mapping[Any, Any], path: str, problems: list[FieldError]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._known: set[str] = set()

    def at(self, key: str) -> str:
        return join_path(self.path, key)

    def report(self, key: str, reason: str) -> None:
        self.problems.append(FieldError(self.at(key), reason))

    def raw(self, key: str, *, required: bool = False) -> object:
        self._known.add(key)
        if key in self.data:
            return self.data[key]
        if required:
            self.report(key, "is required")
        return MISSING

    def finish(self, reason: str = "unknown field") -> None:
        for key in self.data:
            if key not in self._known:
                self.problems.append(FieldError(join_path(self.path, key), reason))

    def text(
        self, key: str, limit: int, *, required: bool = True, hint: str = ""
    ) -> Localized | None:
        value = self.raw(key, required=required)
        if value is MISSING:
            return None
        return localized(value, self.at(key), limit, hint, self.problems)

    def integer(self, key: str, low: int, high: int, default: int | None) -> int | None:
        value = self.raw(key, required=default is None)
        if value is MISSING:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.report(key, f"must be a whole number from {low} to {high}")
            return None
        return value

    def flag(self, key: str, default: bool) -> bool | None:
        value = self.raw(key)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.report(key, "must be true or false")
            return None
        return value

    def choice(self, key: str, enum: type[_E], default: _E | None = None) -> _E | None:
        value = self.raw(key, required=default is None)
        if value is MISSING:
            return default
        if not isinstance(value, str) or value not in set(enum):
            self.report(key, f"must be one of {', '.join(enum)}")
            return None
        return enum(value)

    def choices(
        self, key: str, enum: type[_E], default: frozenset[_E], *, allow_empty: bool
    ) -> frozenset[_E] | None:
        value = self.raw(key)
        if value is MISSING:
            return default
        listed = isinstance(value, list) and (allow_empty or value)
        if not listed or not all(isinstance(item, str) and item in set(enum) for item in value):
            self.report(key, f"must be a list of {', '.join(enum)}")
            return None
        if len(set(value)) != len(value):
            self.report(key, "names a value twice")
            return None
        return frozenset(enum(item) for item in value)

    def slug(self, key: str) -> str | None:
        value = self.raw(key, required=True)
        return None if value is MISSING else slug(value, self.at(key), self.problems)

    def mapping(self, key: str) -> Fields | None:
        value = self.raw(key)
        if value is MISSING:
            return None
        if not isinstance(value, Mapping):
            self.report(key, "must be a mapping")
            return None
        return Fields(value, self.at(key), self.problems)

    def items(self, key: str, what: str) -> list[tuple[str, object]] | None:
        """A required list's items, each with its path."""
        value = self.raw(key, required=True)
        if value is MISSING:
            return None
        if not isinstance(value, list):
            self.report(key, f"must be a list of {what}")
            return None
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]


def slug(value: object, path: str, problems: list[FieldError]) -> str | None:
    if isinstance(value, str) and SLUG.fullmatch(value):
        return value
    # YAML reads a plain yes, no, on, off or 12 as a boolean or a number: say so.
    quote = "" if isinstance(value, str) else f" (YAML read {value!r}: put it in quotes)"
    problems.append(FieldError(path, f"must be 1 to 16 characters of a-z, 0-9 and _{quote}"))
    return None


def one_text(
    value: object, path: str, limit: int, hint: str, problems: list[FieldError]
) -> str | None:
    # A block scalar (|) ends in a newline; an escape ("\0", "\e") can write any control.
    text = printable(value).strip() if isinstance(value, str) else ""
    if not text:
        problems.append(FieldError(path, "must be a non-empty text"))
        return None
    if telegram_length(text) > limit:
        reason = f"must be at most {limit} characters (has {telegram_length(text)}){hint}"
        problems.append(FieldError(path, reason))
        return None
    return text


def localized(
    value: object, path: str, limit: int, hint: str, problems: list[FieldError]
) -> Localized | None:
    if not isinstance(value, Mapping):
        text = one_text(value, path, limit, hint, problems)
        return None if text is None else Localized(text)
    start = len(problems)
    for language in value:
        if language not in ("zh_CN", "en"):
            problems.append(
                FieldError(join_path(path, language), "unknown language: use zh_CN or en")
            )
    if "zh_CN" in value:
        zh_cn = one_text(value["zh_CN"], join_path(path, "zh_CN"), limit, hint, problems)
    else:
        zh_cn = None
        problems.append(FieldError(join_path(path, "zh_CN"), "is required"))
    en = (
        one_text(value["en"], join_path(path, "en"), limit, hint, problems)
        if "en" in value
        else None
    )
    if zh_cn is None or len(problems) > start:
        return None
    return Localized(zh_cn, en)


def decimal_value(value: object) -> Decimal | None:
    if isinstance(value, float):
        value = repr(value)  # YAML reads 0.5 as a float; its shortest repr is what was written
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ---- rules ---------------------------------------------------------------------------------
