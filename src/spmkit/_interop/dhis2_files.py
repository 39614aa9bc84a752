"""DHIS2's export files, read and written: analytics and dataValueSets, in JSON and CSV.

``spmkit dhis2 import FILE`` reads any of the four documented shapes (DHIS2 Developer
guide, "Analytics: Response formats" and "Data values: CSV data value format"):

- an **analytics JSON** response (``/api/analytics.json``, ``headers`` and ``rows``);
- an **analytics CSV** (``/api/analytics.csv``): a header row naming the columns by their
  ``column`` (``Data``, ``Organisation unit``, ``Period``, ``Value``, ``Numerator``, ...)
  or their ``name`` (``dx``, ``ou``, ``pe``, ``value``, ``numerator``, ...), in any order;
- a **dataValueSet JSON** (``{"dataValues": [...]}``, a set's ``period``/``orgUnit``
  applying to values without their own);
- a **dataValueSet CSV**: DHIS2's positional columns ``dataelement, period, orgunit,
  categoryoptioncombo, attributeoptioncombo, value, storedby, lastupdated, comment,
  followup`` after a header row (whose names vary between DHIS2 versions: ``catoptcombo``).

The format is chosen by the suffix (``.json``; ``.csv``/``.txt``), else by the content
(``{`` starts JSON), and a CSV's kind by its header. The file is read with the project's
bounded readers (:mod:`spmkit._files.bounded`): at most
:data:`~spmkit._files.records.MAX_DATA_BYTES`, checked before reading; UTF-8; CSV fields
up to :data:`~spmkit._limits.MAX_CSV_FIELD` characters; and here, at most
:data:`~spmkit._limits.MAX_SHEET_ROWS` rows and :data:`~spmkit._limits.MAX_SHEET_COLUMNS`
columns, counted while reading. Every problem names the file and line (CSV), or the
JSON path.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import spmkit
from spmkit._files.bounded import decode_text, iter_csv_rows, load_json
from spmkit._files.records import MAX_DATA_BYTES, csv_delimiter
from spmkit._interop.dhis2 import (
    AnalyticsRow,
    Dhis2Mapping,
    analytics_rows,
    read_analytics,
    read_data_values,
)
from spmkit._limits import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS
from spmkit._translation import grouped, tr
from spmkit.errors import DataFileError, Dhis2Error

__all__ = ["DATA_VALUE_SET_CSV_COLUMNS", "data_value_set_csv", "read_dhis2_file"]

DATA_VALUE_SET_CSV_COLUMNS: Final = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
"""DHIS2's CSV data value columns, in their order (the header DHIS2 itself exports)."""

_VALUE_SET_KEYS: Final = ("dataElement", "period", "orgUnit", "categoryOptionCombo")
_FIRST_COLUMN: Final = frozenset({"dataelement", "dataelelement", "data element", "de"})
_ANALYTICS_NAMES: Final = {
    "dx": "dx",
    "data": "dx",
    "ou": "ou",
    "organisation unit": "ou",
    "organization unit": "ou",
    "orgunit": "ou",
    "pe": "pe",
    "period": "pe",
    "value": "value",
    "numerator": "numerator",
    "denominator": "denominator",
}
_JSON_SUFFIXES: Final = frozenset({".json"})
_CSV_SUFFIXES: Final = frozenset({".csv", ".txt"})


def data_value_set_csv(value_set: Mapping[str, Any]) -> str:
    """A dataValueSet (from :func:`~spmkit._interop.dhis2.to_data_value_set`) as DHIS2's CSV.

    The header and column order of DHIS2's CSV data value format; the columns spmkit has
    nothing for (attribute option combo, stored by, last updated, comment, follow-up) are
    empty, which DHIS2 reads as not given.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DATA_VALUE_SET_CSV_COLUMNS)
    for value in value_set["dataValues"]:
        writer.writerow(
            [
                value["dataElement"],
                value["period"],
                value["orgUnit"],
                value.get("categoryOptionCombo", ""),
                "",
                value["value"],
                "",
                "",
                "",
                "",
            ]
        )
    return out.getvalue()


def read_dhis2_file(
    path: str | Path, rule_set: spmkit.RuleSet, mapping: Dhis2Mapping
) -> tuple[AnalyticsRow, ...]:
    """Input data from a DHIS2 export file: analytics or dataValueSet, JSON or CSV.

    Raises:
        DataFileError: no such file, too large, not UTF-8, bad JSON or CSV quoting, too
            many rows or columns.
        Dhis2Error: a header of neither kind, or what :func:`analytics_rows` and
            :func:`read_data_values` refuse (names instead of ids, non-finite or huge
            numbers, conflicting values), each at its line or path.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(str(path), [tr("no such file")])
    if path.stat().st_size > MAX_DATA_BYTES:
        raise DataFileError(str(path), [tr("larger than {limit} bytes", limit=MAX_DATA_BYTES)])
    raw = path.read_bytes()
    suffix = path.suffix.casefold()
    is_json = suffix in _JSON_SUFFIXES or (
        suffix not in _CSV_SUFFIXES and raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in {b"{", b"["}
    )
    try:
        if is_json:
            return _read_json(path, raw, rule_set, mapping)
        return _read_csv(path, raw, rule_set, mapping)
    except Dhis2Error as exc:
        if str(path) in exc.what:
            raise
        raise Dhis2Error(tr("{file}: {what}", file=path, what=exc.what), exc.problems) from None


