"""The one presenter: a result record as fields (JSON, CSV, xlsx, the service) and as text.

Every format reads :class:`~spmkit.IndicatorResult` records and nothing else: no renderer
reloads a rule set, recomputes a value or rounds on its own. The value people read is
the record's ``shown_value`` (the fewest decimals, at least two, that decide the target,
the milestone and every band edge like the exact value, :mod:`spmkit._evaluation.shown`);
numbers are written by :func:`spmkit._numbers.number_text`; counts stay integers
(``94996``, never ``94996.0``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Final

from spmkit._evaluation.results import IndicatorResult
from spmkit._messages import Language, status_label
from spmkit._numbers import exact_text
from spmkit._rulesets.model import factor_suffix

__all__ = [
    "CSV_FIELDS",
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
