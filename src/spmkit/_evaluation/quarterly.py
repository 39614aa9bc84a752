"""The quarterly SPM report (e-SPM, TW1-TW4): per service, served so far, mutu, index, band.

Regencies report the application of the SPM every three months (Permendagri 59/2021,
Pasal 24 ayat (1), as quoted in the news; docs/index-spm.md). For each quarter the report
shows, per service, the people who must be served this year, those served so far, those
not yet served, the percentage, the minimum quality (mutu minimal) fulfilled, the index
and its band. :func:`quarterly_report` computes these figures from a year's data by
quarter; the result renders as a text table, CSV, JSON-ready rows or an Excel workbook.

"So far" means the quarters up to and including that one, combined as each input
declares (``aggregate:``): people served in each quarter add up, the year's target
population is the same in every quarter, items fulfilled are those of the latest
quarter; a penerima denominator declared ``sum`` (the default) is taken as the year's
figure, given on every quarter's row and the same in each. Each quarter's cumulative data
are then evaluated exactly, like any data set.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, Literal

import attrs

from spmkit._evaluation.aggregate import aggregate
from spmkit._evaluation.progress import period_share
from spmkit._evaluation.results import IndicatorResult, Report, nearest_float
from spmkit._evaluation.scalar import evaluate, validate_data
from spmkit._numbers import exact_text, number_text
from spmkit._rulesets.model import RuleSet
from spmkit._translation import in_language, tr
from spmkit.errors import DataError, DataInvalid, UsageError

__all__ = ["QUARTERS", "QuarterlyReport", "QuarterlyRow", "quarterly_report", "services_of"]

QUARTERS: Final = ("TW1", "TW2", "TW3", "TW4")
"""The quarters (triwulan) of a reporting year, in order."""

_QUARTER: Final = re.compile(r"\s*(?:TW|Q|TRIWULAN\s*)?\s*([1-4])\s*\Z", re.IGNORECASE)

Language = Literal["id", "en"]


def _headers(lang: Language) -> tuple[str, ...]:
    """The table's column headers in ``lang`` (gettext)."""
    return tuple(
        in_language(text, lang)
        for text in (
            tr("Quarter"),
            tr("Service"),
            tr("Must be served"),
            tr("Served so far"),
            tr("Not yet served"),
            "%",
            tr("Quality items required"),
            tr("Quality items fulfilled"),
            tr("Quality %"),
            tr("Index"),
            tr("Band"),
        )
    )


def services_of(rule_set: RuleSet) -> tuple[tuple[str, str, str], ...]:
    """Return ``(penerima, mutu, index)`` indicator ids of every service of a rule set.

    A service is an index indicator with two components: the first is the achievement of
    the people served (penerima layanan dasar), the second the minimum quality (mutu
    minimal), as in the shipped ``indeks-spm-kesehatan``.
    """
    services = []
    for indicator in rule_set.indicators.values():
        if indicator.index is not None and len(indicator.index.weights) == 2:
            penerima, mutu = indicator.index.weights
            services.append((penerima, mutu, indicator.id))
    return tuple(services)


