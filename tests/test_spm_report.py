"""The cross-urusan SPM report (spmkit.report_spm, spmkit report-spm) on the shipped example."""

from __future__ import annotations

import datetime as dt
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._files.spm_render import read_spm_data, render_spm
from spmkit.cli import main
from spmkit.errors import DataFileError, DataInvalid, UsageError

EXAMPLE = Path(__file__).parent.parent / "examples" / "spm-report-kabupaten.yaml"
PLACE = "Kabupaten Contoh"


def index(penerima: Fraction, mutu: Fraction) -> Fraction:
    """0.8 x penerima + 0.2 x mutu, as every shipped IP.n (percentages)."""
    return Fraction(4, 5) * penerima * 100 + Fraction(1, 5) * mutu * 100


@pytest.fixture(scope="module")
def data():
    return read_spm_data(EXAMPLE)


@pytest.fixture(scope="module")
def year(data):
    return spmkit.report_spm(PLACE, data, year=2025)


class TestExample:
    def test_four_urusan_in_pp_2_2018_order(self, year):
        assert [s.urusan for s in year.urusan] == [
            "pendidikan",
            "kesehatan",
            "perumahan_rakyat",
            "sosial",
        ]
        assert year.level == "kabupaten/kota"
        assert year.day == dt.date(2025, 12, 31)
        assert len(year.rows) == 3 + 12 + 2 + 5

    def test_rule_set_in_force_per_urusan(self, year):
        by = {s.urusan: (s.in_force, s.judged_by) for s in year.urusan}
        assert by == {
            "pendidikan": ("spm-pendidikan-permendikbudristek-32-2022",) * 2,
            "kesehatan": ("permenkes-6-2024", "indeks-spm-kesehatan-6-2024"),
            "perumahan_rakyat": ("spm-perumahan-pupr-29-2018",) * 2,
            "sosial": ("spm-sosial-permensos-9-2018",) * 2,
        }
        assert {row.rule_set_id for row in year.rows if row.urusan == "kesehatan"} == {
            "indeks-spm-kesehatan-6-2024"
        }

    def test_health_notes_say_whose_index_and_that_no_formula_differs(self, year):
        # 2025 is judged by the index over Permenkes 6/2024 itself: service 1 counts K6 in
        # both, so no note of a differing formula (the 4/2019 index counted K4 here before).
        health = year.urusan[1]
        notes = [str(n) for n in health.notes]
        assert (
            "rows are judged by indeks-spm-kesehatan-6-2024, the index over permenkes-6-2024"
            in notes[0]
        )
        assert len(notes) == 2
        assert not any("differs from" in note for note in notes)
        assert health.rows[0].index is not None
        assert health.rows[0].index.exact_value == index(Fraction(4650, 4800), Fraction(1))

    def test_education_values_exact(self, year):
        row = year.urusan[0].rows[0]
        penerima, mutu = Fraction(10450, 12980), Fraction(11 + 4, 12 + 4)
        assert row.penerima.exact_value == penerima * 100
        assert row.mutu is not None and row.mutu.exact_value == mutu * 100
        assert row.index is not None and row.index.exact_value == index(penerima, mutu)
        assert (row.penerima.shown_value, row.index.shown_value) == ("80,51", "83,16")
        assert row.band == "Tuntas Madya"
        assert row.penerima.provenance["target"].verification.value == "unverified"

    def test_quarterly_urusan_combined_so_far(self, year):
        # Social data are given by quarter: served add up, items are the latest quarter's.
        row = year.urusan[3].rows[0]
        penerima, mutu = Fraction(60 + 55, 140), Fraction(5 + 3, 6 + 3)
        assert row.index is not None and row.index.exact_value == index(penerima, mutu)
        assert row.band == "Tuntas Madya"

    def test_first_quarter(self, data):
        tw1 = spmkit.report_spm(PLACE, data, year=2025, quarter=1)
        assert tw1.day == dt.date(2025, 3, 31)
        assert tw1.period == "2025 TW1"
        row = tw1.urusan[3].rows[0]
        assert row.penerima.exact_value == Fraction(60, 140) * 100
        assert row.mutu is not None and row.mutu.exact_value == Fraction(4 + 3, 6 + 3) * 100

    def test_zero_over_zero_has_no_band(self, year):
        relocation = year.urusan[2].rows[1]
        assert relocation.penerima.status.value == "undefined"
        assert relocation.index is not None and relocation.index.exact_value is None
        assert relocation.band is None

    def test_no_urusan_or_regional_figure_is_invented(self, year):
        assert all(s.urusan_figure is None for s in year.urusan)
        assert all("no urusan figure" in str(s.notes[-1]) for s in year.urusan)
        data = year.to_dict()
        assert data["regional_figure"] is None
        assert "no regional figure" in data["notes"][0]
        assert data["urusan"][0]["urusan_figure"] is None

    def test_to_dict_is_json(self, year):
        data = json.loads(json.dumps(year.to_dict()))
        service = data["urusan"][3]["services"][4]
        assert service["rule_set"] == "spm-sosial-permensos-9-2018"
        assert service["index"]["shown_value"] == "100,00"
        assert service["band"] == "Tuntas Paripurna"


