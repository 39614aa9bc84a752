"""Rule sets evaluated in SQL (DuckDB, PostgreSQL) against evaluate_batch, in one run.

The Kulon Progo 2011 rule set (23 ratio indicators, 46 inputs) on the synthetic counts
of ``bench_batch.py`` (int64 columns, a few zero denominators, about 1 % missing in two
inputs). Every round runs each contender once, the order rotated; each cell is the
median over rounds of (its time / evaluate_batch's time with numba in that round):

- ``evaluate_batch`` with the numba kernel (1x) and with ``SPMKIT_KERNEL=numpy``, on
  numpy columns already in memory;
- ``evaluate_sql`` on DuckDB, the table in DuckDB's memory;
- from a Parquet file (reading included): ``evaluate_sql`` on DuckDB over
  ``read_parquet``, against pyarrow reading the file and ``evaluate_batch``;
- ``evaluate_sql`` on PostgreSQL (a server started here, as in tests/test_sql.py), the
  table loaded beforehand;
- the command line, ``spmkit evaluate RULES FILE --format csv -o out.csv``, on the same
  rows as a CSV file (today's reader, and ``--engine duckdb``) and as a Parquet file:
  wall time and peak memory (max RSS of the process).

Before timing, evaluate_sql's results are checked equal to evaluate_batch's on the first
10,000 rows. Run: ``python benchmarks/bench_sql.py [--rows 1000000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from bench_batch import RULE_SET, make_data

import spmkit

ROOT = Path(__file__).resolve().parent.parent


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def batch(data: dict[str, np.ndarray], kernel: str) -> Callable[[], object]:
    def run() -> object:
        os.environ["SPMKIT_KERNEL"] = kernel
        try:
            result = spmkit.evaluate_batch(RULE_SET, data)
            for arrays in result.values():  # read what evaluate_sql gives: every array
                _ = arrays.gap
        finally:
            os.environ.pop("SPMKIT_KERNEL", None)
        return result

    return run


def sql(duck: Any, table: str) -> Callable[[], object]:
    def run() -> object:
        result = spmkit.evaluate_sql(RULE_SET, duck, table)
        for arrays in result.values():  # every array, as for evaluate_batch
            _ = arrays.gap
        return result

    return run


def from_parquet(path: Path) -> Callable[[], object]:
    def run() -> object:
        table = pq.read_table(path)
        data = {name: table.column(name).to_numpy() for name in table.column_names}
        for name, column in data.items():
            if column.dtype == object:  # a column with nulls comes back as objects
                data[name] = np.array([np.nan if v is None else v for v in column], dtype=float)
        result = spmkit.evaluate_batch(RULE_SET, data)
        for arrays in result.values():
            _ = arrays.gap
        return result

    return run


def same(left: Any, right: Any) -> bool:
    for iid in left:
        for field in ("value", "gap", "status_code", "met", "numerator", "denominator"):
            a = np.asarray(getattr(left[iid], field), dtype=float)
            b = np.asarray(getattr(right[iid], field), dtype=float)
            if not np.array_equal(a, b, equal_nan=True):
                print(f"differs: {iid}.{field}")
                return False
    return True


@contextlib.contextmanager
def postgres() -> Iterator[Any]:
    """A PostgreSQL server on a Unix socket in a temporary folder (None without initdb)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        yield None
        return
    import psycopg  # noqa: PLC0415 - the postgresql extra

    bin_dir = found[-1].parent
    root = Path(tempfile.mkdtemp(prefix="spmkit-bench-pg-"))
    root.chmod(0o755)
    user, prefix = pwd.getpwuid(os.getuid()).pw_name, []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        user, prefix = "postgres", ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, user, user)
    data = root / "data"
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", user],
        check=True,
        capture_output=True,
    )
    options = f"-k {root} -c listen_addresses='' -c fsync=off -c work_mem=256MB"
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*pg_ctl, "-o", options, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        with psycopg.connect(
            host=str(root), user=user, dbname="postgres", autocommit=True
        ) as connection:
            yield connection
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def cli(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of one spmkit command, by GNU time.

    (The rusage of a child forked from this large process would count the parent's pages
    it shared until exec; GNU time measures the command from its own small process.)
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        command = ["/usr/bin/time", "-o", report.name, "-f", "%e %M", sys.executable]
        subprocess.run(
            [*command, "-W", "ignore", "-m", "spmkit.cli", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall, peak = report.read().split()[-2:]
    return float(wall), int(peak) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", default="1000000,10000000", help="table sizes, comma-separated (first: files)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-rounds", type=int, default=2, help="rounds above 1,000,000")
    parser.add_argument("--cli-rounds", type=int, default=1)
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--only-cli", action="store_true", help="only the command line")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PARQUET"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child[0], Path(options.child[1]))
        return
    sizes = [int(size) for size in options.rows.split(",")]
    print("load average at start (1, 5, 15 min):", os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="spmkit-bench-sql-"))
    columns: dict[int, tuple[dict[str, list[float]], dict[str, list[float]]]] = {}
    files: tuple[Path, Path] | None = None
    for index, rows in enumerate(sizes):
        if rows > SIDE_BY_SIDE and not options.only_cli:
            columns[rows] = in_processes(rows, work, options.large_rounds)
            continue
        data = make_data(rows)
        duck = duckdb.connect()
        duck.execute("SET enable_progress_bar = false")
        # NaN as NULL: an empty cell in the CSV file (today's reader refuses 'nan').
        duck.register(
            "source", pa.table({k: pa.array(v, from_pandas=True) for k, v in data.items()})
        )
        duck.execute("CREATE TABLE t AS SELECT * FROM source")
        duck.unregister("source")
        parquet, csv = work / f"data{rows}.parquet", work / f"data{rows}.csv"
        if index == 0:  # the files: Parquet and CSV of the first size
            duck.execute(f"COPY t TO '{parquet}' (FORMAT parquet)")
            duck.execute(f"COPY t TO '{csv}' (HEADER)")
            duck.execute(f"CREATE VIEW pq AS SELECT * FROM read_parquet('{parquet}')")
            files = (parquet, csv)
            check = duckdb.connect()
            check.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}') LIMIT 10000")
            small = {name: values[:10_000] for name, values in data.items()}
            assert same(
                spmkit.evaluate_batch(RULE_SET, small), spmkit.evaluate_sql(RULE_SET, check, "t")
            )
            print(f"evaluate_sql on DuckDB equals evaluate_batch on the first 10,000 of {rows:,}")
        if not options.only_cli:
            rounds = options.rounds if rows <= 1_000_000 else options.large_rounds
            found = in_process(data, duck, parquet if index == 0 else None, rounds)
            if index == 0 and not options.no_postgresql:
                on_postgresql(data, csv, *found)
            columns[rows] = found
        del data, duck
    if columns:
        table(columns, options)
    if files is not None and not options.no_cli:
        command_line(sizes[0], work, *files, options.cli_rounds)
    print("load average at end (1, 5, 15 min):", os.getloadavg())
    shutil.rmtree(work, ignore_errors=True)


