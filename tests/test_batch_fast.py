"""The fast path of evaluate_batch (plain ratios of numpy columns) is the general path, bit for bit.

A dict of int64/float64 numpy columns on a rule set of ``input / input`` indicators is
evaluated by the plan of :mod:`spmkit._evaluation.batch_plans` (one kernel call for every
indicator); the same data given as another mapping type go through the general path
(column by column). Both must give the same arrays, dtypes included, with both kernels,
and refuse the same data; and both must equal the scalar evaluator row by row.
"""

from __future__ import annotations

import pickle
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._frozen import FrozenMap
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
from test_batch_property import KERNELS, _check, kernel_env

INPUTS = ("a", "b", "c", "d")
FIELDS = ("value", "status_code", "met", "gap", "numerator", "denominator", "exceeds_denominator")
# Whole numbers (some exactly on a target), a decimal, and values the checks refuse.
FLOATS: list[float] = [0.0, 1.0, 3.0, 57.0, 95.0, 100.0, 1000.0, np.nan, 0.5, -1.0, np.inf]
INTS: list[int] = [0, 1, 3, 57, 95, 100, 1000, 2**53, -3]


@st.composite
def ratio_rule_sets(draw: st.DrawFn) -> RuleSet:
    """Rule sets of plain ratios: every comparator, factors, rates, input bounds."""
    indicators = {}
    for number in range(draw(st.integers(1, 4))):
        iid = f"R.{number}"
        indicators[iid] = Indicator(
            id=iid,
            name=iid,
            service_type="R",
            numerator=Input(draw(st.sampled_from(INPUTS))),
            denominator=Input(draw(st.sampled_from(INPUTS))),
            factor=draw(st.sampled_from([Fraction(1), Fraction(100), Fraction(1000)])),
            target=Target(
                op=draw(st.sampled_from([">=", ">", "<=", "<", "=="])),
                value=draw(
                    st.sampled_from([Fraction(0), Fraction(57), Fraction(95), Fraction(333, 10)])
                ),
            ),
            deadline=None,
            source=Source(ref="generated"),
            coverage=draw(st.sampled_from([None, True, False])),
        )
    inputs = {
        name: InputSpec(
            name=name,
            label=name,
            unit="dimensionless",
            kind=draw(st.sampled_from([InputKind.COUNT, InputKind.AMOUNT])),
            minimum=draw(st.sampled_from([None, Fraction(1)])) if name == "c" else None,
            maximum=draw(st.sampled_from([None, Fraction(100), Fraction(995, 10)]))
            if name == "c"
            else None,
        )
        for name in INPUTS
    }
    return RuleSet(
        id="ratios",
        title="ratios",
        language="en",
        jurisdiction=Jurisdiction(level="kabupaten", name="X"),
        legal_basis=LegalBasis(instrument="Test", number="1", year=2020),
        inputs=inputs,
        service_types={"R": ServiceType(id="R", name="R")},
        indicators=indicators,
    )


