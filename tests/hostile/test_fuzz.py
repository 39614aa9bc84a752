"""Fuzzing under a fixed example budget: arbitrary text, YAML trees and data values never
raise anything but spmkit's documented errors.

The budget is a number of examples per test (FUZZ_EXAMPLES), so CI time is bounded and
repeatable. Hypothesis' per-example deadline is left generous: it is a hang detector,
not a speed assertion. Longer runs: the atheris harnesses under fuzz/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from spmkit.language.parse import parse_expression

pytestmark = pytest.mark.slow  # hypothesis-heavy fuzzing; `make check-fast` skips it

FUZZ_EXAMPLES = 400
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)

EXPRESSION_ALPHABET = (
    st.sampled_from(list("abcxyz_019.@()+-*/, \t%'\"[]{}#!~<>=eE")) | st.characters()
)


@FUZZ
@given(st.text(EXPRESSION_ALPHABET, max_size=200))
def test_parser_raises_only_spmkit_errors(text):
    """Any text either parses, or raises ExpressionSyntaxError / ExpressionLimitError."""
    try:
        expression = parse_expression(text)
    except (spmkit.ExpressionSyntaxError, spmkit.ExpressionLimitError):
        return
    assert parse_expression(str(expression)) == expression


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["I.1", "bumil_k4", ">=", "a / b", "@I.1", "100", "kabupaten", "id"]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "spmkit",
            "id",
            "title",
            "language",
            "jurisdiction",
            "legal_basis",
            "inputs",
            "service_types",
            "indicators",
            "level",
            "name",
            "instrument",
            "number",
            "year",
            "label",
            "unit",
            "required",
            "default",
            "numerator",
            "denominator",
            "factor",
            "target",
            "op",
            "value",
            "deadline",
            "source",
            "ref",
            "notes",
            "I.1",
            "bumil_k4",
        ]
    ),
    st.text(max_size=8),
    st.integers(-5, 5),
)
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)


@FUZZ
@given(trees)
def test_loader_raises_only_spmkit_errors_on_yaml_trees(tree):
    """Any YAML document either loads or raises RuleSetInvalid."""
    text = yaml.safe_dump(tree, allow_unicode=True)
    try:
        spmkit.loads_rule_set(text)
    except spmkit.RuleSetInvalid as group:
        assert all(isinstance(e, spmkit.RuleSetError) for e in group.exceptions)  # noqa: PT017


@FUZZ
@given(st.text(max_size=300))
def test_loader_raises_only_spmkit_errors_on_text(text):
    """Any text either loads or raises RuleSetInvalid."""
    with contextlib.suppress(spmkit.RuleSetInvalid):
        spmkit.loads_rule_set(text)


RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
)


@FUZZ
@given(st.dictionaries(st.sampled_from([*RULE_SET.inputs, "unknown", ""]), values, max_size=8))
def test_evaluate_raises_only_data_invalid(data):
    """Any data either evaluates to a full report or raises DataInvalid; never mutated."""
    before = dict(data)
    try:
        report = spmkit.evaluate(RULE_SET, data)
    except spmkit.DataInvalid as group:
        assert all(isinstance(e, spmkit.DataError) for e in group.exceptions)  # noqa: PT017
    else:
        assert list(report) == list(RULE_SET.indicators)
        for result in report.values():
            assert result.value is None or not math.isnan(result.value)
    assert data == before
