"""Data files as health offices keep them: CSV, Excel, JSON and YAML, one row per region.

This module turns a file into rows of input values for :func:`spmkit.evaluation.scalar`, and
evaluates them row by row. It is the edge where the outside world's formats are
accepted, so it is strict about what it cannot know:

- **Numbers written as text.** Indonesian files write ``3.582`` for three thousand five
  hundred and eighty-two and ``96,81`` for ninety-six point eight one. A column's format
  is declared (``number_format="id"`` or ``"en"``) or detected from its own values
  (``96,81`` or ``1.234.567`` can only be Indonesian). A column whose values could be
  read both ways (only values like ``3.582``) takes the format the rest of the file
  shows; if the file shows none, or both, the column is refused with a message: spmkit
  does not guess a factor of a thousand.
- **Columns.** A column is an input when its name is the input's name (any case, spaces
  or hyphens for underscores) or its label, or when a mapping file says so. Columns for
  the region and the period are recognised by name (``wilayah``, ``kecamatan``,
  ``puskesmas`` ..., ``tahun``, ``year`` ...). Every other column is reported as unknown.
- **Bad rows.** A cell that is not a number makes its row refused, with the row number
  as a spreadsheet shows it; the other rows are still evaluated.

What it does not do: compute anything about indicators (that is :mod:`spmkit.evaluation.scalar`),
or print (that is :mod:`spmkit.files.report` and the command line).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

import attrs

from spmkit.errors import DataFileError, DataInvalid, UsageError, format_errors
from spmkit.evaluation.results import Report
from spmkit.evaluation.scalar import evaluate
from spmkit.files.bounded import (
    check_formula_values,
    csv_rows,
    data_path,
    decode_text,
    load_json,
    load_yaml_data,
    open_workbook,
    os_errors,
    sheet_rows,
)
from spmkit.frozen import FrozenMap, freeze
from spmkit.limits import digits_text_problem
from spmkit.rulesets.model import RuleSet

__all__ = [
    "PERIOD_COLUMNS",
    "REGION_COLUMNS",
    "ColumnMapping",
    "DataFileError",
    "DataRow",
    "DataTable",
    "NumberFormat",
    "RowOutcome",
    "detect_number_format",
    "evaluate_table",
    "load_mapping",
    "parse_number",
    "read_data",
]

NumberFormat: TypeAlias = Literal["id", "en", "auto"]
"""How numbers written as text are read: Indonesian (``3.582,5``), English
(``3,582.5``), or detected per column."""

REGION_COLUMNS: Final = frozenset(
    {
        "region",
        "wilayah",
        "daerah",
        "kabupaten",
        "kota",
        "kabupaten_kota",
        "kab_kota",
        "kecamatan",
        "puskesmas",
        "desa",
        "kelurahan",
        "desa_kelurahan",
        "provinsi",
    }
)
"""Column names (normalised) read as the row's region."""

PERIOD_COLUMNS: Final = frozenset({"year", "tahun", "period", "periode"})
"""Column names (normalised) read as the row's period."""

_META_KEYS: Final = frozenset({"note", "notes", "catatan", "source", "sumber"})
"""Keys of a YAML/JSON mapping that describe the data rather than hold it."""

_SEPARATOR_RUN: Final = re.compile(r"[\s\-]+")
_PLAIN: Final = re.compile(r"\d+")
_PATTERNS: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    # Indonesian: '.' groups thousands, ',' is the decimal comma.
    "id": (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), re.compile(r"\d+,\d+")),
    # English: ',' groups thousands, '.' is the decimal point.
    "en": (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), re.compile(r"\d+\.\d+")),
}
_MAX_DATA_BYTES: Final = 200 * 1024 * 1024


def _normalise(name: str) -> str:
    return _SEPARATOR_RUN.sub("_", name.strip().casefold()).strip("_")


def _readings(text: str) -> dict[str, Fraction]:
    """Return the value ``text`` has under each number format it is valid in."""
    body = text.strip()
    if digits_text_problem(body) is not None:
        return {}  # over the digit limit: no reading (the cell is refused, naming its size)
    sign = 1
    if body.startswith("-"):
        sign, body = -1, body[1:].strip()
    if _PLAIN.fullmatch(body):
        return {"id": Fraction(int(body) * sign), "en": Fraction(int(body) * sign)}
    found: dict[str, Fraction] = {}
    for style, patterns in _PATTERNS.items():
        if any(pattern.fullmatch(body) for pattern in patterns):
            group, point = (".", ",") if style == "id" else (",", ".")
            found[style] = sign * Fraction(body.replace(group, "").replace(point, "."))
    return found


