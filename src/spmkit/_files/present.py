"""The one presenter: a result record as fields (JSON, CSV, xlsx, the service) and as text.

Every format reads :class:`~spmkit.IndicatorResult` records and nothing else: no renderer
reloads a rule set, recomputes a value or rounds on its own. The value people read is
the record's ``shown_value`` (the fewest decimals, at least two, that decide the target,
the milestone and every band edge like the exact value, :mod:`spmkit._evaluation.shown`);
numbers are written by :func:`spmkit._numbers.number_text`; counts stay integers
(``94996``, never ``94996.0``).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, Final

import attrs

from spmkit._evaluation.batch import BatchResult
from spmkit._evaluation.results import IndicatorResult
from spmkit._messages import Language, status_label
from spmkit._numbers import exact_text, two_decimals
from spmkit._rulesets.model import factor_suffix

__all__ = [
    "CSV_FIELDS",
    "batch_csv_cells",
    "batch_csv_lines",
    "csv_cells",
    "csv_field",
    "float_texts",
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
    found = _batch_fields(batch, index, lang, np)
    if found is None:
        return [None] * len(index)
    sure = np.logical_and.reduce([ok for _, _, ok in found]) if found else None
    columns = [_indicator_cells(fields, lang, np) for _, fields, _ in found]
    return [
        [column[position] for column in columns] if sure is None or sure[position] else None
        for position in range(len(index))
    ]


def _batch_fields(
    batch: BatchResult,
    index: Any,  # noqa: ANN401 - an index array
    lang: Language,
    np: Any,  # noqa: ANN401 - numpy
) -> list[tuple[str, _Fields, Any]] | None:
    """Each indicator's fields of the rows and which rows they are certain for.

    None when the records must decide every row: a milestone (judged in a year), a batch
    without its rule set, no rows, or a factor or target past the float range.
    """
    found: list[tuple[str, _Fields, Any]] = []
    for indicator_id, arrays in batch.items():
        if arrays.milestone is not None or batch.rule_set is None or not len(index):
            return None
        sure = np.ones(len(index), dtype=bool)
        try:
            fields = _indicator_fields(batch, indicator_id, index, lang, sure, np)
        except OverflowError:
            return None
        found.append((indicator_id, fields, sure))
    return found


@attrs.frozen(eq=False)
class _Fields:
    """One indicator's CSV fields of some rows, as arrays, and its cells that every row shares."""

    codes: Any
    value: Any
    gap: Any
    low: Any
    high: Any
    small: Any
    numerator: Any
    denominator: Any
    bands: list[str | None]
    head: list[object]
    """indicator, then (after status, met, value, shown_value) target_op, target_value, deadline."""
    verification: object


def _indicator_fields(  # noqa: PLR0913 - one indicator's arrays and the rows' certainty
    batch: BatchResult,
    indicator_id: str,
    index: Any,  # noqa: ANN401 - an index array
    lang: Language,
    sure: Any,  # noqa: ANN401 - a boolean array, cleared where the record must decide
    np: Any,  # noqa: ANN401 - numpy
) -> _Fields:
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
    bands = [None] * len(index) if arrays.band is None else arrays.band[index].tolist()
    if lang == "en" and arrays.band_en is not None:
        bands = [
            english or band
            for band, english in zip(bands, arrays.band_en[index].tolist(), strict=True)
        ]
    return _Fields(
        codes=codes,
        value=value,
        gap=gap,
        low=low[index],
        high=high[index],
        small=arrays.small_denominator[index],
        numerator=numerator,
        denominator=denominator,
        bands=bands,
        head=[
            indicator_id,
            _cell(fields["target"]["op"]),
            _cell(fields["target"]["value"]),
            _cell(fields["deadline"]),
        ],
        verification=csv_cells(record, lang)[CSV_FIELDS.index("verification")],
    )


def _indicator_cells(found: _Fields, lang: Language, np: Any) -> list[list[object]]:  # noqa: ANN401 - numpy
    """One indicator's cells of every row (:func:`csv_cells`'s, where the row is certain)."""
    codes, value, gap = found.codes, found.value, found.gap
    judged, not_met = codes <= 1, codes == 1
    low, high = found.low, found.high
    small = found.small.tolist()
    shown = two_decimals(np.where(judged, value, 0.0).tolist(), lang)
    shown_gaps = two_decimals(np.where(not_met, gap, 0.0).tolist(), lang)
    indicator, *target_cells, deadline = found.head
    out: list[list[object]] = []
    for position, code in enumerate(codes.tolist()):
        is_judged = code <= 1
        met = code == 0
        band = found.bands[position]
        interval = (low[position], high[position])
        out.append(
            [
                indicator,
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
                _count(found.numerator[position]),
                _count(found.denominator[position]),
                found.verification,
            ]
        )
    return out


