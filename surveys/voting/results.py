"""What a survey's tally is made of: participation against the scope, each question's
result, each decided question's figures and outcome, and the breakdown by building and unit.
Figures and ids only, never translated text; `SurveyTally.to_json` gives them as plain data,
and `SurveyTally.from_json` takes them back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from surveys.voting.decision import Outcome, Tally
from surveys.voting.questions import QuestionType


@dataclass(frozen=True)
class Participation:
    """Who answered, against the scope as fixed at opening."""

    eligible_flats: int
    eligible_area: Decimal
    eligible_heads: int
    answered_flats: int
    answered_area: Decimal
    answered_heads: int
    respondents: int  # submitted ballots: flats, or residents for a survey answered per person


@dataclass(frozen=True)
class OptionCount:
    option_id: str  # an option id; a rating's digit; approve / reject / abstain
    respondents: int  # flats, or residents for a survey answered per person
    area: Decimal | None  # None for a survey answered per person
    first_choices: int  # rankings only, else 0
    points: int  # rankings only (Borda), else 0


@dataclass(frozen=True)
class ChoiceResult:
    """Single, multiple, ranking, rating and agree questions: every option, in the
    definition's order, those nobody picked included."""

    question_id: str
    type: QuestionType
    answered: int
    options: tuple[OptionCount, ...]


@dataclass(frozen=True)
class NumberResult:
    question_id: str
    answered: int
    minimum: Decimal | None  # None while nobody answered
    maximum: Decimal | None
    total: Decimal  # exact
    mean: Decimal | None  # rounded to the question's places + 2


@dataclass(frozen=True)
class TextResult:
    """Texts are counted only; they are read in the export."""

    question_id: str
    answered: int


QuestionResult = ChoiceResult | NumberResult | TextResult


@dataclass(frozen=True)
class Decision:
    """A decided agree question: its figures and its outcome under its rule, blocks included
    when the definition's ``blocked_by`` names them."""

    question_id: str
    tally: Tally
    outcome: Outcome


@dataclass(frozen=True, slots=True)  # thousands per tally: slots build faster
class AgreeCounts:
    question_id: str
    approve: int
    reject: int
    abstain: int


@dataclass(frozen=True, slots=True)  # thousands per tally: slots build faster
class PlaceTally:
    """Flats of one unit (or of a whole building, ``unit`` None) that answered, and how they
    answered each decided question. An anonymous survey leaves ``agree`` empty: in a unit with
    one respondent the counts would tell that flat's answer."""

    building: str
    unit: str | None
    eligible_flats: int
    answered_flats: int
    agree: tuple[AgreeCounts, ...]


@dataclass(frozen=True)
class SurveyTally:
    survey_id: int
    participation: Participation
    questions: tuple[QuestionResult, ...]  # in the definition's order
    decisions: tuple[Decision, ...]  # none while the scope is empty (a draft)
    objections: int  # written objections received, whether or not they block
    missing_consents: int  # affected flats that have not consented
    buildings: tuple[PlaceTally, ...]
    units: tuple[PlaceTally, ...]

    def question(self, question_id: str) -> QuestionResult:
        return next(result for result in self.questions if result.question_id == question_id)

    def decision(self, question_id: str) -> Decision:
        return next(each for each in self.decisions if each.question_id == question_id)

    def without_places(self) -> SurveyTally:
        """The tally without its breakdown by building and unit, which a chart does not show:
        thousands of units fewer to hand over to the process that draws it."""
        return replace(self, buildings=(), units=())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: Decimals as strings ("1234.50"), fractions as "2/3", enums as
        their values."""
        return _plain(self)

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], decide: Callable[[str, Tally], Decision]
    ) -> SurveyTally:
        """The tally `to_json` gave. Outcomes are not read back: ``decide`` decides each
        question again from its figures, under the rules and the inputs of now."""
        return cls(
            survey_id=data["survey_id"],
            participation=Participation(
                **_decimals(data["participation"], "eligible_area", "answered_area")
            ),
            questions=tuple(_question(each) for each in data["questions"]),
            decisions=tuple(
                decide(
                    each["question_id"],
                    Tally(
                        **_decimals(
                            each["tally"], "scope_area", "participating_area", "approving_area"
                        )
                    ),
                )
                for each in data["decisions"]
            ),
            objections=data["objections"],
            missing_consents=data["missing_consents"],
            buildings=tuple(_place(each) for each in data["buildings"]),
            units=tuple(_place(each) for each in data["units"]),
        )


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _decimals(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """``data`` with the named values, strings in JSON, as Decimals again."""
    return {
        name: Decimal(value) if name in names and value is not None else value
        for name, value in data.items()
    }


def _question(data: Mapping[str, Any]) -> QuestionResult:
    if "options" in data:
        options = tuple(OptionCount(**_decimals(each, "area")) for each in data["options"])
        return ChoiceResult(
            data["question_id"], QuestionType(data["type"]), data["answered"], options
        )
    if "total" in data:
        return NumberResult(**_decimals(data, "minimum", "maximum", "total", "mean"))
    return TextResult(**data)


def _place(data: Mapping[str, Any]) -> PlaceTally:
    return PlaceTally(**{**data, "agree": tuple(AgreeCounts(**each) for each in data["agree"])})