@st.composite
def numpy_tables(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """int64 and float64 columns (some inputs absent), and the same data row by row."""
    rows = draw(st.integers(1, 9))
    bad = draw(st.booleans())  # mostly valid data: the fast path's usual case
    columns: dict[str, Any] = {}
    scalars: list[dict[str, Any]] = [{} for _ in range(rows)]
    for name in INPUTS:
        if name != "a" and draw(st.integers(0, 7)) == 0:
            continue
        if draw(st.booleans()):
            pool = INTS if bad else INTS[:7]
            ints = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
            columns[name] = np.array(ints, dtype=np.int64)
            values: list[Any] = ints
        else:
            pool_f = FLOATS if bad else FLOATS[:8]
            floats = draw(st.lists(st.sampled_from(pool_f), min_size=rows, max_size=rows))
            columns[name] = np.array(floats, dtype=np.float64)
            values = [None if np.isnan(v) else v for v in floats]
        for row, value in enumerate(values):
            if value is not None:
                scalars[row][name] = value
    return columns, scalars


def _same_arrays(
    left: spmkit.BatchResult, right: spmkit.BatchResult, *, frozen: bool = True
) -> None:
    assert list(left) == list(right)
    for iid in left:
        for field in FIELDS:
            a, b = getattr(left[iid], field), getattr(right[iid], field)
            assert a.dtype == b.dtype, (iid, field)
            assert np.array_equal(a, b, equal_nan=True), (iid, field)
            assert not (frozen and a.flags.writeable), (iid, field)
        assert left[iid].small_denominator_threshold == right[iid].small_denominator_threshold


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(rule_set=ratio_rule_sets(), table=numpy_tables())
@pytest.mark.slow
def test_fast_path_equals_general_path_and_scalar(rule_set, table):
    """The fast path gives the general path's arrays, and refuses what it refuses."""
    columns, scalars = table
    _check(rule_set, columns, scalars)  # equal to scalar, or refused as scalar refuses
    for kernel in KERNELS:
        with kernel_env(kernel):
            fast = _outcome(rule_set, columns)
            general = _outcome(rule_set, MappingProxyType(columns))
        if isinstance(fast, list):
            assert fast == general  # the same problems, in the same words
        else:
            assert not isinstance(general, list)
            _same_arrays(fast, general)


def _outcome(rule_set: RuleSet, data: Any) -> spmkit.BatchResult | list[str]:
    """The result, or the messages of the problems found."""
    try:
        result: spmkit.BatchResult = spmkit.evaluate_batch(rule_set, data)
    except spmkit.DataInvalid as refused:
        return [str(problem) for problem in refused.exceptions]
    return result


def _kulon_progo_data(rows: int) -> dict[str, np.ndarray]:
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    rng = np.random.default_rng(3)
    data: dict[str, np.ndarray] = {}
    for indicator in rule_set.indicators.values():
        denominator = rng.integers(0, 2_000, rows)
        data[indicator.denominator.name] = denominator  # type: ignore[union-attr]
        numerator = (denominator * rng.uniform(0.8, 1.05, rows)).astype(np.int64)
        data[indicator.numerator.name] = numerator  # type: ignore[union-attr]
    missing = data["bumil_k4"].astype(np.float64)
    missing[::17] = np.nan
    data["bumil_k4"] = missing
    return data


@pytest.mark.parametrize("kernel", KERNELS)
def test_kulon_progo_arrays_share_one_block_and_equal_the_general_path(kernel):
    """The usual call: every indicator's outputs are views of one block, as in general."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    data = _kulon_progo_data(300)
    with kernel_env(kernel):
        fast = spmkit.evaluate_batch(rule_set, data, keys=[])
        general = spmkit.evaluate_batch(rule_set, MappingProxyType(data))
    _same_arrays(fast, general)
    first, last = fast["I.1"].value, fast["IV.1"].value
    assert np.shares_memory(first.base, last.base)  # one block for all indicators
    # The inputs were copied once, into blocks: the results own their data.
    assert not any(np.shares_memory(fast["I.1"].numerator, column) for column in data.values())
    assert fast["I.13.a"].exceeds_denominator.sum() == 0  # a declared rate: never over 100 %


def test_results_read_lazily_are_a_frozen_map_in_order_and_pickle():
    """The results are built when read, and behave as the FrozenMap they are."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    data = _kulon_progo_data(50)
    result = spmkit.evaluate_batch(rule_set, data, keys=["bumil_k4"], allow_unknown=True)
    general = spmkit.evaluate_batch(
        rule_set, MappingProxyType(data), keys=["bumil_k4"], allow_unknown=True
    )
    assert result["IV.1"] is result["IV.1"]
    assert list(result.results.keys()) == list(rule_set.indicators)
    assert [a.indicator_id for a in result.results.values()] == list(rule_set.indicators)
    assert "I.1" in result.results
    assert "bumil_k4" not in result.results
    with pytest.raises(KeyError):
        result["nope"]
    assert isinstance(result.results, FrozenMap)
    assert result.results == dict(result.results.items())  # equal to itself as a mapping
    again = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own object
    _same_arrays(again, general, frozen=False)  # numpy's pickles do not keep the flag
    assert np.array_equal(again.key_columns["bumil_k4"], data["bumil_k4"], equal_nan=True)
    with pytest.raises(ValueError, match="read-only"):
        result.key_columns["bumil_k4"][0] = 1
    assert result.to_pandas("long").equals(general.to_pandas("long"))


def test_data_the_fast_path_cannot_take_go_the_general_way():
    """Decimals, huge counts, bad values and other shapes: the general path's answers."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    base = {"bumil_k4": np.array([950, 57]), "sasaran_bumil": np.array([1000, 100])}
    decimals = {**base, "sasaran_bumil": np.array([1000.5, 100.0])}
    assert spmkit.evaluate_batch(rule_set, decimals)["I.1"].value[0] == float(
        Fraction(950) / Fraction(10005, 10) * 100
    )
    huge = {**base, "bumil_k4": np.array([2**53 + 1, 57])}
    assert spmkit.evaluate_batch(rule_set, huge).exact_fallback == ("I.1",)
    negative = {**base, "bumil_k4": np.array([-1, 57])}
    with pytest.raises(spmkit.DataInvalid) as info:
        spmkit.evaluate_batch(rule_set, negative)
    assert "counts cannot be negative; at row 0" in str(info.value.exceptions[0])
    short = {**base, "bumil_k4": np.array([950])}
    with pytest.raises(spmkit.DataInvalid) as info:
        spmkit.evaluate_batch(rule_set, short)
    assert "lengths differ" in str(info.value.exceptions[0])
    mixed = {**base, "sasaran_bumil": [1000, 100]}  # a list: the general path
    assert spmkit.evaluate_batch(rule_set, mixed)["I.1"].status.tolist() == ["met", "not_met"]


@pytest.mark.slow
@pytest.mark.parametrize("kernel", KERNELS)
def test_outputs_over_one_block_are_split_per_indicator(kernel):
    """36 indicators x 240,000 rows: the outputs exceed one block (one group each)."""
    indicators = {
        f"R.{number}": Indicator(
            id=f"R.{number}",
            name=f"R.{number}",
            service_type="R",
            numerator=Input("a" if number % 2 else "b"),
            denominator=Input("b" if number % 2 else "a"),
            factor=Fraction(100),
            target=Target(op=">=", value=Fraction(50 + number)),
            deadline=None,
            source=Source(ref="generated"),
            coverage=number % 3 != 0,
        )
        for number in range(36)
    }
    rule_set = RuleSet(
        id="wide",
        title="wide",
        language="en",
        jurisdiction=Jurisdiction(level="kabupaten", name="X"),
        legal_basis=LegalBasis(instrument="Test", number="1", year=2020),
        inputs={n: InputSpec(name=n, label=n, unit="dimensionless") for n in ("a", "b")},
        service_types={"R": ServiceType(id="R", name="R")},
        indicators=indicators,
    )
    rng = np.random.default_rng(9)
    data = {"a": rng.integers(0, 300, 240_000), "b": rng.integers(0, 300, 240_000)}
    with kernel_env(kernel):
        fast = spmkit.evaluate_batch(rule_set, data)
        general = spmkit.evaluate_batch(rule_set, MappingProxyType(data))
    _same_arrays(fast, general)
    assert not np.shares_memory(fast["R.0"].value, fast["R.1"].value)  # separate groups


@pytest.mark.parametrize("kernel", KERNELS)
def test_counts_near_the_exact_bound_stay_on_the_fast_path(kernel):
    """Counts whose bitwise or passes the exact bound while their largest does not.

    The numpy path checks ints by one bitwise or (an upper bound of the largest); where
    that bound is too large the exact maximum decides, so the plan still takes the data.
    """
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    program = spmkit.compile_rule_set(rule_set)
    data = _kulon_progo_data(5)
    program.evaluate(data)
    plan = next(iter(program._plans.values()))
    top = 1 << (plan.safe.bit_length() - 1)  # the largest power of two <= safe
    data = {**data, "bumil_k4": np.array([top, top - 1, 0, 1, 2]), "sasaran_bumil": np.full(5, 3)}
    assert top | (top - 1) > plan.safe >= top
    with kernel_env(kernel):
        fast = program.evaluate(data)
        general = program.evaluate(MappingProxyType(data))
    _same_arrays(fast, general)
    # The fast path's terms are rows of one block; the general path's are copies of each.
    assert fast["I.1"].numerator.base is fast["I.2"].numerator.base is not None
    assert general["I.1"].numerator.base is None  # a copy of its own
    assert fast["I.1"].numerator.tolist() == [top, top - 1, 0, 1, 2]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("bad", [-1, -(2**63), -(2**62)])
def test_a_negative_count_in_a_long_column_is_refused_at_its_row(kernel, bad):
    """Columns over 4,096 rows are checked one by one (one unsigned maximum on numpy's path)."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    numerator = np.full(5_000, 2**53 - 1)
    numerator[4_321] = bad
    data = {"bumil_k4": numerator, "sasaran_bumil": np.full(5_000, 100)}
    with kernel_env(kernel), pytest.raises(spmkit.DataInvalid) as info:
        spmkit.evaluate_batch(rule_set, MappingProxyType(data))
    assert f"(got {bad}) (counts cannot be negative; at row 4321)" in str(info.value.exceptions[0])