def parse_number(text: str, number_format: Literal["id", "en"]) -> Fraction:
    """Read a number written as text, exactly, in the given format.

    >>> parse_number("3.582", "id"), parse_number("96,81", "id")
    (Fraction(3582, 1), Fraction(9681, 100))
    >>> parse_number("3,582.5", "en")
    Fraction(7165, 2)

    Raises:
        UsageError: the text is not a number in that format (a ValueError).
    """
    readings = _readings(text)
    if number_format not in readings:
        example = "3.582 or 96,81" if number_format == "id" else "3,582 or 96.81"
        language = "Indonesian" if number_format == "id" else "English"
        msg = f"{text!r} is not a number in {language} notation (e.g. {example})"
        raise UsageError(msg)
    return readings[number_format]


def detect_number_format(values: Iterable[str]) -> Literal["id", "en", "ambiguous", "any"]:
    """Say how a column's text values are written, from the values alone.

    ``"any"``: every value reads the same either way (whole numbers without grouping);
    ``"ambiguous"``: some value reads differently either way and no value settles it,
    or the values contradict each other.

    >>> detect_number_format(["3.582", "96,81"])
    'id'
    >>> detect_number_format(["3.582", "4.100"])
    'ambiguous'
    """
    evidence: set[str] = set()
    ambiguous = False
    for text in values:
        readings = _readings(text)
        if len(readings) == 1:
            evidence.update(readings)
        elif len(readings) == 2 and readings["id"] != readings["en"]:
            ambiguous = True
    if len(evidence) == 1:
        return "id" if "id" in evidence else "en"
    if evidence or ambiguous:
        return "ambiguous"
    return "any"


def _string_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(names)


@attrs.frozen(kw_only=True)
class ColumnMapping:
    """How a file's columns map onto a rule set's inputs, beyond matching by name.

    Read from a YAML mapping file::

        columns:               # column as written in the file -> input name
          Jumlah K4: bumil_k4
          Sasaran ibu hamil: sasaran_bumil
        region: Puskesmas      # the column naming the region (optional)
        period: Tahun          # the column naming the period (optional)
        ignore: [No]           # columns to leave out without a warning
        number_format: id      # id, en or auto (optional)
    """

    columns: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    region: str | None = None
    period: str | None = None
    ignore: frozenset[str] = attrs.field(factory=frozenset, converter=_string_set)
    number_format: NumberFormat | None = None


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a column-mapping file (see :class:`ColumnMapping`).

    Raises:
        DataFileError: the file is not a mapping of the documented keys.
    """
    source = str(path)
    with os_errors(path):
        loaded = load_yaml_data(data_path(path), data_path(path).read_bytes()) or {}
    problems: list[str] = []
    if not isinstance(loaded, dict):
        raise DataFileError(source, ["a mapping file must be a YAML mapping"])
    allowed = {"columns", "region", "period", "ignore", "number_format"}
    problems.extend(
        f"unknown key {key!r}; allowed keys are {sorted(allowed)}"
        for key in loaded
        if key not in allowed
    )
    columns = loaded.get("columns") or {}
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        problems.append(
            "'columns' must map column names to input names, both as text (quote names "
            'such as "No" or "2011")'
        )
        columns = {}
    ignore = loaded.get("ignore") or []
    if not isinstance(ignore, list):
        problems.append("'ignore' must be a list of column names")
        ignore = []
    problems.extend(
        f"'ignore' has {name!r}, which is not text; quote column names such as "
        '"No" or "2011" (YAML reads No as false)'
        for name in ignore
        if not isinstance(name, str)
    )
    number_format = loaded.get("number_format")
    if number_format not in {None, "id", "en", "auto"}:
        problems.append(f"'number_format' must be id, en or auto (got {number_format!r})")
        number_format = None
    problems.extend(
        f"{key!r} must be a column name"
        for key in ("region", "period")
        if key in loaded and not isinstance(loaded[key], str)
    )
    if problems:
        raise DataFileError(source, problems)
    return ColumnMapping(
        columns={str(k): v for k, v in columns.items()},
        region=loaded.get("region"),
        period=loaded.get("period"),
        ignore=[str(c) for c in ignore],
        number_format=number_format,
    )


@attrs.frozen(kw_only=True)
class DataRow:
    """One data set of a file: a region and period, and its input values.

    Attributes:
        where: the row as the user finds it (``"row 4"`` of a spreadsheet, ``"item 2"``
            of a YAML or JSON list, ``""`` for a single mapping).
        number: the row number (1-based; spreadsheet rows count the header).
        region: the region named in the row, if any.
        period: the period (year) named in the row, if any.
        values: input name -> exact number (or None when the cell is empty).
        problems: the row's bad cells; a row with problems is not evaluated.
    """

    where: str
    number: int
    region: str | None = None
    period: str | None = None
    values: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=freeze)
    problems: tuple[str, ...] = ()

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
        rows: every data row, in file order.
        columns: column -> input it was mapped to.
        unknown_columns: columns that are neither inputs nor region/period nor ignored.
        number_formats: column -> the number format used to read its text values.
    """

    source: str
    rows: tuple[DataRow, ...]
    columns: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    unknown_columns: tuple[str, ...] = ()
    number_formats: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)

    def for_period(self, period: str) -> DataTable:
        """Return the rows of one period (rows that name no period are kept)."""
        rows = tuple(row for row in self.rows if row.period in {None, period})
        return attrs.evolve(self, rows=rows)


