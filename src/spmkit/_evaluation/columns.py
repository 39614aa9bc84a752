"""Columns of data for batch evaluation: read, check and convert them to exact arrays.

Accepts a mapping of name -> 1-D array-like (numpy arrays, lists, pandas Series), a pandas
DataFrame or a polars DataFrame; pandas and polars are only touched when the data are
theirs. Every value obeys the scalar rules of :mod:`spmkit._evaluation.scalar` (non-negative,
finite, no booleans, no text; None/NaN/null is missing for that row only), and every bad
column is reported at once, naming the input, the first bad value and its row.

A column becomes an exact :class:`~spmkit._evaluation.compile.Vec`: integers as they are, decimals
as integers over a power of ten (``0.1`` is 1/10, as in the scalar evaluator). A column
that cannot be held exactly (huge values, 1/3 as a float) is kept for the scalar
fallback only.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, TypeGuard

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._evaluation import buffers
from spmkit._evaluation.compile import EXACT_LIMIT, Vec, constant_vec
from spmkit._evaluation.kernel import count_bound
from spmkit._evaluation.plan import exact
from spmkit._evaluation.scalar import from_quantity, is_quantity
from spmkit._evaluation.values import (
    BOOLEAN_HINT,
    DECIMAL_LIMIT,
    MAX_DECIMALS,
    NEGATIVE_HINT,
    NON_FINITE_HINT,
    RULE,
    Constraint,
    bad_values,
    constraints,
    convert_value,
    quantity_rule,
    unconvertible_hint,
    with_rows,
)
from spmkit._limits import NUMBER_BOUND
from spmkit._rulesets.check import suggest
from spmkit._rulesets.model import InputKind, InputSpec, RuleSet
from spmkit._translation import Bilingual, tr
from spmkit.errors import DataError, DataInvalid, UnknownUnitError

__all__ = [
    "Column",
    "Table",
    "aligned",
    "needs_exact",
    "plain_number",
    "read_table",
    "row_values",
    "to_array",
    "to_mapping",
]

_FRAMES: Final = frozenset({"pandas", "polars"})
_WIDE_INTS: Final = frozenset({"Int128", "UInt128"})  # polars types numpy has no dtype for
_NOT_NUMBERS: Final = frozenset("mMc")
"""numpy kinds that are not numbers: timedelta, datetime, complex."""


def _not_numbers() -> dict[str, Bilingual]:
    return {"m": tr("durations"), "M": tr("dates"), "c": tr("complex numbers")}


@attrs.frozen(kw_only=True, eq=False)
class Column:
    """One input column: its exact vector (None if it cannot be exact) and its raw values."""

    name: str
    vec: Vec | None
    raw: npt.NDArray[Any]
    given: npt.NDArray[Any] | None = None
    """The values as given, for messages, when ``raw`` holds converted ones."""
    plain: npt.NDArray[np.bool_] | None = None
    """For a column of converted objects: the rows whose value has an exact float64 form
    the numpy programs can take (:func:`plain_number`)."""

    def scalar(self, row: int) -> object:
        """The value of one row as the scalar evaluator takes it (None when missing)."""
        value = self.raw[row]
        if value is None:
            return None
        if isinstance(value, np.floating) and np.isnan(value):
            return None
        if type(value) is Fraction and value.denominator == 1:
            return value.numerator  # the same number; scalar evaluate's int path takes it
        return value.item() if isinstance(value, np.generic) else value


@attrs.frozen(kw_only=True, eq=False)
class Table:
    """Checked data: the row count, the input columns and the carried key columns."""

    rows: int
    columns: Mapping[str, Column]
    keys: Mapping[str, npt.NDArray[Any]]


def _module(data: object) -> str:
    return type(data).__module__.partition(".")[0]


def to_mapping(data: object) -> Mapping[str, object]:
    """Read a single-row data set (a mapping, or a one-row frame) as a plain mapping."""
    kind = _module(data)
    if kind == "pandas" and hasattr(data, "columns"):
        names = [str(name) for name in data.columns]
        doubled = sorted(name for name, count in Counter(names).items() if count > 1)
        if doubled:
            problems = [
                DataError(
                    name,
                    tr("<columns>"),
                    tr("a column name used once"),
                    tr("rename or drop the copies"),
                )
                for name in doubled
            ]
            raise DataInvalid(tr("data have duplicate column names"), problems)
        return {str(name): data[name] for name in data.columns}  # type: ignore[index]
    if kind == "polars" and hasattr(data, "get_columns"):
        return {s.name: s for s in data.get_columns()}
    if isinstance(data, Mapping):
        return data
    problem = DataError(
        "<data>", type(data).__name__, tr("a mapping of input name to column or a data frame")
    )
    raise DataInvalid(tr("data is not a mapping of columns"), [problem])


def to_array(values: object) -> npt.NDArray[Any]:
    """Turn one column into a 1-D numpy array; nulls become NaN (numbers) or None.

    The array never shares memory with the caller's: results built from it own their
    data, so a later change to the caller's array is not seen in them, and no write to
    them reaches the caller. A masked array's masked rows are missing (None).
    """
    array = _to_array(values)
    if array is values or array.base is not None:
        array = array.copy()
    return array


def _to_array(values: object) -> npt.NDArray[Any]:
    # A masked array exists only once numpy.ma is imported: `np.ma` would import it (tens
    # of milliseconds of a command's start) just to find that it is not one.
    if "numpy.ma" in sys.modules and isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        objects = np.asarray(values.data, dtype=object).copy()
        objects[mask] = None
        return objects
    kind = _module(values)
    if kind == "pandas":
        series: Any = values
        if series.dtype.kind in "iuf":
            if series.isna().any():
                if series.dtype.kind in "iu" and not _floats_hold(series.min(), series.max()):
                    # A nullable integer beyond 2**53: floats would round it; kept exact.
                    return np.asarray(series.to_numpy(dtype=object, na_value=None))
                return np.asarray(series.to_numpy(dtype="float64", na_value=np.nan))
            return np.asarray(series.to_numpy())
        if series.dtype.kind == "b" or str(series.dtype) == "boolean":
            return np.asarray(series.to_numpy(dtype=object))
        return np.asarray(series.to_numpy(dtype=object))
    if kind == "polars":
        polars_series: Any = values
        if polars_series.dtype.is_numeric() and str(polars_series.dtype) not in _WIDE_INTS:
            if (
                polars_series.dtype.is_integer()
                and polars_series.null_count()
                and not _floats_hold(polars_series.min(), polars_series.max())
            ):
                return np.asarray(polars_series.to_list(), dtype=object)
            return np.asarray(polars_series.to_numpy())
        return np.asarray(polars_series.to_list(), dtype=object)
    if isinstance(values, np.ndarray):
        return np.asarray(values, dtype=object) if values.dtype.kind in "USO" else values
    # Python sequences are read value by value: numpy would turn [0.5, 2**53 + 1] into
    # floats and round the integer.
    return np.asarray(values, dtype=object)


def row_values(values: object) -> list[object] | None:
    """A column's values row by row, each as scalar ``evaluate`` takes it (None: missing).

    What :meth:`Column.scalar` gives once the column is read, without reading it: the
    items of a list, the Python numbers of an array (a float column's NaN is None, a
    masked row None), a pandas or polars column through :func:`to_array`. None for a
    column that must be read as a whole: quantities, other shapes and types.
    """
    if type(values) is list or type(values) is tuple:
        return list(values)
    module = _module(values)
    if is_quantity(values) or not (isinstance(values, np.ndarray) or module in _FRAMES):
        return None
    if module in _FRAMES and getattr(values, "ndim", 1) == 1:
        # The elements a Series hands out (pd.NA and null are missing in evaluate too),
        # without numpy's detour: a float column's NaN is missing, as in the table reader.
        series: Any = values
        elements: list[object] = series.to_list()
        if getattr(series.dtype, "kind", "") == "f" or str(series.dtype).startswith("Float"):
            return [
                None if type(item) is float and item != item else item  # noqa: PLR0124 - NaN
                for item in elements
            ]
        return elements
    array = _to_array(values)
    if array.ndim != 1 or array.dtype.kind not in "iufO":
        return None
    items: list[object] = array.tolist()
    if array.dtype.kind == "f":
        return [None if item != item else item for item in items]  # noqa: PLR0124 - NaN
    return items


def needs_exact(value: object) -> bool:
    """Whether a value as given may lack an exact float64 form (or be refused): a quick test.

    False for the usual values (None, a non-negative int below 2**53, a float with an
    exact form); True for anything else, without converting it.
    """
    if value is None:
        return False
    if type(value) is int:
        return not 0 <= value < EXACT_LIMIT
    if type(value) is float:
        if value.is_integer():
            return not 0 <= value < EXACT_LIMIT
        return not (math.isfinite(value) and value > 0 and plain_number(value))
    return True


def _floats_hold(low: object, high: object) -> bool:
    """Whether every integer from ``low`` to ``high`` (missing: no value) is an exact float."""
    for value in (low, high):
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):  # None, pandas.NA: an empty column
            continue
        if not -EXACT_LIMIT <= number <= EXACT_LIMIT:
            return False
    return True


def _bad(name: str, raw: npt.NDArray[Any], bad: npt.NDArray[np.bool_], hint: str) -> DataError:
    rows = np.flatnonzero(bad)
    row = int(rows[0])
    value = raw[row]
    value = value.item() if isinstance(value, np.generic) else value
    return DataError(name, value, RULE, with_rows(hint, row, len(rows)))


def _numeric(name: str, raw: npt.NDArray[Any]) -> tuple[Vec | None, DataError | None]:
    """Check a numeric column and convert it to an exact vector."""
    if raw.dtype.kind == "b":
        bad = np.ones(raw.shape, dtype=bool)
        return None, _bad(name, raw, bad, BOOLEAN_HINT)
    if raw.size == 0:
        return Vec(
            n=raw.astype(np.float64), d=1, undef=None, may_nan=False, bound_n=0, bound_d=1
        ), None
    if raw.dtype.kind in "iu":
        low, high = int(np.minimum.reduce(raw)), int(np.maximum.reduce(raw))
        if low < 0:
            return None, _bad(name, raw, raw < 0, NEGATIVE_HINT)
        if high >= EXACT_LIMIT:
            return None, None
        n = raw if raw.dtype == np.int64 else raw.astype(np.int64)
        return Vec(n=n, d=1, undef=None, may_nan=False, bound_n=high, bound_d=1), None
    values = raw.astype(np.float64, copy=False)
    low_f, high_f = float(np.fmin.reduce(values)), float(np.fmax.reduce(values))
    if np.isinf(low_f) or np.isinf(high_f):
        return None, _bad(name, raw, np.isinf(values), NON_FINITE_HINT)
    if low_f < 0:
        return None, _bad(name, raw, values < 0, NEGATIVE_HINT)
    may_nan = bool(np.isnan(low_f)) or bool(np.isnan(values).any())
    if np.isnan(high_f):  # every row is missing
        return Vec(n=values, d=1, undef=None, may_nan=True, bound_n=0, bound_d=1), None
    if high_f >= EXACT_LIMIT:
        return None, None
    # Whole numbers: no fractional part, NaN aside (fmax skips NaN; not every row is NaN
    # here, and no value is negative). Three passes, where array_equal took about six.
    fractions = np.trunc(values)
    np.subtract(values, fractions, out=fractions)
    if not np.fmax.reduce(fractions):
        bound = int(high_f)
        return Vec(n=values, d=1, undef=None, may_nan=may_nan, bound_n=bound, bound_d=1), None
    for decimals in range(1, MAX_DECIMALS + 1):
        scale = 10**decimals
        if high_f * scale >= DECIMAL_LIMIT:
            break
        scaled = np.round(values * scale)
        if np.array_equal(scaled / scale, values, equal_nan=True):
            bound = int(np.fmax.reduce(scaled))
            return Vec(
                n=scaled, d=scale, undef=None, may_nan=may_nan, bound_n=bound, bound_d=scale
            ), None
    return None, None


def plain_number(value: object) -> bool:
    """Whether a value read from the data has an exact float64 form the programs can use."""
    if value is None:
        return True
    if type(value) is int:  # a whole number handed over as an int (Column.scalar)
        return abs(value) < EXACT_LIMIT
    number = value if isinstance(value, Fraction) else Fraction(repr(float(value)))  # type: ignore[arg-type]
    # On the integers themselves: Fraction's abs and comparisons cost ten times more.
    numerator, denominator = abs(number.numerator), number.denominator
    if denominator == 1:
        return numerator < EXACT_LIMIT
    return _SCALE % denominator == 0 and numerator * (_SCALE // denominator) < DECIMAL_LIMIT


_SCALE: Final = 10**MAX_DECIMALS


def _objects(
    name: str, raw: npt.NDArray[Any], spec: InputSpec | None = None
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_], DataError | None]:
    """Check a column of Python objects one value at a time (the scalar rules).

    A pint quantity among them is converted to the input's unit, as scalar evaluate does.
    Returns the converted values, the rows whose value is plain (:func:`plain_number`)
    and the column's problem.
    """
    converted = np.empty(raw.shape, dtype=object)
    plain = np.ones(raw.shape, dtype=bool)
    first: tuple[int, DataError] | None = None
    bad_rows = 0
    for row, value in enumerate(raw.tolist()):
        # The usual value, a non-negative int in range, as the scalar evaluator reads it
        # (without convert_value's checks, which it passes).
        if type(value) is int and 0 <= value < NUMBER_BOUND:
            converted[row] = exact(value, 1)
            if value >= EXACT_LIMIT:
                plain[row] = False
            continue
        result = convert_value(name, value)
        if isinstance(result, DataError) and spec is not None and is_quantity(value):
            result = from_quantity(spec, value)
        if isinstance(result, DataError):
            bad_rows += 1
            first = first or (row, result)
            continue
        converted[row] = result
        if result is not None and not plain_number(result):
            plain[row] = False
    if first is None:
        return converted, plain, None
    row, error = first
    problem = DataError(name, error.value, error.rule, with_rows(error.hint, row, bad_rows))
    return converted, plain, problem


def _from_fractions(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A float64 array for a column of Fractions that are all exact float integers.

    Otherwise the objects are kept (and evaluated exactly, by the scalar fallback): an
    integer beyond 2**53 has no exact float, and one beyond ~1.8e308 has none at all.
    """
    present = [v for v in values if v is not None]
    if all(
        isinstance(v, Fraction) and v.denominator == 1 and abs(v) <= EXACT_LIMIT for v in present
    ):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return values


