"""Survey definitions read with their defaults."""

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from surveys.voting.decision import PRESETS, BlockReason, Comparison, Measure, RuleKind, Threshold
from surveys.voting.decision import custom_rule as make_custom_rule
from surveys.voting.questions import (
    AgreeQuestion,
    Localized,
    MultipleChoice,
    NumberQuestion,
    Ranking,
    ShowIf,
)
from surveys.voting.schema import (
    AnswerPer,
    Ballots,
    ResultsVisibility,
    Role,
    SurveyKind,
)
from tests.surveys.definitions import (
    BASE,
    VOTE_QUESTION,
    load,
    options,
    problems,
    single,
    survey,
)

# ---- valid definitions ---------------------------------------------------------------------


def test_a_minimal_opinion_survey_takes_the_documented_defaults() -> None:
    definition = load(BASE)
    assert definition.kind is SurveyKind.OPINION
    assert definition.title == Localized("楼道照明改造")
    assert definition.description is None
    assert definition.closes_after_days == 14
    assert definition.answer_per is AnswerPer.FLAT
    assert definition.audience == {Role.OWNER, Role.FAMILY, Role.TENANT}
    assert definition.ballots is Ballots.ANONYMOUS
    assert definition.results_visible is ResultsVisibility.AFTER_CLOSE
    assert definition.objection_days == 7
    assert definition.blocked_by == frozenset()
    assert definition.question("q1").required
    assert definition.decided_questions == ()


def test_a_vote_defaults_to_owners_and_named_ballots() -> None:
    definition = load(survey(VOTE_QUESTION, kind="vote"))
    assert definition.audience == {Role.OWNER}
    assert definition.ballots is Ballots.NAMED
    (decided,) = definition.decided_questions
    assert decided.rule == PRESETS[RuleKind.CIVIL_CODE_ORDINARY]


def test_texts_are_chinese_strings_or_language_mappings() -> None:
    definition = load(
        survey(
            title={"zh_CN": "加装电梯", "en": "Adding an elevator"},
            description="第一行\n第二行\n",
        )
    )
    assert definition.title.in_language("en") == "Adding an elevator"
    assert definition.title.in_language("zh_CN") == "加装电梯"
    assert definition.description == Localized("第一行\n第二行")  # the block's newline is cut
    assert definition.description.in_language("en") == "第一行\n第二行"  # falls back to Chinese


def test_question_fields_are_read_with_their_defaults() -> None:
    definition = load(
        survey(
            {"id": "many", "type": "multiple", "text": "多选", "options": options(5)},
            {"id": "order", "type": "ranking", "text": "排序", "options": options(2)},
            {"id": "amount", "type": "number", "text": "金额", "min": 0, "max": 0.5, "places": 2},
        )
    )
    many, order, amount = definition.questions
    assert isinstance(many, MultipleChoice)
    assert (many.min_choices, many.max_choices) == (1, 5)
    assert isinstance(order, Ranking)
    assert order.top == 2  # three by default, but only two options
    assert isinstance(amount, NumberQuestion)
    assert (amount.minimum, amount.maximum, amount.places) == (0, Decimal("0.5"), 2)
    assert amount.unit is None


def test_show_if_names_an_earlier_answer_or_several() -> None:
    definition = load(
        survey(
            single("q1"),
            single("q2", show_if={"question": "q1", "answer": "yes"}),
            single("q3", show_if={"question": "q1", "answer": ["yes", "no"]}),
        )
    )
    assert definition.question("q2").show_if == ShowIf("q1", frozenset({"yes"}))
    assert definition.question("q3").show_if == ShowIf("q1", frozenset({"yes", "no"}))


@pytest.mark.parametrize(
    ("written", "fraction", "comparison"),
    [
        ("at_least 2/3", Fraction(2, 3), Comparison.AT_LEAST),
        ("more_than 1/2", Fraction(1, 2), Comparison.MORE_THAN),
        ("at_least 0.75", Fraction(3, 4), Comparison.AT_LEAST),
        ("at_least 70%", Fraction(7, 10), Comparison.AT_LEAST),
        ("at_least 1", Fraction(1), Comparison.AT_LEAST),
    ],
)
def test_custom_thresholds_are_exact_fractions(
    written: str, fraction: Fraction, comparison: Comparison
) -> None:
    rule = {"custom": {"quorum_area": "at_least 2/3", "approval_heads": written}}
    definition = load(survey({**VOTE_QUESTION, "rule": rule}, kind="vote"))
    question = definition.question("v")
    assert isinstance(question, AgreeQuestion)
    assert question.rule == make_custom_rule(
        Threshold(Measure.QUORUM_AREA, Fraction(2, 3)),
        Threshold(Measure.APPROVAL_HEADS, fraction, comparison),
    )


def test_an_elevator_vote_lists_what_blocks_it() -> None:
    blocked_by = ["written_objections", "missing_affected_consents"]
    definition = load(survey(VOTE_QUESTION, kind="vote", blocked_by=blocked_by))
    assert definition.blocked_by == set(BlockReason)


def test_reminders_default_to_two_days_and_two_hours_before_the_close() -> None:
    assert load(survey()).reminders == (48, 2)
    assert load(survey(reminders=[2, 24, 72])).reminders == (72, 24, 2)
    assert load(survey(reminders=[])).reminders == ()


@pytest.mark.parametrize(
    "reminders", [[0], [721], [1.5], [True], "48", [1, 2, 3, 4, 5, 6]], ids=repr
)
def test_reminders_are_a_few_whole_hours(reminders: Any) -> None:
    assert problems(survey(reminders=reminders)) == [
        ("reminders", "must be a list of at most 5 whole numbers of hours from 1 to 720")
    ]


def test_a_reminder_is_named_once() -> None:
    assert problems(survey(reminders=[2, 2])) == [("reminders", "names a value twice")]
