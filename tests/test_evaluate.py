"""Evaluation semantics (docs/semantics.md): exact, total, pure, explained."""

from __future__ import annotations

import copy
import json
import math
from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit import Status
from spmkit.errors import format_errors

RULES = """
spmkit: 1
id: semantik
title: Uji semantik
language: id
jurisdiction: {level: kabupaten, name: Kabupaten Uji}
legal_basis: {instrument: Peraturan Bupati, number: "1", year: 2011}
inputs:
  a: {label: pembilang, unit: person, kind: amount}
  b: {label: penyebut, unit: person, kind: amount}
  gb: {label: balita gizi buruk, unit: person}
  balita: {label: balita, unit: person}
  opsional: {label: opsional, unit: person, required: false, default: 7}
  lain: {label: lain, unit: person}
service_types:
  I: {name: Pelayanan}
indicators:
  A:
    service_type: I
    name: Cakupan A
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 57}
    deadline: 2015
    source: Lampiran, baris A
  LOW:
    service_type: I
    name: Balita gizi buruk
    numerator: gb
    denominator: balita
    factor: 100
    target: {op: "<=", value: 1.5}
    deadline: null
    source: Lampiran, baris LOW
  IDX:
    service_type: I
    name: Indeks
    numerator: (@A + @LOW) / 2
    denominator: "1"
    factor: 1
    target: {op: ">", value: 50, unit: "%"}
    deadline: 2015
    source: Lampiran, baris IDX
  COAL:
    service_type: I
    name: Coalesce
    numerator: coalesce(lain, a)
    denominator: b - a + opsional
    factor: 1000
    target: {op: ">=", value: 1}
    deadline: 2015
    source: Lampiran, baris COAL
"""


@pytest.fixture(scope="module")
def rs():
    return spmkit.loads_rule_set(RULES, file="semantik.yaml")


FULL = {"a": 57, "b": 100, "gb": 15, "balita": 1000, "lain": 3}


class TestValue:
    """value = numerator / denominator x factor, with the parts kept apart."""

    def test_parts_are_kept(self, rs):
        """The result holds numerator, denominator and factor, not only the value."""
        r = spmkit.evaluate(rs, FULL)["A"]
        assert (r.numerator, r.denominator, r.factor) == (57, 100, 100)
        assert r.exact_value == Fraction(57)
        assert r.value == 57.0

    def test_met_is_exact_at_the_boundary(self, rs):
        """57 of 100 against >= 57 % is met, although 57/100*100 is 56.99999999999999 in floats."""
        assert 57 / 100 * 100 < 57
        r = spmkit.evaluate(rs, FULL)["A"]
        assert r.met is True
        assert r.status is Status.MET
        assert r.gap == 0

    def test_float_inputs_mean_their_decimal(self, rs):
        """0.57 and 1 mean 57/100: floats are taken as the decimal they print as."""
        r = spmkit.evaluate(rs, {**FULL, "a": 0.57, "b": 1.0})["A"]
        assert r.exact_value == 57
        assert r.met is True

    @given(st.integers(0, 10**9), st.integers(1, 10**9))
    def test_met_matches_cross_multiplication(self, numerator, denominator):
        """For any counts, met is exactly numerator * 100 >= 57 * denominator."""
        rs = spmkit.loads_rule_set(RULES)
        r = spmkit.evaluate(rs, {**FULL, "a": numerator, "b": denominator})["A"]
        assert r.met == (numerator * 100 >= 57 * denominator)

    def test_gap_for_at_least_target(self, rs):
        """A >= target not met has gap target - value, in points."""
        r = spmkit.evaluate(rs, {**FULL, "a": 50})["A"]
        assert r.status is Status.NOT_MET
        assert r.gap == 7.0
        assert r.exact_gap == 7

    def test_lower_is_better(self, rs):
        """A <= target (gizi buruk <= 1.5 %) is met at 1.5 and missed at 1.6 by exactly 0.1."""
        report = spmkit.evaluate(rs, FULL)
        assert report["LOW"].met is True
        missed = spmkit.evaluate(rs, {**FULL, "gb": 16})["LOW"]
        assert missed.met is False
        assert missed.exact_gap == Fraction(1, 10)

    def test_other_factors(self, rs):
        """A per-mille indicator multiplies by 1000."""
        r = spmkit.evaluate(rs, FULL)["COAL"]
        assert r.exact_value == Fraction(3, 100 - 57 + 7) * 1000
        assert r.value == 60.0


