"""Bands and indices in results: the band of a value, row by row, and an index's explanation.

The scalar evaluator takes the band of the exact value (:func:`spmkit._rulesets.scoring.band_of`).
Batch results get theirs from :func:`band_arrays`, a function of the value arrays: the
value there is the correctly rounded float of the exact value, and rounding keeps order,
so a float strictly above (or below) a threshold's float is exactly above (below) the
threshold. Only a value whose float *equals* a threshold's float is undecided by the
float; those rows (rare) are decided on the exact value, which the caller supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from spmkit._evaluation.shown import shown_value, thresholds_of
from spmkit._numbers import exact_decimals, number_text
from spmkit._rulesets.model import Indicator
from spmkit._rulesets.scoring import Band, band_of
from spmkit._translation import Language, tr

__all__ = ["band_arrays", "band_text", "explain_index"]


def band_text(band: Band | None, lang: Language = "en") -> str:
    """The band of a result as it is written in explanations (``"Tuntas Utama (>= 90 ...)"``)."""
    if band is None:
        return tr("no band (no value)").in_lang(lang)
    return f"{band.label} ({band.in_words().in_lang(lang)})"


def band_arrays(
    bands: Sequence[Band],
    value: npt.NDArray[np.float64],
    exact: Callable[[int], Fraction | None],
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Return the band label and English label of every row (None where no value).

    Args:
        bands: the indicator's bands, top band first.
        value: the correctly rounded values; NaN where there is none.
        exact: the exact value of one row, asked only for rows whose float equals a
            threshold's float (where rounding could have hidden the side).
    """
    rows = len(value)
    labels = np.array([band.label for band in bands] + [None], dtype=object)
    english = np.array([band.label_en for band in bands] + [None], dtype=object)
    code = np.full(rows, len(bands), dtype=np.intp)  # the extra code: no band
    undecided = ~np.isnan(value)
    tie = np.zeros(rows, dtype=bool)
    for position, band in enumerate(bands):
        threshold = band.threshold
        if threshold is None:
            take = undecided
        else:
            limit = float(threshold)
            tie |= undecided & (value == limit)
            take = undecided & (value > limit if band.at_least is not None else value < limit)
        code[take] = position
        undecided = undecided & ~take
    for row in np.flatnonzero(tie).tolist():
        found = band_of(bands, exact(row))
        code[row] = len(bands) if found is None else bands.index(found)
    out = labels[code], english[code]
    for array in out:
        array.flags.writeable = False
    return out


def _show(value: Fraction, lang: Language) -> str:
    """A component's value or contribution: exact up to six decimals, else to four."""
    places = exact_decimals(value)
    return number_text(value, lang, _ROUNDED if places is None or places > _EXACT else places)


_EXACT = 6
_ROUNDED = 4


def explain_index(
    indicator: Indicator,
    components: Mapping[str, Indicator],
    values: Mapping[str, Fraction | None],
    value: Fraction | None,
    lang: Language = "en",
) -> str:
    """Explain an index: each component's value x weight = contribution, then the sum.

    Args:
        indicator: the index indicator.
        components: the rule set's indicators (for the components' names and suffixes).
        values: component id -> its exact value, None when it has none.
        value: the index's exact value, None when it has none.
        lang: ``"id"`` or ``"en"``; the index is written as every output shows it.
    """
    spec = indicator.index
    assert spec is not None  # noqa: S101 - called for index indicators only
    present = {c: w for c, w in spec.weights.items() if values.get(c) is not None}
    scale = sum(present.values(), Fraction(0))
    renormalised = spec.missing == "renormalise" and present and scale != 1
    parts = []
    for component, weight in spec.weights.items():
        found = values.get(component)
        name = components[component].name if component in components else component
        shown_weight = _show(weight, lang)
        if found is None:
            left_out = (
                tr("left out") if spec.missing == "renormalise" else tr("no index")
            ).in_lang(lang)
            parts.append(
                tr(
                    "{component} {name} = no value x {weight} ({left_out})",
                    component=component,
                    name=name,
                    weight=shown_weight,
                    left_out=left_out,
                ).in_lang(lang)
            )
            continue
        effective = weight / scale if renormalised else weight
        if renormalised:
            shown_weight = f"{shown_weight}/{_show(scale, lang)}"
        parts.append(
            f"{component} {name} = {_show(found, lang)} x {shown_weight} "
            f"= {_show(found * effective, lang)}"
        )
    rule = (
        tr("a component without a value leaves the index without one")
        if spec.missing == "no_data"
        else tr(
            "components without a value are left out and the weights of the others "
            "scaled to add up to 1"
        )
    ).in_lang(lang)
    if value is None:
        outcome = tr("no value").in_lang(lang)
    else:
        outcome = shown_value(value, thresholds_of(indicator.target, None, indicator.bands), lang)
    return tr(
        "{indicator}: index ({rule}): {parts}; index = {outcome}.",
        indicator=indicator.id,
        rule=rule,
        parts="; ".join(parts),
        outcome=outcome,
    ).in_lang(lang)
