"""Evaluate the rows of a data file on the batch engine, and check its totals rows.

:func:`evaluate_table` compiles the rule set once and evaluates every row with
:func:`spmkit.evaluate_batch` (vectorised, and exact like the scalar evaluator). A row
with a bad cell is refused on its own: the other rows are evaluated. Each row's
:class:`~spmkit._evaluation.results.Report` (with its explanation) is built only when
asked for. A totals row (``JUMLAH KABUPATEN``) is not a region: its inputs are compared
with the sums of the rows above it, and its indicators with the ratio of those sums
(the regency's achievement is the ratio of its sums, never an average of percentages).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, overload

import attrs
import numpy as np

from spmkit._evaluation.aggregate import aggregate
from spmkit._evaluation.batch import BatchResult, compile_rule_set, evaluate_batch
from spmkit._evaluation.results import IndicatorResult, Report
from spmkit._evaluation.rows import plain_missing, row_record
from spmkit._evaluation.scalar import evaluate, evaluate_some, validate_data
from spmkit._evaluation.values import exact_number
from spmkit._files.reading import DataRow, DataTable, is_average_label
from spmkit._messages import (
    Bilingual,
    Language,
    data_invalid_text,
)
from spmkit._numbers import exact_text
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._translation import joined, tr
from spmkit.errors import DataError, DataInvalid

__all__ = [
    "CHUNK_ROWS",
    "RowOutcome",
    "RunningTotals",
    "TableEvaluation",
    "TotalsCheck",
    "evaluate_rows",
    "evaluate_table",
    "region_columns",
    "row_columns",
]

CHUNK_ROWS: Final = 20_000
"""Rows evaluated per batch call, so progress can be shown on long files."""

_NO_DATA: Final = 2
"""The status code of no_data in the batch arrays."""


def _float(value: Any) -> float | None:  # noqa: ANN401 - a numpy scalar
    number = float(value)
    return None if np.isnan(number) else number


@attrs.frozen(kw_only=True, eq=False)
class RowOutcome:
    """One row evaluated: its results, or the problems that kept it from evaluation.

    Attributes:
        row: the data row.
        problems: why the row was refused (empty when it was evaluated).
        rule_set: the rule set evaluated.
        batch: the batch result holding this row (None when refused).
        index: the row's position in ``batch``.
        given: a report evaluated elsewhere (``spmkit.render`` of a ``Report``); passed
            as ``report=``, as before the batch engine.
        values_known: False for rows of a bare ``BatchResult`` (no explanations then).
    """

    row: DataRow
    problems: tuple[str, ...] = ()
    rule_set: RuleSet | None = None
    batch: BatchResult | None = None
    index: int = 0
    given: Report | None = attrs.field(default=None, alias="report")
    values_known: bool = True
    _cache: dict[str, Report] = attrs.field(factory=dict, init=False, repr=False)
    _records: dict[str, IndicatorResult] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def evaluated(self) -> bool:
        """Whether the row was evaluated (not refused)."""
        return self.batch is not None or self.given is not None

    @property
    def report(self) -> Report | None:
        """The row's full report (exact numbers, explanations); None when refused.

        Built on first use by the scalar evaluator, which the batch engine agrees with
        exactly: tables of thousands of rows never pay for explanations nobody reads.
        """
        if self.given is not None:
            return self.given
        if self.batch is None or self.rule_set is None or not self.values_known:
            return None
        if "report" not in self._cache:
            year = self.row.year
            self._cache["report"] = evaluate(
                self.rule_set,
                self.row.values,
                year=year,
                period=self.row.part if year is not None else None,
            )
        return self._cache["report"]

    def explanation(self, indicator_id: str, lang: Language) -> str:
        """The explanation of one indicator in ``lang``; empty when it cannot be built."""
        report = self.report
        if report is None:
            return ""
        return report[indicator_id].explanation_in(lang)

    @property
    def results(self) -> dict[str, IndicatorResult]:
        """Every indicator's record for this row: what ``spmkit.evaluate`` gives the row.

        Rebuilt from the batch arrays (:meth:`BatchResult.result`); a row whose record
        the arrays cannot give exactly (missing inputs to name, terms that are not whole
        numbers) is evaluated by the scalar evaluator, which the batch engine agrees with.
        """
        if self.given is not None:
            return dict(self.given.results)
        batch, rule_set = self.batch, self.rule_set
        if batch is None or rule_set is None:
            return {}
        cached = self._records
        if cached:
            return cached
        i = self.index
        values = self.row.values
        exact: dict[str, IndicatorResult] = {}
        missing: dict[str, tuple[str, ...]] = {}
        if self.values_known:
            needing = []
            for indicator_id, arrays in batch.items():
                if arrays.status_code[i] == _NO_DATA:
                    found = plain_missing(rule_set, indicator_id, values)
                    if found is not None:
                        missing[indicator_id] = found
                        continue
                if arrays.status_code[i] == _NO_DATA or not arrays.exact_at(i):
                    needing.append(indicator_id)
            if needing and self.row.year is not None:  # judged in its year: the full report
                report = self.report
                assert report is not None  # noqa: S101 - values known: the report is built
                exact = {indicator_id: report[indicator_id] for indicator_id in needing}
            elif needing:  # records the arrays cannot give exactly: the scalar evaluator's
                exact = evaluate_some(rule_set, values, needing)
        explain = self.explanation if self.values_known else None
        for indicator_id, arrays in batch.items():
            if indicator_id in exact:
                cached[indicator_id] = exact[indicator_id]
                continue
            cached[indicator_id] = row_record(
                rule_set,
                arrays,
                i,
                explanation=""
                if explain is None
                else functools.partial(explain, indicator_id, "en"),
                explanation_id=""
                if explain is None
                else functools.partial(explain, indicator_id, "id"),
                missing_inputs=missing.get(indicator_id, ()),
            )
        return cached

    def record(self, indicator_id: str) -> IndicatorResult:
        """One indicator's record of :attr:`results`, without building the row's others.

        The same record: a no-data row's missing inputs, the scalar evaluator's (or the
        year's report's) where the arrays cannot give it exactly, else the arrays'.
        """
        batch, rule_set = self.batch, self.rule_set
        if self.given is not None or batch is None or rule_set is None or self._records:
            return self.results[indicator_id]
        i, arrays, values = self.index, batch[indicator_id], self.row.values
        missing: tuple[str, ...] = ()
        if self.values_known:
            no_data = bool(arrays.status_code[i] == _NO_DATA)
            found = plain_missing(rule_set, indicator_id, values) if no_data else None
            missing = found or ()
            if found is None and (no_data or not arrays.exact_at(i)):
                if self.row.year is not None:
                    report = self.report
                    assert report is not None  # noqa: S101 - values known: the report is built
                    return report[indicator_id]
                return evaluate_some(rule_set, values, [indicator_id])[indicator_id]
        explain = self.explanation if self.values_known else None
        return row_record(
            rule_set,
            arrays,
            i,
            explanation="" if explain is None else functools.partial(explain, indicator_id, "en"),
            explanation_id=""
            if explain is None
            else functools.partial(explain, indicator_id, "id"),
            missing_inputs=missing,
        )

    @property
    def all_met(self) -> bool:
        """Whether every indicator of the row is met (False when refused)."""
        if self.given is not None:
            return self.given.all_met
        if self.batch is None:
            return False
        return all(
            bool(np.all(arrays.status_code[self.index] == 0)) for arrays in self.batch.values()
        )


@attrs.frozen(kw_only=True)
class TotalsCheck:
    """A totals row compared with the rows above it.

    Attributes:
        row: the totals row (``JUMLAH KABUPATEN``).
        rows_above: how many data rows it covers.
        inputs: input -> (the total given, the sum of the rows above) where they differ.
        indicators: indicator -> (value from the totals row, ratio of the sums) where
            they differ (None where one of them has no value).
        problems: why the totals row could not be read, if it could not.
    """

    row: DataRow
    rows_above: int
    inputs: Mapping[str, tuple[Fraction, Fraction]]
    indicators: Mapping[str, tuple[float | None, float | None]]
    sums: Mapping[str, float | None]
    problems: tuple[str, ...] = ()
    suffixes: Mapping[str, str] = attrs.field(factory=dict)
    unchecked: Mapping[str, str] = attrs.field(factory=dict)
    """Input -> the row above whose cell of it is refused: that column alone is not checked."""

    @property
    def agrees(self) -> bool:
        """Whether the totals row equals the sums of the rows above."""
        return not self.inputs and not self.indicators and not self.problems

    def describe(self) -> Bilingual:
        """One sentence saying whether the totals agree, and where not."""
        label = self.row.region or self.row.where
        where = joined("", [label, " (", self.row.where, ")"])
        if self.problems:
            return tr(
                "totals row {where}: not checked: {shown}",
                where=where,
                shown=joined("; ", self.problems),
            )
        unchecked = joined(
            "",
            [
                tr("; {name} not checked: {row} has no readable {name}", name=name, row=row)
                for name, row in self.unchecked.items()
            ],
        )
        if self.agrees:
            return tr(
                "totals row {where} agrees with the sum of the {count} rows above{unchecked}",
                where=where,
                count=self.rows_above,
                unchecked=unchecked,
            )
        parts = [
            tr(
                "{name} is {given}, the rows above sum to {summed}",
                name=name,
                given=_num(given),
                summed=_num(summed),
            )
            for name, (given, summed) in self.inputs.items()
        ]
        for indicator_id, (given_value, ratio) in self.indicators.items():
            unit = self.suffixes.get(indicator_id, "")
            parts.append(
                tr(
                    "{indicator} is {given}{unit} on the totals row, {ratio}{unit} as the ratio "
                    "of the sums",
                    indicator=indicator_id,
                    given=_num(given_value),
                    unit=unit,
                    ratio=_num(ratio),
                )
            )
        return tr(
            "totals row {where} disagrees with the {count} rows above: {parts}{unchecked}",
            where=where,
            count=self.rows_above,
            parts=joined("; ", parts),
            unchecked=unchecked,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the row marked ``"kind": "total"``, and what differs."""
        return {
            "kind": "total",
            "row": self.row.number,
            "where": self.row.where,
            "label": self.row.region,
            "period": self.row.period,
            "rows_above": self.rows_above,
            "agrees": self.agrees,
            "inputs": {
                name: {"given": float(given), "sum": float(summed)}
                for name, (given, summed) in self.inputs.items()
            },
            "indicators": {
                indicator_id: {"given": given, "ratio_of_sums": ratio}
                for indicator_id, (given, ratio) in self.indicators.items()
            },
            "ratio_of_sums": dict(self.sums),
            "problems": [str(problem) for problem in self.problems],
            "unchecked": {name: str(row) for name, row in self.unchecked.items()},
        }


