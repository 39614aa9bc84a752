"""Bands (categories) and weighted indices: decisions, explanations and load-time checks."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._rulesets.dump import dump_rule_set
from spmkit._rulesets.scoring import Band, band_of
from spmkit.errors import RuleSetInvalid, SpmkitWarning

HEAD = """\
spmkit: 1
id: scoring-test
title: Scoring test
language: id
jurisdiction: {level: kabupaten, name: Kabupaten Contoh}
legal_basis: {instrument: Permendagri, number: "59", year: 2021}
inputs:
  served: {label: served, unit: person}
  must: {label: must be served, unit: person}
  fulfilled: {label: items fulfilled, unit: item}
  required: {label: items required, unit: item}
service_types:
  s: {name: S}
indicators:
  P.1:
    service_type: s
    name: Penerima
    numerator: served
    denominator: must
    factor: 100
    target: {op: ">=", value: 100}
    deadline: null
    source: x
  M.1:
    service_type: s
    name: Mutu
    numerator: fulfilled
    denominator: required
    factor: 100
    target: {op: ">=", value: 100}
    deadline: null
    source: x
"""

SPM_BANDS = """\
    bands:
      - {at_least: 100, label: Tuntas Paripurna, label_en: Fully achieved}
      - {at_least: 90, below: 100, label: Tuntas Utama, label_en: Main}
      - {at_least: 80, below: 90, label: Tuntas Madya, label_en: Middle}
      - {at_least: 70, below: 80, label: Tuntas Pratama, label_en: Primary}
      - {at_least: 60, below: 70, label: Tuntas Muda, label_en: Young}
      - {below: 60, label: Belum Tuntas, label_en: Not yet achieved}
"""

INDEX = """\
  IP.1:
    service_type: s
    name: Indeks
    index: {weights: {P.1: 0.8, M.1: 0.2}, missing: MISSING}
    target: {op: ">=", value: 100}
    deadline: null
    source: x
