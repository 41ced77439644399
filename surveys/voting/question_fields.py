"""Reading a survey definition's questions: their types, options, bounds, conditions and
decision rules, each checked against what Telegram can show."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from surveys.text import telegram_length
from surveys.voting.decision import (
    PRESETS,
    Comparison,
    Measure,
    Rule,
    RuleKind,
    Threshold,
    custom_rule,
)
from surveys.voting.fields import (
    DEFAULT_TOP,
    MAX_MAGNITUDE,
    MAX_PLACES,
    MAX_QUESTIONS,
    MAX_RATING_LABEL,
    MAX_TEXT_ANSWER,
    MAX_UNIT,
    MISSING,
    FieldError,
    Fields,
    decimal_value,
    join_path,
    slug,
)
from surveys.voting.questions import (
    MAX_BUTTON_TEXT,
    MAX_OPTIONS,
    MESSAGE_BUDGET,
    MIN_OPTIONS,
    AgreeQuestion,
    ChoiceQuestion,
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

_THRESHOLD = re.compile(r"(at_least|more_than)\s+(\S+)")
_CUSTOM_MEASURES = (
    Measure.QUORUM_AREA,
    Measure.QUORUM_HEADS,
    Measure.APPROVAL_AREA,
    Measure.APPROVAL_HEADS,
)
OWNER_RULES = frozenset(
    {RuleKind.CIVIL_CODE_ORDINARY, RuleKind.CIVIL_CODE_MAJOR, RuleKind.CUSTOM}
)  # they count owners' area and heads


def parse_fraction(text: str) -> Fraction | None:
    """2/3, 0.75 or 75%, exactly: 2/3 must stay 2/3."""
    try:
        return Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def read_threshold(fields: Fields, measure: Measure) -> Threshold | None:
    value = fields.raw(measure)
    match = _THRESHOLD.fullmatch(value.strip()) if isinstance(value, str) else None
    fraction = None if match is None else parse_fraction(match[2])
    if match is None or fraction is None:
        fields.report(measure, "must read like 'at_least 2/3' or 'more_than 1/2' (or 0.75, 75%)")
        return None
    try:
        return Threshold(measure, fraction, Comparison(match[1]))
    except ValueError as error:  # outside (0, 1], or more than the whole
        fields.report(measure, str(error))
        return None


def read_custom_rule(fields: Fields) -> Rule | None:
    measures = [measure for measure in _CUSTOM_MEASURES if measure in fields.data]
    thresholds = [read_threshold(fields, measure) for measure in measures]
    fields.finish(f"not a measure: use {', '.join(_CUSTOM_MEASURES)}")
    if all(measure.is_quorum for measure in measures):
        fields.problems.append(FieldError(fields.path, "needs approval_area or approval_heads"))
        return None
    valid = [threshold for threshold in thresholds if threshold is not None]
    return custom_rule(*valid) if len(valid) == len(thresholds) else None


def read_rule(fields: Fields) -> Rule | None:
    value = fields.raw("rule")
    if value is MISSING:
        return PRESETS[RuleKind.NONE]
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[RuleKind(value)]
    if isinstance(value, Mapping) and list(value) == [RuleKind.CUSTOM.value]:
        custom = fields.mapping("rule")
        thresholds = custom.mapping(RuleKind.CUSTOM.value) if custom else None
        return None if thresholds is None else read_custom_rule(thresholds)
    presets = ", ".join(PRESETS)
    fields.report("rule", f"must be one of {presets}, or custom: {{approval_area: ..., ...}}")
    return None


# ---- questions -----------------------------------------------------------------------------

_OPTION_HINT = "; a button holds it: number long texts in the question and label options briefly"


def read_options(fields: Fields, question_type: QuestionType) -> tuple[Option, ...] | None:
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
        option = Fields(item, path, fields.problems)
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
_Reader = Callable[[Fields, QuestionType], dict[str, Any]]


def _read_choice(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"options": read_options(fields, question_type)}


def _read_multiple(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    options = read_options(fields, question_type)
    count = len(options) if options else MAX_OPTIONS
    low = fields.integer("min", 1, count, default=1)
    high = fields.integer("max", 1, count, default=count)
    if low is not None and high is not None and low > high:
        fields.report("max", f"must be at least min ({low})")
    return {"options": options, "min_choices": low, "max_choices": high}


def _read_ranking(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    options = read_options(fields, question_type)
    count = len(options) if options else MAX_OPTIONS
    top = fields.integer("top", 1, count, default=min(DEFAULT_TOP, count))
    return {"options": options, "top": top}


def _read_rating(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    return {
        "low_label": fields.text("low_label", MAX_RATING_LABEL, required=False),
        "high_label": fields.text("high_label", MAX_RATING_LABEL, required=False),
    }


def _bound(fields: Fields, key: str, places: int | None) -> Decimal | None:
    value = fields.raw(key, required=True)
    if value is MISSING:
        return None
    number = decimal_value(value)
    if number is None or abs(number) > MAX_MAGNITUDE:
        fields.report(key, f"must be a number from -{MAX_MAGNITUDE:,} to {MAX_MAGNITUDE:,}")
        return None
    if places is not None and number != round(number, places):
        fields.report(key, f"has more decimals than places ({places})")
        return None
    return number


def _read_number(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    places = fields.integer("places", 0, MAX_PLACES, default=0)
    low = _bound(fields, "min", places)
    high = _bound(fields, "max", places)
    if low is not None and high is not None and low >= high:
        fields.report("max", f"must be more than min ({low})")
    unit = fields.text("unit", MAX_UNIT, required=False)
    return {"minimum": low, "maximum": high, "places": places, "unit": unit}


def _read_text(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"max_length": fields.integer("max_length", 1, MAX_TEXT_ANSWER, default=500)}


def _read_agree(fields: Fields, question_type: QuestionType) -> dict[str, Any]:
    return {"rule": read_rule(fields)}


_READERS: dict[QuestionType, tuple[Callable[..., Question], _Reader]] = {
    QuestionType.SINGLE: (SingleChoice, _read_choice),
    QuestionType.MULTIPLE: (MultipleChoice, _read_multiple),
    QuestionType.RANKING: (Ranking, _read_ranking),
    QuestionType.RATING: (Rating, _read_rating),
    QuestionType.NUMBER: (NumberQuestion, _read_number),
    QuestionType.TEXT: (TextQuestion, _read_text),
    QuestionType.AGREE: (AgreeQuestion, _read_agree),
}


def read_show_if(
    fields: Fields, ids: Sequence[object], index: int, earlier: Mapping[str, Question]
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
        if answer is not MISSING:
            condition.report("answer", "must be an answer id or a list of them")
        listed = []
    answers = [slug(item, path, fields.problems) for path, item in listed]
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


def message_length(question: Question, language: str) -> int:
    """The question as the chat shows it: its text, then its options as a numbered list."""
    lines = [question.text.in_language(language)]
    if isinstance(question, ChoiceQuestion):
        lines += [f"{n}. {o.text.in_language(language)}" for n, o in enumerate(question.options, 1)]
    return telegram_length("\n".join(lines))


def read_question(
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
    fields = Fields(item, path, problems)
    common = {
        "id": fields.slug("id"),
        "text": fields.text("text", MESSAGE_BUDGET),
        "required": fields.flag("required", default=True),
        "show_if": read_show_if(fields, ids, index, earlier),
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
        length = message_length(question, language)
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


def read_questions(fields: Fields) -> tuple[list[tuple[str, Question]], bool]:
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
        question = read_question(path, item, ids, index, earlier, fields.problems)
        if isinstance(ids[index], str) and ids[index] in ids[:index]:
            first = ids.index(ids[index])
            fields.problems.append(
                FieldError(join_path(path, "id"), f"repeats the id of {items[first][0]}")
            )
        elif question is not None:
            earlier[question.id] = question
            parsed.append((path, question))
    return parsed, len(parsed) == len(items)


# ---- the definition ------------------------------------------------------------------------
