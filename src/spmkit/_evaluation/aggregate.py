"""Aggregate input counts up a hierarchy (village -> puskesmas -> regency, month -> year).

An indicator of a regency is the ratio of the regency's sums, never the average of its
villages' percentages: aggregate the *inputs*, then evaluate. How an input aggregates is
declared in the rule set (``aggregate:`` on the input, see docs/batch.md): across places
and strata every input adds up, except a rate declared ``same`` (a prevalence: a
dimensionless unit), which must agree and is kept; across the periods of one place,
counts of events add up while estimates of the whole period (``same``, ``last``, ...) do
not.

A group that lacks a value of an input (any row missing) has that input missing: more
data could change the answer, so nothing is assumed. Sums are exact (integers, or
decimals as integers over a power of ten); where that cannot be guaranteed in float64
the group is summed with Python integers and Fractions instead.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from spmkit._arguments import require_flag
from spmkit._evaluation.columns import Column, read_table, to_array, to_mapping
from spmkit._evaluation.compile import EXACT_LIMIT
from spmkit._evaluation.kernel import jit_cached, use_compiled
from spmkit._evaluation.values import DECIMAL_LIMIT, convert_value
from spmkit._limits import NUMBER_BOUND
from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._rulesets.units import parse_unit
from spmkit._translation import Bilingual, both_notations, joined, tr
from spmkit.errors import DataError, DataInvalid, UsageError

__all__ = ["aggregate", "stratify"]


def _codes(key: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """Each row's rank among the sorted distinct keys, and those keys (``np.unique``'s).

    Integer keys in a compact range are counted (no sort of the rows); text keys are
    numbered by a dict in one pass and only the distinct ones are sorted.
    """
    if key.dtype.kind in "iu" and key.size:
        low, high = int(np.minimum.reduce(key)), int(np.maximum.reduce(key))
        if high - low <= 4 * key.size + 1024:
            shifted = (key - low).astype(np.intp, copy=False)
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            rank = np.cumsum(present, dtype=np.intp) - 1
            return rank[shifted], (np.flatnonzero(present) + low).astype(key.dtype)
    if key.dtype.kind == "U" and key.size:
        found = _hashed(key)
        if found is not None:
            return found
    if key.dtype.kind in "OU" and key.size:
        index: dict[Any, int] = {}
        numbers = np.fromiter(
            (index.setdefault(k, len(index)) for k in key.tolist()), np.intp, len(key)
        )
        distinct = list(index)
        try:
            order = sorted(range(len(distinct)), key=distinct.__getitem__)
        except TypeError:  # keys of mixed types: np.unique decides (or refuses) as before
            order = None
        if order is not None:
            rank = np.empty(len(order), dtype=np.intp)
            rank[order] = np.arange(len(order))
            return rank[numbers], np.array([distinct[i] for i in order], dtype=key.dtype)
    unique, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1), unique


def _hashed(key: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]] | None:
    """``_codes`` of fixed-width text: group by a hash of the characters, then verify.

    Sorting one integer per row is much faster than sorting text; every row is then
    compared with its group's first row, so a hash collision is caught (None: the
    caller numbers the keys another way).
    """
    words = np.ascontiguousarray(key).view(np.uint32).reshape(len(key), -1)
    if use_compiled(len(key)):  # a hash table of the characters themselves: no sort, no collision
        numbers, first = _compiled_factorize()(words)
        distinct = key[first]
    else:
        hashed = np.zeros(len(key), dtype=np.uint64)
        for column in words.T:
            hashed *= np.uint64(1_000_003)
            hashed ^= column
        _unique, first, numbers = np.unique(hashed, return_index=True, return_inverse=True)
        numbers = numbers.reshape(-1)
        distinct = key[first]
        if not np.array_equal(distinct[numbers], key):
            return None
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[numbers], distinct[order]


def _group_index(
    keys: Sequence[npt.NDArray[Any]], rows: int
) -> tuple[npt.NDArray[np.intp], list[npt.NDArray[Any]]]:
    """Number the distinct key combinations; return each row's group and each group's keys."""
    if not keys:
        return np.zeros(rows, dtype=np.intp), []
    uniques, codes = [], []
    for key in keys:
        code, unique = _codes(key)
        uniques.append(unique)
        codes.append(code)
    if len(keys) == 1:
        return codes[0], uniques
    combined = np.ravel_multi_index(codes, [len(u) for u in uniques])
    groups, group = np.unique(combined, return_inverse=True)
    positions = np.unravel_index(groups, [len(u) for u in uniques])
    return group.reshape(-1), [u[p] for u, p in zip(uniques, positions, strict=True)]


def _sum_by_group(
    column: Column, group: npt.NDArray[np.intp], sizes: npt.NDArray[np.intp]
) -> npt.NDArray[Any] | None:
    """The sums of one column per group in one pass (no sort), or None to sum exactly.

    ``np.bincount`` adds float64 weights: exact while every group's sum stays below
    2**50 (the column's bound times the largest group); NaN makes the group's sum NaN.
    """
    vec = column.vec
    largest = int(np.maximum.reduce(sizes)) if len(sizes) else 0
    if vec is None or not isinstance(vec.d, int) or vec.bound_n * max(largest, 1) >= DECIMAL_LIMIT:
        return None
    values = np.broadcast_to(np.asarray(vec.n), (len(column.raw),))
    if values.dtype == np.int64 and use_compiled(len(values)):  # int64 sums, exact below 2**50 too
        return _compiled_sums()(values, group, len(sizes))  # type: ignore[no-any-return]
    totals = np.bincount(group, weights=values, minlength=len(sizes))
    if vec.d == 1:
        return totals.astype(values.dtype) if values.dtype.kind in "iu" else totals
    return np.asarray(totals / vec.d)


@functools.cache
def _compiled_factorize() -> Any:  # noqa: ANN401 - a compiled function
    """Number the distinct rows of a 2-D uint32 array (text as its characters).

    Returns each row's number (in order of first appearance) and each number's first row.

    Open addressing on a hash of the row, every candidate compared word by word, so
    equal numbers mean equal rows; the table doubles when half full.
    """

    @jit_cached(nogil=True)
    def factorize(words):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        rows, width = words.shape
        codes = np.empty(rows, dtype=np.intp)
        first = np.empty(rows, dtype=np.intp)
        hashes = np.empty(rows, dtype=np.uint64)
        slots = np.full(1024, -1, dtype=np.intp)  # a code, or -1 for a free slot
        count = 0
        spread = np.uint64(0x9E3779B97F4A7C15)
        for row in range(rows):
            value = np.uint64(width)
            for column in range(width):
                value = (value ^ np.uint64(words[row, column])) * spread
            hashes[row] = value
            if 2 * count >= len(slots):
                slots = np.full(2 * len(slots), -1, dtype=np.intp)
                for code in range(count):
                    at = np.intp(hashes[first[code]] >> np.uint64(40)) & (len(slots) - 1)
                    while slots[at] >= 0:
                        at = (at + 1) & (len(slots) - 1)
                    slots[at] = code
            at = np.intp(value >> np.uint64(40)) & (len(slots) - 1)
            while True:
                code = slots[at]
                if code < 0:
                    slots[at] = count
                    first[count] = row
                    codes[row] = count
                    count += 1
                    break
                other = first[code]
                same = hashes[other] == value
                column = 0
                while same and column < width:
                    same = words[other, column] == words[row, column]
                    column += 1
                if same:
                    codes[row] = code
                    break
                at = (at + 1) & (len(slots) - 1)
        return codes, first[:count].copy()

    return factorize


@functools.cache
def _compiled_sums() -> Any:  # noqa: ANN401 - a compiled function
    """The sums of an int64 column per group, in int64 (one pass; no float rounding)."""

    @jit_cached(nogil=True)
    def sums(values, group, groups):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        totals = np.zeros(groups, dtype=np.int64)
        for row in range(len(values)):
            totals[group[row]] += values[row]
        return totals

    return sums


def _exact_values(column: Column) -> list[Fraction | None]:
    """The column's values as the scalar evaluator reads them (for the exact path)."""
    values: list[Fraction | None] = []
    for row in range(len(column.raw)):
        converted = convert_value(column.name, column.scalar(row))
        values.append(converted if isinstance(converted, Fraction) else None)
    return values


def _reduce_exact(
    how: str, values: list[Fraction | None], starts: npt.NDArray[np.intp]
) -> npt.NDArray[Any]:
    ends = [*starts[1:].tolist(), len(values)]
    out = np.empty(len(starts), dtype=object)
    for index, (start, end) in enumerate(zip(starts.tolist(), ends, strict=True)):
        group = values[start:end]
        if how in {"first", "last"}:
            out[index] = group[0] if how == "first" else group[-1]
            continue
        present = [v for v in group if v is not None]
        if len(present) < len(group):
            out[index] = None
        elif how == "sum":
            out[index] = sum(present, Fraction(0))
        elif how == "max":
            out[index] = max(present)
        elif how == "min":
            out[index] = min(present)
        else:
            out[index] = present[0] if len(set(present)) == 1 else _Conflict(present)
    return out


class _Conflict:
    """Values of a ``same`` input that disagree within one group."""

    def __init__(self, values: Sequence[object]) -> None:
        self.values = values


def _reduce(
    column: Column, how: str, order: npt.NDArray[np.intp], starts: npt.NDArray[np.intp]
) -> npt.NDArray[Any]:
    """Reduce one column group by group; NaN (float) or None (objects) is missing."""
    vec = column.vec
    sizes = np.diff(np.append(starts, len(order)))
    largest = int(sizes.max()) if len(sizes) else 0
    if vec is None or not isinstance(vec.d, int) or vec.bound_n * max(largest, 1) >= DECIMAL_LIMIT:
        exact = _exact_values(column)
        return _reduce_exact(how, [exact[i] for i in order.tolist()], starts)
    values = np.broadcast_to(np.asarray(vec.n), (len(column.raw),))[order]
    if how == "sum":
        totals = np.add.reduceat(values, starts) if len(values) else values
    elif how == "max":
        totals = np.maximum.reduceat(values, starts)
    elif how == "min":
        totals = np.minimum.reduceat(values, starts)
    elif how == "first":
        totals = values[starts]
    elif how == "last":
        totals = values[np.append(starts[1:], len(values)) - 1]
    else:
        high, low = np.maximum.reduceat(values, starts), np.minimum.reduceat(values, starts)
        if np.any(high != low) and not np.all(np.isnan(high[high != low])):
            exact = _exact_values(column)
            return _reduce_exact(how, [exact[i] for i in order.tolist()], starts)
        totals = high
    if vec.d == 1:
        return np.asarray(totals)
    # Decimals held as integers over 10**k: below 2**50 the float prints as that decimal.
    return np.asarray(totals / vec.d)


def _conflicts(
    name: str, reduced: npt.NDArray[Any], where: Callable[[int], str]
) -> list[DataError]:
    if reduced.dtype != object:
        return []
    return [
        DataError(
            name,
            [str(v) for v in value.values],
            tr("one value for the whole period (declared 'aggregate: same')"),
            tr(
                "the periods of {where} disagree; fix the data or declare another rule",
                where=where(index),
            ),
        )
        for index, value in enumerate(reduced)
        if isinstance(value, _Conflict)
    ]


@functools.lru_cache(maxsize=256)
def _dimensionless(unit: str) -> bool:
    return not dict(parse_unit(unit).units.dimensionality.items())


def _same_everywhere(rule_set: RuleSet, name: str) -> bool:
    """Whether an input keeps one value across places too: a rate declared ``same``.

    A prevalence (unit ``1`` or percent) is one figure for the whole area: summing it over
    villages is meaningless, so villages must agree and the total keeps it. A count
    declared ``same`` (a yearly sasaran) is one value per period but adds up over places.
    """
    spec = rule_set.inputs[name]
    return spec.aggregate == "same" and _dimensionless(spec.unit)


def _stage(  # noqa: PLR0913 - one aggregation step takes every part of it
    rule_set: RuleSet,
    columns: Mapping[str, Column],
    key_arrays: Mapping[str, npt.NDArray[Any]],
    by: Sequence[str],
    period: npt.NDArray[Any] | None,
    rows: int,
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, npt.NDArray[Any]]]:
    """One aggregation: group by ``by``; periods combine by their rule, the rest sum."""
    group, group_keys = _group_index([key_arrays[k] for k in by], rows)
    out_keys = dict(zip(by, group_keys, strict=True))
    out: dict[str, npt.NDArray[Any]] = {}
    order_of_columns = list(columns)
    if period is None:  # inputs sum (rates declared `same` agree): one pass, no sort
        groups = len(group_keys[0]) if by else min(rows, 1)
        sizes = np.bincount(group, minlength=groups)
        for name, column in columns.items():
            if _same_everywhere(rule_set, name):
                continue
            summed = _sum_by_group(column, group, sizes)
            if summed is not None:
                out[name] = summed
        columns = {n: c for n, c in columns.items() if n not in out}
        if not columns:
            return out_keys, {n: out[n] for n in order_of_columns}
    if period is not None:
        _unique, period_codes = np.unique(period, return_inverse=True)
        order = np.lexsort((period_codes.reshape(-1), group))
    else:
        order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]) if rows else order

    def where(index: int) -> str:
        return ", ".join(f"{k}={out_keys[k][index]!r}" for k in by) or tr("the whole data set")

    problems: list[DataError] = []
    for name, column in columns.items():
        how = rule_set.inputs[name].aggregate
        if period is None and not _same_everywhere(rule_set, name):
            how = "sum"
        out[name] = _reduce(column, how, order, starts)
        problems.extend(_conflicts(name, out[name], where))
    if problems:
        msg = tr("data for rule set {rule_set!r} cannot be aggregated", rule_set=rule_set.id)
        raise DataInvalid(msg, problems)
    return out_keys, {n: out[n] for n in order_of_columns}


