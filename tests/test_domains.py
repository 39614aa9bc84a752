"""The two non-health domains: exact rows, provenance, and the conformance kit.

Rows are typed from the research notes (notes/nonhealth-regs.md section 2.4), with the
label of their source: published percentages equal 100 * num / den rounded half up to two
decimals. No water row with raw counts was found, so the water rows are constructed.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import spmkit
from spmkit.testing import check_rule_set_properties

WATER = spmkit.load_rule_set("spm-air-minum-pupr-29-2018")
EDUCATION = spmkit.load_rule_set("spm-pendidikan-permendikbudristek-32-2022")


# (case, numerator, denominator, published %, source label)
PAUD_ROWS = [
    ("Kab. Lanny Jaya, PAUD 5-6", 7012, 10456, "67.06", "code (GitHub index id 49427468441)"),
    ("Kab. Blitar, PAUD 5-6, 2022", 31330, 31693, "98.85", "secondary (data.blitarkab.go.id)"),
    ("Kab. Blitar, PAUD 5-6, 2023", 31747, 31922, "99.45", "secondary (data.blitarkab.go.id)"),
    ("Kab. Blitar, PAUD 5-6, 2024", 31739, 32117, "98.82", "secondary (data.blitarkab.go.id)"),
]


class TestEducation:
    @pytest.mark.parametrize(("case", "num", "den", "published", "label"), PAUD_ROWS)
    def test_paud_rows(self, case, num, den, published, label):
        """A.1 reproduces the published PAUD participation rates, and none meets 100 %."""
        result = spmkit.evaluate(EDUCATION, {"peserta_didik_5_6": num, "penduduk_5_6": den})["A.1"]
        assert result.exact_value == Fraction(num * 100, den)
        assert f"{result.value:.2f}" == published, (case, label)
        assert result.status is spmkit.Status.NOT_MET
        assert result.exact_gap == 100 - Fraction(num * 100, den)

    def test_lanny_jaya_explanation(self):
        """The explanation prints the Indonesian row as it was computed."""
        report = spmkit.evaluate(EDUCATION, {"peserta_didik_5_6": 7012, "penduduk_5_6": 10456})
        assert report["A.1"].explanation.startswith(
            "A.1: peserta_didik_5_6 / penduduk_5_6 x 100 = 7,012 / 10,456 x 100 = 67.06 %; "
            "target >= 100 %: not met, gap 32.94 percentage points."
        )

    def test_service_types_are_those_of_pasal_5(self):
        """PAUD, Pendidikan Dasar, Pendidikan Kesetaraan (Pasal 5 ayat (1), primary)."""
        assert [s.name for s in EDUCATION.service_types.values()] == [
            "Pendidikan Anak Usia Dini",
            "Pendidikan Dasar",
            "Pendidikan Kesetaraan",
        ]

    def test_every_indicator_is_marked_unverified(self):
        """The formulas and targets were not read in the regulation, so none claims more."""
        assert {i.source.verification.value for i in EDUCATION.indicators.values()} == {
            "unverified"
        }

    def test_full_participation_meets(self):
        """Every child aged 7-15 in basic education meets B.1 exactly."""
        result = spmkit.evaluate(EDUCATION, {"peserta_didik_7_15": 4200, "penduduk_7_15": 4200})
        assert result["B.1"].met is True
        assert result["C.1"].status is spmkit.Status.NO_DATA


class TestWater:
    def test_units_are_persons_and_households(self):
        """A.1 and B.1 count persons (the Permen's 'penduduk'); A.1.b households; mutu items."""
        units = {name: spec.unit for name, spec in WATER.inputs.items()}
        mutu = {
            f"mutu_{s}_{kind}_{state}": "item"
            for s in "ab"
            for kind in ("barang", "sdm")
            for state in ("dibutuhkan", "terpenuhi")
        }
        assert units == {
            "penduduk_akses_air_minum": "person",
            "penduduk_total": "person",
            "rumah_tangga_akses_air_minum": "household",
            "rumah_tangga_total": "household",
            "penduduk_akses_air_limbah": "person",
            **mutu,
        }

    def test_draft_litres_per_day_is_not_a_rule(self):
        """60 L/orang/hari is only in a 2023 draft: a note, not an input or indicator."""
        assert not any("liter" in spec.label.lower() for spec in WATER.inputs.values())
        assert any("60 liter/orang/hari" in note for note in WATER.notes)

    def test_quote_is_the_primary_text(self):
        """A.1 quotes Lampiran I, A.1 a) verbatim."""
        quote = WATER.indicators["A.1"].source.quote
        assert quote is not None
        assert "persentase penduduk yang mendapatkan akses air minum" in quote

    @pytest.mark.parametrize(
        ("served", "total", "value", "status"),
        [
            (71_05, 100_00, Fraction(7105, 100), "not_met"),  # the 2015 national 71.05 %
            (250_000, 250_000, Fraction(100), "met"),
            (0, 0, None, "undefined"),
        ],
    )
    def test_rows(self, served, total, value, status):
        """Constructed rows: exact value, exact decision at 100 %, zero population undefined."""
        result = spmkit.evaluate(
            WATER, {"penduduk_akses_air_minum": served, "penduduk_total": total}
        )["A.1"]
        assert result.exact_value == value
        assert result.status.value == status


@pytest.mark.slow  # runs the kit (hypothesis)
@pytest.mark.parametrize("rule_set", [WATER, EDUCATION], ids=lambda rs: rs.id)
def test_kit_with_declared_sub_populations(rule_set):
    """The kit passes with the sub-populations stated by hand (not read off the formulas)."""
    parts = {
        "penduduk_akses_air_minum": "penduduk_total",
        "rumah_tangga_akses_air_minum": "rumah_tangga_total",
        "penduduk_akses_air_limbah": "penduduk_total",
        "peserta_didik_5_6": "penduduk_5_6",
        "peserta_didik_7_15": "penduduk_7_15",
        "peserta_didik_kesetaraan_7_18": "warga_7_18_belum_tamat",
    }
    mine = {k: v for k, v in parts.items() if k in rule_set.inputs}
    checked = check_rule_set_properties(rule_set, subsets=mine)
    assert {"coverage_bounds", "target_reachable", "target_boundary"} <= set(checked)
