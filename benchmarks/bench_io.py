"""The command line against the polars floor on one big CSV file (issue 29 item 3).

Run ``PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_io.py --rows 1000000``:
per round, the polars floor (read CSV, compute the 23 indicators, write the same lines)
and ``spmkit evaluate ... --format csv -o`` in fresh processes, side by side; the median
of per-round ratios and each one's peak resident memory. ``--pandas`` adds the pandas
floor (slow: about ten minutes at 1,000,000 rows on a shared machine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import bench_peers as peers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--pandas", action="store_true")
    args = parser.parse_args()
    polars_script = f"SPEC = {peers.FULL_SPEC!r}\n{peers._FLOOR_POLARS}"  # noqa: SLF001
    pandas_script = f"SPEC = {peers.FULL_SPEC!r}\n{peers._FLOOR_LONG}"  # noqa: SLF001
    runs: dict[str, list[tuple[float, float]]] = {"cli": [], "polars": [], "pandas": []}
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "data.csv"
        peers.write_csv(data, args.rows)
        out = str(Path(directory) / "out.csv")
        print(f"{args.rows:,} rows, {data.stat().st_size / 1e6:.0f} MB of CSV")
        for _ in range(args.rounds):
            runs["polars"].append(peers.run_script(polars_script, str(data), out))
            runs["cli"].append(peers.run_script(peers._CLI, str(data), out))  # noqa: SLF001
            if args.pandas:
                runs["pandas"].append(peers.run_script(pandas_script, str(data), out))
    for floor in ("polars", "pandas"):
        if not runs[floor]:
            continue
        ratio = statistics.median(
            c[0] / f[0] for c, f in zip(runs["cli"], runs[floor], strict=True)
        )
        print(
            f"CLI {statistics.median(c[0] for c in runs['cli']):.2f} s, "
            f"{statistics.median(c[1] for c in runs['cli']):.0f} MB; {floor} floor "
            f"{statistics.median(f[0] for f in runs[floor]):.2f} s, "
            f"{statistics.median(f[1] for f in runs[floor]):.0f} MB: CLI / {floor} = {ratio:.2f}x"
        )


if __name__ == "__main__":
    main()
