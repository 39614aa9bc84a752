"""A jurisdiction's history: each year of a multi-year table under the rules of that year.

``evaluate_history("Kabupaten Siak", table)`` takes one row per year (a ``year`` column
and counts) and judges every row under the rule set in force there that year
(:func:`spmkit.rule_set_for`: the regency's own while in force, else the national one)
and against the milestone of that year (``evaluate(..., year=...)``). Counts are routed
to each regime's own input names by ``same_as`` (a ``bumil_k4`` column is read as
``bumil_standar`` under 43/2016), and :meth:`History.series` follows one service through
renumbered regulations by ``corresponds_to``. See docs/time.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final

import attrs

from spmkit._arguments import require
from spmkit._evaluation.results import IndicatorResult, Report
from spmkit._evaluation.scalar import evaluate
from spmkit._evaluation.values import YEAR_RULE
from spmkit._frozen import FrozenMap, freeze
from spmkit._messages import code_words
from spmkit._numbers import exact_text
from spmkit._rulesets.catalogue import list_rule_sets, rule_set_for
from spmkit._rulesets.check import suggest
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._rulesets.succession import corresponding_indicator, route_inputs
from spmkit._translation import Bilingual, Language, in_language, joined, tr
from spmkit.errors import DataError, DataInvalid, RuleSetNotFoundError, UsageError

__all__ = ["MAX_HISTORY_ROWS", "NO_RULE_SET", "History", "YearResult", "evaluate_history"]

NO_RULE_SET: Final = "no_rule_set"
"""The status of a history row in a year no rule set was in force (before 741/2008)."""

MAX_HISTORY_ROWS: Final = 10_000
"""Most rows of one history table (one jurisdiction: a row per year, or per period)."""


@attrs.frozen(kw_only=True)
class YearResult:
    """One row of a history: its year, the rule set that judged it, and the report.

    Attributes:
        row: the row's position in the table (from 0).
        year: the year of the row.
        rule_set_id: the rule set in force that year (:func:`spmkit.rule_set_for`).
        report: the results, judged against that year's milestones.
        inputs: the rule set's input names mapped to the table's columns that fed them.
        status: ``evaluated``, or ``no_rule_set`` when no rule set was in force that
            year (then ``rule_set_id`` is empty, the report has no results, and the
            note says why).
        notes: what the result must say about its rule set: the national set (the place
            has none of its own), no known end of validity, or why none applied.
    """

    row: int
    year: int
    rule_set_id: str
    report: Report
    inputs: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    status: str = "evaluated"
    notes: tuple[str, ...] = ()

    def computed(self) -> tuple[IndicatorResult, ...]:
        """The results that have a value (the data fed them)."""
        return tuple(r for r in self.report.values() if r.exact_value is not None)


def _number(value: Fraction | None, lang: Language) -> str:
    """A milestone or target as the rule file gives it (two decimals where it has more)."""
    return "-" if value is None else exact_text(value, lang, most=2)


@attrs.frozen(kw_only=True)
class History(Sequence[YearResult]):
    """The rows of a history, in table order; ``str()`` is a table of them."""

    jurisdiction: str | int
    years: tuple[YearResult, ...]
    rule_sets: FrozenMap[str, RuleSet] = attrs.field(
        factory=FrozenMap, converter=freeze, repr=False, eq=False
    )

    def __getitem__(self, index: int) -> YearResult:  # type: ignore[override]
        return self.years[index]

    def __len__(self) -> int:
        return len(self.years)

    def __iter__(self) -> Iterator[YearResult]:
        return iter(self.years)

    def rule_set_by_year(self) -> dict[int, str]:
        """The rule set that judged each year."""
        return {row.year: row.rule_set_id for row in self.years}

    def series(self, indicator_id: str, rule_set_id: str) -> tuple[IndicatorResult | None, ...]:
        """One service through the years, following renumbering by ``corresponds_to``.

        For each row, the result of the indicator of that year's rule set that
        corresponds to ``indicator_id`` of ``rule_set_id`` (None where none does).
        ``rule_set_id`` may be any rule set (a shipped id), not only one of the history.
        """
        source = self.rule_sets.get(rule_set_id) or resolve_rule_set(rule_set_id)
        known = {**self.rule_sets, source.id: source}
        found: list[IndicatorResult | None] = []
        for row in self.years:
            if row.status == NO_RULE_SET:
                found.append(None)
                continue
            target = self.rule_sets[row.rule_set_id]
            iid = corresponding_indicator(indicator_id, source, target, known)
            found.append(None if iid is None else row.report[iid])
        return tuple(found)

    def lines(self, lang: Language = "en") -> Iterator[str]:
        """Yield one line per year and computed indicator: rule set, value, milestone.

        The value is the record's shown value; the words are in ``lang`` (gettext).
        """
        yield tr(
            "history of {jurisdiction}: {rows} rows",
            jurisdiction=self.jurisdiction,
            rows=len(self.years),
        ).in_lang(lang)
        for row in self.years:
            computed = row.computed()
            if row.status == NO_RULE_SET:
                notes = joined("; ", row.notes)
                yield f"{row.year}  {in_language(code_words(NO_RULE_SET), lang)}: " + in_language(
                    notes, lang
                )
                continue
            if not computed:
                yield f"{row.year}  " + tr(
                    "{rule_set}: no indicator has data", rule_set=row.rule_set_id
                ).in_lang(lang)
            for result in computed:
                suffix = factor_suffix(result.factor)
                progress = "-" if result.progress is None else code_words(result.progress.value)
                final = f"{result.target.op} {_number(result.target.value, lang)}{suffix}"
                if result.deadline is not None:
                    final = tr("{target} by {year}", target=final, year=result.deadline)
                text = tr(
                    "{value} vs milestone {milestone} (final {final}): {status}, {progress}",
                    value=f"{result.shown_value_in(lang)}{suffix}",
                    milestone=f"{result.target.op} {_number(result.milestone, lang)}{suffix}",
                    final=final,
                    status=code_words(result.status.value),
                    progress=progress,
                )
                yield (
                    f"{row.year}  {row.rule_set_id:24} {result.indicator_id:6} {text.in_lang(lang)}"
                )

        shown = dict.fromkeys(
            note for row in self.years if row.status != NO_RULE_SET for note in row.notes
        )
        for note in shown:
            years = [row.year for row in self.years if note in row.notes]
            yield tr(
                "note ({first}-{last}): {note}", first=years[0], last=years[-1], note=note
            ).in_lang(lang)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: per row, the year, rule set and report."""
        return {
            "jurisdiction": self.jurisdiction,
            "years": [
                {
                    "row": row.row,
                    "year": row.year,
                    "rule_set": row.rule_set_id,
                    "inputs": dict(row.inputs),
                    "status": row.status,
                    "notes": list(row.notes),
                    "report": row.report.to_dict(),
                }
                for row in self.years
            ],
        }


