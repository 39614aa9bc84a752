"""evaluate_batch gives, row by row, exactly what the scalar evaluate gives.

Rule sets and data are generated: expressions with every operator, function and
reference; targets with every comparator; data with zeros, missing values, values that
land exactly on the target, decimals, and numbers too large for float64 (the fallback).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._language.expr import BinOp, Call, Expression, Input, Neg, Number, Ref
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

pytestmark = (
    pytest.mark.slow
)  # hypothesis-heavy: batch == scalar over many generated tables; `make check-fast` skips it

INPUTS = ("a", "b", "c", "d")
LITERALS = [Fraction(v) for v in (0, 1, 2, 3, 100)] + [Fraction(3, 2), Fraction(1, 10)]
TARGETS = [Fraction(v) for v in (0, 1, 57, 95, 100)] + [Fraction(333, 10), Fraction(3, 2)]
FACTORS = [Fraction(1), Fraction(100), Fraction(1000)]
# Values chosen to meet the targets exactly (57 of 100 against 57 %) and to hit zero.
VALUES: list[Any] = [0, 1, 2, 3, 7, 57, 95, 100, 1000, 0.57, 0.1, 2.5, 33.3]
HUGE = 2**53 + 1


def _expressions(refs: tuple[str, ...]) -> st.SearchStrategy[Expression]:
    leaves = st.one_of(
        st.sampled_from(INPUTS).map(Input),
        st.sampled_from(LITERALS).map(Number),
        *([st.sampled_from(refs).map(Ref)] if refs else []),
    )

    def extend(inner: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        return st.one_of(
            st.builds(BinOp, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
            st.builds(Neg, inner),
            st.builds(
                Call,
                st.sampled_from(["sum", "min", "max", "coalesce"]),
                st.lists(inner, min_size=1, max_size=3),
            ),
        )

    return st.recursive(leaves, extend, max_leaves=5)


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    indicators: dict[str, Indicator] = {}
    for number in range(draw(st.integers(1, 4))):
        iid = f"X.{number}"
        refs = tuple(indicators)
        simple = st.sampled_from(INPUTS).map(Input)
        indicators[iid] = Indicator(
            id=iid,
            name=iid,
            service_type="X",
            numerator=draw(st.one_of(simple, _expressions(refs))),
            denominator=draw(st.one_of(simple, _expressions(refs))),
            factor=draw(st.sampled_from(FACTORS)),
            target=Target(
                op=draw(st.sampled_from([">=", ">", "<=", "<", "=="])),
                value=draw(st.sampled_from(TARGETS)),
            ),
            deadline=None,
            source=Source(ref="generated"),
        )
    default = draw(st.sampled_from([None, Fraction(5), Fraction(1, 2)]))
    # Counts refuse decimals (0.57); amounts take them. Both must be refused alike.
    kinds = {name: draw(st.sampled_from([InputKind.COUNT, InputKind.AMOUNT])) for name in INPUTS}
    maximum = draw(st.sampled_from([None, Fraction(1000), Fraction(995, 10)]))
    inputs = {
        name: InputSpec(
            name=name,
            label=name,
            unit="dimensionless",  # any formula is then a plain number
            required=not (name == "d" and default is not None),
            default=default if name == "d" else None,
            kind=InputKind.AMOUNT if name == "d" and default is not None else kinds[name],
            maximum=maximum if name == "c" else None,
        )
        for name in INPUTS
    }
    try:
        return RuleSet(
            id="generated",
            title="generated",
            language="en",
            jurisdiction=Jurisdiction(level="kabupaten", name="X"),
            legal_basis=LegalBasis(instrument="Test", number="1", year=2020),
            inputs=inputs,
            service_types={"X": ServiceType(id="X", name="X")},
            indicators=indicators,
        )
    except spmkit.RuleSetInvalid:
        # The unit checks refuse some generated formulas (a reference to a percentage
        # scaled again, say); those rule sets cannot exist, so they are not tested.
        reject()


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Columns in several forms, and the same data as one scalar mapping per row."""
    rows = draw(st.integers(1, 12))
    allow_huge = draw(st.booleans())
    pool = [*VALUES, None, *([HUGE] if allow_huge else [])]
    columns: dict[str, Any] = {}
    scalars: list[dict[str, Any]] = [{} for _ in range(rows)]
    for name in INPUTS:
        if name != "a" and draw(st.integers(0, 9)) == 0:
            continue  # the whole input is absent
        form = draw(st.sampled_from(["int", "float", "list"]))
        if form == "int":
            values = draw(
                st.lists(st.sampled_from([0, 1, 3, 57, 100, 1000]), min_size=rows, max_size=rows)
            )
            columns[name] = np.array(values, dtype=np.int64)
        elif form == "float":
            values = draw(st.lists(st.sampled_from([*VALUES, None]), min_size=rows, max_size=rows))
            columns[name] = np.array([np.nan if v is None else float(v) for v in values])
        else:
            values = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
            columns[name] = values
        for row, value in enumerate(values):
            scalars[row][name] = value
    return columns, scalars


