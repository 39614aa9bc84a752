"""Shown numbers decide like the exact value: the record every output renders."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit._evaluation.shown import decides, shown_decimals, shown_gap, shown_value
from spmkit._numbers import number_text

OPS = (">=", ">", "<=", "<", "==")


def test_the_94996_row_shows_three_decimals_in_both_languages():
    report = spmkit.evaluate("kulon-progo-2011", {"bumil_k4": 94996, "sasaran_bumil": 100000})
    result = report["I.1"]
    assert result.status == "not_met"
    assert result.shown_value == "94,996"  # the rule set is Indonesian
    assert result.shown_value_in("en") == "94.996"
    assert result.shown_gap_in("id") == "0,004"
    assert result.shown_decimals == 3
    assert result.to_dict()["shown_value"] == "94,996"


def test_a_met_round_value_keeps_two_decimals():
    result = spmkit.evaluate("kulon-progo-2011", {"bumil_k4": 950, "sasaran_bumil": 1000})["I.1"]
    assert (result.shown_value, result.shown_gap) == ("95,00", "0,00")


def test_an_index_just_under_a_band_edge_is_not_shown_on_the_edge():
    # 89.99999 against the band edge 90 (Tuntas Utama / Tuntas Madya).
    assert shown_value(Fraction(8999999, 100000), [(">=", Fraction(90))], "id") == "89,99999"


def test_a_milestone_is_a_threshold_too():
    report = spmkit.evaluate(
        "siak-renstra-2012-2016",
        dict.fromkeys((), 0),
        year=2013,
    )
    assert all(r.shown_value is None for r in report.values())


def test_provenance_lists_each_value_with_its_own_level():
    result = spmkit.evaluate("kulon-progo-2011", {"bumil_k4": 950, "sasaran_bumil": 1000})["I.1"]
    levels = {name: source.verification.value for name, source in result.provenance.items()}
    assert levels == {"target": "primary", "deadline": "primary", "formula": "primary"}


def test_every_api_entry_takes_a_rule_set_id():
    data = {"bumil_k4": [950], "sasaran_bumil": [1000]}
    assert spmkit.evaluate_batch("kulon-progo-2011", data)["I.1"].status.tolist() == ["met"]
    assert spmkit.validate_data("kulon-progo-2011", {"bumil_k4": 1}) == {"bumil_k4": 1}
    assert spmkit.compile_rule_set("kulon-progo-2011").rule_set.id == "kulon-progo-2011"


fractions = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**7)


@given(exact=fractions, bounds=st.lists(st.tuples(st.sampled_from(OPS), fractions), max_size=6))
def test_the_shown_number_decides_every_threshold_like_the_exact_value(exact, bounds):
    decimals, candidate = shown_decimals(exact, bounds)
    assert decimals >= 2
    for op, bound in bounds:
        assert decides(op, candidate, bound) == decides(op, exact, bound)
    if decimals == 60:  # a value equal to a bound with no finite decimal (== 1/3)
        return
    # And the text is that number: parsed back, it is the candidate.
    text = shown_value(exact, bounds, "en").replace(",", "")
    assert Fraction(text) == candidate


@given(gap=st.fractions(min_value=0, max_value=1000, max_denominator=10**9))
def test_a_gap_that_is_not_zero_is_never_shown_as_zero(gap):
    text = shown_gap(gap, "id")
    assert (Fraction(text.replace(".", "").replace(",", ".")) == 0) == (gap == 0)


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (Fraction(35825, 10), "id", 2, "3.582,50"),
        (Fraction(35825, 10), "en", 2, "3,582.50"),
        (Fraction(1234567), "id", 0, "1.234.567"),
        (Fraction(-1, 8), "en", 2, "-0.12"),
        (Fraction(5, 1000), "en", 2, "0.00"),
    ],
)
def test_the_one_number_formatter(value, lang, decimals, text):
    assert number_text(value, lang, decimals) == text


@given(
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=4),
    lang=st.sampled_from(["id", "en"]),
)
def test_the_formatter_agrees_with_babel(value, lang):
    babel = pytest.importorskip("babel.numbers")
    if value < 0 and round(value, 2) == 0:
        return  # Babel writes -0,00; spmkit writes 0,00 (a sign on nothing misleads)
    expected = babel.format_decimal(
        value.quantize(__import__("decimal").Decimal("0.01"), rounding="ROUND_HALF_EVEN"),
        format="#,##0.00",
        locale={"id": "id_ID", "en": "en_US"}[lang],
    )
    assert number_text(Fraction(value), lang, 2) == expected
