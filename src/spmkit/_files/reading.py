"""Read a data file as health offices keep it into rows of input values for a rule set.

Workbooks are taken as they are: the header row is the row whose cells best match the
rule set's inputs, labels and mapping (title and blank rows above it are skipped;
``header_row`` forces one); a second header line under merged cells and a row of column
numbers (``(1) (2) (3)``) are recognised; totals rows (``JUMLAH``, ``TOTAL``,
``JUMLAH KABUPATEN``) are kept apart from the regions, to be checked against the sum of
the rows above; footnote rows (``Sumber: ...``, ``*) data sementara``) are skipped with a
note. ``sheet="all"`` reads every sheet, the year of each taken from its name.

Numbers written as text are read in the notation the file's own cells settle
(:mod:`spmkit._files.notation`); a cell that is not a number refuses its row only.
What it does not do: evaluate (:mod:`spmkit._files.table`) or print.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import attrs

from spmkit._files.bounded import _column_name, data_path, os_errors
from spmkit._files.mapping import (
    ColumnMapping,
    ColumnMatch,
    header_score,
    match_columns,
    normalise,
)
from spmkit._files.notation import Notation, NotationEvidence, NumberFormat, readings
from spmkit._files.records import (
    TABULAR_SUFFIXES,
    Grid,
    Record,
    read_grids,
    read_tree,
    sheet_year,
    unknown_suffix,
)
from spmkit._frozen import FrozenMap, freeze
from spmkit._limits import MAX_DIGITS, digits_text_problem
from spmkit._messages import Bilingual
from spmkit._rulesets.model import RuleSet
from spmkit._translation import joined, row_label, tr
from spmkit.errors import DataFileError, UsageError

__all__ = [
    "HEADER_SEARCH_ROWS",
    "TOTAL_WORDS",
    "DataRow",
    "DataTable",
    "TimeKeys",
    "below_regency",
    "is_average_label",
    "is_total_label",
    "read_data",
    "read_upload",
    "time_of_cell",
]

HEADER_SEARCH_ROWS: Final = 50
"""How many non-empty rows from the top are scored to find a workbook's header row."""

TOTAL_WORDS: Final = (
    "jumlah",
    "jml",
    "total",
    "subtotal",
    "sub_total",
    "grand_total",
    "rekapitulasi",
)
"""A cell starting with one of these words (normalised) marks a totals row."""

AVERAGE_WORDS: Final = ("rata_rata", "rata2", "rerata", "average", "mean")
"""A cell starting with one of these words marks an average row: never a region, never a sum."""

SUB_REGENCY_COLUMNS: Final = frozenset(
    {
        "puskesmas",
        "nama_puskesmas",
        "unit_kerja",
        "kecamatan",
        "desa",
        "kelurahan",
        "desa_kelurahan",
    }
)
"""Region columns below a regency: a ``KAB. KULON PROGO`` row among them is the regency's total."""

_TOTAL_ALONE: Final = frozenset({"kabupaten", "kab", "kota", "provinsi", "kecamatan"})
_REGENCY_PREFIXES: Final = ("kab_", "kabupaten_", "kota_", "kab_kota_")
_FOOTNOTE: Final = re.compile(
    r"^\s*(\*|\(\*|catatan|keterangan|ket\s*[:.]|sumber|source|note|n\.?b\.?\b)", re.IGNORECASE
)
_COLUMN_NUMBER: Final = re.compile(r"\(?\s*(\d{1,3})\s*\)?")


_YEAR: Final = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d|2100)(?!\d)")
_QUARTER_WORD: Final = re.compile(
    r"\b(?:tw|q|triwulan|kuartal|quarter)\s*[-.]?\s*(iv|iii|ii|i|[1-4])\b", re.IGNORECASE
)
_ROMAN: Final = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MONTHS: Final = (
    ("jan",),
    ("feb", "peb"),
    ("mar",),
    ("apr",),
    ("mei", "may"),
    ("jun",),
    ("jul",),
    ("agu", "aug", "ags"),
    ("sep",),
    ("okt", "oct"),
    ("nov", "nop"),
    ("des", "dec"),
)


