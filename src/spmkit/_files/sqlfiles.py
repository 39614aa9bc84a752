"""The command line's SQL parts: ``spmkit sql``, and data files read through DuckDB.

``spmkit sql RULE_SET`` prints :func:`spmkit.to_sql`'s query. ``spmkit evaluate RULE_SET
data.parquet`` (and ``.csv`` / ``.csv.gz`` with ``--engine duckdb``) reads the file with
DuckDB (the ``sql`` extra), :data:`~spmkit._files.streaming.STREAM_ROWS` rows at a time
as Arrow batches streamed from the query (DuckDB's memory limited to 256 MB), and hands
the chunks to the same chunked evaluation and report as a streamed CSV file: the same
output, in memory that does not grow with the file (benchmarks/README.md). DuckDB reads the file
as data, not as an office's sheet: the header is the first line, numbers are plain
(``1234.5``), and there are no title, footnote or totals rows (use the default engine
for those). Docs: ``docs/sql.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np

from spmkit._evaluation.sql import DIALECTS, to_sql
from spmkit._files.mapping import ColumnMapping, ColumnMatch, match_columns
from spmkit._files.reading import DataTable
from spmkit._files.streaming import STREAM_ROWS, RowChunk
from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.reader import load_rule_set
from spmkit._translation import Bilingual, tr
from spmkit.errors import DataFileError, UsageError

__all__ = ["DUCKDB_SUFFIXES", "DuckDbStream", "add_sql_command", "open_duckdb"]

DUCKDB_SUFFIXES: Final = (".parquet", ".csv", ".csv.gz")
"""Files ``evaluate`` reads through DuckDB (Parquet always; CSV with ``--engine duckdb``)."""

_EXACT_FLOAT: Final = 2.0**53
_BOUNDED: Final = {"memory_limit": "256MB", "threads": 2}
"""DuckDB's settings for a file read in batches: a bounded buffer pool, two threads."""


def _suffix(path: Path) -> str:
    name = path.name.casefold()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.casefold()


def wants_duckdb(path: str, engine: str | None) -> bool:
    """Whether ``evaluate`` reads this file through DuckDB (Parquet, or ``--engine duckdb``)."""
    suffix = _suffix(Path(path))
    if engine == "duckdb":
        if suffix not in DUCKDB_SUFFIXES:
            msg = tr(
                "--engine duckdb reads {suffixes} files (got {path})",
                suffixes=", ".join(DUCKDB_SUFFIXES),
                path=path,
            )
            raise UsageError(msg)
        return True
    return suffix == ".parquet"


def _duckdb() -> Any:  # noqa: ANN401 - the duckdb module
    try:
        import duckdb  # noqa: PLC0415 - optional dependency (the sql extra)
    except ImportError:
        msg = tr("reading this file needs DuckDB: pip install 'spmkit[sql]'")
        raise UsageError(msg) from None
    return duckdb


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@attrs.frozen(kw_only=True, eq=False)
class DuckDbStream:
    """A data file read by DuckDB in chunks; the interface of a streamed CSV file.

    Attributes:
        table: the columns found, as a :class:`DataTable` without rows.
        rows: how many data rows the file has.
        totals: always 0: DuckDB reads no totals rows.
    """

    table: DataTable
    rows: int
    totals: int
    _connection: Any
    _query: str
    _match: ColumnMatch
    _first_line: int

    def chunks(self, size: int = STREAM_ROWS) -> Iterator[RowChunk]:
        """The rows, ``size`` at a time, as Arrow batches from DuckDB."""
        # A relation's reader streams: DuckDB computes the next batches as they are read
        # (a DB-API cursor's result would be materialised whole first).
        reader = self._connection.sql(self._query).to_arrow_reader(size)
        inputs = list(self._match.inputs.items())
        start = self._first_line
        for batch in reader:
            count = batch.num_rows
            if not count:
                continue
            columns = {name: _column(batch.column(i)) for i, (_, name) in enumerate(inputs)}
            labels: list[list[str | None]] = []
            position = len(inputs)
            for column in (self._match.region, self._match.period):
                if column is None:
                    labels.append([None] * count)
                    continue
                values = batch.column(position).to_pylist()
                position += 1
                labels.append([None if v is None or not str(v).strip() else str(v) for v in values])
            yield RowChunk(
                numbers=list(range(start, start + count)),
                regions=labels[0],
                periods=labels[1],
                problems=[()] * count,
                columns=columns,
                totals=[],
            )
            start += count


def _column(values: Any) -> Any:  # noqa: ANN401 - an Arrow array; a chunk's Column
    """float64 (NaN where missing) when every value is a whole number below 2**53, else values."""
    array = values.to_numpy(zero_copy_only=False).astype(np.float64)
    finite = array[~np.isnan(array)]
    if not finite.size or (
        np.all(np.trunc(finite) == finite) and float(np.max(np.abs(finite))) < _EXACT_FLOAT
    ):
        return array
    return [None if v != v else Fraction(repr(float(v))) for v in array.tolist()]  # noqa: PLR0124 - NaN


