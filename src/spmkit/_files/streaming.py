"""A CSV data file read, evaluated and written in chunks, so memory does not grow with it.

:func:`open_csv` reads the file once, as a stream: the header (found in the first rows,
as :func:`~spmkit._files.reading.read_data` finds it), which column is which input, the
notation of every column (decided from every cell of the file, as the whole-file reader
decides it), the rows skipped (title rows, footnotes) and how many rows there are.
:meth:`CsvStream.chunks` then reads the file again, :data:`STREAM_ROWS` records at a
time, and yields :class:`RowChunk` s: the data rows with their inputs converted column by
column (a column of plain digits in one vectorised pass), and the totals rows among them.
:func:`evaluate_stream` evaluates each chunk on the batch engine and writes the report as
it goes (CSV straight from the batch arrays), checking each totals row against running
sums of the rows above it.

The rows, their values, their problems and the report are the ones ``read_data``,
``evaluate_table`` and ``render`` give, byte for byte (``tests/test_streaming.py``).
What is held at once: one chunk of rows x columns (the cells, the converted columns, the
batch result and the chunk's text), the totals rows, and the first few cells that name a
notation problem; never the whole file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from spmkit._evaluation.batch import BatchResult, CompiledRuleSet, compile_rule_set, evaluate_batch
from spmkit._files.bounded import data_path, os_errors
from spmkit._files.mapping import ColumnMapping, ColumnMatch, match_columns, normalise
from spmkit._files.notation import Notation, NotationEvidence, NumberFormat
from spmkit._files.reading import (
    _FOOTNOTE,
    HEADER_SEARCH_ROWS,
    DataRow,
    DataTable,
    TimeKeys,
    _bad_cell,
    _bad_time,
    _classify,
    _convert,
    _footnote_text,
    _heading_text,
    _no_inputs,
    _row,
    _sheet,
    _skipped_note,
    add_evidence,
    below_regency,
    is_total_label,
    time_of_cell,
)
from spmkit._files.records import (
    CSV_SUFFIXES,
    MAX_STREAMED_BYTES,
    Grid,
    Record,
    csv_delimiter,
    csv_records,
)
from spmkit._files.report import ChunkedReport, csv_lead
from spmkit._files.table import (
    RowOutcome,
    RunningTotals,
    TotalsCheck,
    _column,
    evaluate_rows,
)
from spmkit._messages import Bilingual
from spmkit._rulesets.model import RuleSet
from spmkit._translation import row_label, tr
from spmkit.errors import DataFileError, DataInvalid

__all__ = ["STREAM_ROWS", "CsvStream", "RowChunk", "StreamOutcome", "evaluate_stream", "open_csv"]

_EXACT_DIGITS: Final = 15
"""Digit strings up to this long are below 2**53: exact as float64, read vectorised."""
_PLAIN_COLUMN: Final = re.compile(rf"[0-9]{{0,{_EXACT_DIGITS}}}(?:\x00[0-9]{{0,{_EXACT_DIGITS}}})*")
_POWERS: Final = np.array([10**k for k in range(_EXACT_DIGITS)], dtype=np.float64)
# A cell can only be a totals label if its case-folded text holds one of these words.
_TOTAL_HINT: Final = re.compile(
    "jumlah|jml|total|rekapitulasi|kab|kota|provinsi|kecamatan|rata|rerata|average|mean"
)
_SHOWN_SKIPPED: Final = 5
_LONGEST_REGION: Final = 60
"""A row without values whose only text is longer than this is a footnote (as reading)."""
STREAM_ROWS: Final = 5_000
"""Data rows read, evaluated and written at a time: what the memory bound is made of."""

Column = npt.NDArray[np.float64] | list[Any]
"""An input column of a chunk: float64 (NaN where missing) when every value is an int
below 2**53, else the values themselves (int, Fraction, None)."""


def _plain_digits(joined: str, count: int) -> npt.NDArray[np.float64]:
    """``count`` cells of ASCII digits joined by NUL, as float64 (NaN for an empty cell).

    Each digit is weighted by its power of ten and the weights summed per cell: every
    term and partial sum is an integer below 10**15, so the sums are exact.
    """
    data = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    separator = data == 0
    ends = np.append(np.flatnonzero(separator), len(data))
    digits = np.flatnonzero(~separator)
    cell = np.cumsum(separator)[digits]
    weights = (data[digits] - 48).astype(np.float64) * _POWERS[ends[cell] - digits - 1]
    values = np.bincount(cell, weights=weights, minlength=count).astype(np.float64, copy=False)
    values[np.bincount(cell, minlength=count) == 0] = np.nan
    return values


@attrs.frozen(kw_only=True, eq=False)
class RowChunk:
    """Data rows of a file, column by column, and the totals rows among them, in file order.

    Attributes:
        numbers: each row's number (its line, as a spreadsheet shows it).
        regions: each row's region, if any.
        periods: each row's period, if any.
        problems: each row's bad cells (empty when the row can be evaluated).
        columns: input name -> its values for every row (see :data:`Column`).
        totals: each totals row, after how many of the chunk's data rows it comes.
    """

    numbers: list[int]
    regions: list[str | None]
    periods: list[str | None]
    problems: list[tuple[str, ...]]
    columns: dict[str, Column]
    totals: list[tuple[int, DataRow]]
    period_column: str | None = None
    unreadable: list[tuple[str, ...]] = attrs.field(factory=list)
    twice: dict[int, tuple[str, ...]] = attrs.field(factory=dict)
    """Row number -> its problems as one of two rows with the same region, year and period."""

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, index: int) -> DataRow:
        """One row as :func:`~spmkit._files.reading.read_data` gives it."""
        values: dict[str, object] = {}
        for name, column in self.columns.items():
            value = column[index]
            if isinstance(column, np.ndarray):
                if not np.isnan(value):
                    values[name] = int(value)
            elif value is not None:
                values[name] = value
        number = self.numbers[index]
        period = self.periods[index]
        year, part, problems = None, None, self.problems[index]
        if period is not None:
            try:
                year, part = time_of_cell(period, months=_months(self.period_column))
            except ValueError:
                problems = (*problems, _bad_time(self.period_column or "", period))
        problems = (*problems, *self.twice.get(number, ()))
        return DataRow(
            where=_where(number),
            number=number,
            region=self.regions[index],
            period=period,
            values=values,
            problems=problems,
            year=year,
            part=part,
            unreadable=self.unreadable[index] if self.unreadable else (),
        )

    def rows(self) -> list[DataRow]:
        """Every data row of the chunk, as :func:`~spmkit._files.reading.read_data` gives them."""
        return [self.row(index) for index in range(len(self))]

    def batch_columns(self, rule_set: RuleSet, rows: Sequence[int]) -> dict[str, Any]:
        """The inputs of some rows, as the batch engine is given them for those rows.

        Only inputs with a value in one of the rows, in the rule set's order (as
        :func:`spmkit._files.table.evaluate_table` builds them).
        """
        out: dict[str, Any] = {}
        for name in rule_set.inputs:
            column = self.columns.get(name)
            if column is None:
                continue
            if isinstance(column, np.ndarray):
                picked = column[np.asarray(rows, dtype=np.intp)]
                if not np.isnan(picked).all():
                    out[name] = picked
            else:
                values = [column[i] for i in rows]
                if any(value is not None for value in values):
                    out[name] = _column(values)
        return out


@attrs.frozen(kw_only=True)
class _Layout:
    """Where things are in a row of the file's header width."""

    header: tuple[str, ...]
    unique: bool
    labels: tuple[int, ...]
    inputs: tuple[tuple[str, str, int], ...]
    region: int | None
    below_regency: bool = False
    period: int | None


