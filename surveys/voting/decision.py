"""Decision rules for one question of a vote: whether it passed, and every reason why.

Pure: standard library only. A question is decided on aggregates (a `Tally`) so that the
figures can come straight from SQL; `tally` computes them from per-flat ballots and is the
reference that the SQL aggregation mirrors.

Civil Code art. 278: a quorum of owners holding at least 2/3 of the scope's area AND being at
least 2/3 of its owners; then approval by more than 1/2 (ordinary matters) or at least 3/4
(major matters: raising the fund, rebuilding, changing the use of common parts, elevator
retrofits) of the participating area AND of the participating owners. "以上" is ≥ and "过半数"
is >; all comparisons are exact (`Fraction`), never float. Abstentions participate but do not
approve. Written objections and missing consents of affected owners are separate inputs that
block a question which otherwise passes.

Nothing here is translated: an `Outcome` carries codes and figures, and the UI words them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import NamedTuple


class Answer(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class FlatBallot(NamedTuple):
    """One flat of the voting scope, with its registered area, holder and answer.

    ``answer`` is None when the flat has not voted. ``owner_key`` is None for a flat whose owner
    holds no other flat; a developer-held flat has no owner key.
    """

    flat_id: int
    area: Decimal
    owner_key: str | None
    developer_held: bool
    answer: Answer | None


def _check_area(value: object, name: str) -> None:
    # A float area has already been rounded in binary: refuse it rather than decide on it.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite area of at least 0 m², not {value}")


@dataclass(frozen=True)
class Tally:
    """The figures a question is decided on, over the flats of its scope (a unit, a building
    or the compound).

    Areas are exact register areas in m², counted in full for every flat. Heads are owners as
    art. 278 counts them (see `tally`). Flats count one ballot per flat. Participating means
    having answered, abstentions included.
    """

    scope_area: Decimal
    scope_heads: int
    scope_flats: int
    participating_area: Decimal
    participating_heads: int
    participating_flats: int
    approving_area: Decimal
    approving_heads: int
    approving_flats: int
    rejecting_flats: int

    def __post_init__(self) -> None:
        for name in ("scope_area", "participating_area", "approving_area"):
            _check_area(getattr(self, name), name)
        for measure in ("area", "heads", "flats"):
            scope, participating, approving = (
                getattr(self, f"{level}_{measure}")
                for level in ("scope", "participating", "approving")
            )
            if not 0 <= approving <= participating <= scope:
                raise ValueError(
                    f"{measure}: need 0 ≤ approving ({approving}) ≤ participating "
                    f"({participating}) ≤ scope ({scope})"
                )
        if not 0 <= self.rejecting_flats <= self.participating_flats - self.approving_flats:
            raise ValueError("rejecting flats must be participating flats that do not approve")
        if self.scope_flats == 0:
            raise ValueError("an empty scope cannot vote")


def _sum_areas(ballots: Iterable[FlatBallot]) -> Decimal:
    with localcontext() as context:
        context.traps[Inexact] = True  # a rounded sum could move a boundary: fail instead
        return sum((ballot.area for ballot in ballots), Decimal(0))


def _head(ballot: FlatBallot) -> tuple[str, object]:
    if ballot.developer_held:
        return ("developer", None)
    if ballot.owner_key is not None:
        return ("owner", ballot.owner_key)
    return ("flat", ballot.flat_id)


def tally(ballots: Iterable[FlatBallot]) -> Tally:
    """Aggregate the ballots of every flat of a scope (flats that did not vote included).

    Flats: each flat is one ballot; it participates if it answered, approves if it answered
    APPROVE, rejects if it answered REJECT. Area counts in full for every flat.

    Heads (art. 278): a flat is one head, except that all flats with the same owner key are
    one head together, and all developer-held flats are one head together (the developer).
    Such a pooled head, whose flats may answer differently:

    - participates if at least one of its flats answered;
    - approves if it participates and every one of its flats that answered approved.

    An owner has one voice: flats of one owner voting apart do not make a clear approval, so
    that head participates without approving, like an abstention. Flats that did not answer
    veto nothing. In SQL: group the scope's flats by head key, ``CASE WHEN developer_held
    THEN 'd' WHEN owner_key IS NOT NULL THEN 'o:' || owner_key ELSE 'f:' || id END``; a group
    participates when ``COUNT(answer) > 0`` and approves when also
    ``COUNT(answer) = COUNT(CASE WHEN answer = 'approve' THEN 1 END)``.
    """
    ballots = list(ballots)
    if len({ballot.flat_id for ballot in ballots}) != len(ballots):
        raise ValueError("a flat appears more than once")
    answers_by_head: dict[tuple[str, object], list[Answer]] = {}
    for ballot in ballots:
        _check_area(ballot.area, f"area of flat {ballot.flat_id}")
        if ballot.developer_held and ballot.owner_key is not None:
            raise ValueError(f"flat {ballot.flat_id} is developer-held yet has an owner key")
        answers = answers_by_head.setdefault(_head(ballot), [])
        if ballot.answer is not None:
            answers.append(ballot.answer)
    answered = [ballot for ballot in ballots if ballot.answer is not None]
    approving = [ballot for ballot in answered if ballot.answer == Answer.APPROVE]
    heads = answers_by_head.values()
    return Tally(
        scope_area=_sum_areas(ballots),
        scope_heads=len(heads),
        scope_flats=len(ballots),
        participating_area=_sum_areas(answered),
        participating_heads=sum(1 for answers in heads if answers),
        participating_flats=len(answered),
        approving_area=_sum_areas(approving),
        approving_heads=sum(
            1 for answers in heads if answers and all(a == Answer.APPROVE for a in answers)
        ),
        approving_flats=len(approving),
        rejecting_flats=sum(1 for ballot in answered if ballot.answer == Answer.REJECT),
    )


class Measure(StrEnum):
    """What a threshold measures: a figure of the tally over a base figure."""

    QUORUM_AREA = "quorum_area"  # participating area / scope area
    QUORUM_HEADS = "quorum_heads"  # participating heads / scope heads
    APPROVAL_AREA = "approval_area"  # approving area / participating area
    APPROVAL_HEADS = "approval_heads"  # approving heads / participating heads
    MAJORITY_OF_ANSWERS = "majority_of_answers"  # approving / (approving + rejecting) flats
    UNANIMITY = "unanimity"  # approving flats / scope flats

    @property
    def is_quorum(self) -> bool:
        return self in (Measure.QUORUM_AREA, Measure.QUORUM_HEADS)

    @property
    def in_area(self) -> bool:
        """Measured in m² (else in heads or flats)."""
        return self in (Measure.QUORUM_AREA, Measure.APPROVAL_AREA)

    @property
    def counts_among_answers(self) -> bool:
        """Its base is what was answered, so a new approving answer adds to the base too."""
        return self in (Measure.APPROVAL_AREA, Measure.APPROVAL_HEADS, Measure.MAJORITY_OF_ANSWERS)


def _figures(measure: Measure, tally: Tally) -> tuple[Decimal | int, Decimal | int]:
    """The measured figure and its base."""
    match measure:
        case Measure.QUORUM_AREA:
            return tally.participating_area, tally.scope_area
        case Measure.QUORUM_HEADS:
            return tally.participating_heads, tally.scope_heads
        case Measure.APPROVAL_AREA:
            return tally.approving_area, tally.participating_area
        case Measure.APPROVAL_HEADS:
            return tally.approving_heads, tally.participating_heads
        case Measure.MAJORITY_OF_ANSWERS:
            return tally.approving_flats, tally.approving_flats + tally.rejecting_flats
        case Measure.UNANIMITY:
            return tally.approving_flats, tally.scope_flats


class Comparison(StrEnum):
    AT_LEAST = "at_least"  # 以上: the fraction itself is enough
    MORE_THAN = "more_than"  # 过半数 and the like: strictly more


@dataclass(frozen=True)
class Threshold:
    """A requirement: the measured figure is at least / more than ``fraction`` of its base."""

    measure: Measure
    fraction: Fraction
    comparison: Comparison = Comparison.AT_LEAST

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction):
            raise TypeError("a threshold fraction must be a Fraction, e.g. Fraction(2, 3)")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"a threshold fraction lies in (0, 1], not {self.fraction}")
        if self.comparison is Comparison.MORE_THAN and self.fraction == 1:
            raise ValueError("nothing is more than the whole")

    def is_met(self, figure: Decimal | int, base: Decimal | int) -> bool:
        # Over an empty base nothing is measured: no quorum and no approval out of nobody.
        if base == 0:
            return False
        share = Fraction(figure) / Fraction(base)  # exact for int and Decimal alike
        if self.comparison is Comparison.MORE_THAN:
            return share > self.fraction
        return share >= self.fraction


class RuleKind(StrEnum):
    NONE = "none"  # an opinion: no outcome
    SIMPLE_MAJORITY = "simple_majority"
    CIVIL_CODE_ORDINARY = "civil_code_ordinary"
    CIVIL_CODE_MAJOR = "civil_code_major"
    UNANIMOUS = "unanimous"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Rule:
    """How a question is decided: all its thresholds must be met. Use `PRESETS` or
    `custom_rule` rather than building one by hand."""

    kind: RuleKind
    thresholds: tuple[Threshold, ...]


def _civil_code(approval: Fraction, comparison: Comparison) -> tuple[Threshold, ...]:
    two_thirds = Fraction(2, 3)
    return (
        Threshold(Measure.QUORUM_AREA, two_thirds),
        Threshold(Measure.QUORUM_HEADS, two_thirds),
        Threshold(Measure.APPROVAL_AREA, approval, comparison),
        Threshold(Measure.APPROVAL_HEADS, approval, comparison),
    )


PRESETS: Mapping[RuleKind, Rule] = MappingProxyType(
    {
        rule.kind: rule
        for rule in (
            Rule(RuleKind.NONE, ()),
            Rule(
                RuleKind.SIMPLE_MAJORITY,
                (Threshold(Measure.MAJORITY_OF_ANSWERS, Fraction(1, 2), Comparison.MORE_THAN),),
            ),
            Rule(RuleKind.CIVIL_CODE_ORDINARY, _civil_code(Fraction(1, 2), Comparison.MORE_THAN)),
            Rule(RuleKind.CIVIL_CODE_MAJOR, _civil_code(Fraction(3, 4), Comparison.AT_LEAST)),
            Rule(RuleKind.UNANIMOUS, (Threshold(Measure.UNANIMITY, Fraction(1)),)),
        )
    }
)

_CUSTOM_MEASURES = (
    Measure.QUORUM_AREA,
    Measure.QUORUM_HEADS,
    Measure.APPROVAL_AREA,
    Measure.APPROVAL_HEADS,
)


def custom_rule(*thresholds: Threshold) -> Rule:
    """A rule of the committee's own: quorum and approval thresholds by area and/or heads.

    At most one threshold per measure; at least one approval threshold; quorum is optional.
    """
    measures = [threshold.measure for threshold in thresholds]
    if any(measure not in _CUSTOM_MEASURES for measure in measures):
        raise ValueError("a custom rule measures quorum and approval by area or heads only")
    if len(set(measures)) != len(measures):
        raise ValueError("a custom rule has at most one threshold per measure")
    if all(measure.is_quorum for measure in measures):
        raise ValueError("a custom rule needs an approval threshold")
    return Rule(RuleKind.CUSTOM, thresholds)


@dataclass(frozen=True)
class Check:
    """One threshold applied to the tally: e.g. quorum by area, at least 2/3, 1234.50 of
    1851.75 m², met."""

    threshold: Threshold
    figure: Decimal | int
    base: Decimal | int
    met: bool


def _check(threshold: Threshold, tally: Tally) -> Check:
    figure, base = _figures(threshold.measure, tally)
    return Check(threshold, figure, base, threshold.is_met(figure, base))


AREA_STEP = Decimal("0.01")  # register areas are in hundredths of a m²


def still_needed(check: Check) -> Decimal | int | None:
    """While a vote runs: how much more of the check's figure would meet it, coming from
    answers not given yet (m² to the hundredth; else whole heads or flats). A quorum's base is
    the scope, which stays; an approval's base is what was answered, which each new approving
    answer joins. 0 once met; None when new answers alone cannot meet it (every participant
    must approve, and one did not; or the scope measures nothing)."""
    if check.met:
        return 0
    threshold, figure, base = check.threshold, Fraction(check.figure), Fraction(check.base)
    grows = threshold.measure.counts_among_answers
    step: Decimal | int = AREA_STEP if threshold.measure.in_area else 1
    if base == 0:  # the first approving answer is all that was answered; a scope never grows
        return step if grows else None
    slope = 1 - threshold.fraction if grows else Fraction(1)
    if slope == 0:
        return None
    # figure + x against base + x (or base): x ≥ bound, or x > bound for MORE_THAN.
    steps = (threshold.fraction * base - figure) / slope / Fraction(step)
    more = threshold.comparison is Comparison.MORE_THAN
    return (math.floor(steps) + 1 if more else math.ceil(steps)) * step


class BlockReason(StrEnum):
    WRITTEN_OBJECTIONS = "written_objections"
    MISSING_AFFECTED_CONSENTS = "missing_affected_consents"


@dataclass(frozen=True)
class Block:
    """Something that stops a decision whatever the figures: ``count`` objections or
    affected flats whose consent is missing."""

    reason: BlockReason
    count: int


@dataclass(frozen=True)
class Outcome:
    """The result of a question under its rule.

    ``passed`` is None for an opinion question (rule NONE); ``quorum_met`` is None when the
    rule has no quorum; ``thresholds_met`` says whether the figures alone carry the question,
    before blocks are considered.
    """

    rule: RuleKind
    passed: bool | None
    quorum_met: bool | None
    thresholds_met: bool | None
    checks: tuple[Check, ...]
    blocks: tuple[Block, ...]

    @property
    def blocked(self) -> bool:
        """The figures carry the question, yet an objection or a missing consent stops it."""
        return bool(self.thresholds_met and self.blocks)


def decide(
    rule: Rule,
    tally: Tally,
    *,
    blocking_objections: int = 0,
    missing_affected_consents: int = 0,
) -> Outcome:
    """Apply the rule to the tally. Every check is reported, even once one has failed, so
    that a result can show all its figures. ``blocking_objections`` counts written
    objections that the rule of the vote treats as blocking; ``missing_affected_consents``
    counts directly affected flats (light, access) that have not consented."""
    counts = {
        BlockReason.WRITTEN_OBJECTIONS: blocking_objections,
        BlockReason.MISSING_AFFECTED_CONSENTS: missing_affected_consents,
    }
    if any(count < 0 for count in counts.values()):
        raise ValueError("objection and consent counts cannot be negative")
    blocks = tuple(Block(reason, count) for reason, count in counts.items() if count)
    checks = tuple(_check(threshold, tally) for threshold in rule.thresholds)
    if rule.kind is RuleKind.NONE:
        return Outcome(rule.kind, None, None, None, checks, blocks)
    quorum = [check.met for check in checks if check.threshold.measure.is_quorum]
    thresholds_met = all(check.met for check in checks)
    return Outcome(
        rule=rule.kind,
        passed=thresholds_met and not blocks,
        quorum_met=all(quorum) if quorum else None,
        thresholds_met=thresholds_met,
        checks=checks,
        blocks=blocks,
    )
