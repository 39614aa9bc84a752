"""Results as a real Excel workbook (``.xlsx``, needs the ``excel`` extra: openpyxl).

Sheets: ``Hasil`` / ``Results`` (one row per region x indicator: numbers as numbers,
the status in words on a coloured cell, the explanation), ``Ringkas`` / ``Wide`` (one
row per region, an achievement and a status column per indicator, coloured), ``Jumlah``
/ ``Totals`` when the file had totals rows (each checked against the rows above), and
``Info`` (rule set, source, legend). Colour never carries meaning alone: every
coloured cell also says its status in words.
"""

from __future__ import annotations

import io
import weakref
from collections.abc import Sequence
from typing import Any, Final

from spmkit._evaluation.results import Status
from spmkit._files.present import number as plain_number
from spmkit._files.present import record_fields
from spmkit._files.table import RowOutcome, TotalsCheck
from spmkit._messages import Language, in_language, message, status_label
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = ["FILLS", "MAX_SHEET_ROWS", "workbook_bytes"]

FILLS: Final = {
    Status.MET: "FFC6EFCE",
    Status.NOT_MET: "FFFFC7CE",
    Status.NO_DATA: "FFFFEB9C",
    Status.UNDEFINED: "FFFFEB9C",
}
"""Cell colour (ARGB) of each status: green, red, amber (Excel's own good/bad/neutral)."""

REFUSED_FILL: Final = "FFD9D9D9"
MAX_SHEET_ROWS: Final = 1_048_576
"""Excel's limit on rows per sheet; a larger result is refused with a hint to use CSV."""


def _sheet_names(lang: Language) -> tuple[str, str, str, str]:
    return (
        tr("Results").in_lang(lang),
        tr("Wide").in_lang(lang),
        tr("Totals").in_lang(lang),
        tr("Info").in_lang(lang),
    )


def _head(lang: Language) -> list[str]:
    """The Results sheet's header row in ``lang``."""
    return [
        text.in_lang(lang)
        for text in (
            tr("Region"),
            tr("Period"),
            tr("Row"),
            tr("Indicator"),
            tr("Name"),
            tr("Achievement"),
            tr("Unit"),
            tr("Target"),
            tr("Target value"),
            tr("By"),
            tr("Status"),
            tr("Gap"),
            tr("Numerator"),
            tr("Denominator"),
            tr("Shown value"),
            tr("Milestone"),
            tr("Progress"),
            tr("Band"),
            tr("Interval low"),
            tr("Interval high"),
            tr("Small denominator"),
            tr("Verification"),
            tr("Explanation"),
        )
    ]


_WIDTHS: Final = (
    22,
    9,
    7,
    10,
    50,
    12,
    6,
    8,
    12,
    7,
    16,
    9,
    12,
    12,
    12,
    10,
    10,
    18,
    10,
    10,
    8,
    40,
    90,
)
_STATUS_COLUMN: Final = 11
_VALUE_COLUMN: Final = 6
_GAP_COLUMN: Final = 12


def _decimals_format(decimals: int) -> str:
    """An Excel number format with exactly ``decimals`` places (``0.000``)."""
    return "0." + "0" * decimals if decimals else "0"


def _openpyxl() -> Any:  # noqa: ANN401 - openpyxl is an optional, untyped extra
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - optional extra
    except ImportError:
        msg = tr("writing .xlsx needs the optional package openpyxl: pip install 'spmkit[excel]'")
        raise UsageError(msg) from None
    return openpyxl


_ROWS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
"""The last row written to each sheet by :func:`_append`."""


def _append(sheet: Any, values: list[Any]) -> int:  # noqa: ANN401 - an openpyxl worksheet
    """Append a row and return its number; text is always text (``=cmd|...`` is no formula).

    The row is counted here: openpyxl's ``max_row`` and ``sheet[row]`` look at every
    cell written so far, which made a sheet of 2,000 regions take minutes.
    """
    row = _ROWS.get(sheet, 0) + 1
    _ROWS[sheet] = row
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str) and cell.data_type == "f":
            cell.data_type = "s"
    return row


def _fill(openpyxl: Any, argb: str) -> Any:  # noqa: ANN401 - openpyxl objects
    return openpyxl.styles.PatternFill(fill_type="solid", start_color=argb, end_color=argb)


