"""The SPM index rule set and the quarterly e-SPM report (TW1-TW4)."""

from __future__ import annotations

import csv
import io
import json
import warnings
from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._evaluation.quarterly import quarterly_report, services_of
from spmkit.cli import main
from spmkit.errors import DataInvalid, SpmkitWarning, UsageError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spm-index-quarterly.csv"
SERVICES = [str(n) for n in range(1, 13)]
BANDS = [
    ("Tuntas Paripurna", 100, None),
    ("Tuntas Utama", 90, 100),
    ("Tuntas Madya", 80, 90),
    ("Tuntas Pratama", 70, 80),
    ("Tuntas Muda", 60, 70),
    ("Belum Tuntas", None, 60),
]


@pytest.fixture(scope="module")
def rs() -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        return spmkit.load_rule_set("indeks-spm-kesehatan")


def example_quarters() -> dict[str, dict[str, object]]:
    with EXAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row.pop("periode"): {k: int(v) for k, v in row.items()} for row in rows}


class TestIndexRuleSet:
    """indeks-spm-kesehatan: 80 % penerima + 20 % mutu per service, six bands."""

    def test_services_in_order(self, rs):
        assert rs.extends == ("permenkes-4-2019",)
        assert services_of(rs) == tuple((n, f"M.{n}", f"IP.{n}") for n in SERVICES)
        assert list(rs.indicators)[:6] == ["1", "M.1", "IP.1", "2", "M.2", "IP.2"]

    def test_a_reading_of_4_2019_not_its_successor(self, rs):
        """In force from 2021 (Permendagri 59/2021), yet the standard that applies stays 4/2019."""
        assert (rs.sector, rs.in_force_from.year, rs.supersedes) == ("kesehatan", 2021, ())
        in_force = {r.id for r in spmkit.list_rule_sets("Kabupaten Bantul", on=2022)}
        assert {"indeks-spm-kesehatan", "permenkes-4-2019"} <= in_force
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpmkitWarning)
            assert spmkit.rule_set_for("Kabupaten Bantul", 2022).id == "permenkes-4-2019"

    def test_weights_and_missing_rule(self, rs):
        for n in SERVICES:
            index = rs.indicators[f"IP.{n}"].index
            assert dict(index.weights) == {n: Fraction(4, 5), f"M.{n}": Fraction(1, 5)}
            assert index.missing == "no_data"

    def test_bands_and_their_sources(self, rs):
        for n in SERVICES:
            bands = rs.indicators[f"IP.{n}"].bands
            assert [(b.label, b.at_least, b.below) for b in bands] == BANDS
            assert {b.source.verification.value for b in bands} == {"unverified"}
            assert "60008406792" in bands[0].source.instrument

    def test_no_urusan_figure_is_invented(self, rs):
        """How services combine into the urusan was not found: nothing indexes the indices."""
        components = {c for i in rs.indicators.values() if i.index for c in i.index.weights}
        assert not any(c.startswith("IP.") for c in components)

    def test_mutu_items_are_data(self, rs):
        goods = rs.inputs["mutu_1_barang_dibutuhkan"].description
        for item in ("vaksin Td", "tablet tambah darah", "buku KIA", "kartu ibu"):
            assert item in goods
        assert rs.inputs["mutu_1_barang_dibutuhkan"].unit == "item"
        assert "Morowali" in rs.inputs["mutu_8_sdm_dibutuhkan"].description
        assert "not found" in rs.inputs["mutu_1_sdm_dibutuhkan"].description
        assert rs.inputs["mutu_1_barang_terpenuhi"].aggregate == "last"
        assert rs.inputs["mutu_1_barang_dibutuhkan"].aggregate == "same"

    def test_index_values_are_unverified(self, rs):
        for n in SERVICES:
            for iid in (f"M.{n}", f"IP.{n}"):
                assert rs.indicators[iid].source_of("formula").verification.value == "unverified"

    def test_one_service(self, rs):
        """Ibu hamil, TW4 of the example: 0.8 x 96.875 + 0.2 x 100 = 97.5, Tuntas Utama."""
        data = {
            "sasaran_bumil": 4800,
            "bumil_standar": 4650,
            "mutu_1_barang_dibutuhkan": 5,
            "mutu_1_barang_terpenuhi": 5,
            "mutu_1_sdm_dibutuhkan": 3,
            "mutu_1_sdm_terpenuhi": 3,
        }
        result = spmkit.evaluate(rs, data)["IP.1"]
        assert result.exact_value == Fraction(975, 10)
        assert (result.band, result.band_en) == ("Tuntas Utama", "Complete, prime")
        assert "1 Pelayanan kesehatan ibu hamil = 96.875 x 0.8 = 77.5" in result.explanation


