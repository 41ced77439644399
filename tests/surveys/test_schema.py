import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import yaml

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
    SchemaError,
    SurveyKind,
    load_definition,
)

YES_NO = [{"id": "yes", "text": "需要"}, {"id": "no", "text": "不需要"}]
BASE: dict[str, Any] = {
    "kind": "opinion",
    "title": "楼道照明改造",
    "questions": [
        {"id": "q1", "type": "single", "text": "楼道照明需要改造吗？", "options": YES_NO}
    ],
}
VOTE_QUESTION = {"id": "v", "type": "agree", "text": "是否同意？", "rule": "civil_code_ordinary"}


def survey(*questions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    if questions:
        data["questions"] = list(questions)
    data.update(fields)
    return data


def load(data: dict[str, Any]):
    return load_definition(yaml.safe_dump(data, allow_unicode=True))


def problems(source: dict[str, Any] | str) -> list[tuple[str, str]]:
    text = source if isinstance(source, str) else yaml.safe_dump(source, allow_unicode=True)
    with pytest.raises(SchemaError) as caught:
        load_definition(text)
    return [(error.path, error.reason) for error in caught.value.errors]


def single(question_id: str = "q1", **fields: Any) -> dict[str, Any]:
    return {"id": question_id, "type": "single", "text": "选哪个？", "options": YES_NO, **fields}


def options(count: int) -> list[dict[str, str]]:
    return [{"id": f"o{n}", "text": f"选项{n}"} for n in range(count)]


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


# ---- invalid definitions: every problem, with its path and reason -------------------------

LONG_TEXT = "长" * 65
EMOJI_33 = "🏠" * 33  # 66 UTF-16 code units, as Telegram counts them


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        # the document and its fields
        (["kind"], "", "must be a mapping"),
        (survey(kind="poll"), "kind", "must be one of opinion, vote"),
        ({k: v for k, v in BASE.items() if k != "title"}, "title", "is required"),
        (survey(titel="x"), "titel", "unknown field"),
        (survey(title={"en": "x"}), "title.zh_CN", "is required"),
        (survey(title={"zh_CN": "x", "zh-CN": "y"}), "title.zh-CN", "unknown language"),
        (survey(title="   "), "title", "must be a non-empty text"),
        (survey(title="长" * 101), "title", "at most 100 characters (has 101)"),
        (survey(closes_after_days=0), "closes_after_days", "whole number from 1 to 365"),
        (survey(closes_after_days=True), "closes_after_days", "whole number from 1 to 365"),
        (survey(objection_days=31), "objection_days", "whole number from 0 to 30"),
        (survey(answer_per="room"), "answer_per", "must be one of flat, person"),
        (survey(audience=[]), "audience", "must be a list of owner, family, tenant"),
        (survey(audience=["owner", "guest"]), "audience", "must be a list of"),
        (survey(audience=["owner", "owner"]), "audience", "names a value twice"),
        (survey(ballots="secret"), "ballots", "must be one of named, anonymous"),
        (survey(results_visible="never"), "results_visible", "must be one of after_close, live"),
        (survey(questions=[]), "questions", "a survey has 1 to 50 questions"),
        (survey(*[single(f"q{n}") for n in range(51)]), "questions", "1 to 50 questions"),
        (survey(questions={"q1": {}}), "questions", "must be a list of questions"),
        # questions
        (survey("q1"), "questions[0]", "must be a mapping"),
        (survey(single("Q-1")), "questions[0].id", "must be 1 to 16 characters of a-z, 0-9 and _"),
        (survey(single("q" * 17)), "questions[0].id", "must be 1 to 16 characters"),
        (survey(single(), single()), "questions[1].id", "repeats the id of questions[0]"),
        (survey(single(type="choice")), "questions[0].type", "must be one of single, multiple"),
        (survey(single(required="yes")), "questions[0].required", "must be true or false"),
        (survey(single(text="")), "questions[0].text", "must be a non-empty text"),
        (survey(single(hint="x")), "questions[0].hint", "not a field of a single question"),
        (
            survey({"id": "r", "type": "rating", "text": "评分", "options": YES_NO}),
            "questions[0].options",
            "not a field of a rating question",
        ),
        (survey(single(rule="simple_majority")), "questions[0].rule", "not a field of a single"),
        # options
        (
            survey(single(options=options(1))),
            "questions[0].options",
            "a question of type single needs 2 to 100 options",
        ),
        (survey(single(options=options(101))), "questions[0].options", "needs 2 to 100 options"),
        (survey(single(options="yes, no")), "questions[0].options", "must be a list of options"),
        (survey(single(options=["yes", "no"])), "questions[0].options[0]", "must be a mapping"),
        (
            survey(single(options=[*YES_NO, {"id": "yes", "text": "再来"}])),
            "questions[0].options[2].id",
            "repeats the id of questions[0].options[0]",
        ),
        (
            survey(single(options=[{"id": "a", "text": LONG_TEXT}, *YES_NO])),
            "questions[0].options[0].text",
            "at most 64 characters (has 65); a button holds it",
        ),
        (
            survey(single(options=[{"id": "a", "text": EMOJI_33}, *YES_NO])),
            "questions[0].options[0].text",
            "at most 64 characters (has 66)",
        ),
        (
            survey(single(options=[{"id": "a", "text": {"zh_CN": "甲", "en": "x" * 65}}, *YES_NO])),
            "questions[0].options[0].text.en",
            "at most 64 characters",
        ),
        (
            survey(single(options=[{"id": "a", "text": "甲", "emoji": "x"}, *YES_NO])),
            "questions[0].options[0].emoji",
            "unknown field",
        ),
        # per type
        (
            survey(
                {
                    "id": "m",
                    "type": "multiple",
                    "text": "多选",
                    "options": options(4),
                    "min": 3,
                    "max": 2,
                }
            ),
            "questions[0].max",
            "must be at least min (3)",
        ),
        (
            survey(
                {"id": "m", "type": "multiple", "text": "多选", "options": options(4), "max": 5}
            ),
            "questions[0].max",
            "whole number from 1 to 4",
        ),
        (
            survey({"id": "r", "type": "ranking", "text": "排序", "options": options(4), "top": 5}),
            "questions[0].top",
            "whole number from 1 to 4",
        ),
        (
            survey({"id": "n", "type": "number", "text": "几人？", "max": 9}),
            "questions[0].min",
            "is required",
        ),
        (
            survey({"id": "n", "type": "number", "text": "几人？", "min": 9, "max": 9}),
            "questions[0].max",
            "must be more than min (9)",
        ),
        (
            survey(
                {"id": "n", "type": "number", "text": "面积", "min": 0, "max": 0.125, "places": 2}
            ),
            "questions[0].max",
            "has more decimals than places (2)",
        ),
        (
            survey({"id": "n", "type": "number", "text": "几人？", "min": "few", "max": 9}),
            "questions[0].min",
            "must be a number from -1,000,000,000,000",
        ),
        (
            survey(
                {"id": "n", "type": "number", "text": "几人？", "min": 0, "max": 9, "places": 7}
            ),
            "questions[0].places",
            "whole number from 0 to 6",
        ),
        (
            survey({"id": "t", "type": "text", "text": "意见", "max_length": 0}),
            "questions[0].max_length",
            "whole number from 1 to 3000",
        ),
        (
            survey({"id": "r", "type": "rating", "text": "评分", "low_label": "差" * 33}),
            "questions[0].low_label",
            "at most 32 characters",
        ),
        # the whole question must fit one message
        (
            survey(single(text="问" * 3990, options=options(3))),
            "questions[0]",
            "its text and options take 4011 characters in zh_CN; a message holds 4000",
        ),
        # conditions
        (
            survey(single("q1", show_if={"question": "q2", "answer": "yes"}), single("q2")),
            "questions[0].show_if.question",
            "must refer to an earlier question; q2 comes later",
        ),
        (
            survey(single("q1", show_if={"question": "q1", "answer": "yes"})),
            "questions[0].show_if.question",
            "refers to this question itself",
        ),
        (
            survey(single("q1"), single("q2", show_if={"question": "q9", "answer": "yes"})),
            "questions[1].show_if.question",
            "no question has the id q9",
        ),
        (
            survey(
                single("q1"), single("q2", show_if={"question": "q1", "answer": ["yes", "maybe"]})
            ),
            "questions[1].show_if.answer[1]",
            "maybe is not an answer of q1",
        ),
        (
            survey(single("q1"), single("q2", show_if={"question": "q1", "answer": []})),
            "questions[1].show_if.answer",
            "must be an answer id or a list of them",
        ),
        (
            survey(single("q1"), single("q2", show_if={"question": "q1"})),
            "questions[1].show_if.answer",
            "is required",
        ),
        (
            survey(
                single("q1"), single("q2", show_if={"question": "q1", "answer": "yes", "not": 1})
            ),
            "questions[1].show_if.not",
            "unknown field",
        ),
        (
            survey(
                {"id": "t", "type": "text", "text": "意见"},
                single("q2", show_if={"question": "t", "answer": "yes"}),
            ),
            "questions[1].show_if.question",
            "must be a single, multiple or agree question",
        ),
        (
            survey(
                {"id": "a", "type": "agree", "text": "同意吗？"},
                single("q2", show_if={"question": "a", "answer": "yes"}),
            ),
            "questions[1].show_if.answer",
            "yes is not an answer of a",
        ),
        # rules
        (
            survey({**VOTE_QUESTION, "rule": "two_thirds"}, kind="vote"),
            "questions[0].rule",
            "must be one of none, simple_majority, civil_code_ordinary",
        ),
        (
            survey({**VOTE_QUESTION, "rule": {"custom": {"approval_area": "2/3"}}}, kind="vote"),
            "questions[0].rule.custom.approval_area",
            "must read like 'at_least 2/3' or 'more_than 1/2'",
        ),
        (
            survey(
                {**VOTE_QUESTION, "rule": {"custom": {"approval_area": "at_least 3/2"}}},
                kind="vote",
            ),
            "questions[0].rule.custom.approval_area",
            "a threshold fraction lies in (0, 1]",
        ),
        (
            survey(
                {**VOTE_QUESTION, "rule": {"custom": {"approval_area": "more_than 1"}}}, kind="vote"
            ),
            "questions[0].rule.custom.approval_area",
            "nothing is more than the whole",
        ),
        (
            survey(
                {**VOTE_QUESTION, "rule": {"custom": {"quorum_area": "at_least 2/3"}}}, kind="vote"
            ),
            "questions[0].rule.custom",
            "needs approval_area or approval_heads",
        ),
        (
            survey(
                {
                    **VOTE_QUESTION,
                    "rule": {"custom": {"approval_area": "at_least 1/2", "approval_flats": 1}},
                },
                kind="vote",
            ),
            "questions[0].rule.custom.approval_flats",
            "not a measure: use quorum_area, quorum_heads, approval_area, approval_heads",
        ),
        (
            survey({**VOTE_QUESTION, "rule": {"custom": "at_least 1/2"}}, kind="vote"),
            "questions[0].rule.custom",
            "must be a mapping",
        ),
        # votes and opinions
        (survey(single(), kind="vote"), "questions", "a vote needs an agree question with a rule"),
        (
            survey({**VOTE_QUESTION, "rule": "none"}, kind="vote"),
            "questions",
            "a vote needs an agree question with a rule",
        ),
        (survey(VOTE_QUESTION, kind="vote", answer_per="person"), "answer_per", "once per flat"),
        (
            survey(VOTE_QUESTION, kind="vote", audience=["owner", "tenant"]),
            "audience",
            "only owners vote",
        ),
        (survey(VOTE_QUESTION, kind="vote", ballots="anonymous"), "ballots", "named ballots"),
        (
            survey(
                single("q1"),
                {**VOTE_QUESTION, "show_if": {"question": "q1", "answer": "yes"}},
                kind="vote",
            ),
            "questions[1].show_if",
            "a decided question is put to everyone",
        ),
        (
            survey({**VOTE_QUESTION, "required": False}, kind="vote"),
            "questions[0].required",
            "a decided question needs an answer (abstain is one)",
        ),
        (
            survey(VOTE_QUESTION),
            "questions[0].rule",
            "counts owners' area and heads: only a vote (kind: vote) can use it",
        ),
        (
            survey({**VOTE_QUESTION, "rule": "simple_majority"}, answer_per="person"),
            "questions[0].rule",
            "counts flats: it needs answer_per: flat",
        ),
        (survey(blocked_by=["written_objections"]), "blocked_by", "only a vote can be blocked"),
        (survey(publish_ballots=True), "publish_ballots", "needs named ballots answered per flat"),
        (
            survey(ballots="named", answer_per="person", publish_ballots=True),
            "publish_ballots",
            "needs named ballots answered per flat",
        ),
        (survey(publish_ballots="yes"), "publish_ballots", "must be true or false"),
        (
            survey(VOTE_QUESTION, kind="vote", blocked_by=["objections"]),
            "blocked_by",
            "must be a list of written_objections, missing_affected_consents",
        ),
    ],
)
def test_a_bad_definition_names_the_path_and_the_reason(data: Any, path: str, reason: str) -> None:
    found = problems(data)
    assert any(p == path and reason in r for p, r in found), found


