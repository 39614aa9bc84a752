"""Batch == scalar on every value type (finding 4 of issue 15), as hypothesis properties.

``tests/test_batch_property.py`` generates rule sets and plain columns; these properties
add the value types that batch used to read differently from scalar: masked arrays
(masked = missing), pint quantity columns (converted to the input's unit, exactly as a
scalar quantity), and columns holding dates, durations or complex numbers (refused by
both, naming the input).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples

warnings.simplefilter("ignore", spmkit.SpmkitWarning)
pytestmark = pytest.mark.slow  # hypothesis-heavy

RS = spmkit.load_rule_set("kulon-progo-2011")
_SMALL = (Path(__file__).parents[1] / "data" / "invalid" / "unknown_input.yaml").read_text(
    encoding="utf-8"
)
WATER = spmkit.loads_rule_set(
    _SMALL.split("\n", 1)[1]
    .replace("bumil_k5", "bumil_k4")
    .replace("unit: person", "unit: L / day")
)
COUNTS = st.one_of(st.none(), st.sampled_from([0, 1, 57, 94, 95, 100, 950, 1000, 2**53 + 1]))
SETTINGS = settings(
    max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _assert_rows_equal(rule_set: spmkit.RuleSet, result: Any, rows: list[dict[str, Any]]) -> None:
    """Status, value and decision of every indicator on every row, batch against scalar."""
    expected = [
        (row, iid, r.status.value, r.value, bool(r.met))
        for row, data in enumerate(rows)
        for iid, r in spmkit.evaluate(rule_set, data).items()
    ]
    got = [
        (
            row,
            iid,
            str(a.status[row]),
            None if math.isnan(a.value[row]) else float(a.value[row]),
            bool(a.met[row]),
        )
        for row in range(len(rows))
        for iid, a in result.items()
    ]
    assert got == expected


@SETTINGS
@given(st.lists(st.tuples(COUNTS, COUNTS), min_size=1, max_size=8))
def test_masked_rows_are_missing(pairs: list[tuple[int | None, int | None]]) -> None:
    """A masked array's masked rows are missing (None), as in scalar evaluate."""
    columns: dict[str, Any] = {}
    for index, name in enumerate(("bumil_k4", "sasaran_bumil")):
        values = [pair[index] for pair in pairs]
        columns[name] = np.ma.masked_array(
            np.array([0 if v is None else v for v in values], dtype=object),
            mask=[v is None for v in values],
        )
    rows = [{"bumil_k4": a, "sasaran_bumil": b} for a, b in pairs]
    _assert_rows_equal(RS, spmkit.evaluate_batch(RS, columns), rows)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.1, 0.25, 0.3, 1.5, 3.0]), st.sampled_from([1, 300])),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["m**3/day", "L/day", "L/hour", "kL/week"]),
)
def test_quantity_columns_convert_as_scalar(pairs: list[tuple[float, int]], unit: str) -> None:
    """A quantity column in any convertible unit gives what scalar gives, row by row."""
    pint = pytest.importorskip("pint")
    ureg = pint.UnitRegistry()
    magnitudes = np.array([pair[0] for pair in pairs])
    columns = {
        "bumil_k4": ureg.Quantity(magnitudes, unit.replace("kL", "kiloliter")),
        "sasaran_bumil": [pair[1] for pair in pairs],
    }
    rows = [
        {"bumil_k4": ureg.Quantity(float(m), unit.replace("kL", "kiloliter")), "sasaran_bumil": d}
        for m, d in pairs
    ]
    _assert_rows_equal(WATER, spmkit.evaluate_batch(WATER, columns), rows)


@SETTINGS
@given(
    st.lists(COUNTS.filter(lambda v: v is not None), min_size=1, max_size=5),
    st.sampled_from(
        [np.timedelta64(3, "D"), np.datetime64("2020-01-01"), complex(1, 0), complex(95, 2)]
    ),
    st.data(),
)
def test_dates_durations_complex_are_refused_by_both(
    counts: list[int], odd: object, data: st.DataObject
) -> None:
    """One odd value in a column: scalar refuses its row, batch refuses the column."""
    position = data.draw(st.integers(0, len(counts)))
    values: list[object] = [*counts[:position], odd, *counts[position:]]
    with pytest.raises(spmkit.DataInvalid) as scalar:
        spmkit.evaluate(RS, {"bumil_k4": odd, "sasaran_bumil": 1000})
    assert {e.input_name for e in scalar.value.exceptions} == {"bumil_k4"}
    for column in (values, np.array(values, dtype=object)):
        with pytest.raises(spmkit.DataInvalid) as batch:
            spmkit.evaluate_batch(RS, {"bumil_k4": column, "sasaran_bumil": [1000] * len(values)})
        assert {e.input_name for e in batch.value.exceptions} == {"bumil_k4"}
