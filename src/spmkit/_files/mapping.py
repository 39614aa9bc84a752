"""Which column of a file is which input: by name, by label, or by a mapping file.

A column is an input when its name is the input's name (any case, spaces or hyphens
for underscores) or its label, or when a mapping file says so. Columns for the region
and the period are recognised by name (``wilayah``, ``puskesmas`` ..., ``tahun``). The
same matching scores the rows of a workbook to find its header row
(:func:`header_score`): the row whose cells best match the rule set's inputs, labels
and mapping is the header, wherever the title rows above it end.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

import attrs

from spmkit._files.bounded import data_path, load_yaml_data, os_errors
from spmkit._files.notation import NumberFormat
from spmkit._frozen import FrozenMap, freeze
from spmkit._rulesets.model import RuleSet
from spmkit._translation import joined, tr
from spmkit.errors import DataFileError

__all__ = [
    "PART_COLUMNS",
    "PERIOD_COLUMNS",
    "REGION_COLUMNS",
    "YEAR_COLUMNS",
    "ColumnMapping",
    "ColumnMatch",
    "header_score",
    "load_mapping",
    "match_columns",
    "normalise",
]

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
        "nama_puskesmas",
        "unit_kerja",
        "desa",
        "kelurahan",
        "desa_kelurahan",
        "provinsi",
    }
)
"""Column names (normalised) read as the row's region."""

YEAR_COLUMNS: Final = frozenset({"year", "tahun"})
"""Column names (normalised) read as the row's year."""

PART_COLUMNS: Final = frozenset(
    {"period", "periode", "tw", "triwulan", "quarter", "kuartal", "bulan", "month"}
)
"""Column names (normalised) read as the row's period: a quarter or month (or a year)."""

PERIOD_COLUMNS: Final = YEAR_COLUMNS | PART_COLUMNS
"""Column names (normalised) read as the row's time: its year, quarter or month."""

META_COLUMNS: Final = frozenset(
    {"note", "notes", "catatan", "source", "sumber", "no", "nomor", "no_urut"}
)
"""Columns that describe the data rather than hold it (not reported as unknown)."""

_SEPARATOR_RUN: Final = re.compile(r"[\s\-_.]+")


