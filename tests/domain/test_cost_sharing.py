import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.drives.cost_sharing import (
    PayingFlat,
    Plan,
    Sharing,
    SharingError,
    parse_floor_factors,
    share_costs,
)

# Examples from city rules; real projects set their own.
PERCENT_1_TO_6 = {1: 0, 2: 0, 3: 10, 4: 20, 5: 30, 6: 40}
COEFFICIENT_1_TO_9 = {
    floor: Decimal(coefficient)
    for floor, coefficient in enumerate(
        ["0", "0", "0.7", "0.8", "0.9", "1.0", "1.1", "1.2", "1.3"], start=1
    )
}


def two_per_floor(floors: int = 6, area: str = "80.00") -> list[PayingFlat]:
    """Flats 101, 102, 201, 202, …: a unit of two flats per floor."""
    return [
        PayingFlat(100 * floor + door, floor, Decimal(area))
        for floor in range(1, floors + 1)
        for door in (1, 2)
    ]


def amounts(sharing: Sharing) -> dict[int, int]:
    return {share.flat_id: share.amount_fen for share in sharing.shares}


# --- hand-computed cases ------------------------------------------------------------------


def test_floor_percentages_split_each_floor_equally() -> None:
    sharing = share_costs(30_000_000, two_per_floor(), Plan.FLOOR_PERCENT, PERCENT_1_TO_6)
    assert amounts(sharing) == {
        101: 0,
        102: 0,
        201: 0,
        202: 0,
        301: 1_500_000,
        302: 1_500_000,
        401: 3_000_000,
        402: 3_000_000,
        501: 4_500_000,
        502: 4_500_000,
        601: 6_000_000,
        602: 6_000_000,
    }
    third_floor = sharing.shares[4]
    assert (third_floor.floor_factor, third_floor.weight) == (10, 5)  # 10 % shared by 2 flats


def test_floor_percentages_with_a_fen_left_over() -> None:
    # Quotas 5000.05, 10000.1, 15000.15 and 20000.2 fen per flat: one fen is left, and the two
    # sixth-floor flats tie for it (same remainder, same weight): the smaller id gets it.
    sharing = share_costs(100_001, two_per_floor(), Plan.FLOOR_PERCENT, PERCENT_1_TO_6)
    assert [share.amount_fen for share in sharing.shares[4:]] == [
        5000,
        5000,
        10000,
        10000,
        15000,
        15000,
        20001,
        20000,
    ]


def test_floor_percentages_may_be_decimals() -> None:
    percent = {3: Decimal("33.34"), 4: Decimal("33.33"), 5: Decimal("33.33")}
    flats = [PayingFlat(floor, floor, Decimal("70.00")) for floor in (3, 4, 5)]
    assert amounts(share_costs(10_000, flats, Plan.FLOOR_PERCENT, percent)) == {
        3: 3334,
        4: 3333,
        5: 3333,
    }


def test_floor_coefficient_times_area() -> None:
    flats = [
        PayingFlat(101, 1, Decimal("80.00")),
        PayingFlat(301, 3, Decimal("80.00")),
        PayingFlat(401, 4, Decimal("80.00")),
        PayingFlat(501, 5, Decimal("80.00")),
    ]
    sharing = share_costs(192_000, flats, Plan.FLOOR_COEFFICIENT, COEFFICIENT_1_TO_9)
    # Weights 0, 56, 64 and 72 out of 192.
    assert amounts(sharing) == {101: 0, 301: 56_000, 401: 64_000, 501: 72_000}
    fifth = sharing.shares[3]
    assert (fifth.floor_factor, fifth.weight, sharing.total_weight) == (
        Fraction(9, 10),
        72,
        192,
    )


def test_floor_coefficients_on_flats_of_different_area_do_not_divide_evenly() -> None:
    # Weights 0, 62.5 and 1.5 × 63.5 = 95.25 per flat, 315.5 in all, of 60,000.00 yuan: quotas
    # 1,188,589.54… and 1,811,410.45… fen. Rounding down leaves 2 fen, which go to the larger
    # remainders: the two second-floor flats.
    flats = [
        PayingFlat(flat_id, floor, Decimal(area))
        for flat_id, floor, area in [
            (101, 1, "61.50"),
            (102, 1, "61.50"),
            (201, 2, "62.50"),
            (202, 2, "62.50"),
            (301, 3, "63.50"),
            (302, 3, "63.50"),
        ]
    ]
    factors = {1: Decimal(0), 2: Decimal(1), 3: Decimal("1.5")}
    sharing = share_costs(6_000_000, flats, Plan.FLOOR_COEFFICIENT, factors)
    assert amounts(sharing) == {
        101: 0,
        102: 0,
        201: 1_188_590,
        202: 1_188_590,
        301: 1_811_410,
        302: 1_811_410,
    }
    assert sharing.total_weight == Fraction(631, 2)


