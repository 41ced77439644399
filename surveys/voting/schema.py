"""Survey definitions: the YAML a committee writes (or a built-in template), read and checked.

Pure: standard library and pyyaml. `load_definition` returns a frozen `SurveyDefinition` or
raises one `SchemaError` that lists every problem with the field path it is at, e.g.
``questions[2].options: a question of type single needs 2 to 100 options``, so that the whole
file can be fixed in one pass. Unknown fields are problems too: a misspelt ``show_fi`` must not
silently ask a question of everyone. The fields are documented in the README table; in short:

- Texts (``title``, ``description``, question, option, unit and label texts) are a plain
  string, meaning Chinese, or a mapping ``{zh_CN: ..., en: ...}`` with ``zh_CN`` required.
- Ids are quoted or plain slugs of 1 to 16 characters of a-z, 0-9 and _; YAML reads ``yes``,
  ``no`` and numbers as other types, which are refused rather than guessed at.
- A vote is for owners only, answered once per flat, with named ballots (an owner may contest
  the decision in court, so who voted what must be kept), and needs an ``agree`` question with
  a rule. Civil Code rules count owners' area and heads, so only a vote may use them.
- Option texts are button labels (at most 64 characters): a long option text goes into the
  question text as a numbered list, with short labels such as "方案一" on the buttons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final, TypeVar

import yaml

from surveys.roles import Role
from surveys.text import printable, telegram_length
from surveys.voting.decision import (
    PRESETS,
    BlockReason,
    Comparison,
    Measure,
    Rule,
    RuleKind,
    Threshold,
    custom_rule,
)
from surveys.voting.questions import (
    MAX_BUTTON_TEXT,
    MAX_OPTIONS,
    MESSAGE_BUDGET,
    MIN_OPTIONS,
    SLUG,
    AgreeQuestion,
    ChoiceQuestion,
    Localized,
    MultipleChoice,
    NumberQuestion,
    Option,
    Question,
    QuestionType,
    Ranking,
    Rating,
    ShowIf,
    SingleChoice,
    TextQuestion,
    choice_ids,
)
from surveys.voting.yaml_shape import shape_problem


class SurveyKind(StrEnum):
    OPINION = "opinion"  # an opinion survey: no legal weight
    VOTE = "vote"  # a formal owners' vote (Civil Code art. 278)


class AnswerPer(StrEnum):
    FLAT = "flat"  # one answer per household, whoever of it gives it
    PERSON = "person"


class Ballots(StrEnum):
    NAMED = "named"  # results may show who answered what
    ANONYMOUS = "anonymous"  # results show only counts


class ResultsVisibility(StrEnum):
    AFTER_CLOSE = "after_close"
    LIVE = "live"


MAX_QUESTIONS = 50
MAX_TITLE = 100
MAX_DESCRIPTION = 3000
MAX_UNIT = 16
MAX_RATING_LABEL = 32
MAX_TEXT_ANSWER = 3000
MAX_PLACES = 6
MAX_MAGNITUDE = Decimal(10) ** 12  # number bounds; keeps answers far inside Decimal precision
_DEFAULT_TOP = 3
DEFAULT_REMINDERS = (48, 2)
MAX_REMINDERS = 5
MAX_REMINDER_HOURS = 24 * 30


@dataclass(frozen=True)
class SurveyDefinition:
    kind: SurveyKind
    title: Localized
    description: Localized | None
    questions: tuple[Question, ...]
    closes_after_days: int  # a default: the committee may set another close time on opening
    answer_per: AnswerPer
    audience: frozenset[Role]
    ballots: Ballots
    results_visible: ResultsVisibility
    objection_days: int  # days of 公示 after the results are published
    blocked_by: frozenset[BlockReason]  # inputs that stop a vote which otherwise passes
    # Hours before the close at which non-finishers are reminded, latest first.
    reminders: tuple[int, ...] = DEFAULT_REMINDERS

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def decided_questions(self) -> tuple[AgreeQuestion, ...]:
        return tuple(q for q in self.questions if isinstance(q, AgreeQuestion) and q.decided)


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. "questions[2].options[0].id"; "" for the document itself
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.reason}"


class SchemaError(ValueError):
    """The definition cannot be used; ``errors`` lists every problem, in reading order."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the survey definition:\n{lines}")


