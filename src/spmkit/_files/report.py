"""Evaluation results as people read them: terminal table, Markdown, CSV, JSON and HTML.

Every renderer takes the rule set, the row outcomes of
:func:`spmkit._files.datafiles.evaluate_table` and a language, and returns text; nothing
here prints, reads files or computes an indicator. Status is always written out in words
(``met``, ``NOT MET``, ``no data``), never shown by colour alone, so a printed or pasted
table keeps its meaning.
CSV and JSON are for programs: numbers with a decimal point, statuses as their codes,
whatever the language.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from spmkit._evaluation.batch import BatchResult
from spmkit._evaluation.results import IndicatorResult, Status
from spmkit._files.outputs import escape_markdown, neutralise_cell
from spmkit._files.present import (
    CSV_FIELDS,
    batch_csv_lines,
    csv_cells,
    csv_field,
    record_cells,
    record_fields,
)
from spmkit._files.table import RowOutcome, TotalsCheck, region_columns
from spmkit._messages import Language, in_language, message
from spmkit._rulesets.model import Indicator, RuleSet
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "ChunkedReport",
    "indicator_name",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_table",
]

FORMATS: Final = ("table", "json", "csv", "markdown", "html")

_ANSI: Final = {
    Status.MET: "\033[32m",
    Status.NOT_MET: "\033[1;31m",
    Status.NO_DATA: "\033[33m",
    Status.UNDEFINED: "\033[33m",
}
_RESET: Final = "\033[0m"
_COLUMNS: Final = ("indicator", "name", "achievement", "target", "deadline", "status", "gap")
_RIGHT: Final = frozenset({"achievement", "gap"})


def indicator_name(indicator: Indicator, lang: Language) -> str:
    """The indicator's name in ``lang`` (the regulation's own words when no translation)."""
    if lang == "en" and indicator.name_en:
        return indicator.name_en
    return indicator.name


def _summary(report: Mapping[str, IndicatorResult], lang: Language) -> str:
    counts = dict.fromkeys(Status, 0)
    for result in report.values():
        counts[result.status] += 1
    return message(
        "summary",
        lang,
        met=counts[Status.MET],
        not_met=counts[Status.NOT_MET],
        no_data=counts[Status.NO_DATA],
        undefined=counts[Status.UNDEFINED],
        total=len(report),
    )


def _heading(outcome: RowOutcome, lang: Language) -> str:
    row = outcome.row
    if not row.where:
        return row.label
    where = in_language(row.where, lang)
    if row.where.startswith("row"):
        where = message("row", lang, number=row.number)
    if row.label == row.where:
        return where
    return message("row_heading", lang, label=row.label, where=where)


_MIN_NAME: Final = 16
"""The narrowest the name column gets; names wrap onto more lines rather than being cut."""


def _table_lines(
    report: Mapping[str, IndicatorResult],
    lang: Language,
    *,
    width: int,
    color: bool,
) -> list[str]:
    """A table that fits ``width``: long names wrap onto several lines, never cut."""
    header = {key: message(f"col.{key}", lang) for key in _COLUMNS}
    rows = [record_cells(result, lang) for result in report.values()]
    statuses = [result.status for result in report.values()]
    widths = {key: max(len(header[key]), *(len(row[key]) for row in rows)) for key in _COLUMNS}
    others = sum(widths[key] + 2 for key in _COLUMNS if key != "name")
    widths["name"] = max(min(widths["name"], width - others), len(header["name"]), _MIN_NAME)

    def lines_of(row: dict[str, str], status: Status | None) -> list[str]:
        names = textwrap.wrap(row["name"], widths["name"], break_long_words=True) or [""]
        out = []
        for number, name in enumerate(names):
            cells = []
            for key in _COLUMNS:
                text = name if key == "name" else (row[key] if number == 0 else "")
                cell = text.rjust(widths[key]) if key in _RIGHT else text.ljust(widths[key])
                if key == "status" and color and status is not None and number == 0:
                    cell = f"{_ANSI[status]}{cell}{_RESET}"
                cells.append(cell)
            out.append("  ".join(cells).rstrip())
        return out

    lines = [*lines_of(header, None), "  ".join("-" * widths[key] for key in _COLUMNS)]
    for row, status in zip(rows, statuses, strict=True):
        lines.extend(lines_of(row, status))
    lines.extend(["", *textwrap.wrap(_summary(report, lang), width)])
    if any(result.exceeds_denominator for result in report.values()):
        lines.extend(textwrap.wrap(message("exceeds", lang), width))
    return lines


def _title_lines(rule_set: RuleSet, lang: Language) -> list[str]:
    title = rule_set.title_en if lang == "en" and rule_set.title_en else rule_set.title
    return [title, f"{rule_set.legal_basis.cite()} ({rule_set.jurisdiction.name})"]


def _rows_summary(outcomes: Sequence[RowOutcome], lang: Language) -> str:
    evaluated = [o for o in outcomes if o.evaluated]
    all_met = sum(1 for o in evaluated if o.all_met)
    return _counts_summary(len(evaluated), len(outcomes), all_met, lang)


def _counts_summary(evaluated: int, total: int, all_met: int, lang: Language) -> str:
    return message(
        "rows_summary",
        lang,
        evaluated=evaluated,
        total=total,
        all_met=all_met,
        bad=total - evaluated,
    )


def render_table(
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    width: int = 100,
    color: bool = False,
) -> str:
    """Plain-text tables for a terminal: one per row, statuses in words (colour optional).

    Args:
        rule_set: the rule set evaluated.
        outcomes: the rows' outcomes.
        lang: language of labels and numbers.
        width: the line width to fit; long indicator names wrap onto more lines.
        color: colour the status column (words stay, so nothing depends on colour).
    """
    lines = _title_lines(rule_set, lang)
    for outcome in outcomes:
        lines.extend(_table_outcome(outcome, lang, width=width, color=color))
    if len(outcomes) > 1:
        lines.extend(["", _rows_summary(outcomes, lang)])
    return "\n".join(lines)


def _table_outcome(outcome: RowOutcome, lang: Language, *, width: int, color: bool) -> list[str]:
    """One row's lines of :func:`render_table` (a blank line first)."""
    lines = [""]
    heading = _heading(outcome, lang)
    if not outcome.evaluated:
        lines.extend(
            message("row_refused", lang, where=heading, problem=in_language(problem, lang))
            for problem in outcome.problems
        )
        return lines
    lines.append(message("data", lang, heading=heading))
    lines.append("")
    lines.extend(_table_lines(outcome.results, lang, width=width, color=color))
    return lines


