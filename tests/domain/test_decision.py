from decimal import Decimal
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.voting.decision import (
    PRESETS,
    Answer,
    Block,
    BlockReason,
    Check,
    Comparison,
    FlatBallot,
    Measure,
    Outcome,
    Rule,
    RuleKind,
    Tally,
    Threshold,
    custom_rule,
    decide,
    still_needed,
    tally,
)

A, R, X = Answer.APPROVE, Answer.REJECT, Answer.ABSTAIN
ORDINARY, MAJOR = RuleKind.CIVIL_CODE_ORDINARY, RuleKind.CIVIL_CODE_MAJOR


def flat(
    flat_id: int,
    area: str,
    answer: Answer | None = None,
    *,
    owner: str | None = None,
    developer: bool = False,
) -> FlatBallot:
    return FlatBallot(flat_id, Decimal(area), owner, developer, answer)


def equal_flats(*answers: Answer | None, area: str = "80.00") -> list[FlatBallot]:
    return [flat(flat_id, area, answer) for flat_id, answer in enumerate(answers, start=1)]


def outcome(kind: RuleKind, ballots: list[FlatBallot], **blocks: int) -> Outcome:
    return decide(PRESETS[kind], tally(ballots), **blocks)


def check(result: Outcome, measure: Measure) -> Check:
    (found,) = [check for check in result.checks if check.threshold.measure is measure]
    return found


# --- quorum -------------------------------------------------------------------------------


def test_quorum_exactly_two_thirds_of_area_but_not_of_heads() -> None:
    ballots = [
        flat(1, "600.00", A),
        flat(2, "634.50", A),
        flat(3, "300.00"),
        flat(4, "317.25"),
    ]
    result = outcome(ORDINARY, ballots)
    by_area = check(result, Measure.QUORUM_AREA)
    assert (by_area.figure, by_area.base, by_area.met) == (
        Decimal("1234.50"),
        Decimal("1851.75"),
        True,
    )
    by_heads = check(result, Measure.QUORUM_HEADS)
    assert (by_heads.figure, by_heads.base, by_heads.met) == (2, 4, False)
    assert check(result, Measure.APPROVAL_AREA).met  # everyone who voted approved...
    assert result.quorum_met is False
    assert result.passed is False  # ...but the quorum is missing


def test_quorum_exactly_two_thirds_of_both_is_met() -> None:
    result = outcome(ORDINARY, equal_flats(A, A, A, A, None, None))
    assert result.quorum_met is True
    assert result.passed is True


def test_quorum_just_under_two_thirds_of_area_fails() -> None:
    ballots = [flat(1, "100.00", A), flat(2, "99.99", A), flat(3, "100.00")]
    result = outcome(ORDINARY, ballots)
    assert check(result, Measure.QUORUM_HEADS).met
    assert not check(result, Measure.QUORUM_AREA).met
    assert result.passed is False


# --- approval -----------------------------------------------------------------------------


def test_approval_exactly_three_quarters_passes_major() -> None:
    result = outcome(MAJOR, equal_flats(A, A, A, R))
    approval = check(result, Measure.APPROVAL_AREA)
    assert (approval.figure, approval.base) == (Decimal("240.00"), Decimal("320.00"))
    assert approval.threshold == Threshold(Measure.APPROVAL_AREA, Fraction(3, 4))
    assert result.passed is True


def test_approval_a_hundredth_under_three_quarters_of_area_fails_major() -> None:
    ballots = [*equal_flats(A, A, A), flat(4, "80.01", R)]
    result = outcome(MAJOR, ballots)
    assert check(result, Measure.APPROVAL_HEADS).met
    assert not check(result, Measure.APPROVAL_AREA).met
    assert result.quorum_met is True
    assert result.passed is False


def test_exactly_half_fails_ordinary() -> None:
    result = outcome(ORDINARY, equal_flats(A, A, R, R))
    assert not check(result, Measure.APPROVAL_AREA).met
    assert not check(result, Measure.APPROVAL_HEADS).met
    assert result.passed is False


@pytest.mark.parametrize(("approving_area", "passed"), [("50.01", True), ("50.00", False)])
def test_just_over_half_of_area_passes_ordinary(approving_area: str, passed: bool) -> None:
    ballots = [flat(1, approving_area, A), flat(2, "50.00", A), flat(3, "100.00", R)]
    result = outcome(ORDINARY, ballots)
    assert check(result, Measure.APPROVAL_HEADS).met  # 2 of 3 heads either way
    assert result.passed is passed