def _is_counts(values: object) -> TypeGuard[npt.NDArray[np.int64]]:
    """The usual column: a non-empty 1-D int64 numpy array."""
    return bool(
        type(values) is np.ndarray and values.dtype == np.int64 and values.ndim == 1 and values.size
    )


def _small_bounds(mapping: Mapping[str, object]) -> dict[str, tuple[int, int]]:
    """Minimum and maximum of every short int64 column at once (three numpy calls).

    Below a few thousand rows the cost of checking a column is the call, not the pass;
    stacking the short columns turns two calls per column into three in all.
    """
    counts = {name: values for name, values in mapping.items() if _is_counts(values)}
    if len(counts) < 4:
        return {}
    lengths = {len(values) for values in counts.values()}
    if len(lengths) != 1 or lengths.pop() > _STACK_ROWS:
        return {}
    names = list(counts)
    stacked = np.stack(list(counts.values()))
    lows, highs = stacked.min(axis=1).tolist(), stacked.max(axis=1).tolist()
    return {name: (low, high) for name, low, high in zip(names, lows, highs, strict=True)}


_STACK_ROWS: Final = 4096


def _column(
    name: str,
    values: object,
    bounds: tuple[int, int] | None = None,
    *,
    own: bool = True,
    spec: InputSpec | None = None,
) -> tuple[Column | None, DataError | None]:
    if _is_counts(values):
        # The usual column (counts as int64): the checks of _numeric, without the detours.
        high = (bounds[1] if bounds[0] >= 0 else None) if bounds else count_bound(values)
        if high is not None and high < EXACT_LIMIT:
            # A copy (one memcpy): results must not share memory with the caller's array.
            kept = buffers.copied(values) if own else values
            counts = Vec(n=kept, d=1, undef=None, may_nan=False, bound_n=high, bound_d=1)
            return Column(name=name, vec=counts, raw=kept), None
    raw = to_array(values)
    if raw.ndim != 1:
        shape = tr("an array of shape {shape}", shape=raw.shape)
        return None, DataError(name, shape, tr("a 1-D column"))
    if raw.dtype.kind == "V":  # a structured array: scalar refuses its np.void rows too
        hint = tr(
            "column {name!r} is a structured array ({dtype}); pass one field, e.g. "
            "array[{field!r}]",
            name=name,
            dtype=raw.dtype,
            field=(raw.dtype.names or ("field",))[0],
        )
        return None, _bad(name, raw, np.ones(raw.shape, dtype=bool), hint)
    if raw.dtype.kind in _NOT_NUMBERS:
        hint = tr(
            "column {name!r} holds {what} ({dtype}), not counts; convert it first",
            name=name,
            what=_not_numbers()[raw.dtype.kind],
            dtype=raw.dtype,
        )
        return None, _bad(name, raw, np.ones(raw.shape, dtype=bool), hint)
    if raw.dtype == object:
        converted, plain, problem = _objects(name, raw, spec)
        if problem is not None:
            return None, problem
        whole = _from_fractions(converted)
        if whole.dtype == object or (whole.size and np.fmax.reduce(whole) >= EXACT_LIMIT):
            return Column(name=name, vec=None, raw=converted, given=raw, plain=plain), None
        raw = whole
    vec, problem = _numeric(name, raw)
    if problem is not None:
        return None, problem
    return Column(name=name, vec=vec, raw=raw), None