def _num(value: Fraction | float | None) -> str:
    exact = value if isinstance(value, Fraction) or value is None else exact_number(value)
    if exact is None:
        return "-"
    return Bilingual(exact_text(exact, "en", most=2), exact_text(exact, "id", most=2))


class TableEvaluation(Sequence[RowOutcome]):
    """Every row's outcome, in file order, and the checks of the totals rows."""

    def __init__(self, outcomes: Sequence[RowOutcome], totals: Sequence[TotalsCheck]) -> None:
        self.outcomes = tuple(outcomes)
        self.totals = tuple(totals)

    @overload
    def __getitem__(self, index: int) -> RowOutcome: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RowOutcome]: ...
    def __getitem__(self, index: int | slice) -> RowOutcome | Sequence[RowOutcome]:
        return self.outcomes[index]

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[RowOutcome]:
        return iter(self.outcomes)

    @property
    def refused(self) -> tuple[RowOutcome, ...]:
        """The rows that were not evaluated."""
        return tuple(outcome for outcome in self.outcomes if not outcome.evaluated)


def _column(values: list[Any]) -> Any:  # noqa: ANN401 - a numpy array or a list
    """A float64 array with NaN for missing when every value is an exact int or float."""
    if all(v is None or (type(v) is int and abs(v) < 2**53) or type(v) is float for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return values


def row_columns(rows: Sequence[DataRow]) -> dict[str, list[Any]]:
    """Every input the rows name, as a column, in one pass (None where a row has no value)."""
    lists: dict[str, list[Any]] = {}
    for index, row in enumerate(rows):
        for name, value in row.values.items():
            column = lists.get(name)
            if column is None:
                column = lists[name] = [None] * len(rows)
            column[index] = value
    return lists


def region_columns(rows: Sequence[DataRow]) -> dict[str, list[Any]]:
    """The rows as a table: a ``region`` key column of their labels, then every input."""
    return {"region": [row.label for row in rows], **row_columns(rows)}


def _columns(rule_set: RuleSet, rows: Sequence[DataRow]) -> dict[str, Any]:
    """The rule set's input columns, as arrays for the batch engine."""
    lists = row_columns(rows)
    columns = {name: _column(lists[name]) for name in rule_set.inputs if name in lists}
    if not columns and rows and rule_set.inputs:
        # No input has a value on any row: one column of missing values keeps the row
        # count (every indicator has no data), where no column at all would mean no rows.
        columns[next(iter(rule_set.inputs))] = np.full(len(rows), None, dtype=object)
    return columns


def _refusals(rule_set: RuleSet, rows: Sequence[DataRow], error: DataInvalid) -> dict[int, str]:
    """The rows whose values break the rule set's value rules, found cell by cell."""
    names = {
        e.input_name
        for e in error.exceptions
        if isinstance(e, DataError) and e.input_name is not None
    }
    refused: dict[int, str] = {}
    for index, row in enumerate(rows):
        data = {name: row.values[name] for name in names if name in row.values}
        try:
            validate_data(rule_set, data)
        except DataInvalid as exc:
            refused[index] = data_invalid_text(exc)
    return refused


def _batch(
    rule_set: RuleSet,
    rows: Sequence[DataRow],
    when: tuple[int | None, str | int | None] = (None, None),
) -> tuple[BatchResult | None, dict[int, str]]:
    """Evaluate rows at once; rows with values the rule set refuses are left out.

    ``when`` is the (year, period) every row is judged in, as ``evaluate_batch(year=,
    period=)`` judges them; a period without a year is not judged in time.
    """
    compiled = compile_rule_set(rule_set)
    year, part = when
    timing: dict[str, Any] = {} if year is None else {"year": year, "period": part}
    refused: dict[int, str] = {}
    good = list(range(len(rows)))
    for _ in range(3):
        try:
            result = evaluate_batch(compiled, _columns(rule_set, [rows[i] for i in good]), **timing)
        except DataInvalid as exc:
            found = _refusals(rule_set, [rows[i] for i in good], exc)
            if not found:
                raise
            refused.update({good[i]: problem for i, problem in found.items()})
            good = [i for i in range(len(rows)) if i not in refused]
            continue
        return result, refused
    return None, refused  # pragma: no cover - every bad row is found in the first pass


def evaluate_table(
    rule_set: RuleSet,
    table: DataTable,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> TableEvaluation:
    """Evaluate every row of a table on the batch engine; a bad row does not stop the others.

    Args:
        rule_set: the rule set.
        table: rows read by :func:`spmkit._files.reading.read_data`.
        progress: called as ``progress(done, total)`` after each chunk of rows, if given.

    Returns:
        One outcome per row, in file order, and a check per totals row.
    """
    outcomes: list[RowOutcome] = []
    total = len(table.rows)
    for start in range(0, max(total, 1), CHUNK_ROWS):
        chunk = table.rows[start : start + CHUNK_ROWS]
        outcomes.extend(evaluate_rows(rule_set, chunk))
        if progress is not None:
            progress(min(start + CHUNK_ROWS, total), total)
    checks = _check_totals(rule_set, table, outcomes)
    return TableEvaluation(outcomes, checks)


def evaluate_rows(rule_set: RuleSet, rows: Sequence[DataRow]) -> list[RowOutcome]:
    """Evaluate rows at once (one chunk of a file); a row with a bad cell is refused alone.

    Rows are judged in their own year and period (one batch per distinct year and
    period), as ``evaluate_batch(year=...)`` judges them.
    """
    groups: dict[tuple[int | None, str | int | None], list[int]] = {}
    for i, row in enumerate(rows):
        if not row.problems:
            when = (row.year, row.part if row.year is not None else None)
            groups.setdefault(when, []).append(i)
    done: dict[int, RowOutcome] = {}
    for when, clean in groups.items():
        batch, refused = _batch(rule_set, [rows[i] for i in clean], when)
        kept = [k for k in range(len(clean)) if k not in refused]
        for n, k in enumerate(kept):
            done[clean[k]] = RowOutcome(row=rows[clean[k]], rule_set=rule_set, batch=batch, index=n)
        for k, problem in refused.items():
            done[clean[k]] = RowOutcome(row=rows[clean[k]], problems=(problem,), rule_set=rule_set)
    return [
        done.get(index) or RowOutcome(row=row, problems=row.problems, rule_set=rule_set)
        for index, row in enumerate(rows)
    ]


def _check_totals(
    rule_set: RuleSet, table: DataTable, outcomes: Sequence[RowOutcome]
) -> list[TotalsCheck]:
    checks = []
    for total in table.totals:
        above = [
            outcome
            for outcome in outcomes
            if outcome.row.sheet == total.sheet
            and outcome.row.number < total.number
            and (total.year is None or outcome.row.year in {None, total.year})
            and not any(
                t.sheet == total.sheet and outcome.row.number < t.number < total.number
                for t in table.totals
            )
        ]
        checks.append(_check_total(rule_set, total, above))
    return checks


def _sums(rule_set: RuleSet, rows: Sequence[DataRow]) -> dict[str, Any]:
    """The sum of each input over the rows (one row of arrays; NaN where a row lacks it)."""
    columns = _columns(rule_set, rows)
    return aggregate(rule_set, columns, by=[]) if columns else {}


def _check_total(rule_set: RuleSet, total: DataRow, above: Sequence[RowOutcome]) -> TotalsCheck:
    columns, count, unchecked = readable_columns(rule_set, above)
    sums = aggregate(rule_set, columns, by=[]) if columns and count else {}
    return _total_check(rule_set, total, count, sums, unchecked)


def _bad_inputs(rule_set: RuleSet, outcome: RowOutcome) -> set[str]:
    """The inputs of a row that a totals check cannot use: unreadable or refused cells."""
    row = outcome.row
    bad = set(row.unreadable)
    if not outcome.evaluated:
        for name, value in row.values.items():  # a value the rule set's value rules refuse
            try:
                validate_data(rule_set, {name: value})
            except DataInvalid:
                bad.add(name)
    return bad


def readable_columns(
    rule_set: RuleSet, outcomes: Sequence[RowOutcome]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The rows' readable cells as batch columns, the row count, and the columns lost.

    A refused row still gives the cells that were read: a refused cell makes only its
    own column uncheckable (input -> the first row whose cell is refused).
    """
    unchecked: dict[str, str] = {}
    rows: list[DataRow] = []
    for outcome in outcomes:
        bad = _bad_inputs(rule_set, outcome) if not outcome.evaluated else set()
        for name in sorted(bad):
            unchecked.setdefault(name, outcome.row.label)
        values = {k: v for k, v in outcome.row.values.items() if k not in bad}
        rows.append(attrs.evolve(outcome.row, values=values))
    columns = {k: v for k, v in _columns(rule_set, rows).items() if k not in unchecked}
    return columns, len(rows), unchecked


class RunningTotals:
    """The sums of the evaluated rows since the last totals row, for files read in chunks.

    The rows are folded into one row of sums as they come (:meth:`add`), so a totals
    row under 100,000 regions is checked without keeping them; the check is the one
    :func:`evaluate_table` makes over the rows above it.
    """

    def __init__(self, rule_set: RuleSet) -> None:
        self.rule_set = rule_set
        self._count = 0
        self._sums: dict[str, Any] = {}
        self._carried: dict[str, Any] = {}
        self._unchecked: dict[str, str] = {}

    def add(self, outcomes: Sequence[RowOutcome]) -> None:
        """Fold in the rows of ``outcomes``: every readable cell, refused rows' too."""
        if outcomes:
            columns, count, unchecked = readable_columns(self.rule_set, outcomes)
            for name, row in unchecked.items():
                self._unchecked.setdefault(name, row)
            self.add_columns(columns, count)

    def add_columns(self, columns: Mapping[str, Any], count: int) -> None:
        """Fold in ``count`` evaluated rows given as the batch engine's columns."""
        if not count:
            return
        if self._count:
            merged = {}
            for name in self.rule_set.inputs:
                if name in self._carried or name in columns:
                    merged[name] = _prepend(self._carried.get(name), columns.get(name), count)
            columns = merged
        columns = {k: v for k, v in columns.items() if k not in self._unchecked}
        self._sums = aggregate(self.rule_set, columns, by=[]) if columns else {}
        self._carried = {}
        for name, column in self._sums.items():
            exact = exact_number(column[0])
            self._carried[name] = exact if exact is None or exact.denominator != 1 else int(exact)
        self._count += count

    def check(self, total: DataRow) -> TotalsCheck:
        """Check a totals row against the rows folded in since the last one, and start anew."""
        check = _total_check(self.rule_set, total, self._count, self._sums, self._unchecked)
        self._count, self._sums, self._carried, self._unchecked = 0, {}, {}, {}
        return check


def _prepend(first: Any, column: Any, count: int) -> Any:  # noqa: ANN401 - a column
    """A column with one value before it (None: missing), as :func:`_column` builds them."""
    if column is None:
        return _column([first] + [None] * count)
    if isinstance(column, np.ndarray) and column.dtype == np.float64:
        if first is None:
            return np.concatenate([[np.nan], column])
        if type(first) is int and abs(first) < 2**53:
            return np.concatenate([[float(first)], column])
        values = [None if np.isnan(v) else int(v) for v in column.tolist()]
        return _column([first, *values])
    return _column([first, *column])


def _total_check(
    rule_set: RuleSet,
    total: DataRow,
    count: int,
    sums: Mapping[str, Any],
    unchecked: Mapping[str, str] | None = None,
) -> TotalsCheck:
    """A totals row against the sums of the readable cells of the ``count`` rows above it.

    A column in ``unchecked`` (a refused cell above) is not compared, nor any indicator
    that reads it.
    """
    if is_average_label(total.label):
        average = tr("an average row is not a sum of the rows above: not evaluated, not checked")
        return TotalsCheck(
            row=total, rows_above=count, inputs={}, indicators={}, sums={}, problems=(average,)
        )
    unchecked = dict(unchecked or {})
    for name in total.unreadable:  # the totals row's own refused cells
        unchecked.setdefault(name, total.label)
    if (total.problems and not total.values) or not count:
        problems = total.problems or (tr("no evaluated rows above it"),)
        return TotalsCheck(
            row=total, rows_above=count, inputs={}, indicators={}, sums={}, problems=problems
        )
    summed: dict[str, Fraction] = {}
    for name, values in sums.items():
        exact = exact_number(values[0])
        if exact is not None:
            summed[name] = exact
    inputs = {}
    for name, given in total.values.items():
        exact = exact_number(given)  # present cells only: a number, never None
        if name in unchecked:
            continue
        if exact is not None and name in summed and summed[name] != exact:
            inputs[name] = (exact, summed[name])
    ratio = evaluate_batch(rule_set, sums) if sums else None
    own, _ = _batch(rule_set, [total])
    indicators: dict[str, tuple[float | None, float | None]] = {}
    ratios: dict[str, float | None] = {}
    for indicator_id in rule_set.indicators:
        mine = None if own is None or not own.rows else _float(own[indicator_id].value[0])
        theirs = None if ratio is None else _float(ratio[indicator_id].value[0])
        ratios[indicator_id] = theirs
        if mine is not None and theirs is not None and not _close(mine, theirs):
            indicators[indicator_id] = (mine, theirs)
    suffixes = {
        indicator_id: factor_suffix(rule_set.indicators[indicator_id].factor)
        for indicator_id in indicators
    }
    return TotalsCheck(
        row=total,
        rows_above=count,
        inputs=inputs,
        indicators=indicators,
        sums=ratios,
        suffixes=suffixes,
        unchecked={
            name: row
            for name, row in unchecked.items()
            if name in total.values or name in total.unreadable
        },
    )


def _close(a: float, b: float) -> bool:
    """Equal as printed to two decimals (a totals row often holds rounded percentages)."""
    return round(a, 2) == round(b, 2)
