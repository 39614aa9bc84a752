"""The fused ratio kernel: every output of one indicator in one chunked pass over its rows.

An indicator whose numerator and denominator are exact ``n / nd`` and ``d / dd`` (arrays
of integer-valued numbers over scalar denominators, the usual case: counts over 1) has
value ``A / B`` with ``A = n * F`` and ``B = d * G`` (``F = dd * f``, ``G = nd * g`` for
the factor ``f / g``). With every bound below 2**53 (checked by the caller), every
product below is an exact integer in float64, so

- ``met`` is ``A * q  op  B * p`` for the target ``p / q``: exact;
- ``value = A / B`` and ``gap = |B * p - A * q| / (B * q)`` are one correctly rounded
  division each: the same floats as the exact Fractions of the scalar evaluator.

The rows are processed in chunks that stay in the CPU cache, writing straight into the
preallocated result arrays (``out=``) through a few scratch buffers reused by every
indicator; nothing the size of the data is allocated but the results. This is the
pure-numpy path; it is always available and needs no compiler.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "CHUNK",
    "Blocks",
    "RatioOut",
    "Scratch",
    "compiled_loop",
    "joined",
    "ratio_consts",
    "ratio_kernel",
    "use_compiled",
]

CHUNK: Final = 1 << 14
"""Rows per chunk: four float64 scratch buffers of this length fit in a core's L2 cache."""

_UNDEFINED: Final = np.int8(3)
_NO_DATA: Final = np.int8(2)

# For the compiled loop: which of above, equal, below the target each comparator meets.
_SIDES: Final = {
    ">=": (1, 1, 0),
    ">": (1, 0, 0),
    "<=": (0, 1, 1),
    "<": (0, 0, 1),
    "==": (0, 1, 0),
}

_OPS_BY_SIDES: Final = {sides: op for op, sides in _SIDES.items()}

_COMPARE: Final = {
    ">=": np.greater_equal,
    ">": np.greater,
    "<=": np.less_equal,
    "<": np.less,
    "==": np.equal,
}


@attrs.frozen(kw_only=True, eq=False)
class RatioOut:
    """The result arrays of one indicator, preallocated, written by the kernel."""

    value: npt.NDArray[np.float64]
    met: npt.NDArray[np.bool_]
    gap: npt.NDArray[np.float64]
    status_code: npt.NDArray[np.int8]
    exceeds_denominator: npt.NDArray[np.bool_]


class Blocks:
    """The outputs of every fused indicator of one evaluation, in three allocations.

    Field-major: ``floats[0]`` holds every slot's value and ``floats[1]`` its gap,
    ``flags[0]`` met and ``flags[1]`` over 100 %, ``codes`` the status; slot ``k`` is
    row ``k`` of each. So the long form of consecutive slots is one contiguous run of
    memory, taken without a copy. :meth:`freeze` makes them read-only, and the views
    taken after it too.
    """

    def __init__(self, slots: int, rows: int) -> None:
        self.floats = np.empty((2, slots, rows))
        self.flags = np.empty((2, slots, rows), dtype=np.bool_)
        self.codes = np.empty((slots, rows), dtype=np.int8)

    def out(self, slot: int) -> RatioOut:
        """The arrays of one slot (writable until :meth:`freeze`)."""
        return RatioOut(
            value=self.floats[0, slot],
            gap=self.floats[1, slot],
            met=self.flags[0, slot],
            exceeds_denominator=self.flags[1, slot],
            status_code=self.codes[slot],
        )

    def freeze(self) -> None:
        """Make the blocks read-only (results are immutable)."""
        for block in (self.floats, self.flags, self.codes):
            block.flags.writeable = False


class Scratch:
    """Chunk-sized work buffers, allocated once per evaluation and shared by indicators."""

    def __init__(self, rows: int) -> None:
        size = max(min(rows, CHUNK), 1)
        self.a = np.empty(size)
        self.b = np.empty(size)
        self.t = np.empty(size)
        self.u = np.empty(size)
        self.mask = np.empty(size, dtype=np.bool_)
        self.other = np.empty(size, dtype=np.bool_)


