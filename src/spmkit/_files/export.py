"""Render results to the formats people use, in memory or to a file chosen by its suffix.

``spmkit.render(result, "xlsx")`` turns a :class:`~spmkit._evaluation.results.Report`, a
:class:`~spmkit._evaluation.batch.BatchResult` or the outcome of a data file
(:func:`spmkit._files.table.evaluate_table`) into an Excel workbook (bytes), or CSV,
JSON, HTML, Markdown or a plain-text table (text), with no file in between. The command
line's ``-o FILE`` uses the same functions; the suffix picks the format and an unknown
suffix is an error listing the supported ones, never a text table in a ``.xlsx`` file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from spmkit._arguments import require
from spmkit._evaluation.batch import BatchResult
from spmkit._evaluation.compare import Comparison
from spmkit._evaluation.history import History
from spmkit._evaluation.quarterly import QuarterlyReport
from spmkit._evaluation.research import TableComparison
from spmkit._evaluation.results import Report
from spmkit._files.excel import workbook_bytes
from spmkit._files.reading import DataRow
from spmkit._files.report import render as render_text
from spmkit._files.table import RowOutcome, TableEvaluation, TotalsCheck
from spmkit._messages import Language, default_language
from spmkit._rulesets.model import RuleSet
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = ["OUTPUT_FORMATS", "SUFFIXES", "format_for", "render", "render_outcomes"]

SUFFIXES: Final = {
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".txt": "table",
}
"""Output file suffix -> format."""

OUTPUT_FORMATS: Final = ("table", "json", "csv", "markdown", "html", "xlsx")
"""Every format :func:`render` writes."""

_PERIOD_KEYS: Final = frozenset({"year", "tahun", "period", "periode"})


def format_for(path: str | Path) -> str:
    """The output format a file's suffix asks for.

    >>> format_for("hasil.xlsx"), format_for("laporan.md")
    ('xlsx', 'markdown')

    Raises:
        UsageError: the suffix is not one of :data:`SUFFIXES` (the message lists them).
    """
    suffix = Path(path).suffix.casefold()
    if suffix not in SUFFIXES:
        supported = ", ".join(SUFFIXES)
        got = repr(suffix) if suffix else tr("no suffix")
        msg = tr(
            "cannot write {path!r}: {suffix} is not a supported output; use one of {supported}",
            path=str(path),
            suffix=got,
            supported=supported,
        )
        raise UsageError(msg)
    return SUFFIXES[suffix]


def _known(output_format: str) -> None:
    """Refuse a format that is not one of :data:`OUTPUT_FORMATS`, naming them."""
    require(output_format, "output_format", str, tr("text such as 'html'"))
    if output_format not in OUTPUT_FORMATS:
        msg = tr(
            "unknown format {format!r}; use one of {formats}",
            format=output_format,
            formats=", ".join(OUTPUT_FORMATS),
        )
        raise UsageError(msg)


def render_outcomes(  # noqa: PLR0913 - one entry point for every format, options by keyword
    output_format: str,
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    source: str = "",
    totals: Sequence[TotalsCheck] = (),
    width: int = 100,
    color: bool = False,
    chart_svg: str | None = None,
    version: str = "",
) -> str | bytes:
    """Render row outcomes: bytes for ``xlsx``, text for the other :data:`OUTPUT_FORMATS`."""
    if output_format == "xlsx":
        return workbook_bytes(rule_set, outcomes, lang, source=source, totals=totals)
    _known(output_format)
    return render_text(
        output_format,
        rule_set,
        outcomes,
        lang,
        source=source,
        width=width,
        color=color,
        chart_svg=chart_svg,
        version=version,
        totals=totals,
    )


def _batch_outcomes(rule_set: RuleSet, result: BatchResult) -> list[RowOutcome]:
    keys = dict(result.key_columns)
    period_key = next((k for k in keys if k.casefold() in _PERIOD_KEYS), None)
    region_key = next((k for k in keys if k != period_key), None)
    outcomes = []
    for index in range(result.rows):
        region = None if region_key is None else str(keys[region_key][index])
        period = None if period_key is None else str(keys[period_key][index])
        row = DataRow(where=f"row {index + 1}", number=index + 1, region=region, period=period)
        outcomes.append(
            RowOutcome(row=row, rule_set=rule_set, batch=result, index=index, values_known=False)
        )
    return outcomes


_OTHER_FORMATS: Final = ("json", "table")
"""What :func:`render` writes of a comparison, a history or a quarterly report."""


def _other(result: object, output_format: str, lang: Language) -> str | bytes:
    """A result that is not rows of one rule set: its own JSON and its own text table."""
    if output_format not in _OTHER_FORMATS:
        msg = tr(
            "{kind} is rendered as one of {formats}, not {format!r}",
            kind=type(result).__name__,
            formats=", ".join(_OTHER_FORMATS),
            format=output_format,
        )
        raise UsageError(msg)
    if output_format == "json":
        document = result.to_dict()  # type: ignore[attr-defined]
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    for method in ("render_table", "text"):
        found = getattr(result, method, None)
        if callable(found):
            return str(found(lang)) + "\n"
    lines = result.lines(lang=lang) if isinstance(result, Comparison) else result.lines()  # type: ignore[attr-defined]
    return "\n".join(lines) + "\n"


RENDERED: Final = (
    "Report, BatchResult, TableEvaluation (every format); "
    "Comparison, TableComparison, History, QuarterlyReport (json, table)"
)
"""What :func:`render` renders."""


def render(
    result: object,
    output_format: str = "table",
    *,
    rule_set: RuleSet | None = None,
    lang: Language | None = None,
) -> str | bytes:
    """Render results in memory: ``bytes`` for ``"xlsx"``, ``str`` for the other formats.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> report = spmkit.evaluate(rs, {"bumil_k4": 4900, "sasaran_bumil": 5200})
    >>> print(spmkit.render(report, "csv", lang="en").splitlines()[1].split(",")[3:8])
    ['I.1', 'not_met', 'false', '94.23076923076923', '94.23']
    >>> spmkit.render(report, "xlsx")[:2]
    b'PK'

    Everything shown comes from the result's records and the rule set it carries: no
    rule set is loaded again, nothing is recomputed.

    Args:
        result: a report of :func:`spmkit.evaluate`, a :class:`BatchResult` of
            :func:`spmkit.evaluate_batch` (its key columns name the rows), the outcome
            of a data file, or a comparison, history or quarterly report (as JSON or a
            text table).
        output_format: one of :data:`OUTPUT_FORMATS`.
        rule_set: the rule set evaluated, for a report built by hand without one.
        lang: ``"id"`` or ``"en"`` (default: the rule set's language).

    Raises:
        UsageError: an unknown format, a result type it does not render, or a report
            built by hand without its rule set.
    """
    _known(output_format)
    totals: Sequence[TotalsCheck] = ()
    if isinstance(result, TableEvaluation):
        outcomes = list(result.outcomes)
        totals = result.totals
        found = next((o.rule_set for o in outcomes if o.rule_set is not None), None)
        rule_set = rule_set or found
    elif isinstance(result, Report | BatchResult):
        rule_set = rule_set or result.rule_set
    elif isinstance(result, Comparison | TableComparison | History | QuarterlyReport):
        return _other(result, output_format, lang or "id")
    else:
        msg = tr(
            "result must be one of {rendered}; render cannot show a {kind}",
            kind=type(result).__name__,
            rendered=RENDERED,
        )
        raise UsageError(msg)
    if rule_set is None:
        msg = tr("render needs the rule set: pass rule_set=")
        raise UsageError(msg)
    if isinstance(result, Report):
        outcomes = [RowOutcome(row=DataRow(where="", number=1), rule_set=rule_set, report=result)]
    elif isinstance(result, BatchResult):
        outcomes = _batch_outcomes(rule_set, result)
    language = lang if lang is not None else default_language(rule_set)
    return render_outcomes(output_format, rule_set, outcomes, language, totals=totals)