def _results_sheet(
    sheet: Any,  # noqa: ANN401 - an openpyxl worksheet
    openpyxl: Any,  # noqa: ANN401 - the module
    outcomes: Sequence[RowOutcome],
    lang: Language,
) -> None:
    """One row per region x indicator: the record's fields.

    The exact value is displayed with its shown decimals, so Excel cannot round 94.996
    to 95.00 beside ``>= 95``.
    """
    head = _head(lang)
    _append(sheet, head)
    fills = {status: _fill(openpyxl, argb) for status, argb in FILLS.items()}
    refused = _fill(openpyxl, REFUSED_FILL)
    for outcome in outcomes:
        row = outcome.row
        lead = [row.region or row.where, row.period, row.number]
        if not outcome.evaluated:
            for problem in outcome.problems:
                blank = [None] * 7
                refusal = [message("status.refused", lang)] + [None] * (len(head) - 12)
                line = _append(sheet, [*lead, *blank, *refusal, in_language(problem, lang)])
                sheet.cell(line, _STATUS_COLUMN).fill = refused
            continue
        for result in outcome.results.values():
            fields = record_fields(result, lang)
            interval = fields["interval"] or (None, None)
            line = _append(
                sheet,
                [
                    *lead,
                    result.indicator_id,
                    fields["name"],
                    fields["value"],
                    factor_suffix(result.factor).strip() or None,
                    result.target.op,
                    fields["target"]["value"],
                    result.deadline,
                    status_label(result.status, lang),
                    fields["gap"],
                    fields["numerator"],
                    fields["denominator"],
                    fields["shown_value"],
                    fields["milestone"],
                    fields["progress"],
                    fields["band"],
                    interval[0],
                    interval[1],
                    fields["small_denominator"],
                    "; ".join(
                        f"{name}: {given['verification']}"
                        for name, given in fields["provenance"].items()
                    ),
                    result.explanation_in(lang) or None,
                ],
            )
            sheet.cell(line, _STATUS_COLUMN).fill = fills[result.status]
            decimals = _decimals_format(result.shown_decimals or 2)
            sheet.cell(line, _VALUE_COLUMN).number_format = decimals
            shown_gap = fields["shown_gap"] or ""
            gap_decimals = len(shown_gap.rpartition("," if lang == "id" else ".")[2])
            sheet.cell(line, _GAP_COLUMN).number_format = _decimals_format(gap_decimals)
    sheet.freeze_panes = "A2"
    for number, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(number)].width = width


def _wide_sheet(
    sheet: Any,  # noqa: ANN401 - an openpyxl worksheet
    openpyxl: Any,  # noqa: ANN401 - the module
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
) -> None:
    head = _head(lang)[:3]
    status = tr("Status").in_lang(lang).lower()
    for indicator_id in rule_set.indicators:
        head.extend([indicator_id, f"{indicator_id} {status}"])
    _append(sheet, head)
    fills = {status: _fill(openpyxl, argb) for status, argb in FILLS.items()}
    for outcome in outcomes:
        row = outcome.row
        cells: list[object] = [row.region or row.where, row.period, row.number]
        if not outcome.evaluated:
            _append(sheet, [*cells, message("status.refused", lang)])
            continue
        results = outcome.results
        for indicator_id in rule_set.indicators:
            result = results[indicator_id]
            cells.extend([plain_number(result.exact_value), status_label(result.status, lang)])
        line = _append(sheet, cells)
        for position, indicator_id in enumerate(rule_set.indicators):
            result = results[indicator_id]
            fill = fills[result.status]
            value_cell = sheet.cell(line, 4 + 2 * position)
            value_cell.fill = fill
            value_cell.number_format = _decimals_format(result.shown_decimals or 2)
            sheet.cell(line, 5 + 2 * position).fill = fill
    sheet.freeze_panes = "D2"


def workbook_bytes(
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    source: str = "",
    totals: Sequence[TotalsCheck] = (),
) -> bytes:
    """Write the results as an ``.xlsx`` workbook and return its bytes.

    Raises:
        UsageError: openpyxl is not installed, or the results exceed Excel's rows per
            sheet (write ``.csv`` instead).
    """
    rows = sum(len(rule_set.indicators) if o.evaluated else len(o.problems) for o in outcomes)
    if rows + 1 > MAX_SHEET_ROWS:
        msg = tr(
            "{rows} result rows do not fit in one Excel sheet ({limit} rows at most); write "
            ".csv instead, or evaluate a part of the file",
            rows=rows,
            limit=MAX_SHEET_ROWS,
        )
        raise UsageError(msg)
    openpyxl = _openpyxl()
    workbook = openpyxl.Workbook()
    names = _sheet_names(lang)
    results = workbook.active
    results.title = names[0]
    _results_sheet(results, openpyxl, outcomes, lang)
    _wide_sheet(workbook.create_sheet(names[1]), openpyxl, rule_set, outcomes, lang)
    if totals:
        sheet = workbook.create_sheet(names[2])
        head = _head(lang)
        _append(sheet, [head[0], head[2], "OK", head[-1]])
        for check in totals:
            _append(
                sheet,
                [check.row.region, check.row.number, check.agrees, check.describe().in_lang(lang)],
            )
    info = workbook.create_sheet(names[3])
    title = rule_set.title_en if lang == "en" and rule_set.title_en else rule_set.title
    _append(info, [title])
    _append(info, [rule_set.legal_basis.cite()])
    _append(info, [rule_set.id])
    if source:
        _append(info, [source])
    _append(info, [message("report.legend", lang)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
