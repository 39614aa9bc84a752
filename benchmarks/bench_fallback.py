"""The batch fallback against a loop of scalar ``evaluate`` calls, side by side in one run.

``evaluate_batch`` sends rows away from the numpy programs to the exact scalar evaluator
when their values have no exact float64 form (issue 30, finding 13: the fallback must
never be slower than calling ``evaluate`` row by row). For every kind of input that
takes the fallback, at each size, each round times both on the same rows, one after the
other (the order alternating), and the table gives the median of the per-round ratios
``evaluate_batch / scalar loop`` (under 1.00: the batch is faster).

The scalar loop is the strict baseline: its rows are dicts built before the clock starts,
holding the elements the column hands out (``list[i]``, ``array[i]``, ``series.iloc[i]``,
missing ones left as None), so it pays for nothing but ``evaluate``.

Rule sets: Kulon Progo 2011 (23 ratios of 46 inputs) and the health SPM index (36
indicators: 12 references, 12 weighted indices with bands). Kinds of input:

- ``huge ints``: Python lists of counts above 2**53 (about 1 % missing);
- ``Fraction amounts``: amounts (the denominators) as Fractions of thirds, counts as ints;
- ``7-decimal amounts``: amounts as float64 with seven decimals (one more than the
  programs hold exactly), counts int64;
- ``Decimal amounts``: amounts as ``decimal.Decimal`` with eight places;
- ``masked huge``: numpy masked arrays of counts above 2**53, some masked;
- ``pandas Int64 huge``: pandas nullable Int64 Series above 2**53 with NA (if pandas);
- ``one huge row``: int64 columns, one row of one column above 2**53 (the row split).

Run: ``python benchmarks/bench_fallback.py [--sizes 1,10,100,1000,10000] [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

import spmkit

warnings.simplefilter("ignore", spmkit.SpmkitWarning)

RULE_SETS = ("kulon-progo-2011", "indeks-spm-kesehatan")
BIG = 2**53


def _counts(rng: np.random.Generator, rows: int) -> np.ndarray:
    return rng.integers(1, 2_000, rows)


def _with_missing(values: list[Any], rng: np.random.Generator) -> list[Any]:
    gaps = rng.random(len(values)) < 0.01
    return [None if gap else value for value, gap in zip(values, gaps, strict=True)]


def make(kind: str, rule_set: spmkit.RuleSet, rows: int) -> tuple[dict[str, Any], list[dict]]:
    """The batch's columns of one kind, and the scalar loop's rows of the same elements."""
    rng = np.random.default_rng(7)
    columns: dict[str, Any] = {}
    elements: dict[str, list[Any]] = {}
    for name, spec in rule_set.inputs.items():
        amount = spec.kind.value != "count"
        base = _counts(rng, rows)
        if kind == "huge ints":
            values = _with_missing([int(b) + BIG for b in base], rng)
            columns[name], elements[name] = values, values
        elif kind == "masked huge":
            values = _with_missing([int(b) + BIG for b in base], rng)
            columns[name] = np.ma.masked_array(
                np.array([0 if v is None else v for v in values], dtype=object),
                mask=[v is None for v in values],
            )
            elements[name] = values
        elif kind == "pandas Int64 huge":
            import pandas as pd  # noqa: PLC0415 - optional

            values = _with_missing([int(b) + BIG for b in base], rng)
            series = pd.Series(values, dtype="Int64")
            columns[name] = series
            elements[name] = [None if v is None else series.iloc[i] for i, v in enumerate(values)]
        elif kind == "one huge row":
            column = base.astype(np.int64)
            columns[name], elements[name] = column, column.tolist()
        elif not amount:  # counts of the amount kinds below
            columns[name], elements[name] = base.astype(np.int64), base.tolist()
        elif kind == "Fraction amounts":
            values = [Fraction(3 * int(b) + 1, 3) for b in base]
            columns[name], elements[name] = values, values
        elif kind == "7-decimal amounts":
            column = base + 0.1234567
            columns[name], elements[name] = column, column.tolist()
        elif kind == "Decimal amounts":
            values = [Decimal(int(b)) + Decimal("0.12345678") for b in base]
            columns[name], elements[name] = values, values
        else:
            raise ValueError(kind)
    if kind == "one huge row":
        first = next(iter(rule_set.inputs))
        listed = columns[first].tolist()
        listed[rows // 2] = BIG + 1
        columns[first], elements[first] = listed, listed
    rows_data = [
        {name: column[row] for name, column in elements.items() if column[row] is not None}
        for row in range(rows)
    ]
    return columns, rows_data


KINDS = (
    "huge ints",
    "Fraction amounts",
    "7-decimal amounts",
    "Decimal amounts",
    "masked huge",
    "pandas Int64 huge",
    "one huge row",
)


def check_same(rule_set: spmkit.RuleSet, columns: dict[str, Any], rows_data: list[dict]) -> None:
    """The batch's value, status and met equal the scalar loop's, row by row."""
    batch = spmkit.evaluate_batch(rule_set, columns)
    assert batch.exact_fallback, "this input must take the fallback"
    step = max(1, len(rows_data) // 200)  # at most about 200 rows checked
    for row in range(0, len(rows_data), step):
        report = spmkit.evaluate(rule_set, rows_data[row])
        for indicator_id, arrays in batch.items():
            scalar = report[indicator_id]
            assert arrays.status[row] == scalar.status.value, (indicator_id, row)
            if scalar.value is not None:
                assert arrays.value[row] == scalar.value, (indicator_id, row)
                assert bool(arrays.met[row]) is scalar.met, (indicator_id, row)


def _seconds(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def bench(
    kind: str, rule_set: spmkit.RuleSet, rows: int, rounds: int
) -> tuple[float, float, float]:
    """Median per-round ratio batch / scalar loop, and the two medians in ms."""
    columns, rows_data = make(kind, rule_set, rows)
    check_same(rule_set, columns, rows_data)

    def batch() -> object:
        return spmkit.evaluate_batch(rule_set, columns)

    def scalar() -> object:
        return [spmkit.evaluate(rule_set, data) for data in rows_data]

    batch()  # warm: compiled programs, plans, caches (check_same ran the scalar code)
    # Short calls are repeated within a round so that each timing is over ~20 ms.
    repeat = max(
        1, int(0.02 / max(_seconds(lambda: spmkit.evaluate(rule_set, rows_data[0])) * rows, 1e-6))
    )
    ratios, batch_times, scalar_times = [], [], []
    for round_ in range(rounds):
        pair = [batch, scalar] if round_ % 2 == 0 else [scalar, batch]
        times = {}
        for function in pair:
            times[function] = _seconds(lambda f=function: [f() for _ in range(repeat)]) / repeat
        ratios.append(times[batch] / times[scalar])
        batch_times.append(times[batch])
        scalar_times.append(times[scalar])
    return (
        statistics.median(ratios),
        statistics.median(batch_times) * 1000,
        statistics.median(scalar_times) * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,1000,10000")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--big-rounds", type=int, default=2, help="rounds at 10,000 rows and more")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--rule-sets", default=",".join(RULE_SETS))
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    kinds = [kind for kind in args.kinds.split(",") if kind]
    try:
        import pandas as pd  # noqa: F401, PLC0415 - optional
    except ImportError:
        kinds = [kind for kind in kinds if not kind.startswith("pandas")]
    print(f"load average before: {os.getloadavg()[0]:.1f} (cpus {os.cpu_count()})")
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    print()
    print("| rule set | input kind | " + " | ".join(f"{size:,} rows" for size in sizes) + " |")
    print("|---|---|" + "---:|" * len(sizes))
    worst = 0.0
    for rule_set_id in args.rule_sets.split(","):
        rule_set = spmkit.load_rule_set(rule_set_id)
        for kind in kinds:
            cells = []
            for size in sizes:
                rounds = args.rounds if size < 10_000 else args.big_rounds
                ratio, batch_ms, scalar_ms = bench(kind, rule_set, size, rounds)
                worst = max(worst, ratio)
                cells.append(f"{ratio:.2f}x ({batch_ms:,.2f} / {scalar_ms:,.2f} ms)")
            print(f"| {rule_set_id} | {kind} | " + " | ".join(cells) + " |", flush=True)
    print()
    print(f"largest ratio: {worst:.2f}x; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
