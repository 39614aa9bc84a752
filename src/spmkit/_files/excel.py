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
from spmkit._files.report import indicator_name
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

_SHEETS: Final = {
    "id": ("Hasil", "Ringkas", "Jumlah", "Info"),
    "en": ("Results", "Wide", "Totals", "Info"),
}
_HEAD: Final = {
    "id": (
        "Wilayah",
        "Periode",
        "Baris",
        "Indikator",
        "Nama",
        "Capaian",
        "Satuan",
        "Target",
        "Nilai target",
        "Batas",
        "Status",
        "Selisih",
        "Pembilang",
        "Penyebut",
        "Penjelasan",
    ),
    "en": (
        "Region",
        "Period",
        "Row",
        "Indicator",
        "Name",
        "Achievement",
        "Unit",
        "Target",
        "Target value",
        "By",
        "Status",
        "Gap",
        "Numerator",
        "Denominator",
        "Explanation",
    ),
}


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
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
) -> None:
    _append(sheet, list(_HEAD[lang]))
    fills = {status: _fill(openpyxl, argb) for status, argb in FILLS.items()}
    refused = _fill(openpyxl, REFUSED_FILL)
    status_column = _HEAD[lang].index("Status") + 1
    for outcome in outcomes:
        row = outcome.row
        lead = [row.region or row.where, row.period, row.number]
        if not outcome.evaluated:
            for problem in outcome.problems:
                blank = [None] * 7
                refusal = [message("status.refused", lang), None, None, None]
                line = _append(sheet, [*lead, *blank, *refusal, in_language(problem, lang)])
                sheet.cell(line, status_column).fill = refused
            continue
        for indicator_id, result in outcome.results.items():
            indicator = rule_set.indicators[indicator_id]
            line = _append(
                sheet,
                [
                    *lead,
                    indicator_id,
                    indicator_name(indicator, lang),
                    result.value,
                    factor_suffix(indicator.factor).strip() or None,
                    indicator.target.op,
                    float(indicator.target.value),
                    indicator.deadline,
                    status_label(result.status, lang),
                    result.gap,
                    result.numerator,
                    result.denominator,
                    outcome.explanation(indicator_id, lang) or None,
                ],
            )
            sheet.cell(line, status_column).fill = fills[result.status]
            sheet.cell(line, 6).number_format = "0.00"
            sheet.cell(line, 12).number_format = "0.00"
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (22, 9, 7, 10, 50, 12, 6, 8, 12, 7, 16, 9, 12, 12, 90), strict=True
    ):
        sheet.column_dimensions[letter].width = width


def _wide_sheet(
    sheet: Any,  # noqa: ANN401 - an openpyxl worksheet
    openpyxl: Any,  # noqa: ANN401 - the module
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
) -> None:
    head = list(_HEAD[lang][:3])
    for indicator_id in rule_set.indicators:
        head.extend([indicator_id, f"{indicator_id} {_HEAD[lang][10].lower()}"])
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
            cells.extend([result.value, status_label(result.status, lang)])
        line = _append(sheet, cells)
        for number, indicator_id in enumerate(rule_set.indicators):
            fill = fills[results[indicator_id].status]
            sheet.cell(line, 4 + 2 * number).fill = fill
            sheet.cell(line, 4 + 2 * number).number_format = "0.00"
            sheet.cell(line, 5 + 2 * number).fill = fill
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
    names = _SHEETS[lang]
    results = workbook.active
    results.title = names[0]
    _results_sheet(results, openpyxl, rule_set, outcomes, lang)
    _wide_sheet(workbook.create_sheet(names[1]), openpyxl, rule_set, outcomes, lang)
    if totals:
        sheet = workbook.create_sheet(names[2])
        _append(sheet, [_HEAD[lang][0], _HEAD[lang][2], "OK", _HEAD[lang][14]])
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