SIDE_BY_SIDE = 1_000_000
"""Above this many rows each contender runs in a process of its own (memory)."""

CHILD_CONTENDERS = {
    "evaluate_batch, numba (in memory)": "numba",
    "evaluate_batch, pure numpy (in memory)": "numpy",
    "evaluate_sql, DuckDB table (in memory)": "duckdb",
}


def child(kind: str, parquet: Path) -> None:
    """One contender in this process: load the file (not timed), evaluate once (timed)."""
    if kind == "duckdb":
        # A database file in the work folder, its buffer pool bounded: the table is read
        # from DuckDB's own storage, and this process holds one result.
        database = parquet.with_suffix(".duckdb")
        duck = duckdb.connect(str(database), config={"memory_limit": "3GB"})
        duck.execute("SET enable_progress_bar = false")
        if not duck.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"
        ).fetchall()[0][0]:
            duck.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
        duck.execute("CREATE OR REPLACE TEMP VIEW warm AS SELECT * FROM t LIMIT 10000")
        sql(duck, "warm")()  # imports and first-call costs, not timed
        run = sql(duck, "t")
    else:
        table = pq.read_table(parquet)
        data = {}
        for name in table.column_names:  # a column with nulls: float64 with NaN
            column = table.column(name)
            if column.null_count:
                column = column.cast(pa.float64()).fill_null(np.nan)
            data[name] = column.to_numpy()
        del table
        batch({name: values[:10_000] for name, values in data.items()}, kind)()  # warm: numba
        run = batch(data, kind)
    print(f"seconds {timed(run):.6f}")


