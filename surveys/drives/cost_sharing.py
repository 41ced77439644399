"""Dividing the residents' share of a cost (e.g. an elevator retrofit) among flats, to the fen.

Pure: standard library only. Amounts are whole fen (1 yuan = 100 fen). Each plan gives every
flat a weight; a flat's exact quota is total × weight / total weight:

- ``EQUAL``: weight 1 per flat.
- ``AREA``: weight = registered area.
- ``FLOOR_PERCENT``: each floor bears a percentage of the total, split equally among that
  floor's flats: weight = floor percentage / number of flats on the floor. E.g. floors 1–6:
  0 / 0 / 10 / 20 / 30 / 40 %.
- ``FLOOR_COEFFICIENT``: weight = floor coefficient × area. E.g. 0 for floors 1–2, 0.7 for
  floor 3, rising to 1.3 for floor 9.

Percentages and coefficients are per-project inputs (``floor_factors``), never built in.

Rounding is by largest remainder: every flat gets the whole fen of its quota, then the fen
left over go one each to the largest fractional remainders; ties go to the larger weight, then
to the smaller flat id, so the result never depends on the order of the flats. Hence the shares
add up to the total exactly, each is its quota rounded down or up, a zero-weight flat pays
nothing, equal weights differ by at most one fen and a larger weight never pays less.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from surveys.joining.register import MAX_FLOOR
from surveys.numbers import whole_number_or_none

MAX_FACTOR = 1000  # a percentage is at most 100; a coefficient near 1


class Plan(StrEnum):
    EQUAL = "equal"
    AREA = "area"
    FLOOR_PERCENT = "floor_percent"
    FLOOR_COEFFICIENT = "floor_coefficient"


_FLOOR_PLANS = (Plan.FLOOR_PERCENT, Plan.FLOOR_COEFFICIENT)


class SharingError(ValueError):
    """The inputs do not make a sharing; the message says which and why."""


class PayingFlat(NamedTuple):
    """A flat that shares the cost: its floor and registered area in m²."""

    flat_id: int
    floor: int
    area: Decimal


@dataclass(frozen=True)
class Share:
    """What one flat is asked to pay, and why.

    ``exact_fen`` is total × weight / total weight before rounding; ``floor_factor`` is the
    percentage or coefficient of the flat's floor (None for plans without floors).
    """

    flat_id: int
    floor: int
    amount_fen: int
    weight: Fraction
    floor_factor: Fraction | None
    exact_fen: Fraction


@dataclass(frozen=True)
class Sharing:
    """The whole division: each flat's share is its weight / ``total_weight`` of the total."""

    plan: Plan
    total_fen: int
    total_weight: Fraction
    shares: tuple[Share, ...]  # in the order the flats were given