def open_duckdb(
    path: str,
    rule_set: RuleSet,
    *,
    mapping: ColumnMapping | None = None,
    period: str | None = None,
) -> DuckDbStream:
    """Open a Parquet or CSV file with DuckDB: its columns matched, its rows counted.

    Raises:
        DataFileError: no column is an input, the mapping names a missing column, or a
            cell of an input column is not a number.
        UsageError: DuckDB is not installed.
    """
    duckdb = _duckdb()
    file = Path(path)
    if not file.is_file():
        raise DataFileError(path, [tr("no such file: {path}", path=path)])
    connection = duckdb.connect(config=_BOUNDED)
    literal = "'" + str(file).replace("'", "''") + "'"
    suffix = _suffix(file)
    source = (
        f"read_parquet({literal})"
        if suffix == ".parquet"
        else f"read_csv({literal}, header = true, all_varchar = true)"
    )
    found_columns = connection.execute(f"SELECT * FROM {source} LIMIT 0")
    header = [str(c[0]) for c in found_columns.description]
    found_columns.fetchall()  # finished, so that the connection can stream the rows later
    match, problems = match_columns(header, [rule_set], mapping or ColumnMapping())
    if not match.inputs:
        problems.append(tr("no column is an input of rule set {id!r}", id=rule_set.id))
    if problems:
        raise DataFileError(path, problems)
    numbers = [
        f"TRY_CAST(NULLIF(TRIM(CAST({_quote(c)} AS VARCHAR)), '') AS DOUBLE)" for c in match.inputs
    ]
    labels = [_quote(c) for c in (match.region, match.period) if c is not None]
    where = ""
    if period is not None and match.period is not None:
        text = "'" + period.replace("'", "''") + "'"
        cell = f"TRIM(CAST({_quote(match.period)} AS VARCHAR))"
        where = f" WHERE NULLIF({cell}, '') IS NULL OR {cell} = {text}"
    # In a CSV file 'nan' and 'inf' are text the default reader refuses; so is DuckDB's.
    refused = "IS NULL" if suffix == ".parquet" else "IS NULL OR NOT isfinite({})"
    bad = [
        f"MIN(CASE WHEN NULLIF(TRIM(CAST({_quote(c)} AS VARCHAR)), '') IS NOT NULL "
        f"AND ({n} {refused.format(n)}) THEN CAST({_quote(c)} AS VARCHAR) END)"
        for c, n in zip(match.inputs, numbers, strict=True)
    ]
    found = connection.execute(
        f"SELECT count(*), {', '.join(bad)} FROM {source}{where}"
    ).fetchall()[0]
    wrong = [
        tr(
            "column {column!r}: {value!r} is not a plain number (read the file without DuckDB)",
            column=column,
            value=value,
        )
        for column, value in zip(match.inputs, found[1:], strict=True)
        if value is not None
    ]
    if wrong:
        raise DataFileError(path, wrong)
    query = f"SELECT {', '.join(numbers + labels)} FROM {source}{where}"
    table = DataTable(
        source=path,
        rows=(),
        columns=match.inputs,
        unknown_columns=match.unknown,
        number_formats=dict.fromkeys(match.inputs, "en"),
        header_rows={None: 1},
    )
    return DuckDbStream(
        table=table,
        rows=int(found[0]),
        totals=0,
        connection=connection,
        query=query,
        match=match,
        first_line=1 if suffix == ".parquet" else 2,
    )


def _cmd_sql(args: argparse.Namespace) -> int:
    """``spmkit sql``: print the query."""
    keys = [key for part in args.keys for key in part.split(",") if key]
    year: int | str | None = args.year
    if isinstance(year, str) and year.isdigit():
        year = int(year)
    text = to_sql(
        load_rule_set(args.rule_set),
        table=args.table,
        keys=keys,
        dialect=args.dialect,
        year=year,
    )
    sys.stdout.write(text + ";\n")
    return 0


def add_sql_command(
    commands: Any,  # noqa: ANN401 - argparse's _SubParsersAction
    *,
    evaluate: argparse.ArgumentParser,
    help_text: Callable[[Bilingual], str],
) -> None:
    """Register ``spmkit sql RULE_SET [--dialect] [--table] [--keys ...] [--year]``.

    Also ``evaluate --engine duckdb``: read .csv/.csv.gz through DuckDB.
    """
    evaluate.add_argument(
        "--engine",
        choices=("duckdb",),
        help=help_text(
            tr("read .csv/.csv.gz with DuckDB (the sql extra; .parquet always is): docs/sql.md")
        ),
    )
    parser = commands.add_parser(
        "sql",
        help=help_text(
            tr("print the SQL that evaluates a rule set exactly in a database (docs/sql.md)")
        ),
        description="Print one SELECT that evaluates a rule set on every row of a table, "
        "deciding every target exactly (integer cross-multiplication).",
        epilog="example:\n  spmkit sql kulon-progo-2011 --table capaian --keys kode tahun",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "rule_set",
        help=help_text(tr("shipped rule-set id or path to a rule file")),
    )
    parser.add_argument("--dialect", choices=tuple(DIALECTS), default="duckdb")
    parser.add_argument(
        "--table",
        default="data",
        help=help_text(tr("the table (or view) to read")),
    )
    parser.add_argument(
        "--keys",
        nargs="*",
        default=[],
        metavar="COLUMN",
        help=help_text(tr("columns carried to each row")),
    )
    parser.add_argument(
        "--year",
        default=None,
        help=help_text(tr("a year, or the column of years: judge milestones")),
    )
    parser.set_defaults(handler=_cmd_sql)