def _scaled(values: npt.NDArray[Any], factor: int, buffer: npt.NDArray[np.float64]) -> Any:  # noqa: ANN401 - an array
    """``values * factor`` as float64 in ``buffer`` (or ``values`` itself, when it is that)."""
    if factor == 1:
        if values.dtype == np.float64:
            return values
        np.copyto(buffer, values, casting="unsafe")
        return buffer
    np.multiply(values, factor, out=buffer, casting="unsafe")
    return buffer


def ratio_consts(scales: tuple[int, int, int, int], target: tuple[str, int, int]) -> Any:  # noqa: ANN401 - a float64 array
    """The constants of one indicator for :func:`ratio_kernel`, as it takes them.

    ``scales`` is ``(nd, dd, F, G)`` with ``F = dd * f`` and ``G = nd * g`` for the
    numerator ``n / nd``, the denominator ``d / dd`` and the factor ``f / g``; ``target``
    is ``(op, p, q)``. Each must be below 2**53 (the caller checks).
    """
    op, p, q = target
    return np.array([*scales, p, q, *_SIDES[op]], dtype=np.float64)


def ratio_kernel(  # noqa: PLR0913 - every part of the ratio at once
    n: npt.NDArray[Any],
    d: npt.NDArray[Any],
    consts: npt.NDArray[np.float64],
    blocks: Blocks,
    slot: int,
    scratch: Scratch | None,
) -> None:
    """Fill slot ``slot`` of ``blocks`` for ``(n / nd) / (d / dd) * f / g`` against ``op p / q``.

    ``n`` and ``d`` are non-negative, integer-valued, NaN where missing; ``consts`` come
    from :func:`ratio_consts`. The caller has checked that ``max(n) * F * q``,
    ``max(d) * G * p`` and their sum, ``max(d) * G * q``, ``max(d) * nd`` and
    ``max(n) * dd`` are below 2**53.

    With ``scratch`` None, runs the numba loop (``spmkit[fast]``; see :func:`use_compiled`);
    else chunked numpy. Both give the same bits: every intermediate is an exact integer
    in float64, and each division is correctly rounded.
    """
    if scratch is None:
        compiled_loop()(n, d, consts, slot, blocks.floats, blocks.flags, blocks.codes)
    else:
        _numpy_kernel(n, d, consts, blocks.out(slot), scratch)


def use_compiled() -> bool:
    """Whether the numba loop runs (numba installed, ``SPMKIT_KERNEL`` is not ``numpy``).

    Set ``SPMKIT_KERNEL=numpy`` in the environment to force the pure-numpy path.
    """
    return os.environ.get("SPMKIT_KERNEL", "auto") != "numpy" and compiled_loop() is not None