def _vector_breaks(constraint: Constraint, vec: Vec) -> Any:  # noqa: ANN401 - numpy
    """Rows of an exact vector that break a constraint (None: no row can)."""
    if constraint.kind == "whole":
        return np.mod(vec.n, vec.d) != 0 if vec.d != 1 else None
    bound = constraint.bound
    assert bound is not None  # noqa: S101 - set for min and max
    if constraint.kind == "min":
        return vec.n * bound.denominator < bound.numerator * vec.d
    return vec.n * bound.denominator > bound.numerator * vec.d


def _outside(spec: InputSpec, column: Column) -> tuple[npt.NDArray[np.bool_], str] | None:
    """Rows that break the input's kind or bounds (the constraints of :mod:`.values`)."""
    vec = column.vec
    rules = constraints(spec)
    exact_ok = vec is not None and isinstance(vec.d, int)
    for constraint in rules:
        bound = constraint.bound
        if exact_ok and bound is not None and vec is not None:
            exact_ok = max(vec.bound_n * bound.denominator, bound.numerator * vec.bound_d) < (
                EXACT_LIMIT
            )
    for constraint in rules:
        if exact_ok and vec is not None:
            with np.errstate(invalid="ignore"):
                bad = _vector_breaks(constraint, vec)
            if bad is None:
                continue
            bad = np.broadcast_to(bad, (len(column.raw),))
        else:
            bad = np.array(
                [isinstance(x, Fraction) and constraint.breaks(x) for x in _exact_values(column)],
                dtype=bool,
            )
        if bad.any():
            return bad, constraint.rule
    return None