_STATUS_TEXTS: Final = ("met", "not_met", "no_data", "undefined")


def _count(value: float) -> object:
    return "" if value != value else int(value)  # noqa: PLR0124 - NaN


_PLAIN_FIELD: Final = re.compile(r'[^,"\r\n]*')


def csv_field(text: str) -> str:
    """``text`` as one field of a CSV line, quoted exactly where :mod:`csv` quotes it."""
    if _PLAIN_FIELD.fullmatch(text) is not None:
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([text, ""])
    return buffer.getvalue()[:-2]


def batch_csv_lines(
    batch: BatchResult,
    rows: Sequence[int],
    leads: Sequence[str],
    lang: Language,
    record: Callable[[int, str], IndicatorResult] | None = None,
) -> list[str | None]:
    """The CSV text of ``rows`` of a batch: per row, its lines, as :mod:`csv` writes them.

    A line is the row's ``lead`` (its number, region and period), the fields of one
    indicator's record (:func:`csv_cells`) and an empty ``problem``. The usual cells (see
    :func:`batch_csv_cells`) are formatted from the arrays a column at a time (polars
    writes the floats where installed, with Python's digits: :func:`float_texts`); a cell
    the record must decide is written from ``record(position, indicator_id)``, or, without
    ``record``, its row is None (the caller writes it from its records).
    """
    import numpy as np  # noqa: PLC0415 - batch results have numpy

    index = np.asarray(rows, dtype=np.intp)
    found = _batch_fields(batch, index, lang, np)
    if found is None:
        return [None] * len(index)
    every = np.logical_and.reduce([sure for _, _, sure in found]) if found else None
    columns = [_indicator_lines(fields, leads, lang, np) for _, fields, _ in found]
    if record is not None and every is not None:
        for (indicator_id, _, sure), lines in zip(found, columns, strict=True):
            for position in np.flatnonzero(~sure).tolist():
                cells = csv_cells(record(position, indicator_id), lang)
                lines[position] = leads[position] + _csv_line(cells)
        every = None
    return [
        "".join(column[position] for column in columns)
        if every is None or every[position]
        else None
        for position in range(len(index))
    ]


def _csv_line(cells: Sequence[object]) -> str:
    """One record's cells and an empty ``problem`` as :mod:`csv` writes them (a line)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([*cells, ""])
    return buffer.getvalue()


def _indicator_lines(
    found: _Fields,
    leads: Sequence[str],
    lang: Language,
    np: Any,  # noqa: ANN401 - numpy
) -> list[str]:
    """One indicator's CSV line of every row (the fields of :func:`_indicator_cells`)."""
    codes, value, gap = found.codes, found.value, found.gap
    judged, met, not_met = codes <= 1, codes == 0, codes == 1
    with np.errstate(invalid="ignore"):
        value_texts = float_texts(value, judged, np)
        gap_texts = float_texts(gap, not_met, np, blank=np.where(met, "0.0", ""))
        shown = _shown(np.where(judged, value, 0.0), judged, lang)
        shown_gaps = _shown(np.where(not_met, gap, 0.0), judged, lang)
        lows = float_texts(found.low, ~np.isnan(found.low), np)
        highs = float_texts(found.high, ~np.isnan(found.high), np)
    statuses = np.array(_STATUS_TEXTS, dtype=object)[codes].tolist()
    mets = np.where(judged, np.where(met, "true,", "false,"), ",").tolist()
    smalls = np.where(found.small, "true", "false").tolist()
    numerators = _count_texts(found.numerator, np)
    denominators = _count_texts(found.denominator, np)
    bands = (
        ["" if band is None else csv_field(str(band)) for band in found.bands]
        if any(band is not None for band in found.bands)
        else [""] * len(codes)
    )
    indicator, op, target, deadline = (csv_field(str(cell)) for cell in found.head)
    head = f"{indicator},"
    middle = f",{op},{target},{deadline},,,"
    tail = f",{csv_field(str(found.verification))},\n"
    return [
        f"{lead}{head}{status},{m}{v},{s}{middle}{g},{sg},{b},{lo},{hi},{sm},{nu},{de}{tail}"
        for lead, status, m, v, s, g, sg, b, lo, hi, sm, nu, de in zip(
            leads,
            statuses,
            mets,
            value_texts,
            shown,
            gap_texts,
            shown_gaps,
            bands,
            lows,
            highs,
            smalls,
            numerators,
            denominators,
            strict=True,
        )
    ]


