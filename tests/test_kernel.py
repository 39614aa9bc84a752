"""The fused batch kernel: numba and pure numpy give the same bits, equal to scalar evaluate.

The hypothesis property in test_batch_property.py runs both kernels on small tables;
here the tables span several chunks of the numpy path, with zeros, missing values,
decimals (held over a power of ten), every comparator and values exactly on target.
"""

from __future__ import annotations

import pickle
from fractions import Fraction

import numpy as np
import pytest

import spmkit
from spmkit._evaluation.kernel import CHUNK, column_bounds, compiled_loop, use_compiled
from spmkit._language.expr import Input
from spmkit._rulesets.model import (
    Indicator,
    InputKind,
    InputSpec,
    Jurisdiction,
    LegalBasis,
    RuleSet,
    ServiceType,
    Source,
    Target,
)
from test_batch_property import kernel_env

ROWS = 2 * CHUNK + 7
FIELDS = ("value", "met", "gap", "status_code", "numerator", "denominator", "exceeds_denominator")


def _rule_set() -> RuleSet:
    indicators = {}
    for number, (op, target, factor) in enumerate(
        [
            (">=", Fraction(57), Fraction(100)),
            (">", Fraction(333, 10), Fraction(100)),
            ("<=", Fraction(3, 2), Fraction(1)),
            ("<", Fraction(95), Fraction(1000)),
            ("==", Fraction(100), Fraction(100)),
        ]
    ):
        iid = f"K.{number}"
        indicators[iid] = Indicator(
            id=iid,
            name=iid,
            service_type="K",
            numerator=Input(f"n{number % 3}"),
            denominator=Input(f"d{number % 2}"),
            factor=factor,
            target=Target(op=op, value=target),
            deadline=None,
            source=Source(ref="generated"),
        )
    names = ["n0", "n1", "n2", "d0", "d1"]
    return RuleSet(
        id="kernel",
        title="kernel",
        language="en",
        jurisdiction=Jurisdiction(level="kabupaten", name="X"),
        legal_basis=LegalBasis(instrument="Test", number="1", year=2020),
        inputs={
            n: InputSpec(name=n, label=n, unit="dimensionless", kind=InputKind.AMOUNT)
            for n in names
        },
        service_types={"K": ServiceType(id="K", name="K")},
        indicators=indicators,
    )


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    d0 = rng.integers(0, 200, ROWS)  # zeros: undefined rows
    d1 = rng.integers(0, 50, ROWS).astype(np.float64)
    d1[rng.random(ROWS) < 0.05] = np.nan  # missing rows
    n0 = (d0 * 57) // 100  # many exactly on the 57 % target
    n1 = rng.integers(0, 300, ROWS).astype(np.float64) / 10  # decimals: 1/10
    n1[rng.random(ROWS) < 0.03] = np.nan
    n2 = rng.integers(0, 250, ROWS)
    return {"n0": n0, "n1": n1, "n2": n2, "d0": d0, "d1": d1}


def test_numba_is_used_when_installed():
    pytest.importorskip("numba")
    assert compiled_loop() is not None
    with kernel_env("numba"):
        assert use_compiled()
    with kernel_env("numpy"):
        assert not use_compiled()


def test_both_kernels_give_the_same_bits_over_several_chunks():
    rule_set, data = _rule_set(), _data()
    results = {}
    for kernel in ("numba", "numpy"):
        with kernel_env(kernel):
            results[kernel] = spmkit.evaluate_batch(rule_set, data)
    for iid in rule_set.indicators:
        for field in FIELDS:
            left = getattr(results["numba"][iid], field)
            right = getattr(results["numpy"][iid], field)
            assert left.dtype == right.dtype, (iid, field)
            assert np.array_equal(left, right, equal_nan=True), (iid, field)
    statuses = {s for iid in rule_set.indicators for s in results["numpy"][iid].status}
    assert statuses == {"met", "not_met", "no_data", "undefined"}


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
def test_kernel_equals_scalar_on_every_chunk(kernel):
    rule_set, data = _rule_set(), _data()
    with kernel_env(kernel):
        result = spmkit.evaluate_batch(rule_set, data)
    # First and last rows of every chunk, and a sample in between.
    rows = sorted({0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 2 * CHUNK, ROWS - 1, *range(5, ROWS, 997)})
    for row in rows:
        scalars = {
            k: (None if np.isnan(v[row]) else float(v[row])) if v.dtype.kind == "f" else int(v[row])
            for k, v in data.items()
        }
        report = spmkit.evaluate(rule_set, {k: v for k, v in scalars.items() if v is not None})
        for iid, expected in report.items():
            got = result[iid]
            assert got.status[row] == expected.status.value, (row, iid)
            value = expected.exact_value
            assert np.isnan(got.value[row]) if value is None else got.value[row] == float(value)
            gap = expected.exact_gap
            assert np.isnan(got.gap[row]) if gap is None else got.gap[row] == float(gap)
            assert bool(got.met[row]) == bool(expected.met)
            assert bool(got.exceeds_denominator[row]) == expected.exceeds_denominator