def time_of_cell(cell: object, *, months: bool = False) -> tuple[int | None, str | int | None]:
    """The year and the part of it (``"Q2"`` or a month 1-12) a time cell names.

    ``2013``, ``TW2``, ``Triwulan II``, ``2023 TW2``, ``Q2/2023``, ``Maret 2023``; a bare
    number 1-4 is a quarter, or a month 1-12 in a month column (``months``).

    >>> time_of_cell("2023 TW2"), time_of_cell("triwulan III"), time_of_cell(2013)
    ((2023, 'Q2'), (None, 'Q3'), (2013, None))

    Raises:
        UsageError: the cell names no year, quarter or month (a ValueError too).
    """
    text = _text(cell).casefold()
    found = _YEAR.search(text)
    year = int(found.group(1)) if found else None
    rest = (text[: found.start()] + " " + text[found.end() :]) if found else text
    rest = rest.strip(" -/.,")
    if not rest:
        if year is None:
            raise UsageError(text)
        return year, None
    quarter = _QUARTER_WORD.search(rest)
    if quarter is not None:
        number = quarter.group(1)
        return year, f"Q{_ROMAN.get(number, number)}"
    months = months or (year is not None and len(rest) == 2)
    if rest.isdigit() and 1 <= int(rest) <= (12 if months else 4):
        return year, (int(rest) if months else f"Q{int(rest)}")
    word = rest.removeprefix("bulan").strip()
    if word.isdigit() and 1 <= int(word) <= 12:
        return year, int(word)
    for month, prefixes in enumerate(_MONTHS, start=1):
        if word[:3] in prefixes and word.isalpha():
            return year, month
    raise UsageError(text)


def _starts(key: str, words: Sequence[str]) -> bool:
    return any(key == word or key.startswith(f"{word}_") for word in words)


def is_total_label(text: str, *, below_regency: bool = False) -> bool:
    """Whether a cell names a totals or average row (``JUMLAH KABUPATEN``, ``JML``, ``RATA-RATA``).

    ``below_regency``: the rows are puskesmas, kecamatan or villages, so a row named for
    a regency or city (``KAB. KULON PROGO``, ``Kota Yogyakarta``) is the regency's total.

    >>> is_total_label("JUMLAH KABUPATEN"), is_total_label("Puskesmas Wates")
    (True, False)
    >>> is_total_label("KAB. KULON PROGO", below_regency=True), is_total_label("KAB. KULON PROGO")
    (True, False)
    """
    key = normalise(text)
    if key in _TOTAL_ALONE or _starts(key, TOTAL_WORDS) or is_average_label(text):
        return True
    return below_regency and key.startswith(_REGENCY_PREFIXES)


def is_average_label(text: str) -> bool:
    """Whether a cell names an average row (``RATA-RATA``, ``Rerata``): not a sum of the rows.

    >>> is_average_label("RATA-RATA"), is_average_label("Rata-rata kabupaten")
    (True, True)
    """
    return _starts(normalise(text), AVERAGE_WORDS)


def below_regency(region_column: str | None) -> bool:
    """Whether a region column names units below a regency (puskesmas, kecamatan, desa)."""
    return region_column is not None and normalise(region_column) in SUB_REGENCY_COLUMNS