def test_floor_factors_as_the_committee_writes_them() -> None:
    assert parse_floor_factors("1=0, 2=0，3=10,4＝20,5=30,6=40,") == {
        1: 0,
        2: 0,
        3: 10,
        4: 20,
        5: 30,
        6: 40,
    }
    assert parse_floor_factors("3=0.7,4=0.85") == {3: Decimal("0.7"), 4: Decimal("0.85")}
    assert parse_floor_factors("３=1.5") == {3: Decimal("1.5")}
    for wrong in ("", "3:10", "x=1", "3=ten", "3=1,3=2", "3=-1", "٣=10", "1234=1"):
        with pytest.raises(SharingError):
            parse_floor_factors(wrong)


@pytest.mark.timeout(5)
@pytest.mark.parametrize(
    "hostile",
    ["²=10", "99999999999999999999=1", "201=1", "0=1", "3=1e999999", "3=1e-999999999", "3=0.00001"],
)
def test_hostile_floor_factors_are_refused_at_once(hostile: str) -> None:
    # "²" passed isdigit() and then failed int(); 1e-999999999 became a billion-digit Fraction.
    with pytest.raises(SharingError):
        parse_floor_factors(hostile)


def test_by_area_with_flats_of_different_area() -> None:
    flats = [
        PayingFlat(1, 2, Decimal("60.00")),
        PayingFlat(2, 2, Decimal("90.00")),
        PayingFlat(3, 3, Decimal("150.00")),
    ]
    assert amounts(share_costs(30_000, flats, Plan.AREA)) == {1: 6000, 2: 9000, 3: 15000}


def test_by_area_tie_goes_to_the_larger_weight() -> None:
    # Quotas 4468.5, 3000 and 2531.5 fen: equal remainders, so the larger area gets the fen.
    flats = [
        PayingFlat(1, 1, Decimal("50.63")),
        PayingFlat(2, 1, Decimal("60.00")),
        PayingFlat(3, 1, Decimal("89.37")),
    ]
    sharing = share_costs(10_000, flats, Plan.AREA)
    assert amounts(sharing) == {1: 2531, 2: 3000, 3: 4469}
    assert sharing.shares[2].exact_fen == Fraction(8937, 2)


def test_one_yuan_over_three_flats() -> None:
    flats = [PayingFlat(flat_id, 1, Decimal("50.00")) for flat_id in (3, 1, 2)]
    sharing = share_costs(100, flats, Plan.EQUAL)
    assert amounts(sharing) == {1: 34, 2: 33, 3: 33}
    assert [share.flat_id for share in sharing.shares] == [3, 1, 2]  # the order given
    assert all(share.floor_factor is None for share in sharing.shares)


def test_nothing_to_share() -> None:
    flats = two_per_floor(floors=2)
    sharing = share_costs(0, flats, Plan.FLOOR_COEFFICIENT, COEFFICIENT_1_TO_9)
    assert set(amounts(sharing).values()) == {0}


# --- refused inputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "flats", "plan", "factors"),
    [
        pytest.param(-1, two_per_floor(), Plan.EQUAL, None, id="negative total"),
        pytest.param(100, [], Plan.EQUAL, None, id="no flats"),
        pytest.param(100, two_per_floor() * 2, Plan.EQUAL, None, id="flat twice"),
        pytest.param(
            100,
            [PayingFlat(1, 1, Decimal("-1"))],
            Plan.AREA,
            None,
            id="negative area",
        ),
        pytest.param(
            100, two_per_floor(), Plan.FLOOR_PERCENT, {**PERCENT_1_TO_6, 6: 30}, id="not 100 %"
        ),
        pytest.param(
            100, two_per_floor(floors=7), Plan.FLOOR_PERCENT, PERCENT_1_TO_6, id="floor missing"
        ),
        pytest.param(
            100, two_per_floor(floors=5), Plan.FLOOR_PERCENT, PERCENT_1_TO_6, id="floor no flats"
        ),
        pytest.param(
            100,
            two_per_floor(),
            Plan.FLOOR_COEFFICIENT,
            {**COEFFICIENT_1_TO_9, 4: Decimal("-0.8")},
            id="negative coefficient",
        ),
        pytest.param(
            100,
            two_per_floor(floors=2),
            Plan.FLOOR_COEFFICIENT,
            COEFFICIENT_1_TO_9,
            id="all weights zero",
        ),
        pytest.param(100, two_per_floor(), Plan.FLOOR_PERCENT, None, id="factors missing"),
        pytest.param(100, two_per_floor(), Plan.AREA, PERCENT_1_TO_6, id="factors unused"),
    ],
)
def test_unusable_inputs_are_refused(
    total: int,
    flats: list[PayingFlat],
    plan: Plan,
    factors: Mapping[int, int | Decimal] | None,
) -> None:
    with pytest.raises(SharingError):
        share_costs(total, flats, plan, factors)