"""

# (penerima value as served of 10,000, band): each threshold exactly, and 0.01 below it.
BOUNDARIES = [
    (10_000, "Tuntas Paripurna"),
    (9_999, "Tuntas Utama"),
    (9_000, "Tuntas Utama"),
    (8_999, "Tuntas Madya"),
    (8_000, "Tuntas Madya"),
    (7_999, "Tuntas Pratama"),
    (7_000, "Tuntas Pratama"),
    (6_999, "Tuntas Muda"),
    (6_000, "Tuntas Muda"),
    (5_999, "Belum Tuntas"),
    (0, "Belum Tuntas"),
    (12_000, "Tuntas Paripurna"),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        return spmkit.load_rule_set(write(tmp_path, text))


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line containing ``fragment``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def refused(tmp_path: Path, text: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.load_rule_set(write(tmp_path, text))
    return [str(e) for e in caught.value.exceptions]


def banded_ratio() -> str:
    return HEAD.replace("    source: x\n  M.1:", "    source: x\n" + SPM_BANDS + "  M.1:", 1)


def index_rules(missing: str = "no_data", bands: str = SPM_BANDS) -> str:
    return banded_ratio() + INDEX.replace("MISSING", missing) + bands


class TestBandBoundaries:
    """Thresholds are decided exactly: 90 is Utama, 89.99 is Madya."""

    @pytest.mark.parametrize(("served", "band"), BOUNDARIES)
    def test_scalar_at_and_below_each_threshold(self, tmp_path, served, band):
        """Each threshold belongs to its band; 0.01 below it falls to the next one."""
        rs = load(tmp_path, banded_ratio())
        result = spmkit.evaluate(rs, {"served": served, "must": 10_000})["P.1"]
        assert result.band == band
        assert result.exact_value == Fraction(served, 100)

    def test_batch_at_and_below_each_threshold(self, tmp_path):
        """The batch band of every row equals the scalar band."""
        rs = load(tmp_path, banded_ratio())
        served = [s for s, _band in BOUNDARIES]
        result = spmkit.evaluate_batch(rs, {"served": served, "must": [10_000] * len(served)})
        assert result["P.1"].band.tolist() == [band for _s, band in BOUNDARIES]

    @pytest.mark.parametrize(("served", "band"), BOUNDARIES)
    def test_index_scalar_and_batch(self, tmp_path, served, band):
        """An index at each threshold and just below it, with mutu at 100 or 0."""
        rs = load(tmp_path, index_rules())
        # 0.8 * p + 0.2 * m hits each value with m = 100 % (p shifted by 20) or m = 0.
        value = Fraction(served, 100)
        m = 100 if value >= 20 else 0
        p = (value - Fraction(m, 5)) * Fraction(5, 4)
        data = {"served": p.numerator, "must": p.denominator * 100, "fulfilled": m, "required": 100}
        scalar = spmkit.evaluate(rs, data)["IP.1"]
        assert scalar.exact_value == value
        assert scalar.band == band
        batch = spmkit.evaluate_batch(rs, {k: [v] for k, v in data.items()})
        assert batch["IP.1"].band.tolist() == [band]

    def test_float_tie_is_decided_exactly(self, tmp_path):
        """A value whose float is 90.0 but which is just below 90 is Madya, in batch too."""
        rs = load(tmp_path, index_rules())
        d = 5 * 10**15
        data = {"served": 9, "must": 10, "fulfilled": 9 * d // 10 - 1, "required": d}
        scalar = spmkit.evaluate(rs, data)["IP.1"]
        assert scalar.exact_value == 90 - Fraction(20, d)
        assert scalar.value == 90.0
        assert scalar.band == "Tuntas Madya"
        batch = spmkit.evaluate_batch(rs, {k: [v, v] for k, v in data.items()})
        assert batch["IP.1"].value.tolist() == [90.0, 90.0]
        assert batch["IP.1"].band.tolist() == ["Tuntas Madya"] * 2

    def test_no_value_no_band(self, tmp_path):
        """Missing data or a zero denominator gives no band, in scalar and batch."""
        rs = load(tmp_path, banded_ratio())
        assert spmkit.evaluate(rs, {"must": 10})["P.1"].band is None
        assert spmkit.evaluate(rs, {"served": 0, "must": 0})["P.1"].band is None
        batch = spmkit.evaluate_batch(rs, {"served": [None, 0, 5], "must": [10, 0, 5]})
        assert batch["P.1"].band.tolist() == [None, None, "Tuntas Paripurna"]
        assert batch["P.1"].band_en.tolist() == [None, None, "Fully achieved"]

    def test_lower_is_better(self, tmp_path):
        """The at_most form: the top band holds the lowest values, thresholds inclusive."""
        bands = """\
    bands:
      - {at_most: 5, label: Baik}
      - {at_most: 10, above: 5, label: Cukup}
      - {above: 10, label: Kurang}