def _layout(header: Sequence[str], match: ColumnMatch) -> _Layout | None:
    """Indices of the cells a row is read from; None when the file needs the whole reader."""
    last = {name: index for index, name in enumerate(header)}
    order = list(dict.fromkeys(header))
    names = list(match.inputs.values())
    if len(set(names)) != len(names) or any(c not in last for c in match.inputs):
        return None  # two columns for one input, or an input not in the header
    for column in (match.region, match.period):
        if column is not None and column not in last:
            return None
    labels = [last[match.region]] if match.region is not None else []
    for name in order:
        if name in match.inputs:
            break
        labels.append(last[name])
    return _Layout(
        header=tuple(header),
        unique=len(order) == len(header),
        labels=tuple(labels),
        inputs=tuple((column, name, last[column]) for column, name in match.inputs.items()),
        region=None if match.region is None else last[match.region],
        period=None if match.period is None else last[match.period],
        below_regency=below_regency(match.region),
    )


def _kind(cells: Sequence[str], layout: _Layout) -> str:
    """``"data"``, ``"total"`` or ``"footnote"``, as :func:`reading._classify` says."""
    for index in layout.labels:
        cell = cells[index]
        if (
            cell
            and _TOTAL_HINT.search(cell.casefold())
            and is_total_label(cell, below_regency=layout.below_regency)
        ):
            return "total"
    for _, _, index in layout.inputs:
        if cells[index].strip():
            return "data"
    region = cells[layout.region].strip() if layout.region is not None else ""
    if not region or _FOOTNOTE.match(region) or len(region) > _LONGEST_REGION:
        return "footnote"
    return "data"