def test_abstentions_participate_without_approving() -> None:
    ballots = equal_flats(A, A, A, A, X, X)
    counted = tally(ballots)
    assert (counted.participating_heads, counted.approving_heads) == (6, 4)
    assert counted.participating_area == Decimal("480.00")
    assert outcome(ORDINARY, ballots).passed is True  # 4/6 > 1/2
    assert outcome(MAJOR, ballots).passed is False  # 4/6 < 3/4


def test_area_decimals_are_exact_where_floats_misround() -> None:
    approving = ["44.39", "25.37", "89.93"]
    rejecting = ["2.33", "50.90"]
    # In binary floating point these 3/4 come out just under 3/4.
    areas = [float(area) for area in approving + rejecting]
    assert sum(areas[:3]) / sum(areas) < 0.75
    ballots = [flat(i, area, A) for i, area in enumerate(approving, start=1)] + [
        flat(i, area, R, owner="one owner") for i, area in enumerate(rejecting, start=10)
    ]
    result = outcome(MAJOR, ballots)
    approval = check(result, Measure.APPROVAL_AREA)
    assert (approval.figure, approval.base) == (Decimal("159.69"), Decimal("212.92"))
    assert approval.met
    assert result.passed is True  # heads: 3 of 4, the two rejecting flats being one owner


def test_float_areas_are_refused() -> None:
    with pytest.raises(TypeError):
        tally([FlatBallot(1, 89.37, None, False, A)])  # type: ignore[arg-type]


# --- heads --------------------------------------------------------------------------------


def test_two_flat_owner_is_one_head_with_full_area() -> None:
    ballots = [
        flat(1, "90.00", A, owner="owner-x"),
        flat(2, "60.00", owner="owner-x"),  # the owner voted with one flat only
        flat(3, "50.00", A),
        flat(4, "50.00", R),
        flat(5, "50.00"),
    ]
    assert tally(ballots) == Tally(
        scope_area=Decimal("300.00"),
        scope_heads=4,
        scope_flats=5,
        participating_area=Decimal("190.00"),
        participating_heads=3,
        participating_flats=3,
        approving_area=Decimal("140.00"),
        approving_heads=2,
        approving_flats=2,
        rejecting_flats=1,
    )


@pytest.mark.parametrize(("second", "approves"), [(A, True), (R, False), (X, False)])
def test_pooled_head_approves_only_if_all_its_answers_approve(
    second: Answer, approves: bool
) -> None:
    for holder in ({"owner": "owner-x"}, {"developer": True}):
        counted = tally([flat(1, "70.00", A, **holder), flat(2, "70.00", second, **holder)])
        assert (counted.scope_heads, counted.participating_heads) == (1, 1)
        assert counted.approving_heads == int(approves)
        assert counted.approving_area == Decimal("140.00" if approves else "70.00")


def test_developer_held_flats_are_one_head() -> None:
    ballots = [
        flat(1, "80.00", A, developer=True),
        flat(2, "80.00", developer=True),
        flat(3, "80.00", developer=True),
        flat(4, "80.00", R),
        flat(5, "80.00", A),
        flat(6, "80.00"),
    ]
    counted = tally(ballots)
    assert (counted.scope_heads, counted.participating_heads, counted.approving_heads) == (4, 3, 2)
    assert counted.scope_area == Decimal("480.00")
    result = decide(PRESETS[ORDINARY], counted)
    assert check(result, Measure.QUORUM_HEADS).met  # 3 of 4 heads
    assert not check(result, Measure.QUORUM_AREA).met  # 240 of 480 m²
    assert result.passed is False


def test_distinct_owner_keys_are_distinct_heads() -> None:
    counted = tally([flat(1, "50.00", A, owner="a"), flat(2, "50.00", A, owner="b")])
    assert counted.scope_heads == 2


# --- blocks -------------------------------------------------------------------------------


def test_written_objection_blocks_an_elevator_vote_that_passes() -> None:
    result = outcome(MAJOR, equal_flats(A, A, A, R), blocking_objections=1)
    assert result.thresholds_met is True
    assert result.blocked is True
    assert result.passed is False
    assert result.blocks == (Block(BlockReason.WRITTEN_OBJECTIONS, 1),)


