"""The batch fallback (issue 30, finding 13): its ways give the same arrays as each other.

Data needing exact arithmetic take one of three ways: up to ``BY_ROWS`` rows of a dict,
each row straight to the scalar evaluator (``CompiledRuleSet._by_rows``); more rows, the
table read once and the rows needing it evaluated from the converted columns
(``_scalar_fallback``); and rows that do not need it through the numpy programs. The
same rows must give the same arrays whichever way they took, and the way of few rows
must refuse what the table reader refuses (with its words). Speed is measured in
benchmarks/bench_fallback.py, not here.
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import spmkit
from spmkit._evaluation.batch import ARRAY_FIELDS, BY_ROWS

warnings.simplefilter("ignore", spmkit.SpmkitWarning)

KULON = spmkit.load_rule_set("kulon-progo-2011")
INDEX = spmkit.load_rule_set("indeks-spm-kesehatan")
BIG = 2**53


def _table(rule_set: spmkit.RuleSet, rows: int, seed: int) -> dict[str, list[object]]:
    """Columns of every input: huge counts, Fraction and Decimal amounts, a few missing."""
    rng = np.random.default_rng(seed)
    data: dict[str, list[object]] = {}
    for number, (name, spec) in enumerate(rule_set.inputs.items()):
        base = rng.integers(0, 2_000, rows).tolist()
        if spec.kind.value != "count":
            values: list[object] = [
                Fraction(3 * b + 1, 3) if number % 2 else Decimal(b) + Decimal("0.1234567")
                for b in base
            ]
        else:
            values = [b + BIG if number % 3 == 0 else b for b in base]
        data[name] = [None if rng.random() < 0.05 else v for v in values]
    return data


def _same(first: spmkit.BatchResult, second: spmkit.BatchResult, rows: slice) -> None:
    assert list(first) == list(second)
    for indicator_id in first:
        a, b = first[indicator_id], second[indicator_id]
        for field in (*ARRAY_FIELDS, "band", "band_en"):
            left, right = getattr(a, field), getattr(b, field)
            if left is None or right is None:
                assert left is right is None, (indicator_id, field)
                continue
            left, right = np.asarray(left)[rows], np.asarray(right)[rows]
            if left.dtype.kind == "f" or right.dtype.kind == "f":
                assert np.array_equal(left.astype(float), right.astype(float), equal_nan=True), (
                    indicator_id,
                    field,
                )
            else:
                assert left.tolist() == right.tolist(), (indicator_id, field)
        assert a.small_denominator_threshold == b.small_denominator_threshold


@pytest.mark.parametrize("rule_set", [KULON, INDEX], ids=["ratios", "references-bands"])
def test_few_rows_and_many_rows_give_the_same_arrays(rule_set) -> None:
    """BY_ROWS rows take the scalar way; one row more reads the table: the same arrays."""
    data = _table(rule_set, BY_ROWS + 1, seed=3)
    few = spmkit.evaluate_batch(rule_set, {n: v[:BY_ROWS] for n, v in data.items()})
    many = spmkit.evaluate_batch(rule_set, data)
    _same(few, many, slice(0, BY_ROWS))
    assert few.exact_fallback == many.exact_fallback
    assert few.exact_fallback


def test_the_arrays_equal_scalar_evaluate_row_by_row() -> None:
    data = _table(INDEX, 40, seed=5)
    result = spmkit.evaluate_batch(INDEX, data)
    for row in (0, 17, 39):
        report = spmkit.evaluate(INDEX, {n: v[row] for n, v in data.items() if v[row] is not None})
        for indicator_id, arrays in result.items():
            scalar = report[indicator_id]
            assert arrays.status[row] == scalar.status.value
            if scalar.value is None:
                assert math.isnan(arrays.value[row])
            else:
                assert arrays.value[row] == scalar.value
                assert arrays.gap[row] == scalar.gap
            assert arrays.band[row] == scalar.band if arrays.band is not None else True


def test_one_huge_row_among_plain_ones_splits_the_rows() -> None:
    """Only the huge row goes to the scalar evaluator; the arrays equal the all-scalar way."""
    rng = np.random.default_rng(9)
    data = {name: rng.integers(1, 2_000, 300) for name in KULON.inputs}
    huge = data["bumil_k4"].tolist()
    huge[150] = BIG + 7
    data["bumil_k4"] = huge  # type: ignore[assignment]
    result = spmkit.evaluate_batch(KULON, data)
    assert result.exact_fallback == ("I.1",)
    assert (
        result["I.1"].value[150]
        == spmkit.evaluate(
            KULON, {"bumil_k4": BIG + 7, "sasaran_bumil": int(data["sasaran_bumil"][150])}
        )["I.1"].value
    )


def test_few_rows_carry_their_keys() -> None:
    result = spmkit.evaluate_batch(
        KULON,
        {"region": ["A", "B"], "bumil_k4": [BIG + 1, 5], "sasaran_bumil": [BIG, 10]},
        keys=["region"],
    )
    assert result.key_columns["region"].tolist() == ["A", "B"]
    assert result["I.1"].status.tolist() == ["met", "not_met"]
    assert result.exact_fallback == ("I.1",)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"bumil_k4": [BIG + 1, -1], "sasaran_bumil": [BIG, 10]}, "at row 1"),
        ({"bumil_k4": [Fraction(1, 3)], "sasaran_bumil": [10]}, "whole number"),
        ({"bumil_k4": [BIG + 1, 2], "sasaran_bumil": [BIG]}, "lengths differ"),
        ({"bumil_k4": [BIG + 1], "nama_salah": [1]}, "nama_salah"),
    ],
    ids=["negative", "fraction-count", "lengths", "unknown"],
)
def test_few_rows_refuse_with_the_table_readers_words(data, fragment) -> None:
    with pytest.raises(spmkit.DataInvalid) as caught:
        spmkit.evaluate_batch(KULON, data)
    assert fragment in "\n".join(spmkit.format_errors(caught.value))


def test_series_with_different_indexes_and_huge_values_are_refused() -> None:
    """The way of few rows never pairs pandas Series by position when their indexes differ."""
    pd = pytest.importorskip("pandas")
    first = pd.Series([2**60, 5], index=["x", "y"], dtype=object)
    second = pd.Series([2**61, 10], index=["y", "x"], dtype=object)
    with pytest.raises(spmkit.DataInvalid) as caught:
        spmkit.evaluate_batch(KULON, {"bumil_k4": first, "sasaran_bumil": second})
    assert "a Series with the index of column 'bumil_k4'" in str(caught.value.exceptions[0])


@pytest.mark.parametrize("rows", [1, 2, 300])
@pytest.mark.parametrize("kind", ["list", "numpy"])
def test_counts_past_2_53_keep_their_exact_record(rows, kind):
    """2**53 + 1 is not a float64: the batch record is the scalar one, exact value included."""
    n, d = 2**53 - 1, 2**53 + 1
    k4, target = [n] + [5] * (rows - 1), [d] + [10] * (rows - 1)
    data: dict[str, object] = {"bumil_k4": k4, "sasaran_bumil": target}
    if kind == "numpy":
        data = {name: np.array(values, dtype=np.int64) for name, values in data.items()}
    batch = spmkit.evaluate_batch("kulon-progo-2011", data)
    scalar = spmkit.evaluate("kulon-progo-2011", {"bumil_k4": n, "sasaran_bumil": d})["I.1"]
    record = batch.result(0, "I.1")
    assert record.exact_value == Fraction(100 * n, d) == scalar.exact_value
    assert record.value == scalar.value == float(Fraction(100 * n, d))
    assert (record.numerator, record.denominator) == (n, d)