def _md_escape(text: str) -> str:
    return escape_markdown(text)


def render_markdown(rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language) -> str:
    """Markdown (GitHub pipe tables): one section per row, ready to paste in a report."""
    title, basis = _title_lines(rule_set, lang)
    lines = [f"# {_md_escape(title)}", "", _md_escape(basis)]
    for outcome in outcomes:
        lines.extend(_markdown_outcome(outcome, lang))
    if len(outcomes) > 1:
        lines.extend(["", _rows_summary(outcomes, lang)])
    return "\n".join(lines) + "\n"


def _markdown_outcome(outcome: RowOutcome, lang: Language) -> list[str]:
    """One row's lines of :func:`render_markdown` (a blank line first)."""
    lines = ["", f"## {_md_escape(_heading(outcome, lang))}", ""]
    if not outcome.evaluated:
        lines.extend(f"- {_md_escape(in_language(problem, lang))}" for problem in outcome.problems)
        return lines
    header = [message(f"col.{key}", lang) for key in _COLUMNS]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---:" if key in _RIGHT else "---" for key in _COLUMNS) + "|")
    for result in outcome.results.values():
        cells = record_cells(result, lang)
        if result.status is Status.NOT_MET:
            cells["status"] = f"**{cells['status']}**"
        lines.append("| " + " | ".join(_md_escape(cells[k]) for k in _COLUMNS) + " |")
    lines.extend(["", _summary(outcome.results, lang)])
    return lines


CSV_COLUMNS: Final = ("row", "region", "period", *CSV_FIELDS, "problem")
"""The columns of :func:`render_csv`: one line per row and indicator (the record's fields)."""