class TestRulesInForce:
    def test_education_succession_within_2022(self):
        before = spmkit.report_spm(PLACE, {"pendidikan": {}}, year=2022, quarter=2)
        after = spmkit.report_spm(PLACE, {"pendidikan": {}}, year=2022)
        assert before.urusan[0].in_force == "spm-pendidikan-permendikbud-32-2018"
        assert after.urusan[0].in_force == "spm-pendidikan-permendikbudristek-32-2022"

    def test_province(self):
        data = {key: {} for key in ("kesehatan", "pendidikan", "trantibumlinmas")}
        report = spmkit.report_spm("Provinsi Jawa Tengah", data, year=2025)
        assert report.level == "provinsi"
        assert [s.in_force for s in report.urusan] == [
            "spm-pendidikan-provinsi-permendikbudristek-32-2022",
            "spm-kesehatan-provinsi-permenkes-6-2024",
            "spm-trantibumlinmas-provinsi-permendagri-121-2018",
        ]
        assert [len(s.rows) for s in report.urusan] == [2, 2, 1]

    def test_level_given_picks_like_the_catalogue(self):
        # A province's name at kabupaten/kota level: the rule set for every kabupaten/kota,
        # the index over Permenkes 4/2019 giving way to it (not a successor) as in rule_set_for.
        report = spmkit.report_spm(
            "Provinsi Jawa Tengah", {"kesehatan": {}}, year=2022, level="kabupaten/kota"
        )
        health = report.urusan[0]
        assert (health.in_force, health.judged_by) == ("permenkes-4-2019", "indeks-spm-kesehatan")
        assert len(health.notes) == 2  # judged by the index; no urusan figure (no formula differs)

    def test_health_before_the_index_shows_penerima_only(self):
        report = spmkit.report_spm(PLACE, {"kesehatan": {}}, year=2020)
        health = report.urusan[0]
        assert (health.in_force, health.judged_by) == ("permenkes-4-2019",) * 2
        assert len(health.rows) == 12
        assert all(row.mutu is None and row.index is None for row in health.rows)
        assert "only the penerima rows" in str(health.notes[0])


URUSAN_FIGURE = """
spmkit: 1
id: sosial-with-an-urusan-figure
extends: spm-sosial-permensos-9-2018
title: A test's overlay whose source (here, the test) defines the urusan figure
indicators:
  U:
    service_type: a
    name: Indeks urusan sosial (defined by this test, not by any regulation)
    index:
      weights: {IP.1: 0.5, IP.2: 0.5}
      missing: no_data
    target: {op: ">=", value: 100}
    deadline: null
    source: {ref: "this test", verification: unverified}
"""