def _as_table(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Objects from the exact path back to plain numbers where that is exact."""
    if values.dtype != object:
        return values
    fractions = [v for v in values if v is not None]
    if all(v.denominator == 1 and abs(v) < EXACT_LIMIT for v in fractions):
        return np.array([np.nan if v is None else float(v) for v in values])
    return values


def aggregate(  # noqa: PLR0913 - keyword-only options of one public function
    rule_set: RuleSet | str | Path,
    data: object,
    *,
    by: Sequence[str],
    period: str | None = None,
    place: str | None = None,
    allow_unknown: bool = False,
) -> dict[str, npt.NDArray[Any]]:
    """Aggregate the inputs of a data set per group, ready for :func:`evaluate_batch`.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> villages = {"puskesmas": ["A", "A"], "bumil_k4": [1, 50], "sasaran_bumil": [1, 100]}
    >>> totals = spmkit.aggregate(rs, villages, by=["puskesmas"])
    >>> spmkit.evaluate_batch(rs, totals, keys=["puskesmas"])["I.1"].value.round(3).tolist()
    [50.495]

    51 of 101 (50.495 %), not the 75 % that averaging 100 % and 50 % would claim.

    Args:
        rule_set: the rule set whose inputs are aggregated (it declares how).
        data: columns as for :func:`evaluate_batch`, including the key columns.
        by: the key columns of the result (``["regency", "year"]``); empty for one total.
        period: a column of periods (``"month"``) when rows of one place are successive
            periods; inputs then combine by their declared ``aggregate`` rule, in period
            order. Without it, every input sums.
        place: with ``period``, the column of the places (``"village"``) whose periods
            are combined first; the places are then summed within ``by``.
        allow_unknown: ignore columns that are neither inputs nor keys.

    Returns:
        Column name -> array: the ``by`` keys (one row per group, sorted) and every input
        present in the data. NaN (or None) where a group lacks a value.

    Raises:
        DataInvalid: bad values, or periods of a ``same`` input that disagree.
        UsageError: ``by``, ``period`` or ``place`` do not name columns, or
            ``allow_unknown`` is not True or False.
    """
    require_flag(allow_unknown, "allow_unknown")
    _names("by", by)
    _name("period", period, optional=True)
    _name("place", place, optional=True)
    rule_set = rule_set if isinstance(rule_set, RuleSet) else resolve_rule_set(rule_set)
    carried = [*by, *([period] if period else []), *([place] if place else [])]
    # The columns are only read (the sums are new arrays): no copies of the caller's.
    table = read_table(rule_set, data, keys=carried, allow_unknown=allow_unknown, own=False)
    problems = [p for key in carried if (p := _key_problem(rule_set, key, table.keys[key]))]
    if problems:
        msg = tr("data for rule set {rule_set!r} have bad key columns", rule_set=rule_set.id)
        raise DataInvalid(msg, problems)
    mapping = to_mapping(data)
    present = {n: c for n, c in table.columns.items() if n in mapping}
    keys = {k: np.asarray(table.keys[k]) for k in carried}
    if period is None:
        out_keys, out = _stage(rule_set, present, keys, by, None, table.rows)
        return {**out_keys, **{n: _as_table(v) for n, v in out.items()}}
    first_by = [*by, *([place] if place else [])]
    period_keys, period_values = _stage(rule_set, present, keys, first_by, keys[period], table.rows)
    if place is None:
        return {**period_keys, **{n: _as_table(v) for n, v in period_values.items()}}
    places = {k: v for k, v in period_keys.items() if k != place}
    places.update({n: _as_table(v) for n, v in period_values.items()})
    return aggregate(rule_set, places, by=by)


def _name(what: str, value: object, *, optional: bool = False) -> None:
    """Refuse an argument that should name a column (``period="month"``) but does not."""
    if (value is None and optional) or isinstance(value, str):
        return
    msg = tr(
        "{what} must be a column name (text), got {kind}", what=what, kind=type(value).__name__
    )
    raise UsageError(msg)


def _names(what: str, value: object) -> None:
    """Refuse ``by`` that is not a sequence of column names (a bare string is refused)."""
    if isinstance(value, str):
        msg = tr(
            "{what} must be a list of column names, e.g. {what}=[{value!r}] (got a string)",
            what=what,
            value=value,
        )
        raise UsageError(msg)
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        msg = tr(
            "{what} must be a list of column names (text), got {value!r:.100}",
            what=what,
            value=value,
        )
        raise UsageError(msg)
    doubled = sorted({v for v in value if list(value).count(v) > 1})
    if doubled:
        msg = tr("{what} names the column(s) {doubled} twice", what=what, doubled=doubled)
        raise UsageError(msg)


def _key_problem(rule_set: RuleSet, key: str, values: npt.NDArray[Any]) -> DataError | None:
    """Why a key column cannot group rows: an input's name, a missing key, mixed types."""
    rule = tr("a key column: one value of one type on every row")
    if key in rule_set.inputs:
        hint = tr(
            "it is an input of the rule set, so it is summed, not grouped by; "
            "copy it to a column of another name"
        )
        return DataError(key, tr("<column>"), rule, hint)
    shape = _key_shape_problem(key, values, rule)
    if shape is not None:
        return shape
    if values.dtype != object:  # one type; only floats can be missing (NaN)
        missing = np.isnan(values) if values.dtype.kind == "f" else None
        if missing is None or not missing.any():
            return None
        row = int(np.argmax(missing))
        return DataError(key, values[row], rule, _missing_key(row))
    found = set(map(type, values.tolist()))
    if len(found) == 1 and not issubclass(found.pop(), float | np.generic | type(None)):
        return None  # one plain type (text, int), none missing: nothing to look for
    kinds: dict[type, int] = {}
    for row, value in enumerate(values):
        if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
            return DataError(key, value, rule, _missing_key(row))
        kinds.setdefault(type(value.item() if isinstance(value, np.generic) else value), row)
    if len(kinds) > 1:
        shown = joined(
            ", ", (tr("{kind} (row {row})", kind=k.__name__, row=r) for k, r in kinds.items())
        )
        return DataError(key, tr("<column>"), rule, tr("the keys mix types: {shown}", shown=shown))
    return None


_KEY_TYPES: Final = (str, int, float, bytes, dt.date, np.str_, np.integer, np.floating, np.bool_)
"""Values a key column may hold: hashable, ordered among themselves, shown in messages."""


def _key_shape_problem(key: str, values: npt.NDArray[Any], rule: Bilingual) -> DataError | None:
    """A key column that is not 1-D, or holds values that cannot be grouped and sorted."""
    if values.ndim != 1:
        shape = tr("an array of shape {shape}", shape=values.shape)
        return DataError(key, shape, tr("a 1-D column"))
    if values.dtype.kind == "c":
        return DataError(key, tr("<column>"), rule, tr("complex numbers cannot be keys"))
    if values.dtype != object:
        return None
    for row, value in enumerate(values):
        bad = not isinstance(value, _KEY_TYPES) and value is not None
        bad = bad or (isinstance(value, int) and not -NUMBER_BOUND < value < NUMBER_BOUND)
        if bad:
            hint = tr(
                "row {row} holds a {kind}; keys are text, numbers or dates",
                row=row,
                kind=type(value).__name__,
            )
            return DataError(key, tr("<column>"), rule, hint)
    return None


def _missing_key(row: int) -> Bilingual:
    return tr("a key is missing at row {row}; every row needs one", row=row)


def stratify(
    rule_set: RuleSet | str | Path,
    data: object,
    *,
    stratum: str,
    by: Sequence[str] = (),
    total: object = "total",
) -> dict[str, npt.NDArray[Any]]:
    """Per-stratum rows and a total row per group; reported totals must equal the sums.

    Rows whose ``stratum`` is ``total`` are totals reported with the data (a table with
    laki-laki, perempuan and jumlah); every input of such a row must equal the sum of its
    strata, or :class:`~spmkit.errors.DataInvalid` names each disagreement. The total
    rows of the result are the sums of the strata.

    Returns:
        Columns for :func:`evaluate_batch` with ``keys=[*by, stratum]``: the strata of
        every group, then the totals (``stratum`` equal to ``total``).
    """
    _name("stratum", stratum)
    _names("by", by)
    try:
        hash(total)
    except TypeError:
        msg = tr("total must be a label such as 'total' (got {kind})", kind=type(total).__name__)
        raise UsageError(msg) from None
    rule_set = rule_set if isinstance(rule_set, RuleSet) else resolve_rule_set(rule_set)
    mapping = to_mapping(data)
    missing = [name for name in (stratum, *by) if name not in mapping]
    if missing:
        problems = [
            DataError(name, None, tr("a column of the data"), tr("it is absent"))
            for name in missing
        ]
        msg = tr("data for rule set {rule_set!r} lack key columns", rule_set=rule_set.id)
        raise DataInvalid(msg, problems)
    lengths = {name: len(to_array(values)) for name, values in mapping.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n}: {length}" for n, length in lengths.items())
        problem = DataError("<data>", shown, tr("columns of one length"), tr("lengths differ"))
        raise DataInvalid(tr("data for rule set {rule_set!r}", rule_set=rule_set.id), [problem])
    labels = to_array(mapping[stratum])
    shape = _key_shape_problem(
        stratum, labels, tr("a key column: one value of one type on every row")
    )
    if shape is not None:
        raise DataInvalid(tr("data for rule set {rule_set!r}", rule_set=rule_set.id), [shape])
    is_total = np.array([label == total for label in labels], dtype=bool)
    strata = {name: to_array(values)[~is_total] for name, values in mapping.items()}
    reported = {name: to_array(values)[is_total] for name, values in mapping.items()}
    per_stratum = aggregate(rule_set, strata, by=[*by, stratum])
    sums = aggregate(rule_set, {k: v for k, v in strata.items() if k != stratum}, by=by)
    if is_total.any():
        given = aggregate(rule_set, {k: v for k, v in reported.items() if k != stratum}, by=by)
        problems = _compare_totals(sums, given, by)
        if problems:
            msg = tr(
                "data for rule set {rule_set!r}: strata do not add up to their totals",
                rule_set=rule_set.id,
            )
            raise DataInvalid(msg, problems)
    rows = len(next(iter(sums.values()))) if sums else 0
    sums[stratum] = np.array([total] * rows, dtype=object)
    return {
        name: np.concatenate(
            [np.asarray(per_stratum[name], dtype=object), np.asarray(sums[name], dtype=object)]
        )
        if per_stratum[name].dtype == object or sums[name].dtype == object
        else np.concatenate([per_stratum[name], sums[name]])
        for name in per_stratum
    }


def _compare_totals(
    sums: Mapping[str, npt.NDArray[Any]], given: Mapping[str, npt.NDArray[Any]], by: Sequence[str]
) -> list[DataError]:
    problems = []
    index = {tuple(given[k][i] for k in by): i for i in range(len(next(iter(given.values()))))}
    for row in range(len(next(iter(sums.values())))):
        group = tuple(sums[k][row] for k in by)
        other = index.get(group)
        if other is None:
            continue
        for name, values in sums.items():
            if name in by or name not in given:
                continue
            computed, reported = values[row], given[name][other]
            if _present(computed) and _present(reported) and computed != reported:
                place = ", ".join(f"{k}={v!r}" for k, v in zip(by, group, strict=True))
                problems.append(
                    DataError(
                        name,
                        _plain(reported),
                        tr(
                            "the sum of its strata ({sum})",
                            sum=both_notations(str(_plain(computed))),
                        ),
                        tr(
                            "the reported total of {place} disagrees",
                            place=place or tr("the data set"),
                        ),
                    )
                )
    return problems


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
