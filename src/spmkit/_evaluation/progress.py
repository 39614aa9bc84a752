"""Progress towards a phased target: the milestone of a year (or period) and the verdict.

SPM targets are reached in steps: a plan (Rencana Pencapaian SPM, a Renstra) sets one
value per year up to the deadline. Judged in a year, an achievement is

* ``met``: it meets the final target already;
* ``on_track``: it meets that year's milestone (not yet the final target);
* ``behind``: it is below that year's milestone, and the deadline has not passed;
* ``overdue``: the deadline has passed and the final target is not met.

In-year monitoring (quarterly reports under Permendagri 59/2021 Pasal 24 ayat (1); monthly
PWS-KIA cumulative coverage) compares the cumulative achievement so far, against the
yearly sasaran, with the pro-rata share of the milestone: ``Q2`` is 6/12 of it, month 5 is
5/12 (minimum targets only). The rule and its sources are in docs/time.md.
"""

from __future__ import annotations

import enum
import re
from fractions import Fraction
from typing import Final, TypeAlias

import attrs

from spmkit._language.expr import exact_decimal
from spmkit._rulesets.model import Indicator, Target, factor_suffix
from spmkit.errors import UsageError

__all__ = ["Period", "Progress", "Timing", "judge_progress", "period_share", "timing"]

Period: TypeAlias = str | int
"""A part of the year: ``"Q1"`` .. ``"Q4"``, or a month ``1`` .. ``12``."""

_QUARTER: Final = re.compile(r"[Qq]([1-4])\Z")
_PRO_RATA_OPS: Final = (">=", ">")
"""Targets scaled pro rata within a year: minimums of a cumulative count. A maximum or an
exact value (a rate that must stay low) is judged against the whole milestone."""


class Progress(enum.StrEnum):
    """Where an achievement stands on the way to its final target in a given year."""

    MET = "met"
    """The final target is met."""
    ON_TRACK = "on_track"
    """The year's milestone is met, the final target not yet."""
    BEHIND = "behind"
    """Below the year's milestone; the deadline has not passed."""
    OVERDUE = "overdue"
    """The deadline has passed and the final target is not met."""


def period_share(period: Period | None) -> tuple[Fraction, str]:
    """Return the share of the year a period covers, and its label (``"Q2"`` -> 6/12).

    Raises:
        UsageError: not a quarter ``Q1``-``Q4`` nor a month 1-12.
    """
    if period is None:
        return Fraction(1), ""
    if isinstance(period, int) and not isinstance(period, bool) and 1 <= period <= 12:
        return Fraction(period, 12), f"month {period}"
    if isinstance(period, str):
        quarter = _QUARTER.match(period.strip())
        if quarter:
            return Fraction(int(quarter.group(1)) * 3, 12), f"Q{quarter.group(1)}"
    msg = f"period must be a quarter 'Q1'..'Q4' or a month 1..12 (got {period!r})"
    raise UsageError(msg)


@attrs.frozen(kw_only=True)
class Timing:
    """When an evaluation judges: a year, and the share of it covered (1 for the year)."""

    year: int
    share: Fraction = Fraction(1)
    label: str = ""


def timing(year: int | None, period: Period | None) -> Timing | None:
    """Check ``year=`` and ``period=`` of an evaluation; None when no year is given.

    Raises:
        UsageError: a year that is not a whole number 1945-2100, a bad period, or a period
            without a year.
    """
    if year is None:
        if period is not None:
            msg = f"period={period!r} needs a year (year=2024, period='Q2')"
            raise UsageError(msg)
        return None
    if isinstance(year, bool) or not isinstance(year, int) or not 1945 <= year <= 2100:
        msg = f"year must be a year such as 2013 (got {year!r})"
        raise UsageError(msg)
    share, label = period_share(period)
    return Timing(year=year, share=share, label=label)


def _scaled(target: Target, value: Fraction, share: Fraction) -> Fraction:
    return value * share if target.op in _PRO_RATA_OPS else value


def judge_progress(indicator: Indicator, when: Timing) -> tuple[Target, Fraction, Target]:
    """Return the target judged in that year/period, its milestone value, and the final one.

    The judged target is the indicator's target with the milestone as its value (its
    comparator and unit kept), pro rata for a period; the final target likewise scaled.
    """
    target = indicator.target
    milestone = _scaled(target, indicator.milestone(when.year), when.share)
    final = _scaled(target, target.value, when.share)
    return (
        Target(op=target.op, value=milestone, unit=target.unit),
        milestone,
        Target(op=target.op, value=final, unit=target.unit),
    )


def progress_of(
    value: Fraction, judged: Target, final: Target, deadline: int | None, year: int
) -> Progress:
    """The progress of a computed achievement (see the module docstring)."""
    if final.is_met(value):
        return Progress.MET
    if deadline is not None and year > deadline:
        return Progress.OVERDUE
    return Progress.ON_TRACK if judged.is_met(value) else Progress.BEHIND


def describe_milestone(indicator: Indicator, when: Timing, milestone: Fraction) -> str:
    """The target part of an explanation: the year's milestone and the final target."""
    suffix = factor_suffix(indicator.factor)
    deadline = f" by {indicator.deadline}" if indicator.deadline is not None else ""
    final = f"final target {indicator.target.describe(indicator.factor)}{deadline}"
    shown = exact_decimal(milestone)
    if "/" in shown:
        shown = f"{float(milestone):.4g}"
    if when.label:
        yearly = exact_decimal(indicator.milestone(when.year))
        return (
            f"milestone {when.year} {when.label} (pro rata {when.share * 12}/12 of "
            f"{yearly}{suffix}) {indicator.target.op} "
            f"{shown}{suffix}, {final}"
        )
    return f"milestone {when.year} {indicator.target.op} {shown}{suffix}, {final}"
