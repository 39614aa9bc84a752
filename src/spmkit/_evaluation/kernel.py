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
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._diskcache import cache_directory
from spmkit._evaluation import buffers
from spmkit._translation import tr
from spmkit.errors import KernelCacheWarning

__all__ = [
    "CHUNK",
    "COMPILE_AFTER_ROWS",
    "Blocks",
    "GapLater",
    "RatioOut",
    "Scratch",
    "column_bounds",
    "compiled_loop",
    "count_bound",
    "gap_kernel",
    "jit_cached",
    "joined",
    "numpy_ratios",
    "ratio_consts",
    "ratio_kernel",
    "ratios_kernel",
    "stats_kernel",
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
    gap: npt.NDArray[np.float64] | None
    """None where the blocks keep no gaps (see :class:`Blocks`)."""
    status_code: npt.NDArray[np.int8]
    exceeds_denominator: npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class GapLater:
    """How to compute an indicator's gaps when first read: :func:`gap_kernel`'s constants.

    Large evaluations leave the gaps for later (``Blocks(gaps=False)``): they take as
    much memory as the values and are read less often. The terms :func:`gap_kernel`
    needs are the result's own numerator and denominator.
    """

    consts: npt.NDArray[np.float64]


class Blocks:
    """The outputs of every fused indicator of one evaluation, in few allocations.

    Field-major: in a group, ``floats[0]`` holds every slot's value and ``floats[1]`` its
    gap (absent with ``gaps=False``: the gaps are computed later, by :func:`gap_kernel`),
    ``flags[0]`` met and ``flags[1]`` over 100 %, ``codes`` the status; a slot is a row
    of each. Up to :data:`ONE_BLOCK` bytes all slots are one group, so the long form
    of consecutive slots is one run of memory, taken without a copy; above it each slot
    is its own group, so that repeated large evaluations reuse freed memory instead of
    faulting in fresh pages. :meth:`freeze` makes them read-only, and the views taken
    after it too.
    """

    def __init__(self, slots: int, rows: int, *, gaps: bool = True) -> None:
        fields = 2 if gaps else 1
        self.gaps = gaps
        self.size = slots if fields * 8 * slots * rows <= ONE_BLOCK else 1
        self.groups = [
            (
                buffers.empty((fields, count, rows)),
                buffers.empty((2, count, rows), np.bool_),
                buffers.empty((count, rows), np.int8),
            )
            for count in _group_sizes(slots, self.size)
        ]

    def where(self, slot: int) -> tuple[Any, Any, Any, int]:
        """The group arrays (floats, flags, codes) holding a slot, and its row in them."""
        floats, flags, codes = self.groups[slot // self.size]
        return floats, flags, codes, slot % self.size

    def out(self, slot: int) -> RatioOut:
        """The arrays of one slot (writable until :meth:`freeze`)."""
        floats, flags, codes, row = self.where(slot)
        return RatioOut(
            value=floats[0, row],
            gap=floats[1, row] if self.gaps else None,
            met=flags[0, row],
            exceeds_denominator=flags[1, row],
            status_code=codes[row],
        )

    def freeze(self) -> None:
        """Make the blocks read-only (results are immutable)."""
        for group in self.groups:
            for block in group:
                block.flags.writeable = False


ONE_BLOCK: Final = 128 * 2**20
"""Float outputs up to this many bytes are allocated at once (see :class:`Blocks`)."""


def _group_sizes(slots: int, size: int) -> list[int]:
    return [min(size, slots - start) for start in range(0, slots, max(size, 1))]


class Scratch:
    """Marks a call for the numpy path (:func:`numpy_ratios` keeps its own buffers)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows


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
        floats, flags, codes, row = blocks.where(slot)
        compiled_loop()(n, d, consts, row, floats, flags, codes)
    else:
        numpy_ratios([(n, d)], consts[np.newaxis], blocks, slot)


COMPILE_AFTER_ROWS: Final = 1_000_000
"""Rows a process evaluates by numpy before it loads the numba kernels (``auto``).

Loading them costs a fixed time per process (``import numba`` and reading the compiled
kernels from numba's cache: about 0.5 s, several seconds when they must be compiled),
and saves a time per row; below this many rows in all, numpy's path is the faster
choice (measured in ``benchmarks/bench_peers.py --only startup``). Once loaded, the
kernels run every call of the process, whatever its size: numba never makes a job
slower than about twice the cost of the better choice.
"""

_ROWS_BY_NUMPY = [0]
"""Rows evaluated by numpy in this process before the kernels were loaded."""


def use_compiled(rows: int = 0) -> bool:
    """Whether the numba loop runs for a call of ``rows`` rows.

    ``SPMKIT_KERNEL`` chooses: ``numpy`` never, ``numba`` always when numba is installed,
    ``auto`` (the default) once loaded in this process or once this process has
    evaluated :data:`COMPILE_AFTER_ROWS` rows (this call's included) by numpy.
    """
    choice = os.environ.get("SPMKIT_KERNEL", "auto")
    if choice == "numpy":
        return False
    if choice != "numba" and not compiled_loop.cache_info().currsize:
        _ROWS_BY_NUMPY[0] += rows
        if _ROWS_BY_NUMPY[0] < COMPILE_AFTER_ROWS:
            return False
    return compiled_loop() is not None


_JIT_LOCK: Final = threading.Lock()


def jit_cached(**options: object) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(cache=True, **options)``, with a cache wherever one can be written.

    numba keeps compiled functions beside the source, else in the home directory, and
    raises ``RuntimeError: cannot cache function ... no locator available`` when it can
    write to neither (a read-only install, no writable home). Then the cache goes to
    spmkit's cache directory (:mod:`spmkit._diskcache`), else nowhere (compiled in each
    process); either way a :class:`~spmkit.errors.KernelCacheWarning` says where, once.
    """
    import numba  # noqa: PLC0415 - optional dependency; use_compiled() found it

    njit: Any = numba.njit  # options passed through as given
    config: Any = numba.config

    def decorate(function: Callable[..., Any]) -> Any:  # noqa: ANN401 - a numba dispatcher
        try:
            return njit(cache=True, **options)(function)
        except RuntimeError:  # no locator available: nothing numba tries is writable
            pass
        directory = cache_directory()
        if directory is not None:
            with _JIT_LOCK:  # numba reads its settings when the function is decorated
                saved = config.CACHE_DIR, config.CACHE_LOCATOR_CLASSES
                config.CACHE_DIR, config.CACHE_LOCATOR_CLASSES = str(directory / "numba"), ""
                try:
                    compiled = njit(cache=True, **options)(function)
                except RuntimeError:
                    compiled = None
                finally:
                    config.CACHE_DIR, config.CACHE_LOCATOR_CLASSES = saved
            if compiled is not None:
                _warn_cache(
                    tr(
                        "numba cannot write its cache beside spmkit or in the home directory; "
                        "the compiled kernels are kept in {directory} (set NUMBA_CACHE_DIR "
                        "to choose)",
                        directory=directory / "numba",
                    )
                )
                return compiled
        _warn_cache(
            tr(
                "numba cannot write a cache anywhere (spmkit's files, the home directory "
                "and the temporary directory are read-only): the kernels are compiled again "
                "in each process (seconds each time); set NUMBA_CACHE_DIR or "
                "SPMKIT_CACHE_DIR to a writable directory"
            )
        )
        return njit(cache=False, **options)(function)

    return decorate


_WARNED: set[str] = set()


def _warn_cache(message: str) -> None:
    """Warn once per process for each message (each place the cache went)."""
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(KernelCacheWarning(message), stacklevel=4)


_CELLS: Final = 1 << 17
"""Elements per work buffer of :func:`numpy_ratios` (1 MiB of float64; 4.25 MiB for the
six buffers a thread keeps): a chunk of rows of every slot at once, one numpy call for
them all. Measured (CPU time, 20 indicators, against the hand-written numpy kernel):
at 10,000 rows 2.5x with 2**15 elements, 2.0x with 2**17, 1.9x with 2**18 to 2**20;
at 100,000 rows 2.2x, 1.8x, 1.9-2.5x: fewer calls matter more than the cache below this."""


def numpy_ratios(
    terms: Sequence[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    consts: npt.NDArray[np.float64],
    blocks: Blocks,
    first: int = 0,
    *,
    runs: Sequence[tuple[int, int, int, npt.NDArray[Any]]] = (),
) -> None:
    """The numpy path of :func:`ratio_kernel` for many indicators at once.

    Slot ``first + k`` of ``blocks`` gets ``terms[k] = (n, d)`` with the constants
    ``consts[k]`` of :func:`ratio_consts` (a row of 9; a 10th column, when present,
    marks a declared rate: never over 100 %). The slots of one block group are done
    together: each chunk of rows of all of them is one 2-D array, so each operation
    is one numpy call for every indicator (at 1,000 rows the cost of a call, not of
    the rows, is what counts). The operations are those of the numba loop, on the
    same exact integers in float64: the same bits. ``runs`` (``side, k0, k1, rows``):
    where the terms of slots ``k0:k1`` are the rows of one 2-D array, the numerators
    (side 0) or denominators (side 1) of all of them, copied in one call.
    """
    slot = first
    while slot < first + len(terms):
        floats, flags, codes, row = blocks.where(slot)
        count = min(len(codes) - row, first + len(terms) - slot)
        start = slot - first
        prepared = _constants(consts, start, start + count)
        stop = start + count
        clipped = [
            (side, low - start, high - start, rows[low - k0 : high - k0])
            for side, k0, k1, rows in runs
            if (low := max(k0, start)) < (high := min(k1, stop))
        ]
        _ratios_group(terms[start:stop], prepared, (floats, flags, codes), row, clipped)
        slot += count


class _Constants:
    """One block group's constants for :func:`numpy_ratios`: scalars where all agree."""

    def __init__(self, consts: npt.NDArray[np.float64]) -> None:
        columns: list[Any] = [consts[:, k : k + 1] for k in range(consts.shape[1])]
        self.ones = {n: bool((c == 1).all()) for n, c in zip("ndFGpq", columns[:6], strict=True)}
        for k, column in enumerate(columns[:6]):
            if bool((column == column[0, 0]).all()):  # one constant for all: a scalar is faster
                columns[k] = float(column[0, 0])
        self.nd, self.dd, self.f, self.g, self.p, self.q = columns[:6]
        sides = {tuple(row) for row in consts[:, 6:9].astype(int).tolist()}
        self.op = _COMPARE[_OPS_BY_SIDES[sides.pop()]] if len(sides) == 1 else None
        self.sides = [c > 0 for c in columns[6:9]]
        rates = consts[:, _RATE_COLUMN] if len(columns) > _RATE_COLUMN else consts[:, :0]
        self.rates = np.flatnonzero(rates).tolist()
        """Rows of declared rates: never over 100 %."""


_RATE_COLUMN: Final = 9

_PREPARED: Final[dict[tuple[int, int, int], tuple[npt.NDArray[np.float64], _Constants]]] = {}
"""Constants prepared before, by (id of the constants array, first and last row): a plan
of the fast path passes the same array on every call (the array is kept, so its id is
not reused while it is here)."""


def _constants(consts: npt.NDArray[np.float64], start: int, stop: int) -> _Constants:
    """The :class:`_Constants` of rows ``start:stop`` of ``consts``, prepared once."""
    key = (id(consts), start, stop)
    found = _PREPARED.get(key)
    if found is not None and found[0] is consts:
        return found[1]
    prepared = _Constants(consts[start:stop])
    with _PREPARED_LOCK:
        if len(_PREPARED) >= _CACHE_SIZE:
            _PREPARED.pop(next(iter(_PREPARED)), None)
        _PREPARED[key] = (consts, prepared)
    return prepared


_PREPARED_LOCK: Final = threading.Lock()


_CACHE_SIZE: Final = 64


def _ratios_group(
    terms: Sequence[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    c: _Constants,
    group: tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int8]],
    row: int,
    runs: Sequence[tuple[int, int, int, npt.NDArray[Any]]] = (),
) -> None:
    """:func:`numpy_ratios` for consecutive rows ``row, row + 1, ...`` of one block group."""
    count = len(terms)
    rows = len(terms[0][0])
    floats, flags, codes = group
    step = max(1, min(rows, _CELLS // count))
    # Only slots with a float term can miss a value: checked one by one when few.
    nan_slots = [k for k, (n, d) in enumerate(terms) if n.dtype.kind == "f" or d.dtype.kind == "f"]
    may_nan = bool(nan_slots)
    each = 2 * len(nan_slots) < count
    work = _work(count, step)
    last = row + count
    for start in range(0, rows, step):
        stop = min(start + step, rows)
        if stop - start != step:
            work = [x[:, : stop - start] for x in work]
        a, b, t, u, zero, other = work
        _gather(a, b, terms, runs, slice(start, stop))
        value = floats[0, row:last, start:stop]
        met = flags[0, row:last, start:stop]
        _exceeds(a, b, c, work, flags[1, row:last, start:stop])
        _missing(a, b, work, nan_slots if each else None, may_nan)
        if not c.ones["F"]:
            np.multiply(a, c.f, out=a)
        if not c.ones["G"]:
            np.multiply(b, c.g, out=b)
        np.equal(b, 0, out=zero)
        any_zero = bool(zero.any())
        if any_zero:
            np.copyto(b, np.nan, where=zero)
        np.divide(a, b, out=value)
        a_q = a if c.ones["q"] else np.multiply(a, c.q, out=t)
        b_p = np.multiply(b, c.p, out=u)
        if c.op is not None:
            c.op(a_q, b_p, out=met)
        else:
            met[...] = (np.greater(a_q, b_p) & c.sides[0]) | (np.equal(a_q, b_p) & c.sides[1])
            met |= np.less(a_q, b_p) & c.sides[2]
        if floats.shape[0] > 1:  # the gaps: |B p - A q| / (B q), 0 where met
            gap = floats[1, row:last, start:stop]
            np.subtract(b_p, a_q, out=b_p)
            np.abs(b_p, out=b_p)
            np.divide(b_p, b if c.ones["q"] else np.multiply(b, c.q, out=t), out=gap)
            np.copyto(gap, 0.0, where=met)
        # 0 met, 1 not met, 3 undefined (a zero denominator: value is NaN), 2 no data.
        # The value is NaN exactly where a term is missing or the denominator is zero.
        status = codes[row:last, start:stop]
        np.logical_not(met, out=status.view(np.bool_))
        if any_zero:
            np.copyto(status, _UNDEFINED, where=zero)
        if each:
            for k in nan_slots:
                np.copyto(status[k], _NO_DATA, where=other[k])
        elif may_nan:
            np.copyto(status, _NO_DATA, where=other)


def _gather(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    terms: Sequence[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
    runs: Sequence[tuple[int, int, int, npt.NDArray[Any]]],
    chunk: slice,
) -> None:
    """One chunk of rows of every slot's terms into ``a`` and ``b``: by runs, else slot by slot."""
    if runs:
        for side, k0, k1, rows in runs:
            (b if side else a)[k0:k1] = rows[:, chunk]
        return
    for k, (n, d) in enumerate(terms):
        a[k] = n[chunk]
        b[k] = d[chunk]


def _missing(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    work: list[npt.NDArray[Any]],
    slots: list[int] | None,
    may_nan: bool,
) -> None:
    """Where a term is missing, into ``work[5]``: every row, or only those of ``slots``."""
    zero, other = work[4], work[5]
    if slots is not None:
        for k in slots:
            np.isnan(a[k], out=other[k])
            np.logical_or(other[k], np.isnan(b[k], out=zero[k]), out=other[k])
    elif may_nan:
        np.isnan(a, out=other)
        np.logical_or(other, np.isnan(b, out=zero), out=other)


def _exceeds(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    c: _Constants,
    work: list[npt.NDArray[Any]],
    exceeds: npt.NDArray[np.bool_],
) -> None:
    """``d > 0 and d * nd < n * dd`` on the unscaled terms; False for declared rates."""
    t, u, other = work[2], work[3], work[5]
    np.greater(b, 0, out=exceeds)
    left = b if c.ones["n"] else np.multiply(b, c.nd, out=t)
    right = a if c.ones["d"] else np.multiply(a, c.dd, out=u)
    np.less(left, right, out=other)
    np.logical_and(exceeds, other, out=exceeds)
    for k in c.rates:
        exceeds[k] = False


_WORK: Final = threading.local()
_WORK_KINDS: Final = (*(np.dtype(np.float64),) * 4, *(np.dtype(np.bool_),) * 2)


def _work(count: int, step: int) -> list[npt.NDArray[Any]]:
    """:func:`numpy_ratios`' work buffers of ``(count, step)``, kept by each thread.

    A few chunks' worth (:data:`_CELLS` elements each): kept, they stay in the CPU
    cache from one call to the next instead of being allocated again.
    """
    cells = count * step
    kept: list[npt.NDArray[Any]] | None = getattr(_WORK, "buffers", None)
    if kept is None or kept[0].size < cells:
        kept = [np.empty(max(cells, _CELLS), kind) for kind in _WORK_KINDS]
        _WORK.buffers = kept
    return [buffer[:cells].reshape(count, step) for buffer in kept]


def _gap_chunk(  # noqa: PLR0913 - the parts of one chunk's gap
    a_q: npt.NDArray[np.float64],
    b_p: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    q: int,
    met: npt.NDArray[np.bool_],
    scratch: npt.NDArray[np.float64],
    gap: npt.NDArray[np.float64],
) -> None:
    """``|B p - A q| / (B q)``, 0 where met, into ``gap`` (``b_p`` is overwritten)."""
    np.subtract(b_p, a_q, out=b_p)
    np.abs(b_p, out=b_p)
    b_q = _scaled(b, q, scratch) if q != 1 else b
    np.divide(b_p, b_q, out=gap)
    np.copyto(gap, 0.0, where=met)


def gap_kernel(
    n: npt.NDArray[Any],
    d: npt.NDArray[Any],
    consts: npt.NDArray[np.float64],
    status_code: npt.NDArray[np.int8],
) -> npt.NDArray[np.float64]:
    """The gaps :func:`ratio_kernel` gives for these terms, for blocks kept without gaps.

    The same operations on the same exact integers (in float64, below 2**53) and one
    correctly rounded division: the same bits as the fused loop, NaN where there is no
    value and 0 where met (status code 0). ``n`` and ``d`` may be any integer type or
    float64; each chunk is converted to float64 before it is scaled, so no narrow
    integer product can wrap.
    """
    big_f, big_g, p, q = (int(c) for c in consts[2:6])
    rows = len(n)
    gap = np.empty(rows)
    size = max(min(rows, CHUNK), 1)
    a, b, t, u = (np.empty(size) for _ in range(4))
    for start in range(0, rows, CHUNK):
        stop = min(start + CHUNK, rows)
        chunk = stop - start
        ac, bc, tc, uc = a[:chunk], b[:chunk], t[:chunk], u[:chunk]
        np.copyto(ac, n[start:stop], casting="unsafe")
        np.copyto(bc, d[start:stop], casting="unsafe")
        np.multiply(ac, big_f, out=ac)
        np.multiply(bc, big_g, out=bc)
        np.copyto(bc, np.nan, where=bc == 0)
        a_q = _scaled(ac, q, tc) if q != 1 else ac
        np.multiply(bc, p, out=uc)
        met = status_code[start:stop] == 0
        _gap_chunk(a_q, uc, bc, q, met, tc, gap[start:stop])
    gap.flags.writeable = False
    return gap


@functools.cache
def compiled_loop() -> Any:  # noqa: ANN401 - a compiled function, or None
    """The fused loop compiled by numba (``spmkit[fast]``), or None without numba.

    Compiled on first use for the dtypes met (cached on disk by numba, so later
    processes load it); one pass over the rows, no scratch, no temporaries.
    """
    try:
        import numba  # noqa: PLC0415, F401 - optional dependency
    except ImportError:
        return None

    @jit_cached(nogil=True, error_model="numpy")
    def loop(n, d, consts, slot, floats, flags, codes):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202, PLR0913
        # Without a gaps row (Blocks(gaps=False)) no gap is written: ``gap`` is then
        # ``value``, and every write to it is skipped.
        keep_gap = floats.shape[0] > 1
        value, gap = floats[0, slot], floats[floats.shape[0] - 1, slot]
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
            if keep_gap:
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


def column_bounds(values: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The minimum and maximum of a non-empty int64 column (:func:`stats_kernel`'s pass)."""
    int_stats, _ = stats_kernel(values[np.newaxis], _NO_FLOATS)
    low, high = int_stats[0].tolist()
    return low, high


_NO_FLOATS: Final = np.empty((0, 1))


def count_bound(values: npt.NDArray[np.int64]) -> int | None:
    """The largest value of a non-empty int64 column, or None where a value is negative.

    One pass on numpy's path, not a minimum's and a maximum's: viewed as unsigned, a
    negative value is above every non-negative one (2**63 and up).
    """
    if use_compiled():
        low, high = column_bounds(values)
        return high if low >= 0 else None
    top = int(np.maximum.reduce(values.view(np.uint64)))
    return top if top < _SIGN else None


_SIGN: Final = 1 << 63


def stats_kernel(
    ints: npt.NDArray[np.int64], floats: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """What validating the rows of two blocks of columns needs, in one pass over each.

    ``ints`` is ``(k, rows)`` int64 and ``floats`` ``(m, rows)`` float64, ``rows >= 1``.
    Returns ``(k, 2)`` int64: the minimum and maximum of each int column; and ``(m, 4)``
    float64: the minimum and maximum of each float column over its non-NaN rows (NaN when
    every row is NaN), 1.0 where it has a NaN, 1.0 where every non-NaN value is whole.
    Infinities show as a minimum or maximum; the numba loop and numpy give the same.
    """
    if use_compiled():
        found: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] = _compiled_stats()(
            ints, floats
        )
        return found
    int_stats = np.empty((ints.shape[0], 2), dtype=np.int64)
    if ints.shape[0]:
        np.minimum.reduce(ints, axis=1, out=int_stats[:, 0])
        np.maximum.reduce(ints, axis=1, out=int_stats[:, 1])
    float_stats = np.empty((floats.shape[0], 4))
    if floats.shape[0]:
        with np.errstate(invalid="ignore"):
            np.fmin.reduce(floats, axis=1, out=float_stats[:, 0])
            np.fmax.reduce(floats, axis=1, out=float_stats[:, 1])
            float_stats[:, 2] = np.isnan(floats).any(axis=1)
            whole = (np.trunc(floats) == floats) | np.isnan(floats)
            float_stats[:, 3] = whole.all(axis=1)
    return int_stats, float_stats


@functools.cache
def _compiled_stats() -> Any:  # noqa: ANN401 - a compiled function
    @jit_cached(nogil=True)
    def stats(ints, floats):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        # Indexed loops with conditional moves and no early exits, so that LLVM
        # vectorises them (a loop over the values with min()/max() ran 5x slower).
        int_stats = np.empty((ints.shape[0], 2), dtype=np.int64)
        for k in range(ints.shape[0]):
            low = ints[k, 0]
            high = ints[k, 0]
            for i in range(ints.shape[1]):
                value = ints[k, i]
                low = value if value < low else low  # noqa: FURB136 - vectorises; min() did not
                high = value if value > high else high  # noqa: FURB136
            int_stats[k, 0] = low
            int_stats[k, 1] = high
        float_stats = np.empty((floats.shape[0], 4))
        for k in range(floats.shape[0]):
            low = np.inf
            high = -np.inf
            nan = False
            fraction = 0.0  # the sum of the fractional parts: 0 when every value is whole
            for i in range(floats.shape[1]):
                value = floats[k, i]
                missing = value != value  # noqa: PLR0124 - NaN
                nan |= missing
                low = value if value < low else low  # noqa: FURB136 - vectorises; min() did not
                high = value if value > high else high  # noqa: FURB136
                fraction += 0.0 if missing else abs(value - np.trunc(value))
            seen = low <= high
            float_stats[k, 0] = low if seen else np.nan
            float_stats[k, 1] = high if seen else np.nan
            float_stats[k, 2] = 1.0 if nan else 0.0
            float_stats[k, 3] = 1.0 if fraction == 0.0 else 0.0
        return int_stats, float_stats

    return stats


def ratios_kernel(  # noqa: PLR0913 - every part of every ratio at once
    ints: npt.NDArray[np.int64],
    floats: npt.NDArray[np.float64],
    which: npt.NDArray[np.int64],
    consts: npt.NDArray[np.float64],
    blocks: Blocks,
    scratch: Scratch | None,
) -> None:
    """:func:`ratio_kernel` for many indicators whose terms are rows of two input blocks.

    Slot ``s`` of ``blocks`` gets ``n / d`` with ``n`` row ``which[s, 1]`` of ``floats``
    if ``which[s, 0]`` else of ``ints`` (and ``d`` likewise from ``which[s, 2:4]``), with
    the constants ``consts[s]`` of :func:`ratio_consts`; where ``which[s, 4]`` is 1 (a
    declared rate) ``exceeds_denominator`` is False. The bounds are the caller's to
    check, as for :func:`ratio_kernel`. With numba, one call per block group for all
    slots: the fixed cost of many small indicators is one call, not one per indicator.
    """
    if scratch is not None:
        terms = [
            (
                floats[n_row] if n_float else ints[n_row],
                floats[d_row] if d_float else ints[d_row],
            )
            for n_float, n_row, d_float, d_row, _rate in which.tolist()
        ]
        runs = [
            (side, k0, k1, (floats if is_float else ints)[r0:r1:step])
            for side, k0, k1, is_float, r0, r1, step in _runs(which)
        ]
        numpy_ratios(terms, _with_rates(which, consts), blocks, runs=runs)
        return
    loop = _compiled_ratios()
    for index, (floats_out, flags_out, codes_out) in enumerate(blocks.groups):
        start = index * blocks.size
        stop = start + len(codes_out)
        loop(ints, floats, which[start:stop], consts[start:stop], floats_out, flags_out, codes_out)


_RUNS: Final[dict[int, tuple[Any, list[tuple[int, int, int, bool, int, int, int]]]]] = {}


def _runs(which: npt.NDArray[np.int64]) -> list[tuple[int, int, int, bool, int, int, int]]:
    """Runs of slots whose terms are evenly spaced rows of one input block, made once per plan.

    ``(side, k0, k1, is_float, r0, r1, step)``: slots ``k0:k1`` take the numerators
    (side 0) or denominators (side 1) from rows ``r0:r1:step`` of the float or int block,
    so that :func:`numpy_ratios` copies them in one call, not one per slot.
    """
    found = _RUNS.get(id(which))
    if found is not None and found[0] is which:
        return found[1]
    rows = which.tolist()
    runs: list[tuple[int, int, int, bool, int, int, int]] = []
    for side in (0, 1):
        k0 = 0
        while k0 < len(rows):
            is_float, r0 = bool(rows[k0][2 * side]), rows[k0][2 * side + 1]
            k1, step = k0 + 1, 1
            if k1 < len(rows) and bool(rows[k1][2 * side]) == is_float:
                step = rows[k1][2 * side + 1] - r0
            while (
                step > 0
                and k1 < len(rows)
                and bool(rows[k1][2 * side]) == is_float
                and rows[k1][2 * side + 1] == r0 + (k1 - k0) * step
            ):
                k1 += 1
            step = step if k1 - k0 > 1 else 1
            runs.append((side, k0, k1, is_float, r0, r0 + (k1 - k0 - 1) * step + 1, step))
            k0 = k1
    with _PREPARED_LOCK:
        if len(_RUNS) >= _CACHE_SIZE:
            _RUNS.pop(next(iter(_RUNS)), None)
        _RUNS[id(which)] = (which, runs)
    return runs


_WITH_RATES: Final[dict[tuple[int, int], tuple[Any, Any, npt.NDArray[np.float64]]]] = {}


def _with_rates(which: npt.NDArray[np.int64], consts: npt.NDArray[np.float64]) -> Any:  # noqa: ANN401 - a float64 array
    """``consts`` with the rate flags of ``which`` as a 10th column, made once per plan."""
    key = (id(which), id(consts))
    found = _WITH_RATES.get(key)
    if found is not None and found[0] is which and found[1] is consts:
        return found[2]
    joined_ = np.concatenate([consts, which[:, 4:5]], axis=1)
    with _PREPARED_LOCK:
        if len(_WITH_RATES) >= _CACHE_SIZE:
            _WITH_RATES.pop(next(iter(_WITH_RATES)), None)
        _WITH_RATES[key] = (which, consts, joined_)
    return joined_


_ONE_LOOP: Any = None
"""The compiled one-indicator loop that :func:`_compiled_ratios`'s loop calls."""


@functools.cache
def _compiled_ratios() -> Any:  # noqa: ANN401 - a compiled function
    # A global, not a closure variable: numba's disk cache cannot key a closure over a
    # dispatcher, and recompiled this loop in every process (about 1 s each).
    global _ONE_LOOP  # noqa: PLW0603 - set once, before the function that reads it compiles
    _ONE_LOOP = compiled_loop()

    @jit_cached(nogil=True)
    def ratios(ints, floats, which, consts, floats_out, flags_out, codes_out):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202, PLR0913
        for slot in range(which.shape[0]):
            n_float, n_row, d_float, d_row, rate = which[slot]
            # One call per combination of column types, so that each loop is specialised.
            out = (consts[slot], slot, floats_out, flags_out, codes_out)
            if n_float:
                if d_float:
                    _ONE_LOOP(floats[n_row], floats[d_row], *out)
                else:
                    _ONE_LOOP(floats[n_row], ints[d_row], *out)
            elif d_float:
                _ONE_LOOP(ints[n_row], floats[d_row], *out)
            else:
                _ONE_LOOP(ints[n_row], ints[d_row], *out)
            if rate:
                flags_out[1, slot, :] = False

    return ratios