class TestUndefinedAndMissing:
    """Zero denominators and missing inputs never raise and are never taken as zero."""

    def test_zero_denominator_is_undefined(self, rs):
        """0 of 0 is undefined: met is None, value None, no exception."""
        r = spmkit.evaluate(rs, {**FULL, "a": 0, "b": 0})["A"]
        assert r.status is Status.UNDEFINED
        assert r.met is None
        assert r.value is None
        assert r.gap is None
        assert r.denominator == 0

    def test_missing_input_is_no_data_for_its_indicators_only(self, rs):
        """Without 'gb', LOW (and IDX built on it) are no_data; A still evaluates."""
        data = {k: v for k, v in FULL.items() if k != "gb"}
        report = spmkit.evaluate(rs, data)
        assert report["LOW"].status is Status.NO_DATA
        assert report["LOW"].missing_inputs == ("gb",)
        assert report["IDX"].status is Status.NO_DATA
        assert report["A"].status is Status.MET
        assert report.missing_inputs == frozenset({"gb"})

    def test_none_is_missing_not_zero(self, rs):
        """None means unknown: no_data, not 0 %."""
        r = spmkit.evaluate(rs, {**FULL, "a": None})["A"]
        assert r.status is Status.NO_DATA
        assert r.numerator is None
        assert r.met is None

    def test_missing_wins_over_zero_denominator(self, rs):
        """With the numerator missing and the denominator zero, more data could help: no_data."""
        r = spmkit.evaluate(rs, {**FULL, "a": None, "b": 0})["A"]
        assert r.status is Status.NO_DATA

    def test_undefined_propagates_to_composites(self, rs):
        """A composite built on an undefined indicator is undefined."""
        report = spmkit.evaluate(rs, {**FULL, "gb": 0, "balita": 0})
        assert report["LOW"].status is Status.UNDEFINED
        assert report["IDX"].status is Status.UNDEFINED

    def test_composite_uses_exact_values(self, rs):
        """IDX = (A + LOW) / 2 from the exact values of A (57) and LOW (1.5)."""
        r = spmkit.evaluate(rs, FULL)["IDX"]
        assert r.exact_value == Fraction(585, 20)
        assert r.met is False

    def test_coalesce_takes_first_available(self, rs):
        """coalesce(lain, a) uses a when lain is missing."""
        data = {k: v for k, v in FULL.items() if k != "lain"}
        r = spmkit.evaluate(rs, data)["COAL"]
        assert r.numerator == 57

    def test_optional_default(self, rs):
        """An optional input with a default takes it when absent, and the given value otherwise."""
        assert spmkit.evaluate(rs, FULL)["COAL"].denominator == 50
        assert spmkit.evaluate(rs, {**FULL, "opsional": 0})["COAL"].denominator == 43


class TestAboveDenominator:
    """A numerator above its denominator is reported as it is, and flagged."""

    def test_reported_and_flagged(self, rs):
        """1042 of 1000 is 104.2 %, met, and flagged."""
        r = spmkit.evaluate(rs, {**FULL, "a": 1042, "b": 1000})["A"]
        assert r.value == pytest.approx(104.2)
        assert r.exact_value == Fraction(1042, 10)
        assert r.exceeds_denominator is True
        assert r.met is True

    def test_not_flagged_at_equality(self, rs):
        """100 % is not above the denominator."""
        r = spmkit.evaluate(rs, {**FULL, "a": 100, "b": 100})["A"]
        assert r.exceeds_denominator is False