def load_definition(text: str) -> SurveyDefinition:
    """Read a survey definition from YAML text, or raise `SchemaError` with every problem."""
    refused = shape_problem(text)
    if refused is not None:
        raise SchemaError([FieldError("", refused)])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SchemaError([FieldError("", f"not valid YAML: {_yaml_reason(error)}")]) from None
    problems: list[FieldError] = []
    definition = _definition(data, problems)
    if definition is None:
        raise SchemaError(problems)
    return definition


def _yaml_reason(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error)
    mark = getattr(error, "problem_mark", None)
    return problem if mark is None else f"{problem} (line {mark.line + 1})"


# ---- reading fields ------------------------------------------------------------------------

_MISSING: Final = object()
_E = TypeVar("_E", bound=StrEnum)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Fields:
    """One YAML mapping being read at ``path``. Every key read is known; `finish` reports the
    others. A typed reader reports what is wrong and returns None for a bad value (or a
    missing one without a default), so that reading goes on and every problem is found."""

    def __init__(self, data: Mapping[Any, Any], path: str, problems: list[FieldError]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._known: set[str] = set()

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def report(self, key: str, reason: str) -> None:
        self.problems.append(FieldError(self.at(key), reason))

    def raw(self, key: str, *, required: bool = False) -> object:
        self._known.add(key)
        if key in self.data:
            return self.data[key]
        if required:
            self.report(key, "is required")
        return _MISSING

    def finish(self, reason: str = "unknown field") -> None:
        for key in self.data:
            if key not in self._known:
                self.problems.append(FieldError(_join(self.path, key), reason))

    def text(
        self, key: str, limit: int, *, required: bool = True, hint: str = ""
    ) -> Localized | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None
        return _localized(value, self.at(key), limit, hint, self.problems)

    def integer(self, key: str, low: int, high: int, default: int | None) -> int | None:
        value = self.raw(key, required=default is None)
        if value is _MISSING:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.report(key, f"must be a whole number from {low} to {high}")
            return None
        return value

    def flag(self, key: str, default: bool) -> bool | None:
        value = self.raw(key)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.report(key, "must be true or false")
            return None
        return value

    def choice(self, key: str, enum: type[_E], default: _E | None = None) -> _E | None:
        value = self.raw(key, required=default is None)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in set(enum):
            self.report(key, f"must be one of {', '.join(enum)}")
            return None
        return enum(value)

    def choices(
        self, key: str, enum: type[_E], default: frozenset[_E], *, allow_empty: bool
    ) -> frozenset[_E] | None:
        value = self.raw(key)
        if value is _MISSING:
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
        return None if value is _MISSING else _slug(value, self.at(key), self.problems)

    def mapping(self, key: str) -> _Fields | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        if not isinstance(value, Mapping):
            self.report(key, "must be a mapping")
            return None
        return _Fields(value, self.at(key), self.problems)

    def items(self, key: str, what: str) -> list[tuple[str, object]] | None:
        """A required list's items, each with its path."""
        value = self.raw(key, required=True)
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            self.report(key, f"must be a list of {what}")
            return None
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]


def _slug(value: object, path: str, problems: list[FieldError]) -> str | None:
    if isinstance(value, str) and SLUG.fullmatch(value):
        return value
    # YAML reads a plain yes, no, on, off or 12 as a boolean or a number: say so.
    quote = "" if isinstance(value, str) else f" (YAML read {value!r}: put it in quotes)"
    problems.append(FieldError(path, f"must be 1 to 16 characters of a-z, 0-9 and _{quote}"))
    return None