def render_csv(rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language = "en") -> str:
    """One CSV line per row and indicator (long format), machine-readable numbers.

    Statuses are codes (``not_met``), numbers plain (counts as integers), ``shown_value``
    as ``lang`` writes it; a refused row's ``problem`` is in ``lang``.
    """
    del rule_set  # every cell comes from the records
    return ",".join(CSV_COLUMNS) + "\n" + _csv_lines(outcomes, lang)


def _csv_lines(outcomes: Sequence[RowOutcome], lang: Language) -> str:
    leads = [
        csv_lead(outcome.row.number, outcome.row.region, outcome.row.period) for outcome in outcomes
    ]
    fast = _fast_lines(outcomes, leads, lang)
    return "".join(
        _record_lines(outcome, lang) if text is None else text
        for outcome, text in zip(outcomes, fast, strict=True)
    )


def csv_lead(number: int, region: str | None, period: str | None) -> str:
    """The first fields of a row's CSV lines: its number, region and period, and a comma."""
    region_field = csv_field(neutralise_cell(region or ""))
    return f"{number},{region_field},{csv_field(neutralise_cell(period or ''))},"


def _record_lines(outcome: RowOutcome, lang: Language) -> str:
    """A row's CSV lines from its records (or its problems, when refused)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    row = outcome.row
    lead = [row.number, neutralise_cell(row.region or ""), neutralise_cell(row.period or "")]
    if not outcome.evaluated:
        blank = [""] * (len(CSV_FIELDS) - 2)
        writer.writerows(
            [*lead, "", "refused", *blank, neutralise_cell(in_language(problem, lang))]
            for problem in outcome.problems
        )
    else:
        cells = [csv_cells(result, lang) for result in outcome.results.values()]
        writer.writerows([*lead, *line, ""] for line in cells)
    return buffer.getvalue()


def _record_of(outcomes: Sequence[RowOutcome], position: int, indicator_id: str) -> IndicatorResult:
    return outcomes[position].record(indicator_id)


def _fast_lines(
    outcomes: Sequence[RowOutcome], leads: Sequence[str], lang: Language
) -> list[str | None]:
    """The records' CSV lines of rows of one batch, from its arrays at once where certain."""
    found: list[str | None] = [None] * len(outcomes)
    by_batch: dict[int, list[int]] = {}
    for position, outcome in enumerate(outcomes):
        if outcome.batch is not None and outcome.given is None:
            by_batch.setdefault(id(outcome.batch), []).append(position)
    for positions in by_batch.values():
        batch = outcomes[positions[0]].batch
        assert batch is not None  # noqa: S101 - grouped by batch above
        texts = batch_csv_lines(
            batch,
            [outcomes[p].index for p in positions],
            [leads[p] for p in positions],
            lang,
            functools.partial(_record_of, [outcomes[p] for p in positions]),
        )
        for position, text in zip(positions, texts, strict=True):
            found[position] = text
    return found


def _json_results(outcome: RowOutcome, lang: Language) -> list[dict[str, Any]]:
    return [
        {
            **record_fields(result, lang),
            "explanation": result.explanation_in("en"),
            "explanation_id": result.explanation_in("id") if result.explanation_id else "",
        }
        for result in outcome.results.values()
    ]


