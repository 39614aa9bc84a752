"""The fast path of batch evaluation: plain ratios of numpy columns, planned once per shape.

Most calls of :func:`~spmkit._evaluation.batch.evaluate_batch` are the same shape again
and again: the same rule set, a dict of int64 or float64 numpy columns with the same
names, every indicator ``input / input``. For that shape a :class:`Plan` is made once
(cached by the compiled rule set, keyed on the names and dtypes of the data) and each
call then costs a few block copies and three kernel calls, however many columns and
indicators there are:

1. :meth:`Plan.load` copies the columns into two blocks (int64 and float64 rows; the
   results own their data) and checks, from one pass of :func:`stats_kernel` per block,
   everything :mod:`spmkit._evaluation.columns` would check: no negative value, no
   infinity, whole numbers (a float column of decimals is not for this path), every
   input's ``min``/``max``, and bounds small enough for exact arithmetic;
2. :func:`ratios_kernel` fills every indicator's outputs in one call.

Whenever the data are not of that shape, or a check fails, the plan says so (None) and
the general path runs instead: it gives the same arrays, and it is the one that words
the errors. The fast path never refuses data itself, so both agree by construction on
what is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._evaluation.compile import EXACT_LIMIT
from spmkit._evaluation.kernel import stats_kernel, use_compiled
from spmkit._language.expr import Input
from spmkit._rulesets.model import RuleSet

__all__ = ["FAST_BYTES", "Plan", "Terms", "make_plan"]

_INT: Final = np.dtype(np.int64)
_FLOAT: Final = np.dtype(np.float64)
_WIDEST: Final = EXACT_LIMIT - 1

FAST_BYTES: Final = 4 * 2**20
"""Largest input block of the fast path. Above it the fixed cost no longer matters, and
one large block per call would fault in fresh pages each time (see kernel.Blocks),
where column-sized copies are reused from the heap: 100,000 rows of 40 columns ran
1.3x slower on the fast path than on the general one."""


@attrs.frozen(kw_only=True, eq=False)
class Terms:
    """Where one indicator's numerator and denominator are: (is a float row, row)."""

    numerator: tuple[bool, int]
    denominator: tuple[bool, int]


