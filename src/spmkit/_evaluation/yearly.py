"""Batch evaluation in time: every row judged against its year's milestone, with progress.

``evaluate_batch(rule_set, data, year=2013)`` (or ``year="tahun"``, a column of years)
gives the same answers as :func:`spmkit.evaluate` with ``year=`` on each row. It does
not touch the batch kernel: for each distinct year it evaluates the rule set whose
targets are that year's milestones (exact, as any target), keeps the decisions of the
rows of that year, and adds two arrays per indicator over the results: ``milestone``
(the value judged, as a float) and ``progress`` (:class:`~spmkit.Progress` or None).
The kernel is passed in as ``run`` so this module never imports the batch module back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._evaluation.progress import (
    Period,
    Progress,
    Timing,
    judge_progress,
    period_share,
    timing,
)
from spmkit._evaluation.values import YEAR_RULE
from spmkit._rulesets.catalogue import as_year
from spmkit._rulesets.model import RuleSet
from spmkit._translation import tr
from spmkit.errors import DataError, DataInvalid, UsageError

__all__ = ["MAX_YEARS", "evaluate_in_time", "judged_rule_set"]

MAX_YEARS: Final = 200
"""Most distinct years in one batch (each is one pass of the kernel)."""

Run = Callable[[RuleSet, Sequence[str]], Any]
"""The batch kernel: (rule set, key columns) -> BatchResult."""


def _years(result: Any, year: int | str, rows: int) -> npt.NDArray[np.int64]:  # noqa: ANN401 - a BatchResult
    """The year of every row; 0 where a year column has no value."""
    if isinstance(year, int):
        return np.full(rows, year, dtype=np.int64)
    column = result.key_columns[year]
    years = np.zeros(rows, dtype=np.int64)
    problems = []
    for row, value in enumerate(column.tolist()):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int) or not 1945 <= number <= 2100:
            problems.append(DataError(year, value, YEAR_RULE, tr("row {row}", row=row)))
            continue
        years[row] = number
    if problems:
        msg = tr("column {year!r} must hold years", year=year)
        raise DataInvalid(msg, problems[:20])
    return years


def _judged_rule_set(rule_set: RuleSet, when: Timing, *, final: bool) -> RuleSet | None:
    """The rule set whose targets are the milestones (or final values) of ``when``.

    None when every target stays as it is (nothing phased, the whole year).
    """
    indicators = {}
    changed = False
    for iid, indicator in rule_set.indicators.items():
        judged, _, final_target = judge_progress(indicator, when)
        target = final_target if final else judged
        changed = changed or target.value != indicator.target.value
        indicators[iid] = attrs.evolve(indicator, target=target)
    return attrs.evolve(rule_set, indicators=indicators) if changed else None


def judged_rule_set(rule_set: RuleSet, year: int, period: Period | None) -> RuleSet:
    """The rule set whose targets are the milestones of a year (pro rata for a period).

    For ``spmkit evaluate --year 2024 --period Q2``: the data are judged as
    :func:`spmkit.evaluate` with ``year=`` and ``period=`` judges them.

    Raises:
        UsageError: a bad year or period.
    """
    when = timing(year, period)
    assert when is not None  # noqa: S101 - a year was given
    return _judged_rule_set(rule_set, when, final=False) or rule_set


def evaluate_in_time(
    rule_set: RuleSet,
    run: Run,
    *,
    keys: Sequence[str],
    year: int | str,
    period: Period | None,
) -> Any:  # noqa: ANN401 - a BatchResult
    """Evaluate with every row judged in its year; see :func:`spmkit.evaluate_batch`.

    Raises:
        UsageError: a bad year or period.
        DataInvalid: a year column holds something other than years.
    """
    if not isinstance(year, str):
        checked = as_year(year)  # an int, or a numpy or pandas integer
        if checked is None:
            msg = (
                "year must be a year 1945-2100 such as 2013, or the name of a column of "
                f"years ({year!r})"
            )
            raise UsageError(msg)
        year = checked
    share, label = period_share(period)
    all_keys = tuple(keys) + ((year,) if isinstance(year, str) and year not in keys else ())
    base = run(rule_set, all_keys)
    rows = base.rows
    years = _years(base, year, rows)
    distinct = sorted({int(y) for y in years.tolist() if y})
    if len(distinct) > MAX_YEARS:
        msg = tr(
            "at most {limit} distinct years in one batch (got {count})",
            limit=MAX_YEARS,
            count=len(distinct),
        )
        raise UsageError(msg)
    fields: dict[str, dict[str, Any]] = {
        iid: {
            "met": arrays.met.copy(),
            "gap": arrays.gap.copy(),
            "status_code": arrays.status_code.copy(),
            "final_met": arrays.met.copy(),
            "milestone": np.full(rows, np.nan),
        }
        for iid, arrays in base.results.items()
    }
    for y in distinct:
        when = Timing(year=y, share=share, label=label)
        rows_of_year = years == y
        judged_rs = _judged_rule_set(rule_set, when, final=False)
        judged = base if judged_rs is None else run(judged_rs, all_keys)
        final_rs = _judged_rule_set(rule_set, when, final=True)
        final = base if final_rs is None else run(final_rs, all_keys)
        for iid, out in fields.items():
            for name in ("met", "gap", "status_code"):
                np.copyto(out[name], getattr(judged.results[iid], name), where=rows_of_year)
            np.copyto(out["final_met"], final.results[iid].met, where=rows_of_year)
            milestone = judge_progress(rule_set.indicators[iid], when)[1]
            out["milestone"][rows_of_year] = float(milestone)
    results = {}
    for iid, arrays in base.results.items():
        out = fields[iid]
        deadline = rule_set.indicators[iid].deadline
        progress = _progress(out, years, deadline, arrays.status_code)
        frozen = {}
        for name in ("met", "gap", "status_code", "milestone"):
            frozen[name] = out[name]
            frozen[name].flags.writeable = False
        progress.flags.writeable = False
        results[iid] = attrs.evolve(arrays, progress=progress, **frozen)
    return attrs.evolve(base, results=results)


def _progress(
    out: dict[str, Any],
    years: npt.NDArray[np.int64],
    deadline: int | None,
    status_code: npt.NDArray[np.int8],
) -> npt.NDArray[Any]:
    """Progress of every row from its decisions (object array; None where not judged)."""
    computed = (status_code <= 1) & (years > 0)
    late = years > deadline if deadline is not None else np.zeros(len(years), dtype=bool)
    choices = np.select(
        [out["final_met"], late, out["met"]],
        [0, 1, 2],
        default=3,
    )
    labels = np.array(
        [Progress.MET, Progress.OVERDUE, Progress.ON_TRACK, Progress.BEHIND, None], dtype=object
    )
    codes = np.where(computed, choices, 4)
    result: npt.NDArray[Any] = labels[codes]
    return result