def _rows(table: object) -> list[dict[str, Any]]:
    """The rows of a table: a mapping of columns, a sequence of rows, a DataFrame."""
    if hasattr(table, "to_dicts"):  # polars
        rows = list(table.to_dicts())
    elif hasattr(table, "to_dict") and hasattr(table, "columns"):  # pandas
        rows = list(table.to_dict(orient="records"))
    elif isinstance(table, Mapping):
        not_columns = [str(k) for k, v in table.items() if not _is_column(v)]
        if not_columns:
            msg = tr(
                "the columns {columns} of the table are not sequences of values",
                columns=not_columns[:5],
            )
            raise UsageError(msg)
        columns = {str(k): list(v) for k, v in table.items()}
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            msg = tr(
                "the columns of the table have different lengths: {lengths}",
                lengths=sorted(lengths),
            )
            raise UsageError(msg)
        count = lengths.pop() if lengths else 0
        rows = [{k: v[i] for k, v in columns.items()} for i in range(count)]
    elif isinstance(table, Sequence) and not isinstance(table, str | bytes):
        not_rows = [n for n, row in enumerate(table) if not isinstance(row, Mapping)]
        if not_rows:
            msg = tr(
                "table rows must be mappings of column to value (row {row} is a {kind})",
                row=not_rows[0],
                kind=type(table[not_rows[0]]).__name__,
            )
            raise UsageError(msg)
        rows = [dict(row) for row in table]
    else:
        msg = tr(
            "table must be columns (a mapping), rows, or a DataFrame (got {kind})",
            kind=type(table).__name__,
        )
        raise UsageError(msg)
    if len(rows) > MAX_HISTORY_ROWS:
        msg = tr(
            "a history table may have at most {limit} rows (got {count})",
            limit=MAX_HISTORY_ROWS,
            count=len(rows),
        )
        raise UsageError(msg)
    return [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]


def _is_column(values: object) -> bool:
    """A column of values: a sequence or an array, not text or a single value."""
    return (
        not isinstance(values, str | bytes | Mapping)
        and hasattr(values, "__len__")
        and hasattr(values, "__iter__")
    )


def _year(value: object, column: str, row: int) -> int | DataError:
    number = value
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if hasattr(value, "item") and not isinstance(value, int | float | str):
        number = value.item()  # a numpy integer
    if isinstance(number, bool) or not isinstance(number, int) or not 1945 <= number <= 2100:
        return DataError(column, value, YEAR_RULE, tr("row {row}", row=row))
    return number


def _in_row(row: int, year: int, hint: str) -> Bilingual:
    """A bad value's hint placed in its row and year of the table."""
    if hint:
        return tr("row {row} ({year}); {hint}", row=row, year=year, hint=hint)
    return tr("row {row} ({year})", row=row, year=year)