def test_missing_affected_consent_blocks() -> None:
    result = outcome(MAJOR, equal_flats(A, A, A, A), missing_affected_consents=2)
    assert result.blocked is True
    assert result.passed is False
    assert result.blocks == (Block(BlockReason.MISSING_AFFECTED_CONSENTS, 2),)


def test_a_failing_vote_is_not_called_blocked() -> None:
    result = outcome(MAJOR, equal_flats(A, A, R, R), blocking_objections=1)
    assert result.passed is False
    assert result.blocked is False
    assert result.blocks  # the objection is still reported


def test_negative_block_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        outcome(MAJOR, equal_flats(A), blocking_objections=-1)


# --- the other rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "passed"),
    [((A,) * 5, True), ((A, A, A, A, X), False), ((A, A, A, A, None), False)],
)
def test_unanimous_needs_every_flat_to_approve(answers: tuple[Answer | None], passed: bool) -> None:
    assert outcome(RuleKind.UNANIMOUS, equal_flats(*answers)).passed is passed


def test_simple_majority_counts_answers_per_flat_without_quorum() -> None:
    assert outcome(RuleKind.SIMPLE_MAJORITY, equal_flats(A, A, R, X, None, None)).passed is True
    assert outcome(RuleKind.SIMPLE_MAJORITY, equal_flats(A, R, X, X)).passed is False
    # Three flats of one owner are three ballots here, though one head under art. 278.
    ballots = [flat(i, "10.00", A, owner="o") for i in (1, 2, 3)] + [
        flat(4, "90.00", R),
        flat(5, "90.00", R),
    ]
    result = outcome(RuleKind.SIMPLE_MAJORITY, ballots)
    assert result.passed is True
    assert result.quorum_met is None


def test_opinion_has_no_outcome() -> None:
    result = outcome(RuleKind.NONE, equal_flats(A, R))
    assert (result.passed, result.quorum_met, result.checks) == (None, None, ())


def test_custom_rule_more_than_versus_at_least() -> None:
    ballots = equal_flats(A, A, R, None)  # approval 2/3 of participating heads, quorum 3/4
    at_least = custom_rule(
        Threshold(Measure.QUORUM_HEADS, Fraction(3, 4)),
        Threshold(Measure.APPROVAL_HEADS, Fraction(2, 3)),
    )
    more_than = custom_rule(
        Threshold(Measure.APPROVAL_HEADS, Fraction(2, 3), Comparison.MORE_THAN),
    )
    assert decide(at_least, tally(ballots)).passed is True
    result = decide(more_than, tally(ballots))
    assert result.passed is False
    assert result.quorum_met is None


@pytest.mark.parametrize(
    "thresholds",
    [
        (),
        (Threshold(Measure.QUORUM_AREA, Fraction(1, 2)),),
        (Threshold(Measure.UNANIMITY, Fraction(1)),),
        (
            Threshold(Measure.APPROVAL_AREA, Fraction(1, 2)),
            Threshold(Measure.APPROVAL_AREA, Fraction(2, 3)),
        ),
    ],
)
def test_bad_custom_rules_are_refused(thresholds: tuple[Threshold, ...]) -> None:
    with pytest.raises(ValueError):
        custom_rule(*thresholds)


@pytest.mark.parametrize(
    ("fraction", "comparison"),
    [
        (Fraction(0), Comparison.AT_LEAST),
        (Fraction(5, 4), Comparison.AT_LEAST),
        (Fraction(1), Comparison.MORE_THAN),
    ],
)
def test_impossible_thresholds_are_refused(fraction: Fraction, comparison: Comparison) -> None:
    with pytest.raises(ValueError):
        Threshold(Measure.APPROVAL_AREA, fraction, comparison)


def test_float_threshold_is_refused() -> None:
    with pytest.raises(TypeError):
        Threshold(Measure.APPROVAL_AREA, 0.75)  # type: ignore[arg-type]


def test_inconsistent_ballots_are_refused() -> None:
    with pytest.raises(ValueError):
        tally([flat(1, "50.00", A), flat(1, "60.00", R)])
    with pytest.raises(ValueError):
        tally([flat(1, "50.00", A, owner="o", developer=True)])
    with pytest.raises(ValueError):
        tally([])