def _exact_values(column: Column) -> list[Fraction | None]:
    """Every row's value as an exact number (None where missing), converted once.

    A column of objects holds the values :func:`_objects` converted already; a numeric
    one is converted here, by the scalar rules (a float is the decimal it prints as).
    """
    if column.raw.dtype == object:
        return column.raw.tolist()  # type: ignore[no-any-return]  # Fractions and None
    found = []
    for row in range(len(column.raw)):
        value = convert_value(column.name, column.scalar(row))
        found.append(value if isinstance(value, Fraction) else None)
    return found


def _constrain(spec: InputSpec, column: Column) -> DataError | None:
    if (
        spec.minimum is None
        and spec.maximum is None
        and (spec.kind is not InputKind.COUNT or (column.vec is not None and column.vec.d == 1))
    ):
        return None  # no bounds, and whole numbers (or not a count): nothing can fail
    found = _outside(spec, column)
    if found is None:
        return None
    bad, rule = found
    rows = np.flatnonzero(bad)
    value = (column.raw if column.given is None else column.given)[int(rows[0])]
    value = value.item() if isinstance(value, np.generic) else value
    return DataError(spec.name, value, rule, with_rows("", int(rows[0]), len(rows)))


def _constant(name: str, value: Fraction | None, rows: int) -> Column:
    raw = np.full(rows, np.nan if value is None else float(value))
    if value is None:
        vec = Vec(n=raw, d=1, undef=None, may_nan=True, bound_n=0, bound_d=1)
        return Column(name=name, vec=vec, raw=raw)
    objects = np.full(rows, value, dtype=object)
    return Column(name=name, vec=constant_vec(value), raw=objects)