def _added_notes(rule_set: RuleSet) -> tuple[str, ...]:
    """The notes :func:`spmkit.rule_set_for` added to a rule set (national, open end)."""
    own = len(resolve_rule_set(rule_set.id).notes)
    return rule_set.notes[own:]


def evaluate_history(
    jurisdiction: str | int,
    table: object,
    *,
    year: str = "year",
    keys: Sequence[str] = (),
    sector: str | None = "kesehatan",
) -> History:
    """Judge each row of a multi-year table under the rule set and milestone of its year.

    >>> h = evaluate_history("Kabupaten Siak", {
    ...     "year": [2010, 2013, 2017],
    ...     "bumil_k4": [880, 965, 990], "sasaran_bumil": [1000, 1000, 1000]})
    >>> h.rule_set_by_year()
    {2010: 'permenkes-741-2008', 2013: 'siak-renstra-2012-2016', 2017: 'permenkes-43-2016'}
    >>> tuple((int(r.milestone), r.progress.value) for r in h.series("I.1", "permenkes-741-2008"))
    ((95, 'behind'), (97, 'behind'), (100, 'behind'))

    Args:
        jurisdiction: by name as people write it (``"Kab. Siak"``), slug (``"siak"``)
            or Kemendagri code (``1408``).
        table: one row per year: a mapping of column -> values, a sequence of row
            mappings, or a pandas or polars DataFrame. Missing values (None, NaN) are
            missing inputs for that row only.
        year: the name of the column of years.
        keys: other columns to ignore (region names, notes).
        sector: the SPM field, as for :func:`spmkit.rule_set_for`.

    A year no rule set was in force (before Permenkes 741/2008) is a row of status
    ``no_rule_set`` with a note; the other rows are evaluated.

    Raises:
        RuleSetNotFoundError: the jurisdiction is no known place (the closest names are
            suggested), or no rule set applies in any year of the table.
        DataInvalid: bad years, bad values, or columns that no year's rule set reads
            (every one is reported).
        UsageError: the table is not a table, ``jurisdiction`` neither text nor a code,
            or ``year`` not a column name.
    """
    require(
        jurisdiction,
        "jurisdiction",
        (str, int),
        tr("text such as 'Kab. Siak' or a Kemendagri code"),
    )
    require(year, "year", str, tr("the name of the column of years (text)"))
    rows = _rows(table)
    problems: list[DataError] = []
    years: list[int] = []
    for number, row in enumerate(rows):
        checked = _year(row.get(year), year, number)
        if isinstance(checked, DataError):
            problems.append(checked)
        else:
            years.append(checked)
    if problems:
        msg = tr("column {year!r} must hold a year on every row", year=year)
        raise DataInvalid(msg, problems)
    list_rule_sets(jurisdiction)  # an unknown place fails here, with the closest names
    by_year: dict[int, RuleSet] = {}
    missing: dict[int, str] = {}
    for y in sorted(set(years)):
        try:
            by_year[y] = rule_set_for(jurisdiction, y, sector=sector)
        except RuleSetNotFoundError as exc:  # the place is known: no rules that year
            missing[y] = str(exc)
    if not by_year and missing:
        raise RuleSetNotFoundError(next(iter(missing.values())))
    known = {rs.id: rs for rs in by_year.values()}
    columns = {name for row in rows for name in row} - {year, *keys}
    results = []
    used: set[str] = set()
    for number, (row, y) in enumerate(zip(rows, years, strict=True)):
        if y in missing:
            results.append(
                YearResult(
                    row=number,
                    year=y,
                    rule_set_id="",
                    report=Report(rule_set_id="", results={}),
                    status=NO_RULE_SET,
                    notes=(missing[y],),
                )
            )
            continue
        rule_set = by_year[y]
        routes = route_inputs(rule_set, columns, known.values())
        used.update(routes.values())
        data = {name: row.get(column) for name, column in routes.items()}
        try:
            report = evaluate(rule_set, data, year=y)
        except DataInvalid as exc:
            problems.extend(
                DataError(str(e.input_name), e.value, e.rule, _in_row(number, y, e.hint))
                for e in exc.exceptions
            )
            continue
        results.append(
            YearResult(
                row=number,
                year=y,
                rule_set_id=rule_set.id,
                report=report,
                inputs=routes,
                notes=_added_notes(rule_set),
            )
        )
    unknown = sorted(columns - used)
    readable = {name for rule_set in known.values() for name in rule_set.inputs}
    problems.extend(
        DataError(
            name,
            None,
            tr("an input of a rule set in force in some year of the table"),
            tr(
                "{suggestion}; pass keys=[{name!r}] to ignore it",
                suggestion=suggest(name, readable),
                name=name,
            ),
        )
        for name in unknown
    )
    if problems:
        msg = tr("the history table of {jurisdiction!r} has bad values", jurisdiction=jurisdiction)
        raise DataInvalid(msg, problems)
    return History(jurisdiction=jurisdiction, years=tuple(results), rule_sets=known)