def _exact(value: object, what: str) -> Fraction:
    """A non-negative exact number; floats are refused because they are already rounded."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise SharingError(f"{what} must be a finite number, not {value}")
    if value < 0:
        raise SharingError(f"{what} cannot be negative ({value})")
    return Fraction(value)


def _floor_factors(
    plan: Plan, flats: Sequence[PayingFlat], floor_factors: Mapping[int, int | Decimal] | None
) -> dict[int, Fraction]:
    """The validated factor of each floor: a percentage or a coefficient, by plan."""
    if plan not in _FLOOR_PLANS:
        if floor_factors is not None:
            raise SharingError(f"plan {plan} takes no floor factors")
        return {}
    if floor_factors is None:
        raise SharingError(f"plan {plan} needs a factor for every floor")
    factors = {
        floor: _exact(value, f"factor of floor {floor}") for floor, value in floor_factors.items()
    }
    floors = {flat.floor for flat in flats}
    missing = sorted(floors - factors.keys())
    if missing:
        raise SharingError(f"no factor for floor(s) {', '.join(map(str, missing))}")
    if plan is Plan.FLOOR_PERCENT:
        if sum(factors.values()) != 100:
            given = sum(floor_factors.values())
            raise SharingError(f"floor percentages add up to {given}, not 100")
        # A percentage on a floor without flats would silently fall on the other floors.
        empty = sorted(floor for floor, factor in factors.items() if factor and floor not in floors)
        if empty:
            raise SharingError(f"floor(s) {', '.join(map(str, empty))} bear a share but no flat")
    return factors


def _weights(
    plan: Plan, flats: Sequence[PayingFlat], factors: Mapping[int, Fraction]
) -> list[Fraction]:
    match plan:
        case Plan.EQUAL:
            return [Fraction(1)] * len(flats)
        case Plan.AREA:
            return [Fraction(flat.area) for flat in flats]
        case Plan.FLOOR_PERCENT:
            floor_sizes = Counter(flat.floor for flat in flats)
            return [factors[flat.floor] / floor_sizes[flat.floor] for flat in flats]
        case Plan.FLOOR_COEFFICIENT:
            return [factors[flat.floor] * Fraction(flat.area) for flat in flats]


def _round(
    total_fen: int, quotas: Sequence[Fraction], weights: Sequence[Fraction], ids: Sequence[int]
) -> list[int]:
    """Largest remainder; ties to the larger weight, then to the smaller flat id."""
    amounts = [math.floor(quota) for quota in quotas]
    leftover = total_fen - sum(amounts)  # fewer than the flats with a remainder
    ranked = sorted(
        range(len(quotas)), key=lambda i: (-(quotas[i] - amounts[i]), -weights[i], ids[i])
    )
    for i in ranked[:leftover]:
        amounts[i] += 1
    return amounts


def share_costs(
    total_fen: int,
    flats: Sequence[PayingFlat],
    plan: Plan,
    floor_factors: Mapping[int, int | Decimal] | None = None,
) -> Sharing:
    """Divide ``total_fen`` among ``flats`` under ``plan``.

    ``floor_factors`` maps every floor of the flats to its percentage (``FLOOR_PERCENT``; they
    add up to 100 and each floor with a percentage has a flat) or coefficient
    (``FLOOR_COEFFICIENT``); the other plans take none. Raises SharingError (or TypeError for
    a float or another inexact number) on unusable inputs.
    """
    if isinstance(total_fen, bool) or not isinstance(total_fen, int):
        raise TypeError(f"the total must be whole fen (an int), not {type(total_fen).__name__}")
    if total_fen < 0:
        raise SharingError(f"the total cannot be negative ({total_fen} fen)")
    if not flats:
        raise SharingError("there are no flats to share among")
    ids = [flat.flat_id for flat in flats]
    if len(set(ids)) != len(ids):
        raise SharingError("a flat appears more than once")
    for flat in flats:
        _exact(flat.area, f"area of flat {flat.flat_id}")
    factors = _floor_factors(plan, flats, floor_factors)
    weights = _weights(plan, flats, factors)
    total_weight = sum(weights, Fraction(0))
    if total_weight == 0 and total_fen:
        raise SharingError(f"every flat has weight 0 under plan {plan}: nobody would pay")
    quotas = [total_fen * weight / total_weight if total_fen else Fraction(0) for weight in weights]
    amounts = _round(total_fen, quotas, weights, ids)
    shares = tuple(
        Share(flat.flat_id, flat.floor, amount, weight, factors.get(flat.floor), quota)
        for flat, amount, weight, quota in zip(flats, amounts, weights, quotas, strict=True)
    )
    return Sharing(plan, total_fen, total_weight, shares)


def parse_floor_factors(text: str) -> dict[int, Decimal]:
    """'1=0,2=0,3=10,4=20' -> {1: 0, 2: 0, 3: 10, 4: 20}: a project's percentages or
    coefficients as the committee writes them (full-width '＝', '，' and digits accepted)."""
    factors: dict[int, Decimal] = {}
    # Full-width "＝" and "，" as Chinese keyboards type them; not NFKC, which reads "²" as 2.
    for item in text.replace("，", ",").replace("＝", "=").split(","):
        if not item.strip():
            continue
        floor_text, sep, value = item.strip().partition("=")
        floor = whole_number_or_none(floor_text, 1, MAX_FLOOR)
        if not sep or floor is None:
            raise SharingError(f"{item.strip()!r} should read FLOOR=FACTOR, e.g. 3=10")
        try:
            factor = Decimal(value.strip())
        except ArithmeticError:
            raise SharingError(f"the factor of floor {floor} is not a number") from None
        if floor in factors:
            raise SharingError(f"floor {floor} is given twice")
        # Bounded before it becomes a Fraction: 1e-999999999 would be a billion-digit one.
        if factor.is_finite() and (abs(factor) > MAX_FACTOR or factor != round(factor, 4)):
            raise SharingError(
                f"the factor of floor {floor} must be at most {MAX_FACTOR}, with at most 4 decimals"
            )
        _exact(factor, f"factor of floor {floor}")
        factors[floor] = factor
    if not factors:
        raise SharingError("no floor factors given")
    return factors
