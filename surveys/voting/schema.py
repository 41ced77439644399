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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import yaml

from surveys.roles import Role
from surveys.voting.decision import (
    BlockReason,
)
from surveys.voting.fields import (
    DEFAULT_REMINDERS,
    MAX_DESCRIPTION,
    MAX_REMINDER_HOURS,
    MAX_REMINDERS,
    MAX_TITLE,
    MISSING,
    FieldError,
    Fields,
    join_path,
)
from surveys.voting.question_fields import OWNER_RULES, read_questions
from surveys.voting.questions import (
    AgreeQuestion,
    Localized,
    Question,
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


class PaperReview(StrEnum):
    SECOND_MEMBER = "second_member"  # a paper ballot counts once a second member confirms it
    NONE = "none"  # a paper ballot counts once handed in with its photo


class ResultsVisibility(StrEnum):
    AFTER_CLOSE = "after_close"
    LIVE = "live"


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
    # The printed result (公示) lists each flat's answers, without names, as some cities do.
    publish_ballots: bool = False
    paper_review: PaperReview = PaperReview.SECOND_MEMBER

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def decided_questions(self) -> tuple[AgreeQuestion, ...]:
        return tuple(q for q in self.questions if isinstance(q, AgreeQuestion) and q.decided)


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


def _check_decided(path: str, question: AgreeQuestion, problems: list[FieldError]) -> None:
    # A decided question counts every flat of the scope: all must be asked it.
    if question.show_if is not None:
        problems.append(
            FieldError(join_path(path, "show_if"), "a decided question is put to everyone")
        )
    if not question.required:
        problems.append(
            FieldError(
                join_path(path, "required"), "a decided question needs an answer (abstain is one)"
            )
        )


def _check_vote(
    fields: Fields,
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
    fields: Fields,
    answer_per: AnswerPer | None,
    blocked_by: frozenset[BlockReason] | None,
    decided: list[tuple[str, AgreeQuestion]],
) -> None:
    if blocked_by:
        fields.report("blocked_by", "only a vote can be blocked: write kind: vote")
    for path, question in decided:
        if question.rule.kind in OWNER_RULES:
            reason = "counts owners' area and heads: only a vote (kind: vote) can use it"
        elif answer_per is AnswerPer.PERSON:
            reason = "counts flats: it needs answer_per: flat"
        else:
            continue
        fields.problems.append(FieldError(join_path(path, "rule"), reason))


def _reminders(fields: Fields) -> tuple[int, ...] | None:
    """Hours before the close, e.g. [48, 2]; an empty list sends no reminders."""
    value = fields.raw("reminders")
    if value is MISSING:
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
    fields = Fields(data, "", problems)
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
    publish_ballots = fields.flag("publish_ballots", False)
    paper_review = fields.choice("paper_review", PaperReview, PaperReview.SECOND_MEMBER)
    questions, all_questions_valid = read_questions(fields)
    fields.finish()
    decided = [(p, q) for p, q in questions if isinstance(q, AgreeQuestion) and q.decided]
    for path, question in decided:
        _check_decided(path, question, problems)
    if publish_ballots and (ballots is Ballots.ANONYMOUS or answer_per is AnswerPer.PERSON):
        fields.report("publish_ballots", "lists flats: it needs named ballots answered per flat")
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
        publish_ballots=bool(publish_ballots),
        paper_review=paper_review,
    )