class TestBadData:
    """Bad values are refused with errors that name the input and the value, all at once."""

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (-1, "counts cannot be negative"),
            (-0.5, "counts cannot be negative"),
            (math.nan, "NaN and infinities are not counts"),
            (math.inf, "NaN and infinities are not counts"),
            (-math.inf, "NaN and infinities are not counts"),
            (Decimal("NaN"), "NaN and infinities are not counts"),
            (True, "booleans are not counts"),
            ("950", "give a number, not text"),
            ("3.582", "may be 3,582 in Indonesian notation"),
            ([950], "got a list"),
            (np.bool_(True), "got a bool"),  # noqa: FBT003
        ],
    )
    def test_refused(self, rs, value, fragment):
        """Each bad value raises DataInvalid naming the input and showing the value."""
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate(rs, {**FULL, "a": value})
        (error,) = caught.value.exceptions
        assert isinstance(error, spmkit.DataError)
        assert error.input_name == "a"
        assert fragment in str(error)
        assert str(error).startswith(
            f"input 'a' must be a non-negative finite number (got {value!r})"
        )

    def test_all_problems_at_once(self, rs):
        """Three bad values and one unknown name are four problems in one error."""
        data = {**FULL, "a": -1, "b": "100", "gb": math.nan, "balta": 10}
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate(rs, data)
        messages = format_errors(caught.value)
        assert len(messages) == 4
        assert {e.input_name for e in caught.value.exceptions} == {"a", "b", "gb", "balta"}
        assert any("did you mean 'balita'?" in m for m in messages)

    def test_unknown_allowed_on_request(self, rs):
        """allow_unknown=True ignores names the rule set does not declare."""
        report = spmkit.evaluate(rs, {**FULL, "dari_rule_set_lain": 5}, allow_unknown=True)
        assert report["A"].met is True

    def test_data_must_be_a_mapping(self, rs):
        """A list is not a data set."""
        with pytest.raises(spmkit.DataInvalid):
            spmkit.evaluate(rs, [("a", 1)])  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "value", [np.int64(57), np.float64(57.0), Decimal(57), Fraction(57), 57.0]
    )
    def test_number_types_accepted(self, rs, value):
        """numpy scalars, Decimal, Fraction and floats are numbers."""
        assert spmkit.evaluate(rs, {**FULL, "a": value})["A"].exact_value == 57


class TestPurity:
    """evaluate is a pure function."""

    def test_arguments_are_not_mutated(self, rs):
        """The data mapping is unchanged after evaluation."""
        data = {**FULL, "a": None}
        before = copy.deepcopy(data)
        spmkit.evaluate(rs, data)
        assert data == before

    def test_same_arguments_equal_reports(self, rs):
        """Two calls with equal arguments give equal reports."""
        assert spmkit.evaluate(rs, dict(FULL)) == spmkit.evaluate(rs, dict(FULL))

    def test_results_are_frozen(self, rs):
        """Results cannot be changed after the fact."""
        r = spmkit.evaluate(rs, FULL)["A"]
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            r.met = False  # type: ignore[misc]


class TestExplanation:
    """Every result says why: formula, values, target, verdict and source."""

    def test_met(self, rs):
        """The explanation substitutes the values and cites the instrument and row."""
        r = spmkit.evaluate(rs, FULL)["A"]
        assert r.explanation == (
            "A: a / b x 100 = 57 / 100 x 100 = 57.00 %; target >= 57 % by 2015: met. "
            "Source: Peraturan Bupati Nomor 1 Tahun 2011, Lampiran, baris A."
        )

    def test_not_met_and_no_deadline(self, rs):
        """The gap is given in percentage points; a missing deadline is not invented."""
        r = spmkit.evaluate(rs, {**FULL, "gb": 16})["LOW"]
        assert "= 1.60 %; target <= 1.5 %: not met, gap 0.10 percentage points." in r.explanation

    def test_no_data(self, rs):
        """A no_data explanation names the missing inputs and shows them as '?'."""
        r = spmkit.evaluate(rs, {**FULL, "a": None})["A"]
        assert "= ? / 100 x 100 = no data (missing a)" in r.explanation

    def test_undefined(self, rs):
        """An undefined explanation says the denominator is zero."""
        r = spmkit.evaluate(rs, {**FULL, "a": 0, "b": 0})["A"]
        assert "undefined (the denominator is zero)" in r.explanation


class TestReport:
    """The report is an ordered, read-only mapping with summaries."""

    def test_order_and_counts(self, rs):
        """Results come in the rule set's order, with counts per status."""
        report = spmkit.evaluate(rs, FULL)
        assert list(report) == ["A", "LOW", "IDX", "COAL"]
        assert report.counts[Status.MET] == 3
        assert report.counts[Status.NOT_MET] == 1
        assert report.all_met is False

    def test_to_dict_is_json_ready(self, rs):
        """to_dict gives plain numbers and strings."""
        data = spmkit.evaluate(rs, FULL).to_dict()
        assert json.loads(json.dumps(data)) == data
        assert data["results"][0]["value"] == 57.0
        assert data["results"][0]["status"] == "met"