class TestGivenRuleSets:
    def test_an_urusan_figure_where_the_rule_set_carries_one(self):
        rule_set = spmkit.loads_rule_set(URUSAN_FIGURE)
        data = {
            "sosial": {
                "disabilitas_terlayani": 7,
                "disabilitas_telantar": 10,
                "anak_terlayani": 9,
                "anak_telantar": 10,
                **{f"mutu_{n}_{k}": 1 for n in (1, 2) for k in _MUTU},
            }
        }
        report = spmkit.report_spm(PLACE, data, year=2025, rule_sets={"sosial": rule_set})
        section = report.urusan[0]
        assert section.in_force == section.judged_by == "sosial-with-an-urusan-figure"
        assert "was given for this urusan" in str(section.notes[0])
        figure = section.urusan_figure
        expected = (index(Fraction(7, 10), Fraction(1)) + index(Fraction(9, 10), Fraction(1))) / 2
        assert figure is not None and figure.exact_value == expected
        assert section.to_dict()["urusan_figure"]["indicator"] == "U"
        assert not any("no urusan figure" in str(n) for n in section.notes)
        assert len(section.rows) == 5  # U is not a service

    def test_the_guide_s_city_set_by_file(self, capsys):
        words = ["report-spm", "Kota Contoh", str(EXAMPLE), "--year", "2025", "--lang", "en"]
        city = str(EXAMPLE.parent / "spm-sosial-kota-contoh-2025.yaml")
        assert main([*words, "--rule-set", f"sosial={city}"]) == 1
        out = capsys.readouterr().out
        assert "Rule set in force: spm-sosial-kota-contoh-2025" in out

    def test_a_rule_set_of_another_urusan(self):
        with pytest.raises(UsageError, match="its urusan is 'sosial'"):
            spmkit.report_spm(
                PLACE,
                {"kesehatan": {}},
                year=2025,
                rule_sets={"kesehatan": "spm-sosial-permensos-9-2018"},
            )


_MUTU = ("barang_dibutuhkan", "barang_terpenuhi", "sdm_dibutuhkan", "sdm_terpenuhi")


class TestRefusals:
    def test_unknown_urusan(self):
        with pytest.raises(UsageError, match=r"pekerjaan-umum.*pendidikan, kesehatan"):
            spmkit.report_spm(PLACE, {"pekerjaan-umum": {}}, year=2025)

    def test_no_urusan(self):
        with pytest.raises(UsageError, match="no urusan"):
            spmkit.report_spm(PLACE, {}, year=2025)

    @pytest.mark.parametrize("year", [1900, True, "2025"])
    def test_bad_year(self, year):
        with pytest.raises(UsageError, match="year"):
            spmkit.report_spm(PLACE, {"sosial": {}}, year=year)

    @pytest.mark.parametrize("quarter", [0, 5, True])
    def test_bad_quarter(self, quarter):
        with pytest.raises(UsageError, match="quarter"):
            spmkit.report_spm(PLACE, {"sosial": {}}, year=2025, quarter=quarter)

    def test_bad_value_named_with_its_urusan(self):
        with pytest.raises(DataInvalid) as caught:
            spmkit.report_spm(PLACE, {"sosial": {"disabilitas_terlayani": -3}}, year=2025)
        assert [e.input_name for e in caught.value.exceptions] == ["sosial.disabilitas_terlayani"]

    def test_quarters_mixed_with_inputs(self):
        data = {"sosial": {"TW1": {"disabilitas_terlayani": 1}, "disabilitas_telantar": 2}}
        with pytest.raises(DataInvalid) as caught:
            spmkit.report_spm(PLACE, data, year=2025)
        assert [e.input_name for e in caught.value.exceptions] == ["sosial.disabilitas_telantar"]

    def test_only_later_quarters(self):
        data = {"sosial": {"TW3": {"disabilitas_terlayani": 1}}}
        with pytest.raises(DataInvalid, match="not usable"):
            spmkit.report_spm(PLACE, data, year=2025, quarter=2)