@attrs.frozen(kw_only=True)
class DataRow:
    """One data set of a file: a region and period, and its input values.

    Attributes:
        where: the row as the user finds it (``"row 4"`` of a spreadsheet, ``"sheet
            '2012' row 4"`` of one of several sheets, ``"item 2"`` of a YAML or JSON
            list, ``""`` for a single mapping).
        number: the row number (1-based, as a spreadsheet shows it).
        region: the region named in the row, if any.
        period: the period (year) named in the row or by its sheet, if any.
        values: input name -> number (int, float or exact Fraction; absent when empty).
        problems: the row's bad cells (English text that also carries Indonesian, see
            :class:`spmkit._messages.Bilingual`); a row with problems is not evaluated.
        sheet: the workbook sheet, if any.
        total: a totals row (``JUMLAH KABUPATEN``): checked, never evaluated as a region.
        year: the year the row is judged in (its ``tahun`` column, its period or its
            sheet's name), if any.
        part: the part of that year the row covers: ``"Q1"``-``"Q4"`` or a month 1-12.
    """

    where: str
    number: int
    region: str | None = None
    period: str | None = None
    values: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=freeze)
    problems: tuple[str, ...] = ()
    sheet: str | None = None
    total: bool = False
    year: int | None = None
    part: str | int | None = None
    unreadable: tuple[str, ...] = ()
    """The inputs whose cell is not a number: only their columns of a totals check are lost."""

    @property
    def key(self) -> tuple[str | None, int | None, str | int | None]:
        """(region, year, period): what makes the row one of a kind in its file."""
        return (self.region, self.year, self.part)

    @property
    def label(self) -> str:
        """The region and period, or where the row is when it names neither."""
        named = " ".join(part for part in (self.region, self.period) if part)
        return named or self.where or "data"


@attrs.frozen(kw_only=True)
class DataTable:
    """The rows of one data file, and what was learnt about its columns.

    Attributes:
        source: the file.
        rows: every data row (regions), in file order.
        totals: the totals rows, in file order; each is checked against the rows above.
        columns: column -> input it was mapped to.
        unknown_columns: columns that are neither inputs nor region/period nor ignored.
        number_formats: column -> the notation used to read its text values.
        notes: what was skipped and why (title rows, footnotes), as Bilingual text.
        header_rows: sheet (None for a CSV file) -> the row number of its header.
    """

    source: str
    rows: tuple[DataRow, ...]
    totals: tuple[DataRow, ...] = ()
    columns: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    unknown_columns: tuple[str, ...] = ()
    number_formats: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    notes: tuple[str, ...] = ()
    header_rows: FrozenMap[str | None, int] = attrs.field(factory=FrozenMap, converter=freeze)

    def for_period(self, period: str) -> DataTable:
        """Return the rows of one year or period (rows that name none are kept)."""

        def kept(row: DataRow) -> bool:
            if row.year is not None and period.isdigit():
                return row.year == int(period)
            return row.period in {None, period}

        rows = tuple(row for row in self.rows if kept(row))
        totals = tuple(row for row in self.totals if kept(row))
        return attrs.evolve(self, rows=rows, totals=totals)

    @property
    def years(self) -> tuple[int, ...]:
        """The distinct years of the rows, in order (empty when no row names one)."""
        return tuple(sorted({row.year for row in self.rows if row.year is not None}))

    def for_year(self, year: int) -> DataTable:
        """Return the rows and totals rows of one year (rows that name none are kept)."""
        return self.for_period(str(year))


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _heading_text(value: object) -> str | None:
    text = _text(value)
    return text or None


@attrs.frozen
class _Sheet:
    """One sheet after its header is found: names, records and what was skipped."""

    name: str | None
    header: list[str]
    header_row: int
    records: list[Record]
    notes: list[str]
    delimiter: str | None = None
    left_out: frozenset[str] = frozenset()
    """Hidden columns whose name a visible column has (not reported as unknown)."""


def _find_header(
    grid: Grid, rule_sets: Sequence[RuleSet], mapping: ColumnMapping, header_row: int | None
) -> int:
    """The index in ``grid.rows`` of the header row."""
    if header_row is not None:
        for index, (number, _) in enumerate(grid.rows):
            if number == header_row:
                return index
        shown = tr(" of sheet {sheet!r}", sheet=grid.name) if grid.name else ""
        msg = tr(
            "--header-row {row}: row {row}{sheet} is empty or beyond the data",
            row=header_row,
            sheet=shown,
        )
        raise DataFileError("", [msg])
    scores = [
        header_score(cells, rule_sets, mapping) for _, cells in grid.rows[:HEADER_SEARCH_ROWS]
    ]
    best = max(scores, default=0)
    return scores.index(best) if best > 0 else 0


