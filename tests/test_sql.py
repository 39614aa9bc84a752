"""Rule sets compiled to SQL give evaluate_batch's results, field by field.

DuckDB runs in process; PostgreSQL is a real server this module starts itself (initdb
into a temporary folder, a Unix socket there, stopped at the end). Hypothesis compares
``evaluate_sql`` with ``evaluate_batch`` on every shipped rule set, with boundary rows
(57/100 against 57 %, 94996/100000 against 95 %, amounts with 4 decimals, zero
denominators, NULLs) and on generated rule sets with composite expressions.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit import strategies as spst
from spmkit.errors import DataInvalid, RuleSetError, UsageError

duckdb = pytest.importorskip("duckdb")


@functools.cache
def shipped() -> dict[str, spmkit.RuleSet]:
    """Every shipped rule set by id, loaded when a test first asks (not at collection)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {i: spmkit.load_rule_set(i) for i in spmkit.shipped_rule_sets()}


FIELDS = (
    "value",
    "status_code",
    "met",
    "gap",
    "numerator",
    "denominator",
    "exceeds_denominator",
    "band",
    "band_en",
    "milestone",
    "progress",
)
COUNTS: dict[str, list[int]] = {}
"""Per engine and rule set: cases, rows, boundary rows compared (printed at the end)."""


def _is_count(rule_set: spmkit.RuleSet, name: str) -> bool:
    return rule_set.inputs[name].kind.value == "count"


def disagreements(batch: Any, sql: Any) -> list[str]:
    """Every (indicator, field, row) where the two results differ."""
    found = []
    assert list(batch) == list(sql)
    assert batch.rows == sql.rows
    for iid in batch:
        left, right = batch[iid], sql[iid]
        for field in FIELDS:
            a, b = getattr(left, field), getattr(right, field)
            if a is None and b is None:
                continue
            if a is None or b is None:
                found.append(f"{iid}.{field}: {a!r} vs {b!r}")
                continue
            a, b = np.asarray(a), np.asarray(b)
            if object in (a.dtype, b.dtype):
                same = np.array([x == y for x, y in zip(a.tolist(), b.tolist(), strict=True)])
            elif a.dtype.kind == "f" or b.dtype.kind == "f":
                same = (a == b) | (np.isnan(a.astype(float)) & np.isnan(b.astype(float)))
            else:
                same = a == b
            found.extend(
                f"{iid}.{field} row {row}: {a[row]!r} vs {b[row]!r}"
                for row in np.flatnonzero(~same)
            )
    return found


def boundary_rows(rule_set: spmkit.RuleSet) -> list[dict[str, Any]]:
    """Rows putting plain ratios exactly on, just under and just over their targets."""
    rows: list[dict[str, Any]] = []
    for indicator in rule_set.indicators.values():
        num, den = indicator.numerator, indicator.denominator
        if not (hasattr(num, "name") and hasattr(den, "name")) or num.name == den.name:
            continue
        share = indicator.target.value / indicator.factor  # the target as a share
        for scale in (100, 1000, 100_000):
            top = share * scale
            for delta in (0, -1, 1, -Fraction(1, 10_000)):
                numerator = top + delta
                if numerator < 0:
                    continue
                if _is_count(rule_set, num.name) and numerator.denominator != 1:
                    continue
                if numerator.denominator not in (1, 2, 4, 5, 10, 20, 25, 50, 100, 10_000):
                    continue
                rows.append({num.name: numerator, den.name: Fraction(scale)})
    rows.extend(
        [
            {},  # every input NULL
            dict.fromkeys(rule_set.inputs, Fraction(0)),  # zero denominators
        ]
    )
    return rows


def _amount(draw: Any) -> Fraction:
    return Fraction(draw(st.integers(0, 10**9)), 10_000)


@st.composite
def tables(draw: Any, rule_set: spmkit.RuleSet, *, with_year: bool = False) -> list[dict[str, Any]]:
    """Rows of exact numbers (None for NULL): random, boundary-heavy, with NULLs and zeros."""
    names = list(rule_set.inputs)
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row: dict[str, Any] = {}
        for name in names:
            kind = draw(st.sampled_from(("null", "zero", "small", "big", "big")))
            if kind == "null":
                row[name] = None
            elif kind == "zero":
                row[name] = Fraction(0)
            elif _is_count(rule_set, name):
                top = 100 if kind == "small" else 10**9
                row[name] = Fraction(draw(st.integers(0, top)))
            else:
                row[name] = _amount(draw) if kind == "big" else Fraction(draw(st.integers(0, 100)))
        rows.append(row)
    boundary = boundary_rows(rule_set)
    if boundary:
        picks = draw(st.lists(st.sampled_from(boundary), max_size=8))
        rows.extend({**dict.fromkeys(names), **pick} for pick in picks)
    if with_year:
        for row in rows:
            row["tahun"] = draw(st.sampled_from((None, 2005, 2010, 2012, 2013, 2014, 2016, 2020)))
    return rows


