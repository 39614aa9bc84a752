"""spmkit.testing: the conformance kit passes every shipped rule set and catches broken ones.

The broken rule sets are the mistakes people make when they transcribe a regulation: a
formula upside down, a target on another scale than the factor, a numerator that does not
count a part of the denominator. Each must fail with the indicator, the property and a
small counterexample in the message.
"""

from __future__ import annotations

import functools

import attrs
import pytest

import spmkit
from hypothesis_budget import examples
from spmkit.strategies import StrategyArgumentError, inferred_subsets
from spmkit.testing import (
    PROPERTIES,
    ConformanceError,
    RuleSetPropertyError,
    _degree,
    check_rule_set_properties,
    property_cases,
)


@functools.cache
def shipped_cases(rule_set_id: str) -> tuple[object, ...]:
    """The kit's cases for one shipped rule set, built when a test first asks.

    Not at collection: loading every shipped rule set there cost each test process
    seconds, slow-marked or not.
    """
    return tuple(property_cases(spmkit.load_rule_set(rule_set_id)))


@pytest.mark.slow  # hypothesis-heavy: every property of every shipped rule set
@pytest.mark.parametrize("rule_set_id", sorted(spmkit.shipped_rule_sets()))
def test_shipped_rule_set_property(rule_set_id):
    """Every applicable property holds for every shipped rule set."""
    for case in shipped_cases(rule_set_id):
        case()  # type: ignore[operator]


def test_every_shipped_rule_set_gets_the_core_properties():
    """The kit does run the data properties on each shipped rule set, not only the static ones."""
    for rule_set_id in spmkit.shipped_rule_sets():
        names = {case.name for case in shipped_cases(rule_set_id)}  # type: ignore[attr-defined]
        assert {
            "yaml_round_trip",
            "determinism_and_purity",
            "statuses",
            "scale_invariance",
            "coverage_bounds",
            "target_reachable",
            "target_boundary",
        } <= names, rule_set_id


SMALL = """\
spmkit: 1
id: contoh
title: Contoh
language: id
jurisdiction: {level: kabupaten, name: Kabupaten Contoh}
legal_basis: {instrument: Peraturan Bupati, number: "1", year: 2024}
inputs:
  bumil_k4: {label: K4, unit: person}
  sasaran_bumil: {label: Sasaran ibu hamil, unit: person}
  bulin_nakes: {label: Persalinan nakes, unit: person}
  sasaran_bulin: {label: Sasaran ibu bersalin, unit: person}
service_types:
  I: {name: Kesehatan dasar}
indicators:
  I.1:
    service_type: I
    name: Cakupan K4
    numerator: NUM
    denominator: DEN
    factor: FACTOR
    target: {op: ">=", value: 95}
    deadline: 2015
    source: Lampiran, No. I, indikator 1
  I.2:
    service_type: I
    name: Cakupan persalinan nakes
    numerator: bulin_nakes
    denominator: sasaran_bulin
    factor: 100
    target: {op: ">=", value: 100}
    deadline: 2015
    source: Lampiran, No. I, indikator 3
"""

# What the person testing knows from the regulation, independent of the formulas.
KNOWN_PARTS = {"bumil_k4": "sasaran_bumil", "bulin_nakes": "sasaran_bulin"}


def small(numerator="bumil_k4", denominator="sasaran_bumil", factor="100"):
    text = SMALL.replace("NUM", numerator).replace("DEN", denominator).replace("FACTOR", factor)
    return spmkit.loads_rule_set(text)


def failure(rule_set, prop, **options):
    """Run the kit, expect it to fail, return the one failure of property ``prop``."""
    with pytest.raises(ConformanceError) as info:
        check_rule_set_properties(rule_set, max_examples=examples(100), **options)
    assert prop in info.value.failures, str(info.value)
    error = info.value.failures[prop]
    assert isinstance(error, RuleSetPropertyError)
    return error, str(info.value)


@pytest.mark.slow  # runs the kit on broken rule sets (hypothesis)
class TestTeeth:
    def test_sound_small_rule_set_passes(self):
        """The correct rule set passes with the same knowledge the broken ones are checked with."""
        checked = check_rule_set_properties(small(), subsets=KNOWN_PARTS, max_examples=examples(30))
        assert "coverage_bounds" in checked
        assert "target_reachable" in checked

    def test_inverted_formula(self):
        """sasaran / k4 x 100 exceeds 100 % on data where k4 <= sasaran; the kit says swapped."""
        error, message = failure(
            small(numerator="sasaran_bumil", denominator="bumil_k4"),
            "coverage_bounds",
            subsets=KNOWN_PARTS,
        )
        assert error.indicator_id == "I.1"
        assert set(error.data) == {"bumil_k4", "sasaran_bumil"}
        assert 0 < error.data["bumil_k4"] < error.data["sasaran_bumil"]
        assert "numerator and denominator look swapped" in message
        assert "counterexample data: {" in message

    def test_inverted_formula_is_invisible_without_knowledge(self):
        """With subsets inferred from the formulas themselves, an inversion cannot be seen (documented)."""
        checked = check_rule_set_properties(
            small(numerator="sasaran_bumil", denominator="bumil_k4"), max_examples=20
        )
        assert "coverage_bounds" in checked

    def test_target_on_the_wrong_scale(self):
        """Factor 1 with a target of 95: even full coverage (value 1) never meets it."""
        error, message = failure(small(factor="1"), "target_reachable")
        assert error.indicator_id == "I.1"
        assert error.data["bumil_k4"] == error.data["sasaran_bumil"] >= 1
        assert "even full coverage" in message
        assert "is the target on the scale of the factor (1)?" in message

    def test_numerator_not_a_subset(self):
        """bulin_nakes over sasaran_bumil: deliveries are not a part of pregnant women."""
        error, message = failure(
            small(numerator="bulin_nakes"), "coverage_bounds", subsets=KNOWN_PARTS
        )
        assert error.indicator_id == "I.1"
        assert error.data["bulin_nakes"] > error.data["sasaran_bumil"] > 0
        assert "'bulin_nakes' is not declared a part of 'sasaran_bumil'" in message

    @pytest.mark.parametrize(
        ("text", "degree"),
        [
            ("a", 1),
            ("a / b", 0),
            ("sum(a, b) * 2", 1),
            ("a * b", 2),
            ("a + 1", None),
            ("min(a, b * c)", None),
            ("@I.1", None),
        ],
    )
    def test_scale_invariance_applies_to_homogeneous_formulas_only(self, text, degree):
        """Only formulas homogeneous in the counts keep their value when all counts scale."""
        assert _degree(spmkit.parse_expression(text)) == degree