"""
        rs = load(
            tmp_path, HEAD.replace("    source: x\n  M.1:", "    source: x\n" + bands + "  M.1:")
        )
        served = [0, 500, 501, 1000, 1001]
        got = [spmkit.evaluate(rs, {"served": s, "must": 10_000})["P.1"].band for s in served]
        assert got == ["Baik", "Baik", "Cukup", "Cukup", "Kurang"]
        batch = spmkit.evaluate_batch(rs, {"served": served, "must": [10_000] * 5})
        assert batch["P.1"].band.tolist() == got

    def test_band_of_first_reached(self):
        """band_of takes the first band whose threshold the exact value reaches."""
        bands = (Band(label="A", at_least=Fraction(90)), Band(label="B"))
        assert band_of(bands, Fraction(90)).label == "A"
        assert band_of(bands, Fraction(8999, 100)).label == "B"
        assert band_of(bands, None) is None
        assert band_of((), Fraction(1)) is None


class TestBandOutputs:
    """The band travels into to_dict, the explanation and DataFrames."""

    def test_to_dict_and_explanation(self, tmp_path):
        rs = load(tmp_path, banded_ratio())
        result = spmkit.evaluate(rs, {"served": 9_000, "must": 10_000})["P.1"]
        assert result.to_dict()["band"] == "Tuntas Utama"
        assert result.to_dict()["band_en"] == "Main"
        assert result.explanation.endswith("Band: Tuntas Utama (>= 90 and < 100).")

    def test_dataframes(self, tmp_path):
        pytest.importorskip("pandas")
        rs = load(tmp_path, banded_ratio())
        batch = spmkit.evaluate_batch(rs, {"served": [9_000, 5], "must": [10_000, 10]})
        wide = batch.to_pandas("wide")
        assert wide["P.1.band"].tolist() == ["Tuntas Utama", "Belum Tuntas"]
        assert "M.1.band" not in wide.columns  # no bands, no columns
        long = batch.to_pandas()
        assert long.loc[long["indicator"] == "P.1", "band_en"].tolist() == [
            "Main",
            "Not yet achieved",
        ]
        assert long.loc[long["indicator"] == "M.1", "band"].isna().all()

    def test_polars_frames(self, tmp_path):
        pytest.importorskip("polars")
        rs = load(tmp_path, banded_ratio())
        batch = spmkit.evaluate_batch(rs, {"served": [9_000, None], "must": [10_000, 10]})
        assert batch.to_polars("wide")["P.1.band"].to_list() == ["Tuntas Utama", None]
        long = batch.to_polars()
        assert long["band"].to_list() == ["Tuntas Utama", None, None, None]

    def test_dump_round_trip(self, tmp_path):
        rs = load(tmp_path, index_rules("renormalise"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpmkitWarning)
            assert spmkit.loads_rule_set(dump_rule_set(rs)) == rs


class TestIndex:
    """Weighted composites: value, missing rule, explanation, batch and aggregation."""

    def test_value_and_explanation(self, tmp_path):
        """The explanation lists each component's value, weight and contribution."""
        rs = load(tmp_path, index_rules())
        report = spmkit.evaluate(rs, {"served": 95, "must": 100, "fulfilled": 8, "required": 10})
        result = report["IP.1"]
        assert result.exact_value == Fraction(92)  # 0.8 * 95 + 0.2 * 80
        assert result.band == "Tuntas Utama"
        assert "P.1 Penerima = 95 x 0.8 = 76" in result.explanation
        assert "M.1 Mutu = 80 x 0.2 = 16" in result.explanation
        assert "index = 92." in result.explanation
        assert result.exceeds_denominator is False

    def test_no_data_rule(self, tmp_path):
        """missing: no_data: one missing component leaves the index without a value."""
        rs = load(tmp_path, index_rules("no_data"))
        result = spmkit.evaluate(rs, {"served": 95, "must": 100})["IP.1"]
        assert result.status is spmkit.Status.NO_DATA
        assert result.missing_inputs == ("fulfilled", "required")
        assert "M.1 Mutu = no value x 0.2 (no index)" in result.explanation

    def test_renormalise_rule(self, tmp_path):
        """missing: renormalise: the present components' weights are scaled to add up to 1."""
        rs = load(tmp_path, index_rules("renormalise"))
        result = spmkit.evaluate(rs, {"served": 95, "must": 100})["IP.1"]
        assert result.exact_value == Fraction(95)
        assert "P.1 Penerima = 95 x 0.8/0.8 = 95" in result.explanation
        assert "(left out)" in result.explanation
        nothing = spmkit.evaluate(rs, {})["IP.1"]
        assert nothing.status is spmkit.Status.NO_DATA
        full = spmkit.evaluate(rs, {"served": 95, "must": 100, "fulfilled": 8, "required": 10})
        assert full["IP.1"].exact_value == Fraction(92)

    @pytest.mark.parametrize("missing", ["no_data", "renormalise"])
    def test_batch_equals_scalar(self, tmp_path, missing):
        rs = load(tmp_path, index_rules(missing))
        rows = [
            {"served": 95, "must": 100, "fulfilled": 8, "required": 10},
            {"served": 95, "must": 100, "fulfilled": None, "required": None},
            {"served": None, "must": None, "fulfilled": 3, "required": 7},
            {"served": None, "must": None, "fulfilled": None, "required": None},
            {"served": 1, "must": 0, "fulfilled": 3, "required": 7},
        ]
        columns = {k: [row[k] for row in rows] for k in rows[0]}
        batch = spmkit.evaluate_batch(rs, columns)["IP.1"]
        for i, row in enumerate(rows):
            scalar = spmkit.evaluate(rs, {k: v for k, v in row.items() if v is not None})["IP.1"]
            assert batch.status[i] == scalar.status.value
            assert batch.band[i] == scalar.band
            if scalar.value is None:
                assert np.isnan(batch.value[i])
            else:
                assert batch.value[i] == scalar.value

    def test_after_aggregation_is_index_of_sums(self, tmp_path):
        """An aggregated index is the index of the aggregated counts, not a mean of indices."""
        rs = load(tmp_path, index_rules())
        villages = {
            "regency": ["R", "R"],
            "served": [10, 80],
            "must": [10, 100],
            "fulfilled": [1, 9],
            "required": [1, 10],
        }
        totals = spmkit.aggregate(rs, villages, by=["regency"])
        result = spmkit.evaluate_batch(rs, totals, keys=["regency"])["IP.1"]
        # P = 90/110, M = 10/11: 0.8 * 81.81.. + 0.2 * 90.90.. = 83.63..
        expected = Fraction(4, 5) * Fraction(9000, 110) + Fraction(1, 5) * Fraction(1000, 11)
        assert result.value.tolist() == [float(expected)]
        assert result.band.tolist() == ["Tuntas Madya"]
        village_mean = (100 + 0.8 * 80 + 0.2 * 90) / 2
        assert result.value[0] != pytest.approx(village_mean)


