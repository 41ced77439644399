"""The words of a survey's result shared by its chart (`bot.documents.charts`) and its
spreadsheet (`bot.documents.reports`): bilingual labels ("同意", "Approve") and how options,
requirements and outcomes are named. Light on purpose: the chart is drawn in a process of its
own that should not load the spreadsheet's or the database's libraries."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from surveys.voting.decision import (
    Answer,
    BlockReason,
    Check,
    Comparison,
    Measure,
    Outcome,
    RuleKind,
    Threshold,
)
from surveys.voting.questions import AgreeQuestion, ChoiceQuestion, Question, Ranking
from surveys.voting.results import OptionCount

Bilingual = tuple[str, str]  # (Chinese, English)

AGREE: dict[str, Bilingual] = {
    Answer.APPROVE: ("同意", "Approve"),
    Answer.REJECT: ("反对", "Reject"),
    Answer.ABSTAIN: ("弃权", "Abstain"),
}
MEASURES: dict[Measure, Bilingual] = {
    Measure.QUORUM_AREA: ("参与表决面积", "Participating area"),
    Measure.QUORUM_HEADS: ("参与表决人数", "Participating owners"),
    Measure.APPROVAL_AREA: ("同意面积", "Approving area"),
    Measure.APPROVAL_HEADS: ("同意人数", "Approving owners"),
    Measure.MAJORITY_OF_ANSWERS: ("同意票占同意与反对票", "Approvals of yes and no answers"),
    Measure.UNANIMITY: ("全体同意", "Every flat approves"),
}
RULES: dict[RuleKind, Bilingual] = {
    RuleKind.SIMPLE_MAJORITY: ("简单多数", "Simple majority"),
    RuleKind.CIVIL_CODE_ORDINARY: ("民法典一般事项", "Civil Code, ordinary matter"),
    RuleKind.CIVIL_CODE_MAJOR: ("民法典重大事项", "Civil Code, major matter"),
    RuleKind.UNANIMOUS: ("全体一致", "Unanimous"),
    RuleKind.CUSTOM: ("自定义规则", "Custom rule"),
}
BLOCKS: dict[BlockReason, Bilingual] = {
    BlockReason.WRITTEN_OBJECTIONS: ("书面反对意见", "Written objections"),
    BlockReason.MISSING_AFFECTED_CONSENTS: ("受影响住户未同意", "Affected flats without consent"),
}
PASSED: Bilingual = ("通过", "Passed")
NOT_PASSED: Bilingual = ("未通过", "Not passed")
BLOCKED: Bilingual = ("票数达标但被阻止", "Carried by the figures but blocked")
FLATS: Bilingual = ("户数", "Flats")
RESIDENTS: Bilingual = ("人数", "Residents")
POINTS: Bilingual = ("得分（第一位得 k 分，第 k 位得 1 分）", "Points (1st place k, k-th place 1)")


def both(label: Bilingual) -> str:
    return f"{label[0]} {label[1]}"


def one(label: Bilingual, language: str) -> str:
    return label[1] if language == "en" else label[0]


def outcome_label(outcome: Outcome) -> Bilingual:
    if outcome.passed:
        return PASSED
    return BLOCKED if outcome.blocked else NOT_PASSED


def requirement(check: Check) -> str:
    """The requirement as the law writes it: ≥ 2/3, > 1/2."""
    return threshold_requirement(check.threshold)


def threshold_requirement(threshold: Threshold) -> str:
    sign = "≥" if threshold.comparison is Comparison.AT_LEAST else ">"
    return f"{sign} {threshold.fraction}"


def share(figure: Decimal | int, base: Decimal | int) -> Fraction | None:
    return Fraction(figure) / Fraction(base) if base else None


def option_label(question: Question, option_id: str, language: str = "zh_CN") -> str:
    """An option's text; an agree answer's word; a rating's digit."""
    if isinstance(question, ChoiceQuestion):
        option = next(o for o in question.options if o.id == option_id)
        return option.text.in_language(language)
    if isinstance(question, AgreeQuestion):
        return one(AGREE[option_id], language)
    return option_id


def shown(question: Question, option: OptionCount) -> int:
    """What an option is shown by: a ranking's by its Borda points, others by respondents."""
    return option.points if isinstance(question, Ranking) else option.respondents