@attrs.frozen
class _Record:
    """A raw row before conversion: where it is and its cells by column."""

    where: str
    number: int
    cells: dict[str, object]
    heading: dict[str, object]


def _records_from_csv(path: Path) -> tuple[list[str], list[_Record]]:
    text = decode_text(
        path, path.read_bytes(), "save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8)"
    )
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    header: list[str] | None = None
    records: list[_Record] = []
    for line, cells in csv_rows(path, text, delimiter):
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        records.append(_Record(f"row {line}", line, dict(zip(header, cells, strict=False)), {}))
    return header or [], records


def _records_from_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[_Record]]:
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - optional extra, for .xlsx only
    except ImportError:
        problem = "reading .xlsx needs the optional package openpyxl: pip install 'spmkit[excel]'"
        raise DataFileError(str(path), [problem]) from None
    workbook = open_workbook(openpyxl, path)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            problem = f"no sheet {sheet!r}; the workbook has {workbook.sheetnames}"
            raise DataFileError(str(path), [problem])
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        header: list[str] | None = None
        records: list[_Record] = []
        check_formula_values(path, worksheet)
        for number, row in sheet_rows(worksheet, path):
            if all(cell is None or str(cell).strip() == "" for cell in row):
                continue
            if header is None:
                header = ["" if cell is None else str(cell).strip() for cell in row]
                continue
            cells = dict(zip(header, row, strict=False))
            records.append(_Record(f"row {number}", number, cells, {}))
        return header or [], records
    finally:
        workbook.close()


def _records_from_tree(path: Path, loaded: object) -> tuple[list[str], list[_Record]]:
    """A YAML/JSON document: one mapping, or a list of mappings (items numbered from 1)."""
    if isinstance(loaded, dict):
        items, single = [loaded], True
    elif isinstance(loaded, list):
        items, single = loaded, False
    else:
        problem = "a data file must hold a mapping of input name to count, or a list of them"
        raise DataFileError(str(path), [problem])
    header: list[str] = []
    records: list[_Record] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        where = "" if single else f"item {number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping of input name to count")
            continue
        heading = {str(k): v for k, v in item.items() if k != "data"}
        data = item.get("data", None)
        if data is None:
            cells, heading = heading, {}
        elif isinstance(data, dict):
            cells = {str(k): v for k, v in data.items()}
        else:
            problems.append(f"{where or 'data'}: 'data' must be a mapping of input name to count")
            continue
        header.extend(name for name in [*heading, *cells] if name not in header)
        records.append(_Record(where, number, cells, heading))
    if problems:
        raise DataFileError(str(path), problems)
    return header, records