def test_inconsistent_tally_is_refused() -> None:
    counted = tally(equal_flats(A, R, None))
    with pytest.raises(ValueError):
        Tally(**{**vars(counted), "participating_heads": 4})
    with pytest.raises(ValueError):
        Tally(**{**vars(counted), "rejecting_flats": 2})
    with pytest.raises(ValueError):
        Tally(**{**vars(counted), "approving_area": Decimal("-1")})


# --- properties ---------------------------------------------------------------------------

AREAS = st.one_of(
    st.sampled_from([Decimal("50.00"), Decimal("75.00"), Decimal("100.00")]),  # to hit ties
    st.integers(min_value=1, max_value=20_000).map(lambda cents: Decimal(cents).scaleb(-2)),
)
HOLDERS = st.sampled_from([(None, False), (None, True), ("a", False), ("b", False)])
ANSWERS = st.sampled_from([None, A, R, X])


@st.composite
def scopes(draw: st.DrawFn) -> list[FlatBallot]:
    count = draw(st.integers(min_value=1, max_value=9))
    ballots = []
    for flat_id in range(1, count + 1):
        owner_key, developer_held = draw(HOLDERS)
        ballots.append(FlatBallot(flat_id, draw(AREAS), owner_key, developer_held, draw(ANSWERS)))
    return ballots


def reference_passes(kind: RuleKind, ballots: list[FlatBallot]) -> bool:
    """The rules restated in whole cents and whole heads, by cross-multiplication."""
    answers_of: dict[str, set[Answer]] = {}
    for ballot in ballots:
        name = "developer" if ballot.developer_held else ballot.owner_key or f"#{ballot.flat_id}"
        answers_of.setdefault(name, set()).update([ballot.answer] if ballot.answer else [])
    cents = {ballot.flat_id: int(ballot.area * 100) for ballot in ballots}
    scope_area = sum(cents.values())
    voted_area = sum(cents[b.flat_id] for b in ballots if b.answer)
    approving_area = sum(cents[b.flat_id] for b in ballots if b.answer == A)
    scope_heads = len(answers_of)
    voted_heads = sum(1 for answers in answers_of.values() if answers)
    approving_heads = sum(1 for answers in answers_of.values() if answers == {A})
    quorum = 3 * voted_area >= 2 * scope_area and 3 * voted_heads >= 2 * scope_heads
    answers = [ballot.answer for ballot in ballots]
    match kind:
        case RuleKind.SIMPLE_MAJORITY:
            return answers.count(A) > answers.count(R)
        case RuleKind.UNANIMOUS:
            return answers.count(A) == len(answers)
        case RuleKind.CIVIL_CODE_ORDINARY:
            return quorum and 2 * approving_area > voted_area and 2 * approving_heads > voted_heads
        case RuleKind.CIVIL_CODE_MAJOR:
            return (
                quorum
                and 4 * approving_area >= 3 * voted_area
                and 4 * approving_heads >= 3 * voted_heads
            )
    raise AssertionError(kind)


DECIDING = [kind for kind in PRESETS if kind is not RuleKind.NONE]


@given(scopes(), st.sampled_from(DECIDING))
def test_presets_agree_with_a_reference(ballots: list[FlatBallot], kind: RuleKind) -> None:
    assert outcome(kind, ballots).passed is reference_passes(kind, ballots)


@given(scopes(), st.randoms())
def test_tally_does_not_depend_on_order(ballots: list[FlatBallot], random: Random) -> None:
    shuffled = ballots[:]
    random.shuffle(shuffled)
    assert tally(shuffled) == tally(ballots)


FRACTIONS = st.integers(min_value=1, max_value=12).flatmap(
    lambda denominator: st.builds(Fraction, st.integers(1, denominator), st.just(denominator))
)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    if draw(st.booleans()):
        return PRESETS[draw(st.sampled_from(DECIDING))]
    quorum = draw(
        st.lists(st.sampled_from([Measure.QUORUM_AREA, Measure.QUORUM_HEADS]), unique=True)
    )
    approval = draw(
        st.lists(
            st.sampled_from([Measure.APPROVAL_AREA, Measure.APPROVAL_HEADS]),
            min_size=1,
            unique=True,
        )
    )
    thresholds = []
    for measure in quorum + approval:
        fraction = draw(FRACTIONS)
        comparisons = [Comparison.AT_LEAST] if fraction == 1 else list(Comparison)
        thresholds.append(Threshold(measure, fraction, draw(st.sampled_from(comparisons))))
    return custom_rule(*thresholds)