class TestOutputs:
    def test_html_escapes_and_is_self_contained(self):
        hostile = '<script>alert("x")</script>'
        report = spmkit.report_spm(hostile, {"sosial": {}}, year=2025)
        page = render_spm(report, "html", "id").decode()
        assert "<script" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert "http" not in page.replace("docs/spm-report.md", "")

    def test_html_of_the_example(self, year):
        page = render_spm(year, "html", "id").decode()
        assert page.count("<table>") == 4
        assert '<td class="b1">Tuntas Utama</td>' in page
        assert (
            "Rule set yang berlaku: permenkes-6-2024 (dinilai dengan indeks-spm-kesehatan-6-2024)"
            in page
        )

    def test_xlsx(self, year):
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.load_workbook(io.BytesIO(render_spm(year, "xlsx", "en")))
        sheet = book["SPM report"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[2][:3] == ("Urusan", "Service", "Served")
        assert rows[3][2:8] == (10450, 12980, "80.51", "93.75", "83.16", "Complete, middle")
        assert len(rows) == 3 + 22

    def test_xlsx_neutralises_formulas(self):
        openpyxl = pytest.importorskip("openpyxl")
        report = spmkit.report_spm("=HYPERLINK(1)", {"sosial": {}}, year=2025)
        book = openpyxl.load_workbook(io.BytesIO(render_spm(report, "xlsx", "en")))
        assert not any(
            isinstance(cell, str) and cell.startswith("=")
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )


class TestCommand:
    def test_example_to_html_xlsx_json(self, tmp_path):
        pytest.importorskip("openpyxl")
        for suffix in ("html", "xlsx", "json"):
            out = tmp_path / f"laporan.{suffix}"
            words = ["report-spm", PLACE, str(EXAMPLE), "--year", "2025", "-o", str(out)]
            assert main([*words, "--lang", "id"]) == 1  # some service not met
            assert out.stat().st_size > 1000
        data = json.loads((tmp_path / "laporan.json").read_text(encoding="utf-8"))
        assert [u["urusan"] for u in data["urusan"]][:2] == ["pendidikan", "kesehatan"]

    def test_text_to_stdout(self, capsys):
        assert main(["report-spm", PLACE, str(EXAMPLE), "--year", "2025", "--lang", "en"]) == 1
        out = capsys.readouterr().out
        assert out.startswith("SPM report: Kabupaten Contoh (Level kabupaten/kota), Period 2025")
        assert "|  97.50 | Complete, prime   | indeks-spm-kesehatan-6-2024" in out

    def test_never_over_its_input(self, tmp_path, capsys):
        data = tmp_path / "data.json"
        data.write_text('{"sosial": {}}', encoding="utf-8")
        words = ["report-spm", PLACE, str(data), "--year", "2025", "-o", str(data)]
        # .json is a report suffix, so the guard is the writer's, not the suffix check.
        assert main(words) == 2
        assert "input of this command" in capsys.readouterr().err
        assert data.read_text(encoding="utf-8") == '{"sosial": {}}'

    def test_unknown_suffix(self, tmp_path, capsys):
        words = ["report-spm", PLACE, str(EXAMPLE), "--year", "2025", "-o", str(tmp_path / "x.pdf")]
        assert main(words) == 2
        assert ".html, .xlsx or .json" in capsys.readouterr().err


class TestDataFile:
    def test_not_a_mapping(self, tmp_path):
        path = tmp_path / "list.yaml"
        path.write_text("- sosial\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="mapping of urusan"):
            read_spm_data(path)

    def test_duplicate_key_refused_with_its_line(self, tmp_path):
        path = tmp_path / "dup.yaml"
        path.write_text("sosial:\n  anak_telantar: 5\n  anak_telantar: 7\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="line 3"):
            read_spm_data(path)

    def test_other_suffix(self, tmp_path):
        path = tmp_path / "data.csv"
        path.write_text("a,b\n", encoding="utf-8")
        with pytest.raises(DataFileError, match=r"\.yaml, \.yml or \.json"):
            read_spm_data(path)


@pytest.mark.slow
@settings(max_examples=examples(40), deadline=None)
@given(
    served=st.integers(0, 10_000),
    extra=st.integers(1, 10_000),
    items=st.integers(1, 50),
    fulfilled=st.integers(0, 50),
)
def test_index_is_the_weighted_sum_and_band_its_range(served, extra, items, fulfilled):
    """Any counts: IP.1 = 0.8 x penerima + 0.2 x mutu exactly, and the band is that of its range."""
    fulfilled = min(fulfilled, items)
    data = {
        "sosial": {
            "disabilitas_terlayani": served,
            "disabilitas_telantar": served + extra,
            "mutu_1_barang_dibutuhkan": items,
            "mutu_1_barang_terpenuhi": fulfilled,
            "mutu_1_sdm_dibutuhkan": 0,
            "mutu_1_sdm_terpenuhi": 0,
        }
    }
    row = spmkit.report_spm(PLACE, data, year=2025).rows[0]
    value = index(Fraction(served, served + extra), Fraction(fulfilled, items))
    assert row.index is not None and row.index.exact_value == value
    edges = [(100, "Tuntas Paripurna"), (90, "Tuntas Utama"), (80, "Tuntas Madya")]
    edges += [(70, "Tuntas Pratama"), (60, "Tuntas Muda"), (0, "Belum Tuntas")]
    assert row.band == next(label for edge, label in edges if value >= edge)