def read_table(
    rule_set: RuleSet,
    data: object,
    *,
    keys: Sequence[str] = (),
    allow_unknown: bool = False,
    own: bool = True,
) -> Table:
    """Check a batch of data against a rule set's inputs; convert it to exact columns.

    With ``own`` False, int64 columns may stay the caller's arrays (read, never
    written): for callers whose outputs are new arrays anyway (aggregation).

    Raises:
        DataInvalid: every bad column (bad values, unknown names, wrong lengths) at once.
    """
    mapping = to_mapping(data)
    problems: list[DataError] = []
    columns: dict[str, Column] = {}
    carried: dict[str, npt.NDArray[Any]] = {}
    lengths: dict[str, int] = {}
    problems.extend(
        DataError(key, None, tr("a key column of the data"), tr("it is absent"))
        for key in keys
        if key not in mapping
    )
    problems.extend(_misaligned(mapping))
    bounds = _small_bounds(mapping)
    for raw_name, values in mapping.items():
        name = str(raw_name)
        if name in keys:
            # Carried unchecked: a numpy array keeps its dtype (no copy into objects), but is
            # copied, so that results own their data.
            carried[name] = values.copy() if isinstance(values, np.ndarray) else to_array(values)
            lengths[name] = len(carried[name])
            continue
        if name not in rule_set.inputs:
            if not allow_unknown:
                problems.append(
                    DataError(
                        name,
                        tr("<column>"),
                        tr("a declared input of rule set {rule_set!r}", rule_set=rule_set.id),
                        tr(
                            "{suggestion}; pass allow_unknown=True to ignore extra columns, "
                            "or keys=[...] to carry them into the result",
                            suggestion=suggest(name, rule_set.inputs),
                        ),
                    )
                )
            continue
        column_values = values
        if is_quantity(values):
            column_values, problem = _quantity_column(rule_set.inputs[name], values)
            if problem is not None:
                problems.append(problem)
                continue
        column, problem = _column(
            name, column_values, bounds.get(name), own=own, spec=rule_set.inputs[name]
        )
        if column is not None and problem is None:
            problem = _constrain(rule_set.inputs[name], column)
        if problem is not None:
            problems.append(problem)
        elif column is not None:
            columns[name] = column
            lengths[name] = len(column.raw)
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n}: {length}" for n, length in lengths.items())
        problems.append(
            DataError("<data>", shown, tr("columns of one length"), tr("lengths differ"))
        )
    if problems:
        raise bad_values(rule_set.id, problems)
    rows = next(iter(lengths.values()), 0)
    for name, spec in rule_set.inputs.items():
        if name not in columns:
            columns[name] = _constant(name, spec.default, rows)
        elif spec.default is not None and columns[name].vec is not None:
            columns[name] = _with_default(columns[name], spec.default)
    return Table(rows=rows, columns=columns, keys=carried)