class TestQuarterlyReport:
    """Figures so far per quarter: sums of people served, the year's target, latest items."""

    def test_cumulative_figures(self, rs):
        report = quarterly_report(rs, example_quarters())
        assert [r.quarter for r in report.rows] == [
            q for q in ("TW1", "TW2", "TW3", "TW4") for _ in SERVICES
        ]
        tw2 = next(r for r in report.rows if r.quarter == "TW2" and r.service == "1")
        assert tw2.must_serve == 4800
        assert tw2.served == 1050 + 1180
        assert tw2.not_served == 4800 - 2230
        assert tw2.percent == Fraction(2230 * 100, 4800)
        assert (tw2.mutu_required, tw2.mutu_fulfilled) == (8, 7)  # latest quarter: 4 + 3
        assert tw2.index == Fraction(4, 5) * Fraction(223000, 4800) + Fraction(1, 5) * Fraction(
            700, 8
        )
        assert tw2.band == "Belum Tuntas"
        tw4 = [r for r in report.rows if r.quarter == "TW4"]
        assert [r.band for r in tw4] == [
            "Tuntas Utama",
            "Tuntas Utama",
            "Tuntas Utama",
            "Tuntas Utama",
            "Tuntas Utama",
            "Tuntas Pratama",
            "Tuntas Madya",
            "Tuntas Muda",
            "Tuntas Madya",
            "Tuntas Madya",
            "Tuntas Utama",
            "Tuntas Utama",
        ]

    def test_quarters_given_as_numbers_and_out_of_order(self, rs):
        quarters = example_quarters()
        numbered = {4: quarters["TW4"], 1: quarters["TW1"]}
        report = quarterly_report(rs, numbered)
        assert sorted({r.quarter for r in report.rows}) == ["TW1", "TW4"]
        tw4 = next(r for r in report.rows if r.quarter == "TW4" and r.service == "1")
        assert tw4.served == 1050 + 1190  # only the quarters given

    def test_quarters_written_in_roman_numerals(self, rs):
        """Issue 25 item 4: TW II and 'Triwulan IV' are quarters as offices write them."""
        quarters = example_quarters()
        written = {"TW I": quarters["TW1"], "Triwulan IV": quarters["TW4"]}
        report = quarterly_report(rs, written)
        assert sorted({r.quarter for r in report.rows}) == ["TW1", "TW4"]
        with pytest.raises(DataInvalid):
            quarterly_report(rs, {"Mei": quarters["TW1"]})

    def test_target_population_must_agree(self, rs):
        quarters = example_quarters()
        quarters["TW3"]["sasaran_bumil"] = 4900
        with pytest.raises(DataInvalid) as caught:
            quarterly_report(rs, quarters)
        assert [str(e) for e in caught.value.exceptions] == [
            (
                "input 'sasaran_bumil' must be one value for the whole period (declared "
                "'aggregate: same') (got ['4800', '4800', '4900']) (the periods of the whole "
                "data set disagree; fix the data or declare another rule)"
            )
        ]

    def test_bad_quarter_and_bad_values(self, rs):
        with pytest.raises(DataInvalid) as caught:
            quarterly_report(rs, {"TW5": {}})
        assert "TW1, TW2, TW3 or TW4" in str(caught.value.exceptions[0])
        with pytest.raises(DataInvalid) as caught:
            quarterly_report(rs, {"TW1": {"bumil_standar": -1}, "TW2": {"usila": "x"}})
        assert sorted(e.input_name for e in caught.value.exceptions) == [
            "TW1.bumil_standar",
            "TW2.usila",
        ]
        with pytest.raises(DataInvalid) as caught:
            quarterly_report(rs, {"TW1": {}, 1: {}})
        assert "each quarter once" in str(caught.value.exceptions[0])

    def test_needs_services(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpmkitWarning)
            plain = spmkit.load_rule_set("permenkes-4-2019")
        with pytest.raises(UsageError, match="no services"):
            quarterly_report(plain, {"TW1": {}})

    def test_outputs(self, rs):
        report = quarterly_report(rs, example_quarters())
        rows = list(csv.reader(io.StringIO(report.to_csv())))
        assert rows[0][:3] == ["Triwulan", "Layanan", "Harus dilayani"]
        assert rows[-1] == [
            "TW4",
            (
                "12 Pelayanan kesehatan orang dengan risiko terinfeksi virus yang melemahkan daya "
                "tahan tubuh manusia (Human Immunodeficiency Virus), yang bersifat "
                "peningkatan/promotif dan pencegahan/ preventif"
            ),
            "14200",
            "12800",
            "1400",
            "90.14084507042253",
            "8",
            "8",
            "100",
            "92.11267605633803",
            "Tuntas Utama",
        ]
        english = report.render_table("en").splitlines()
        assert english[0].startswith("Quarter | Service ")
        assert english[-1].endswith("| Complete, prime")
        assert json.loads(json.dumps(report.to_rows()))[0]["band"] == "Belum Tuntas"
        assert report.explanation().startswith("TW1 IP.1: index")