class TestLoadTimeChecks:
    """Bad bands and weights are refused at load, each at file:line."""

    @pytest.mark.parametrize(
        ("rules", "old", "new", "at", "message"),
        [
            pytest.param(
                index_rules(),
                "M.1: 0.2}",
                "M.1: 0.25}",
                "index: {weights",
                "$.indicators['IP.1'].index.weights: the weights of index 'IP.1' must add up "
                "to exactly 1 (0.8 + 0.25 = 1.05); fix the weights",
                id="weights-not-one",
            ),
            pytest.param(
                banded_ratio(),
                "{at_least: 80, below: 90,",
                "{at_least: 80, below: 95,",
                "label: Tuntas Madya",
                "$.indicators['P.1'].bands[2]: bands overlap: 'Tuntas Madya' (>= 80 and < 95) "
                "reaches into 'Tuntas Utama' (>= 90 and < 100); it must end where that band "
                "starts, below: 90",
                id="overlap",
            ),
            pytest.param(
                banded_ratio(),
                "{at_least: 60, below: 70,",
                "{at_least: 60, below: 65,",
                "label: Tuntas Muda",
                "$.indicators['P.1'].bands[4]: bands leave a gap: values from 65 to 70 "
                "(between 'Tuntas Muda' and 'Tuntas Pratama') have no band; set below: 70",
                id="gap",
            ),
        ],
    )
    def test_refused_at_file_line(self, tmp_path, rules, old, new, at, message):
        """Weights not adding up to 1, overlapping bands, a band gap: one located error each."""
        text = rules.replace(old, new)
        path = write(tmp_path, text)
        assert refused(tmp_path, text) == [f"{path}:{line_of(text, at)}: {message}"]

    def test_thresholds_out_of_order_overlap(self, tmp_path):
        text = banded_ratio().replace("{at_least: 70, below: 80,", "{at_least: 85, below: 80,")
        messages = refused(tmp_path, text)
        assert len(messages) == 2
        assert (
            "bands[3]: bands overlap: 'Tuntas Pratama' (>= 85 and < 80) must start below"
            in (messages[0])
        )

    def test_top_band_must_be_open(self, tmp_path):
        text = banded_ratio().replace(
            "{at_least: 100, label: Tuntas Paripurna",
            "{at_least: 100, below: 150, label: Tuntas Paripurna",
        )
        messages = refused(tmp_path, text)
        assert len(messages) == 1
        assert "values from 150 have no band" in messages[0]

    @pytest.mark.parametrize(
        ("old", "new", "fragment"),
        [
            ("{below: 60, label: Belum", "{at_least: 0, label: Belum", "the last band"),
            ("{at_least: 70, below: 80,", "{below: 80,", "has no threshold"),
            ("{at_least: 70, below: 80,", "{at_most: 70,", "mixes forms"),
            ("label: Tuntas Muda,", "label: Tuntas Utama,", "is used twice"),
        ],
    )
    def test_malformed_bands(self, tmp_path, old, new, fragment):
        text = banded_ratio().replace(old, new)
        messages = refused(tmp_path, text)
        assert any(fragment in m for m in messages), messages

    def test_index_takes_no_formula(self, tmp_path):
        text = index_rules().replace("    index: {", "    numerator: served\n    index: {")
        messages = refused(tmp_path, text)
        assert any("is an index: its numerator is derived from 'index'" in m for m in messages)

    def test_unknown_component(self, tmp_path):
        text = index_rules().replace("M.1: 0.2", "M.9: 0.2")
        messages = refused(tmp_path, text)
        assert any("unknown indicator '@M.9'; did you mean 'M.1'?" in m for m in messages)

    def test_bad_index_reports_everything_once(self, tmp_path):
        """A bad rule and a bad weight are both reported, and nothing else."""
        text = index_rules("zero").replace("M.1: 0.2", "M.1: x")
        path = write(tmp_path, text)
        line = line_of(text, "index: {weights")
        assert refused(tmp_path, text) == [
            (
                f"{path}:{line}: $.indicators['IP.1'].index.missing: 'missing' must be one of "
                "'no_data', 'renormalise' (got 'zero')"
            ),
            (
                f"{path}:{line}: $.indicators['IP.1'].index.weights['M.1']: weight of 'M.1' must "
                "be a number (got 'x')"
            ),
        ]