def _numpy_kernel(
    n: npt.NDArray[Any],
    d: npt.NDArray[Any],
    consts: npt.NDArray[np.float64],
    out: RatioOut,
    scratch: Scratch,
) -> None:
    """The chunked numpy path of :func:`ratio_kernel`, always available."""
    nd, dd, big_f, big_g, p, q = (int(c) for c in consts[:6])
    above, equal, below = (int(c) for c in consts[6:])
    compare = _COMPARE[_OPS_BY_SIDES[above, equal, below]]
    rows = len(n)
    may_nan = n.dtype.kind == "f" or d.dtype.kind == "f"
    status_as_bool = out.status_code.view(np.bool_)
    for start in range(0, rows, CHUNK):
        stop = min(start + CHUNK, rows)
        size = stop - start
        nn, dn = n[start:stop], d[start:stop]
        a = _scaled(nn, big_f, scratch.a[:size])
        b = scratch.b[:size]
        np.multiply(dn, big_g, out=b, casting="unsafe")
        zero = scratch.mask[:size]
        np.equal(b, 0, out=zero)
        any_zero = bool(zero.any())
        if any_zero:
            np.copyto(b, np.nan, where=zero)
        value = out.value[start:stop]
        np.divide(a, b, out=value)
        t, u = scratch.t[:size], scratch.u[:size]
        a_q = _scaled(a, q, t) if q != 1 else a
        np.multiply(b, p, out=u)
        met = out.met[start:stop]
        compare(a_q, u, out=met)
        gap = out.gap[start:stop]
        np.subtract(u, a_q, out=u)
        np.abs(u, out=u)
        b_q = _scaled(b, q, t) if q != 1 else b
        np.divide(u, b_q, out=gap)
        np.copyto(gap, 0.0, where=met)
        np.logical_not(met, out=status_as_bool[start:stop])
        status = out.status_code[start:stop]
        if may_nan or any_zero:
            np.isnan(value, out=zero)
            np.copyto(status, _UNDEFINED, where=zero)
        if may_nan:
            missing, other = scratch.mask[:size], scratch.other[:size]
            np.isnan(nn, out=missing)
            np.isnan(dn, out=other)
            np.logical_or(missing, other, out=missing)
            np.copyto(status, _NO_DATA, where=missing)
        exceeds = out.exceeds_denominator[start:stop]
        np.greater(dn, 0, out=exceeds)
        left = _scaled(dn, nd, t) if nd != 1 else dn
        right = _scaled(nn, dd, u) if dd != 1 else nn
        np.less(left, right, out=scratch.other[:size])
        np.logical_and(exceeds, scratch.other[:size], out=exceeds)


@functools.cache
def compiled_loop() -> Any:  # noqa: ANN401 - a compiled function, or None
    """The fused loop compiled by numba (``spmkit[fast]``), or None without numba.

    Compiled on first use for the dtypes met (cached on disk by numba, so later
    processes load it); one pass over the rows, no scratch, no temporaries.
    """
    try:
        import numba  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None

    @numba.njit(cache=True, nogil=True, error_model="numpy")
    def loop(n, d, consts, slot, floats, flags, codes):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202, PLR0913
        value, gap = floats[0, slot], floats[1, slot]
        met, exceeds = flags[0, slot], flags[1, slot]
        status = codes[slot]
        # Branch-free, so that LLVM vectorises it: NaN marks rows without a value, and
        # every comparison with NaN is False.
        nd, dd, big_f, big_g, p, q, above, equal, below = consts
        for i in range(n.shape[0]):
            nn = float(n[i])
            dn = float(d[i])
            a = nn * big_f
            b = dn * big_g
            b = np.nan if b == 0 else b
            a_q = a * q
            b_p = b * p
            ok = (
                ((above > 0) & (a_q > b_p))
                | ((equal > 0) & (a_q == b_p))
                | ((below > 0) & (a_q < b_p))
            )
            value[i] = a / b
            met[i] = ok
            gap[i] = 0.0 if ok else abs(b_p - a_q) / (b * q)
            missing = np.isnan(nn) | np.isnan(dn)
            status[i] = 2 if missing else (0 if ok else (3 if np.isnan(b) else 1))
            exceeds[i] = (dn > 0) & (dn * nd < nn * dd)

    return loop


def joined(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """``np.concatenate(parts)``, without a copy when the parts lie end to end in one block.

    The fused kernel writes consecutive indicators into consecutive rows of its blocks,
    so the long form of a batch result is usually a view.
    """
    if not parts:
        return np.array([])
    base = parts[0].base
    if isinstance(base, np.ndarray) and base.flags.c_contiguous and base.dtype == parts[0].dtype:
        start = parts[0].__array_interface__["data"][0]
        size = parts[0].size * parts[0].itemsize
        if all(
            part.base is base
            and part.flags.c_contiguous
            and part.__array_interface__["data"][0] == start + index * size
            for index, part in enumerate(parts)
        ):
            offset = (start - base.__array_interface__["data"][0]) // base.itemsize
            total = sum(part.size for part in parts)
            return base.reshape(-1)[offset : offset + total]
    return np.concatenate(parts)