def test_results_are_read_only():
    result = spmkit.evaluate_batch(_rule_set(), _data())
    for field in FIELDS:
        with pytest.raises(ValueError, match="read-only"):
            getattr(result["K.0"], field)[0] = 1


def test_explanation_is_built_when_read_and_survives_pickling():
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    report = spmkit.evaluate(rule_set, {"bumil_k4": 950, "sasaran_bumil": 1000})
    text = (
        "I.1: bumil_k4 / sasaran_bumil x 100 = 950 / 1,000 x 100 = 95.00 %; "
        "target >= 95 % by 2015: met. Source: Peraturan Bupati Nomor 15 Tahun 2011, "
        "Lampiran, No. I, indikator 1."
    )
    copy = pickle.loads(pickle.dumps(report))  # noqa: S301 - our own object
    assert report["I.1"].explanation == text
    assert report["I.1"].explanation is report["I.1"].explanation
    assert copy["I.1"].explanation == text
    assert copy == report


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
def test_column_bounds_on_both_paths(kernel):
    values = np.random.default_rng(3).integers(-5, 2**40, 3 * CHUNK)
    with kernel_env(kernel):
        assert column_bounds(values) == (int(values.min()), int(values.max()))
        assert column_bounds(values[:1]) == (int(values[0]), int(values[0]))
    with kernel_env(kernel), pytest.raises(spmkit.DataInvalid) as info:
        spmkit.evaluate_batch(
            spmkit.load_rule_set("kulon-progo-2011"),
            {"bumil_k4": np.array([3, -1, 2]), "sasaran_bumil": np.array([5, 5, 5])},
        )
    (problem,) = info.value.exceptions
    assert problem.input_name == "bumil_k4"
    assert problem.value == -1
    assert "negative" in str(problem)


@pytest.mark.parametrize("rows", [7, ROWS])
def test_few_float_columns_are_checked_one_by_one_with_the_same_bits(rows):
    """Two of five indicators have a float term: numpy checks only those for missing rows.

    Small (the fast path's one block) and over several chunks (the general path); the
    same bits as numba, and every row's status as scalar evaluate gives it.
    """
    data = {k: v[:rows] for k, v in _data().items()}
    data["n1"] = np.arange(rows) % 40  # now an int column: only d1 is float
    data["d1"][:3] = [np.nan, 0.0, 4.0]
    results = {}
    for kernel in ("numba", "numpy"):
        with kernel_env(kernel):
            results[kernel] = spmkit.evaluate_batch(_rule_set(), data)
    for iid in _rule_set().indicators:
        for field in FIELDS:
            left, right = (
                getattr(results["numba"][iid], field),
                getattr(results["numpy"][iid], field),
            )
            assert left.dtype == right.dtype, (iid, field)
            assert np.array_equal(left, right, equal_nan=True), (iid, field)
    assert results["numpy"]["K.1"].status[:3].tolist() == ["no_data", "undefined", "met"]
    assert results["numpy"]["K.3"].status[0] == "no_data"
    assert "no_data" not in set(results["numpy"]["K.0"].status)
    for row in (0, 1, 2, rows - 1):
        scalars = {
            k: int(v[row]) if v.dtype.kind in "iu" else float(v[row])
            for k, v in data.items()
            if not (v.dtype.kind == "f" and np.isnan(v[row]))
        }
        for iid, expected in spmkit.evaluate(_rule_set(), scalars).items():
            assert results["numpy"][iid].status[row] == expected.status.value, (row, iid)