def _same(batch: float, exact: Fraction | None) -> bool:
    if exact is None:
        return math.isnan(batch)
    return batch == float(exact)


def _refused(rule_set: RuleSet, scalars: list[dict[str, Any]]) -> set[str]:
    """Inputs that the scalar evaluator refuses on some row."""
    refused: set[str] = set()
    for data in scalars:
        try:
            spmkit.validate_data(rule_set, data)
        except spmkit.DataInvalid as group:
            refused |= {error.input_name for error in group.exceptions}
    return refused


def _check(rule_set: RuleSet, columns: dict[str, Any], scalars: list[dict[str, Any]]) -> None:
    """Batch refuses exactly the inputs scalar refuses, else gives the same results."""
    refused = _refused(rule_set, scalars)
    if refused:
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.evaluate_batch(rule_set, columns)
        assert {error.input_name for error in info.value.exceptions} == refused
        return
    for kernel in KERNELS:
        with kernel_env(kernel):
            _assert_same(rule_set, spmkit.evaluate_batch(rule_set, columns), scalars)


KERNELS = ("numba", "numpy")
"""Both paths of the fused kernel: numba (when installed), and pure numpy."""


@contextlib.contextmanager
def kernel_env(kernel: str) -> Iterator[None]:
    """Run with ``SPMKIT_KERNEL`` set (hypothesis cannot take function-scoped fixtures)."""
    before = os.environ.get("SPMKIT_KERNEL")
    os.environ["SPMKIT_KERNEL"] = kernel
    try:
        yield
    finally:
        if before is None:
            del os.environ["SPMKIT_KERNEL"]
        else:
            os.environ["SPMKIT_KERNEL"] = before


def _assert_same(
    rule_set: RuleSet, result: spmkit.BatchResult, scalars: list[dict[str, Any]]
) -> None:
    for row, data in enumerate(scalars):
        report = spmkit.evaluate(rule_set, data)
        for indicator_id, expected in report.items():
            got = result[indicator_id]
            where = f"row {row}, {indicator_id}, data {data}"
            assert got.status[row] == expected.status.value, where
            assert _same(got.value[row], expected.exact_value), where
            assert _same(got.gap[row], expected.exact_gap), where
            assert _same(got.numerator[row], expected.numerator), where
            assert _same(got.denominator[row], expected.denominator), where
            assert bool(got.met[row]) == bool(expected.met), where
            assert bool(got.exceeds_denominator[row]) == expected.exceeds_denominator, where


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(rule_set=rule_sets(), table=tables())
def test_batch_equals_scalar_row_by_row(rule_set, table):
    """Every field of every indicator on every row equals the scalar evaluation."""
    columns, scalars = table
    _check(rule_set, columns, scalars)


@settings(max_examples=examples(50), deadline=None)
@given(table=tables())
def test_kulon_progo_shaped_columns_equal_scalar(table):
    """The shipped rule set on generated data, with its input names."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    columns, scalars = table
    names = dict(zip(INPUTS, ("bumil_k4", "sasaran_bumil", "desa_uci", "desa_total"), strict=True))
    renamed = {names[k]: v for k, v in columns.items()}
    renamed_scalars = [{names[k]: v for k, v in row.items()} for row in scalars]
    _check(rule_set, renamed, renamed_scalars)