def in_processes(
    rows: int, work: Path, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The in-memory contenders at a size too large to hold side by side: each round runs
    each in a fresh process (order rotated), timing only the evaluation."""
    parquet = work / f"data{rows}.parquet"
    duck = duckdb.connect()
    duck.execute("SET enable_progress_bar = false")
    data = make_data(rows)
    duck.register("source", pa.table({k: pa.array(v, from_pandas=True) for k, v in data.items()}))
    duck.execute(f"COPY (SELECT * FROM source) TO '{parquet}' (FORMAT parquet)")
    del data, duck
    names = list(CHILD_CONTENDERS)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for round_number in range(rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        found = {}
        for name in order:
            done = subprocess.run(
                [
                    sys.executable,
                    "-W",
                    "ignore",
                    __file__,
                    "--child",
                    CHILD_CONTENDERS[name],
                    str(parquet),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).parent,
            )
            found[name] = float(done.stdout.split("seconds")[-1])
        base = found[names[0]]
        for name, value in found.items():
            seconds[name].append(value)
            ratios[name].append(value / base)
        shown = ", ".join(f"{name}: {found[name]:.2f}s" for name in names)
        print(f"{rows:,} rows, round {round_number + 1} (own processes): {shown}", flush=True)
    return seconds, ratios


def in_process(
    data: dict[str, np.ndarray], duck: Any, parquet: Path | None, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Round-robin timings of the contenders in this process, and their ratios."""
    contenders: dict[str, Callable[[], object]] = {
        "evaluate_batch, numba (in memory)": batch(data, "numba"),
        "evaluate_batch, pure numpy (in memory)": batch(data, "numpy"),
        "evaluate_sql, DuckDB table (in memory)": sql(duck, "t"),
    }
    if parquet is not None:  # from disk, reading included
        contenders["Parquet file: pyarrow + evaluate_batch"] = from_parquet(parquet)
        contenders["Parquet file: evaluate_sql, DuckDB read_parquet"] = sql(duck, "pq")
    ratios: dict[str, list[float]] = {name: [] for name in contenders}
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():  # warm: numba compiles, files are cached
        run()
    names = list(contenders)
    for round_number in range(rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        found = {name: timed(contenders[name]) for name in order}
        base = found[names[0]]
        for name, value in found.items():
            seconds[name].append(value)
            ratios[name].append(value / base)
        shown = ", ".join(f"{name}: {found[name]:.2f}s" for name in names)
        print(f"round {round_number + 1}: {shown}", flush=True)
    return seconds, ratios


def on_postgresql(
    data: dict[str, np.ndarray],
    csv: Path,
    seconds: dict[str, list[float]],
    ratios: dict[str, list[float]],
) -> None:
    """evaluate_sql on a PostgreSQL server started here, the CSV file loaded by COPY."""
    with postgres() as connection:
        if connection is not None:
            columns = ", ".join(
                f'"{n}" {"DOUBLE PRECISION" if data[n].dtype.kind == "f" else "BIGINT"}'
                for n in data
            )
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TABLE t ({columns})")
                with (
                    cursor.copy("COPY t FROM STDIN (FORMAT csv, HEADER)") as copy,
                    csv.open("rb") as file,
                ):
                    while block := file.read(1 << 20):
                        copy.write(block)
                cursor.execute("ANALYZE t")
            name = "evaluate_sql, PostgreSQL table (1 round)"
            pg_time = timed(lambda: spmkit.evaluate_sql(RULE_SET, connection, "t"))
            base = timed(batch(data, "numba"))
            seconds[name], ratios[name] = [pg_time], [pg_time / base]
            print(f"PostgreSQL: {pg_time:.2f}s, evaluate_batch (numba) {base:.2f}s", flush=True)


def table(
    columns: dict[int, tuple[dict[str, list[float]], dict[str, list[float]]]],
    options: argparse.Namespace,
) -> None:
    """One table: each contender's median ratio (and median time) at every size."""
    sizes = list(columns)
    names = list(dict.fromkeys(name for _, ratios in columns.values() for name in ratios))
    print()
    print(
        f"{len(RULE_SET.indicators)} indicators (Kulon Progo 2011); medians over "
        f"{options.rounds} rounds (1,000,000 rows and fewer) / {options.large_rounds} (more) "
        "of time / evaluate_batch (numba) in the round; every array read"
    )
    print()
    print("| contender | " + " | ".join(f"{rows:,} rows: ratio (time)" for rows in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name in names:
        cells = []
        for rows in sizes:
            seconds, ratios = columns[rows]
            if name in ratios:
                median = statistics.median(seconds[name])
                cells.append(f"{statistics.median(ratios[name]):.2f}x ({median:.2f} s)")
            else:
                cells.append("-")
        print(f"| {name} | " + " | ".join(cells) + " |")


def command_line(rows: int, work: Path, parquet: Path, csv: Path, rounds: int) -> None:
    """Wall time and peak memory of spmkit evaluate on the CSV and Parquet files."""
    out = work / "out.csv"
    runs = {
        "CSV, today's reader": [
            "evaluate",
            "kulon-progo-2011",
            str(csv),
            "--format",
            "csv",
            "-o",
            str(out),
            "--no-progress",
        ],
        "CSV, --engine duckdb": [
            "evaluate",
            "kulon-progo-2011",
            str(csv),
            "--engine",
            "duckdb",
            "--format",
            "csv",
            "-o",
            str(out),
            "--no-progress",
        ],
        "Parquet (DuckDB)": [
            "evaluate",
            "kulon-progo-2011",
            str(parquet),
            "--format",
            "csv",
            "-o",
            str(out),
            "--no-progress",
        ],
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, args in runs.items():
            if out.exists():
                out.unlink()
            times[name].append(cli(args))
    base_time = statistics.median(t for t, _ in times["CSV, today's reader"])
    print()
    print(
        f"spmkit evaluate on a {rows:,}-row file (CSV {csv.stat().st_size / 1e6:.0f} MB, "
        f"Parquet {parquet.stat().st_size / 1e6:.0f} MB), --format csv -o out.csv"
    )
    print()
    print("| file and reader | wall time | peak memory (max RSS) | time / today's CSV path |")
    print("|---|---:|---:|---:|")
    for name, found in times.items():
        wall = statistics.median(t for t, _ in found)
        peak = max(m for _, m in found)
        print(f"| {name} | {wall:.1f} s | {peak:.0f} MB | {wall / base_time:.2f}x |")


if __name__ == "__main__":
    main()