def aligned(mapping: Mapping[str, object]) -> bool:
    """Whether the pandas Series among the columns have equal indexes (see :func:`_misaligned`)."""
    return not _misaligned(mapping)


def _misaligned(mapping: Mapping[str, object]) -> list[DataError]:
    """Find pandas Series whose indexes disagree: pairing them by position would mis-pair rows.

    pandas aligns Series by their index labels; spmkit pairs the rows of columns by
    position. Series of one DataFrame share an index; separate Series must have equal
    indexes (the same labels in the same order), or be aligned first.
    """
    first: tuple[str, Any] | None = None
    problems: list[DataError] = []
    for name, values in mapping.items():
        if _module(values) != "pandas" or not hasattr(values, "index"):
            continue
        index: Any = values.index
        if first is None:
            first = (str(name), index)
        elif not index.equals(first[1]):
            problems.append(
                DataError(
                    str(name),
                    tr("<column>"),
                    tr("a Series with the index of column {other!r}", other=first[0]),
                    tr(
                        "its index labels differ from those of {other!r} (rows are paired by "
                        "position); align them first, e.g. pandas.concat(columns, axis=1)",
                        other=first[0],
                    ),
                )
            )
    return problems


def _quantity_column(spec: InputSpec, values: Any) -> tuple[Any, DataError | None]:  # noqa: ANN401 - pint
    """A pint quantity column in the input's unit, converted exactly as the scalar code does."""
    from spmkit._rulesets.units import factor_from  # noqa: PLC0415 - pint only for quantities

    rule = quantity_rule(spec.unit)
    try:
        factor = factor_from(values, spec.unit)
    except UnknownUnitError as exc:
        return None, DataError(spec.name, str(values.units), rule, exc.message)
    if factor is None:
        hint = unconvertible_hint(values.units, spec.unit)
        return None, DataError(spec.name, str(values.units), rule, hint)
    magnitudes = to_array(values.magnitude)
    if magnitudes.ndim != 1:
        return magnitudes, None  # refused by _column, as any array of that shape
    converted = np.empty(magnitudes.shape, dtype=object)
    for row, magnitude in enumerate(magnitudes):
        if isinstance(magnitude, float | np.floating) and math.isnan(magnitude):
            converted[row] = None  # NaN marks a missing row, as in any float column
            continue
        number = convert_value(spec.name, magnitude)
        converted[row] = number * factor if isinstance(number, Fraction) else magnitude
    return converted, None


def _with_default(column: Column, default: Fraction) -> Column:
    """Fill the missing rows of an optional input with its default, as the scalar code does.

    The raw values keep None there: the scalar fallback applies the default itself.
    """
    vec = column.vec
    if vec is None or not vec.may_nan or not isinstance(vec.d, int):
        return column
    gaps = np.isnan(vec.n)
    if not gaps.any():
        return column
    scaled = default * vec.d
    if scaled.denominator != 1:
        return Column(name=column.name, vec=None, raw=column.raw)
    filled = Vec(
        n=np.where(gaps, float(scaled), vec.n),
        d=vec.d,
        undef=None,
        may_nan=False,
        bound_n=max(vec.bound_n, int(scaled)),
        bound_d=vec.bound_d,
    )
    return Column(name=column.name, vec=filled, raw=column.raw)