def render_json(
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    source: str,
    totals: Sequence[TotalsCheck] = (),
    lang: Language = "en",
) -> str:
    """JSON: the rule set, the file, per row its region, period, records or problems.

    Each result is the record's fields (:func:`~spmkit._files.present.record_fields`),
    ``shown_value`` and names in ``lang``, with both explanations.

    Every row is ``"kind": "region"``; totals rows (``JUMLAH KABUPATEN``) are listed
    apart under ``"totals"`` as ``"kind": "total"``, with their check against the sums.
    """
    document = {
        "rule_set": rule_set.id,
        "source": source,
        "rows": [_json_row(outcome, lang) for outcome in outcomes],
        "totals": [check.to_dict() for check in totals],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_row(outcome: RowOutcome, lang: Language) -> dict[str, Any]:
    return {
        "kind": "region",
        "row": outcome.row.number,
        "where": outcome.row.where,
        "region": outcome.row.region,
        "period": outcome.row.period,
        "all_met": outcome.all_met if outcome.evaluated else None,
        "results": _json_results(outcome, lang) if outcome.evaluated else [],
        "problems": [str(problem) for problem in outcome.problems],
    }


def _nested(text: str, spaces: int) -> str:
    """JSON text as it prints nested ``spaces`` deeper (its first line where it stands)."""
    return text.replace("\n", "\n" + " " * spaces)


class ChunkedReport:
    """A report written chunk by chunk, the same text as :func:`render` of every row at once.

    ``head()``, then ``chunk(outcomes)`` for each chunk of rows in file order, then
    ``tail(totals)``: joined, they are ``render(output_format, ...)`` of all the rows,
    byte for byte, without holding them (CSV, JSON, table and Markdown).
    """

    FORMATS: Final = ("csv", "json", "table", "markdown")

    def __init__(  # noqa: PLR0913 - the options of render, by keyword
        self,
        output_format: str,
        rule_set: RuleSet,
        lang: Language,
        *,
        source: str = "",
        width: int = 100,
        color: bool = False,
    ) -> None:
        if output_format not in self.FORMATS:
            msg = tr(
                "{fmt!r} is not written in chunks; use one of {formats}",
                fmt=output_format,
                formats=self.FORMATS,
            )
            raise UsageError(msg)
        self.output_format = output_format
        self.rule_set = rule_set
        self.lang = lang
        self.source = source
        self.width = width
        self.color = color
        self.rows = 0
        self.evaluated = 0
        self.all_met = 0

    def head(self) -> str:
        """What comes before the first row."""
        if self.output_format == "csv":
            return ",".join(CSV_COLUMNS) + "\n"
        if self.output_format == "json":
            top = {"rule_set": self.rule_set.id, "source": self.source}
            return json.dumps(top, indent=2, ensure_ascii=False)[:-2] + ',\n  "rows": ['
        if self.output_format == "markdown":
            title, basis = _title_lines(self.rule_set, self.lang)
            return f"# {_md_escape(title)}\n\n{_md_escape(basis)}"
        return "\n".join(_title_lines(self.rule_set, self.lang))

    def chunk(self, outcomes: Sequence[RowOutcome]) -> str:
        """The text of some rows, following the rows before them."""
        lang = self.lang
        first = self.rows == 0
        self.rows += len(outcomes)
        evaluated = [outcome for outcome in outcomes if outcome.evaluated]
        self.evaluated += len(evaluated)
        self.all_met += sum(1 for outcome in evaluated if outcome.all_met)
        if self.output_format == "csv":
            return _csv_lines(outcomes, lang)
        if self.output_format == "json":
            rows = [
                "\n    " + _nested(json.dumps(_json_row(o, lang), indent=2, ensure_ascii=False), 4)
                for o in outcomes
            ]
            return ("" if first or not rows else ",") + ",".join(rows)
        lines: list[str] = []
        for outcome in outcomes:
            if self.output_format == "markdown":
                lines.extend(_markdown_outcome(outcome, lang))
            else:
                lines.extend(_table_outcome(outcome, lang, width=self.width, color=self.color))
        return "".join("\n" + line for line in lines)

    def batch_chunk(
        self,
        batch: BatchResult,
        leads: Sequence[str],
        outcome: Callable[[int], RowOutcome],
    ) -> tuple[str, int]:
        """CSV of rows all evaluated in one batch (row ``i`` is the batch's row ``i``).

        The text :meth:`chunk` writes for their outcomes, without building one per row:
        ``outcome(i)`` is called only for a row whose record must decide a cell. Returns
        the text and how many of the rows met every target.
        """
        import numpy as np  # noqa: PLC0415 - batch results have numpy

        if self.output_format != "csv":
            msg = "only CSV is written straight from a batch"
            raise UsageError(msg)
        rows = len(leads)
        met = np.ones(rows, dtype=bool)
        for arrays in batch.values():
            met &= arrays.status_code == 0
        all_met = int(met.sum())
        self.rows += rows
        self.evaluated += rows
        self.all_met += all_met
        made: dict[int, RowOutcome] = {}

        def record(position: int, indicator_id: str) -> IndicatorResult:
            if position not in made:
                made[position] = outcome(position)
            return made[position].record(indicator_id)

        texts = batch_csv_lines(batch, range(rows), leads, self.lang, record)
        return "".join(
            _record_lines(outcome(i), self.lang) if text is None else text
            for i, text in enumerate(texts)
        ), all_met

    def tail(self, totals: Sequence[TotalsCheck] = ()) -> str:
        """What comes after the last row (totals rows checked: JSON and table)."""
        if self.output_format == "csv":
            return ""
        if self.output_format == "json":
            checks = json.dumps([c.to_dict() for c in totals], indent=2, ensure_ascii=False)
            rows = "\n  ]" if self.rows else "]"
            return f'{rows},\n  "totals": {_nested(checks, 2)}\n}}\n'
        text = ""
        if self.rows > 1:
            text = "\n\n" + _counts_summary(self.evaluated, self.rows, self.all_met, self.lang)
        if self.output_format == "table" and totals:
            text += "\n\n" + "\n".join(check.describe().in_lang(self.lang) for check in totals)
        return text + "\n"


_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.basis{color:#555;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;
white-space:nowrap}td.name{white-space:normal}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.met{color:#1b5e20}.not_met{color:#b71c1c;font-weight:bold}
.no_data,.undefined{color:#8d6e00;font-style:italic}
.refused{color:#b71c1c}.chart{margin:1.5rem 0}.chart svg,.chart img{max-width:100%;height:auto}
.legend,footer{color:#555;font-size:.85rem}
"""


def _regions_page(rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language) -> str:
    """Several rows: one overview page (grid, totals, ranking, detail), refused rows listed."""
    from spmkit._files.regions import regions_html  # noqa: PLC0415 - numpy only when used

    years = sorted({o.row.year for o in outcomes if o.row.year is not None})
    if len(years) > 1:
        return year_sections(rule_set, outcomes, lang, years)
    good = [outcome for outcome in outcomes if outcome.report is not None]
    columns = region_columns([outcome.row for outcome in good])
    refused = [
        (outcome.row.label, outcome.problems) for outcome in outcomes if outcome.report is None
    ]
    year = years[0] if years else None
    page = regions_html(rule_set, columns, keys=["region"], lang=lang, refused=refused, year=year)
    return page + "\n"


def _with_checks(page: str, totals: Sequence[TotalsCheck], lang: Language) -> str:
    """The page with each totals row's check (what agrees, what differs, what is unchecked)."""
    if not totals:
        return page
    items = "".join(
        f'<li class="{"agrees" if check.agrees else "refused"}">'
        f"{html.escape(check.describe().in_lang(lang))}</li>"
        for check in totals
    )
    end = page.rindex("</body>")
    return f'{page[:end]}<ul class="totals-checks">{items}</ul>\n{page[end:]}'


def year_sections(
    rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language, years: Sequence[int]
) -> str:
    """A multi-year file: one section per year, each with its own regions, totals and ranking.

    The years are never pooled: a regency's total is the ratio of one year's sums,
    judged against that year's milestone. Rows naming no year get a section of their own.
    """
    from spmkit._files.regions import regions_html  # noqa: PLC0415 - numpy only when used

    head = ""
    bodies: list[str] = []
    groups: list[int | None] = [*years]
    if any(outcome.row.year is None for outcome in outcomes):
        groups.append(None)
    for year in groups:
        mine = [outcome for outcome in outcomes if outcome.row.year == year]
        good = [outcome for outcome in mine if outcome.report is not None]
        refused = [(o.row.label, o.problems) for o in mine if o.report is None]
        named = [attrs.evolve(o.row, period=None) for o in good]  # the section names the year
        columns = region_columns(named)
        title = rule_set.title if lang == "id" or not rule_set.title_en else rule_set.title_en
        heading = f"{title} · {year if year is not None else '-'}"
        if not good:
            bodies.append(f"<h1>{html.escape(heading)}</h1>")
            continue
        page = regions_html(
            rule_set,
            columns,
            keys=["region"],
            lang=lang,
            refused=refused,
            year=year,
            title=heading,
        )
        start, end = page.index("<body>") + len("<body>"), page.rindex("</body>")
        head = head or page[:start]
        rule = "border-top:4px double #333;margin-top:2rem;padding-top:.5rem"
        bodies.append(
            f'<section class="year" id="year-{year}" style="{rule}">{page[start:end]}</section>'
        )
    return head + "\n".join(bodies) + "</body></html>\n"


def render_html(
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    chart_svg: str | None,
    version: str,
) -> str:
    """One self-contained HTML page: title, the chart (inline SVG) and a table per row.

    Args:
        rule_set: the rule set evaluated.
        outcomes: the rows' outcomes.
        lang: language of labels and numbers.
        chart_svg: an SVG document to inline, or None to say how to get one.
        version: the spmkit version, printed in the footer.
    """
    evaluated = [outcome for outcome in outcomes if outcome.report is not None]
    if len(evaluated) > 1:
        return _regions_page(rule_set, outcomes, lang)
    esc = html.escape
    title, basis = _title_lines(rule_set, lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="basis">{esc(basis)}</p>',
    ]
    if chart_svg is not None:
        svg = chart_svg[chart_svg.find("<svg") :]
        parts.append(f'<figure class="chart">{svg}</figure>')
    else:
        parts.append(f'<p class="legend">{esc(message("chart.no_chart", lang))}</p>')
    for outcome in outcomes:
        parts.append(f"<h2>{esc(_heading(outcome, lang))}</h2>")
        if not outcome.evaluated:
            parts.append('<ul class="refused">')
            parts.extend(
                f"<li>{esc(in_language(problem, lang))}</li>" for problem in outcome.problems
            )
            parts.append("</ul>")
            continue
        parts.append("<table><thead><tr>")
        parts.extend(f"<th>{esc(message(f'col.{key}', lang))}</th>" for key in _COLUMNS)
        parts.append("</tr></thead><tbody>")
        for result in outcome.results.values():
            cells = record_cells(result, lang)
            row = []
            for key in _COLUMNS:
                classes = "num" if key in _RIGHT else ("name" if key == "name" else "")
                if key == "status":
                    classes = result.status.value
                attribute = f' class="{classes}"' if classes else ""
                row.append(f"<td{attribute}>{esc(cells[key])}</td>")
            parts.append("<tr>" + "".join(row) + "</tr>")
        parts.append("</tbody></table>")
        parts.append(f"<p>{esc(_summary(outcome.results, lang))}</p>")
        if any(result.exceeds_denominator for result in outcome.results.values()):
            parts.append(f'<p class="legend">{esc(message("exceeds", lang))}</p>')
    if len(outcomes) > 1:
        parts.append(f"<p>{esc(_rows_summary(outcomes, lang))}</p>")
    parts.append(f'<p class="legend">{esc(message("report.legend", lang))}</p>')
    parts.append(f"<footer>{esc(message('report.generated', lang, version=version))}</footer>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(  # noqa: PLR0913 - one entry point for every format, options by keyword
    output_format: str,
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    source: str = "",
    width: int = 100,
    color: bool = False,
    chart_svg: str | None = None,
    version: str = "",
    totals: Sequence[TotalsCheck] = (),
) -> str:
    """Render outcomes in one of :data:`FORMATS` (totals rows checked: JSON and table)."""
    if output_format == "json":
        return render_json(rule_set, outcomes, source, totals, lang)
    if output_format == "csv":
        return render_csv(rule_set, outcomes, lang)
    if output_format == "markdown":
        return render_markdown(rule_set, outcomes, lang)
    if output_format == "html":
        page = render_html(rule_set, outcomes, lang, chart_svg=chart_svg, version=version)
        return _with_checks(page, totals, lang)
    text = render_table(rule_set, outcomes, lang, width=width, color=color)
    if totals:
        text += "\n\n" + "\n".join(check.describe().in_lang(lang) for check in totals)
    return text + "\n"
