"""Raw records from CSV, Excel, JSON and YAML files, before any column is understood.

A CSV file or a workbook sheet is read as a :class:`Grid`: every non-empty row with its
number as a spreadsheet shows it, title rows and footnotes included, merged cells
filled with the merged value (a header "Ibu hamil" merged over three columns names all
three). Finding the header row and the data rows is :mod:`spmkit._files.reading`'s job.
A JSON or YAML file is read strictly (duplicate keys refused, as for rule files) into
:class:`Record` s directly, since its keys are its columns.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import attrs

from spmkit._files.bounded import (
    check_sheet_size,
    check_workbook,
    csv_rows,
    decode_text,
    iter_csv_rows,
    load_json,
    load_workbook,
    load_yaml_data,
)
from spmkit._limits import MAX_CSV_FIELD, MAX_SHEET_CELLS
from spmkit._translation import grouped, tr
from spmkit.errors import DataFileError

__all__ = [
    "ALL_SHEETS",
    "CSV_SUFFIXES",
    "MAX_DATA_BYTES",
    "MAX_STREAMED_BYTES",
    "MAX_STREAMED_LINE",
    "TABULAR_SUFFIXES",
    "Grid",
    "Record",
    "csv_delimiter",
    "csv_records",
    "read_grids",
    "read_tree",
    "sheet_year",
    "unknown_suffix",
]

MAX_DATA_BYTES: Final = 200 * 1024 * 1024
"""Largest data file read whole, in bytes."""
MAX_STREAMED_BYTES: Final = 2 * 1024 * 1024 * 1024
"""Largest CSV file the command line reads as a stream (a chunk of rows at a time), in
bytes: about 10,000,000 rows of 46 counts. Its memory does not grow with the file; its
time does (about a minute per 1,000,000 rows of 23 indicators on a shared machine)."""
MAX_STREAMED_LINE: Final = 4 * MAX_CSV_FIELD
"""Longest line of a streamed CSV file, in characters (a line is read whole)."""

ALL_SHEETS: Final = "all"
"""The ``sheet`` value that reads every sheet of a workbook (one per year)."""

TABULAR_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm"})
CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
"""Tabular files read as CSV (the others are workbooks)."""
_DELIMITER_LINES: Final = 20
_YEAR: Final = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@attrs.frozen
class Record:
    """A raw row: where it is, its cells by column, and heading values (region, year)."""

    where: str
    number: int
    cells: dict[str, object]
    heading: dict[str, object]


@attrs.frozen
class Grid:
    """The non-empty rows of one sheet (or CSV file) as written, each with its row number."""

    name: str | None
    rows: tuple[tuple[int, tuple[object, ...]], ...]
    delimiter: str | None = None
    """A CSV file's delimiter (``;`` is evidence of Indonesian notation)."""
    hidden: frozenset[int] = frozenset()
    """The 0-based indices of a worksheet's hidden columns."""


