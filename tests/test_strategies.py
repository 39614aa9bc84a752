"""spmkit.strategies: valid objects, round trips, options that do what they say, eager errors."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import hypothesis.strategies as st
import pytest
from hypothesis import given

import spmkit
from spmkit._language.expr import Input, render
from spmkit._language.parse import parse_expression
from spmkit._rulesets.dump import dump_rule_set
from spmkit.strategies import (
    StrategyArgumentError,
    data_for,
    expressions,
    indicators,
    inferred_subsets,
    rule_sets,
    targets,
)

KULON_PROGO = spmkit.load_rule_set("kulon-progo-2011")


class TestExpressions:
    @given(expressions(refs=st.sampled_from(["I.1", "II.3.a"])))
    def test_render_parse_round_trip(self, expression):
        """parse_expression(render(e)) == e for every drawn tree."""
        assert parse_expression(render(expression)) == expression

    @given(expressions(names=st.just("k4"), functions=False, max_leaves=3))
    def test_options_steer_the_trees(self, expression):
        """Only the given names appear, and no calls when functions=False."""
        assert expression.inputs <= {"k4"}
        assert all(word not in render(expression) for word in ("sum(", "min(", "max(", "coalesce("))

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"max_leaves": 0}, r"'max_leaves' must be an int from 1 to 100 \(got 0\)"),
            (
                {"names": "k4"},
                r"'names' must be a hypothesis strategy \(wrap a fixed value in st.just\)",
            ),
            ({"functions": "yes"}, r"'functions' must be True or False"),
        ],
    )
    def test_bad_arguments_fail_at_once(self, options, message):
        """Errors come when the strategy is made, as SpmkitError and ValueError."""
        with pytest.raises(StrategyArgumentError, match=message) as info:
            expressions(**options)
        assert isinstance(info.value, spmkit.SpmkitError)
        assert isinstance(info.value, ValueError)


class TestIndicatorsAndTargets:
    @given(indicators(ratio=True, names=st.sampled_from(["a", "b", "c"])))
    def test_ratio_indicators_are_one_input_over_another(self, indicator):
        """ratio=True draws input / other input."""
        assert isinstance(indicator.numerator, Input)
        assert isinstance(indicator.denominator, Input)
        assert indicator.numerator != indicator.denominator

    @given(targets(max_value=5))
    def test_targets_stay_in_range(self, target):
        """Target values lie from 0 to max_value."""
        assert 0 <= target.value <= 5


class TestRuleSets:
    @given(rule_sets())
    @pytest.mark.slow  # hypothesis-heavy
    def test_yaml_round_trip(self, rule_set):
        """Every drawn rule set is valid and survives dump and load unchanged."""
        assert spmkit.loads_rule_set(dump_rule_set(rule_set)) == rule_set

    @given(st.from_type(spmkit.RuleSet))
    @pytest.mark.slow  # a subprocess
    def test_from_type_works_through_the_entry_point(self, rule_set):
        """st.from_type(spmkit.RuleSet) draws rule sets (registered by the hypothesis hook)."""
        assert isinstance(rule_set, spmkit.RuleSet)
        assert rule_set.indicators

    def test_entry_point_is_declared(self):
        """The installed metadata points hypothesis at the lazy hook."""
        found = [ep.value for ep in entry_points(group="hypothesis") if "spmkit" in ep.value]
        assert found == ["spmkit._hypothesis_hook:setup"]

    def test_bad_range_fails_at_once(self):
        """max_indicators below min_indicators is refused before anything is drawn."""
        with pytest.raises(
            StrategyArgumentError, match=r"'max_indicators' must be an int from 3 to 50 \(got 2\)"
        ):
            rule_sets(min_indicators=3, max_indicators=2)


class TestDataFor:
    @given(data_for(KULON_PROGO))
    def test_parts_never_exceed_their_wholes(self, data):
        """By default every inferred part is at most its whole, and every input is present."""
        assert set(data) == set(KULON_PROGO.inputs)
        for part, whole in inferred_subsets(KULON_PROGO).items():
            assert data[part] <= data[whole]
        spmkit.evaluate(KULON_PROGO, data)  # accepted as it is

    @given(data_for(KULON_PROGO, zero_denominators=False))
    def test_no_zero_denominators(self, data):
        """zero_denominators=False keeps every input a denominator reads at 1 or more."""
        report = spmkit.evaluate(KULON_PROGO, data)
        assert not report.by_status(spmkit.Status.UNDEFINED)

    @given(data_for(KULON_PROGO, numerator_above_denominator=True, min_value=5, max_value=5))
    def test_range_is_respected(self, data):
        """min_value and max_value bound every count."""
        assert set(data.values()) == {5}

    def test_options_reach_every_case(self):
        """missing_inputs and numerator_above_denominator do produce those cases."""
        missing = data_for(KULON_PROGO, missing_inputs=True)
        above = data_for(KULON_PROGO, numerator_above_denominator=True)

        @given(missing, above)
        def collect(data_missing, data_above):
            seen["missing"] |= len(data_missing) < len(KULON_PROGO.inputs)
            seen["above"] |= data_above["bumil_k4"] > data_above["sasaran_bumil"]

        seen = {"missing": False, "above": False}
        collect()
        assert seen == {"missing": True, "above": True}

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (
                {"subsets": {"bumil_k4": "sasaran"}},
                r"'subsets' names 'sasaran', which rule set 'kulon-progo-2011' does not declare",
            ),
            (
                {"subsets": {"bumil_k4": "sasaran_bumil", "sasaran_bumil": "bumil_k4"}},
                r"free of loops",
            ),
            ({"subsets": {"bumil_k4": "bumil_k4"}}, r"free of an input that is part of itself"),
            ({"min_value": -1}, r"'min_value' must be an int from 0 to 1000000000 \(got -1\)"),
            (
                {"max_value": 0, "zero_denominators": False},
                r"'max_value' must be at least 1 when zero_denominators is False",
            ),
            ({"missing_inputs": 1}, r"'missing_inputs' must be True or False \(got 1\)"),
        ],
    )
    def test_bad_arguments_fail_at_once(self, options, message):
        """Every bad option is refused when the strategy is made, with what was expected."""
        with pytest.raises(StrategyArgumentError, match=message):
            data_for(KULON_PROGO, **options)

    def test_rule_set_must_be_a_rule_set(self):
        """Passing an id instead of a loaded rule set says what to pass."""
        with pytest.raises(
            StrategyArgumentError,
            match=r"'rule_set' must be a spmkit.RuleSet \(got 'kulon-progo-2011'\)",
        ):
            data_for("kulon-progo-2011")


def test_import_spmkit_does_not_import_hypothesis():
    """`import spmkit` stays free of the testing extra."""
    code = (
        "import sys, spmkit; print('hypothesis' in sys.modules, 'spmkit.strategies' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