def _kinds(by_index: Sequence[Sequence[str]], rows: int, layout: _Layout) -> list[str]:
    """:func:`_kind` of many rows at once, from their columns (the header's width)."""
    kinds: list[str | None] = [None] * rows
    for index in layout.labels:
        cells = by_index[index]
        if _TOTAL_HINT.search("\x00".join(cells).casefold()) is None:
            continue  # no cell of the column can be a totals label
        for i, cell in enumerate(cells):
            if (
                kinds[i] is None
                and _TOTAL_HINT.search(cell.casefold())
                and is_total_label(cell, below_regency=layout.below_regency)
            ):
                kinds[i] = "total"
    undecided = [i for i in range(rows) if kinds[i] is None]
    for _, _, index in layout.inputs:
        if not undecided:
            break
        cells = by_index[index]
        undecided = [i for i in undecided if not cells[i].strip()]
    for i in undecided:  # no input value: a footnote, unless it names a region
        region = by_index[layout.region][i].strip() if layout.region is not None else ""
        footnote = not region or _FOOTNOTE.match(region) or len(region) > _LONGEST_REGION
        kinds[i] = "footnote" if footnote else "data"
    return [kind or "data" for kind in kinds]


def _months(column: str | None) -> bool:
    """Whether a period column holds months (``bulan``): a bare 3 is March, not TW3."""
    return column is not None and normalise(column) in {"bulan", "month"}


def _where(number: int) -> Bilingual:
    return row_label(number)


def _record(number: int, header: Sequence[str], cells: Sequence[str]) -> Record:
    return Record(_where(number), number, dict(zip(header, cells, strict=False)), {})


@attrs.frozen(kw_only=True)
class CsvStream:
    """A CSV data file read once for its layout, to be read in chunks (:meth:`chunks`).

    Attributes:
        table: what was learnt about the file, as a :class:`DataTable` without rows
            (columns, unknown columns, notations, notes, header row).
        rows: how many data rows the file has (of ``period``, when given).
        totals: how many totals rows it has (of ``period``, when given).
        period: only rows of this period (or naming none) are read, if given.
    """

    table: DataTable
    rows: int
    totals: int
    period: str | None
    path: Path
    skip: int
    layout: _Layout
    match: ColumnMatch
    notations: dict[str, Notation]
    keys: TimeKeys = attrs.field(factory=TimeKeys)

    def chunks(self, size: int = STREAM_ROWS) -> Iterator[RowChunk]:
        """The rows, ``size`` records at a time: a chunk's data rows and the totals among them."""
        layout = self.layout
        width = len(layout.header)
        records = csv_records(self.path, MAX_STREAMED_BYTES)
        for _ in range(self.skip):
            next(records)
        while block := list(itertools.islice(records, size)):
            fitted = [
                cells if len(cells) == width else [*cells[:width], *[""] * (width - len(cells))]
                for _, cells in block
            ]
            by_index = list(zip(*fitted, strict=True))
            kinds = _kinds(by_index, len(block), layout)
            if not layout.unique:  # a short row under unnamed columns: read as a record
                for i, (number, cells) in enumerate(block):
                    if len(cells) != width:
                        kinds[i] = _classify(_record(number, layout.header, cells), self.match)
            kept = [i for i, kind in enumerate(kinds) if kind != "footnote"]
            if self.period is not None and layout.period is not None:
                periods = by_index[layout.period]
                kept = [i for i in kept if (periods[i].strip() or None) in {None, self.period}]
            data: list[int] = []
            totals: list[tuple[int, DataRow]] = []
            for i in kept:
                if kinds[i] == "data":
                    data.append(i)
                    continue
                number, cells = block[i]
                record = _record(number, layout.header, cells)
                row = _row(record, self.match, self.notations, None, None)
                totals.append((len(data), attrs.evolve(row, total=True)))
            if data or totals:
                yield self._chunk(by_index, data, [block[i][0] for i in data], totals)

    def _chunk(
        self,
        by_index: list[tuple[str, ...]],
        data: list[int],
        numbers: list[int],
        totals: list[tuple[int, DataRow]],
    ) -> RowChunk:
        layout = self.layout
        every = bool(by_index) and len(data) == len(by_index[0])

        def column(index: int) -> list[str]:
            cells = by_index[index]
            return list(cells) if every else [cells[i] for i in data]

        problems: list[list[str]] = [[] for _ in numbers]
        columns: dict[str, Column] = {}
        unreadable: list[tuple[str, ...]] = [() for _ in numbers]
        for name_in_file, name, index in layout.inputs:
            before = [len(found) for found in problems]
            columns[name] = self._convert(name_in_file, column(index), problems)
            for row, found in enumerate(problems):
                if len(found) > before[row]:
                    unreadable[row] = (*unreadable[row], name)

        def texts(index: int | None) -> list[str | None]:
            if index is None:
                return [None] * len(numbers)
            # _heading_text of a text cell (CSV cells are text; "" pads a short row).
            return [cell.strip() or None for cell in column(index)]

        return RowChunk(
            numbers=numbers,
            regions=texts(layout.region),
            periods=texts(layout.period),
            problems=[tuple(found) for found in problems],
            columns=columns,
            totals=totals,
            period_column=self.match.period,
            unreadable=unreadable,
            twice={n: self.keys.problems(n) for n in numbers if n in self.keys.refused},
        )

    def _convert(self, column: str, cells: list[str], problems: list[list[str]]) -> Column:
        """One input column's cells to numbers; a bad cell is its row's problem."""
        joined = "\x00".join(cells)
        if _PLAIN_COLUMN.fullmatch(joined) is not None:
            return _plain_digits(joined, len(cells))
        notation = self.notations.get(column, "any")
        values: list[Any] = []
        for index, cell in enumerate(cells):
            value, ok = _convert(cell, notation)
            if not ok:
                problems[index].append(_bad_cell(column, cell))
            values.append(value)
        if all(v is None or (type(v) is int and abs(v) < 2**53) for v in values):
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        return values