def _one_text(
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


def _localized(
    value: object, path: str, limit: int, hint: str, problems: list[FieldError]
) -> Localized | None:
    if not isinstance(value, Mapping):
        text = _one_text(value, path, limit, hint, problems)
        return None if text is None else Localized(text)
    start = len(problems)
    for language in value:
        if language not in ("zh_CN", "en"):
            problems.append(FieldError(_join(path, language), "unknown language: use zh_CN or en"))
    if "zh_CN" in value:
        zh_cn = _one_text(value["zh_CN"], _join(path, "zh_CN"), limit, hint, problems)
    else:
        zh_cn = None
        problems.append(FieldError(_join(path, "zh_CN"), "is required"))
    en = _one_text(value["en"], _join(path, "en"), limit, hint, problems) if "en" in value else None
    if zh_cn is None or len(problems) > start:
        return None
    return Localized(zh_cn, en)


def _decimal(value: object) -> Decimal | None:
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

_THRESHOLD = re.compile(r"(at_least|more_than)\s+(\S+)")
_CUSTOM_MEASURES = (
    Measure.QUORUM_AREA,
    Measure.QUORUM_HEADS,
    Measure.APPROVAL_AREA,
    Measure.APPROVAL_HEADS,
)
_OWNER_RULES = frozenset(
    {RuleKind.CIVIL_CODE_ORDINARY, RuleKind.CIVIL_CODE_MAJOR, RuleKind.CUSTOM}
)  # they count owners' area and heads


def _fraction(text: str) -> Fraction | None:
    """2/3, 0.75 or 75%, exactly: 2/3 must stay 2/3."""
    try:
        return Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _threshold(fields: _Fields, measure: Measure) -> Threshold | None:
    value = fields.raw(measure)
    match = _THRESHOLD.fullmatch(value.strip()) if isinstance(value, str) else None
    fraction = None if match is None else _fraction(match[2])
    if match is None or fraction is None:
        fields.report(measure, "must read like 'at_least 2/3' or 'more_than 1/2' (or 0.75, 75%)")
        return None
    try:
        return Threshold(measure, fraction, Comparison(match[1]))
    except ValueError as error:  # outside (0, 1], or more than the whole
        fields.report(measure, str(error))
        return None


def _custom_rule(fields: _Fields) -> Rule | None:
    measures = [measure for measure in _CUSTOM_MEASURES if measure in fields.data]
    thresholds = [_threshold(fields, measure) for measure in measures]
    fields.finish(f"not a measure: use {', '.join(_CUSTOM_MEASURES)}")
    if all(measure.is_quorum for measure in measures):
        fields.problems.append(FieldError(fields.path, "needs approval_area or approval_heads"))
        return None
    valid = [threshold for threshold in thresholds if threshold is not None]
    return custom_rule(*valid) if len(valid) == len(thresholds) else None


def _rule(fields: _Fields) -> Rule | None:
    value = fields.raw("rule")
    if value is _MISSING:
        return PRESETS[RuleKind.NONE]
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[RuleKind(value)]
    if isinstance(value, Mapping) and list(value) == [RuleKind.CUSTOM.value]:
        custom = fields.mapping("rule")
        thresholds = custom.mapping(RuleKind.CUSTOM.value) if custom else None
        return None if thresholds is None else _custom_rule(thresholds)
    presets = ", ".join(PRESETS)
    fields.report("rule", f"must be one of {presets}, or custom: {{approval_area: ..., ...}}")
    return None


# ---- questions -----------------------------------------------------------------------------

_OPTION_HINT = "; a button holds it: number long texts in the question and label options briefly"


def _options(fields: _Fields, question_type: QuestionType) -> tuple[Option, ...] | None:
    items = fields.items("options", "options, each with an id and a text")
    if items is None:
        return None
    start = len(fields.problems)
    if not MIN_OPTIONS <= len(items) <= MAX_OPTIONS:
        fields.report(
            "options",
            f"a question of type {question_type} needs {MIN_OPTIONS} to {MAX_OPTIONS} options",
        )
    options: list[Option] = []
    first: dict[str, str] = {}
    for path, item in items:
        if not isinstance(item, Mapping):
            fields.problems.append(FieldError(path, "must be a mapping with an id and a text"))
            continue
        option = _Fields(item, path, fields.problems)
        option_id = option.slug("id")
        text = option.text("text", MAX_BUTTON_TEXT, hint=_OPTION_HINT)
        option.finish()
        if option_id is not None and option_id in first:
            option.report("id", f"repeats the id of {first[option_id]}")
        elif option_id is not None:
            first[option_id] = path
        if option_id is not None and text is not None:
            options.append(Option(option_id, text))
    return None if len(fields.problems) > start else tuple(options)


# Each reader takes a question's own fields (besides id, type, text, required and show_if)
# and returns them as keyword arguments of its class; it reports what is wrong.
_Reader = Callable[[_Fields, QuestionType], dict[str, Any]]


def _read_choice(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"options": _options(fields, question_type)}


def _read_multiple(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    options = _options(fields, question_type)
    count = len(options) if options else MAX_OPTIONS
    low = fields.integer("min", 1, count, default=1)
    high = fields.integer("max", 1, count, default=count)
    if low is not None and high is not None and low > high:
        fields.report("max", f"must be at least min ({low})")
    return {"options": options, "min_choices": low, "max_choices": high}


def _read_ranking(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    options = _options(fields, question_type)
    count = len(options) if options else MAX_OPTIONS
    top = fields.integer("top", 1, count, default=min(_DEFAULT_TOP, count))
    return {"options": options, "top": top}


def _read_rating(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    return {
        "low_label": fields.text("low_label", MAX_RATING_LABEL, required=False),
        "high_label": fields.text("high_label", MAX_RATING_LABEL, required=False),
    }


def _bound(fields: _Fields, key: str, places: int | None) -> Decimal | None:
    value = fields.raw(key, required=True)
    if value is _MISSING:
        return None
    number = _decimal(value)
    if number is None or abs(number) > MAX_MAGNITUDE:
        fields.report(key, f"must be a number from -{MAX_MAGNITUDE:,} to {MAX_MAGNITUDE:,}")
        return None
    if places is not None and number != round(number, places):
        fields.report(key, f"has more decimals than places ({places})")
        return None
    return number


def _read_number(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    places = fields.integer("places", 0, MAX_PLACES, default=0)
    low = _bound(fields, "min", places)
    high = _bound(fields, "max", places)
    if low is not None and high is not None and low >= high:
        fields.report("max", f"must be more than min ({low})")
    unit = fields.text("unit", MAX_UNIT, required=False)
    return {"minimum": low, "maximum": high, "places": places, "unit": unit}


def _read_text(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"max_length": fields.integer("max_length", 1, MAX_TEXT_ANSWER, default=500)}


def _read_agree(fields: _Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"rule": _rule(fields)}


_READERS: dict[QuestionType, tuple[Callable[..., Question], _Reader]] = {
    QuestionType.SINGLE: (SingleChoice, _read_choice),
    QuestionType.MULTIPLE: (MultipleChoice, _read_multiple),
    QuestionType.RANKING: (Ranking, _read_ranking),
    QuestionType.RATING: (Rating, _read_rating),
    QuestionType.NUMBER: (NumberQuestion, _read_number),
    QuestionType.TEXT: (TextQuestion, _read_text),
    QuestionType.AGREE: (AgreeQuestion, _read_agree),
}


def _show_if(
    fields: _Fields, ids: Sequence[object], index: int, earlier: Mapping[str, Question]
) -> ShowIf | None:
    """``ids`` are the raw ids of all questions, ``earlier`` the valid questions before this."""
    condition = fields.mapping("show_if")
    if condition is None:
        return None
    start = len(fields.problems)
    target = condition.slug("question")
    answer = condition.raw("answer", required=True)
    condition.finish()
    if isinstance(answer, str):
        listed = [(condition.at("answer"), answer)]
    elif isinstance(answer, list) and answer:
        listed = [(f"{condition.at('answer')}[{n}]", item) for n, item in enumerate(answer)]
    else:
        if answer is not _MISSING:
            condition.report("answer", "must be an answer id or a list of them")
        listed = []
    answers = [_slug(item, path, fields.problems) for path, item in listed]
    if target is None or not listed or len(fields.problems) > start:
        return None
    if target not in ids[:index]:
        if target == ids[index]:
            reason = "refers to this question itself"
        elif target in ids[index + 1 :]:
            reason = f"must refer to an earlier question; {target} comes later"
        else:
            reason = f"no question has the id {target}"
        condition.report("question", reason)
        return None
    referenced = earlier.get(target)
    if referenced is None:
        return None  # that question has problems of its own, reported there
    allowed = choice_ids(referenced)
    if allowed is None:
        condition.report("question", "must be a single, multiple or agree question")
        return None
    for (path, _), item in zip(listed, answers, strict=True):
        if item not in allowed:
            fields.problems.append(FieldError(path, f"{item} is not an answer of {target}"))
    return None if len(fields.problems) > start else ShowIf(target, frozenset(answers))


def _message_length(question: Question, language: str) -> int:
    """The question as the chat shows it: its text, then its options as a numbered list."""
    lines = [question.text.in_language(language)]
    if isinstance(question, ChoiceQuestion):
        lines += [f"{n}. {o.text.in_language(language)}" for n, o in enumerate(question.options, 1)]
    return telegram_length("\n".join(lines))


def _question(
    path: str,
    item: object,
    ids: Sequence[object],
    index: int,
    earlier: Mapping[str, Question],
    problems: list[FieldError],
) -> Question | None:
    if not isinstance(item, Mapping):
        problems.append(FieldError(path, "must be a mapping with an id, a type and a text"))
        return None
    start = len(problems)
    fields = _Fields(item, path, problems)
    common = {
        "id": fields.slug("id"),
        "text": fields.text("text", MESSAGE_BUDGET),
        "required": fields.flag("required", default=True),
        "show_if": _show_if(fields, ids, index, earlier),
    }
    question_type = fields.choice("type", QuestionType)
    if question_type is None:
        return None  # which other fields belong cannot be told without a type
    cls, read = _READERS[question_type]
    specific = read(fields, question_type)
    fields.finish(f"not a field of a {question_type} question")
    if len(problems) > start:
        return None
    question = cls(**common, **specific)
    for language in ("zh_CN", "en"):
        length = _message_length(question, language)
        if length > MESSAGE_BUDGET:
            problems.append(
                FieldError(
                    path,
                    f"its text and options take {length} characters in {language}; "
                    f"a message holds {MESSAGE_BUDGET}",
                )
            )
            return None
    return question


def _questions(fields: _Fields) -> tuple[list[tuple[str, Question]], bool]:
    """The valid questions with their paths, and whether all of them are valid: checks over
    the whole list would mislead otherwise."""
    items = fields.items("questions", "questions")
    if items is None:
        return [], False
    if not 1 <= len(items) <= MAX_QUESTIONS:
        fields.report("questions", f"a survey has 1 to {MAX_QUESTIONS} questions")
    ids = [item.get("id") if isinstance(item, Mapping) else None for _, item in items]
    earlier: dict[str, Question] = {}
    parsed: list[tuple[str, Question]] = []
    for index, (path, item) in enumerate(items):
        question = _question(path, item, ids, index, earlier, fields.problems)
        if isinstance(ids[index], str) and ids[index] in ids[:index]:
            first = ids.index(ids[index])
            fields.problems.append(
                FieldError(_join(path, "id"), f"repeats the id of {items[first][0]}")
            )
        elif question is not None:
            earlier[question.id] = question
            parsed.append((path, question))
    return parsed, len(parsed) == len(items)


# ---- the definition ------------------------------------------------------------------------


def _check_decided(path: str, question: AgreeQuestion, problems: list[FieldError]) -> None:
    # A decided question counts every flat of the scope: all must be asked it.
    if question.show_if is not None:
        problems.append(FieldError(_join(path, "show_if"), "a decided question is put to everyone"))
    if not question.required:
        problems.append(
            FieldError(
                _join(path, "required"), "a decided question needs an answer (abstain is one)"
            )
        )


def _check_vote(
    fields: _Fields,
    answer_per: AnswerPer | None,
    audience: frozenset[Role] | None,
    ballots: Ballots | None,
    decided: list[tuple[str, AgreeQuestion]],
    all_questions_valid: bool,
) -> None:
    if answer_per is AnswerPer.PERSON:
        fields.report("answer_per", "a vote is answered once per flat")
    if audience is not None and audience != {Role.OWNER}:
        fields.report("audience", "only owners vote: leave it out or write [owner]")
    if ballots is Ballots.ANONYMOUS:
        # An owner may ask a court to revoke the decision (Civil Code art. 280): keep the record.
        fields.report("ballots", "a vote keeps named ballots")
    if all_questions_valid and not decided:
        fields.report("questions", "a vote needs an agree question with a rule")


def _check_opinion(
    fields: _Fields,
    answer_per: AnswerPer | None,
    blocked_by: frozenset[BlockReason] | None,
    decided: list[tuple[str, AgreeQuestion]],
) -> None:
    if blocked_by:
        fields.report("blocked_by", "only a vote can be blocked: write kind: vote")
    for path, question in decided:
        if question.rule.kind in _OWNER_RULES:
            reason = "counts owners' area and heads: only a vote (kind: vote) can use it"
        elif answer_per is AnswerPer.PERSON:
            reason = "counts flats: it needs answer_per: flat"
        else:
            continue
        fields.problems.append(FieldError(_join(path, "rule"), reason))


def _reminders(fields: _Fields) -> tuple[int, ...] | None:
    """Hours before the close, e.g. [48, 2]; an empty list sends no reminders."""
    value = fields.raw("reminders")
    if value is _MISSING:
        return DEFAULT_REMINDERS
    valid = (
        isinstance(value, list)
        and len(value) <= MAX_REMINDERS
        and all(
            isinstance(h, int) and not isinstance(h, bool) and 1 <= h <= MAX_REMINDER_HOURS
            for h in value
        )
    )
    if not valid:
        fields.report(
            "reminders",
            f"must be a list of at most {MAX_REMINDERS} whole numbers of hours "
            f"from 1 to {MAX_REMINDER_HOURS}",
        )
        return None
    hours: list[int] = value  # type: ignore[assignment]
    if len(set(hours)) != len(hours):
        fields.report("reminders", "names a value twice")
        return None
    return tuple(sorted(hours, reverse=True))


def _definition(data: object, problems: list[FieldError]) -> SurveyDefinition | None:
    if not isinstance(data, Mapping):
        problems.append(FieldError("", "must be a mapping with kind, title and questions"))
        return None
    fields = _Fields(data, "", problems)
    kind = fields.choice("kind", SurveyKind)
    title = fields.text("title", MAX_TITLE)
    description = fields.text("description", MAX_DESCRIPTION, required=False)
    closes_after_days = fields.integer("closes_after_days", 1, 365, default=14)
    answer_per = fields.choice("answer_per", AnswerPer, AnswerPer.FLAT)
    default_audience = frozenset({Role.OWNER}) if kind is SurveyKind.VOTE else frozenset(Role)
    audience = fields.choices("audience", Role, default_audience, allow_empty=False)
    default_ballots = Ballots.NAMED if kind is SurveyKind.VOTE else Ballots.ANONYMOUS
    ballots = fields.choice("ballots", Ballots, default_ballots)
    results_visible = fields.choice(
        "results_visible", ResultsVisibility, ResultsVisibility.AFTER_CLOSE
    )
    objection_days = fields.integer("objection_days", 0, 30, default=7)
    blocked_by = fields.choices("blocked_by", BlockReason, frozenset(), allow_empty=True)
    reminders = _reminders(fields)
    questions, all_questions_valid = _questions(fields)
    fields.finish()
    decided = [(p, q) for p, q in questions if isinstance(q, AgreeQuestion) and q.decided]
    for path, question in decided:
        _check_decided(path, question, problems)
    if kind is SurveyKind.VOTE:
        _check_vote(fields, answer_per, audience, ballots, decided, all_questions_valid)
    elif kind is SurveyKind.OPINION:
        _check_opinion(fields, answer_per, blocked_by, decided)
    if problems:
        return None
    # A reader returns None only after reporting a problem: every value is set here.
    return SurveyDefinition(
        kind=kind,
        title=title,
        description=description,
        questions=tuple(question for _, question in questions),
        closes_after_days=closes_after_days,
        answer_per=answer_per,
        audience=audience,
        ballots=ballots,
        results_visible=results_visible,
        objection_days=objection_days,
        blocked_by=blocked_by,
        reminders=reminders,
    )