_POLARS_LOW: Final = 1e-4
_POLARS_HIGH: Final = 1e15
"""Floats whose size is in [1e-4, 1e15) (or zero) polars writes as ``repr`` does: the
shortest digits that read back to the float, positional, ``.0`` when whole. Below 1e-4
Python writes ``1e-05`` and polars ``0.00001``; the others are left to ``repr``."""


@functools.cache
def _polars() -> Any:  # noqa: ANN401 - the polars module, optional
    """polars, or None when it is not installed (looked up once per process)."""
    try:
        import polars as pl  # noqa: PLC0415 - optional: only its float formatting is used
    except ImportError:
        return None
    return pl


def float_texts(
    values: Any,  # noqa: ANN401 - a float64 array
    mask: Any,  # noqa: ANN401 - a boolean array: the floats written
    np: Any,  # noqa: ANN401 - numpy
    blank: Any = None,  # noqa: ANN401 - the text of the other rows ("" when None)
) -> list[str]:
    """``repr`` of the floats where ``mask`` holds (``blank`` elsewhere), a column at once."""
    picked = values[mask]
    texts: list[str] = []
    pl = _polars()
    size = np.abs(picked)
    safe = (size == 0) | ((size >= _POLARS_LOW) & (size < _POLARS_HIGH))
    if pl is not None and len(picked) and safe.all():
        texts = pl.Series(picked, dtype=pl.Float64).cast(pl.String).to_list()
    else:
        texts = list(map(repr, picked.tolist()))
    out = np.full(len(values), "", dtype=object) if blank is None else blank.astype(object)
    out[mask] = texts
    result: list[str] = out.tolist()
    return result


_SHOWN_HIGH: Final = 1e6
"""Below this, ``floor(v * 100 + 0.5)`` in floats is the rounding of ``v`` to cents for a
value more than 1e-6 of a cent from a half-cent tie (the callers' certainty): its float
error is under 2e-8 of a cent."""


def _shown(values: Any, mask: Any, lang: Language) -> list[str]:  # noqa: ANN401 - arrays
    """:func:`two_decimals` of the values as CSV fields where ``mask`` holds, else empty."""
    import numpy as np  # noqa: PLC0415 - batch results have numpy

    thousands, mark = (".", ",") if lang == "id" else (",", ".")
    with np.errstate(invalid="ignore"):
        plain = mask & (values >= 0) & (values < _SHOWN_HIGH)
    scaled = np.floor(np.where(plain, values, 0.0) * 100 + 0.5).astype(np.int64)
    whole, cents = np.divmod(scaled, 100)
    text = np.dtypes.StringDType()
    low = (whole % 1000).astype(text)
    grouped = np.where(
        whole >= 1000,
        np.strings.add(
            np.strings.add((whole // 1000).astype(text), thousands),
            np.strings.zfill(low, 3),
        ),
        low,
    )
    shown = np.strings.add(np.strings.add(grouped, mark), np.strings.zfill(cents.astype(text), 2))
    quoted = np.where(
        np.strings.find(shown, ",") >= 0,
        np.strings.add(np.strings.add('"', shown), '"'),
        shown,
    ).astype(object)
    quoted[~mask] = ""
    rest = np.flatnonzero(mask & ~plain)
    if len(rest):
        for position, written in zip(
            rest.tolist(), two_decimals(values[rest].tolist(), lang), strict=True
        ):
            quoted[position] = csv_field(written)
    result: list[str] = quoted.tolist()
    return result


def _count_texts(values: Any, np: Any) -> list[str]:  # noqa: ANN401 - a float64 array, numpy
    """:func:`_count` of every value: the whole count as digits, empty for NaN."""
    missing = np.isnan(values)
    texts = np.where(missing, 0, values).astype(np.int64).astype(np.dtypes.StringDType())
    out = texts.astype(object)
    out[missing] = ""
    result: list[str] = out.tolist()
    return result