def _read_records(path: Path, sheet: str | None) -> tuple[list[str], list[_Record]]:
    if not path.is_file():
        raise DataFileError(str(path), ["no such file"])
    if path.stat().st_size > _MAX_DATA_BYTES:
        raise DataFileError(str(path), [f"larger than {_MAX_DATA_BYTES} bytes"])
    suffix = path.suffix.casefold()
    if suffix in {".csv", ".txt", ".tsv"}:
        return _records_from_csv(path)
    if suffix in {".xlsx", ".xlsm"}:
        return _records_from_xlsx(path, sheet)
    if suffix in {".json", ".yaml", ".yml"}:
        raw = path.read_bytes()
        loaded = load_json(path, raw) if suffix == ".json" else load_yaml_data(path, raw)
        return _records_from_tree(path, loaded)
    problem = f"unknown file type {path.suffix!r}; give a .csv, .xlsx, .json or .yaml file" + (
        "; save old .xls workbooks as .xlsx" if suffix == ".xls" else ""
    )
    raise DataFileError(str(path), [problem])


def _match_columns(
    header: Sequence[str], rule_sets: Sequence[RuleSet], mapping: ColumnMapping
) -> tuple[dict[str, str], str | None, str | None, list[str], list[str]]:
    """Return column -> input, the region and period columns, unknown columns, problems."""
    by_name: dict[str, str] = {}
    inputs = {name for rule_set in rule_sets for name in rule_set.inputs}
    names = " and ".join(repr(rule_set.id) for rule_set in rule_sets)
    for rule_set in rule_sets:
        for name, spec in rule_set.inputs.items():
            for alias in (name, spec.label, spec.label_en):
                if alias:
                    by_name.setdefault(_normalise(alias), name)
    columns: dict[str, str] = {}
    problems: list[str] = []
    region = mapping.region
    period = mapping.period
    unknown: list[str] = []
    for column in header:
        if not column or column in mapping.ignore or column in {region, period}:
            continue
        if column in mapping.columns:
            target = mapping.columns[column]
            if target not in inputs:
                problems.append(
                    f"the mapping sends column {column!r} to {target!r}, "
                    f"which is not an input of rule set {names}"
                )
                continue
            columns[column] = target
        elif _normalise(column) in by_name:
            columns[column] = by_name[_normalise(column)]
        elif region is None and _normalise(column) in REGION_COLUMNS:
            region = column
        elif period is None and _normalise(column) in PERIOD_COLUMNS:
            period = column
        elif _normalise(column) not in _META_KEYS:
            unknown.append(column)
    seen: dict[str, str] = {}
    for column, name in columns.items():
        if name in seen:
            problems.append(f"columns {seen[name]!r} and {column!r} both give input {name!r}")
        seen[name] = column
    return columns, region, period, unknown, problems


def _decide_formats(
    columns: Mapping[str, str], records: Sequence[_Record], declared: NumberFormat
) -> tuple[dict[str, str], list[str]]:
    """Choose the number format of every input column; refuse the ambiguous ones."""
    if declared != "auto":
        return dict.fromkeys(columns, declared), []
    found = {
        column: detect_number_format(
            cell
            for cell in (record.cells.get(column) for record in records)
            if isinstance(cell, str) and cell.strip()
        )
        for column in columns
    }
    settled = {style for style in found.values() if style in {"id", "en"}}
    formats: dict[str, str] = {}
    problems: list[str] = []
    for column, style in found.items():
        if style != "ambiguous":
            formats[column] = style
            continue
        samples = _ambiguous_samples(column, records)
        if len(settled) == 1 and samples:
            formats[column] = next(iter(settled))
            continue
        if samples:
            why = f"{samples[0]!r} is {_both_ways(samples[0])}"
            if len(settled) > 1:
                why += ", and other columns use both notations"
        else:
            why = "its values mix Indonesian (96,81) and English (96.81) notation"
        problems.append(
            f"column {column!r}: cannot tell how its numbers are written ({why}); "
            "declare the format: --number-format id (3.582 = three thousand five "
            "hundred eighty-two) or --number-format en (3.582 = three point five eight two)"
        )
    return formats, problems


def _ambiguous_samples(column: str, records: Sequence[_Record]) -> list[str]:
    samples = []
    for record in records:
        cell = record.cells.get(column)
        if isinstance(cell, str):
            readings = _readings(cell)
            if len(readings) == 2 and readings["id"] != readings["en"]:
                samples.append(cell.strip())
    return samples


