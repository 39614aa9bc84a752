"""What a result shows: the fewest decimals that decide like the exact value.

A health office must be able to defend every figure spmkit prints. ``94.996 %`` printed
as ``95,00 %`` beside ``>= 95 %  TIDAK TERCAPAI`` contradicts itself, so a shown value has
at least the usual two decimals and as many more as it takes for the *shown* number to
fall on the same side of every threshold the result is judged by (the target, the year's
milestone, each band edge) as the exact value does. A gap that is not zero is never shown
as zero. Every renderer (terminal, Markdown, HTML, xlsx, JSON, the service) takes its text
from here, through :class:`~spmkit.IndicatorResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Final

from spmkit._numbers import number_text, rounded

if TYPE_CHECKING:
    from spmkit._rulesets.model import Target
    from spmkit._rulesets.scoring import Band

__all__ = [
    "MIN_DECIMALS",
    "Threshold",
    "decides",
    "halfway",
    "shown_decimals",
    "shown_gap",
    "shown_text",
    "shown_value",
    "thresholds_of",
]

MIN_DECIMALS: Final = 2
"""The usual two decimals of an SPM table (94,23 %)."""

_NEAREST_UP_TO: Final = 12
"""Decimals tried with nearest rounding before directed rounding takes over."""

_DIRECTED_UP_TO: Final = 60
"""A threshold with an infinite decimal expansion equal to the value needs directed rounding."""

_CLEAR: Final = 0.01
"""A value this far from every threshold is shown with two decimals without more ado."""

Threshold = tuple[str, Fraction]
"""A comparison a result is judged by: (op, bound), op one of >=, >, <=, <, ==."""


def thresholds_of(
    target: Target, milestone: Fraction | None, bands: Sequence[Band]
) -> tuple[Threshold, ...]:
    """Every comparison a value is judged by: the target, the milestone, each band edge."""
    found: list[Threshold] = [(target.op, target.value)]
    if milestone is not None:
        found.append((target.op, milestone))
    for band in bands:
        if band.at_least is not None:
            found.append((">=", band.at_least))
        if band.at_most is not None:
            found.append(("<=", band.at_most))
    return tuple(found)


def decides(op: str, value: Fraction, bound: Fraction) -> bool:
    """``value op bound``, exactly."""
    if op == ">=":
        return value >= bound
    if op == ">":
        return value > bound
    if op == "<=":
        return value <= bound
    if op == "<":
        return value < bound
    return value == bound


def _agrees(shown: Fraction, exact: Fraction, thresholds: Sequence[Threshold]) -> bool:
    return all(decides(op, shown, bound) == decides(op, exact, bound) for op, bound in thresholds)


def _directed(exact: Fraction, decimals: int) -> tuple[Fraction, Fraction]:
    scale = 10**decimals
    low = Fraction((exact.numerator * scale) // exact.denominator, scale)
    high = low if low == exact else low + Fraction(1, scale)
    return low, high


def halfway(exact: Fraction, decimals: int) -> bool:
    """Whether ``exact`` lies exactly halfway between two numbers of ``decimals`` places.

    Such a value is shown with one more decimal, as it is (``0,015``, not ``0,02``):
    tools round halves differently (half to even here, half away from zero in Excel),
    so a rounded tie would not read the same in every output.

    >>> halfway(Fraction(15, 1000), 2), halfway(Fraction(16, 1000), 2)
    (True, False)
    """
    numerator, denominator = exact.as_integer_ratio()
    twice, rest = divmod(2 * numerator * 10**decimals, denominator)
    return bool(rest == 0 and twice % 2 == 1)


def shown_decimals(exact: Fraction, thresholds: Sequence[Threshold]) -> tuple[int, Fraction]:
    """The fewest decimals (at least two) whose rounding decides like ``exact``, and it.

    A value halfway at those decimals is shown exactly, with one more (:func:`halfway`).

    >>> shown_decimals(Fraction(94996, 1000), [(">=", Fraction(95))])
    (3, Fraction(23749, 250))
    >>> shown_decimals(Fraction(95), [(">=", Fraction(95))])[0]
    2
    """
    # The usual case, decided on floats: every threshold is farther than 0.01 from the
    # value, so rounding to two decimals (an error of 0.005 at most) cannot cross one.
    try:
        approximate = exact.numerator / exact.denominator
        clear = all(abs(approximate - float(bound)) > _CLEAR for _op, bound in thresholds)
    except OverflowError:
        clear = False
    if clear:
        if halfway(exact, MIN_DECIMALS):
            return MIN_DECIMALS + 1, exact
        return MIN_DECIMALS, rounded(exact, MIN_DECIMALS)
    for decimals in range(MIN_DECIMALS, _NEAREST_UP_TO + 1):
        if halfway(exact, decimals):  # exactly d + 1 decimals: shown as it is
            return decimals + 1, exact
        candidate = rounded(exact, decimals)
        if _agrees(candidate, exact, thresholds):
            return decimals, candidate
    for decimals in range(MIN_DECIMALS, _DIRECTED_UP_TO + 1):
        for candidate in _directed(exact, decimals):
            if _agrees(candidate, exact, thresholds):
                return decimals, candidate
    # No finite decimal both rounds and decides (a value infinitesimally off a bound it
    # equals cannot occur for Fractions; this keeps the function total).
    return _DIRECTED_UP_TO, exact


def shown_value(exact: Fraction, thresholds: Sequence[Threshold], lang: str) -> str:
    """The value as text in ``lang`` with the decimals of :func:`shown_decimals`.

    >>> shown_value(Fraction(94996, 1000), [(">=", Fraction(95))], "id")
    '94,996'
    >>> shown_value(Fraction(8999999, 100000), [(">=", Fraction(90))], "en")
    '89.99999'
    """
    decimals, candidate = shown_decimals(exact, thresholds)
    return number_text(candidate, lang, decimals)


def shown_text(
    exact: Fraction,
    thresholds: Sequence[Threshold],
    lang: str,
    bounds: Sequence[float] | None = None,
) -> tuple[int, str]:
    """:func:`shown_decimals`' decimals and :func:`shown_value`'s text, computed once.

    ``bounds`` are the thresholds' bounds as floats, when the caller keeps them.

    >>> shown_text(Fraction(94996, 1000), [(">=", Fraction(95))], "en")
    (3, '94.996')
    """
    clear = True
    try:  # the usual case of shown_decimals: two decimals, the nearest rounding
        numerator, denominator = exact.as_integer_ratio()
        approximate = numerator / denominator
        if bounds is None:
            bounds = [float(bound) for _op, bound in thresholds]
        for bound in bounds:
            if abs(approximate - bound) <= _CLEAR:
                clear = False
                break
    except OverflowError:
        clear = False
    if clear and not halfway(exact, MIN_DECIMALS):
        return MIN_DECIMALS, number_text(exact, lang, MIN_DECIMALS)
    decimals, candidate = shown_decimals(exact, thresholds)
    return decimals, number_text(candidate, lang, decimals)


def shown_gap(gap: Fraction, lang: str, at_least: int = MIN_DECIMALS) -> str:
    """The gap as text: never ``0,00`` for a gap that is not zero.

    >>> shown_gap(Fraction(4, 1000), "id"), shown_gap(Fraction(0), "en")
    ('0,004', '0.00')
    """
    decimals = max(at_least, MIN_DECIMALS)
    # Rounds to zero (half to even) when |gap| * 10**decimals <= 1/2: integers, no Fraction.
    size, whole = 2 * abs(gap.numerator), gap.denominator
    while size and size * 10**decimals <= whole and decimals < _DIRECTED_UP_TO:
        decimals += 1
    if halfway(gap, decimals):
        decimals += 1
    return number_text(gap, lang, decimals)
