"""Batch evaluation against hand-written baselines, side by side in one run.

The Kulon Progo 2011 rule set (23 ratio indicators, 46 inputs) on synthetic counts per
region. Compared, at each size, as medians and as ratios to hand-written numpy that
computes the same outputs (value, exact met, gap, status):

- ``spmkit.evaluate_batch`` (data as a dict of int64 numpy columns, about 1 % missing
  in two columns, a few zero denominators);
- hand-written numpy;
- a hand-written Python loop (small sizes only);
- a Python loop calling scalar ``spmkit._evaluation.scalar`` per row (small sizes only).

Also: peak memory of evaluate_batch at the largest size against the input's size, and
scalar ``evaluate`` for one region against a hand-written Python function.

Run: ``make bench-batch`` or ``python benchmarks/bench_batch.py [--sizes 1000,100000]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

import spmkit

RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
SPEC = [
    (
        i.id,
        i.numerator.name,  # type: ignore[union-attr]
        i.denominator.name,  # type: ignore[union-attr]
        i.target.value.numerator,
        i.target.value.denominator,
    )
    for i in RULE_SET.indicators.values()
]


def make_data(rows: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for _iid, num, den, _p, _q in SPEC:
        denominator = rng.integers(0, 2_000, rows)
        data[den] = denominator
        data[num] = (denominator * rng.uniform(0.8, 1.05, rows)).astype(np.int64)
    # About 1 % missing in two inputs: missing values make a float column.
    for name in ("bumil_k4", "sasaran_bulin"):
        column = data[name].astype(np.float64)
        column[rng.random(rows) < 0.01] = np.nan
        data[name] = column
    return data


def numpy_baseline(data: dict[str, np.ndarray]) -> dict[str, tuple[Any, ...]]:
    """Hand-written numpy: value, exact met (integer cross-multiplication), gap, status."""
    out = {}
    for iid, num, den, p, q in SPEC:
        n, d = data[num], data[den]
        a = n * 100
        with np.errstate(invalid="ignore", divide="ignore"):
            safe_d = np.where(d == 0, np.nan, d)
            value = a / safe_d
            met = a * q >= p * safe_d
            gap = np.where(met, 0.0, np.abs(p * safe_d - q * a) / (q * safe_d))
        status = np.where(met, 0, 1).astype(np.int8)
        status[np.isnan(value)] = 3
        status[np.isnan(n) | np.isnan(d)] = 2
        out[iid] = (value, met, gap, status)
    return out


def python_loop(columns: dict[str, list[Any]], rows: int) -> list[dict[str, Any]]:
    """Hand-written Python, one region at a time, exact with integers."""
    results = []
    for row in range(rows):
        result = {}
        for iid, num, den, p, q in SPEC:
            n, d = columns[num][row], columns[den][row]
            if n is None or d is None:
                result[iid] = ("no_data", None, None, None)
            elif d == 0:
                result[iid] = ("undefined", None, None, None)
            else:
                met = n * 100 * q >= p * d
                value = n * 100 / d
                gap = 0.0 if met else abs(p * d - q * n * 100) / (q * d)
                result[iid] = ("met" if met else "not_met", value, met, gap)
        results.append(result)
    return results


def scalar_loop(rows_data: list[dict[str, Any]]) -> list[spmkit.Report]:
    return [spmkit.evaluate(RULE_SET, row) for row in rows_data]


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def as_columns(data: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    return {k: [None if math.isnan(v) else int(v) for v in a.tolist()] for k, a in data.items()}


def as_rows(data: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
    columns = as_columns(data)
    return [{k: c[i] for k, c in columns.items() if c[i] is not None} for i in range(rows)]


def check_same(data: dict[str, np.ndarray]) -> None:
    """The contenders must agree before they are timed."""
    batch = spmkit.evaluate_batch(RULE_SET, data)
    for iid, (value, met, gap, status) in numpy_baseline(data).items():
        assert np.array_equal(batch[iid].value, value, equal_nan=True), iid
        assert np.array_equal(batch[iid].met, met), iid
        assert np.array_equal(batch[iid].gap, gap, equal_nan=True), iid
        assert np.array_equal(batch[iid].status_code, status), iid


def bench_sizes(sizes: list[int]) -> list[tuple[int, str, float, float]]:
    rows_out = []
    for rows in sizes:
        data = make_data(rows)
        check_same(data)
        repeats = 21 if rows <= 10_000 else 7 if rows <= 100_000 else 5
        baseline = median_seconds(lambda d=data: numpy_baseline(d), repeats)
        contenders: list[tuple[str, Callable[[], object], int]] = [
            ("hand-written numpy", lambda d=data: numpy_baseline(d), repeats),
            ("spmkit.evaluate_batch", lambda d=data: spmkit.evaluate_batch(RULE_SET, d), repeats),
        ]
        if rows <= 10_000:
            columns = as_columns(data)
            contenders.append(
                ("hand-written Python loop", lambda c=columns, r=rows: python_loop(c, r), 3)
            )
        if rows <= 1_000:
            row_dicts = as_rows(data, rows)
            contenders.append(
                ("Python loop of spmkit._evaluation.scalar", lambda r=row_dicts: scalar_loop(r), 3)
            )
        for name, function, count in contenders:
            seconds = baseline if name == "hand-written numpy" else median_seconds(function, count)
            rows_out.append((rows, name, seconds, seconds / baseline))
            print(f"{rows:>9,}  {name:<32} {seconds * 1e3:>10.3f} ms  {seconds / baseline:>7.2f}x")
    return rows_out


def bench_memory(rows: int) -> tuple[float, float]:
    data = make_data(rows)
    input_bytes = sum(a.nbytes for a in data.values())
    tracemalloc.start()
    result = spmkit.evaluate_batch(RULE_SET, data)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return input_bytes / 1e6, peak / 1e6


def hand_scalar(row: dict[str, int]) -> dict[str, tuple[Fraction, bool]]:
    """One region, hand-written: exact value and met per indicator."""
    out = {}
    for iid, num, den, p, q in SPEC:
        value = Fraction(row[num] * 100, row[den])
        out[iid] = (value, value >= Fraction(p, q))
    return out


def bench_scalar() -> tuple[float, float]:
    row = {k: int(v[0]) or 1 for k, v in make_data(1, seed=3).items() if v[0] == v[0]}
    row.update({den: max(row.get(den, 1), 1) for _i, _n, den, _p, _q in SPEC})
    row.update({num: row.get(num, 1) for _i, num, _d, _p, _q in SPEC})
    spmkit_s = median_seconds(lambda: spmkit.evaluate(RULE_SET, row), 201)
    hand_s = median_seconds(lambda: hand_scalar(row), 201)
    return spmkit_s, hand_s


def import_time() -> float:
    code = "import time; s = time.perf_counter(); import spmkit; print(time.perf_counter() - s)"
    command = [sys.executable, "-c", code]
    times = [float(subprocess.check_output(command, text=True)) for _ in range(5)]  # noqa: S603
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, {len(SPEC)} indicators")
    print(f"{'rows':>9}  {'contender':<32} {'median':>13}  {'/numpy':>7}")
    bench_sizes(sizes)
    input_mb, peak_mb = bench_memory(max(sizes))
    print(
        f"\npeak memory of evaluate_batch at {max(sizes):,} rows: {peak_mb:.0f} MB "
        f"for {input_mb:.0f} MB of input ({peak_mb / input_mb:.2f}x)"
    )
    spmkit_s, hand_s = bench_scalar()
    print(
        f"scalar evaluate, whole rule set, one region: {spmkit_s * 1e6:.0f} us; "
        f"hand-written Python: {hand_s * 1e6:.0f} us ({spmkit_s / hand_s:.1f}x)"
    )
    print(f"import spmkit: {import_time() * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