@pytest.mark.slow  # runs the kit (hypothesis)
class TestFeatureHooks:
    def test_batch_matching_scalar_passes(self):
        """A batch evaluator that agrees row by row with evaluate passes."""
        check_rule_set_properties(small(), evaluate_batch=scalar_batch, max_examples=15)

    def test_batch_disagreeing_is_caught(self):
        """A batch evaluator that rounds values differently is caught on a row."""
        error, message = failure(small(), "batch_matches_scalar", evaluate_batch=rounding_batch)
        assert "batch gives" in message
        assert error.indicator_id in {"I.1", "I.2"}

    def test_overlay_idempotence(self):
        """Setting a target twice equals setting it once; adding 5 to it twice does not."""

        def set_target(rule_set):
            ind = rule_set.indicators["I.1"]
            new = attrs.evolve(ind, target=attrs.evolve(ind.target, value=90))
            return attrs.evolve(rule_set, indicators={**rule_set.indicators, "I.1": new})

        def raise_target(rule_set):
            ind = rule_set.indicators["I.1"]
            new = attrs.evolve(ind, target=attrs.evolve(ind.target, value=ind.target.value + 5))
            return attrs.evolve(rule_set, indicators={**rule_set.indicators, "I.1": new})

        assert "overlay_idempotence" in check_rule_set_properties(
            small(), overlay=set_target, max_examples=5
        )
        _, message = failure(small(), "overlay_idempotence", overlay=raise_target)
        assert "applying the overlay twice" in message


class _Column:
    def __init__(self, status, met, value):
        self.status, self.met, self.value = status, met, value


def scalar_batch(rule_set, columns, *, digits=None):
    rows = len(next(iter(columns.values())))
    reports = [
        spmkit.evaluate(rule_set, {k: v[i] for k, v in columns.items() if v[i] is not None})
        for i in range(rows)
    ]
    result = {}
    for iid in rule_set.indicators:
        results = [report[iid] for report in reports]
        values = [r.value for r in results]
        if digits is not None:
            values = [None if v is None else round(v, digits) for v in values]
        result[iid] = _Column([r.status for r in results], [r.met for r in results], values)
    return result


def rounding_batch(rule_set, columns):
    return scalar_batch(rule_set, columns, digits=0)


class TestArguments:
    def test_unknown_coverage_id(self):
        """coverages must name indicators of the rule set."""
        with pytest.raises(
            StrategyArgumentError,
            match=r"'coverages' names indicators that rule set 'contoh' lacks: I\.9",
        ):
            property_cases(small(), coverages=["I.9"])

    def test_bad_subsets_fail_before_running(self):
        """A typo in subsets is reported at once, with the declared inputs."""
        with pytest.raises(StrategyArgumentError, match=r"'subsets' names 'sasaran'"):
            property_cases(small(), subsets={"bumil_k4": "sasaran"})

    def test_max_examples_must_be_positive(self):
        """max_examples=0 is refused."""
        with pytest.raises(
            StrategyArgumentError, match=r"'max_examples' must be a positive int \(got 0\)"
        ):
            property_cases(small(), max_examples=0)

    def test_property_names_are_known(self):
        """Every case a rule set gets is one of PROPERTIES, and str(case) is a readable id."""
        cases = property_cases(small())
        assert {case.name for case in cases} <= set(PROPERTIES)
        assert str(cases[0]) == "contoh:yaml_round_trip"


@pytest.mark.slow  # runs the kit (hypothesis)
def test_declared_rates_are_not_coverages():
    """An indicator declared coverage: false (a rate) is not held to 0..factor."""
    text = SMALL.replace("NUM", "bumil_k4").replace("DEN", "sasaran_bumil").replace("FACTOR", "100")
    text = text.replace(
        "    deadline: 2015\n    source: Lampiran, No. I, indikator 1",
        "    deadline: 2015\n    coverage: false\n    source: Lampiran, No. I, indikator 1",
    )
    rule_set = spmkit.loads_rule_set(text)
    assert rule_set.indicators["I.1"].coverage is False
    kit_cases = property_cases(rule_set)
    assert "coverage_bounds" in {c.name for c in kit_cases}  # I.2 is still a coverage
    assert "bumil_k4" not in inferred_subsets(rule_set)
    check_rule_set_properties(rule_set, max_examples=10)