@given(scopes(), rules(), st.data())
def test_one_more_approval_never_turns_pass_into_fail(
    ballots: list[FlatBallot], rule: Rule, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(ballots) - 1))
    more = ballots[:]
    more[index] = more[index]._replace(answer=A)
    assert decide(rule, tally(more)).passed or not decide(rule, tally(ballots)).passed


@given(scopes(), st.sampled_from(DECIDING), st.integers(0, 3), st.integers(0, 3))
def test_any_block_stops_a_decision(
    ballots: list[FlatBallot], kind: RuleKind, objections: int, missing: int
) -> None:
    result = outcome(
        kind, ballots, blocking_objections=objections, missing_affected_consents=missing
    )
    assert result.passed is (result.thresholds_met and objections == missing == 0)
    assert result.blocked is (result.thresholds_met and objections + missing > 0)


# --- what a running vote still needs ------------------------------------------------------


def measured(
    measure: Measure, figure: str, base: str, fraction: Fraction, more: bool = False
) -> Check:
    comparison = Comparison.MORE_THAN if more else Comparison.AT_LEAST
    threshold = Threshold(measure, fraction, comparison)
    number = Decimal if measure.in_area else int
    return Check(
        threshold, number(figure), number(base), threshold.is_met(number(figure), number(base))
    )


def test_a_quorum_needs_the_rest_of_its_fixed_base() -> None:
    # 2/3 of 375.00 m² is 250.00: 61.50 answered, 188.50 more. 2/3 of 6 owners: 3 more.
    assert still_needed(measured(Measure.QUORUM_AREA, "61.50", "375.00", Fraction(2, 3))) == (
        Decimal("188.50")
    )
    assert still_needed(measured(Measure.QUORUM_HEADS, "1", "6", Fraction(2, 3))) == 3
    assert still_needed(measured(Measure.QUORUM_HEADS, "4", "6", Fraction(2, 3))) == 0


def test_an_approval_counts_new_approving_answers_in_its_base() -> None:
    # 1 of 3 approving; more than 1/2: 1+x > (3+x)/2 once x > 1, so 2 more.
    assert still_needed(measured(Measure.APPROVAL_HEADS, "1", "3", Fraction(1, 2), True)) == 2
    # At least 3/4 of 3 participants, 1 approving: (1+x) ≥ 3/4 (3+x) once x ≥ 5.
    assert still_needed(measured(Measure.APPROVAL_HEADS, "1", "3", Fraction(3, 4))) == 5
    # Nobody answered yet: one approving answer is needed all the same.
    assert still_needed(measured(Measure.APPROVAL_AREA, "0", "0", Fraction(1, 2), True)) == (
        Decimal("0.01")
    )
    # Every participant must approve and one did not: no new answer mends that.
    assert still_needed(measured(Measure.APPROVAL_HEADS, "2", "3", Fraction(1))) is None


@given(
    st.sampled_from(list(Measure)),
    st.integers(0, 40_000),
    st.integers(0, 40_000),
    FRACTIONS,
    st.sampled_from(list(Comparison)),
)
def test_what_is_still_needed_is_just_enough(
    measure: Measure, first: int, second: int, fraction: Fraction, comparison: Comparison
) -> None:
    if comparison is Comparison.MORE_THAN and fraction == 1:
        comparison = Comparison.AT_LEAST
    low, high = sorted((first, second))
    step = Decimal("0.01") if measure.in_area else 1
    figure, base = low * step, high * step
    threshold = Threshold(measure, fraction, comparison)
    needed = still_needed(Check(threshold, figure, base, threshold.is_met(figure, base)))
    grows = 1 if measure.counts_among_answers else 0
    if needed is None:
        assert (grows and fraction == 1 and figure < base) or (not grows and base == 0)
        return
    if needed == 0:
        assert threshold.is_met(figure, base)
        return
    assert threshold.is_met(figure + needed, base + grows * needed)
    less = needed - step
    assert not threshold.is_met(figure + less, base + grows * less)
