"""The arithmetic of phased targets: the milestone a target requires in a given year.

Exact on fractions, used by :meth:`spmkit._rulesets.model.Indicator.milestone`. Reading
the time keys of a rule file is :mod:`spmkit._rulesets.timekeys`; the model and the
format are described in ``docs/time.md``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spmkit._rulesets.model import Target

__all__ = ["milestone", "milestone_points"]


def milestone_points(target: Target, deadline: int | None) -> dict[int, Fraction]:
    """The known (year, value) points of a target: baseline, schedule, final at deadline."""
    points: dict[int, Fraction] = {}
    if target.baseline is not None:
        points[target.baseline.year] = target.baseline.value
    points.update(target.schedule)
    if deadline is not None:
        points[deadline] = target.value
    return dict(sorted(points.items()))


def milestone(target: Target, deadline: int | None, year: int) -> Fraction:
    """The value a target requires in ``year``: exact, linear between known points.

    >>> from spmkit._rulesets.model import Baseline, Target
    >>> milestone(Target(op=">=", value=95, baseline=Baseline(year=2010, value=70)), 2015, 2013)
    Fraction(85, 1)
    """
    points = milestone_points(target, deadline)
    if (deadline is not None and year >= deadline) or not points:
        return target.value
    years = list(points)
    if year <= years[0]:
        return points[years[0]]
    if year > years[-1]:
        return target.value
    if year in points:
        return points[year]
    after = next(y for y in years if y > year)
    before = max(y for y in years if y < year)
    low, high = points[before], points[after]
    return low + (high - low) * Fraction(year - before, after - before)