def _numeric(cell: object) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float | Decimal | Fraction):
        return True
    return isinstance(cell, str) and bool(cell.strip()) and bool(readings(cell))


def _column_numbers(cells: Sequence[object]) -> bool:
    """A row numbering the columns: ``(1) (2) (3)`` or ``1 2 3``."""
    numbers = []
    for cell in cells:
        text = _text(cell)
        if not text:
            continue
        found = _COLUMN_NUMBER.fullmatch(text)
        if found is None:
            return False
        numbers.append(int(found.group(1)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _filled(top: Sequence[object], above: Sequence[object] | None) -> list[object]:
    """A header's blank cells named by the line above it (a two-line header).

    The best-matching row may be the second line (``K4``, ``Sasaran`` under a merged
    ``Ibu hamil``), with ``Puskesmas`` only on the line above.
    """
    cells = list(top)
    if above is None:
        return cells
    return [
        above[i] if _text(cell) == "" and i < len(above) and _text(above[i]) else cell
        for i, cell in enumerate(cells)
    ]


def _names(
    top: Sequence[object], sub: Sequence[object] | None, hidden: frozenset[int] = frozenset()
) -> list[str]:
    """Header names, a sub-header line under merged cells taken where it adds something.

    Where two columns share a name, a visible column keeps it and a hidden one (an
    xlsx column hidden from view) is the one renamed ``name (2)``.
    """
    texts = [_text(cell) for cell in top]
    names = []
    for index, text in enumerate(texts):
        below = _text(sub[index]) if sub is not None and index < len(sub) else ""
        name = text
        if below and below != text:
            merged = texts.count(text) > 1
            name = below if merged or not text else f"{text} {below}"
        names.append(name)
    seen: dict[str, int] = {}
    unique = list(names)
    order = sorted(range(len(names)), key=lambda i: (i in hidden, i))
    for index in order:
        name = names[index]
        if name and name in seen:
            seen[name] += 1
            unique[index] = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
    return unique


def _hidden_notes(grid: Grid, names: Sequence[str], header: Sequence[str]) -> list[str]:
    """A note for each hidden column whose name a visible column also has: the visible is read."""
    notes: list[str] = []
    for index in sorted(grid.hidden):
        if index >= len(names) or not names[index] or header[index] == names[index]:
            continue
        visible = next(
            (i for i, name in enumerate(header) if name == names[index] and i not in grid.hidden),
            None,
        )
        if visible is None:
            continue
        hidden_at, shown_at = _column_name(index + 1), _column_name(visible + 1)
        notes.append(
            tr(
                "column {name!r} appears twice: the visible column {shown} is read, "
                "the hidden column {hidden} is left out",
                name=names[index],
                shown=shown_at,
                hidden=hidden_at,
            )
        )
    return notes


def _sheet(
    grid: Grid,
    rule_sets: Sequence[RuleSet],
    mapping: ColumnMapping,
    header_row: int | None,
    *,
    named: bool,
) -> _Sheet:
    index = _find_header(grid, rule_sets, mapping, header_row)
    rows = grid.rows
    notes: list[str] = []
    number, top = rows[index] if rows else (1, ())
    if index:
        skipped = ", ".join(str(n) for n, _ in rows[:index])
        notes.append(
            tr(
                "header at row {number} of sheet {sheet!r}; title rows above it skipped "
                "({skipped})",
                number=number,
                sheet=grid.name,
                skipped=skipped,
            )
            if grid.name
            else tr(
                "header at row {number}; title rows above it skipped ({skipped})",
                number=number,
                skipped=skipped,
            )
        )
    start = index + 1
    sub: Sequence[object] | None = None
    if start < len(rows) and _is_sub_header(rows[start][1], top):
        sub = rows[start][1]
        start += 1
    above = rows[index - 1][1] if index and rows[index - 1][0] == number - 1 else None
    filled = _filled(top, above)
    header = _names(filled, sub, grid.hidden)
    plain = _names(filled, sub)
    if grid.hidden:
        notes.extend(_hidden_notes(grid, plain, header))
    if start < len(rows) and _column_numbers(rows[start][1]):
        start += 1
    sheet = grid.name if named and grid.name else None
    records = [
        Record(
            row_label(n)
            if sheet is None
            else tr("sheet {sheet!r} row {number}", sheet=sheet, number=n),
            n,
            dict(zip(header, cells, strict=False)),
            {},
        )
        for n, cells in rows[start:]
    ]
    left_out = frozenset(
        header[i] for i in grid.hidden if i < len(header) and header[i] != plain[i]
    )
    return _Sheet(grid.name, header, number, records, notes, grid.delimiter, left_out)


def _is_sub_header(cells: Sequence[object], top: Sequence[object]) -> bool:
    """A second header line: text only, under a header with merged (repeated) names."""
    texts = [_text(cell) for cell in top]
    repeated = len({t for t in texts if t}) < len([t for t in texts if t])
    return (
        repeated
        and not any(_numeric(cell) for cell in cells)
        and not any(isinstance(c, str) and is_total_label(c) for c in cells)
    )


def _convert(cell: object, notation: Notation) -> tuple[object, bool]:
    """The cell's value (None when empty) and whether it is a number."""
    if cell is None:
        return None, True
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return None, True
        if text.isdigit() and len(text) <= MAX_DIGITS:
            return int(text), True
        found = readings(text)
        value = found.get("id" if notation == "any" else notation)
        if value is None:
            return None, False
        return (int(value) if value.denominator == 1 else value), True
    if isinstance(cell, Decimal):
        return Fraction(cell), True
    if isinstance(cell, bool):
        return cell, True  # refused by the evaluator's value rules, with its hint
    if isinstance(cell, int | float | Fraction):
        if isinstance(cell, float) and math.isnan(cell):
            return None, True
        return cell, True
    return None, False


def _bad_cell(column: str, cell: object) -> str:
    shown = _text(cell)
    too_long = digits_text_problem(shown)
    if too_long is not None:
        return tr("column {column!r}: {problem}", column=column, problem=too_long)
    return tr(
        "column {column!r}: {shown!r} is not a number "
        "(leave the cell empty if unknown, write 0 if there were none)",
        column=column,
        shown=shown,
    )


def _notations(
    records: Sequence[Record],
    match: ColumnMatch,
    declared: NumberFormat,
    delimiters: Sequence[str | None] = (),
) -> tuple[dict[str, Notation], list[str]]:
    evidence = NotationEvidence(match.inputs)
    for delimiter in delimiters:
        if delimiter is not None:
            evidence.add_separator(delimiter)
    for record in records:
        add_evidence(evidence, record, match)
    return evidence.decide(declared)


def add_evidence(evidence: NotationEvidence, record: Record, match: ColumnMatch) -> None:
    """What one record's text cells say about the file's notation (plain digits say nothing)."""
    for column, cell in record.cells.items():
        if not isinstance(cell, str) or cell.strip().isdigit() or not cell.strip():
            continue
        if column in match.inputs:
            evidence.add(column, record.where or "data", cell)
        else:
            evidence.add_other(cell)


def _classify(record: Record, match: ColumnMatch) -> str:
    """``"data"``, ``"total"`` or ``"footnote"``.

    A totals label is looked for where rows are named: the region column and the
    columns before the first input (not in a remarks column after the counts, where
    "total kunjungan belum lengkap" is a remark, not a totals row).
    """
    labels = [record.cells.get(match.region)] if match.region else []
    for column, cell in record.cells.items():
        if column in match.inputs:
            break
        labels.append(cell)
    under = below_regency(match.region)
    if any(
        isinstance(label, str) and is_total_label(label, below_regency=under) for label in labels
    ):
        return "total"
    has_values = any(
        record.cells.get(column) is not None and _text(record.cells.get(column))
        for column in match.inputs
    )
    if has_values:
        return "data"
    region = _text(record.cells.get(match.region)) if match.region else ""
    if not region or _FOOTNOTE.match(region) or len(region) > 60:
        return "footnote"
    return "data"


def _row(
    record: Record,
    match: ColumnMatch,
    notations: dict[str, Notation],
    sheet: str | None,
    sheet_period: str | None,
) -> DataRow:
    values: dict[str, object] = {}
    bad: list[str] = []
    unreadable: list[str] = []
    for column, name in match.inputs.items():
        value, ok = _convert(record.cells.get(column), notations.get(column, "any"))
        if not ok:
            bad.append(_bad_cell(column, record.cells.get(column)))
            unreadable.append(name)
        elif value is not None:
            values[name] = value
    everything = {**record.heading, **record.cells}
    texts = [
        _heading_text(everything.get(named))
        for named in (match.year, match.period)
        if named is not None
    ]
    period: str | None = " ".join(text for text in texts if text) or None
    year: int | None = None
    part: str | int | None = None
    for time_column in (match.year, match.period):
        if time_column is None or _heading_text(everything.get(time_column)) is None:
            continue
        cell = everything.get(time_column)
        try:
            found_year, found_part = time_of_cell(
                cell, months=normalise(time_column) in {"bulan", "month"}
            )
        except ValueError:
            bad.append(_bad_time(time_column, cell))
            continue
        year = found_year if found_year is not None else year
        part = found_part if found_part is not None else part
    if period is None and sheet_period is not None:
        period = sheet_period
        year = int(sheet_period) if sheet_period.isdigit() else None
    return DataRow(
        where=record.where,
        number=record.number,
        region=_heading_text(everything.get(match.region)) if match.region else None,
        period=period,
        values=values,
        problems=tuple(bad),
        sheet=sheet,
        year=year,
        part=part,
        unreadable=tuple(unreadable),
    )


def _bad_time(column: str, cell: object) -> Bilingual:
    shown = _text(cell)
    return tr(
        "column {column!r}: {shown!r} is not a year, quarter or month "
        "(write 2023, TW2, 'triwulan 2', '2023 TW2' or a month's name)",
        column=column,
        shown=shown,
    )


def _part_name(part: str | int | None) -> str:
    if part is None:
        return ""
    return f"TW{part[1:]}" if isinstance(part, str) else f"bulan {part}"


class TimeKeys:
    """The (region, year, period) of each data row, gathered row by row (both readers).

    Two rows with one key are both refused, each naming the other, rather than letting
    one silently win; a region and year whose quarters skip one (TW1, TW2, TW4) is
    noted. Only rows that name a year or a period are keyed: two rows of one region in
    a file without time are two data sets, as before.
    """

    def __init__(self) -> None:
        self._first: dict[tuple[object, ...], tuple[int, str]] = {}
        self.refused: dict[int, list[str]] = {}
        self._quarters: dict[tuple[str | None, int | None], set[int]] = {}

    def add(  # noqa: PLR0913 - one row's keys and where it is
        self,
        number: int,
        where: str,
        region: str | None,
        year: int | None,
        part: str | int | None,
        sheet: str | None = None,
    ) -> None:
        """One data row (``number`` identifies it among the others)."""
        if year is None and part is None:
            return
        if isinstance(part, str):
            self._quarters.setdefault((region, year), set()).add(int(part[1:]))
        key = (sheet if year is None else None, region, year, part)
        if key not in self._first:
            self._first[key] = (number, where)
            return
        earlier, earlier_where = self._first[key]
        what = " ".join(str(piece) for piece in (region, year, _part_name(part)) if piece)
        for mine, one, other in ((earlier, earlier_where, where), (number, where, earlier_where)):
            self.refused.setdefault(mine, []).append(
                tr(
                    "{what} is given twice, in {one} and {other}; keep one of the two rows",
                    what=what,
                    one=one,
                    other=other,
                )
            )

    def problems(self, number: int) -> tuple[str, ...]:
        """The duplicate problems of one row (none when its key is its own)."""
        return tuple(dict.fromkeys(self.refused.get(number, ())))

    def notes(self) -> list[str]:
        """A note for each region and year whose quarters skip one."""
        notes: list[str] = []
        for (region, year), quarters in self._quarters.items():
            missing = [q for q in range(1, max(quarters)) if q not in quarters]
            if missing:
                what = " ".join(str(piece) for piece in (region, year) if piece)
                named = ", ".join(f"TW{q}" for q in missing)
                present = ", ".join(f"TW{q}" for q in sorted(quarters))
                notes.append(
                    tr(
                        "{what}: {named} missing (the file has {present})",
                        what=what,
                        named=named,
                        present=present,
                    )
                    if what
                    else tr(
                        "{named} missing (the file has {present})", named=named, present=present
                    )
                )
        return notes


def _keyed(rows: list[DataRow]) -> tuple[list[DataRow], list[str]]:
    """The rows, each duplicated (region, year, period) refused, and the missing-quarter notes."""
    keys = TimeKeys()
    for index, row in enumerate(rows):
        keys.add(index, row.where, row.region, row.year, row.part, row.sheet)
    keyed = [
        attrs.evolve(row, problems=(*row.problems, *keys.problems(index)))
        if index in keys.refused
        else row
        for index, row in enumerate(rows)
    ]
    return keyed, keys.notes()


def _tabular_sheets(
    path: Path,
    rule_sets: Sequence[RuleSet],
    mapping: ColumnMapping,
    sheet: str | None,
    header_row: int | None,
) -> list[_Sheet]:
    grids = read_grids(path, sheet)
    sheets = []
    for grid in grids:
        if not grid.rows:
            continue
        try:
            sheets.append(_sheet(grid, rule_sets, mapping, header_row, named=len(grids) > 1))
        except DataFileError as exc:
            raise DataFileError(str(path), exc.problems) from None
    if not sheets:
        raise DataFileError(str(path), [tr("the file has no rows")])
    return sheets


def read_data(  # noqa: PLR0913 - keyword-only options of one reader
    path: str | Path,
    rule_set: RuleSet | Sequence[RuleSet],
    *,
    number_format: NumberFormat = "auto",
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> DataTable:
    """Read a data file into rows of input values for ``rule_set``.

    The file is CSV (comma, semicolon or tab separated, UTF-8), an Excel workbook
    (``.xlsx``, needs the ``excel`` extra; first sheet unless ``sheet``; ``"all"`` for
    every sheet, one per year), JSON or YAML (one mapping, optionally with the counts
    under ``data:``, or a list of them).

    Args:
        path: the file.
        rule_set: the rule set whose inputs the columns are matched against (or several,
            to read one file for a comparison of rule sets).
        number_format: how numbers written as text are read; ``"auto"`` decides from
            every cell of the file and refuses only a column it cannot decide.
        mapping: column names that differ from the inputs' names or labels.
        sheet: the workbook sheet to read, or ``"all"``.
        header_row: the row number of the header, when the best-matching row is not it.

    Raises:
        DataFileError: the file cannot be read, no column is an input, a column's
            notation is ambiguous, or the mapping names missing columns or unknown
            inputs; every such problem is listed.
    """
    mapping = mapping or ColumnMapping()
    if mapping.number_format is not None and number_format == "auto":
        number_format = mapping.number_format
    file = data_path(path)
    source = str(path)
    rule_sets = [rule_set] if isinstance(rule_set, RuleSet) else list(rule_set)
    suffix = file.suffix.casefold()
    with os_errors(path):
        if suffix in TABULAR_SUFFIXES:
            sheets = _tabular_sheets(file, rule_sets, mapping, sheet, header_row)
        elif suffix in {".json", ".yaml", ".yml"}:
            header, records = read_tree(file)
            sheets = [_Sheet(None, header, 0, records, [])]
        else:
            raise unknown_suffix(file)
    header = list(dict.fromkeys(name for one in sheets for name in one.header))
    match, problems = match_columns(header, rule_sets, mapping)
    if not match.inputs and suffix in TABULAR_SUFFIXES:
        problems.append(_no_inputs(sheets, rule_sets))
    records = [record for one in sheets for record in one.records]
    delimiters = [one.delimiter for one in sheets]
    notations, notation_problems = _notations(records, match, number_format, delimiters)
    problems.extend(notation_problems)
    if problems:
        raise DataFileError(source, problems)
    rows: list[DataRow] = []
    totals: list[DataRow] = []
    notes = [note for one in sheets for note in one.notes]
    skipped: list[tuple[str, str]] = []
    for one in sheets:
        # A sheet named for its year ("2012", "Tahun 2012") gives the rows their period.
        period = sheet_year(one.name) if match.period is None else None
        for record in one.records:
            kind = _classify(record, match)
            if kind == "footnote":
                skipped.append((record.where, _footnote_text(record)))
                continue
            row = _row(record, match, notations, one.name, period)
            (totals if kind == "total" else rows).append(
                attrs.evolve(row, total=True) if kind == "total" else row
            )
    if skipped:
        notes.append(_skipped_note(skipped))
    rows, missing = _keyed(rows)
    notes.extend(missing)
    return DataTable(
        source=source,
        rows=tuple(rows),
        totals=tuple(totals),
        columns=match.inputs,
        unknown_columns=tuple(
            column for column in match.unknown if not any(column in one.left_out for one in sheets)
        ),
        number_formats={column: notations[column] for column in match.inputs},
        notes=tuple(notes),
        header_rows={one.name: one.header_row for one in sheets},
    )


def read_upload(
    content: bytes,
    name: str,
    rule_set: RuleSet | Sequence[RuleSet],
    *,
    number_format: NumberFormat = "auto",
    mapping: ColumnMapping | None = None,
) -> DataTable:
    """Read an uploaded file's bytes as :func:`read_data` reads a file (the HTTP service).

    ``name`` is the client's file name: its suffix says the format, and problems are
    named by it rather than by the temporary file the bytes are read from.

    Raises:
        DataFileError: as :func:`read_data`, named by ``name``.
    """
    from spmkit._files.outputs import scratch_file  # noqa: PLC0415 - uploads only

    shown = Path(name).name or "upload"
    with scratch_file(content, Path(shown).suffix.casefold()) as path:
        try:
            table = read_data(path, rule_set, number_format=number_format, mapping=mapping)
        except DataFileError as exc:
            raise DataFileError(shown, exc.problems) from None
    return attrs.evolve(table, source=shown)


def _footnote_text(record: Record) -> str:
    texts = [_text(cell) for cell in record.cells.values() if _text(cell)]
    text = " ".join(texts)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _no_inputs(sheets: Sequence[_Sheet], rule_sets: Sequence[RuleSet]) -> str:
    one = sheets[0]
    names = ", ".join(repr(n) for n in one.header if n)
    where = tr(" of sheet {sheet!r}", sheet=one.name) if one.name else ""
    some = ", ".join(list(rule_sets[0].inputs)[:4])
    return tr(
        "no column is an input of rule set {rule_set!r}: the header{where} was taken "
        "to be row {row} ({names}); name the header row with --header-row N, "
        "or map the columns with --mapping FILE (inputs are e.g. {some})",
        rule_set=rule_sets[0].id,
        where=where,
        row=one.header_row,
        names=names,
        some=some,
    )


def _skipped_note(skipped: Sequence[tuple[str, str]], count: int | None = None) -> Bilingual:
    """The note on footnote rows: how many (``count``, else all given), the first five named."""
    count = len(skipped) if count is None else count
    more = count - 5
    shown = joined("; ", [joined("", [where, f": {text}"]) for where, text in skipped[:5]])
    return tr(
        "{count} rows without input values skipped (footnotes): {shown}{more}",
        count=count,
        shown=shown,
        more=tr("; ... {count} more", count=more) if more > 0 else "",
    )