def test_item_unit():
    """item is a counting unit of its own (goods, services and staff of mutu minimal)."""
    from spmkit._rulesets.units import COUNTING_UNITS, parse_unit  # noqa: PLC0415

    assert "item" in COUNTING_UNITS
    assert parse_unit("items").same_as(parse_unit("item"))
    assert not parse_unit("item").same_dimension(parse_unit("person"))


@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 10**6), st.integers(1, 10**6), st.integers(0, 50), st.integers(1, 50)
        ),
        min_size=1,
        max_size=20,
    )
)
@settings(max_examples=examples(50), deadline=None)
def test_batch_band_equals_scalar_band(tmp_path_factory, rows):
    """For any counts, the batch band of every row is the band of the exact scalar value."""
    rs = load(tmp_path_factory.mktemp("rules"), index_rules("renormalise"))
    columns = dict(
        zip(
            ("served", "must", "fulfilled", "required"),
            map(list, zip(*rows, strict=True)),
            strict=True,
        )
    )
    batch = spmkit.evaluate_batch(rs, columns)
    for i, (served, must, fulfilled, required) in enumerate(rows):
        data = {"served": served, "must": must, "fulfilled": fulfilled, "required": required}
        report = spmkit.evaluate(rs, data)
        for iid in ("P.1", "IP.1"):
            assert batch[iid].band[i] == report[iid].band
