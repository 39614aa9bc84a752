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
from spmkit._rulesets.catalogue import as_year
from spmkit._rulesets.model import Indicator, Target, suffix_words
from spmkit._translation import Bilingual, both_notations, tr
from spmkit.errors import UsageError

__all__ = ["Period", "Progress", "Timing", "judge_progress", "period_share", "timing"]

Period: TypeAlias = str | int
"""A part of the year as offices write it: a quarter (``"Q2"``, ``"TW2"``, ``"TW II"``,
``"triwulan 2"``), a month (``5``, ``"5"``, ``"Mei"``, ``"bulan 5"``) or a semester
(``"S1"``, ``"semester II"``); see :func:`period_share`."""

_PRO_RATA_OPS: Final = (">=", ">")
"""Targets scaled pro rata within a year: minimums of a cumulative count. A maximum or an
exact value (a rate that must stay low) is judged against the whole milestone."""

_ROMAN: Final = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8,
                 "ix": 9, "x": 10, "xi": 11, "xii": 12}  # fmt: skip
_MONTHS: Final = (
    ("januari", "jan"),
    ("februari", "pebruari", "feb", "peb"),
    ("maret", "mar"),
    ("april", "apr"),
    ("mei",),
    ("juni", "jun"),
    ("juli", "jul"),
    ("agustus", "agu", "agt", "ags"),
    ("september", "sept", "sep"),
    ("oktober", "okt"),
    ("november", "nopember", "nov", "nop"),
    ("desember", "des"),
)
"""Indonesian month names and the abbreviations offices use."""
_MONTH_NUMBER: Final = {name: n for n, names in enumerate(_MONTHS, 1) for name in names}
_PERIOD: Final = re.compile(
    r"(?P<kind>q|tw|triwulan|kuartal|s|sem|semester|b|bulan)?"
    r"\s*(?P<n>\d{1,2}|[ivx]{1,4})\Z"
)
_KINDS: Final = {
    "q": 3, "tw": 3, "triwulan": 3, "kuartal": 3,
    "s": 6, "sem": 6, "semester": 6,
    "b": 1, "bulan": 1, None: 1,
}  # fmt: skip
"""Months per unit of each kind of period (a bare number is a month)."""
_MAX_PERIOD_TEXT: Final = 40


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


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return _ROMAN.get(text)


def period_share(period: Period | None) -> tuple[Fraction, str]:
    """Return the share of the year a period covers (cumulative), and its label.

    Quarters ``Q1``-``Q4``, ``TW1``-``TW4``, ``TW I``-``TW IV``, ``triwulan 2``; months
    1-12, ``"5"``, ``"bulan 5"`` or by name (``"Mei"``, ``"Agustus"``, ``"Agt"``); semesters
    ``S1``/``S2``, ``semester II``. Case, spaces, dots and dashes do not matter.

    >>> period_share("TW II"), period_share("Mei"), period_share("semester 1")
    ((Fraction(1, 2), 'Q2'), (Fraction(5, 12), 'month 5'), (Fraction(1, 2), 'S1'))

    Raises:
        UsageError: none of these.
    """
    if period is None:
        return Fraction(1), ""
    number = period
    if hasattr(number, "item") and not isinstance(number, int | str):
        number = number.item()  # a numpy or pandas integer
    if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 12:
        return Fraction(number, 12), f"month {number}"
    if isinstance(number, str) and len(number) <= _MAX_PERIOD_TEXT:
        text = re.sub(r"[\s.\-_/]+", " ", number.strip().casefold()).strip()
        if text in _MONTH_NUMBER:
            month = _MONTH_NUMBER[text]
            return Fraction(month, 12), f"month {month}"
        match = _PERIOD.match(text)
        value = None if match is None else _number(match.group("n"))
        if match is not None and match.group("kind") is None and not match.group("n").isdigit():
            value = None  # a bare "IV": a quarter or a month? Say TW IV or bulan 4.
        if match is not None and value is not None:
            months = _KINDS[match.group("kind")]
            if 1 <= value * months <= 12:
                return _labelled(value, months)
    msg = (
        f"period must be a quarter (Q1-Q4, TW1-TW4, TW I-IV, 'triwulan 2'), a month (1-12, "
        f"'Mei') or a semester (S1, S2, 'semester 2') (got {period!r})"
    )
    raise UsageError(msg)


def _labelled(value: int, months: int) -> tuple[Fraction, str]:
    share = Fraction(value * months, 12)
    if months == 3:
        return share, f"Q{value}"
    if months == 6:
        return share, f"S{value}"
    return share, f"month {value}"


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
            msg = tr("period={period!r} needs a year (year=2024, period='Q2')", period=period)
            raise UsageError(msg)
        return None
    checked = as_year(year)
    if checked is None:
        msg = tr("year must be a year such as 2013 (got {year!r})", year=year)
        raise UsageError(msg)
    share, label = period_share(period)
    return Timing(year=checked, share=share, label=label)


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


def target_words(indicator: Indicator) -> Bilingual:
    """The target as text in both notations: ``>= 97.5 %`` and ``>= 97,5 %``."""
    return indicator.target.in_words(indicator.factor)


def describe_target(indicator: Indicator) -> Bilingual:
    """The target part of an explanation without a milestone: ``target >= 95 % by 2016``."""
    if indicator.deadline is None:
        return tr("target {target}", target=target_words(indicator))
    return tr("target {target} by {year}", target=target_words(indicator), year=indicator.deadline)


def describe_milestone(indicator: Indicator, when: Timing, milestone: Fraction) -> Bilingual:
    """The target part of an explanation: the year's milestone and the final target."""
    suffix = suffix_words(indicator.factor)
    final = (
        tr("final target {target}", target=target_words(indicator))
        if indicator.deadline is None
        else tr(
            "final target {target} by {year}",
            target=target_words(indicator),
            year=indicator.deadline,
        )
    )
    text = exact_decimal(milestone)
    shown = both_notations(f"{float(milestone):.4g}" if "/" in text else text)
    op = indicator.target.op
    if when.label:
        yearly = both_notations(exact_decimal(indicator.milestone(when.year)))
        rule = (
            tr(
                "pro rata {months}/12 of {yearly}{suffix}",
                months=when.share * 12,
                yearly=yearly,
                suffix=suffix,
            )
            if op in _PRO_RATA_OPS
            else tr("no pro rata for {op!r}: the whole milestone applies in every period", op=op)
        )
        return tr(
            "milestone {year} {label} ({rule}) {op} {shown}{suffix}, {final}",
            year=when.year,
            label=when.label,
            rule=rule,
            op=op,
            shown=shown,
            suffix=suffix,
            final=final,
        )
    return tr(
        "milestone {year} {op} {shown}{suffix}, {final}",
        year=when.year,
        op=op,
        shown=shown,
        suffix=suffix,
        final=final,
    )