def _prefix(records: Iterator[tuple[int, list[str]]], header_row: int | None) -> list[Any]:
    """The first records: enough to find the header, its second line and column numbers."""
    prefix: list[tuple[int, tuple[str, ...]]] = []
    after = 0
    for number, cells in records:
        prefix.append((number, tuple(cells)))
        if header_row is None or number >= header_row:
            after += 1
        if len(prefix) >= HEADER_SEARCH_ROWS + 2 and after >= 3:
            break
    return prefix


def open_csv(  # noqa: PLR0913 - the options of read_data, by keyword
    path: str | Path,
    rule_set: RuleSet,
    *,
    number_format: NumberFormat = "auto",
    mapping: ColumnMapping | None = None,
    header_row: int | None = None,
    period: str | None = None,
) -> CsvStream | None:
    """Read a CSV file's layout in one streamed pass; None when it is not a CSV file to stream.

    The file is not streamed (None: read it with ``read_data``, which reads at most
    ``MAX_DATA_BYTES``) when it is not CSV, has
    no rows, is not UTF-8 or bad CSV (``read_data`` then says where), or maps two
    columns to one input.

    Raises:
        DataFileError: the file is larger than ``MAX_STREAMED_BYTES``; what ``read_data``
            raises for the file: no column is an input, a
            notation is ambiguous, the mapping names a missing column, a bad header row.
    """
    mapping = mapping or ColumnMapping()
    if mapping.number_format is not None and number_format == "auto":
        number_format = mapping.number_format
    file = data_path(path)
    if file.suffix.casefold() not in CSV_SUFFIXES:
        return None
    try:
        with os_errors(path):
            if file.is_file() and file.stat().st_size > MAX_STREAMED_BYTES:
                problem = tr("larger than {limit} bytes", limit=MAX_STREAMED_BYTES)
                raise DataFileError(str(path), [problem])
            return _scan(file, str(path), rule_set, mapping, number_format, header_row, period)
    except _NotStreamed:
        return None


class _NotStreamed(Exception):  # noqa: N818 - a signal, caught in this module
    """The file is read whole instead: it has no rows, an unusual layout, or a bad byte."""


