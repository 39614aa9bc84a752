"""Scalar and batch accept the same values and give the same answers (issue 30, item 3).

One acceptance table of column types (``COLUMN_TYPES``, also in docs/batch.md) is tested
both ways: a column of each type goes to ``evaluate_batch``, and each of its elements, as
the column type hands it out (``Series.iloc[i]``, ``array[i]``, ``list[i]``), goes to
``evaluate``. A hypothesis property draws the values (missing ones included) and the
column type; the two must agree on every row: accepted by both with the same status,
value and decision, or refused by both (naming the same input). 0 disagreements.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._rulesets.units import quantity

warnings.simplefilter("ignore", spmkit.SpmkitWarning)
pytestmark = pytest.mark.slow  # hypothesis-heavy

_SMALL = (Path(__file__).parents[1] / "data" / "invalid" / "unknown_input.yaml").read_text(
    encoding="utf-8"
)
ONE = spmkit.loads_rule_set(_SMALL.split("\n", 1)[1].replace("bumil_k5", "bumil_k4"))
AMOUNT = spmkit.loads_rule_set(
    _SMALL.split("\n", 1)[1]
    .replace("bumil_k5", "bumil_k4")
    .replace("unit: person", "unit: L / day")
)
BIG = 2**53 + 1


def _pandas(dtype: str) -> Callable[[list[Any]], tuple[Any, list[Any]]]:
    def make(values: list[Any]) -> tuple[Any, list[Any]]:
        pd = pytest.importorskip("pandas")
        series = pd.Series(values, dtype=dtype)
        elements = [series.iloc[i] for i in range(len(series))]
        if dtype == "float64":  # NaN, the missing marker of a plain float column
            elements = [None if v is None else e for v, e in zip(values, elements, strict=True)]
        return series, elements

    return make


def _polars(dtype: str) -> Callable[[list[Any]], tuple[Any, list[Any]]]:
    def make(values: list[Any]) -> tuple[Any, list[Any]]:
        pl = pytest.importorskip("polars")
        series = pl.Series(values, dtype=getattr(pl, dtype), strict=False)
        return series, series.to_list()

    return make


def _numpy(dtype: str) -> Callable[[list[Any]], tuple[Any, list[Any]]]:
    def make(values: list[Any]) -> tuple[Any, list[Any]]:
        fill = np.nan if dtype == "float64" else None
        array = np.array([fill if v is None else v for v in values], dtype=dtype)
        # A float column's NaN is its missing marker: None in scalar terms (evaluate
        # refuses a NaN value: "leave the input out if unknown").
        return array, [None if v is None else array[i] for i, v in enumerate(values)]

    return make


def _masked(values: list[Any]) -> tuple[Any, list[Any]]:
    array = np.ma.masked_array(
        np.array([0 if v is None else v for v in values], dtype=object),
        mask=[v is None for v in values],
    )
    return array, list(values)


def _list(values: list[Any]) -> tuple[Any, list[Any]]:
    return list(values), list(values)


def _quantities(values: list[Any]) -> tuple[Any, list[Any]]:
    items = [None if v is None else quantity(v, "m**3/day") for v in values]
    return items, items


def _quantity_array(values: list[Any]) -> tuple[Any, list[Any]]:
    pint = pytest.importorskip("pint")
    registry = pint.UnitRegistry()
    magnitudes = np.array([np.nan if v is None else float(v) for v in values])
    array = registry.Quantity(magnitudes, "m**3/day")
    elements = [
        None if v is None else registry.Quantity(m, "m**3/day")
        for v, m in zip(values, magnitudes.tolist(), strict=True)
    ]
    return array, elements


COLUMN_TYPES: dict[str, tuple[Callable[[list[Any]], tuple[Any, list[Any]]], str]] = {
    "list of int/float/Fraction/None": (_list, "counts"),
    "numpy int64 (no missing)": (_numpy("int64"), "present"),
    "numpy float64 (NaN missing)": (_numpy("float64"), "floats"),
    "numpy object": (_numpy("object"), "counts"),
    "numpy masked array": (_masked, "counts"),
    "pandas Int64 (nullable)": (_pandas("Int64"), "whole"),
    "pandas Float64 (nullable)": (_pandas("Float64"), "floats"),
    "pandas float64": (_pandas("float64"), "floats"),
    "pandas object": (_pandas("object"), "counts"),
    "polars Int64": (_polars("Int64"), "whole"),
    "polars Float64": (_polars("Float64"), "floats"),
    "list of pint Quantity (spmkit's registry)": (_quantities, "amounts"),
    "pint Quantity array (another registry)": (_quantity_array, "amounts"),
}
"""Column type -> (build the column and its elements, which values it holds)."""

VALUES = {
    "present": st.sampled_from([0, 1, 57, 95, 100, 950, 1000, BIG, 2**62]),
    "whole": st.one_of(st.none(), st.sampled_from([0, 1, 57, 95, 100, 950, 1000, BIG, 2**62])),
    "floats": st.one_of(st.none(), st.sampled_from([0.0, 0.1, 57.0, 94.99, 95.0, 1e16])),
    "counts": st.one_of(
        st.none(),
        st.sampled_from([0, 57, 95, 100, BIG, 0.5, Fraction(1, 3), float("nan"), -1, "95", True]),
    ),
    "amounts": st.one_of(st.none(), st.sampled_from([0, 1, 3, Fraction(1, 3), 0.25, 2.5])),
}


def _scalar_rows(rule_set: spmkit.RuleSet, elements: list[Any], other: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for element, denominator in zip(elements, other, strict=True):
        try:
            result = spmkit.evaluate(rule_set, {"bumil_k4": element, "sasaran_bumil": denominator})
        except spmkit.DataInvalid as error:
            rows.append(("refused", {e.input_name for e in error.exceptions}))
            continue
        r = result["I.1"]
        rows.append((r.status.value, r.value, r.met))
    return rows


def _batch_rows(rule_set: spmkit.RuleSet, column: Any, other: list[Any]) -> list[Any] | Any:
    try:
        result = spmkit.evaluate_batch(rule_set, {"bumil_k4": column, "sasaran_bumil": other})
    except spmkit.DataInvalid as error:
        return ("refused", {e.input_name for e in error.exceptions})
    arrays = result["I.1"]
    return [
        (
            str(arrays.status[row]),
            None if math.isnan(arrays.value[row]) else float(arrays.value[row]),
            bool(arrays.met[row]) if str(arrays.status[row]) in {"met", "not_met"} else None,
        )
        for row in range(len(other))
    ]


def disagreements(kind: str, values: list[Any], denominators: list[Any]) -> list[str]:
    """Rows where batch and scalar differ for a column of type ``kind`` (empty: agree)."""
    make, holds = COLUMN_TYPES[kind]
    rule_set = AMOUNT if holds == "amounts" else ONE
    column, elements = make(values)
    scalar = _scalar_rows(rule_set, elements, denominators)
    batch = _batch_rows(rule_set, column, denominators)
    refused = [row for row in scalar if row[0] == "refused"]
    if isinstance(batch, tuple):  # batch refuses the column: scalar must refuse a row
        return [] if refused and all(r[1] == batch[1] for r in refused) else [f"{batch} {scalar}"]
    return [
        f"row {i}: batch {b} scalar {s}"
        for i, (b, s) in enumerate(zip(batch, scalar, strict=True))
        if b != s
    ]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_scalar_and_batch_agree_on_every_column_type(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(COLUMN_TYPES)))
    holds = COLUMN_TYPES[kind][1]
    values = data.draw(st.lists(VALUES[holds], min_size=1, max_size=6))
    denominators = data.draw(
        st.lists(st.sampled_from([1, 100, 1000]), min_size=len(values), max_size=len(values))
    )
    assert disagreements(kind, values, denominators) == []


@pytest.mark.parametrize("kind", sorted(COLUMN_TYPES))
def test_acceptance_table_row(kind: str) -> None:
    """Each row of the table on values that matter: a missing one, 2**53 + 1, 0.1."""
    holds = COLUMN_TYPES[kind][1]
    values = {
        "present": [95 * BIG, 1, 95],
        "whole": [95 * BIG, None, 95],
        "floats": [94.99, None, 0.1],
        "counts": [95 * BIG, None, 95],
        "amounts": [Fraction(1, 3), None, 3],
    }[holds]
    denominators = (
        [100 * BIG + 1, 5, 100] if holds in {"present", "whole", "counts"} else [100, 5, 1000]
    )
    assert disagreements(kind, values, denominators) == []
