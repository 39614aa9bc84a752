"""What a large batch result keeps: narrow copies of its terms, gaps computed when read.

At 1,000,000 rows the result of ``evaluate_batch`` is most of the call's memory. It keeps
its own copy of every numerator and denominator column in the narrowest integer type
that holds it (read as int64), and leaves the gaps of the fused kernel for their first
read. These tests hold the values to the scalar evaluator and the memory to its bound.
"""

from __future__ import annotations

import pickle
import threading
import tracemalloc
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._evaluation import buffers
from spmkit._evaluation.batch_plans import FAST_BYTES
from test_batch_property import KERNELS, kernel_env

RS = spmkit.load_rule_set("kulon-progo-2011")
FIELDS = ("value", "status_code", "met", "gap", "numerator", "denominator", "exceeds_denominator")


def general(data: dict[str, np.ndarray]) -> spmkit.BatchResult:
    """The general path (the fast path takes plain dicts only): the one large data take."""
    return spmkit.evaluate_batch(RS, MappingProxyType(data))


@pytest.mark.parametrize(
    ("high", "narrow"),
    [
        (255, np.uint8),
        (256, np.uint16),
        (65_535, np.uint16),
        (65_536, np.uint32),
        (2**32 - 1, np.uint32),
        (2**32, np.int64),
    ],
)
def test_narrowed_keeps_the_values_in_the_narrowest_type_that_holds_them(high, narrow) -> None:
    values = np.array([0, 1, high // 2, high], dtype=np.int64)
    kept = buffers.narrowed(values, high, nonneg=True)
    assert kept.dtype == narrow
    assert kept.astype(np.int64).tolist() == values.tolist()
    assert not np.shares_memory(kept, values)


@pytest.mark.parametrize(
    ("bound", "narrow"), [(127, np.int8), (128, np.int16), (2**31 - 1, np.int32), (2**31, np.int64)]
)
def test_narrowed_signed_values(bound, narrow) -> None:
    values = np.array([-bound, 0, bound], dtype=np.int64)
    kept = buffers.narrowed(values, bound, nonneg=False)
    assert kept.dtype == narrow
    assert kept.astype(np.int64).tolist() == values.tolist()


def test_narrowed_copies_floats_as_they_are() -> None:
    values = np.array([1.0, np.nan, 3.0])
    kept = buffers.narrowed(values, 3, nonneg=True)
    assert kept.dtype == np.float64
    assert np.array_equal(kept, values, equal_nan=True)
    assert not np.shares_memory(kept, values)


@settings(max_examples=examples(60), deadline=None)
@given(
    high=st.sampled_from([1, 200, 255, 256, 40_000, 65_535, 65_536, 2**32 - 1, 2**32, 2**40]),
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 300),
)
def test_terms_read_back_exactly_as_int64_on_every_path(high, seed, rows) -> None:
    """Whatever the range of the counts, numerator and denominator read back exactly."""
    rng = np.random.default_rng(seed)
    denominator = rng.integers(0, high, rows, endpoint=True)
    denominator[0] = high  # the bound itself is in the column
    numerator = rng.integers(0, denominator, endpoint=True)
    data = {"bumil_k4": numerator, "sasaran_bumil": denominator}
    for result in (spmkit.evaluate_batch(RS, data), general(data)):
        arrays = result["I.1"]
        for got, given_ in ((arrays.numerator, numerator), (arrays.denominator, denominator)):
            assert got.dtype == np.int64
            assert got.tolist() == given_.tolist()
            assert not got.flags.writeable
            assert not np.shares_memory(got, given_)
        for row in {0, rows - 1}:
            cells = {name: int(values[row]) for name, values in data.items()}
            assert arrays.exact_value(row) == spmkit.evaluate(RS, cells)["I.1"].exact_value


def _large(rows: int, *, gaps: bool, seed: int = 3) -> dict[str, np.ndarray]:
    """Every Kulon Progo input, counts under 60,000; with ``gaps`` a float column with NaN."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for indicator in RS.indicators.values():
        (numerator,), (denominator,) = indicator.numerator.inputs, indicator.denominator.inputs
        data[denominator] = rng.integers(0, 60_000, rows)
        data[numerator] = rng.integers(0, data[denominator] + 1)
    if gaps:
        data["bumil_k4"] = data["bumil_k4"].astype(np.float64)
        data["bumil_k4"][::97] = np.nan
    return data


def _cell(value: object) -> object:
    """An array item as a data cell: None for NaN, an int for an integer."""
    number = float(value)  # type: ignore[arg-type]
    if number != number:  # noqa: PLR0124 - NaN: no value
        return None
    return int(number) if isinstance(value, np.integer) else number


@pytest.mark.parametrize("kernel", KERNELS)
def test_gaps_read_later_are_the_gaps_computed_at_once(kernel: str) -> None:
    """The lazy gaps (general path) equal the fast path's, computed in the call, and scalar."""
    data = _large(10_000, gaps=True)
    assert sum(v.nbytes for v in data.values()) <= FAST_BYTES  # the fast path takes it
    with kernel_env(kernel):
        fast = spmkit.evaluate_batch(RS, data)
        late = general(data)
        pickled = pickle.loads(pickle.dumps(general(data)))  # noqa: S301 - no gap read yet
    for indicator_id in RS.indicators:
        for field in FIELDS:
            want = getattr(fast[indicator_id], field)
            for result in (late, pickled):
                got = getattr(result[indicator_id], field)
                assert np.array_equal(got, want, equal_nan=True), (indicator_id, field)
                assert got.dtype == want.dtype, (indicator_id, field)
    gap = late["I.1"].gap
    assert late["I.1"].gap is gap  # computed once, then kept
    assert not gap.flags.writeable
    for row in (0, 1, 96, 97, 4_000):
        report = spmkit.evaluate(RS, {k: _cell(v[row]) for k, v in data.items()})
        for indicator_id, result in report.items():
            assert _cell(late[indicator_id].gap[row]) == result.gap, (indicator_id, row)


def test_a_large_result_keeps_narrow_terms_and_no_gaps_until_read() -> None:
    """Bytes kept per row and indicator: 8 value + 3 flags + 2 + 2 narrow terms, gap later.

    Kept wide (int64 terms, gaps at once) the same result would hold 35 bytes per row
    and indicator; the bound below fails for either.
    """
    rows = 100_000
    data = _large(rows, gaps=False)
    buffers.release()
    tracemalloc.start()
    try:
        result = general(data)
        kept, _peak = tracemalloc.get_traced_memory()
        cells = rows * len(RS.indicators)
        assert kept < 16 * cells
        for arrays in result.values():
            arrays.gap  # noqa: B018 - read: computed and kept now
        with_gaps, _peak = tracemalloc.get_traced_memory()
        assert 8 * cells <= with_gaps - kept < 8.5 * cells
    finally:
        tracemalloc.stop()
        buffers.release()


def test_threads_reading_the_gaps_at_once_all_get_the_same_values() -> None:
    data = _large(50_000, gaps=False)
    want = {i: a.gap for i, a in general(data).items()}
    result = general(data)
    barrier = threading.Barrier(8)
    seen: list[dict[str, np.ndarray]] = []

    def read() -> None:
        barrier.wait()
        seen.append({i: a.gap for i, a in result.items()})

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == len(threads)
    for found in seen:
        for indicator_id, gap in found.items():
            assert np.array_equal(gap, want[indicator_id], equal_nan=True)
            assert np.array_equal(result[indicator_id].gap, gap, equal_nan=True)


def test_repr_names_the_public_fields_and_computes_nothing() -> None:
    arrays = general({"bumil_k4": np.array([950, 940]), "sasaran_bumil": np.array([1000, 1000])})[
        "I.1"
    ]
    before = repr(arrays)
    assert "gap=<computed when first read>" in before
    assert "numerator=array([950, 940])" in before
    assert "_numerator" not in before
    assert "uint16" not in before
    assert "gap=<computed" in repr(arrays)  # repr did not compute it
    assert arrays.gap.tolist() == [0.0, 1.0]
    assert "gap=array([0., 1.])" in repr(arrays)
