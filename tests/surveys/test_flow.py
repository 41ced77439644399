from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.voting.decision import Answer
from surveys.voting.flow import (
    AnswerRejected,
    AnswerValue,
    QuestionNumber,
    RejectReason,
    effective_answers,
    progress,
    validate_answer,
)
from surveys.voting.questions import (
    AgreeQuestion,
    Localized,
    MultipleChoice,
    NumberQuestion,
    Option,
    Question,
    Ranking,
    Rating,
    SingleChoice,
    TextQuestion,
)
from surveys.voting.schema import SurveyDefinition, load_definition
from surveys.voting.templates import load_template, template_names

# q1 → q2 if q1 is yes → q3 if q2 includes "a"; q4 is optional; q5 is a rating.
CONDITIONAL = load_definition(
    """
kind: opinion
title: 条件问题
questions:
  - id: q1
    type: single
    text: 需要改造吗？
    options: [{id: "yes", text: 需要}, {id: "no", text: 不需要}]
  - id: q2
    type: multiple
    text: 改造哪些？
    show_if: {question: q1, answer: "yes"}
    options: [{id: a, text: 甲}, {id: b, text: 乙}, {id: c, text: 丙}]
  - id: q3
    type: text
    text: 甲怎么改？
    show_if: {question: q2, answer: a}
  - id: q4
    type: text
    required: false
    text: 其他意见？
  - id: q5
    type: rating
    text: 评分
"""
)


def ids(questions: tuple[Question, ...]) -> list[str]:
    return [question.id for question in questions]


def test_before_any_answer_conditional_questions_are_hidden() -> None:
    state = progress(CONDITIONAL, {})
    assert ids(state.visible) == ["q1", "q4", "q5"]
    assert state.next_question is CONDITIONAL.question("q1")
    assert state.numbering("q5") == QuestionNumber(3, 3)
    assert not state.finished


def test_an_answer_reveals_the_questions_that_depend_on_it() -> None:
    state = progress(CONDITIONAL, {"q1": "yes"})
    assert ids(state.visible) == ["q1", "q2", "q4", "q5"]
    assert state.numbering("q4") == QuestionNumber(3, 4)  # was question 2 of 3
    assert state.next_question is CONDITIONAL.question("q2")
    state = progress(CONDITIONAL, {"q1": "yes", "q2": frozenset({"b", "a"})})
    assert ids(state.visible) == ["q1", "q2", "q3", "q4", "q5"]
    state = progress(CONDITIONAL, {"q1": "yes", "q2": frozenset({"b", "c"})})
    assert "q3" not in ids(state.visible)


def test_changing_an_answer_drops_the_answers_of_questions_it_hides() -> None:
    answers: dict[str, AnswerValue | None] = {
        "q1": "yes",
        "q2": frozenset({"a"}),
        "q3": "拆掉重建",
        "q4": None,
        "q5": 4,
    }
    assert progress(CONDITIONAL, answers).finished
    answers["q1"] = "no"  # hides q2, and with it q3
    state = progress(CONDITIONAL, answers)
    assert dict(state.answers) == {"q1": "no", "q4": None, "q5": 4}
    assert state.dropped == {"q2", "q3"}
    assert effective_answers(CONDITIONAL, answers) == state.answers
    assert state.numbering("q5") == QuestionNumber(3, 3)
    with pytest.raises(KeyError):
        state.numbering("q2")
    assert state.finished


def test_a_hidden_question_is_hidden_even_if_its_condition_still_holds_on_paper() -> None:
    # q3's condition (q2 includes a) holds in the stored answers, but q2 itself is hidden.
    answers = {"q1": "no", "q2": frozenset({"a"}), "q3": "x"}
    assert "q3" not in ids(progress(CONDITIONAL, answers).visible)


def test_finished_needs_every_required_visible_answer_but_no_optional_one() -> None:
    assert not progress(CONDITIONAL, {"q1": "no"}).finished
    state = progress(CONDITIONAL, {"q1": "no", "q5": 3})
    assert state.finished
    assert state.next_question is CONDITIONAL.question("q4")  # optional, still offered
    state = progress(CONDITIONAL, {"q1": "no", "q4": None, "q5": 3})
    assert state.next_question is None


def test_a_skip_does_not_answer_a_required_question() -> None:
    state = progress(CONDITIONAL, {"q1": None, "q4": None, "q5": 3})
    assert not state.finished
    assert state.next_question is CONDITIONAL.question("q1")


def test_answers_to_unknown_questions_do_not_count() -> None:
    state = progress(CONDITIONAL, {"q1": "no", "gone": "x"})
    assert "gone" not in state.answers
    assert state.dropped == {"gone"}


# ---- validators ----------------------------------------------------------------------------