def test_inexact_numbers_are_refused() -> None:
    with pytest.raises(TypeError):
        share_costs(100.0, two_per_floor(), Plan.EQUAL)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        share_costs(100, two_per_floor(), Plan.FLOOR_COEFFICIENT, {1: 0.7})  # type: ignore[dict-item]


# --- properties ---------------------------------------------------------------------------

AREAS = st.one_of(
    st.sampled_from([Decimal("60.00"), Decimal("89.37")]),  # to have equal weights
    st.integers(min_value=1, max_value=30_000).map(lambda cents: Decimal(cents).scaleb(-2)),
)


Case = tuple[int, list[PayingFlat], Plan, dict[int, Decimal] | None]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    ids = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=14, unique=True))
    flats = [PayingFlat(flat_id, draw(st.integers(1, 9)), draw(AREAS)) for flat_id in ids]
    plan = draw(st.sampled_from(Plan))
    floors = sorted({flat.floor for flat in flats})
    factors: dict[int, Decimal] | None = None
    if plan is Plan.FLOOR_PERCENT:
        cut = len(floors) - 1
        bounds = [0, *sorted(draw(st.lists(st.integers(0, 100), min_size=cut, max_size=cut))), 100]
        factors = {floor: Decimal(bounds[i + 1] - bounds[i]) for i, floor in enumerate(floors)}
    elif plan is Plan.FLOOR_COEFFICIENT:
        coefficient = st.integers(0, 200).map(lambda hundredths: Decimal(hundredths).scaleb(-2))
        factors = {floor: draw(coefficient) for floor in range(1, 10)}
    return draw(st.integers(0, 10**9)), flats, plan, factors


@given(cases())
def test_shares_add_up_and_stay_within_a_fen_of_the_exact_quota(case: Case) -> None:
    total, flats, plan, factors = case
    try:
        sharing = share_costs(total, flats, plan, factors)
    except SharingError:
        # Only one refusal is possible here: nobody has a weight, yet there is a cost.
        assert plan is Plan.FLOOR_COEFFICIENT and total > 0
        assert all(factors[flat.floor] == 0 for flat in flats)
        return
    shares = sharing.shares
    assert sum(share.amount_fen for share in shares) == total
    assert sum(share.exact_fen for share in shares) == total
    for share in shares:
        assert share.amount_fen in (math.floor(share.exact_fen), math.ceil(share.exact_fen))
        assert share.amount_fen >= 0
        if share.weight == 0:
            assert share.amount_fen == 0


@given(cases())
def test_rounding_favours_the_largest_remainders_and_keeps_weights_in_order(case: Case) -> None:
    total, flats, plan, factors = case
    try:
        shares = share_costs(total, flats, plan, factors).shares
    except SharingError:
        return
    for a in shares:
        for b in shares:
            if a.weight == b.weight:
                assert abs(a.amount_fen - b.amount_fen) <= 1
            if a.weight > b.weight:
                assert a.amount_fen >= b.amount_fen
            rounded_up_a = a.amount_fen > a.exact_fen
            rounded_down_b = b.amount_fen < b.exact_fen
            if rounded_up_a and rounded_down_b:
                assert a.exact_fen % 1 >= b.exact_fen % 1


@given(cases(), st.randoms())
def test_result_does_not_depend_on_the_order_of_flats(case: Case, random: Random) -> None:
    total, flats, plan, factors = case
    shuffled = flats[:]
    random.shuffle(shuffled)
    try:
        expected = amounts(share_costs(total, flats, plan, factors))
    except SharingError:
        return
    assert amounts(share_costs(total, shuffled, plan, factors)) == expected
