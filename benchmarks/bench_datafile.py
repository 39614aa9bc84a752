"""A data file through the front door: the batch path against row-by-row, in one run.

An Indonesian CSV (``;``-separated, 10 inputs of Kulon Progo 2011, one row per
puskesmas) is read once with ``read_data``; then, round by round and interleaved:

- ``evaluate_table`` (the command line's path: ``evaluate_batch`` on the rows, chunked);
- a row-by-row loop calling the scalar ``spmkit.evaluate`` (what the command did before
  the batch engine served it), on the first ``--scalar-rows`` rows, scaled up;
- a hand-written floor: numpy ratios and comparisons of the same columns, no checks.

Reported: medians of per-round times and of per-round ratios (scalar / batch, batch /
floor), and the CPU time of ``read_data`` and of CSV rendering for the whole file.

Run: ``python benchmarks/bench_datafile.py [--rows 100000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import spmkit
from spmkit._files.datafiles import evaluate_table, read_data
from spmkit._files.report import render_csv

RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
PAIRS = [
    ("bumil_k4", "sasaran_bumil"),
    ("ibu_komplikasi_ditangani", "ibu_komplikasi"),
    ("bulin_nakes", "sasaran_bulin"),
    ("ibu_nifas_kf3", "ibu_nifas"),
    ("bayi_pelayanan_standar", "bayi_lahir_hidup"),
]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    columns = [name for pair in PAIRS for name in pair]
    lines = ["Puskesmas;Tahun;" + ";".join(columns)]
    for number in range(rows):
        values = []
        for _ in PAIRS:
            denominator = rng.randint(500, 2000)
            values += [rng.randint(int(denominator * 0.85), denominator), denominator]
        lines.append(f"P{number};2011;" + ";".join(map(str, values)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def floor(columns: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Hand-written numpy: value and met per indicator, nothing checked."""
    out = []
    for numerator, denominator in PAIRS:
        value = columns[numerator] * 100 / columns[denominator]
        out.extend([value, value >= 95])
    return out


def cpu(function) -> tuple[float, object]:
    start = time.process_time()
    result = function()
    return time.process_time() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scalar-rows", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        write_csv(path, args.rows)
        read_time, table = cpu(lambda: read_data(path, RULE_SET))
    columns = {
        name: np.array([row.values[name] for row in table.rows], dtype=np.float64)
        for pair in PAIRS
        for name in pair
    }
    sample = table.rows[: args.scalar_rows]
    scale = len(table.rows) / len(sample)
    times: dict[str, list[float]] = {"batch": [], "scalar": [], "floor": []}
    for _ in range(args.rounds):
        times["batch"].append(cpu(lambda: evaluate_table(RULE_SET, table))[0])
        times["scalar"].append(
            cpu(lambda: [spmkit.evaluate(RULE_SET, row.values) for row in sample])[0] * scale
        )
        times["floor"].append(cpu(lambda: floor(columns))[0])
    render_time, _ = cpu(lambda: render_csv(RULE_SET, evaluate_table(RULE_SET, table)))
    print(f"{len(table.rows)} rows, {len(RULE_SET.indicators)} indicators; CPU seconds")
    for name, values in times.items():
        print(f"  {name:7} median {statistics.median(values):8.3f} s")
    ratios = [s / b for s, b in zip(times["scalar"], times["batch"], strict=True)]
    floors = [b / f for b, f in zip(times["batch"], times["floor"], strict=True)]
    print(f"  scalar / batch: median {statistics.median(ratios):.1f}x")
    print(f"  batch / floor:  median {statistics.median(floors):.1f}x")
    print(f"  read_data {read_time:.2f} s; render_csv (with evaluation) {render_time:.2f} s")


if __name__ == "__main__":
    main()