OPTIONS = tuple(Option(o, Localized(o)) for o in ("a", "b", "c", "d"))
TEXT = Localized("?")
SINGLE = SingleChoice(id="s", text=TEXT, options=OPTIONS)
MULTIPLE = MultipleChoice(id="m", text=TEXT, options=OPTIONS, min_choices=2, max_choices=3)
RANKING = Ranking(id="r", text=TEXT, options=OPTIONS, top=3)
RATING = Rating(id="g", text=TEXT)
MONEY = NumberQuestion(
    id="n",
    text=TEXT,
    minimum=Decimal("0"),
    maximum=Decimal("10000"),
    places=2,
    unit=Localized("元", "yuan"),
)
WHOLE = NumberQuestion(id="w", text=TEXT, minimum=Decimal(-5), maximum=Decimal(5))
COMMENT = TextQuestion(id="t", text=TEXT, max_length=10)
AGREE = AgreeQuestion(id="v", text=TEXT)


@pytest.mark.parametrize(
    ("question", "raw", "value"),
    [
        (SINGLE, "b", "b"),
        (MULTIPLE, ["a", "c"], frozenset({"a", "c"})),
        (MULTIPLE, {"a", "b", "d"}, frozenset({"a", "b", "d"})),
        (RANKING, ("c", "a", "d"), ("c", "a", "d")),
        (RANKING, ["b", "c", "a"], ("b", "c", "a")),
        (RATING, "4", 4),
        (RATING, 1, 1),
        (RATING, "５", 5),  # full-width, as Chinese keyboards type it
        (MONEY, "1,234.5", Decimal("1234.50")),
        (MONEY, "１２．３", Decimal("12.30")),
        (MONEY, "50元", Decimal("50.00")),
        (MONEY, "50 yuan", Decimal("50.00")),
        (MONEY, " 0 ", Decimal("0.00")),
        (MONEY, "10000.00", Decimal("10000.00")),
        (MONEY, Decimal("7.1"), Decimal("7.10")),
        (MONEY, 12, Decimal("12.00")),
        (WHOLE, "-5", Decimal(-5)),
        (WHOLE, "+3", Decimal(3)),
        (WHOLE, "2.00", Decimal(2)),  # trailing zeros change nothing
        (COMMENT, "  楼道太暗  ", "楼道太暗"),
        (COMMENT, "一二三四五六七八九十", "一二三四五六七八九十"),
        (AGREE, "approve", Answer.APPROVE),
        (AGREE, "abstain", Answer.ABSTAIN),
        (AGREE, Answer.REJECT, Answer.REJECT),
    ],
)
def test_an_acceptable_answer_is_kept_in_its_canonical_form(
    question: Question, raw: Any, value: AnswerValue
) -> None:
    kept = validate_answer(question, raw)
    assert kept == value
    assert type(kept) is type(value)


@pytest.mark.parametrize(
    ("question", "raw", "reason", "details"),
    [
        (SINGLE, "e", RejectReason.UNKNOWN_OPTION, {"option": "e"}),
        (SINGLE, ["a"], RejectReason.MALFORMED, {}),
        (SINGLE, None, RejectReason.REQUIRED, {}),
        (MULTIPLE, ["a"], RejectReason.TOO_FEW, {"minimum": 2}),
        (MULTIPLE, ["a", "b", "c", "d"], RejectReason.TOO_MANY, {"maximum": 3}),
        (MULTIPLE, ["a", "a"], RejectReason.DUPLICATE_OPTION, {"option": "a"}),
        (MULTIPLE, ["a", "x"], RejectReason.UNKNOWN_OPTION, {"option": "x"}),
        (MULTIPLE, "ab", RejectReason.MALFORMED, {}),
        (MULTIPLE, [], RejectReason.REQUIRED, {}),
        (MULTIPLE, ["a", 1], RejectReason.MALFORMED, {}),
        (RANKING, ["a", "b"], RejectReason.WRONG_COUNT, {"expected": 3}),
        (RANKING, ["a", "b", "c", "d"], RejectReason.WRONG_COUNT, {"expected": 3}),
        (RANKING, ["a", "b", "a"], RejectReason.DUPLICATE_OPTION, {"option": "a"}),
        (RANKING, {"a", "b", "c"}, RejectReason.MALFORMED, {}),  # a set has no order
        (RATING, "6", RejectReason.ABOVE_MAXIMUM, {"maximum": 5}),
        (RATING, "0", RejectReason.BELOW_MINIMUM, {"minimum": 1}),
        (RATING, "3.5", RejectReason.TOO_MANY_PLACES, {"places": 0}),
        (RATING, "good", RejectReason.NOT_A_NUMBER, {}),
        (RATING, True, RejectReason.MALFORMED, {}),
        (MONEY, "12.345", RejectReason.TOO_MANY_PLACES, {"places": 2}),
        (MONEY, "-1", RejectReason.BELOW_MINIMUM, {"minimum": 0}),
        (MONEY, "10000.01", RejectReason.ABOVE_MAXIMUM, {"maximum": 10000}),
        (MONEY, "1,23", RejectReason.NOT_A_NUMBER, {}),  # not grouped by thousands
        (MONEY, "1e3", RejectReason.NOT_A_NUMBER, {}),
        (MONEY, "五十", RejectReason.NOT_A_NUMBER, {}),
        (MONEY, "50美元", RejectReason.NOT_A_NUMBER, {}),
        (MONEY, 12.5, RejectReason.MALFORMED, {}),  # a float is already rounded
        (MONEY, Decimal("NaN"), RejectReason.NOT_A_NUMBER, {}),
        (WHOLE, "1.5", RejectReason.TOO_MANY_PLACES, {"places": 0}),
        (COMMENT, "   ", RejectReason.REQUIRED, {}),
        (
            COMMENT,
            "一二三四五六七八九十一",
            RejectReason.TOO_LONG,
            {"max_length": 10, "length": 11},
        ),
        (COMMENT, "🏠" * 6, RejectReason.TOO_LONG, {"max_length": 10, "length": 12}),
        (COMMENT, 5, RejectReason.MALFORMED, {}),
        (AGREE, "yes", RejectReason.UNKNOWN_OPTION, {"option": "yes"}),
        (AGREE, ["approve"], RejectReason.MALFORMED, {}),
    ],
)
def test_an_unacceptable_answer_is_rejected_with_a_reason_code(
    question: Question, raw: Any, reason: RejectReason, details: dict[str, Any]
) -> None:
    with pytest.raises(AnswerRejected) as caught:
        validate_answer(question, raw)
    assert caught.value.reason is reason
    assert caught.value.details == details


