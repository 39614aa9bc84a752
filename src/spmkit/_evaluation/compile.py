"""Compile indicator expressions into numpy programs that are exact, or say they cannot be.

Every value is carried as an exact rational ``n / d``: ``n`` is an array (or a scalar) of
integer-valued numbers, ``d`` a positive integer scalar (a power of ten for decimal
data, 1 for counts) or, after a division or a reference, an array. Each operation also
carries an upper bound of ``|n|`` and ``d`` as Python integers, computed from the data's
column maxima. While every bound stays below 2**53, float64 (and int64) arithmetic on
these integers is exact, so comparisons by cross-multiplication decide ``met`` exactly,
and the one division at the end (``value = A / B``) is correctly rounded: the same float
as ``float(Fraction)`` in :mod:`spmkit._evaluation.scalar`. When a bound is exceeded, or a column
cannot be held exactly, the operation raises :class:`NeedsExact` and the caller falls
back to the scalar evaluator for that indicator.

Rows that have no value are NaN in ``n``. Missing data and undefined results (a division
by zero) are told apart by the ``undef`` mask; as in the scalar evaluator, missing wins
over undefined. This module knows nothing about data formats or results (see
:mod:`spmkit._evaluation.batch`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, TypeAlias

import attrs
import numpy as np

from spmkit._language.expr import Call, Expression, Input, Neg, Number, Ref

__all__ = [
    "EXACT_LIMIT",
    "Env",
    "NeedsExact",
    "Vec",
    "check_bounds",
    "compile_expression",
    "constant_vec",
]

EXACT_LIMIT: Final = 2**53
"""Integers below this are exact in float64; every bound must stay below it."""

# An integer-valued float64/int64 array, or a Python scalar broadcast over the rows.
# Any, because numpy's stubs cannot follow arithmetic that mixes arrays and scalars.
Numbers: TypeAlias = Any
Mask: TypeAlias = Any
"""A boolean array over the rows (Any for the same reason)."""


class NeedsExact(Exception):  # noqa: N818 - a signal between two private modules, not an error
    """The vectorised program cannot guarantee exactness here; use the scalar evaluator."""


@attrs.frozen(kw_only=True, eq=False)
class Vec:
    """An exact rational array ``n / d`` with its bounds and its no-value rows.

    Attributes:
        n: integer-valued numerators; NaN where there is no value.
        d: positive denominators: a Python int, or an array (after a division or a ref).
        undef: rows that are undefined (not missing); None when there are none.
        may_nan: False when ``n`` is known to hold no NaN (lets complete data skip checks).
        bound_n: an upper bound of ``|n|``.
        bound_d: an upper bound of ``d``.
        nonneg: ``n`` is known to be non-negative.
    """

    n: Numbers
    d: Numbers
    undef: Mask | None
    may_nan: bool
    bound_n: int
    bound_d: int
    nonneg: bool = True

    def __attrs_post_init__(self) -> None:
        check_bounds(self.bound_n, self.bound_d)


@attrs.frozen(kw_only=True, eq=False)
class Env:
    """What a program reads: the input columns and the outcomes of earlier indicators."""

    columns: Mapping[str, Vec]
    refs: Mapping[str, Vec]


Program: TypeAlias = Callable[[Env], Vec]


def check_bounds(*bounds: int) -> None:
    """Raise :class:`NeedsExact` unless every bound is exact in float64."""
    if max(bounds) >= EXACT_LIMIT:
        raise NeedsExact


def _isnan(values: Numbers) -> Mask:
    return np.isnan(values)


def _missing(vec: Vec) -> Mask | bool:
    """Rows that are missing (no value, and not undefined)."""
    if not vec.may_nan:
        return False
    nan = _isnan(vec.n)
    return nan if vec.undef is None else nan & ~vec.undef


def _combine_undef(vecs: Sequence[Vec]) -> Mask | None:
    """Undefined rows of an operation on ``vecs``: any operand undefined, none missing."""
    undefs = [v.undef for v in vecs if v.undef is not None]
    if not undefs:
        return None
    any_undef = functools.reduce(np.logical_or, undefs)  # shapes may differ: (), (rows,)
    any_missing: Mask | bool = False
    for vec in vecs:
        any_missing = any_missing | _missing(vec)
    return any_undef & ~any_missing


def _scaled(vec: Vec, common: int) -> tuple[Numbers, int]:
    """Return ``vec.n`` over the scalar denominator ``common`` (a multiple of ``vec.d``)."""
    assert isinstance(vec.d, int)  # noqa: S101 - callers pass scalar denominators only
    factor = common // vec.d
    return (vec.n if factor == 1 else vec.n * factor), vec.bound_n * factor


def _scalar_denominators(vecs: Sequence[Vec]) -> int | None:
    if all(isinstance(v.d, int) for v in vecs):
        return math.lcm(*(int(v.d) for v in vecs))
    return None


def _add(left: Vec, right: Vec, sign: int) -> Vec:
    common = _scalar_denominators((left, right))
    if common is not None:
        ln, lb = _scaled(left, common)
        rn, rb = _scaled(right, common)
        n = ln + rn if sign > 0 else ln - rn
        d: Numbers = common
        bound_d = common
        bound_n = lb + rb
    else:
        n = left.n * right.d + right.n * left.d if sign > 0 else left.n * right.d - right.n * left.d
        d = left.d * right.d
        bound_n = left.bound_n * right.bound_d + right.bound_n * left.bound_d
        bound_d = left.bound_d * right.bound_d
    return Vec(
        n=n,
        d=d,
        undef=_combine_undef((left, right)),
        may_nan=left.may_nan or right.may_nan,
        bound_n=bound_n,
        bound_d=bound_d,
        nonneg=left.nonneg and right.nonneg and sign > 0,
    )


def _mul(left: Vec, right: Vec) -> Vec:
    d = left.d * right.d
    return Vec(
        n=left.n * right.n,
        d=int(d) if isinstance(d, int) else d,
        undef=_combine_undef((left, right)),
        may_nan=left.may_nan or right.may_nan,
        bound_n=left.bound_n * right.bound_n,
        bound_d=left.bound_d * right.bound_d,
        nonneg=left.nonneg and right.nonneg,
    )


def _div(left: Vec, right: Vec) -> Vec:
    undef = _combine_undef((left, right))
    n = left.n * right.d
    d = left.d * right.n
    if right.may_nan:  # keep "no value" in n, where everything looks for it
        n = np.where(_isnan(right.n), np.nan, n)
    if not right.nonneg:
        sign = np.sign(right.n)
        n = n * sign
        d = d * sign
    zero = np.equal(right.n, 0)
    if np.any(zero):
        by_zero = zero & ~_isnan(left.n) if left.may_nan else zero
        undef = by_zero if undef is None else undef | by_zero
        n = np.where(zero, np.nan, n)
        d = np.where(zero, 1, d)
    return Vec(
        n=n,
        d=d,
        undef=undef,
        may_nan=True,
        bound_n=left.bound_n * right.bound_d,
        bound_d=left.bound_d * right.bound_n,
        nonneg=left.nonneg and right.nonneg,
    )


def _neg(operand: Vec) -> Vec:
    return attrs.evolve(operand, n=-operand.n, nonneg=False)


def _extremum(args: Sequence[Vec], *, smallest: bool) -> Vec:
    common = _scalar_denominators(args)
    undef = _combine_undef(args)
    may_nan = any(a.may_nan for a in args)
    if common is not None:
        pick = np.minimum if smallest else np.maximum
        scaled = [_scaled(a, common) for a in args]
        n = scaled[0][0]
        for other, _bound in scaled[1:]:
            n = pick(n, other)
        return Vec(
            n=n,
            d=common,
            undef=undef,
            may_nan=may_nan,
            bound_n=max(b for _n, b in scaled),
            bound_d=common,
            nonneg=all(a.nonneg for a in args),
        )
    best = args[0]
    for other in args[1:]:
        # Cross-multiplied comparison: exact under the same bounds as an addition.
        check_bounds(best.bound_n * other.bound_d, other.bound_n * best.bound_d)
        left, right = best.n * other.d, other.n * best.d
        keep = left <= right if smallest else left >= right
        n = np.where(keep, best.n, other.n)
        if best.may_nan or other.may_nan:
            n = np.where(_isnan(best.n) | _isnan(other.n), np.nan, n)
        best = Vec(
            n=n,
            d=np.where(keep, best.d, other.d),
            undef=None,
            may_nan=best.may_nan or other.may_nan,
            bound_n=max(best.bound_n, other.bound_n),
            bound_d=max(best.bound_d, other.bound_d),
            nonneg=best.nonneg and other.nonneg,
        )
    return attrs.evolve(best, undef=undef)


def _coalesce(args: Sequence[Vec]) -> Vec:
    if not args[0].may_nan:
        return args[0]
    common = _scalar_denominators(args)
    if common is not None:
        scaled = [_scaled(a, common) for a in args]
        n, bound_n = scaled[0]
        d: Numbers = common
        for (other, bound), arg in zip(scaled[1:], args[1:], strict=True):
            n = np.where(_isnan(n), other, n)
            bound_n = max(bound_n, bound)
            if not arg.may_nan:
                break
    else:
        n, d, bound_n = args[0].n, args[0].d, args[0].bound_n
        for arg in args[1:]:
            gap = _isnan(n)
            n = np.where(gap, arg.n, n)
            d = np.where(gap, arg.d, d)
            bound_n = max(bound_n, arg.bound_n)
    may_nan = all(a.may_nan for a in args)
    undef: Mask | None = None
    if may_nan and any(a.undef is not None for a in args):
        any_missing: Mask | bool = False
        for arg in args:
            any_missing = any_missing | _missing(arg)
        undef = _isnan(n) & ~any_missing
    return Vec(
        n=n,
        d=d,
        undef=undef,
        may_nan=may_nan,
        bound_n=bound_n,
        bound_d=max(a.bound_d for a in args),
        nonneg=all(a.nonneg for a in args),
    )


def constant_vec(value: Fraction) -> Vec:
    """The exact vector of one known number, the same in every row (a literal, a default)."""
    return Vec(
        n=float(value.numerator),
        d=value.denominator,
        undef=None,
        may_nan=False,
        bound_n=value.numerator,
        bound_d=value.denominator,
    )


def _number(value: Fraction) -> Program:
    vec = constant_vec(value)
    return lambda _env: vec


def compile_expression(expression: Expression) -> Program:
    """Turn an expression into a function of an :class:`Env`, walking the tree once.

    The returned program raises :class:`NeedsExact` when the data make exactness
    impossible to guarantee in float64.
    """
    if isinstance(expression, Number):
        return _number(expression.value)
    if isinstance(expression, Input):
        name = expression.name
        return lambda env: env.columns[name]
    if isinstance(expression, Ref):
        indicator_id = expression.indicator_id
        return lambda env: env.refs[indicator_id]
    if isinstance(expression, Neg):
        operand = compile_expression(expression.operand)
        return lambda env: _neg(operand(env))
    if isinstance(expression, Call):
        args = [compile_expression(arg) for arg in expression.args]
        function = expression.function
        if function == "coalesce":
            return lambda env: _coalesce([a(env) for a in args])
        if function == "sum":
            return lambda env: _sum([a(env) for a in args])
        smallest = function == "min"
        return lambda env: _extremum([a(env) for a in args], smallest=smallest)
    left = compile_expression(expression.left)
    right = compile_expression(expression.right)
    op = expression.op
    if op == "+":
        return lambda env: _add(left(env), right(env), 1)
    if op == "-":
        return lambda env: _add(left(env), right(env), -1)
    if op == "*":
        return lambda env: _mul(left(env), right(env))
    return lambda env: _div(left(env), right(env))


def _sum(args: Sequence[Vec]) -> Vec:
    total = args[0]
    for arg in args[1:]:
        total = _add(total, arg, 1)
    return total
