"""Aggregation up the hierarchy: ratio of sums, declared period rules, strata."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

import numpy as np
import pytest

import spmkit

RULES = """
spmkit: 1
id: agg-test
title: Aggregation test
language: en
jurisdiction: {level: kabupaten, name: X}
legal_basis: {instrument: Test, number: "1", year: 2020}
inputs:
  k4: {label: K4 visits, unit: person}
  sasaran: {label: Target pregnant women (annual estimate), unit: person, aggregate: same}
  penduduk: {label: Population at the end of the month, unit: person, aggregate: last}
  air: {label: Water supplied, unit: L/day}
service_types:
  I: {name: Basic}
indicators:
  I.1:
    service_type: I
    name: K4 coverage
    numerator: k4
    denominator: sasaran
    factor: 100
    target: {op: ">=", value: 95}
    deadline: 2015
    source: {ref: test}
"""


@pytest.fixture(scope="module")
def rule_set():
    return spmkit.loads_rule_set(RULES)


class TestRatioOfSums:
    def test_puskesmas_value_is_sum_of_numerators_over_sum_of_denominators(self, rule_set):
        """Village A 1/1 (100 %), village B 50/100 (50 %): the puskesmas has 51/101."""
        villages = {
            "puskesmas": np.array(["P1", "P1", "P2"]),
            "k4": np.array([1, 50, 96]),
            "sasaran": np.array([1, 100, 100]),
        }
        totals = spmkit.aggregate(rule_set, villages, by=["puskesmas"])
        assert totals["puskesmas"].tolist() == ["P1", "P2"]
        assert totals["k4"].tolist() == [51, 96]
        assert totals["sasaran"].tolist() == [101, 100]
        result = spmkit.evaluate_batch(rule_set, totals, keys=["puskesmas"])
        assert result["I.1"].value[0] == float(Fraction(51, 101) * 100)
        assert result["I.1"].status.tolist() == ["not_met", "met"]

    def test_averaging_percentages_would_give_a_different_wrong_answer(self, rule_set):
        """The mean of 100 % and 50 % is 75 %; the puskesmas really reaches 50.495 %."""
        villages = {"k4": np.array([1, 50]), "sasaran": np.array([1, 100])}
        per_village = spmkit.evaluate_batch(rule_set, villages)["I.1"].value
        assert per_village.mean() == 75.0
        total = spmkit.evaluate_batch(rule_set, spmkit.aggregate(rule_set, villages, by=[]))
        assert total["I.1"].value.tolist() == [pytest.approx(50.495, abs=1e-3)]
        assert total["I.1"].value[0] == 5100 / 101

    def test_missing_in_one_village_makes_the_group_missing(self, rule_set):
        """A sum over a village with no data would understate the total: no_data."""
        villages = {"g": ["a", "a", "b"], "k4": [1, None, 2], "sasaran": [1, 1, 2]}
        totals = spmkit.aggregate(rule_set, villages, by=["g"])
        assert np.isnan(totals["k4"][0])
        result = spmkit.evaluate_batch(rule_set, totals, keys=["g"])
        assert result["I.1"].status.tolist() == ["no_data", "met"]

    def test_decimal_inputs_sum_exactly(self, rule_set):
        """0.1 + 0.2 is 0.3 here, as in the exact scalar evaluator (not 0.30000000000000004)."""
        totals = spmkit.aggregate(rule_set, {"air": np.array([0.1, 0.2])}, by=[])
        assert totals["air"].tolist() == [0.3]


class TestPeriods:
    MONTHS: ClassVar[dict[str, list[object]]] = {
        "village": ["v1"] * 3 + ["v2"] * 3,
        "month": [1, 2, 3] * 2,
        "k4": [10, 20, 30, 1, 2, 3],
        "sasaran": [100] * 3 + [10] * 3,
        "penduduk": [500, 510, 520, 50, 51, 52],
    }

    def test_counts_sum_and_estimates_are_not_summed_over_months(self, rule_set):
        """60 visits against an annual target of 100, not against 300."""
        year = spmkit.aggregate(rule_set, self.MONTHS, by=["village"], period="month")
        assert year["k4"].tolist() == [60, 6]
        assert year["sasaran"].tolist() == [100, 10]
        assert year["penduduk"].tolist() == [520, 52]

    def test_places_are_summed_after_their_periods(self, rule_set):
        """Months combine per village first, then villages add up to the regency."""
        data = {**self.MONTHS, "regency": ["R"] * 6}
        year = spmkit.aggregate(rule_set, data, by=["regency"], period="month", place="village")
        assert year["k4"].tolist() == [66]
        assert year["sasaran"].tolist() == [110]
        assert year["penduduk"].tolist() == [572]
        result = spmkit.evaluate_batch(rule_set, year, keys=["regency"])
        assert result["I.1"].value[0] == 6600 / 110

    def test_last_takes_the_latest_period_whatever_the_row_order(self, rule_set):
        shuffled = {k: list(reversed(v)) for k, v in self.MONTHS.items()}
        year = spmkit.aggregate(rule_set, shuffled, by=["village"], period="month")
        assert year["penduduk"].tolist() == [520, 52]

    def test_disagreeing_estimates_of_one_period_are_refused(self, rule_set):
        data = {"village": ["v1", "v1"], "month": [1, 2], "sasaran": [100, 101]}
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.aggregate(rule_set, data, by=["village"], period="month")
        assert spmkit.format_errors(info.value) == [
            (
                "input 'sasaran' must be one value for the whole period (declared 'aggregate: same') "
                "(got ['100', '101']) (the periods of village='v1' disagree; fix the data or "
                "declare another rule)"
            )
        ]

    def test_aggregate_key_is_read_from_yaml_and_checked(self):
        bad = RULES.replace("aggregate: same", "aggregate: average")
        with pytest.raises(spmkit.RuleSetInvalid) as info:
            spmkit.loads_rule_set(bad)
        assert "'aggregate' must be one of 'sum', 'max', 'min', 'first', 'last', 'same'" in str(
            info.value
        )
        assert spmkit.loads_rule_set(RULES).inputs["sasaran"].aggregate == "same"
        assert spmkit.loads_rule_set(RULES).inputs["k4"].aggregate == "sum"


class TestStrata:
    def test_strata_and_total_evaluate_and_add_up(self, rule_set):
        """Boys 9/10, girls 1/10; the total is 10/20 = 50 %, computed from the strata."""
        data = {
            "sex": ["L", "P", "total"],
            "k4": [9, 1, 10],
            "sasaran": [10, 10, 20],
        }
        columns = spmkit.stratify(rule_set, data, stratum="sex")
        result = spmkit.evaluate_batch(rule_set, columns, keys=["sex"])
        assert result.key_columns["sex"].tolist() == ["L", "P", "total"]
        assert result["I.1"].value.tolist() == [90.0, 10.0, 50.0]

    def test_strata_that_do_not_add_up_are_reported(self, rule_set):
        data = {
            "puskesmas": ["A", "A", "A"],
            "sex": ["L", "P", "total"],
            "k4": [9, 1, 11],
            "sasaran": [10, 10, 20],
        }
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.stratify(rule_set, data, stratum="sex", by=["puskesmas"])
        assert spmkit.format_errors(info.value) == [
            (
                "input 'k4' must be the sum of its strata (10.0) (got 11.0) "
                "(the reported total of puskesmas='A' disagrees)"
            )
        ]