def _read_json(
    path: Path, raw: bytes, rule_set: spmkit.RuleSet, mapping: Dhis2Mapping
) -> tuple[AnalyticsRow, ...]:
    document = load_json(path, raw)
    if isinstance(document, dict) and isinstance(document.get("rows"), list):
        _at_most_rows(path, len(document["rows"]), "$.rows")
        return read_analytics(document, rule_set, mapping)
    if isinstance(document, dict) and isinstance(document.get("dataValues"), list):
        _at_most_rows(path, len(document["dataValues"]), "$.dataValues")
        _check_id_scheme(path, document, mapping)
        return read_data_values(_json_values(document), rule_set, mapping)
    raise Dhis2Error(
        tr("{file} is not a DHIS2 export spmkit reads", file=path),
        [
            tr(
                "expected an analytics response (an object with headers and rows) or a "
                "dataValueSet (an object with dataValues)"
            )
        ],
    )


def _json_values(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Each data value with the set's ``period`` and ``orgUnit`` where it gives none."""
    for number, value in enumerate(document["dataValues"]):
        where = f"$.dataValues[{number}]"
        if not isinstance(value, Mapping):
            yield where, {}
            continue
        own = {key: value.get(key) or document.get(key) for key in _VALUE_SET_KEYS}
        yield where, {**own, "value": value.get("value")}


def _check_id_scheme(path: Path, document: Mapping[str, Any], mapping: Dhis2Mapping) -> None:
    """A dataValueSet that says its ids are of another scheme than the mapping's is refused."""
    wanted = mapping.id_scheme.upper()
    problems = [
        tr(
            "$.{key} is {scheme!r} but the mapping has {wanted} ids (id_scheme); export with "
            "idScheme={wanted}",
            key=key,
            scheme=document[key],
            wanted=wanted,
        )
        for key in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme")
        if key in document and str(document[key]).upper() != wanted
    ]
    if problems:
        raise Dhis2Error(tr("cannot read the DHIS2 dataValueSet {file}", file=path), problems)


def _at_most_rows(path: Path, count: int, where: str) -> None:
    if count > MAX_SHEET_ROWS:
        problem = tr(
            "{where}: {count} rows; spmkit reads at most {limit} rows of a DHIS2 export "
            "(docs/semantics.md, Limits): export fewer periods or organisation units at once",
            where=where,
            count=grouped(count),
            limit=grouped(MAX_SHEET_ROWS),
        )
        raise DataFileError(str(path), [problem])


def _bounded_rows(path: Path, raw: bytes) -> Iterator[tuple[int, list[str]]]:
    """The file's non-blank CSV records, each with its line; rows and columns bounded."""
    text = decode_text(path, raw, tr("save it as UTF-8 text, as DHIS2 exports it"))
    delimiter = csv_delimiter(text)
    count = 0
    for line, cells in iter_csv_rows(path, io.StringIO(text, newline=""), delimiter):
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_SHEET_ROWS + 1:  # the header, then the rows
            _at_most_rows(path, count - 1, tr("line {line}", line=line))
        if len(cells) > MAX_SHEET_COLUMNS:
            problem = tr(
                "line {line}: {count} columns; spmkit reads at most {limit} (docs/semantics.md, "
                "Limits)",
                line=line,
                count=grouped(len(cells)),
                limit=grouped(MAX_SHEET_COLUMNS),
            )
            raise DataFileError(str(path), [problem])
        yield line, cells


def _read_csv(
    path: Path, raw: bytes, rule_set: spmkit.RuleSet, mapping: Dhis2Mapping
) -> tuple[AnalyticsRow, ...]:
    records = _bounded_rows(path, raw)
    first = next(records, None)
    if first is None:
        raise DataFileError(str(path), [tr("the file is empty; give a DHIS2 CSV export")])
    line, header = first
    names = [cell.strip().strip('"').casefold() for cell in header]
    if names and names[0] in _FIRST_COLUMN:
        return read_data_values(_csv_values(path, records), rule_set, mapping)
    canonical = [_ANALYTICS_NAMES.get(name, name) for name in names]
    if "dx" in canonical:
        labels = {canonical[i]: header[i].strip() for i in range(len(header))}
        rows = ((f"{path}:{number}", cells) for number, cells in records)
        return analytics_rows(canonical, rows, rule_set, mapping, labels=labels)
    raise Dhis2Error(
        tr("{file} is not a DHIS2 export spmkit reads", file=path),
        [
            tr(
                "line {line}: the header {header!r} is neither a dataValueSet's "
                "(dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,...) "
                "nor an analytics export's (Data,Organisation unit,Period,...,Numerator,"
                "Denominator, or dx,ou,pe,...,numerator,denominator)",
                line=line,
                header=",".join(header)[:200],
            )
        ],
    )


def _csv_values(
    path: Path, records: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[str, Mapping[str, object]]]:
    """A dataValueSet CSV's rows by position, as DHIS2 reads them (its header is ignored)."""
    needed = len(_POSITIONS)
    for line, cells in records:
        where = f"{path}:{line}"
        if len(cells) < needed:
            problem = tr(
                "{where}: {count} columns; a data value needs at least {needed} "
                "(dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, "
                "value)",
                where=where,
                count=len(cells),
                needed=needed,
            )
            raise Dhis2Error(tr("cannot read the DHIS2 dataValueSet {file}", file=path), [problem])
        yield where, _by_position(cells)


_POSITIONS: Final = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
)


def _by_position(cells: Sequence[str]) -> dict[str, object]:
    return {key: cells[index].strip() for index, key in enumerate(_POSITIONS)}
