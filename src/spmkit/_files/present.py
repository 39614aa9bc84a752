"""The one presenter: a result record as fields (JSON, CSV, xlsx, the service) and as text.

Every format reads :class:`~spmkit.IndicatorResult` records and nothing else: no renderer
reloads a rule set, recomputes a value or rounds on its own. The value people read is
the record's ``shown_value`` (the fewest decimals, at least two, that decide the target,
the milestone and every band edge like the exact value, :mod:`spmkit._evaluation.shown`);
numbers are written by :func:`spmkit._numbers.number_text`; counts stay integers
(``94996``, never ``94996.0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Final

from spmkit._evaluation.batch import BatchResult
from spmkit._evaluation.results import IndicatorResult
from spmkit._messages import Language, status_label
from spmkit._numbers import exact_text, two_decimals
from spmkit._rulesets.model import factor_suffix

__all__ = [
    "CSV_FIELDS",
    "batch_csv_cells",
    "csv_cells",
    "number",
    "record_cells",
    "record_fields",
    "shown_name",
    "target_text",
]


def number(value: Fraction | None) -> int | float | None:
    """A number for JSON, CSV and xlsx: an int when whole (a count), else the nearest float."""
    if value is None:
        return None
    if value.denominator == 1:
        return value.numerator
    try:
        return value.numerator / value.denominator
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def shown_name(result: IndicatorResult, lang: Language) -> str:
    """The indicator's name in ``lang`` (the regulation's own words when no translation)."""
    indicator = result.indicator
    if lang == "en" and indicator is not None and indicator.name_en:
        return indicator.name_en
    return result.name


def target_text(result: IndicatorResult, lang: Language) -> str:
    """The target judged, as the rule file gives it: ``>= 95 %`` (``>= 97,5 %`` in id)."""
    target = result.target
    return f"{target.op} {exact_text(target.value, lang)}{factor_suffix(result.factor)}"


def _band(result: IndicatorResult, lang: Language) -> str | None:
    return result.band_en if lang == "en" and result.band_en else result.band


def record_fields(result: IndicatorResult, lang: Language) -> dict[str, Any]:
    """One record as plain JSON-ready fields, the same for JSON, CSV, xlsx and the service.

    Value and gap as floats, counts (numerator, denominator) as ints when whole, the
    decision (status, met, gap, target and milestone in force, progress), band,
    interval, small denominator, the verification level of every value used, and
    ``shown_value``/``shown_gap`` in ``lang``.
    """
    interval = result.interval
    return {
        "indicator": result.indicator_id,
        "name": shown_name(result, lang),
        "status": result.status.value,
        "met": result.met,
        "value": result.value,
        "shown_value": result.shown_value_in(lang),
        "shown_decimals": result.shown_decimals,
        "numerator": number(result.numerator),
        "denominator": number(result.denominator),
        "factor": number(result.factor),
        "target": {"op": result.target.op, "value": number(result.target.value)},
        "deadline": result.deadline,
        "milestone": number(result.milestone),
        "progress": None if result.progress is None else result.progress.value,
        "gap": result.gap,
        "shown_gap": result.shown_gap_in(lang),
        "band": _band(result, lang),
        "interval": None if interval is None else list(interval),
        "small_denominator": result.small_denominator,
        "exceeds_denominator": result.exceeds_denominator,
        "missing_inputs": list(result.missing_inputs),
        "source": result.source.ref,
        "provenance": {
            name: {"ref": source.ref, "verification": source.verification.value}
            for name, source in result.provenance.items()
        },
    }


CSV_FIELDS: Final = (
    "indicator",
    "status",
    "met",
    "value",
    "shown_value",
    "target_op",
    "target_value",
    "deadline",
    "milestone",
    "progress",
    "gap",
    "shown_gap",
    "band",
    "interval_low",
    "interval_high",
    "small_denominator",
    "numerator",
    "denominator",
    "verification",
)
"""The columns of one record in CSV (``verification``: ``value:level`` of each value used)."""


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


def csv_cells(result: IndicatorResult, lang: Language) -> list[object]:
    """One record's cells in the order of :data:`CSV_FIELDS` (from :func:`record_fields`)."""
    fields = record_fields(result, lang)
    interval = fields["interval"] or (None, None)
    verification = "; ".join(
        f"{name}:{given['verification']}" for name, given in fields["provenance"].items()
    )
    flat = {
        **fields,
        "target_op": fields["target"]["op"],
        "target_value": fields["target"]["value"],
        "interval_low": interval[0],
        "interval_high": interval[1],
        "verification": verification,
    }
    return [_cell(flat[name]) for name in CSV_FIELDS]


def record_cells(result: IndicatorResult, lang: Language) -> dict[str, str]:
    """One record as the text of a table row: terminal, Markdown and HTML show the same."""
    shown = result.shown_value_in(lang)
    suffix = factor_suffix(result.factor)
    gap = "" if not result.exact_gap else (result.shown_gap_in(lang) or "")
    mark = status_label(result.status, lang) + (" (!)" if result.exceeds_denominator else "")
    band = _band(result, lang)
    if band is not None:  # the category of a banded indicator (docs/index-spm.md)
        mark += f", {band}"
    deadline = result.deadline
    return {
        "indicator": result.indicator_id,
        "name": shown_name(result, lang),
        "achievement": "-" if shown is None else shown + suffix,
        "target": target_text(result, lang),
        "deadline": "-" if deadline is None else str(deadline),
        "status": mark,
        "gap": gap,
    }