def _both_ways(text: str) -> str:
    readings = _readings(text)
    return (
        f"{float(readings['id']):g} in Indonesian notation, "
        f"{float(readings['en']):g} in English notation"
    )


def _convert_cell(column: str, cell: object, style: str) -> tuple[object, str | None]:
    """Return the cell's value (None when empty) or a problem."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None, None
    if isinstance(cell, str):
        too_long = digits_text_problem(cell)
        if too_long is not None:
            return None, f"column {column!r}: {too_long}"
        readings = _readings(cell)
        value = readings.get(style) if style != "any" else readings.get("id")
        if value is None:
            hint = "leave the cell empty if unknown, write 0 if there were none"
            return None, f"column {column!r}: {cell.strip()!r} is not a number ({hint})"
        return value, None
    return cell, None


def _heading_text(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_data(
    path: str | Path,
    rule_set: RuleSet | Sequence[RuleSet],
    *,
    number_format: NumberFormat = "auto",
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
) -> DataTable:
    """Read a data file into rows of input values for ``rule_set``.

    The file is CSV (comma, semicolon or tab separated, UTF-8), an Excel workbook
    (``.xlsx``, needs the ``excel`` extra; first sheet unless ``sheet``), JSON or YAML
    (one mapping, optionally with the counts under ``data:``, or a list of them).

    Args:
        path: the file.
        rule_set: the rule set whose inputs the columns are matched against (or several,
            to read one file for a comparison of rule sets).
        number_format: how numbers written as text are read; ``"auto"`` detects per
            column and refuses a column it cannot decide.
        mapping: column names that differ from the inputs' names or labels.
        sheet: the workbook sheet to read.

    Raises:
        DataFileError: the file cannot be read, a column is ambiguous, or the mapping
            names unknown inputs; every such problem is listed.
    """
    mapping = mapping or ColumnMapping()
    if mapping.number_format is not None and number_format == "auto":
        number_format = mapping.number_format
    source = str(path)
    with os_errors(path):
        header, records = _read_records(data_path(path), sheet)
    rule_sets = [rule_set] if isinstance(rule_set, RuleSet) else list(rule_set)
    columns, region, period, unknown, problems = _match_columns(header, rule_sets, mapping)
    formats, format_problems = _decide_formats(columns, records, number_format)
    problems.extend(format_problems)
    if problems:
        raise DataFileError(source, problems)
    rows = []
    for record in records:
        values: dict[str, object] = {}
        bad: list[str] = []
        for column, name in columns.items():
            value, problem = _convert_cell(column, record.cells.get(column), formats[column])
            if problem is not None:
                bad.append(problem)
            elif value is not None:
                values[name] = value
        everything = {**record.heading, **record.cells}
        rows.append(
            DataRow(
                where=record.where,
                number=record.number,
                region=_heading_text(everything.get(region)) if region else None,
                period=_heading_text(everything.get(period)) if period else None,
                values=values,
                problems=tuple(bad),
            )
        )
    return DataTable(
        source=source,
        rows=tuple(rows),
        columns=columns,
        unknown_columns=tuple(unknown),
        number_formats=formats,
    )


@attrs.frozen(kw_only=True)
class RowOutcome:
    """One row evaluated: its report, or the problems that kept it from evaluation."""

    row: DataRow
    report: Report | None
    problems: tuple[str, ...] = ()


def evaluate_table(
    rule_set: RuleSet,
    table: DataTable,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RowOutcome, ...]:
    """Evaluate every row of a table on its own; a bad row does not stop the others.

    Args:
        rule_set: the rule set.
        table: rows read by :func:`read_data`.
        progress: called as ``progress(done, total)`` after each row, if given.

    Returns:
        One outcome per row, in file order.
    """
    outcomes = []
    total = len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        if row.problems:
            outcomes.append(RowOutcome(row=row, report=None, problems=row.problems))
        else:
            try:
                report = evaluate(rule_set, row.values)
            except DataInvalid as exc:
                outcomes.append(
                    RowOutcome(row=row, report=None, problems=tuple(format_errors(exc)))
                )
            else:
                outcomes.append(RowOutcome(row=row, report=report))
        if progress is not None:
            progress(done, total)
    return tuple(outcomes)