@attrs.frozen(kw_only=True, eq=False)
class Plan:
    """How to evaluate data of one shape (column names and dtypes) on the fast path.

    Attributes:
        ints, floats: the data columns copied into the int64 and float64 blocks, by row.
        absent: float rows of inputs absent from the data (all missing).
        keys: the key columns carried into the result.
        which, consts: the arguments of :func:`ratios_kernel`, one row per indicator
            in the rule set's order.
        terms: each indicator's terms, by id (for its numerator and denominator arrays).
        safe: the largest column maximum for which every indicator's products stay exact.
        bounded: inputs with ``min``/``max``: (is a float row, row, minimum, maximum).
    """

    ints: tuple[str, ...]
    floats: tuple[str, ...]
    absent: int
    keys: tuple[str, ...]
    which: npt.NDArray[np.int64]
    consts: npt.NDArray[np.float64]
    terms: Mapping[str, Terms]
    safe: int
    bounded: tuple[tuple[bool, int, Fraction | None, Fraction | None], ...]

    def load(
        self, data: Mapping[str, Any], rows: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """Copy the data into blocks and check them; None where the general path must run.

        None when a column is not a 1-D numpy array of ``rows`` rows, or when a value
        would be refused, need decimals or exceed the exact bounds.
        """
        if (len(self.ints) + len(self.floats) + self.absent) * rows * 8 > FAST_BYTES:
            return None  # large data: the per-call cost is small, see FAST_BYTES
        ints = np.empty((len(self.ints), rows), dtype=np.int64)
        floats = np.empty((len(self.floats) + self.absent, rows))
        for block, names in ((ints, self.ints), (floats, self.floats)):
            for row, name in enumerate(names):
                values = data[name]
                if type(values) is not np.ndarray or values.shape != (rows,):
                    return None
                block[row] = values
        if self.absent:
            floats[len(self.floats) :] = np.nan
        if use_compiled():  # numba: minimum and maximum of every column in one pass
            int_stats, float_stats = stats_kernel(ints, floats)
            high = 0
            if len(ints):
                lows, highs = int_stats.T
                if lows.min() < 0:
                    return None
                high = int(highs.max())
        else:
            int_stats, float_stats = (
                _int_bounds(ints, self.bounded),
                stats_kernel(ints[:0], floats)[1],
            )
            high = 0
            if len(ints):
                # One pass for both checks, not numpy's two (minimum and maximum): the
                # bitwise or of every value has the sign bit where one is negative, and
                # is otherwise below twice the largest (the exact one where that matters).
                bits = int(np.bitwise_or.reduce(ints, axis=None))
                if bits < 0:
                    return None
                high = bits if bits <= self.safe else int(ints.max())
        for low, top, _nan, whole in float_stats.tolist():
            if top == top:  # noqa: PLR0124 - not NaN: the column has values
                if not (low >= 0 and whole and top <= self.safe):
                    return None  # negative, infinite, decimals or too large
                high = max(high, int(top))
        if high > self.safe:
            return None
        for is_float, row, minimum, maximum in self.bounded:
            low, top = (float_stats if is_float else int_stats)[row, :2].tolist()
            if low != low:  # noqa: PLR0124 - every row is missing: nothing to check
                continue
            if (minimum is not None and low < minimum) or (maximum is not None and top > maximum):
                return None
        ints.flags.writeable = False
        floats.flags.writeable = False
        return ints, floats


def _int_bounds(
    ints: npt.NDArray[np.int64],
    bounded: tuple[tuple[bool, int, Fraction | None, Fraction | None], ...],
) -> npt.NDArray[np.int64]:
    """The minimum and maximum of the int rows that have bounds (other rows: zeros)."""
    stats = np.zeros((len(ints), 2), dtype=np.int64)
    for is_float, row, _minimum, _maximum in bounded:
        if not is_float:
            stats[row] = ints[row].min(), ints[row].max()
    return stats


def make_plan(  # noqa: PLR0913 - the data's shape and the caller's options
    rule_set: RuleSet,
    consts: Mapping[str, npt.NDArray[np.float64] | None],
    names: Sequence[str],
    dtypes: Sequence[Any],
    keys: Sequence[str],
    allow_unknown: bool,
) -> Plan | None:
    """The plan of data with these column names and dtypes, or None if not for the fast path.

    ``consts`` holds each indicator's :func:`ratio_consts` (None when its target or
    factor is too large for the kernel).
    """
    if any(key not in names for key in keys):
        return None
    ints: list[str] = []
    floats: list[str] = []
    for name, dtype in zip(names, dtypes, strict=True):
        if name in keys:
            continue
        spec = rule_set.inputs.get(name)
        if spec is None:
            if allow_unknown:
                continue
            return None
        if dtype == _INT:
            ints.append(name)
        elif dtype == _FLOAT and spec.default is None:
            floats.append(name)
        else:
            return None
    where: dict[str, tuple[bool, int]] = {n: (False, row) for row, n in enumerate(ints)}
    where.update({n: (True, row) for row, n in enumerate(floats)})
    absent = 0
    which: list[list[int]] = []
    rows_consts: list[npt.NDArray[np.float64]] = []
    terms: dict[str, Terms] = {}
    safe = _WIDEST
    for indicator_id, indicator in rule_set.indicators.items():
        constants = consts[indicator_id]
        if (
            constants is None
            or indicator.bands
            or not isinstance(indicator.numerator, Input)
            or not isinstance(indicator.denominator, Input)
        ):
            return None
        parts = []
        for term in (indicator.numerator.name, indicator.denominator.name):
            if term not in where:
                if rule_set.inputs[term].default is not None:
                    return None  # a constant default: the general path
                where[term] = (True, len(floats) + absent)
                absent += 1
            parts.append(where[term])
        (n_float, n_row), (d_float, d_row) = parts
        which.append([n_float, n_row, d_float, d_row, indicator.coverage is False])
        rows_consts.append(constants)
        terms[indicator_id] = Terms(numerator=parts[0], denominator=parts[1])
        # value = n * f / (d * g) against p / q: n * f * q + d * g * p and d * g * q must
        # stay below 2**53 for every n, d up to the largest column value.
        _nd, _dd, f, g, p, q = (int(c) for c in constants[:6])
        safe = min(safe, _WIDEST // max(f * q + g * p, g * q, 1))
    bounded = tuple(
        (*where[name], spec.minimum, spec.maximum)
        for name, spec in rule_set.inputs.items()
        if name in where and (spec.minimum is not None or spec.maximum is not None)
    )
    return Plan(
        ints=tuple(ints),
        floats=tuple(floats),
        absent=absent,
        keys=tuple(keys),
        which=np.array(which, dtype=np.int64).reshape(-1, 5),
        consts=np.array(rows_consts, dtype=np.float64).reshape(-1, 9),
        terms=terms,
        safe=safe,
        bounded=bounded,
    )
