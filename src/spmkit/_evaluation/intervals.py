"""Small numbers: the Wilson score interval of a proportion and the small-denominator flag.

A puskesmas with 3 of 4 pregnant women served (75 %) and one with 950 of 1,000 (95 %)
are not equally certain. The Wilson score interval (Wilson 1927; recommended over the
Wald interval by Newcombe 1998 and Brown, Cai and DasGupta 2001 because it stays inside
0..1 and keeps its coverage at small n) says how wide the uncertainty is; the flag marks
denominators below a threshold (30 by default) so that rankings carry a caveat.

Pure Python on the scalar path; the batch arrays use numpy (imported on first use).
"""

from __future__ import annotations

import functools
import math
import numbers
from fractions import Fraction
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Final

from spmkit._arguments import require
from spmkit._rulesets.model import SMALL_DENOMINATOR_DEFAULT
from spmkit._translation import tr
from spmkit.errors import UsageError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "CONFIDENCE",
    "SMALL_DENOMINATOR",
    "is_small_denominator",
    "wilson_interval",
    "wilson_interval_arrays",
]

CONFIDENCE: Final = 0.95
"""Default confidence level of :func:`wilson_interval`."""

SMALL_DENOMINATOR: Final = SMALL_DENOMINATOR_DEFAULT
"""Default threshold (a rule set may set its own ``small_denominator``): a denominator
below it is flagged as small (fewer than 30 people)."""


def _z(confidence: float) -> float:
    require(confidence, "confidence", numbers.Real, tr("a number between 0 and 1"))
    return _z_of(confidence)


@functools.cache
def _z_of(confidence: float) -> float:
    if not 0 < confidence < 1:
        from spmkit.errors import UsageError  # noqa: PLC0415 - only on a bad call

        msg = tr(
            "confidence must be between 0 and 1, exclusive (got {confidence!r})",
            confidence=confidence,
        )
        raise UsageError(msg)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(
    successes: int | Fraction, trials: int | Fraction, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes / trials``, as proportions in 0..1.

    >>> low, high = wilson_interval(3, 4)
    >>> round(low, 4), round(high, 4)
    (0.3006, 0.9544)

    None when there is no proportion to bound: no trials, a negative count, or more
    successes than trials (an estimated denominator; the interval would be meaningless).

    Raises:
        UsageError: a count that is not a whole or exact number (text, a float, a bool),
            or a ``confidence`` that is not a number between 0 and 1.
    """
    for name, count in (("successes", successes), ("trials", trials)):
        if isinstance(count, bool) or not isinstance(count, numbers.Rational):
            msg = tr(
                "{name} must be a count (an int or a Fraction), not {kind}",
                name=name,
                kind=type(count).__name__,
            )
            raise UsageError(msg)
    if trials <= 0 or successes < 0 or successes > trials:
        return None
    z = _z(confidence)
    n = float(trials)
    # On the integers (ints and Fractions both have them): correctly rounded, no Fraction.
    p = (successes.numerator * trials.denominator) / (successes.denominator * trials.numerator)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def is_small_denominator(
    denominator: Fraction | int | None, threshold: int = SMALL_DENOMINATOR
) -> bool:
    """Whether a denominator is below ``threshold`` (False when there is none)."""
    return denominator is not None and 0 < denominator < threshold


def wilson_interval_arrays(
    successes: npt.NDArray[Any],
    trials: npt.NDArray[Any],
    confidence: float = CONFIDENCE,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """:func:`wilson_interval` over arrays: (low, high), NaN where it is undefined."""
    import numpy as np  # noqa: PLC0415 - numpy only for batch results

    z = _z(confidence)
    n = np.asarray(trials, dtype=np.float64)
    x = np.asarray(successes, dtype=np.float64)
    valid = (n > 0) & (x >= 0) & (x <= n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(valid, x / np.where(valid, n, 1.0), np.nan)
        z2 = z * z
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = z / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        low = np.where(valid, np.maximum(0.0, centre - half), np.nan)
        high = np.where(valid, np.minimum(1.0, centre + half), np.nan)
    low.flags.writeable = False
    high.flags.writeable = False
    return low, high