def _guarded(records: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The records; a file that cannot be read is left to ``read_data`` to name the line."""
    try:
        yield from records
    except (DataFileError, UnicodeDecodeError):
        raise _NotStreamed from None


def _evidence(match: ColumnMatch, file: Path) -> NotationEvidence:
    """The notation evidence of a file, its delimiter counted (``;``: a decimal comma)."""
    evidence = NotationEvidence(match.inputs)
    with file.open("rb") as stream:
        head = stream.read(1 << 16).decode("utf-8", "replace")
    evidence.add_separator(csv_delimiter(head))
    return evidence


def _scan(  # noqa: PLR0913 - the options of open_csv
    file: Path,
    source: str,
    rule_set: RuleSet,
    mapping: ColumnMapping,
    number_format: NumberFormat,
    header_row: int | None,
    period: str | None,
) -> CsvStream:
    records = _guarded(csv_records(file, MAX_STREAMED_BYTES))
    prefix = _prefix(records, header_row)
    if not prefix:
        raise _NotStreamed
    try:
        sheet = _sheet(Grid(None, tuple(prefix)), [rule_set], mapping, header_row, named=False)
    except DataFileError as exc:
        raise DataFileError(str(file), exc.problems) from None
    header = list(dict.fromkeys(sheet.header))
    match, problems = match_columns(header, [rule_set], mapping)
    if not match.inputs:
        problems.append(_no_inputs([sheet], [rule_set]))
    layout = _layout(sheet.header, match)
    if layout is None and not problems:
        raise _NotStreamed
    skip = len(prefix) - len(sheet.records)
    evidence = _evidence(match, file)
    keys = TimeKeys()
    skipped: list[tuple[str, str]] = []
    skipped_count = 0
    rows = totals = 0
    numbered = itertools.chain(prefix[skip:], records)
    for number, cells in numbered:
        text = "".join(cells)
        if "." in text or "," in text:
            add_evidence(evidence, _record(number, sheet.header, cells), match)
        if layout is None:
            continue
        kind, fitted = _kind_of(number, cells, sheet.header, layout, match)
        if kind == "footnote":
            skipped_count += 1
            if len(skipped) < _SHOWN_SKIPPED:
                record = _record(number, sheet.header, cells)
                skipped.append((record.where, _footnote_text(record)))
        elif (
            period is None
            or layout.period is None
            or _heading_text(fitted[layout.period]) in {None, period}
        ):
            rows += kind == "data"
            totals += kind == "total"
        if kind == "data" and layout.period is not None:
            _add_key(keys, number, fitted, layout, match)
    notations, notation_problems = evidence.decide(number_format)
    problems.extend(notation_problems)
    if problems:
        raise DataFileError(source, problems)
    assert layout is not None  # noqa: S101 - no problems means a layout was found
    notes = list(sheet.notes)
    if skipped_count:
        notes.append(_skipped_note(skipped, skipped_count))
    notes.extend(keys.notes())
    table = DataTable(
        source=source,
        rows=(),
        columns=match.inputs,
        unknown_columns=match.unknown,
        number_formats={column: notations[column] for column in match.inputs},
        notes=tuple(notes),
        header_rows={None: sheet.header_row},
    )
    return CsvStream(
        table=table,
        rows=rows,
        totals=totals,
        period=period,
        path=file,
        skip=skip,
        layout=layout,
        match=match,
        notations=notations,
        keys=keys,
    )


def _kind_of(
    number: int, cells: Sequence[str], header: Sequence[str], layout: _Layout, match: ColumnMatch
) -> tuple[str, Sequence[str]]:
    """A record's kind (data, total, footnote) and its cells fitted to the header's width."""
    fitted: Sequence[str] = cells
    if len(cells) != len(layout.header):
        fitted = [*cells[: len(layout.header)], *[""] * (len(layout.header) - len(cells))]
    if len(cells) != len(layout.header) and not layout.unique:
        return _classify(_record(number, header, cells), match), fitted
    return _kind(fitted, layout), fitted


def _add_key(
    keys: TimeKeys, number: int, cells: Sequence[str], layout: _Layout, match: ColumnMatch
) -> None:
    """One data row's (region, year, period), as the whole-file reader keys it."""
    assert layout.period is not None  # noqa: S101 - called for files with a period column
    text = cells[layout.period].strip()
    if not text:
        return
    try:
        year, part = time_of_cell(text, months=_months(match.period))
    except ValueError:
        return  # refused for its bad period, not keyed
    region = cells[layout.region].strip() or None if layout.region is not None else None
    keys.add(number, _where(number), region, year, part)


@attrs.frozen(kw_only=True)
class StreamOutcome:
    """What evaluating a streamed file found, for the exit status and the notes.

    Attributes:
        rows: data rows evaluated or refused.
        refused: rows refused.
        all_met: rows with every target met.
        totals: the check of each totals row, in file order.
    """

    rows: int
    refused: int
    all_met: int
    totals: tuple[TotalsCheck, ...]


def evaluate_stream(  # noqa: PLR0913 - the stream, the report and two callbacks
    rule_set: RuleSet,
    stream: CsvStream,
    report: ChunkedReport,
    write: Callable[[str], object],
    *,
    progress: Callable[[int, int], None] | None = None,
    seen: Callable[[StreamOutcome], None] | None = None,
    chunk_rows: int = STREAM_ROWS,
) -> StreamOutcome:
    """Evaluate a streamed file chunk by chunk, writing the report as it goes.

    The text written is ``render`` of ``evaluate_table`` of the whole file, byte for
    byte; each totals row is checked against the running sums of the rows above it.
    Every chunk is written from its rows' records, as every other output is.
    """
    write(report.head())
    running = RunningTotals(rule_set)
    checks: list[TotalsCheck] = []
    rows = refused = all_met = 0
    compiled = compile_rule_set(rule_set)
    for chunk in stream.chunks(chunk_rows):
        batch = _clean_batch(compiled, chunk) if report.output_format == "csv" else None
        if batch is not None:  # every row evaluated in one batch: no row objects
            if stream.totals:
                running.add_columns(batch.columns, len(chunk))
            text, met = report.batch_chunk(batch.result, batch.leads, batch.outcome)
            write(text)
            rows += len(chunk)
            all_met += met
            if seen is not None:
                seen(
                    StreamOutcome(rows=rows, refused=refused, all_met=all_met, totals=tuple(checks))
                )
            if progress is not None:
                progress(rows, stream.rows)
            continue
        # Every format, CSV too, is written from the rows' records (one presenter).
        outcomes = evaluate_rows(rule_set, chunk.rows())
        start = 0
        for position, total in chunk.totals:
            running.add(outcomes[start:position])
            checks.append(running.check(total))
            start = position
        running.add(outcomes[start:])
        text = report.chunk(outcomes)
        outcome_rows = len(outcomes)
        outcome_refused = sum(1 for outcome in outcomes if not outcome.evaluated)
        met = sum(1 for outcome in outcomes if outcome.evaluated and outcome.all_met)
        write(text)
        rows += outcome_rows
        refused += outcome_refused
        all_met += met
        if seen is not None:
            seen(StreamOutcome(rows=rows, refused=refused, all_met=all_met, totals=tuple(checks)))
        if progress is not None:
            progress(rows, stream.rows)
    write(report.tail(checks))
    return StreamOutcome(rows=rows, refused=refused, all_met=all_met, totals=tuple(checks))


@attrs.frozen(kw_only=True, eq=False)
class _CleanBatch:
    """A chunk whose rows are all evaluated in one batch, as ``evaluate_rows`` would."""

    rule_set: RuleSet
    chunk: RowChunk
    result: BatchResult
    columns: dict[str, Any]
    leads: list[str]

    def outcome(self, index: int) -> RowOutcome:
        """Row ``index``'s outcome, as ``evaluate_rows`` gives it."""
        return RowOutcome(
            row=self.chunk.row(index), rule_set=self.rule_set, batch=self.result, index=index
        )


def _clean_batch(compiled: CompiledRuleSet, chunk: RowChunk) -> _CleanBatch | None:
    """The chunk evaluated at once, when ``evaluate_rows`` provably gives one batch of it.

    That is when no row has a problem, a period or a twin, the chunk has no totals row,
    every input column is plain numbers, one of them has a value, and the rule set's
    value rules refuse none (then ``evaluate_rows`` refuses rows one by one: None).
    """
    if (
        chunk.totals
        or chunk.twice
        or any(chunk.problems)
        or any(period is not None for period in chunk.periods)
        or not all(isinstance(column, np.ndarray) for column in chunk.columns.values())
    ):
        return None
    rule_set = compiled.rule_set
    columns = chunk.batch_columns(rule_set, range(len(chunk)))
    if not columns:
        return None
    try:
        result = evaluate_batch(compiled, columns)
    except DataInvalid:
        return None
    leads = [
        csv_lead(number, region, None)
        for number, region in zip(chunk.numbers, chunk.regions, strict=True)
    ]
    return _CleanBatch(rule_set=rule_set, chunk=chunk, result=result, columns=columns, leads=leads)