_EXACT_FLOAT: Final = 2.0**53
_TIE: Final = 1e-6
"""How close to a half-cent a float may be before its exact value is worked out."""
_CLEAR: Final = 0.01
"""A value farther than this from every threshold is shown with two decimals."""


def batch_csv_cells(
    batch: BatchResult, rows: Sequence[int], lang: Language
) -> list[list[list[object]] | None]:
    """:func:`csv_cells` of every indicator of ``rows`` of a batch, from the arrays at once.

    The same cells as the rows' records give (a test compares them), for the usual rows:
    whole counts, a value clear of every threshold and of a rounding tie. A row for which
    that is not certain is None: its caller takes the record path for it.
    """
    import numpy as np  # noqa: PLC0415 - batch results have numpy

    index = np.asarray(rows, dtype=np.intp)
    sure = np.ones(len(index), dtype=bool)
    columns: list[list[list[object]]] = []
    for indicator_id, arrays in batch.items():
        if arrays.milestone is not None or batch.rule_set is None or not len(index):
            return [None] * len(index)
        try:
            columns.append(_indicator_cells(batch, indicator_id, index, lang, sure, np))
        except OverflowError:  # a factor or target past the float range: records decide
            return [None] * len(index)
    return [
        [column[position] for column in columns] if sure[position] else None
        for position in range(len(index))
    ]


def _indicator_cells(  # noqa: PLR0913 - one indicator's arrays and the rows' certainty
    batch: BatchResult,
    indicator_id: str,
    index: Any,  # noqa: ANN401 - an index array
    lang: Language,
    sure: Any,  # noqa: ANN401 - a boolean array, cleared where the record must decide
    np: Any,  # noqa: ANN401 - numpy
) -> list[list[object]]:
    arrays = batch[indicator_id]
    record = batch.result(int(index[0]), indicator_id)
    fields = record_fields(record, lang)
    target, factor = record.target, record.factor
    numerator = np.asarray(arrays.numerator, dtype=np.float64)[index]
    denominator = np.asarray(arrays.denominator, dtype=np.float64)[index]
    codes = arrays.status_code[index]
    judged = codes <= 1
    with np.errstate(all="ignore"):
        top = numerator * factor.numerator
        bottom = denominator * factor.denominator
        value = top / bottom
        gap = np.abs(target.value.numerator * bottom - target.value.denominator * top) / (
            target.value.denominator * bottom
        )
        whole = (
            (
                np.isnan(numerator)
                | ((numerator == np.floor(numerator)) & (np.abs(top) < _EXACT_FLOAT))
            )
            & (
                np.isnan(denominator)
                | ((denominator == np.floor(denominator)) & (np.abs(bottom) < _EXACT_FLOAT))
            )
            & (
                ~judged
                | (
                    (np.abs(target.value.numerator * bottom) < _EXACT_FLOAT)
                    & (np.abs(target.value.denominator * top) < _EXACT_FLOAT)
                )
            )
        )
        hundredths = value * 100
        tie = np.abs(hundredths - np.floor(hundredths) - 0.5) < _TIE
        gap_hundredths = gap * 100
        gap_tie = np.abs(gap_hundredths - np.floor(gap_hundredths) - 0.5) < _TIE
        clear = np.ones(len(index), dtype=bool)
        for _op, bound in record.thresholds:
            clear &= np.abs(value - float(bound)) > _CLEAR
        # A value with at most two decimals (100 %, 87.5 %) is shown as it is: it decides
        # every threshold as itself, however close (integers, so fmod is exact).
        clear |= (np.fmod(top * 100, bottom) == 0) & (np.abs(top * 100) < _EXACT_FLOAT)
        not_met = codes == 1
        sure &= whole & (~judged | (clear & ~tie)) & (~not_met | ((gap > _CLEAR) & ~gap_tie))
    low, high = arrays.interval
    low, high = low[index], high[index]
    small = arrays.small_denominator[index].tolist()
    bands = [None] * len(index) if arrays.band is None else arrays.band[index].tolist()
    bands_en = [None] * len(index) if arrays.band_en is None else arrays.band_en[index].tolist()
    shown = two_decimals(np.where(judged, value, 0.0).tolist(), lang)
    shown_gaps = two_decimals(np.where(not_met, gap, 0.0).tolist(), lang)
    verification = csv_cells(record, lang)[CSV_FIELDS.index("verification")]
    head = [indicator_id]
    target_cells = [_cell(fields["target"]["op"]), _cell(fields["target"]["value"])]
    deadline = _cell(fields["deadline"])
    out: list[list[object]] = []
    for position, code in enumerate(codes.tolist()):
        is_judged = code <= 1
        met = code == 0
        band = bands_en[position] if lang == "en" and bands_en[position] else bands[position]
        interval = (low[position], high[position])
        out.append(
            [
                *head,
                _STATUS_TEXTS[code],
                ("true" if met else "false") if is_judged else "",
                repr(float(value[position])) if is_judged else "",
                shown[position] if is_judged else "",
                *target_cells,
                deadline,
                "",
                "",
                ("0.0" if met else repr(float(gap[position]))) if is_judged else "",
                shown_gaps[position] if is_judged else "",
                "" if band is None else band,
                "" if interval[0] != interval[0] else repr(float(interval[0])),
                "" if interval[1] != interval[1] else repr(float(interval[1])),
                "true" if small[position] else "false",
                _count(numerator[position]),
                _count(denominator[position]),
                verification,
            ]
        )
    return out


_STATUS_TEXTS: Final = ("met", "not_met", "no_data", "undefined")


def _count(value: float) -> object:
    return "" if value != value else int(value)  # noqa: PLR0124 - NaN