@pytest.mark.parametrize("raw", [None, "", "  ", [], set()])
def test_a_blank_answer_skips_an_optional_question(raw: object) -> None:
    for question in (SINGLE, MULTIPLE, RANKING, RATING, MONEY, COMMENT, AGREE):
        assert validate_answer(replace(question, required=False), raw) is None


# ---- any valid way through a survey ends finished ------------------------------------------


def valid_answers(question: Question) -> st.SearchStrategy[object]:
    """Raw answers a resident could give, as the chat would pass them on."""
    match question:
        case SingleChoice():
            answers = st.sampled_from(question.option_ids)
        case MultipleChoice():
            answers = st.lists(
                st.sampled_from(question.option_ids),
                min_size=question.min_choices,
                max_size=question.max_choices,
                unique=True,
            )
        case Ranking():
            answers = st.permutations(question.option_ids).map(lambda p: p[: question.top])
        case Rating():
            answers = st.integers(1, 5) | st.sampled_from("12345")
        case NumberQuestion():
            answers = st.decimals(question.minimum, question.maximum, places=question.places).map(
                lambda number: format(number, "f")
            )
        case TextQuestion():
            # Astral characters count twice, so half the limit always fits.
            answers = st.text(min_size=1, max_size=question.max_length // 2).filter(str.strip)
        case AgreeQuestion():
            answers = st.sampled_from([answer.value for answer in Answer])
    return answers if question.required else st.none() | answers


DEFINITIONS = {"conditional": CONDITIONAL} | {
    name: load_template(name) for name in template_names()
}


@pytest.mark.parametrize("name", DEFINITIONS)
@given(data=st.data())
def test_any_valid_way_through_a_survey_ends_finished(name: str, data: st.DataObject) -> None:
    definition: SurveyDefinition = DEFINITIONS[name]
    answers: dict[str, AnswerValue | None] = {}
    for _ in definition.questions:
        state = progress(definition, answers)
        question = state.next_question
        if question is None:
            break
        number, total = state.numbering(question.id)
        assert number == len(state.answers) + 1 <= total
        answers[question.id] = validate_answer(question, data.draw(valid_answers(question)))
    state = progress(definition, answers)
    assert state.next_question is None
    assert state.finished
    assert state.dropped == frozenset()


@pytest.mark.parametrize("name", DEFINITIONS)
@given(data=st.data())
def test_changing_any_answer_keeps_only_answers_to_visible_questions(
    name: str, data: st.DataObject
) -> None:
    definition: SurveyDefinition = DEFINITIONS[name]
    answers: dict[str, AnswerValue | None] = {}
    for question in definition.questions:  # answer everything, visible or not, in any order
        if data.draw(st.booleans()):
            answers[question.id] = validate_answer(question, data.draw(valid_answers(question)))
    state = progress(definition, answers)
    assert set(state.answers) <= set(ids(state.visible))
    assert set(state.answers) | state.dropped == set(answers)
    # What counts decides visibility by itself: recomputing from it changes nothing.
    again = progress(definition, state.answers)
    assert again.visible == state.visible
    assert again.answers == state.answers
    assert state.finished == (
        all(state.answers.get(q.id) is not None for q in state.visible if q.required)
    )