def normalise(name: str) -> str:
    """A column name as compared: case-folded, runs of spaces/hyphens/dots as ``_``.

    >>> normalise("  Bumil-K4 "), normalise("No.")
    ('bumil_k4', 'no')
    """
    return _SEPARATOR_RUN.sub("_", name.strip().casefold()).strip("_")


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
    source: str = attrs.field(default="", eq=False)
    """The mapping file, for messages (not part of what the mapping says)."""

    @property
    def named_columns(self) -> tuple[str, ...]:
        """Every column the mapping names (to map, as region or period, or to ignore)."""
        named = [*self.columns, *sorted(self.ignore)]
        named.extend(name for name in (self.region, self.period) if name is not None)
        return tuple(named)


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a column-mapping file (see :class:`ColumnMapping`), strictly (no duplicate keys).

    Raises:
        DataFileError: the file is not a mapping of the documented keys.
    """
    source = str(path)
    with os_errors(path):
        file = data_path(path)
        loaded = load_yaml_data(file, file.read_bytes()) or {}
    problems: list[str] = []
    if not isinstance(loaded, dict):
        raise DataFileError(source, [tr("a mapping file must be a YAML mapping")])
    allowed = {"columns", "region", "period", "ignore", "number_format"}
    problems.extend(
        tr("unknown key {key!r}; allowed keys are {allowed}", key=key, allowed=sorted(allowed))
        for key in loaded
        if key not in allowed
    )
    columns = loaded.get("columns") or {}
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        problems.append(
            tr(
                "'columns' must map column names to input names, both as text (quote names "
                'such as "No" or "2011")'
            )
        )
        columns = {}
    ignore = loaded.get("ignore") or []
    if not isinstance(ignore, list):
        problems.append(tr("'ignore' must be a list of column names"))
        ignore = []
    problems.extend(
        tr(
            "'ignore' has {name!r}, which is not text; quote column names such as "
            '"No" or "2011" (YAML reads No as false)',
            name=name,
        )
        for name in ignore
        if not isinstance(name, str)
    )
    number_format = loaded.get("number_format")
    if number_format not in {None, "id", "en", "auto"}:
        problems.append(
            tr("'number_format' must be id, en or auto (got {value!r})", value=number_format)
        )
        number_format = None
    problems.extend(
        tr("{key!r} must be a column name", key=key)
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
        source=source,
    )


def _aliases(rule_sets: Sequence[RuleSet]) -> dict[str, str]:
    """Normalised input names and labels -> input name."""
    by_name: dict[str, str] = {}
    for rule_set in rule_sets:
        for name, spec in rule_set.inputs.items():
            for alias in (name, spec.label, spec.label_en):
                if alias:
                    by_name.setdefault(normalise(alias), name)
    return by_name


def header_score(
    cells: Sequence[object], rule_sets: Sequence[RuleSet], mapping: ColumnMapping
) -> int:
    """How many cells of a row name an input, a mapped column, the region or the period.

    The row with the highest score is a workbook's header row.
    """
    aliases = _aliases(rule_sets)
    named = {normalise(name) for name in mapping.named_columns}
    score = 0
    for cell in cells:
        if not isinstance(cell, str) or not cell.strip():
            continue
        key = normalise(cell)
        if key in aliases or key in named:
            score += 2
        elif key in REGION_COLUMNS or key in PERIOD_COLUMNS:
            score += 1
    return score


@attrs.frozen(kw_only=True)
class ColumnMatch:
    """What the columns of a file are.

    Attributes:
        inputs: column -> the input it gives.
        region: the column naming the region, if any.
        period: the column naming the period (a quarter or month, or a year), if any.
        unknown: columns that are neither inputs, nor region/period, nor ignored.
        year: the column naming the year (``tahun``), when the file has a period too.
    """

    inputs: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    region: str | None = None
    period: str | None = None
    unknown: tuple[str, ...] = ()
    year: str | None = None


def _did_you_mean(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if not close:
        folded = {normalise(c): c for c in candidates}
        found = difflib.get_close_matches(normalise(name), list(folded), n=1, cutoff=0.5)
        close = [folded[found[0]]] if found else []
    if not close:
        return ""
    return joined("", ["; ", tr("did you mean {name!r}?", name=close[0])])


def match_columns(
    header: Sequence[str], rule_sets: Sequence[RuleSet], mapping: ColumnMapping
) -> tuple[ColumnMatch, list[str]]:
    """Return what each column is, and every problem (a mapping naming a missing column).

    A mapping file that names a column the file does not have is an error naming it
    (with the closest column the file has), not silently no data.
    """
    aliases = _aliases(rule_sets)
    inputs = {name for rule_set in rule_sets for name in rule_set.inputs}
    names = " and ".join(repr(rule_set.id) for rule_set in rule_sets)
    where = (
        tr("the mapping {source}", source=mapping.source) if mapping.source else tr("the mapping")
    )
    present = [column for column in header if column]
    listed = ", ".join(map(repr, present))
    problems: list[str] = [
        tr(
            "{where} names column {name!r}, which the file does not have{suggestion} "
            "(the file's columns: {listed})",
            where=where,
            name=name,
            suggestion=_did_you_mean(name, present),
            listed=listed,
        )
        for name in mapping.named_columns
        if name not in present
    ]
    columns: dict[str, str] = {}
    region, period = mapping.region, mapping.period
    year: str | None = None
    unknown: list[str] = []
    for column in header:
        if not column or column in mapping.ignore or column in {region, period, year}:
            continue
        key = normalise(column)
        if column in mapping.columns:
            target = mapping.columns[column]
            if target not in inputs:
                problems.append(
                    tr(
                        "{where} sends column {column!r} to {target!r}, which is not an input "
                        "of rule set {names}{suggestion}",
                        where=where,
                        column=column,
                        target=target,
                        names=names,
                        suggestion=_did_you_mean(target, sorted(inputs)),
                    )
                )
                continue
            columns[column] = target
        elif key in aliases:
            columns[column] = aliases[key]
        elif region is None and key in REGION_COLUMNS:
            region = column
        elif year is None and key in YEAR_COLUMNS:
            year = column
        elif period is None and key in PART_COLUMNS:
            period = column
        elif key not in META_COLUMNS:
            unknown.append(column)
    seen: dict[str, str] = {}
    for column, name in columns.items():
        if name in seen:
            problems.append(
                tr(
                    "columns {first!r} and {column!r} both give input {name!r}",
                    first=seen[name],
                    column=column,
                    name=name,
                )
            )
        seen[name] = column
    if period is None:  # a lone year column is the period, as before
        period, year = year, None
    match = ColumnMatch(
        inputs=columns, region=region, period=period, unknown=tuple(unknown), year=year
    )
    return match, problems