class TestQuarterlyCommand:
    """spmkit quarterly: the same report from a data file, as a table, CSV, JSON or Excel."""

    def test_csv_output(self, tmp_path, rs):
        out = tmp_path / "report.csv"
        assert main(["quarterly", "indeks-spm-kesehatan", str(EXAMPLE), "-o", str(out)]) == 0
        expected = quarterly_report(rs, example_quarters()).to_csv()
        assert out.read_text(encoding="utf-8") == expected

    def test_excel_output(self, tmp_path):
        openpyxl = pytest.importorskip("openpyxl")
        out = tmp_path / "report.xlsx"
        assert main(["quarterly", "indeks-spm-kesehatan", str(EXAMPLE), "-o", str(out)]) == 0
        workbook = openpyxl.load_workbook(out)
        assert workbook.sheetnames == ["Laporan", "Penjelasan"]
        rows = list(workbook["Laporan"].iter_rows(values_only=True))
        assert rows[1][:5] == ("TW1", "1 Pelayanan kesehatan ibu hamil", 4800, 1050, 3750)
        assert rows[-1][-1] == "Tuntas Utama"

    def test_rows_need_their_quarter(self, tmp_path, capsys):
        data = tmp_path / "data.csv"
        data.write_text("sasaran_bumil,bumil_standar\n10,5\n", encoding="utf-8")
        assert main(["quarterly", "indeks-spm-kesehatan", str(data), "--lang", "en"]) == 2
        assert "needs its quarter (TW1-TW4) in a 'periode' column" in capsys.readouterr().err


def test_reports_show_the_band(tmp_path, capsys):
    """The evaluate command's table names the band next to the status of a banded indicator."""
    data = tmp_path / "one.csv"
    data.write_text(
        "sasaran_bumil,bumil_standar,mutu_1_barang_dibutuhkan,mutu_1_barang_terpenuhi,"
        "mutu_1_sdm_dibutuhkan,mutu_1_sdm_terpenuhi\n4800,4650,5,5,3,3\n",
        encoding="utf-8",
    )
    assert main(["evaluate", "indeks-spm-kesehatan", str(data), "--lang", "en"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("IP.1 "))
    assert "97.50" in line
    assert "NOT MET, Complete, prime" in line
