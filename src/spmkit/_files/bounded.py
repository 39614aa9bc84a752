"""Strict, bounded readers of data-file bytes: CSV, JSON, YAML and xlsx worksheets.

A data file comes from outside, so each reader bounds the work a file can ask for and
turns every failure into a :class:`~spmkit.errors.DataFileError` naming the file and
the line, row or cell (limits: :mod:`spmkit._limits`, table in ``docs/semantics.md``):

- **CSV**: fields up to :data:`~spmkit._limits.MAX_CSV_FIELD` characters; a quote that is
  never closed, or a quoted field that swallows the lines after it, is an error naming
  the line (an unbalanced quote would otherwise fold the rows that follow into one cell).
- **JSON**: nesting up to :data:`~spmkit._limits.MAX_DATA_NESTING`, integers within the
  number limits, no duplicate keys (JSON keeps only the last one), UTF-8 only.
- **YAML**: the strict loader of rule files (:mod:`spmkit._yamlload`): no tags, no
  duplicate keys, bounded aliases, nesting and nodes (no "billion laughs").
- **xlsx**: only the cells that exist are read (a sheet's declared dimension is ignored,
  so ``A1:XFD1048576`` costs nothing), at most :data:`~spmkit._limits.MAX_SHEET_ROWS`
  rows and :data:`~spmkit._limits.MAX_SHEET_COLUMNS` columns; formula cells without a
  saved value are an error (the workbook was never recalculated), not blanks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from xml.parsers import expat

from spmkit._limits import (
    MAX_CELL_TEXT,
    MAX_CSV_FIELD,
    MAX_DATA_NESTING,
    MAX_SHARED_STRINGS,
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    decimal_problem,
    digits_text_problem,
)
from spmkit._translation import grouped, tr
from spmkit.errors import DataFileError

__all__ = [
    "MAX_PATH_CHARS",
    "check_formula_values",
    "check_sheet_size",
    "check_workbook",
    "csv_rows",
    "data_path",
    "decode_text",
    "iter_csv_rows",
    "load_json",
    "load_workbook",
    "load_yaml_data",
    "open_workbook",
    "os_errors",
    "scan_workbook",
    "sheet_rows",
]

MAX_PATH_CHARS: Final = 4096
"""Longest data-file path accepted (Linux's PATH_MAX)."""

_SHOWN_FORMULA_CELLS: Final = 5
# A formula element, then no saved value (no <v>, or an empty one), then the cell's end.
_FORMULA_WITHOUT_VALUE: Final = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*'
    rb"(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def decode_text(path: Path, raw: bytes, how: str) -> str:
    """Decode UTF-8 (with or without BOM); a clear error naming the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problem = tr(
            "line {line}: not UTF-8 text (byte {byte:#04x} at offset {offset}); {how}",
            line=line,
            byte=raw[exc.start],
            offset=exc.start,
            how=how,
        )
        raise DataFileError(str(path), [problem]) from None


def csv_rows(path: Path, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Return ``(line, cells)`` for each CSV record; bad quoting is an error naming the line.

    ``csv.field_size_limit`` is raised to :data:`~spmkit._limits.MAX_CSV_FIELD` while the
    file is read, and restored after.
    """
    return list(iter_csv_rows(path, io.StringIO(text, newline=""), delimiter))


def iter_csv_rows(
    path: Path, stream: Iterable[str], delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, cells)`` for each CSV record of a text stream (opened with ``newline=""``).

    The same checks as :func:`csv_rows`, record by record, so a file can be read in
    chunks: bad quoting is an error naming the line.
    """
    previous = csv.field_size_limit(MAX_CSV_FIELD)
    try:
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        start = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataFileError(
                    str(path), [_csv_problem(start, reader.line_num, exc)]
                ) from None
            end = reader.line_num
            # A cell holds a line break only when its record spans several lines.
            if end > start and any("\n" in cell and delimiter in cell for cell in cells):
                problem = tr(
                    "lines {start}-{end}: a quoted cell runs over {count} lines and holds the "
                    'delimiter {delimiter!r}: an unbalanced quote (") has folded the rows after '
                    "it into one cell; close or remove the quote",
                    start=start,
                    end=end,
                    count=end - start + 1,
                    delimiter=delimiter,
                )
                raise DataFileError(str(path), [problem])
            yield end, cells
            start = end + 1
    finally:
        csv.field_size_limit(previous)


def _csv_problem(start: int, end: int, error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return tr(
            "line {start}: a field longer than {limit} characters; spmkit reads CSV fields "
            "up to that size (docs/semantics.md, Limits)",
            start=start,
            limit=grouped(MAX_CSV_FIELD),
        )
    if "unexpected end of data" in text:
        return tr(
            'line {start}: a quote (") opened here is never closed (the file ends inside '
            "it); close or remove the quote",
            start=start,
        )
    return tr(
        'lines {start}-{end}: not valid CSV ({text}); check the quotes (") on these lines',
        start=start,
        end=end,
        text=text,
    )


def _depth_problem(loaded: object) -> str | None:
    """Why a loaded JSON document is refused: too deep, or text with a lone surrogate."""
    stack: list[tuple[object, int]] = [(loaded, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DATA_NESTING:
                return _too_deep()
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
            values = item.values() if isinstance(item, dict) else item
            stack.extend((value, depth + 1) for value in values)
        elif isinstance(item, str) and not _encodable(item):
            return tr(
                "the text {text} holds a lone surrogate (an escape such as \\ud800 that is "
                "not a character); fix the text",
                text=ascii(item[:40]),
            )
    return None


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _line_of(text: str, token: str) -> int:
    """The line of the first ``token`` outside a longer word or number (for messages)."""
    found = re.search(r"(?<![\w.+-])" + re.escape(token) + r"(?![\w.])", text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _number_checks(path: Path, text: str) -> tuple[Any, Any]:
    """The ``parse_float`` and ``parse_constant`` hooks of strict JSON data.

    ``1e-400`` would silently become 0.0, ``1e400`` infinity, and ``NaN``/``Infinity``
    (not JSON at all) missing or infinite values: each is refused, naming its line.
    """

    def refuse(token: str, problem: str) -> DataFileError:
        line = _line_of(text, token)
        return DataFileError(str(path), [tr("line {line}: {problem}", line=line, problem=problem)])

    def bounded_float(token: str) -> float:
        problem = digits_text_problem(token)
        if problem is None and ("e" in token or "E" in token):
            problem = decimal_problem(Decimal(token))
        if problem is not None:
            raise refuse(token, problem)
        number = float(token)
        if math.isinf(number) or (number == 0 and Decimal(token) != 0):
            raise refuse(
                token,
                tr(
                    "the number {token} is {what} as a JSON number; write it as a plain "
                    "number within the limits (docs/semantics.md, Limits)",
                    token=token,
                    what=tr("too large") if math.isinf(number) else tr("too small"),
                ),
            )
        return number

    def no_constant(token: str) -> float:
        raise refuse(
            token,
            tr(
                "{token} is not a JSON number; leave the value out or write null for a "
                "missing value",
                token=token,
            ),
        )

    return bounded_float, no_constant


def _too_deep() -> str:
    return tr(
        "nested deeper than {limit} levels (docs/semantics.md, Limits)", limit=MAX_DATA_NESTING
    )


def load_json(path: Path, raw: bytes) -> object:
    """Parse JSON data strictly: UTF-8, no duplicate keys, bounded nesting and integers."""
    text = decode_text(path, raw, _save_as_utf8())

    def bounded_int(digits: str) -> int:
        problem = digits_text_problem(digits)
        if problem is not None:
            raise DataFileError(str(path), [problem])
        return int(digits)

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                problem = tr(
                    "duplicate key {key!r} in one object; JSON keeps only one of them, so "
                    "remove or rename one",
                    key=key,
                )
                raise DataFileError(str(path), [problem])
            result[key] = value
        return result

    try:
        bounded_float, no_constant = _number_checks(path, text)
        loaded = json.loads(
            text,
            object_pairs_hook=unique_keys,
            parse_int=bounded_int,
            parse_float=bounded_float,
            parse_constant=no_constant,
        )
    except json.JSONDecodeError as exc:
        problem = tr("line {line}: not valid JSON: {reason}", line=exc.lineno, reason=exc.msg)
        raise DataFileError(str(path), [problem]) from None
    except RecursionError:
        raise DataFileError(str(path), [_too_deep()]) from None
    too_deep = _depth_problem(loaded)
    if too_deep is not None:
        raise DataFileError(str(path), [too_deep])
    return loaded


def load_yaml_data(path: Path, raw: bytes) -> object:
    """Parse YAML data with the strict loader of rule files (same limits, no duplicates)."""
    from spmkit._yamlload import read_data_yaml  # noqa: PLC0415 - YAML only for a YAML file

    return read_data_yaml(decode_text(path, raw, _save_as_utf8()), str(path))


def _save_as_utf8() -> str:
    return tr("save the file as UTF-8")


def _column_name(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def sheet_rows(worksheet: Any, path: Path) -> Iterator[tuple[int, tuple[object, ...]]]:  # noqa: ANN401 - openpyxl
    """Yield ``(row number, values)`` of the cells that exist, within the sheet limits."""
    worksheet.reset_dimensions()  # the declared dimension may claim a million empty rows
    rows = worksheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        # The sheet's XML is parsed as it is read: its errors surface here, not at opening.
        except Exception as exc:  # noqa: BLE001
            raise DataFileError(str(path), [_damaged(exc)]) from None
        number += 1
        if not row:
            continue
        if number > MAX_SHEET_ROWS:
            if any(cell is not None for cell in row):
                problem = tr(
                    "row {number} has cells; spmkit reads at most {limit} rows of a sheet "
                    "(docs/semantics.md, Limits): split the sheet, or save it as CSV",
                    number=grouped(number),
                    limit=grouped(MAX_SHEET_ROWS),
                )
                raise DataFileError(str(path), [problem])
            continue
        if len(row) > MAX_SHEET_COLUMNS:
            problem = tr(
                "row {number} has cells up to column {column}; spmkit reads at most {limit} "
                "columns (docs/semantics.md, Limits): delete the cells far to the right",
                number=grouped(number),
                column=_column_name(len(row)),
                limit=grouped(MAX_SHEET_COLUMNS),
            )
            raise DataFileError(str(path), [problem])
        yield number, row


def formula_cells_without_values(path: Path, part: str) -> list[str]:
    """Cells of one worksheet part holding a formula but no saved value (read streaming)."""
    found: list[str] = []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as stream:
        while len(found) <= _SHOWN_FORMULA_CELLS:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            cut = block.rfind(b"</c>")
            cut = len(block) if cut == -1 else cut + 4
            found.extend(m.decode() for m in _FORMULA_WITHOUT_VALUE.findall(block[:cut]))
            tail = block[cut:][-(1 << 16) :]
    return found


def open_workbook(openpyxl: Any, path: Path) -> Any:  # noqa: ANN401 - openpyxl is optional
    """Open a workbook read-only with saved values; a clear error for what is not one."""
    if not zipfile.is_zipfile(path):
        problem = tr("not an .xlsx workbook (not a zip archive); save it from Excel as .xlsx")
        raise DataFileError(str(path), [problem])
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    # A parser of untrusted bytes: zip, XML and openpyxl's own errors all mean the same.
    except Exception as exc:  # noqa: BLE001
        raise DataFileError(str(path), [_damaged(exc)]) from None


def _damaged(error: Exception) -> str:
    return tr(
        "cannot read the workbook ({error}); it is damaged or not an .xlsx file: open it "
        "in Excel and save it again as .xlsx",
        error=type(error).__name__,
    )


def check_formula_values(path: Path, worksheet: Any) -> None:  # noqa: ANN401 - openpyxl
    """Refuse a sheet with formulas whose values were never saved (they would read as blank)."""
    part = getattr(worksheet, "_worksheet_path", None)
    if not isinstance(part, str):
        return
    try:
        cells = formula_cells_without_values(path, part)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise DataFileError(str(path), [_damaged(exc)]) from None
    if cells:
        shown = ", ".join(cells[:_SHOWN_FORMULA_CELLS]) + (
            ", ..." if len(cells) > _SHOWN_FORMULA_CELLS else ""
        )
        problem = tr(
            "cells {cells} hold formulas without a saved value (the workbook was written by "
            "a program that does not calculate); open it in Excel or LibreOffice and save "
            "it, so the values are stored",
            cells=shown,
        )
        raise DataFileError(str(path), [problem])


def data_path(path: object) -> Path:
    """A data file's path, checked to be a path (not bytes, not None) of bounded length."""
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        shown = type(path).__name__
        raise DataFileError(f"<{shown}>", [_not_a_path(shown)])
    text = os.fspath(path)
    if not isinstance(text, str):
        raise DataFileError("<bytes>", [_not_a_path("bytes")])
    if len(text) > MAX_PATH_CHARS:
        shown_path = text[:60] + "..."
        problem = tr(
            "a path of {count} characters; spmkit accepts at most {limit}",
            count=grouped(len(text)),
            limit=grouped(MAX_PATH_CHARS),
        )
        raise DataFileError(shown_path, [problem])
    return Path(text)


def _not_a_path(shown: str) -> str:
    return tr("a data file is named by a str or Path, not {type}", type=shown)


@contextlib.contextmanager
def os_errors(path: object) -> Iterator[None]:
    """Turn the operating system's refusals (permissions, devices, long names) into errors."""
    try:
        yield
    except OSError as exc:
        shown = os.fspath(path) if isinstance(path, str | os.PathLike) else repr(path)
        reason = exc.strerror or type(exc).__name__
        raise DataFileError(
            str(shown)[:200], [tr("cannot read the file: {reason}", reason=reason)]
        ) from None


def check_workbook(openpyxl: Any, path: Path, sheet: str | None) -> None:  # noqa: ANN401 - openpyxl
    """Check a workbook streaming, before it is loaded whole: sheet limits, unsaved formulas.

    Every sheet to be read is streamed once, cell by cell, whatever dimension it declares:
    one that declares a million rows (``A1:XFD1048576``) is refused only if cells really
    exist beyond the limits, and one that declares two rows but holds a million is refused
    here, in bounded memory, before the whole workbook is loaded.
    """
    scan_workbook(path)  # cell text, shared strings, sheet size: before openpyxl reads any
    workbook = open_workbook(openpyxl, path)
    try:
        for worksheet in workbook.worksheets:
            if sheet not in {None, "all", worksheet.title}:
                continue
            check_formula_values(path, worksheet)
            for _ in sheet_rows(worksheet, path):
                pass
            if sheet is None:
                break
    finally:
        workbook.close()


_CELL_REFERENCE: Final = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_SCANNED_PART: Final = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml", re.IGNORECASE)


class _Refused(Exception):  # noqa: N818 - internal: stops the parse at the first problem
    """A limit of :func:`scan_workbook` exceeded (its message is the problem)."""


class _PartScan:
    """Counts one workbook part as expat streams it: text per cell, strings, rows, columns.

    Character data arrives in pieces, so a 150,000,000-character cell is refused after
    its first 32,768 characters, in constant memory, before openpyxl reads the workbook.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self.text = 0
        self.strings = 0
        self.rows = 0
        self.columns = 0
        self.last: str | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        # Called for every element: cells and values first, with as little work as can be.
        if name == "c":
            self.last = attributes.get("r", self.last)
            return
        local = name.rpartition(":")[2]
        if local in {"v", "t", "f"}:
            self.text = 0
        elif local == "c":
            self.last = attributes.get("r", self.last)
        elif local == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _Refused(
                    tr(
                        "more than {limit} shared strings (docs/semantics.md, Limits); split the "
                        "workbook, or save the sheet as CSV",
                        limit=grouped(MAX_SHARED_STRINGS),
                    )
                )
        elif local == "row":
            self.close_row()
            self.rows = max(self.rows + 1, int(attributes.get("r", "0") or 0))

    def close_row(self) -> None:
        """Check the sheet's size with the row just read (its last cell is its widest)."""
        if self.last is None:
            return
        found = _CELL_REFERENCE.fullmatch(self.last)
        self.last = None
        if found is None:
            return
        self.columns = max(self.columns, _column_number(found.group(1)))
        if (
            self.rows * self.columns > MAX_SHEET_CELLS
            or self.columns > MAX_SHEET_COLUMNS
            or self.rows > MAX_SHEET_ROWS
        ):
            raise _Refused(
                tr(
                    "{part}: row {rows} has cells up to column {column}; spmkit reads at most "
                    "{limit} cells of a sheet, at most {row_limit} rows and {columns} "
                    "columns (docs/semantics.md, Limits): delete the far cells, or split "
                    "the sheet",
                    part=self.part,
                    rows=grouped(self.rows),
                    column=_column_name(self.columns),
                    limit=grouped(MAX_SHEET_CELLS),
                    row_limit=grouped(MAX_SHEET_ROWS),
                    columns=grouped(MAX_SHEET_COLUMNS),
                )
            )

    def characters(self, data: str) -> None:
        self.text += len(data)
        if self.text > MAX_CELL_TEXT:
            raise _Refused(
                tr(
                    "a cell of {part} holds more than {limit} characters (Excel's own limit; "
                    "docs/semantics.md, Limits)",
                    part=self.part,
                    limit=grouped(MAX_CELL_TEXT),
                )
            )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def scan_workbook(path: Path) -> None:
    """Check a workbook's sheets and shared strings streaming, in bounded memory and time.

    openpyxl reads every shared string into memory when it opens a workbook, and a sheet's
    size only once it has read it: this scan refuses a cell over
    :data:`~spmkit._limits.MAX_CELL_TEXT` characters, more than
    :data:`~spmkit._limits.MAX_SHARED_STRINGS` strings, and a sheet over the cell or
    column limits first, 1 MiB of XML at a time.

    Raises:
        DataFileError: a limit is exceeded, or the XML is broken.
    """
    if not zipfile.is_zipfile(path):
        return  # open_workbook says what it is not
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [n for n in archive.namelist() if _SCANNED_PART.fullmatch(n)]
            for part in parts:
                _scan_part(archive, part, path)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise DataFileError(str(path), [_damaged(exc)]) from None


def _scan_part(archive: zipfile.ZipFile, part: str, path: Path) -> None:
    scan = _PartScan(part.rpartition("/")[2])
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.CharacterDataHandler = scan.characters
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            try:
                parser.Parse(chunk, not chunk)
                if not chunk:
                    scan.close_row()
            except expat.ExpatError as exc:
                raise DataFileError(str(path), [_damaged(exc)]) from None
            except _Refused as exc:
                raise DataFileError(str(path), [exc.args[0]]) from None
            if not chunk:
                return


def load_workbook(openpyxl: Any, path: Path) -> Any:  # noqa: ANN401 - openpyxl is optional
    """Load a whole workbook (merged cells known) with saved values; damaged: an error."""
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - see open_workbook
        raise DataFileError(str(path), [_damaged(exc)]) from None


def check_sheet_size(worksheet: Any, path: Path) -> None:  # noqa: ANN401 - openpyxl
    """Refuse a loaded sheet whose cells reach past the row or column limit."""
    rows, columns = worksheet.max_row, worksheet.max_column
    if rows * columns > MAX_SHEET_CELLS:
        problem = tr(
            "sheet {sheet!r} spans {rows} rows x {columns} columns (cells up to {cell}); "
            "spmkit reads at most {limit} cells of a sheet (docs/semantics.md, Limits): "
            "delete the far cells, or split the sheet",
            sheet=worksheet.title,
            rows=grouped(rows),
            columns=grouped(columns),
            cell=_column_name(columns) + str(rows),
            limit=grouped(MAX_SHEET_CELLS),
        )
        raise DataFileError(str(path), [problem])
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        problem = tr(
            "sheet {sheet!r} has cells up to row {rows}, column {column}; spmkit reads at "
            "most {row_limit} rows and {column_limit} columns (docs/semantics.md, Limits)",
            sheet=worksheet.title,
            rows=grouped(rows),
            column=_column_name(columns),
            row_limit=grouped(MAX_SHEET_ROWS),
            column_limit=grouped(MAX_SHEET_COLUMNS),
        )
        raise DataFileError(str(path), [problem])