@attrs.frozen(kw_only=True)
class QuarterlyRow:
    """One service in one quarter (figures so far); None where the data give no value.

    Attributes:
        quarter: ``"TW1"`` ... ``"TW4"``.
        service: the penerima indicator's id; name: its name.
        must_serve: people who must be served this year (the penerima denominator).
        served: people served to standard so far (the penerima numerator).
        not_served: ``must_serve - served``, 0 when more were served than estimated.
        percent: served / must be served x 100.
        mutu_required, mutu_fulfilled: items of goods/services and staff; mutu_percent.
        index: the service's index; band, band_en: its category.
        explanation: how the index and its two components were computed.
    """

    quarter: str
    service: str
    name: str
    must_serve: Fraction | None
    served: Fraction | None
    not_served: Fraction | None
    percent: Fraction | None
    mutu_required: Fraction | None
    mutu_fulfilled: Fraction | None
    mutu_percent: Fraction | None
    index: Fraction | None
    band: str | None
    band_en: str | None
    explanation: str
    records: tuple[IndicatorResult, ...] = attrs.field(default=(), eq=False, repr=False)
    """The records of the index, the people served and the quality (what is shown)."""

    def explanation_in(self, lang: Language) -> str:
        """How the index and its two components were computed, in ``lang``."""
        if not self.records:
            return self.explanation
        return " ".join(record.explanation_in(lang) for record in self.records)

    def shown(self, lang: Language) -> tuple[str, ...]:
        """The row as the table shows it: counts grouped, values as their records show them."""
        index, penerima, mutu = self.records or (None, None, None)

        def count(value: Fraction | None) -> str:
            return "-" if value is None else exact_text(value, lang, most=2)

        def value(record: IndicatorResult | None, exact: Fraction | None) -> str:
            if record is not None:
                return record.shown_value_in(lang) or "-"
            return "-" if exact is None else number_text(exact, lang, 2)

        band = self.band_en if lang == "en" and self.band_en else self.band
        return (
            self.quarter,
            f"{self.service} {self.name}",
            count(self.must_serve),
            count(self.served),
            count(self.not_served),
            value(penerima, self.percent),
            count(self.mutu_required),
            count(self.mutu_fulfilled),
            value(mutu, self.mutu_percent),
            value(index, self.index),
            band or "-",
        )

    def cells(self, lang: Language = "id") -> tuple[object, ...]:
        """The row's cells in the order of the table's columns (numbers as floats)."""
        return (
            self.quarter,
            f"{self.service} {self.name}",
            *(
                _plain(value)
                for value in (
                    self.must_serve,
                    self.served,
                    self.not_served,
                    self.percent,
                    self.mutu_required,
                    self.mutu_fulfilled,
                    self.mutu_percent,
                    self.index,
                )
            ),
            self.band_en if lang == "en" and self.band_en else self.band,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: numbers as floats (None where there is no value)."""
        numbers = (
            "must_serve",
            "served",
            "not_served",
            "percent",
            "mutu_required",
            "mutu_fulfilled",
            "mutu_percent",
            "index",
        )
        data: dict[str, Any] = {"quarter": self.quarter, "service": self.service}
        data["name"] = self.name
        data.update({key: nearest_float(getattr(self, key)) for key in numbers})
        data.update(band=self.band, band_en=self.band_en, explanation=self.explanation)
        return data


def _plain(value: Fraction | None) -> int | float | None:
    """A whole number as an int (4800, not 4800.0), anything else as its nearest float."""
    if value is not None and value.denominator == 1:
        return int(value)
    return nearest_float(value)


@attrs.frozen(kw_only=True)
class QuarterlyReport:
    """The quarterly report of one year: a row per quarter and service."""

    rule_set_id: str
    rows: tuple[QuarterlyRow, ...]
    reports: tuple[tuple[str, Report], ...]
    """Each quarter's full report (every indicator), for whatever the table leaves out."""

    def to_rows(self) -> list[dict[str, Any]]:
        """Return every row as plain data."""
        return [row.to_dict() for row in self.rows]

    def render_table(self, lang: Language = "id") -> str:
        """Return the report as a plain-text table."""
        headers = _headers(lang)
        body = [list(row.shown(lang)) for row in self.rows]
        widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
        widths[1] = min(widths[1], 40)

        def line(cells: Sequence[str]) -> str:
            shown = [
                c if len(c) <= w else c[: w - 3] + "..." for c, w in zip(cells, widths, strict=True)
            ]
            return " | ".join(
                c.ljust(w) if i < 2 or i == len(cells) - 1 else c.rjust(w)
                for i, (c, w) in enumerate(zip(shown, widths, strict=True))
            ).rstrip()

        rule = "-+-".join("-" * w for w in widths)
        return "\n".join([line(headers), rule, *(line(r) for r in body)]) + "\n"

    def to_csv(self, lang: Language = "id") -> str:
        """Return the report as CSV text (full service names, numbers unrounded)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_headers(lang))
        for row in self.rows:
            writer.writerow("" if cell is None else cell for cell in row.cells(lang))
        return buffer.getvalue()

    def explanation(self, lang: Language = "en") -> str:
        """Return every row's explanation in ``lang``, quarter by quarter."""
        return "\n".join(f"{row.quarter} {row.explanation_in(lang)}" for row in self.rows) + "\n"

    def render_markdown(self, lang: Language = "id") -> str:
        """Return the report as a Markdown table (cells from the data made inert)."""
        headers = _headers(lang)
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        for row in self.rows:
            cells = [cell.replace("|", "\\|") for cell in row.shown(lang)]
            lines.append("| " + " | ".join(html.escape(c, quote=False) for c in cells) + " |")
        return "\n".join(lines) + "\n"

    def render_html(self, lang: Language = "id") -> str:
        """Return the report as one self-contained HTML page (the table and explanations)."""
        title = tr("Quarterly SPM report").in_lang(lang)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(lang))
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{"n" if isinstance(cell, int | float) else "t"}">'
                f"{html.escape(shown)}</td>"
                for cell, shown in zip(row.cells(lang), row.shown(lang), strict=True)
            )
            + "</tr>"
            for row in self.rows
        )
        notes = "".join(
            f"<li><b>{html.escape(row.quarter)} {html.escape(row.service)}</b> "
            f"{html.escape(row.explanation_in(lang))}</li>"
            for row in self.rows
        )
        heading = tr("Explanation").in_lang(lang)
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)} - {html.escape(self.rule_set_id)}</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "th,td{border:1px solid #999;padding:4px 8px}td.n{text-align:right}"
            "th{background:#eee}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(self.rule_set_id)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<h2>{heading}</h2><ul>{notes}</ul></body></html>\n"
        )

    def to_excel(self, lang: Language = "id") -> bytes:
        """Return the report as an Excel workbook's bytes (needs ``spmkit[excel]``).

        The first sheet holds the table, the second the explanation of every row; text
        from the data is neutralised (no live formulas). Numbers keep their exact value
        and show Indonesian or English separators by the reader's spreadsheet locale.
        """
        from openpyxl import Workbook  # type: ignore[import-untyped]  # noqa: PLC0415 - optional

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None  # noqa: S101 - a new workbook has one sheet
        sheet.title = tr("Report").in_lang(lang)
        sheet.append(list(_headers(lang)))
        mark = "," if lang == "id" else "."
        for row in self.rows:
            sheet.append([_inert(cell) for cell in row.cells(lang)])
            for cell, shown in zip(sheet[sheet.max_row], row.shown(lang), strict=True):
                if isinstance(cell.value, int | float):  # the decimals the table shows
                    decimals = len(shown.partition(mark)[2])
                    cell.number_format = "#,##0." + "0" * decimals if decimals else "#,##0"
        notes = workbook.create_sheet(tr("Explanation").in_lang(lang))
        for row in self.rows:
            notes.append([row.quarter, _inert(row.service), _inert(row.explanation_in(lang))])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _inert(cell: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with ``'`` (OWASP)."""
    from spmkit._files.outputs import neutralise_cell  # noqa: PLC0415 - the writer's rule

    return neutralise_cell(cell) if isinstance(cell, str) else cell


def _quarter(label: object) -> str:
    match = _QUARTER.match(str(label))
    if match is None and isinstance(label, str):  # TW II, Triwulan III (progress.period_share)
        try:
            written = period_share(label)[1]
        except UsageError:
            written = ""
        match = _QUARTER.match(written) if written.startswith("Q") else None
    if match is None or isinstance(label, bool):
        problem = DataError(
            "<quarter>", label, tr("a quarter: TW1, TW2, TW3 or TW4 (or 1-4, Q1-Q4)")
        )
        msg = tr("the data name a quarter that is not one")
        raise DataInvalid(msg, [problem])
    return f"TW{match.group(1)}"


def _scalar(value: object) -> object:
    """An aggregated cell as a plain number; None where the group lacks a value."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _for_quarters(rule_set: RuleSet, services: Sequence[tuple[str, str, str]]) -> RuleSet:
    """The rule set with each penerima denominator combined as one figure for the year.

    An input declared ``sum`` (the default) that is the denominator of a penerima
    indicator is the year's target population: it is the same in every quarter, never
    added up over them. Other declarations are kept.
    """
    inputs = dict(rule_set.inputs)
    for penerima, _mutu, _index in services:
        for name in rule_set.indicators[penerima].denominator.inputs:
            if inputs[name].aggregate == "sum":
                inputs[name] = attrs.evolve(inputs[name], aggregate="same")
    return attrs.evolve(rule_set, inputs=inputs)


def _row(quarter: str, report: Report, service: tuple[str, str, str]) -> QuarterlyRow:
    penerima, mutu, index = (report[i] for i in service)
    not_served = None
    if penerima.numerator is not None and penerima.denominator is not None:
        not_served = max(penerima.denominator - penerima.numerator, Fraction(0))
    parts: list[IndicatorResult] = [index, penerima, mutu]
    return QuarterlyRow(
        quarter=quarter,
        service=penerima.indicator_id,
        name=penerima.name,
        must_serve=penerima.denominator,
        served=penerima.numerator,
        not_served=not_served,
        percent=penerima.exact_value,
        mutu_required=mutu.denominator,
        mutu_fulfilled=mutu.numerator,
        mutu_percent=mutu.exact_value,
        index=index.exact_value,
        band=index.band,
        band_en=index.band_en,
        explanation=" ".join(r.explanation for r in parts),
        records=tuple(parts),
    )


def quarterly_report(
    rule_set: RuleSet,
    quarters: Mapping[object, Mapping[str, object]],
    *,
    services: Sequence[tuple[str, str, str]] | None = None,
) -> QuarterlyReport:
    """Compute the quarterly report of one year from each quarter's data.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("indeks-spm-kesehatan")  # doctest: +SKIP
    >>> quarterly_report(rs, {"TW1": {...}, "TW2": {...}}).render_table()  # doctest: +SKIP

    Args:
        rule_set: a rule set with services (see :func:`services_of`), e.g.
            ``indeks-spm-kesehatan``.
        quarters: quarter (``"TW1"`` ... ``"TW4"``, or 1-4) -> the inputs of that quarter:
            people served *in* that quarter, the year's target population (the same in
            every quarter), items required and fulfilled.
        services: ``(penerima, mutu, index)`` indicator ids; by default those of
            :func:`services_of`.

    Returns:
        One row per quarter given and service, figures so far (cumulative).

    Raises:
        UsageError: the rule set has no services, or a service names unknown indicators.
        DataInvalid: a quarter label is not one, or a quarter's data have bad values
            (every bad value of every quarter is reported), or the year's target
            population differs between quarters.
    """
    chosen = tuple(services) if services is not None else services_of(rule_set)
    if not chosen:
        msg = tr(
            "rule set {rule_set!r} has no services with a penerima and a mutu component (an "
            "index of two indicators); use 'indeks-spm-kesehatan' or pass services=",
            rule_set=rule_set.id,
        )
        raise UsageError(msg)
    unknown = sorted({i for s in chosen for i in s} - set(rule_set.indicators))
    if unknown:
        msg = tr(
            "services name indicators rule set {rule_set!r} does not have: {unknown}",
            rule_set=rule_set.id,
            unknown=unknown,
        )
        raise UsageError(msg)
    by_quarter: dict[str, Mapping[str, object]] = {}
    problems: list[DataError] = []
    for label, data in quarters.items():
        quarter = _quarter(label)
        if quarter in by_quarter:
            problems.append(DataError("<quarter>", label, tr("each quarter once")))
        by_quarter[quarter] = data
        try:
            validate_data(rule_set, data)
        except DataInvalid as exc:
            problems.extend(
                DataError(f"{quarter}.{e.input_name}", e.value, e.rule, e.hint)
                for e in exc.exceptions
            )
    if problems:
        msg = tr("quarterly data for rule set {rule_set!r} have bad values", rule_set=rule_set.id)
        raise DataInvalid(msg, problems)
    order = [q for q in QUARTERS if q in by_quarter]
    yearly = _for_quarters(rule_set, chosen)
    names = sorted({name for data in by_quarter.values() for name in data})
    rows: list[QuarterlyRow] = []
    reports: list[tuple[str, Report]] = []
    for position, quarter in enumerate(order, start=1):
        so_far = order[:position]
        columns: dict[str, list[object]] = {"quarter": list(range(1, position + 1))}
        for name in names:
            columns[name] = [by_quarter[q].get(name) for q in so_far]
        totals = aggregate(yearly, columns, by=[], period="quarter")
        data = {name: _scalar(totals[name][0]) for name in names}
        report = evaluate(rule_set, {k: v for k, v in data.items() if v is not None})
        reports.append((quarter, report))
        rows.extend(_row(quarter, report, service) for service in chosen)
    return QuarterlyReport(rule_set_id=rule_set.id, rows=tuple(rows), reports=tuple(reports))
