"""Survey definitions refused: every problem, with its path and reason, at once."""

from typing import Any

import pytest

from surveys.voting.schema import (
    SchemaError,
)
from tests.surveys.definitions import (
    BASE,
    VOTE_QUESTION,
    YES_NO,
    load,
    options,
    problems,
    single,
    survey,
)

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