def batch_data(rule_set: spmkit.RuleSet, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The rows as evaluate_batch takes them: lists of ints / floats with None."""
    data: dict[str, Any] = {"rid": list(range(len(rows)))}
    for name in rule_set.inputs:
        values = [row.get(name) for row in rows]
        if _is_count(rule_set, name):
            data[name] = [None if v is None else int(v) for v in values]
        else:
            data[name] = [None if v is None else float(v) for v in values]
    if any("tahun" in row for row in rows):
        data["tahun"] = [row.get("tahun") for row in rows]
    return data


def _sql_value(value: Fraction | None, *, count: bool) -> Any:
    if value is None:
        return None
    if count:
        return int(value)
    return Decimal(value.numerator) / Decimal(value.denominator)


def load(
    connection: Any,
    rule_set: spmkit.RuleSet,
    rows: Sequence[Mapping[str, Any]],
    *,
    marker: str,
) -> None:
    """Create table ``t`` with the rows (counts BIGINT, amounts DECIMAL(24,4))."""
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS t")
    names = list(rule_set.inputs)
    with_year = any("tahun" in row for row in rows)
    types = ["rid BIGINT"] + (["tahun INTEGER"] if with_year else [])
    types += [f'"{n}" {"BIGINT" if _is_count(rule_set, n) else "DECIMAL(24,4)"}' for n in names]
    cursor.execute(f"CREATE TABLE t ({', '.join(types)})")
    columns = ["rid"] + (["tahun"] if with_year else []) + [f'"{n}"' for n in names]
    holders = ", ".join([marker] * len(columns))
    values = [
        (
            rid,
            *((row.get("tahun"),) if with_year else ()),
            *(_sql_value(row.get(n), count=_is_count(rule_set, n)) for n in names),
        )
        for rid, row in enumerate(rows)
    ]
    cursor.executemany(f"INSERT INTO t ({', '.join(columns)}) VALUES ({holders})", values)  # noqa: S608 - test names
    connection.commit()


def compare(
    connection: Any,
    rule_set: spmkit.RuleSet,
    rows: Sequence[Mapping[str, Any]],
    *,
    marker: str,
    engine: str,
    year: str | None = None,
) -> None:
    load(connection, rule_set, rows, marker=marker)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = spmkit.evaluate_batch(rule_set, batch_data(rule_set, rows), keys=["rid"], year=year)
    sql = spmkit.evaluate_sql(rule_set, connection, "t", keys=["rid"], year=year)
    assert sql.key_columns["rid"].tolist() == list(range(len(rows)))
    assert disagreements(batch, sql) == []
    boundary = [{**dict.fromkeys(rule_set.inputs), **b} for b in boundary_rows(rule_set)]
    on_boundary = sum(1 for row in rows if {k: row.get(k) for k in rule_set.inputs} in boundary)
    name = engine if "generated" in engine else f"{engine} {rule_set.id}"
    found = COUNTS.setdefault(f"{name}{' (year column)' if year else ''}", [0, 0, 0])
    found[0] += 1
    found[1] += len(rows)
    found[2] += on_boundary


@pytest.fixture(scope="module")
def duck() -> Iterator[Any]:
    connection = duckdb.connect()
    yield connection
    connection.close()


# -- quick DuckDB checks (not slow) ---------------------------------------------------


def test_kulon_progo_boundaries_on_duckdb(duck: Any) -> None:
    """57/100 is 57 % exactly, 94996/100000 is under 95 %: decided exactly, as in Python."""
    rule_set = shipped()["kulon-progo-2011"]
    rows = [
        {"bumil_k4": Fraction(95), "sasaran_bumil": Fraction(100)},
        {"bumil_k4": Fraction(94996), "sasaran_bumil": Fraction(100000)},
        {"bumil_k4": Fraction(57), "sasaran_bumil": Fraction(100)},
        {"bumil_k4": None, "sasaran_bumil": Fraction(100)},
        {"bumil_k4": Fraction(3), "sasaran_bumil": Fraction(0)},
        {"bumil_k4": Fraction(950), "sasaran_bumil": Fraction(99999, 100)},
    ]
    compare(duck, rule_set, rows, marker="?", engine="duckdb")
    result = spmkit.evaluate_sql(rule_set, duck, "t", keys=["rid"])
    assert result["I.1"].status.tolist() == [
        "met",
        "not_met",
        "not_met",
        "no_data",
        "undefined",
        "met",
    ]
    assert result["I.1"].value[:3].tolist() == [95.0, 94.996, 57.0]
    assert result["I.1"].value[5] == 950 / 999.99 * 100


def test_to_sql_is_one_select_per_indicator_in_long_form(duck: Any) -> None:
    rule_set = shipped()["kulon-progo-2011"]
    load(duck, rule_set, [{"bumil_k4": Fraction(57), "sasaran_bumil": Fraction(60)}], marker="?")
    text = spmkit.to_sql("kulon-progo-2011", table="t", keys=["rid"])
    rows = duck.execute(text + " ORDER BY indicator").fetchall()
    assert len(rows) == len(rule_set.indicators)
    row = next(r for r in rows if r[1] == "I.1")
    assert row[:4] == (0, "I.1", "met", True)
    assert "/" not in text.split("AS __spm0_a")[0].split("__spm_2 AS")[1]  # no quotient decides


def test_index_bands_on_duckdb(duck: Any) -> None:
    """IP.1 = 0.8 x @1 + 0.2 x @M.1, with its bands, exact at the band edges."""
    rule_set = shipped()["indeks-spm-kesehatan"]
    rows = [
        {"bumil_standar": Fraction(9), "sasaran_bumil": Fraction(10)}
        | dict.fromkeys(("mutu_1_barang_terpenuhi", "mutu_1_sdm_terpenuhi"), Fraction(5))
        | dict.fromkeys(("mutu_1_barang_dibutuhkan", "mutu_1_sdm_dibutuhkan"), Fraction(5)),
        {"bumil_standar": Fraction(1), "sasaran_bumil": Fraction(3)},
    ]
    compare(duck, rule_set, rows, marker="?", engine="duckdb")
    result = spmkit.evaluate_sql(rule_set, duck, "t", keys=["rid"])
    assert result["IP.1"].value[0] == 92.0
    assert result["IP.1"].band is not None
    assert result["IP.1"].band.tolist() == ["Tuntas Utama", None]
    assert result["IP.1"].status.tolist() == ["not_met", "no_data"]


def test_refusals(duck: Any) -> None:
    with pytest.raises(UsageError, match="dialect"):
        spmkit.to_sql("kulon-progo-2011", table="t", dialect="oracle")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="plain SQL name"):
        spmkit.to_sql("kulon-progo-2011", table="t; DROP TABLE x")
    base = shipped()["kulon-progo-2011"]
    huge = attrs.evolve(
        base.indicators["I.1"],
        numerator=spmkit.parse_expression(f"bumil_k4 * {2**130}"),
    )
    rule_set = attrs.evolve(base, indicators={**base.indicators, "I.1": huge})
    with pytest.raises(RuleSetError, match=r"cannot compile the number .* HUGEINT"):
        spmkit.to_sql(rule_set, table="t")
    assert "NUMERIC" in spmkit.to_sql(rule_set, table="t", dialect="postgresql")
    load(duck, shipped()["kulon-progo-2011"], [{"bumil_k4": Fraction(-1)}], marker="?")
    with pytest.raises(DataInvalid, match="bad values"):
        spmkit.evaluate_sql("kulon-progo-2011", duck, "t")
    # An integer column read whole is checked as it is read, a DECIMAL one before: the
    # error names both, as when every column was checked first.
    bad = [{"bumil_k4": Fraction(-1), "sasaran_bulin": Fraction(-2)}, {"pus": Fraction(-7)}]
    load(duck, shipped()["kulon-progo-2011"], bad, marker="?")
    with pytest.raises(DataInvalid) as raised:
        spmkit.evaluate_sql("kulon-progo-2011", duck, "t")
    named = sorted(p.input_name for p in raised.value.exceptions)
    assert named == ["bumil_k4", "pus", "sasaran_bulin"]


def test_temporary_table_on_duckdb(duck: Any) -> None:
    """A TEMP table (seen only by its own connection, not by a cursor's) evaluates."""
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE capaian AS SELECT 57 AS bumil_k4, 60 AS sasaran_bumil"
    )
    found = spmkit.evaluate_sql("kulon-progo-2011", duck, "capaian")["I.1"]
    assert found.status.tolist() == ["met"]
    assert found.value.tolist() == [95.0]


def test_terms_beyond_exact_floats_on_duckdb(duck: Any) -> None:
    """Counts past 2**53 give the float nearest the exact fraction, as the scalar engine.

    (64-bit terms, finished in numpy; then with a row whose products pass 64 bits, so the
    whole table is evaluated again in HUGEINT.) The reference is ``spmkit.evaluate``:
    ``evaluate_batch`` rounds the 2**53 + 1 row from float terms when other inputs of
    the table are missing (reported to the lead).
    """
    rule_set = shipped()["kulon-progo-2011"]
    pairs = [(2**54 + 1, 2**54 + 3), (2**53 - 1, 2**53 + 1), (3, 2**55 + 1), (57, 60)]
    for extra in ([], [(2**61 + 1, 3)]):
        rows = [{"bumil_k4": Fraction(n), "sasaran_bumil": Fraction(d)} for n, d in pairs + extra]
        load(duck, rule_set, rows, marker="?")
        found = spmkit.evaluate_sql(rule_set, duck, "t")["I.1"]
        for row, (n, d) in enumerate(pairs + extra):
            one = spmkit.evaluate(rule_set, {"bumil_k4": n, "sasaran_bumil": d})["I.1"]
            assert found.value[row] == one.value == float(Fraction(100 * n, d))
            assert found.status[row] == one.status.value
            assert found.numerator[row] == float(n)
            assert found.denominator[row] == float(d)
            if one.gap is not None:
                assert found.gap[row] == one.gap


@pytest.mark.slow
@settings(
    max_examples=examples(15),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_shipped_rule_set_on_duckdb(duck: Any, data: st.DataObject) -> None:
    for rule_set in shipped().values():
        rows = data.draw(tables(rule_set), label=rule_set.id)
        compare(duck, rule_set, rows, marker="?", engine="duckdb")


@pytest.mark.slow
@settings(
    max_examples=examples(15),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_years_on_duckdb(duck: Any, data: st.DataObject) -> None:
    rule_set = shipped()["siak-renstra-2012-2016"]
    rows = data.draw(tables(rule_set, with_year=True))
    compare(duck, rule_set, rows, marker="?", engine="duckdb", year="tahun")


@pytest.mark.slow
@settings(
    max_examples=examples(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rule_set=spst.rule_sets(max_indicators=4), data=st.data())
def test_generated_composite_rule_sets_on_duckdb(
    duck: Any, rule_set: spmkit.RuleSet, data: st.DataObject
) -> None:
    """min, max, coalesce, sum, division, negation and references compile exactly."""
    rows = data.draw(tables(rule_set))
    # A literal beyond HUGEINT is refused by name, never floated: generated numbers are small.
    assert spmkit.to_sql(rule_set, table="t")
    try:
        compare(duck, rule_set, rows, marker="?", engine="duckdb generated rule sets")
    except duckdb.OutOfRangeException:  # HUGEINT overflowed: an error, never a wrong answer
        COUNTS.setdefault("duckdb generated rule sets: overflow errors", [0, 0, 0])[0] += 1


# -- PostgreSQL: a real server, started here -----------------------------------------


def _initdb() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1]
    on_path = shutil.which("initdb")
    return Path(on_path) if on_path else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A PostgreSQL server in a temporary folder on a Unix socket, and a connection."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    psycopg = pytest.importorskip("psycopg")
    bin_dir = initdb.parent
    root = Path(tempfile.mkdtemp(prefix="spmkit-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    prefix: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        user = "postgres"
        owner = pwd.getpwnam(user)
        os.chown(data, owner.pw_uid, owner.pw_gid)
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    run = [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", user]
    subprocess.run(run, check=True, capture_output=True)
    options = f"-k {root} -c listen_addresses='' -c fsync=off"
    start = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "start"]
    subprocess.run([*start, "-l", str(root / "log")], check=True, capture_output=True)
    try:
        connection = psycopg.connect(
            host=str(root), user=user, dbname="postgres", autocommit=True, prepare_threshold=None
        )
        yield connection
        connection.close()
    finally:
        stop = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop, check=False, capture_output=True)
        with contextlib.suppress(OSError):
            shutil.rmtree(root)


@pytest.mark.slow
def test_kulon_progo_boundaries_on_postgresql(postgres: Any) -> None:
    rule_set = shipped()["kulon-progo-2011"]
    rows = [
        {"bumil_k4": Fraction(57), "sasaran_bumil": Fraction(100)},
        {"bumil_k4": Fraction(94996), "sasaran_bumil": Fraction(100000)},
        {"bumil_k4": None, "sasaran_bumil": Fraction(100)},
        {"bumil_k4": Fraction(3), "sasaran_bumil": Fraction(0)},
        {"bumil_k4": Fraction(950), "sasaran_bumil": Fraction(99999, 10000)},
    ]
    compare(postgres, rule_set, rows, marker="%s", engine="postgresql")
    text = spmkit.to_sql(rule_set, table="t", keys=["rid"], dialect="postgresql")
    with postgres.cursor() as cursor:
        cursor.execute(text + " ORDER BY rid, indicator")
        found = [r[2] for r in cursor.fetchall() if r[1] == "I.1"]
    assert found == ["not_met", "not_met", "no_data", "undefined", "met"]


@pytest.mark.slow
@settings(
    max_examples=examples(10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_shipped_rule_set_on_postgresql(postgres: Any, data: st.DataObject) -> None:
    for rule_set in shipped().values():
        rows = data.draw(tables(rule_set), label=rule_set.id)
        compare(postgres, rule_set, rows, marker="%s", engine="postgresql")


@pytest.mark.slow
@settings(
    max_examples=examples(10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_years_on_postgresql(postgres: Any, data: st.DataObject) -> None:
    rule_set = shipped()["siak-renstra-2012-2016"]
    rows = data.draw(tables(rule_set, with_year=True))
    compare(postgres, rule_set, rows, marker="%s", engine="postgresql", year="tahun")


def teardown_module() -> None:
    """The counts of compared rows, for the record (pytest -s shows them)."""
    for name, (cases, rows, boundary) in sorted(COUNTS.items()):
        print(  # noqa: T201 - the record of the run
            f"sql equality: {name}: {cases} cases, {rows} rows ({boundary} boundary rows), "
            "0 disagreements"
        )


def test_command_line_reads_parquet_and_csv_through_duckdb(
    duck: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same report from a CSV file read by DuckDB as by today's reader; Parquet too."""
    from spmkit.cli import main  # noqa: PLC0415 - the command line, for this test only

    duck.execute(
        "COPY (SELECT 'R' || range AS wilayah, 57 + range AS bumil_k4, 100 AS sasaran_bumil "  # noqa: S608 - a test's own path
        f"FROM range(50)) TO '{tmp_path / 'd.csv'}' (HEADER)"
    )
    duck.execute(
        f"COPY (SELECT * FROM read_csv('{tmp_path / 'd.csv'}')) TO '{tmp_path / 'd.parquet'}'"  # noqa: S608
        " (FORMAT parquet)"
    )
    outputs = []
    for extra in ([], ["--engine", "duckdb"]):
        main(["evaluate", "kulon-progo-2011", str(tmp_path / "d.csv"), "--format", "csv", *extra])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert '2,R0,,I.1,not_met,false,57.0,"57,00",' in outputs[0]
    main(["evaluate", "kulon-progo-2011", str(tmp_path / "d.parquet"), "--format", "csv"])
    parquet = capsys.readouterr().out
    assert parquet.splitlines()[1:] == [
        line.replace(f"{int(line.split(',')[0])},", f"{int(line.split(',')[0]) - 1},", 1)
        for line in outputs[0].splitlines()[1:]
    ]
    main(["sql", "kulon-progo-2011", "--table", "capaian", "--keys", "kode"])
    text = capsys.readouterr().out
    assert text.startswith("WITH ") and text.rstrip().endswith(";")
    assert '"kode"' in text


def test_example_queries_are_current() -> None:
    """examples/sql/ holds the queries of Kulon Progo I.1 and the index IP.1, as generated."""
    folder = Path(__file__).resolve().parents[1] / "examples" / "sql"
    kulon = shipped()["kulon-progo-2011"]
    inputs = {k: kulon.inputs[k] for k in ("bumil_k4", "sasaran_bumil")}
    one = attrs.evolve(kulon, indicators={"I.1": kulon.indicators["I.1"]}, inputs=inputs)
    text = spmkit.to_sql(one, table="capaian", keys=["kode_wilayah"])
    assert (folder / "kulon-progo-2011-I.1.duckdb.sql").read_text() == text + ";\n"
    index = shipped()["indeks-spm-kesehatan"]
    three = attrs.evolve(index, indicators={k: index.indicators[k] for k in ("1", "M.1", "IP.1")})
    text = spmkit.to_sql(three, table="capaian", keys=["kode"], dialect="postgresql")
    assert (folder / "indeks-spm-kesehatan-IP.1.postgresql.sql").read_text() == text + ";\n"
