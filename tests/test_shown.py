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


def test_a_value_halfway_at_two_decimals_is_shown_as_it_is(tmp_path):
    """0.025 is 0,02 half to even but 0,03 in Excel: shown 0,025 everywhere, xlsx included."""
    openpyxl = pytest.importorskip("openpyxl")
    from spmkit.cli import main  # noqa: PLC0415

    data = {"neonatus_komplikasi_ditangani": [5, 3], "neonatus_komplikasi": [20000, 20000]}
    batch = spmkit.evaluate_batch("kulon-progo-2011", data)
    shown = [batch.result(row, "I.5") for row in (0, 1)]
    assert [(r.shown_value, r.shown_decimals) for r in shown] == [("0,025", 3), ("0,015", 3)]
    assert [r.shown_gap for r in shown] == ["99,975", "99,985"]
    scalar = spmkit.evaluate("kulon-progo-2011", {k: v[0] for k, v in data.items()})["I.5"]
    assert scalar.shown_value == "0,025"
    assert shown_gap(Fraction(5, 1000), "en") == "0.005"  # below two decimals' half: more
    assert shown_gap(Fraction(25, 1000), "en") == "0.025"  # a tie: one more, exact
    table = tmp_path / "d.csv"
    table.write_text(
        "region,neonatus_komplikasi_ditangani,neonatus_komplikasi\nA,5,20000\n", encoding="utf-8"
    )
    book = tmp_path / "out.xlsx"
    assert main(["evaluate", "kulon-progo-2011", str(table), "-o", str(book)]) in {0, 1}
    sheet = openpyxl.load_workbook(book).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    for cells in sheet.iter_rows(min_row=2):
        row = dict(zip(header, cells, strict=False))
        if (row.get("Indikator") or row.get("Indicator")).value == "I.5":
            value = row.get("Capaian") or row.get("Achievement")
            assert value.number_format.partition(".")[2].rstrip("%") == "000"
            break
    else:
        pytest.fail("no I.5 row in the workbook")