def sheet_year(name: str | None) -> str | None:
    """The year a sheet's name gives (``"2012"``, ``"Tahun 2012"``), or None.

    >>> sheet_year("Tahun 2012"), sheet_year("Data")
    ('2012', None)
    """
    found = _YEAR.search(name or "")
    return found.group(1) if found else None


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV text: the one most used on one of its first 20 lines."""
    lines = [line for line in text.split("\n", 20)[:20] if line.strip()]
    return max((";", ",", "\t"), key=lambda d: max((line.count(d) for line in lines), default=0))


def _grid_from_csv(path: Path) -> Grid:
    how = tr("save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8)")
    text = decode_text(path, path.read_bytes(), how)
    delimiter = csv_delimiter(text)
    rows = [
        (line, tuple(cells))
        for line, cells in csv_rows(path, text, delimiter)
        if any(c.strip() for c in cells)
    ]
    return Grid(name=None, rows=tuple(rows), delimiter=delimiter)


def csv_records(path: Path, limit: int = MAX_DATA_BYTES) -> Iterator[tuple[int, list[str]]]:
    """The non-empty records of a CSV file, read as a stream (never the whole file at once).

    The same records, line numbers and checks as :func:`read_grids`; the file is checked
    (exists, at most ``limit`` bytes) first. A byte that is not UTF-8 raises
    ``UnicodeDecodeError`` where it is met (:func:`read_grids` names its line and offset);
    a line longer than :data:`MAX_STREAMED_LINE` raises :class:`DataFileError`.
    """
    _check_file(path, limit)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        blocks: list[str] = []
        seen = last = 0  # the lines read, and the length of the last one so far
        while seen < _DELIMITER_LINES:
            block = stream.read(1 << 16)
            if not block:
                break
            blocks.append(block)
            ends = block.count("\n")
            seen += ends
            last = len(block) - block.rfind("\n") - 1 if ends else last + len(block)
            if last > MAX_STREAMED_LINE:
                problem = tr("a line longer than {limit} characters", limit=MAX_STREAMED_LINE)
                raise DataFileError(str(path), [problem])
        delimiter = csv_delimiter("".join(blocks))
    with path.open(encoding="utf-8-sig", newline="") as stream:
        lines = _bounded_lines(stream, str(path))
        for number, line in enumerate(lines, start=1):
            if '"' in line or "\0" in line or len(line) > MAX_CSV_FIELD:
                # A quote may open a cell over several lines: the csv module reads from here.
                rest = iter_csv_rows(path, itertools.chain([line], lines), delimiter)
                for end, cells in rest:
                    if (cells and cells[0].strip()) or "".join(cells).strip():
                        yield number - 1 + end, cells
                return
            # Without a quote, a CSV line is its cells between delimiters (csv.reader's own).
            cells = line.rstrip("\r\n").split(delimiter)
            if cells[0].strip() or "".join(cells).strip():  # not a blank row
                yield number, cells


def _grid_from_sheet(worksheet: Any, path: Path) -> Grid:  # noqa: ANN401 - openpyxl is optional
    merged: dict[tuple[int, int], object] = {}
    for cell_range in worksheet.merged_cells.ranges:
        value = worksheet.cell(cell_range.min_row, cell_range.min_col).value
        for row in range(cell_range.min_row, cell_range.max_row + 1):
            for column in range(cell_range.min_col, cell_range.max_col + 1):
                merged[row, column] = value
    rows = []
    check_sheet_size(worksheet, path)
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = list(values)
        for (row, column), value in merged.items():
            if row == number and column <= len(cells):
                cells[column - 1] = value
        if not all(_blank(cell) for cell in cells):
            rows.append((number, tuple(cells)))
    hidden = {
        index - 1
        for dimension in worksheet.column_dimensions.values()
        if dimension.hidden and dimension.min is not None
        for index in range(dimension.min, min(dimension.max or dimension.min, 16_384) + 1)
    }
    return Grid(name=worksheet.title, rows=tuple(rows), hidden=frozenset(hidden))


def _grids_from_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - optional extra, for .xlsx only
    except ImportError:
        problem = tr(
            "reading .xlsx needs the optional package openpyxl: pip install 'spmkit[excel]'"
        )
        raise DataFileError(str(path), [problem]) from None
    check_workbook(openpyxl, path, sheet)  # limits and unsaved formulas, read streaming
    # Not read-only: merged cells (a header over several columns) are only known this way.
    workbook = load_workbook(openpyxl, path)
    try:
        if sheet == ALL_SHEETS:
            return [_grid_from_sheet(worksheet, path) for worksheet in workbook.worksheets]
        if sheet is not None and sheet not in workbook.sheetnames:
            problem = tr(
                "no sheet {sheet!r}; the workbook has {sheets} (--sheet {all} reads every "
                "sheet, one per year)",
                sheet=sheet,
                sheets=workbook.sheetnames,
                all=ALL_SHEETS,
            )
            raise DataFileError(str(path), [problem])
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        return [_grid_from_sheet(worksheet, path)]
    finally:
        workbook.close()


def _check_file(path: Path, limit: int = MAX_DATA_BYTES) -> None:
    if not path.is_file():
        raise DataFileError(str(path), [tr("no such file")])
    if path.stat().st_size > limit:
        problem = tr("larger than {limit} bytes", limit=limit)
        raise DataFileError(str(path), [problem])


def _bounded_lines(stream: Any, source: str) -> Iterator[str]:  # noqa: ANN401 - a text file
    """The lines of a text file, each read only up to :data:`MAX_STREAMED_LINE` characters."""
    while line := stream.readline(MAX_STREAMED_LINE + 1):
        if len(line) > MAX_STREAMED_LINE:
            problem = tr("a line longer than {limit} characters", limit=MAX_STREAMED_LINE)
            raise DataFileError(source, [problem])
        yield line


def read_grids(path: Path, sheet: str | None) -> list[Grid]:
    """Read a CSV file or the sheets of a workbook (``sheet="all"`` for every one).

    Raises:
        DataFileError: no such file, too large, not UTF-8, no such sheet, no openpyxl.
    """
    _check_file(path)
    if path.suffix.casefold() in {".xlsx", ".xlsm"}:
        return _grids_from_xlsx(path, sheet)
    return [_grid_from_csv(path)]


def _tree_records(path: Path, loaded: object) -> tuple[list[str], list[Record]]:
    """A YAML/JSON document: one mapping, or a list of mappings (items numbered from 1)."""
    if isinstance(loaded, dict):
        items, single = [loaded], True
    elif isinstance(loaded, list):
        items, single = loaded, False
    else:
        problem = tr("a data file must hold a mapping of input name to count, or a list of them")
        raise DataFileError(str(path), [problem])
    header: dict[str, None] = {}  # ordered, with a constant-time membership test
    records: list[Record] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        where = "" if single else tr("item {number}", number=number)
        if not isinstance(item, dict):
            problems.append(tr("{where}: must be a mapping of input name to count", where=where))
            continue
        heading = {str(k): v for k, v in item.items() if k != "data"}
        data = item.get("data", None)
        if data is None:
            cells, heading = heading, {}
        elif isinstance(data, dict):
            cells = {str(k): v for k, v in data.items()}
        else:
            problems.append(
                tr(
                    "{where}: 'data' must be a mapping of input name to count",
                    where=where or "data",
                )
            )
            continue
        header.update(dict.fromkeys([*heading, *cells]))
        records.append(Record(where, number, cells, heading))
        if len(header) * len(items) > MAX_SHEET_CELLS:
            # Records are read as a grid (records x keys): bounded like a worksheet.
            problems.append(
                tr(
                    "{records} records with {keys} distinct keys make more than {limit} "
                    "cells (docs/semantics.md, Limits); split the file",
                    records=grouped(len(items)),
                    keys=grouped(len(header)),
                    limit=grouped(MAX_SHEET_CELLS),
                )
            )
            break
    if problems:
        raise DataFileError(str(path), problems)
    return list(header), records


def read_tree(path: Path) -> tuple[list[str], list[Record]]:
    """Read a JSON or YAML data file (YAML strictly: a duplicated key is refused).

    Raises:
        DataFileError: the file cannot be parsed, or is not a mapping or list of them.
    """
    _check_file(path)
    raw = path.read_bytes()
    if path.suffix.casefold() == ".json":
        return _tree_records(path, load_json(path, raw))
    return _tree_records(path, load_yaml_data(path, raw))


def unknown_suffix(path: Path) -> DataFileError:
    """The error for a file type spmkit does not read."""
    problem = tr(
        "unknown file type {suffix!r}; give a .csv, .xlsx, .json or .yaml file{xls}",
        suffix=path.suffix,
        xls=tr("; save old .xls workbooks as .xlsx") if path.suffix.casefold() == ".xls" else "",
    )
    return DataFileError(str(path), [problem])