def test_every_problem_is_reported_at_once_in_reading_order() -> None:
    data = survey(
        single("q1", options=options(1)),
        single("q1", show_if={"question": "q3", "answer": "yes"}),
        {"id": "q3", "type": "slider", "text": "?"},
        kind="poll",
        colour="red",
    )
    assert problems(data) == [
        ("kind", "must be one of opinion, vote"),
        ("questions[0].options", "a question of type single needs 2 to 100 options"),
        ("questions[1].show_if.question", "must refer to an earlier question; q3 comes later"),
        ("questions[1].id", "repeats the id of questions[0]"),
        (
            "questions[2].type",
            "must be one of single, multiple, ranking, rating, number, text, agree",
        ),
        ("colour", "unknown field"),
    ]


def test_yaml_reads_plain_yes_and_numbers_as_other_types_and_says_so() -> None:
    text = """
kind: opinion
title: 是否同意
questions:
  - id: q1
    type: single
    text: 同意吗？
    options:
      - {id: yes, text: 同意}
      - {id: 2, text: 不同意}
"""
    assert problems(text) == [
        (
            "questions[0].options[0].id",
            "must be 1 to 16 characters of a-z, 0-9 and _ (YAML read True: put it in quotes)",
        ),
        (
            "questions[0].options[1].id",
            "must be 1 to 16 characters of a-z, 0-9 and _ (YAML read 2: put it in quotes)",
        ),
    ]


def test_a_yaml_syntax_error_is_one_problem_with_its_line() -> None:
    ((path, reason),) = problems("kind: opinion\ntitle: [unclosed\n")
    assert path == ""
    assert reason.startswith("not valid YAML") and "line" in reason


def test_the_error_message_lists_every_problem() -> None:
    with pytest.raises(SchemaError) as caught:
        load(survey(kind="poll", title=""))
    message = str(caught.value)
    assert message.startswith("2 problem(s) in the survey definition:")
    assert "  kind: must be one of opinion, vote" in message
    assert "  title: must be a non-empty text" in message


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
