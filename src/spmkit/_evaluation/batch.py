"""Evaluate a rule set on many rows at once (regions, months), with numpy.

``evaluate_batch(rule_set, data)`` gives, for every indicator, arrays of value, status,
met, gap, numerator and denominator: the same answers as :func:`spmkit._evaluation.scalar` on each
row, decided exactly. Counts are integers, so ``met`` is decided by cross-multiplying
integers (57 of 100 meets ``>= 57 %``; no float rounding can flip it), and ``value`` and
``gap`` are the correctly rounded floats of the exact results. Where the data make that
impossible to guarantee in float64 (numbers above 2**53, decimals with many digits), the
indicators concerned fall back to the scalar evaluator row by row: slower, never wrong.

A rule set is compiled once into a :class:`CompiledRuleSet` (cached per rule set, or kept
by the caller). Data may be a mapping of input name to column (numpy arrays, lists,
pandas Series), a pandas, polars or Dask DataFrame; pandas, polars and Dask are optional
and only imported when the data are theirs. A Dask DataFrame gives back a lazy Dask
DataFrame in wide form, computed partition by partition. Docs: ``docs/batch.md``.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._arguments import require_flag
from spmkit._caches import identity_cache
from spmkit._evaluation import buffers
from spmkit._evaluation.batch_plans import Plan, make_plan
from spmkit._evaluation.columns import (
    Table,
    aligned,
    needs_exact,
    plain_number,
    read_table,
    row_values,
    to_array,
)
from spmkit._evaluation.compile import (
    EXACT_LIMIT,
    Env,
    NeedsExact,
    Program,
    Vec,
    check_bounds,
    compile_expression,
)
from spmkit._evaluation.intervals import SMALL_DENOMINATOR, wilson_interval_arrays
from spmkit._evaluation.kernel import (
    Blocks,
    GapLater,
    RatioOut,
    Scratch,
    gap_kernel,
    joined,
    numpy_ratios,
    ratio_consts,
    ratio_kernel,
    ratios_kernel,
    use_compiled,
)
from spmkit._evaluation.plan import FRACTION_SLOTS, plan_of
from spmkit._evaluation.plan import Plan as ScalarPlan
from spmkit._evaluation.progress import Period
from spmkit._evaluation.results import IndicatorResult, Status, nearest_float
from spmkit._evaluation.rows import row_record
from spmkit._evaluation.scalar import Numbers, evaluate, evaluate_checked, evaluate_row
from spmkit._evaluation.scoring import band_arrays
from spmkit._evaluation.values import exact_number
from spmkit._evaluation.yearly import evaluate_in_time
from spmkit._frozen import FrozenMap, freeze
from spmkit._rulesets.model import Indicator, RuleSet, Target
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._translation import tr
from spmkit.errors import DataInvalid, UsageError

__all__ = [
    "ARRAY_FIELDS",
    "STATUS_CODES",
    "BatchResult",
    "CompiledRuleSet",
    "IndicatorArrays",
    "compile_rule_set",
    "evaluate_batch",
]

STATUS_CODES: Final = (Status.MET, Status.NOT_MET, Status.NO_DATA, Status.UNDEFINED)
"""What the codes of :attr:`IndicatorArrays.status_code` mean: the status at that index."""

_MET, _NOT_MET, _NO_DATA, _UNDEFINED = range(4)
_STATUS_TEXT: Final = np.array([s.value for s in STATUS_CODES])
_FIELDS: Final = (
    "value",
    "status",
    "met",
    "gap",
    "numerator",
    "denominator",
    "exceeds_denominator",
)

ARRAY_FIELDS: Final = (
    "value",
    "status_code",
    "met",
    "gap",
    "numerator",
    "denominator",
    "exceeds_denominator",
)
"""The array fields every :class:`IndicatorArrays` has (its optional ones aside)."""

BY_ROWS: Final = 128
"""Up to this many rows, data needing exact arithmetic go to the scalar evaluator row by
row (``CompiledRuleSet._by_rows``): reading the columns would cost more than the rows."""

_EXACT_FLOAT: Final = 2.0**53
"""Whole numbers below this are exact in float64."""

_TIME_FIELDS: Final = ("milestone", "progress")
"""Columns present when evaluated with ``year=``."""

Form = Literal["long", "wide"]


def _exact_item(value: Any) -> Fraction | None:  # noqa: ANN401 - a numpy scalar
    """An array item as the evaluators read it; a whole float without parsing its text."""
    if type(value) is np.float64 and value.is_integer():
        return Fraction(int(value))
    return exact_number(value)


def _frozen_array(values: npt.ArrayLike, rows: int, dtype: Any) -> npt.NDArray[Any]:  # noqa: ANN401 - numpy dtypes
    array = np.asarray(values, dtype=dtype)
    # A view, so that freezing it never changes the flags of the caller's own array.
    array = np.broadcast_to(array, (rows,)).copy() if array.shape != (rows,) else array.view()
    array.flags.writeable = False
    return array


@attrs.frozen(kw_only=True, eq=False, repr=False)
class IndicatorArrays:
    """One indicator evaluated on every row; read-only numpy arrays of equal length.

    Attributes:
        indicator_id: the indicator's id.
        target: the target judged against; factor: 100 for a percentage.
        value: the achievement (95.0 for 95 %); NaN where not computed.
        status_code: int8 codes into :data:`STATUS_CODES` (0 met, 1 not met, 2 no data,
            3 undefined); :attr:`status` gives the strings.
        met: whether the target is met; False where not judged (see ``judged``).
        gap: distance to the target value, 0.0 when met; NaN where not computed. On
            large data it is computed from the kept terms when first read (the same
            bits as computing it at once) and then kept.
        numerator, denominator: the expressions' values: int64 where they are integers
            on every row (exact), else float64 with NaN where they have none. The result
            keeps its own copy of each in the narrowest integer type that holds it (a
            column of counts under 65,536 as uint16) and gives a new int64 array on each
            read, as :attr:`status` does (see docs/batch.md, memory).
        exceeds_denominator: the numerator is above a positive denominator.
        band, band_en: the band label (and English label) of every row, None where
            there is no value; None (no arrays) for an indicator without bands.
        progress: with ``year=``, each row's :class:`~spmkit.Progress` (object array;
            None where not judged); None without a year (docs/time.md).
        milestone: with ``year=``, the target value judged on each row (float; NaN for
            rows without a year); ``met``, ``gap`` and ``status`` are decided against it.
    """

    indicator_id: str
    target: Target
    factor: Fraction
    value: npt.NDArray[np.float64]
    status_code: npt.NDArray[np.int8]
    met: npt.NDArray[np.bool_]
    _gap: npt.NDArray[np.float64] | GapLater = attrs.field(alias="gap")
    _numerator: npt.NDArray[Any] = attrs.field(alias="numerator")
    _denominator: npt.NDArray[Any] = attrs.field(alias="denominator")
    exceeds_denominator: npt.NDArray[np.bool_]
    band: npt.NDArray[Any] | None = None
    band_en: npt.NDArray[Any] | None = None
    progress: npt.NDArray[Any] | None = None
    milestone: npt.NDArray[np.float64] | None = None
    small_denominator_threshold: int = SMALL_DENOMINATOR

    @property
    def gap(self) -> npt.NDArray[np.float64]:
        """The distance to the target value of every row (see the class docstring)."""
        found = self._gap
        if isinstance(found, GapLater):
            found = gap_kernel(self._numerator, self._denominator, found.consts, self.status_code)
            object.__setattr__(self, "_gap", found)  # a cache: the values do not change
        return found

    @property
    def numerator(self) -> npt.NDArray[Any]:
        """The numerator of every row (int64 where integers on every row, else float64)."""
        return self._widened("_numerator")

    @property
    def denominator(self) -> npt.NDArray[Any]:
        """The denominator of every row (int64 where integers on every row, else float64)."""
        return self._widened("_denominator")

    def _widened(self, name: str) -> npt.NDArray[Any]:
        """A kept column as read: narrow integers widened to a new int64 array.

        Computed on each read, like :attr:`status`, and not kept: keeping the int64 copy
        would make the result as large as if it had been kept wide. Hold the array in a
        variable to read it element by element.
        """
        kept: npt.NDArray[Any] = getattr(self, name)
        if kept.dtype.kind not in "iu" or kept.dtype == np.int64:
            return kept
        wide = kept.astype(np.int64)
        wide.flags.writeable = False
        return wide

    @property
    def status(self) -> npt.NDArray[np.str_]:
        """The status of every row as text (``"met"``, ``"not_met"``, ...)."""
        result: npt.NDArray[np.str_] = _STATUS_TEXT[self.status_code]
        return result

    @property
    def judged(self) -> npt.NDArray[np.bool_]:
        """Rows whose target decision was taken (status met or not met)."""
        result: npt.NDArray[np.bool_] = self.status_code <= _NOT_MET
        return result

    @property
    def interval(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The 95 % Wilson interval per row, (low, high) in the value's scale; NaN if none."""
        low, high = wilson_interval_arrays(self.numerator, self.denominator)
        scale = float(self.factor)
        return low * scale, high * scale

    @property
    def small_denominator(self) -> npt.NDArray[np.bool_]:
        """Rows whose denominator is positive and below the rule set's threshold (30 by default)."""
        denominator = np.asarray(self.denominator, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            result: npt.NDArray[np.bool_] = (denominator > 0) & (
                denominator < self.small_denominator_threshold
            )
        return result

    def exact_value(self, row: int) -> Fraction | None:
        """One row's achievement as an exact Fraction, for labels that must agree with ``met``.

        Rebuilt from the row's numerator and denominator, each read as the evaluators read
        a number (an integer as itself, a float as the decimal it prints as); None where
        the row has no value (missing, or a zero denominator).
        """
        numerator = exact_number(self._numerator[row])
        denominator = exact_number(self._denominator[row])
        if numerator is None or not denominator:
            return None
        return numerator / denominator * self.factor

    def exact_at(self, row: int) -> bool:
        """One row's numerator and denominator are kept exactly: integers (or missing).

        A term computed in float64 that is not a whole number (an index's weighted sum)
        may differ from the exact value in its last bits: its record comes from the
        scalar evaluator instead.
        """
        for kept in (self._numerator, self._denominator):
            if kept.dtype.kind not in "iu":
                number = float(kept[row])
                if number == number and not (number.is_integer() and abs(number) < _EXACT_FLOAT):  # noqa: PLR0124 - NaN
                    return False
        return True

    def exact_terms(self, row: int) -> tuple[Fraction | None, Fraction | None]:
        """One row's numerator and denominator, exact (None where the row has none)."""
        return _exact_item(self._numerator[row]), _exact_item(self._denominator[row])

    def judged_target(self, row: int) -> Target:
        """The target one row was judged against: the year's milestone with ``year=``."""
        if self.milestone is None or math.isnan(milestone := float(self.milestone[row])):
            return self.target
        return Target(op=self.target.op, value=Fraction(repr(milestone)))

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        """Every field by its public name; a gap not read yet is shown as such, not computed."""
        shown = []
        for field in attrs.fields(type(self)):
            name = field.alias
            value: object = getattr(self, field.name)
            if name in {"numerator", "denominator"}:
                value = getattr(self, name)
            text = "<computed when first read>" if isinstance(value, GapLater) else repr(value)
            shown.append(f"{name}={text}")
        return f"IndicatorArrays({', '.join(shown)})"


@attrs.frozen(kw_only=True, eq=False)
class BatchResult(Mapping[str, IndicatorArrays]):
    """The results of a rule set on every row of a data set, by indicator id.

    Attributes:
        rule_set_id: the rule set evaluated.
        rows: the number of rows.
        key_columns: key columns carried from the data (region, year), by name.
        results: one :class:`IndicatorArrays` per indicator, in the rule set's order.
        exact_fallback: indicators evaluated by the scalar evaluator because the data
            could not be held exactly in float64 (empty in the usual case).
        rule_set: the rule set evaluated (its indicators, sources and wording), so that
            a row's record and every rendering come from the result, never a reload.
    """

    rule_set_id: str
    rows: int
    key_columns: FrozenMap[str, npt.NDArray[Any]] = attrs.field(converter=freeze)
    results: FrozenMap[str, IndicatorArrays] = attrs.field(converter=freeze)
    exact_fallback: tuple[str, ...] = ()
    rule_set: RuleSet | None = attrs.field(default=None, eq=False, repr=False)

    def __getitem__(self, indicator_id: str) -> IndicatorArrays:
        return self.results[indicator_id]

    def result(self, row: int, indicator_id: str) -> IndicatorResult:
        """Row ``row``'s record of one indicator: what ``spmkit.evaluate`` gives that row.

        Equal field by field to the scalar result (value, status, gap, band, milestone,
        progress, provenance and so its shown value), except ``missing_inputs``, which
        the arrays do not keep (empty), and the explanation, which needs the row's
        values (empty).

        Raises:
            UsageError: a result built by hand without its rule set, or a row out of range.
        """
        if self.rule_set is None:
            msg = tr(
                "this BatchResult of {rule_set!r} does not carry its rule set",
                rule_set=self.rule_set_id,
            )
            raise UsageError(msg)
        if not 0 <= row < self.rows:
            msg = tr(
                "row {row} is out of range: the result has {rows} rows", row=row, rows=self.rows
            )
            raise UsageError(msg)
        return row_record(self.rule_set, self.results[indicator_id], row)

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def _parts(self, field: str) -> list[npt.NDArray[Any]]:
        return [getattr(arrays, field) for arrays in self.results.values()]

    def _band_columns(self) -> dict[str, npt.NDArray[Any]]:
        """``band`` and ``band_en`` of the long form, None where an indicator has no bands."""
        if all(arrays.band is None for arrays in self.results.values()):
            return {}
        none = np.full(self.rows, None, dtype=object)
        return {
            field: np.concatenate([none if part is None else part for part in self._parts(field)])
            for field in ("band", "band_en")
        }

    def _time_parts(self) -> dict[str, list[Any]]:
        """The ``year=`` fields (docs/time.md) present on every indicator, by field."""
        found = {}
        for field in _TIME_FIELDS:
            parts = self._parts(field)
            if parts and all(part is not None for part in parts):
                found[field] = parts
        return found

    def _long_index(self) -> dict[str, Any]:
        """``row``, the keys and the indicator codes of the long form (numpy)."""
        count = len(self.results)
        columns: dict[str, Any] = {"row": np.tile(np.arange(self.rows), count)}
        for name, values in self.key_columns.items():
            columns[name] = np.tile(values, count)
        columns["indicator"] = np.repeat(np.arange(count, dtype=np.int32), self.rows)
        return columns

    def _stacked(self, field: str) -> npt.NDArray[Any]:
        return joined(self._parts(field))

    def to_pandas(self, form: Form = "long") -> Any:  # noqa: ANN401 - pandas is optional
        """Return a pandas DataFrame (needs ``spmkit[pandas]``).

        ``long``: one row per data row and indicator, with columns ``row``, the keys,
        ``indicator``, ``value``, ``status``, ``met`` (nullable boolean: missing where not
        judged), ``gap``, ``numerator``, ``denominator``, ``exceeds_denominator``.
        ``wide``: one row per data row, columns ``<indicator>.<field>`` (``I.1.value``).
        ``indicator`` and ``status`` are Categoricals (built from codes, not strings);
        the numbers are the result arrays themselves where pandas allows (no copy).
        """
        import pandas as pd  # noqa: PLC0415 - optional dependency

        statuses = [s.value for s in STATUS_CODES]
        if form == "wide":
            wide: dict[str, Any] = dict(self.key_columns)
            for indicator_id, arrays in self.results.items():
                for field in _FIELDS:
                    name = f"{indicator_id}.{field}"
                    if field == "status":
                        wide[name] = pd.Categorical.from_codes(arrays.status_code, statuses)
                    elif field == "met":
                        wide[name] = pd.arrays.BooleanArray(arrays.met, ~arrays.judged)
                    else:
                        wide[name] = getattr(arrays, field)
                for field in (*_TIME_FIELDS, "band", "band_en"):  # year=; bands
                    if getattr(arrays, field) is not None:
                        wide[f"{indicator_id}.{field}"] = getattr(arrays, field)
            return pd.DataFrame(wide, copy=False)
        columns = self._long_index()
        columns["indicator"] = pd.Categorical.from_codes(columns["indicator"], list(self.results))
        codes = self._stacked("status_code").astype(np.int8, copy=False)
        for field in _FIELDS:
            if field == "status":
                columns[field] = pd.Categorical.from_codes(codes, statuses)
            elif field == "met":
                columns[field] = pd.arrays.BooleanArray(
                    self._stacked("met").astype(bool, copy=False), codes > _NOT_MET
                )
            else:
                columns[field] = self._stacked(field)
        for field, parts in self._time_parts().items():
            columns[field] = np.concatenate(parts)
        columns.update(self._band_columns())
        return pd.DataFrame(columns, copy=False)

    def to_polars(self, form: Form = "long") -> Any:  # noqa: ANN401 - polars is optional
        """Return a polars DataFrame (needs ``spmkit[polars]``); forms as :meth:`to_pandas`.

        Values that were not computed are null rather than NaN; ``indicator`` and
        ``status`` are Enums built from codes.
        """
        import polars as pl  # noqa: PLC0415 - optional dependency

        status_type = pl.Enum([s.value for s in STATUS_CODES])
        if form == "wide":
            series: list[Any] = [
                pl.Series(name, values) for name, values in self.key_columns.items()
            ]
            finish: list[Any] = []
            for indicator_id, arrays in self.results.items():
                more, steps = _polars_fields(
                    pl, f"{indicator_id}.", arrays.status_code, status_type, arrays
                )
                series.extend(more)
                finish.extend(steps)
                for field in (*_TIME_FIELDS, "band", "band_en"):  # year=; bands
                    values = getattr(arrays, field)
                    if values is not None:
                        series.append(_polars_series(pl, f"{indicator_id}.{field}", values))
            return pl.DataFrame(series).with_columns(finish)
        ids = list(self.results)
        count = len(ids)

        def repeated(part: Any) -> Any:  # noqa: ANN401 - a polars Series
            """The Series once per indicator, end to end (a copy, no Python objects)."""
            return pl.concat([part] * count, rechunk=True) if count else part.clear()

        series = [repeated(pl.Series("row", np.arange(self.rows)))]
        series.extend(repeated(pl.Series(n, v)) for n, v in self.key_columns.items())
        indicator_type = pl.Enum(ids)
        runs = [pl.repeat(i, self.rows, dtype=indicator_type, eager=True) for i in ids]
        indicator = pl.concat(runs, rechunk=True) if runs else pl.Series(dtype=indicator_type)
        series.append(indicator.alias("indicator"))
        codes = self._stacked("status_code").astype(np.int8, copy=False)
        fields = {f: self._stacked(f) for f in _FIELDS if f != "status"}
        more, finish = _polars_fields(pl, "", codes, status_type, fields)
        for field, parts in self._time_parts().items():
            more.append(_polars_series(pl, field, np.concatenate(parts)))
        more.extend(_polars_series(pl, f, v) for f, v in self._band_columns().items())
        return pl.DataFrame([*series, *more]).with_columns(finish)


def _polars_series(pl: Any, name: str, values: npt.NDArray[Any]) -> Any:  # noqa: ANN401 - polars
    """A column of the ``year=`` fields: objects as a list (None is null), NaN as null."""
    if values.dtype == object:
        return pl.Series(name, [None if v is None else str(v) for v in values])
    return pl.Series(name, values).fill_nan(None)


def _polars_fields(
    pl: Any,  # noqa: ANN401 - polars is optional
    prefix: str,
    codes: npt.NDArray[np.int8],
    status_type: Any,  # noqa: ANN401 - a polars Enum
    source: Any,  # noqa: ANN401 - IndicatorArrays, or a mapping of field to array
) -> tuple[list[Any], list[Any]]:
    """The result columns as polars Series, and the expressions that finish them.

    Status comes from its codes; the expressions turn NaN into null and ``met`` into
    null where the target was not judged, all in one ``with_columns`` by the caller.
    """

    def get(field: str) -> Any:  # noqa: ANN401 - an array
        return source[field] if isinstance(source, Mapping) else getattr(source, field)

    series, finish = [], []
    for field in _FIELDS:
        name = f"{prefix}{field}"
        if field == "status":
            statuses = pl.Series(name, status_type.categories, dtype=status_type)
            series.append(statuses.gather(pl.Series(codes)))  # int8 codes, no copy
            continue
        values = get(field)
        series.append(pl.Series(name, values))
        if field == "met":
            judged = pl.col(f"{prefix}status").is_in([Status.MET.value, Status.NOT_MET.value])
            finish.append(pl.when(judged).then(pl.col(name)).alias(name))
        elif values.dtype.kind == "f":
            finish.append(pl.col(name).fill_nan(None))
    return series, finish


@attrs.frozen(kw_only=True, eq=False)
class _IndicatorProgram:
    indicator: Indicator
    numerator: Program
    denominator: Program
    # The target p/q and the factor f/g as exact integers.
    p: int
    q: int
    f: int
    g: int
    inputs: tuple[str, ...]
    refs: tuple[str, ...]
    consts: npt.NDArray[np.float64] | None
    """The fused kernel's constants for columns of integers (None: too large for it)."""


def _decide(op: str, left: Any, right: Any) -> Any:  # noqa: ANN401 - arrays
    """``left op right`` elementwise; NaN compares False, so rows without values are False."""
    if op == ">=":
        return np.greater_equal(left, right)
    if op == ">":
        return np.greater(left, right)
    if op == "<=":
        return np.less_equal(left, right)
    if op == "<":
        return np.less(left, right)
    return np.equal(left, right)


@attrs.frozen(eq=False)
class _RefSource:
    """An indicator's outcome as ``A / B``, turned into a :class:`Vec` when referenced."""

    a: Any
    b: Any
    computed: Any
    no_data: Any
    bound_a: int
    bound_b: int

    def vec(self) -> Vec:
        complete = self.computed is True
        n = self.a if complete else np.where(self.computed, self.a, np.nan)
        d = self.b if complete else np.where(self.computed, self.b, 1)
        undef = None
        if not complete:
            undef = ~self.computed
            if self.no_data is not False:
                undef &= ~self.no_data
        return Vec(
            n=n,
            d=d,
            undef=undef,
            may_nan=not complete,
            bound_n=self.bound_a,
            bound_d=self.bound_b,
            nonneg=False,
        )


@attrs.frozen(kw_only=True, eq=False)
class _Outcome:
    arrays: IndicatorArrays
    ref: _RefSource


def _times(values: Any, factor: Any) -> Any:  # noqa: ANN401 - arrays or scalars
    """``values * factor``, skipping the pass over the rows when the factor is the int 1."""
    return values if isinstance(factor, int) and factor == 1 else values * factor


class _Fused:
    """The fused kernel's state for one evaluation: output blocks, scratch, results."""

    def __init__(self, slots: int, rows: int) -> None:
        self.rows = rows
        # Gaps are left for later (GapLater): computed from the kept terms when read.
        self.blocks = Blocks(slots, rows, gaps=False)
        self.scratch = None if use_compiled(rows) else Scratch(rows)
        self.done: list[tuple[int, _IndicatorProgram, Vec, Vec, GapLater]] = []
        self.pending: list[tuple[tuple[Any, Any], npt.NDArray[np.float64]]] = []
        self.numbers: dict[int, npt.NDArray[Any]] = {}

    def run(self, program: _IndicatorProgram, num: Vec, den: Vec) -> bool:
        """Evaluate one indicator by the kernel; False where its shape needs the general path.

        The kernel takes plain ratios of exact columns (scalar denominators, no undefined
        rows, a non-negative denominator, arrays over the rows): nearly every indicator.
        The bounds have been checked by the caller.
        """
        rows = self.rows
        if not (
            isinstance(num.d, int)
            and isinstance(den.d, int)
            and num.undef is None
            and den.undef is None
            and den.nonneg
            and isinstance(num.n, np.ndarray)
            and isinstance(den.n, np.ndarray)
            and num.n.shape == (rows,)
            and den.n.shape == (rows,)
        ):
            return False
        scales = (num.d, den.d, den.d * program.f, num.d * program.g)
        if max(*scales, program.p, program.q) >= EXACT_LIMIT:
            return False
        consts = program.consts if scales == (1, 1, program.f, program.g) else None
        if consts is None:
            consts = ratio_consts(scales, (program.indicator.target.op, program.p, program.q))
        slot = len(self.done)
        if self.scratch is None:
            ratio_kernel(num.n, den.n, consts, self.blocks, slot, None)
        else:  # numpy: every indicator in one pass of 2-D calls, in results()
            self.pending.append(((num.n, den.n), consts))
        self.done.append((slot, program, num, den, GapLater(consts)))
        return True

    def results(self) -> dict[str, IndicatorArrays]:
        """The arrays of every indicator run, read-only views of the blocks."""
        if self.pending:
            # The kernel reads the result's own copies where they hold the same integers:
            # narrowed (a column of counts under 65,536 as uint16), they are a quarter of
            # the caller's int64 columns to read again (at 100,000 rows of 40 columns,
            # 8 MB instead of 32 MB, which no longer fit in the CPU's cache).
            numpy_ratios(
                [(self._term(num), self._term(den)) for _, _, num, den, _ in self.done],
                np.array([consts for _, consts in self.pending]),
                self.blocks,
            )
        self.blocks.freeze()
        results = {}
        for slot, program, num, den, later in self.done:
            # The kept numerator and denominator are the kernel's terms when the scales
            # are 1 (the usual counts): the gap can wait. Otherwise it is computed now.
            gap: npt.NDArray[np.float64] | GapLater = later
            if later.consts[:2].tolist() != [1.0, 1.0]:
                gap = gap_kernel(num.n, den.n, later.consts, self.blocks.out(slot).status_code)
            indicator = program.indicator
            out = self.blocks.out(slot)
            if indicator.coverage is False:  # a declared rate, as in scalar
                zeros = _frozen_array(np.zeros(self.rows, dtype=bool), self.rows, np.bool_)
                out = attrs.evolve(out, exceeds_denominator=zeros)
            results[indicator.id] = _kernel_arrays(
                indicator, out, self._number(num), self._number(den), gap=gap
            )
        return results

    def _term(self, vec: Vec) -> npt.NDArray[Any]:
        """A kernel term: the kept copy of an integer column (the same values), else ``vec.n``."""
        if vec.d == 1 and vec.n.dtype.kind in "iu":
            return self._number(vec)
        return vec.n  # type: ignore[no-any-return]

    def _number(self, vec: Vec) -> npt.NDArray[Any]:
        """A column's read-only view, made once per column however many indicators use it."""
        key = id(vec.n)
        found = self.numbers.get(key)
        if found is None:
            found = self.numbers[key] = _owned_number(vec, self.rows)
        return found


def _kernel_arrays(  # noqa: PLR0913 - the outputs, the terms and the options
    indicator: Indicator,
    out: RatioOut,
    numerator: npt.NDArray[Any],
    denominator: npt.NDArray[Any],
    small: int = SMALL_DENOMINATOR,
    *,
    gap: npt.NDArray[np.float64] | GapLater | None = None,
) -> IndicatorArrays:
    """An indicator's arrays from the kernel's outputs and its terms (read-only views).

    ``gap`` is given where the blocks keep no gaps (:class:`~spmkit._evaluation.kernel.Blocks`).
    """
    gap = out.gap if gap is None else gap
    if gap is None:
        raise AssertionError(out)  # pragma: no cover - every caller gives the gaps
    return IndicatorArrays(
        indicator_id=indicator.id,
        target=indicator.target,
        factor=indicator.factor,
        value=out.value,
        status_code=out.status_code,
        met=out.met,
        gap=gap,
        numerator=numerator,
        denominator=denominator,
        exceeds_denominator=out.exceeds_denominator,
        small_denominator_threshold=small,
    )


def _run_indicator(
    program: _IndicatorProgram, env: Env, rows: int, fused: _Fused | None
) -> _Outcome | None:
    """Evaluate one indicator on every row; raises NeedsExact when it cannot be exact.

    With ``fused`` (no later indicator references this one), plain ratios go through
    the fused kernel, which keeps their arrays (None comes back); otherwise the outcome
    also keeps ``A / B`` for the references. Called inside ``np.errstate(all="ignore")``:
    NaN and division by zero are expected and masked here.
    """
    num = program.numerator(env)
    den = program.denominator(env)
    p, q, f, g = program.p, program.q, program.f, program.g
    # value = (nn/nd) / (dn/dd) * f/g = A / B with A = nn*dd*f and B = nd*dn*g.
    bound_a = num.bound_n * den.bound_d * f
    bound_b = num.bound_d * den.bound_n * g
    check_bounds(bound_a * q, bound_b * p, bound_a * q + bound_b * p, bound_b * q)
    check_bounds(den.bound_n * num.bound_d, num.bound_n * den.bound_d)
    if fused is not None and fused.run(program, num, den):
        return None
    a = _times(num.n, den.d * f)
    b = _times(den.n, num.d * g)
    if not den.nonneg:
        sign = np.sign(den.n)
        a, b = a * sign, np.abs(b)
    # Constant expressions are scalars; the outputs are arrays over the rows all the same.
    a, b = np.broadcast_to(a, (rows,)), np.broadcast_to(b, (rows,))
    zero = np.equal(b, 0)
    any_zero = bool(np.any(zero))
    safe_b = np.where(zero, np.nan, b) if any_zero else b
    # Rows without a value have NaN in A or B; NaN compares False and spreads.
    value = np.true_divide(a, safe_b)
    a_q, b_p = _times(a, q), _times(safe_b, p)
    met = _decide(program.indicator.target.op, a_q, b_p)
    gap = np.true_divide(np.abs(b_p - a_q), _times(safe_b, q))
    np.copyto(gap, 0.0, where=met)
    status = np.logical_not(met).view(np.int8)  # 0 met, 1 not met
    computed: Any = True
    no_data: Any = False
    if num.may_nan or den.may_nan or any_zero:
        not_computed = np.isnan(value)
        computed = ~not_computed
        np.copyto(status, np.int8(_UNDEFINED), where=not_computed)
    if num.may_nan or den.may_nan:
        no_data = np.logical_or(
            num.may_nan and _missing_rows(num), den.may_nan and _missing_rows(den)
        )
        np.copyto(status, np.int8(_NO_DATA), where=no_data)
    exceeds = np.greater(den.n, 0) & np.less(_times(den.n, num.d), _times(num.n, den.d))
    if program.indicator.coverage is False:  # a declared rate (or an index), as in scalar
        exceeds = False
    arrays = IndicatorArrays(
        indicator_id=program.indicator.id,
        target=program.indicator.target,
        factor=program.indicator.factor,
        value=_frozen_array(value, rows, np.float64),
        status_code=_frozen_array(status, rows, np.int8),
        met=_frozen_array(met, rows, np.bool_),
        gap=_frozen_array(gap, rows, np.float64),
        numerator=_owned_number(num, rows),
        denominator=_owned_number(den, rows),
        exceeds_denominator=_frozen_array(exceeds, rows, np.bool_),
    )
    return _Outcome(arrays=arrays, ref=_RefSource(a, safe_b, computed, no_data, bound_a, bound_b))


def _missing_rows(vec: Vec) -> Any:  # noqa: ANN401 - a boolean array
    nan = np.isnan(vec.n)
    return nan if vec.undef is None else nan & ~vec.undef


def _owned_number(vec: Vec, rows: int) -> npt.NDArray[Any]:
    """An expression's values as the result keeps them: read-only, in memory of its own.

    Integer arrays may be the caller's own columns (read in place, see
    :func:`~spmkit._evaluation.columns.read_table`): they are copied, in the narrowest
    integer type that holds them (:func:`~spmkit._evaluation.buffers.narrowed`). Float
    arrays are never the caller's (reading a column copies it before converting it).
    """
    number = _as_number(vec)
    if isinstance(number, np.ndarray) and number.shape == (rows,) and number.dtype.kind in "iu":
        kept = buffers.narrowed(number, vec.bound_n, nonneg=vec.nonneg)
        kept.flags.writeable = False
        return kept
    return _frozen_array(number, rows, None)


def _as_number(vec: Vec) -> Any:  # noqa: ANN401 - an array or a scalar
    """The exact value where it is an integer array, else the correctly rounded float."""
    if isinstance(vec.d, int) and vec.d == 1 and np.asarray(vec.n).dtype.kind in "if":
        return vec.n
    return np.true_divide(vec.n, vec.d)


@attrs.frozen(kw_only=True, eq=False)
class CompiledRuleSet:
    """A rule set turned into numpy programs once, to be evaluated on many data sets.

    >>> import spmkit
    >>> program = spmkit.compile_rule_set(spmkit.load_rule_set("kulon-progo-2011"))
    >>> result = program.evaluate({"bumil_k4": [950, 940], "sasaran_bumil": [1000, 1000]})
    >>> result["I.1"].value.tolist(), result["I.1"].status.tolist()
    ([95.0, 94.0], ['met', 'not_met'])
    """

    rule_set: RuleSet
    _programs: tuple[_IndicatorProgram, ...] = attrs.field(alias="programs")
    _referenced: frozenset[str] = attrs.field(init=False)
    """Indicators that others reference: their ``A / B`` is kept for those."""

    _plans: dict[tuple[Any, ...], Plan | None] = attrs.field(init=False, factory=dict)
    """Fast-path plans by data shape (bounded; see :mod:`spmkit._evaluation.batch_plans`)."""

    _order: tuple[str, ...] = attrs.field(init=False)
    """The indicator ids in evaluation order."""

    _dependents: dict[str, frozenset[str]] = attrs.field(init=False)
    """Input name -> the indicators that read it, directly or through references."""

    _readers: dict[tuple[str, ...], tuple[str, ...]] = attrs.field(init=False, factory=dict)
    """Column names -> the indicators reading them (bounded; see :meth:`_reading`)."""

    @_referenced.default
    def _find_referenced(self) -> frozenset[str]:
        return frozenset(ref for program in self._programs for ref in program.refs)

    @_order.default
    def _find_order(self) -> tuple[str, ...]:
        return tuple(program.indicator.id for program in self._programs)

    @_dependents.default
    def _find_dependents(self) -> dict[str, frozenset[str]]:
        reading: dict[str, set[str]] = {}
        for program in self._programs:  # in evaluation order: references first
            indicator_id = program.indicator.id
            for name in program.inputs:
                reading.setdefault(name, set()).add(indicator_id)
            for readers in reading.values():
                if readers.intersection(program.refs):
                    readers.add(indicator_id)
        return {name: frozenset(readers) for name, readers in reading.items()}

    @classmethod
    def build(cls, rule_set: RuleSet) -> CompiledRuleSet:
        """Compile every indicator of a rule set, in evaluation order."""
        programs = []
        for indicator_id in rule_set.evaluation_order:
            indicator = rule_set.indicators[indicator_id]
            target, factor = indicator.target.value, indicator.factor
            programs.append(
                _IndicatorProgram(
                    indicator=indicator,
                    numerator=compile_expression(indicator.numerator),
                    denominator=compile_expression(indicator.denominator),
                    p=target.numerator,
                    q=target.denominator,
                    f=factor.numerator,
                    g=factor.denominator,
                    inputs=tuple(sorted(indicator.inputs)),
                    refs=tuple(sorted(indicator.refs)),
                    consts=ratio_consts(
                        (1, 1, factor.numerator, factor.denominator),
                        (indicator.target.op, target.numerator, target.denominator),
                    )
                    if max(factor.numerator, factor.denominator, *target.as_integer_ratio())
                    < EXACT_LIMIT
                    else None,
                )
            )
        return cls(rule_set=rule_set, programs=tuple(programs))

    def evaluate(
        self,
        data: object,
        *,
        keys: Sequence[str] = (),
        allow_unknown: bool = False,
    ) -> BatchResult:
        """Evaluate on in-memory data; see :func:`evaluate_batch`."""
        if type(data) is dict:
            found = self._fast(data, tuple(keys), allow_unknown) or self._by_rows(
                data, tuple(keys), allow_unknown
            )
            if found is not None:
                return found
        # Columns of counts are read in place: the results copy what they keep, narrowed.
        table = read_table(self.rule_set, data, keys=keys, allow_unknown=allow_unknown, own=False)
        return self._evaluate_table(table)

    def _fast(
        self,
        data: dict[str, Any],
        keys: tuple[str, ...],
        allow_unknown: bool,
    ) -> BatchResult | None:
        """The fast path (:mod:`spmkit._evaluation.batch_plans`), or None where it cannot run."""
        values = data.values()
        first = next(iter(values), None)
        if type(first) is not np.ndarray or first.ndim != 1 or not len(first):
            return None
        rows = len(first)
        names = tuple(data)
        dtypes = tuple(getattr(v, "dtype", None) for v in values)
        shape = (names, dtypes, keys, allow_unknown)
        try:
            plan = self._plans[shape]
        except KeyError:
            plan = make_plan(
                self.rule_set,
                {p.indicator.id: p.consts for p in self._programs},
                names,
                dtypes,
                keys,
                allow_unknown,
            )
            with _COMPILED_LOCK:
                if len(self._plans) >= _CACHE_SIZE:
                    self._plans.pop(next(iter(self._plans)), None)
                self._plans[shape] = plan
        if plan is None:
            return None
        blocks = plan.load(data, rows)
        if blocks is None:
            return None
        ints, floats = blocks
        compiled = use_compiled(rows)
        # numba's loop computes the gaps in its one pass; numpy's path leaves them for
        # their first read (GapLater), as the general path does.
        out = Blocks(len(plan.which), rows, gaps=compiled)
        with np.errstate(all="ignore"):
            ratios_kernel(
                ints, floats, plan.which, plan.consts, out, None if compiled else Scratch(rows)
            )
        out.freeze()
        carried = {}
        for name in keys:
            given = data[name]
            own = given.copy() if isinstance(given, np.ndarray) else to_array(given)
            if len(own) != rows:
                return None
            own.flags.writeable = False
            carried[name] = own
        return BatchResult(
            rule_set_id=self.rule_set.id,
            rule_set=self.rule_set,
            rows=rows,
            key_columns=carried,
            results=_LazyResults(
                self.rule_set,
                _FastArrays(self.rule_set, plan, out, ints, floats),
            ),
        )

    def _by_rows(
        self,
        data: dict[str, Any],
        keys: tuple[str, ...],
        allow_unknown: bool,
    ) -> BatchResult | None:
        """A few rows of which some need exact arithmetic: each row by the scalar evaluator.

        Up to :data:`BY_ROWS` rows, reading the columns and running the numpy programs
        costs more than the rows themselves; the rows' values go to the scalar evaluator
        as ``evaluate`` takes them, and the arrays are built when first read. None where
        this does not apply (no value needs exact arithmetic, more rows, other shapes) or
        where a row is refused: the table reader then words the errors, with their rows.
        """
        columns: dict[str, Sequence[object]] = {}
        rows, framed = -1, False
        for name, values in data.items():
            if name in keys:
                continue
            kind = type(values)
            if kind is list or kind is tuple:  # the usual few rows: read as they are
                items: Sequence[object] | None = values
            elif kind is np.ndarray:
                # A numpy column goes through the table, whose programs type each array
                # by its column (int64 counts stay int64): the same arrays at any size.
                return None
            else:
                try:
                    size = len(values)
                except TypeError:  # no column at all (a number, a 0-d array or quantity)
                    return None
                if size > BY_ROWS:
                    return None  # a large column: not read here
                items, framed = row_values(values), True
            if items is None or rows not in {-1, len(items)}:
                return None
            rows, columns[name] = len(items), items
        # Series with different indexes are refused by the table reader, never paired here.
        if rows <= 0 or (framed and not aligned(data)):
            return None
        flags: Iterable[bool]
        if rows == 1:  # one value a column: one C-level pass over them all
            flags = map(needs_exact, map(operator.itemgetter(0), columns.values()))
        else:
            flags = (any(map(needs_exact, items)) for items in columns.values())
        exact_inputs = tuple(itertools.compress(columns, flags))
        if not exact_inputs:
            return None
        plan = plan_of(self.rule_set)
        carried = {}
        for name in keys:
            given = data.get(name)
            own = given.copy() if isinstance(given, np.ndarray) else to_array(given)
            if own.ndim != 1 or len(own) != rows:
                return None
            own.flags.writeable = False
            carried[name] = own
        order = self._order
        found: dict[str, list[Numbers]] = {i: [] for i in order}
        kept = [(i, found[i].append) for i in order]
        names = tuple(columns)
        try:
            for given_row in zip(*columns.values(), strict=True):
                numbers = evaluate_row(
                    plan,
                    dict(zip(names, given_row, strict=True)),
                    order,
                    allow_unknown=allow_unknown,
                )
                for indicator_id, keep in kept:
                    keep(numbers[indicator_id])
        except DataInvalid:
            return None
        return BatchResult(
            rule_set_id=self.rule_set.id,
            rule_set=self.rule_set,
            rows=rows,
            key_columns=carried,
            results=_LazyResults(
                self.rule_set, functools.partial(_numbers_arrays, self.rule_set, found)
            ),
            exact_fallback=self._reading(exact_inputs),
        )

    def _reading(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The indicators that read any of these columns (directly or through references).

        In evaluation order; kept per set of names (a batch of one shape asks again).
        """
        found = self._readers.get(names)
        if found is None:
            dependent = set().union(*(self._dependents.get(name, ()) for name in names))
            found = tuple(i for i in self._order if i in dependent)
            with _COMPILED_LOCK:
                if len(self._readers) >= _CACHE_SIZE:
                    self._readers.clear()
                self._readers[names] = found
        return found

    def _evaluate_table(self, table: Table) -> BatchResult:
        rows = table.rows
        columns = {n: c.vec for n, c in table.columns.items() if c.vec is not None}
        refs: dict[str, Vec] = {}
        sources: dict[str, _RefSource] = {}
        env = Env(columns=columns, refs=_LazyRefs(sources, refs))
        results: dict[str, IndicatorArrays] = {}
        fallback: list[str] = []
        fused = _Fused(len(self._programs) - len(self._referenced), rows)
        with np.errstate(all="ignore"):
            for program in self._programs:
                indicator_id = program.indicator.id
                exact_only = any(name not in columns for name in program.inputs) or any(
                    ref in fallback for ref in program.refs
                )
                if not exact_only:
                    try:
                        outcome = _run_indicator(
                            program, env, rows, None if indicator_id in self._referenced else fused
                        )
                    except NeedsExact:
                        exact_only = True
                    else:
                        if outcome is not None:
                            results[indicator_id] = outcome.arrays
                            sources[indicator_id] = outcome.ref
                if exact_only:
                    fallback.append(indicator_id)
        results.update(fused.results())
        if fallback:
            results.update(self._fallback(table, fallback))
        _add_bands(self.rule_set, table, results)
        ordered = {i: results[i] for i in self.rule_set.indicators}
        small = self.rule_set.small_denominator
        if small != SMALL_DENOMINATOR:  # the rule set's own threshold (docs/reports.md)
            ordered = {
                i: attrs.evolve(arrays, small_denominator_threshold=small)
                for i, arrays in ordered.items()
            }
        return BatchResult(
            rule_set_id=self.rule_set.id,
            rule_set=self.rule_set,
            rows=rows,
            key_columns={name: _frozen_array(v, rows, v.dtype) for name, v in table.keys.items()},
            results=ordered,
            exact_fallback=tuple(fallback),
        )

    def _fallback(self, table: Table, indicator_ids: Sequence[str]) -> dict[str, IndicatorArrays]:
        """The fallback indicators: exact rows by the numpy programs, only the others in scalar.

        A row needs the scalar evaluator when one of its values has no exact float64 form
        (an integer of 2**53 or more, a decimal of many digits); the other rows are
        evaluated again, as a smaller table, by the numpy programs.
        """
        needs = _rows_needing_exact(table)
        if table.rows < 2 or needs.all() or not needs.any():
            return _scalar_fallback(self.rule_set, table, indicator_ids)
        good, bad = np.flatnonzero(~needs), np.flatnonzero(needs)
        quick = self._evaluate_table(_row_subset(self.rule_set, table, good))
        slow = _scalar_fallback(self.rule_set, table, indicator_ids, bad)
        merged = {}
        for indicator_id in indicator_ids:
            fields: dict[str, Any] = {}
            for name in ARRAY_FIELDS:
                fast_part = getattr(quick[indicator_id], name)
                slow_part = getattr(slow[indicator_id], name)
                if slow_part.dtype == np.int64 and _whole_floats(fast_part):
                    fast_part = fast_part.astype(np.int64)  # the exact rows stay exact
                out = np.empty(table.rows, dtype=np.result_type(fast_part, slow_part))
                out[good], out[bad] = fast_part, slow_part
                fields[name] = _frozen_array(out, table.rows, out.dtype)
            indicator = self.rule_set.indicators[indicator_id]
            merged[indicator_id] = IndicatorArrays(
                indicator_id=indicator_id,
                target=indicator.target,
                factor=indicator.factor,
                **fields,
            )
        return merged


def _rows_needing_exact(table: Table) -> npt.NDArray[np.bool_]:
    """Rows holding a value of a column the programs cannot take exactly."""
    needs = np.zeros(table.rows, dtype=bool)
    for column in table.columns.values():
        if column.vec is None:
            if column.plain is not None:  # found while the column's objects were read
                needs |= ~column.plain
                continue
            values = [column.scalar(row) for row in range(table.rows)]
            needs |= np.array([not plain_number(value) for value in values], dtype=bool)
    return needs


def _row_subset(rule_set: RuleSet, table: Table, index: npt.NDArray[np.intp]) -> Table:
    """The rows ``index`` of a table, read again (so their columns become exact arrays)."""
    data: dict[str, object] = {}
    for name, column in table.columns.items():
        if column.vec is None:
            values = [column.scalar(int(row)) for row in index]
            data[name] = np.array(
                [np.nan if v is None else float(v) for v in values],  # type: ignore[arg-type]
                dtype=np.float64,
            )
        else:
            data[name] = column.raw[index]
    return read_table(rule_set, data)


class _LazyRefs(Mapping[str, Vec]):
    """Indicator outcomes for references, built the first time one is read."""

    def __init__(self, sources: Mapping[str, _RefSource], built: dict[str, Vec]) -> None:
        self.sources = sources
        self.built = built

    def __getitem__(self, indicator_id: str) -> Vec:
        if indicator_id not in self.built:
            self.built[indicator_id] = self.sources[indicator_id].vec()
        return self.built[indicator_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


def _add_bands(rule_set: RuleSet, table: Table, results: dict[str, IndicatorArrays]) -> None:
    """Attach the band arrays of indicators with bands (:mod:`spmkit._evaluation.scoring`)."""
    reports: dict[int, Any] = {}

    def exact_of(indicator_id: str) -> Callable[[int], Fraction | None]:
        def exact(row: int) -> Fraction | None:
            if row not in reports:
                data = {name: column.scalar(row) for name, column in table.columns.items()}
                reports[row] = evaluate(rule_set, data)
            value: Fraction | None = reports[row][indicator_id].exact_value
            return value

        return exact

    for indicator_id, arrays in results.items():
        bands = rule_set.indicators[indicator_id].bands
        if bands:
            band, band_en = band_arrays(bands, arrays.value, exact_of(indicator_id))
            results[indicator_id] = attrs.evolve(arrays, band=band, band_en=band_en)


def _scalar_inputs(
    plan: ScalarPlan, table: Table, chosen: Sequence[int]
) -> list[tuple[str, list[Fraction | None], list[int | None] | None]]:
    """Every input column's values on the chosen rows, as the scalar evaluator reads them.

    Converted once per column (not once per row and indicator): exact numbers, and for
    inputs without bounds the whole ones as ints too (the scalar evaluator's int path).
    The table's columns are checked already, by the same rules as scalar evaluation.
    """
    found = []
    unbounded = plan.unbounded
    for name, column in table.columns.items():
        raw = column.raw
        if raw.dtype == object:  # converted by the reader: Fractions and None
            exact_values: list[Fraction | None] = (
                raw.tolist() if len(chosen) == len(raw) else raw[list(chosen)].tolist()
            )
        else:
            exact_values = [exact_number(column.scalar(row)) for row in chosen]
        ints = None
        if name in unbounded:
            ints = [
                value.numerator if value is not None and value.denominator == 1 else None
                for value in exact_values
            ]
        found.append((name, exact_values, ints))
    return found


def _scalar_fallback(
    rule_set: RuleSet,
    table: Table,
    indicator_ids: Sequence[str],
    which: npt.NDArray[np.intp] | None = None,
) -> dict[str, IndicatorArrays]:
    """Evaluate some indicators on some rows (default all) with the exact scalar evaluator.

    The rows' values are converted once per column (:func:`_scalar_inputs`), and each row
    is evaluated by :func:`~spmkit._evaluation.scalar.evaluate_checked`: the scalar
    evaluator without its per-row checks, which the table has passed already.
    """
    chosen = range(table.rows) if which is None else [int(row) for row in which]
    rows = len(chosen)
    plan = plan_of(rule_set)
    inputs = _scalar_inputs(plan, table, chosen)
    # Each row's results in a list per indicator, read field by field afterwards (C-level
    # getters over the lists): a numpy item assignment per value, or a Python statement per
    # field and row, cost more than the scalar evaluation itself.
    found: dict[str, list[Numbers]] = {i: [] for i in indicator_ids}
    kept = [(i, found[i].append) for i in indicator_ids]
    for row in range(rows):
        values = {name: value for name, found_, _ in inputs if (value := found_[row]) is not None}
        ints = {
            name: number
            for name, _, whole in inputs
            if whole is not None and (number := whole[row]) is not None
        }
        report = evaluate_checked(plan, values, ints, indicator_ids)
        for indicator_id, keep in kept:
            keep(report[indicator_id])
    return {i: _numbers_arrays(rule_set, found, i) for i in indicator_ids}


def _numbers_arrays(
    rule_set: RuleSet, found: Mapping[str, list[Numbers]], indicator_id: str
) -> IndicatorArrays:
    """One indicator's arrays from the scalar evaluator's numbers of every row."""
    results = found[indicator_id]
    rows = len(results)
    indicator = rule_set.indicators[indicator_id]

    def field(name: str) -> list[Any]:
        return list(map(operator.attrgetter(name), results))

    exact_values = field("exact_value")
    out_arrays = {
        "value": _floats(exact_values),
        "gap": _floats(field("exact_gap")),
        "numerator": _terms(field("numerator")),
        "denominator": _terms(field("denominator")),
        "met": np.array(field("met"), dtype=bool),
        "status_code": np.array(list(map(_CODES.__getitem__, field("status"))), dtype=np.int8),
        "exceeds_denominator": np.array(field("exceeds_denominator"), dtype=bool),
    }
    frozen: dict[str, Any] = {n: _frozen_array(v, rows, v.dtype) for n, v in out_arrays.items()}
    if indicator.bands:
        frozen["band"], frozen["band_en"] = band_arrays(
            indicator.bands, frozen["value"], exact_values.__getitem__
        )
    return IndicatorArrays(
        indicator_id=indicator_id,
        target=indicator.target,
        factor=indicator.factor,
        small_denominator_threshold=rule_set.small_denominator,
        **frozen,
    )


_CODES: Final = {status: code for code, status in enumerate(STATUS_CODES)}


def _terms(exact_values: list[Fraction | None]) -> npt.NDArray[Any]:
    """A numerator or denominator column, exact where it can be.

    int64 where every row holds a whole number that fits (as the arrays document:
    2**53 + 1 stays itself), else floats.
    """
    if all(
        value is not None and value.denominator == 1 and -_INT64 <= value.numerator < _INT64
        for value in exact_values
    ):
        return np.array([value.numerator for value in exact_values], dtype=np.int64)  # type: ignore[union-attr]
    return _floats(exact_values)


_INT64: Final = 2**63


def _whole_floats(values: npt.NDArray[Any]) -> bool:
    """Whether a float column holds only whole numbers below 2**53 (exact as int64)."""
    if values.dtype.kind != "f":
        return False
    finite = np.isfinite(values)
    return bool(finite.all()) and bool(
        (np.abs(values) < EXACT_LIMIT).all() and (values == np.trunc(values)).all()
    )


def _floats(exact_values: list[Fraction | None]) -> npt.NDArray[np.float64]:
    """The nearest floats of exact values (NaN for None), as one array.

    Integer division of the numerators by the denominators, correctly rounded as
    ``float(Fraction)`` is, done by numpy over object arrays (one C loop, no Python call
    per value); a value beyond float64's range goes through :func:`_float`.
    """
    rows = len(exact_values)
    present = [value for value in exact_values if value is not None]
    if not present:
        return np.full(rows, math.nan)
    terms = np.array(list(map(_TERMS, present)), dtype=object).reshape(len(present), 2)
    try:
        floats: npt.NDArray[np.float64] = (terms[:, 0] / terms[:, 1]).astype(np.float64)
    except OverflowError:
        floats = np.fromiter(map(_float, present), dtype=np.float64, count=len(present))
    if len(present) == rows:
        return floats
    out = np.full(rows, math.nan)
    out[[value is not None for value in exact_values]] = floats
    return out


_TERMS: Final = operator.attrgetter(
    *(("_numerator", "_denominator") if FRACTION_SLOTS else ("numerator", "denominator"))
)


def _float(exact: Fraction | None) -> float:
    """The nearest float of an exact value, NaN for none (``nearest_float``, inlined)."""
    if exact is None:
        return math.nan
    try:
        return exact.numerator / exact.denominator  # correctly rounded, as float(Fraction)
    except OverflowError:
        return nearest_float(exact)  # type: ignore[return-value]  # not None here


class _FastArrays:
    """Builds one indicator's arrays of the fast path from the shared blocks, when read."""

    def __init__(
        self,
        rule_set: RuleSet,
        plan: Plan,
        out: Blocks,
        ints: npt.NDArray[np.int64],
        floats: npt.NDArray[np.float64],
    ) -> None:
        self.rule_set = rule_set
        self.plan = plan
        self.out = out
        self.ints = ints
        self.floats = floats
        self.slots = {iid: slot for slot, iid in enumerate(plan.terms)}

    def __call__(self, indicator_id: str) -> IndicatorArrays:
        indicator = self.rule_set.indicators[indicator_id]
        out = self.out.out(self.slots[indicator_id])
        terms = self.plan.terms[indicator_id]
        n_float, n_row = terms.numerator
        d_float, d_row = terms.denominator
        slot = self.slots[indicator_id]
        return _kernel_arrays(
            indicator,
            out,
            (self.floats if n_float else self.ints)[n_row],
            (self.floats if d_float else self.ints)[d_row],
            self.rule_set.small_denominator,
            gap=None if out.gap is not None else GapLater(self.plan.consts[slot]),
        )


class _LazyResults(FrozenMap[str, IndicatorArrays]):
    """A BatchResult's results, each built when first read (then kept); a FrozenMap.

    The fast path computes every array in one kernel call; building 20 result objects
    would cost more than that at 1,000 rows, so each is built from views of the shared
    blocks when asked for. Reads of all values (``values()``, ``items()``, equality,
    pickling) build the rest, in the rule set's order.
    """

    __slots__ = ("_made", "_make", "_order")

    def __init__(self, rule_set: RuleSet, make: Callable[[str], IndicatorArrays]) -> None:
        super().__init__()
        self._order = rule_set.indicators
        self._make = make
        self._made: dict[str, IndicatorArrays] = {}

    def __getitem__(self, key: str) -> IndicatorArrays:
        found = self._made.get(key)
        if found is None:  # an unknown id raises the rule set's KeyError
            found = self._made.setdefault(key, self._make(key))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._order

    def _all(self) -> dict[str, IndicatorArrays]:
        if len(self._data) != len(self._order):
            self._data = {key: self[key] for key in self._order}
        return self._data

    def keys(self) -> Any:  # noqa: ANN401 - a KeysView
        """The indicator ids, in order."""
        return self._order.keys()

    def values(self) -> Any:  # noqa: ANN401 - a ValuesView
        """The arrays of every indicator, in order (all built)."""
        return self._all().values()

    def items(self) -> Any:  # noqa: ANN401 - an ItemsView
        """The pairs, in order (all built)."""
        return self._all().items()

    def __hash__(self) -> int:
        self._all()
        return super().__hash__()

    def __eq__(self, other: object) -> bool:
        self._all()
        return super().__eq__(other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._all()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return FrozenMap, (self._all(),)


# Recently compiled programs, by rule set identity (bounded; checked with `is`).
_CACHE_SIZE: Final = 32
_COMPILED_LOCK: Final = threading.Lock()


@identity_cache(_CACHE_SIZE)
def compile_rule_set(rule_set: RuleSet | str | Path) -> CompiledRuleSet:
    """Return the compiled program of a rule set, or of its id or file (compiled once)."""
    return CompiledRuleSet.build(
        rule_set if isinstance(rule_set, RuleSet) else resolve_rule_set(rule_set)
    )


def evaluate_batch(  # noqa: PLR0913 - keyword-only options
    rule_set: RuleSet | CompiledRuleSet | str | Path,
    data: object,
    *,
    keys: Sequence[str] = (),
    allow_unknown: bool = False,
    year: int | str | None = None,
    period: Period | None = None,
) -> Any:  # noqa: ANN401 - a BatchResult, or a lazy Dask DataFrame for Dask data
    """Evaluate every indicator of a rule set on every row of a data set.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> result = spmkit.evaluate_batch(
    ...     rs, {"bumil_k4": [950, 57, None], "sasaran_bumil": [1000, 100, 80]}
    ... )
    >>> result["I.1"].value.tolist()[:2], result["I.1"].status.tolist()
    ([95.0, 57.0], ['met', 'not_met', 'no_data'])

    Args:
        rule_set: a loaded rule set, its :class:`CompiledRuleSet`, or its id or file.
        data: input name -> column (numpy array, list, pandas Series), or a pandas,
            polars or Dask DataFrame. NaN, None or null is missing for that row only.
        keys: columns to carry into the result unchecked (region codes, years).
        allow_unknown: ignore columns the rule set does not declare instead of refusing.
        year: a year, or the name of a column of years: every row is judged against its
            year's milestone and gets ``progress`` (docs/time.md), as :func:`evaluate`
            with ``year=`` does.
        period: with ``year``, a quarter (``"Q2"``) or month: pro-rata milestones.

    Returns:
        A :class:`BatchResult`; for a Dask DataFrame, a lazy Dask DataFrame with the
        columns of ``BatchResult.to_pandas("wide")``, evaluated partition by partition.

    Raises:
        DataInvalid: bad values (negative, NaN-free infinities, booleans, text), unknown
            columns or unequal lengths; every bad column is reported with its first bad
            value and row. For Dask data, raised when the result is computed.
        UsageError: ``rule_set`` is not a rule set, an id or a path; ``allow_unknown``
            is not True or False; a bad ``year`` or ``period``.
    """
    require_flag(allow_unknown, "allow_unknown")
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else compile_rule_set(rule_set)
    if year is not None or period is not None:
        return _in_time(compiled.rule_set, data, keys, allow_unknown, year, period)
    if type(data).__module__.startswith("dask"):
        from spmkit._evaluation.dask import evaluate_dask  # noqa: PLC0415 - optional dependency

        return evaluate_dask(
            compiled.rule_set,
            data,
            compiler=compile_rule_set,
            keys=keys,
            allow_unknown=allow_unknown,
        )
    return compiled.evaluate(data, keys=keys, allow_unknown=allow_unknown)


def _in_time(  # noqa: PLR0913 - the arguments of evaluate_batch
    rule_set: RuleSet,
    data: object,
    keys: Sequence[str],
    allow_unknown: bool,
    year: int | str | None,
    period: Period | None,
) -> BatchResult:
    """evaluate_batch with ``year=``: see :mod:`spmkit._evaluation.yearly`."""
    if year is None:
        msg = tr("period={period!r} needs a year (year=2024 or a column of years)", period=period)
        raise UsageError(msg)
    if type(data).__module__.startswith("dask"):
        msg = tr("year= is not supported for Dask data; compute per partition with pandas")
        raise UsageError(msg)

    def run(judged: RuleSet, all_keys: Sequence[str]) -> BatchResult:
        return compile_rule_set(judged).evaluate(data, keys=all_keys, allow_unknown=allow_unknown)

    result: BatchResult = evaluate_in_time(rule_set, run, keys=keys, year=year, period=period)
    return attrs.evolve(result, rule_set=rule_set)
