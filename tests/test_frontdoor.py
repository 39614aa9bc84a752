"""The health office's front door: workbooks as they are, the CLI on the batch engine,
outputs by suffix (a real .xlsx), Indonesian throughout, a terminal that fits."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._files.datafiles import ColumnMapping, evaluate_table, read_data
from spmkit._files.export import SUFFIXES, format_for
from spmkit.cli import EXIT_NOT_MET, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE, main
from spmkit.errors import DataFileError, UsageError

sys.path.insert(0, str(Path(__file__).parent))
from workbooks import BUMIL, K4, PUSKESMAS, TOTAL_K4, dinkes_workbook

openpyxl = pytest.importorskip("openpyxl")
RULES = spmkit.load_rule_set("kulon-progo-2011")
ONE_INDICATOR = """\
spmkit: 1
id: k4-only
title: K4 only
language: id
jurisdiction: {level: kabupaten, name: X}
legal_basis: {instrument: Test, number: "1", year: 2020}
inputs:
  bumil_k4: {label: Jumlah K4, unit: person}
  sasaran_bumil: {label: Sasaran ibu hamil, unit: person, kind: amount}
service_types:
  I: {name: Dasar}
indicators:
  I.1:
    service_type: I
    name: Cakupan K4
    numerator: bumil_k4
    denominator: sasaran_bumil
    factor: 100
    target: {op: ">=", value: 95}
    deadline: null
    source: {ref: test}
"""


EVALUATE_ALL = ("evaluate", "kulon-progo-2011", "--sheet", "all")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def workbook(tmp_path):
    return dinkes_workbook(tmp_path / "rekap-spm.xlsx")


@pytest.fixture
def one_rule(tmp_path):
    path = tmp_path / "k4.yaml"
    path.write_text(ONE_INDICATOR, encoding="utf-8")
    return str(path)


class TestWorkbookAsItIs:
    def test_read_without_editing(self, workbook):
        """Title rows, blank row, header at row 4, totals row, footnote, two year sheets."""
        table = read_data(workbook, RULES, sheet="all")
        assert dict(table.header_rows) == {"2011": 4, "2012": 4}
        assert [row.region for row in table.rows] == list(PUSKESMAS) * 2
        assert [row.period for row in table.rows] == ["2011"] * 4 + ["2012"] * 4
        assert [row.number for row in table.rows] == [5, 6, 7, 8] * 2
        # '1.020' is text; the file's '95,26' settles Indonesian notation: 1020, not 1.02.
        assert [row.values["bumil_k4"] for row in table.rows] == [*K4["2011"], *K4["2012"]]
        assert [row.values["sasaran_bumil"] for row in table.rows[:4]] == list(BUMIL["2011"])
        assert [(t.region, t.number, t.total) for t in table.totals] == [
            ("JUMLAH KABUPATEN", 9, True),
            ("JUMLAH KABUPATEN", 9, True),
        ]
        notes = " ".join(table.notes)
        assert "header at row 4 of sheet '2011'; title rows above it skipped (1, 2)" in notes
        assert "2 rows without input values skipped (footnotes)" in notes
        assert "'Sumber: Seksi Kesehatan Keluarga" in notes

    def test_totals_checked_against_the_rows_above(self, workbook):
        """2011's totals row is the sum; 2012's says 100 more K4 visits than its rows."""
        table = read_data(workbook, RULES, sheet="all")
        checks = evaluate_table(RULES, table).totals
        agree, disagree = checks
        assert agree.agrees
        assert agree.rows_above == 4
        assert not disagree.agrees
        assert dict(disagree.inputs) == {
            "bumil_k4": (Fraction(TOTAL_K4["2012"]), Fraction(sum(K4["2012"])))
        }
        given, ratio = disagree.indicators["I.1"]
        assert ratio == pytest.approx(100 * sum(K4["2012"]) / sum(BUMIL["2012"]))
        assert given == pytest.approx(100 * TOTAL_K4["2012"] / sum(BUMIL["2012"]))
        assert disagree.describe() == (
            "totals row JUMLAH KABUPATEN (sheet '2012' row 9) disagrees with the 4 rows above: "
            "bumil_k4 is 3,863, the rows above sum to 3,763; I.1 is 99.05 % on the totals row, "
            "96.49 % as the ratio of the sums"
        )
        assert (
            disagree.describe()
            .in_lang("id")
            .startswith(
                "baris jumlah JUMLAH KABUPATEN (lembar '2012' baris 9) tidak sama dengan 4 baris"
            )
        )

    def test_cli_json_marks_totals_apart(self, workbook, capsys):
        """In --format json a totals row is 'kind': 'total', never one more region."""
        status, out, err = run(capsys, *EVALUATE_ALL, str(workbook), "--format", "json")
        assert status == EXIT_NOT_MET
        document = json.loads(out)
        assert {row["kind"] for row in document["rows"]} == {"region"}
        assert [row["region"] for row in document["rows"]] == list(PUSKESMAS) * 2
        assert [t["kind"] for t in document["totals"]] == ["total", "total"]
        assert [t["agrees"] for t in document["totals"]] == [True, False]
        assert document["totals"][1]["inputs"] == {"bumil_k4": {"given": 3863.0, "sum": 3763.0}}
        assert "tidak sama dengan 4 baris di atasnya" in err

    def test_cli_table_head(self, workbook, capsys):
        """The table names rows by region, year and where they are; totals are reported."""
        status, out, err = run(
            capsys, "evaluate", "kulon-progo-2011", str(workbook), "--sheet", "all", "--lang", "id"
        )
        assert status == EXIT_NOT_MET
        assert "Data: Wates 2011 (lembar '2011' baris 5)" in out
        assert "JUMLAH KABUPATEN 2011" not in out  # not a region
        assert "baris jumlah JUMLAH KABUPATEN (lembar '2011' baris 9) sama dengan jumlah" in out
        assert "8 dari 8 baris dievaluasi" in out
        assert "header di baris 4 lembar '2011'" in err

    def test_same_results_as_evaluate_batch(self, workbook, capsys):
        """The command's numbers are evaluate_batch's, row for row."""
        _, out, _ = run(capsys, *EVALUATE_ALL, str(workbook), "--format", "json")
        rows = json.loads(out)["rows"]
        batch = spmkit.evaluate_batch(
            RULES,
            {
                "bumil_k4": [*K4["2011"], *K4["2012"]],
                "sasaran_bumil": [*BUMIL["2011"], *BUMIL["2012"]],
            },
        )
        for indicator_id in RULES.indicators:
            arrays = batch[indicator_id]
            got = [
                next(r for r in row["results"] if r["indicator"] == indicator_id) for row in rows
            ]
            assert [r["status"] for r in got] == arrays.status.tolist()
            expected = [None if math.isnan(v) else v for v in arrays.value.tolist()]
            assert [r["value"] for r in got] == expected

    def test_header_row_forced(self, workbook, capsys):
        """--header-row names the header; a wrong one is an error saying what it found."""
        table = read_data(workbook, RULES, sheet="2012", header_row=4)
        assert len(table.rows) == 4
        assert {row.period for row in table.rows} == {"2012"}
        status, _, err = run(
            capsys,
            "evaluate",
            "kulon-progo-2011",
            str(workbook),
            "--header-row",
            "2",
            "--lang",
            "en",
        )
        assert status == EXIT_UNUSABLE
        assert "no column is an input of rule set 'kulon-progo-2011'" in err
        assert "--header-row N" in err

    def test_merged_header_with_a_second_line(self, tmp_path):
        """'Ibu hamil' merged over two columns, the inputs' names on the line below."""
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Rekap"])
        sheet.append(["Puskesmas", "Ibu hamil", None])
        sheet.merge_cells("B2:C2")
        sheet.append([None, "K4", "Sasaran"])
        sheet.append(["Wates", 950, 1000])
        book.save(tmp_path / "m.xlsx")
        mapping = ColumnMapping(columns={"K4": "bumil_k4", "Sasaran": "sasaran_bumil"})
        table = read_data(tmp_path / "m.xlsx", RULES, mapping=mapping)
        assert [dict(row.values) for row in table.rows] == [
            {"bumil_k4": 950, "sasaran_bumil": 1000}
        ]
        assert table.rows[0].region == "Wates"

    def test_a_remark_saying_total_is_not_a_totals_row(self, tmp_path):
        """'Total ...' in a remarks column after the counts leaves the row a region."""
        path = tmp_path / "d.csv"
        path.write_text(
            "Puskesmas;bumil_k4;sasaran_bumil;Keterangan\n"
            "Wates;950;1000;total kunjungan belum lengkap\n"
            "Jumlah;950;1000;\n",
            encoding="utf-8",
        )
        table = read_data(path, RULES)
        assert [row.region for row in table.rows] == ["Wates"]
        assert [row.region for row in table.totals] == ["Jumlah"]

    def test_mapping_naming_a_missing_column(self, workbook):
        """A mapping naming a column the file lacks is an error with 'did you mean'."""
        mapping = ColumnMapping(columns={"Jumlah sasaran Ibu Hamill": "sasaran_bumil"})
        with pytest.raises(DataFileError) as caught:
            read_data(workbook, RULES, mapping=mapping)
        assert caught.value.problems[0].startswith(
            "the mapping names column 'Jumlah sasaran Ibu Hamill', which the file does not "
            "have; did you mean 'Jumlah sasaran Ibu Hamil'?"
        )


class TestNotationFromEvidence:
    def test_one_column_settles_the_file(self, tmp_path):
        """'95,26' in one column settles '1.050' in another: Indonesian, 1050."""
        path = tmp_path / "d.csv"
        path.write_text(
            "Puskesmas;bumil_k4;sasaran_bumil;persen\nWates;1.020;1.050;95,26\n", encoding="utf-8"
        )
        table = read_data(path, RULES)
        assert dict(table.rows[0].values) == {"bumil_k4": 1020, "sasaran_bumil": 1050}
        assert dict(table.number_formats) == {"bumil_k4": "id", "sasaran_bumil": "id"}

    def test_only_the_ambiguous_is_refused_naming_cells(self, tmp_path):
        """Nothing settles '3.582': the refusal names the column and its cells."""
        path = tmp_path / "d.csv"
        path.write_text("bumil_k4,sasaran_bumil\n3.582,4100\n1.001,4200\n", encoding="utf-8")
        with pytest.raises(DataFileError) as caught:
            read_data(path, RULES)
        (problem,) = caught.value.problems
        assert "column 'bumil_k4'" in problem
        assert "ambiguous cells: row 2 ('3.582'), row 3 ('1.001')" in problem


class TestCliOnTheBatchEngine:
    def test_exit_codes_are_distinct(self, tmp_path, one_rule, capsys):
        """0 all met, 1 a target not met, 2 unusable input, 3 a row refused."""
        met = tmp_path / "met.csv"
        met.write_text("bumil_k4,sasaran_bumil\n96,100\n", encoding="utf-8")
        unmet = tmp_path / "unmet.csv"
        unmet.write_text("bumil_k4,sasaran_bumil\n96,100\n94,100\n", encoding="utf-8")
        refused = tmp_path / "refused.csv"
        refused.write_text("bumil_k4,sasaran_bumil\n96,100\n-4,100\n", encoding="utf-8")
        assert run(capsys, "evaluate", one_rule, str(met))[0] == EXIT_OK == 0
        assert run(capsys, "evaluate", one_rule, str(unmet))[0] == EXIT_NOT_MET == 1
        assert run(capsys, "evaluate", one_rule, str(tmp_path / "no.csv"))[0] == EXIT_UNUSABLE
        assert EXIT_UNUSABLE == 2
        status, out, _ = run(capsys, "evaluate", one_rule, str(refused), "--lang", "en")
        assert status == EXIT_REFUSED == 3
        assert "row 3: refused: input 'bumil_k4' must be a non-negative finite number" in out
        assert "1 of 2 rows evaluated, 1 with every target met, 1 refused" in out

    def test_a_refused_value_in_indonesian_notation(self, tmp_path, capsys):
        """A decimal count is refused in Indonesian: notation (2,416) and unit (orang) too."""
        path = tmp_path / "d.csv"
        path.write_text("bumil_k4,sasaran_bumil\n2.416,4100\n", encoding="utf-8")
        status, out, _ = run(
            capsys, "evaluate", "kulon-progo-2011", str(path), "--number-format", "en"
        )
        assert status == EXIT_REFUSED
        assert (
            "input 'bumil_k4' harus hitungan orang: bilangan bulat, 0 atau lebih "
            "(tertulis 2,416)" in out
        )

    def test_a_bad_cell_refuses_only_its_row(self, tmp_path):
        """Negative and text cells refuse their rows; the batch evaluates the others."""
        path = tmp_path / "d.csv"
        path.write_text(
            "bumil_k4,sasaran_bumil\n950,1000\n-1,1000\ntidak ada,1000\n57,100\n", encoding="utf-8"
        )
        outcomes = evaluate_table(RULES, read_data(path, RULES))
        assert [o.evaluated for o in outcomes] == [True, False, False, True]
        assert [o.results["I.1"].value for o in outcomes if o.evaluated] == [95.0, 57.0]
        assert outcomes[2].problems[0].in_lang("id") == (
            "kolom 'bumil_k4': 'tidak ada' bukan angka (kosongkan sel bila tidak diketahui, "
            "tulis 0 bila memang tidak ada)"
        )
        # The full report (exact numbers, explanations) agrees with the batch arrays.
        report = outcomes[3].report
        assert report is not None
        assert report["I.1"].exact_value == 57

    def test_progress_on_long_files(self, tmp_path):
        """Rows go through in chunks; progress is called with (done, total)."""
        path = tmp_path / "d.csv"
        path.write_text("bumil_k4,sasaran_bumil\n" + "95,100\n" * 45_000, encoding="utf-8")
        calls = []
        evaluate_table(RULES, read_data(path, RULES), progress=lambda d, t: calls.append((d, t)))
        assert calls == [(20_000, 45_000), (40_000, 45_000), (45_000, 45_000)]


class TestOutputsByName:
    def test_xlsx_is_a_real_workbook(self, workbook, tmp_path, capsys):
        """-o out.xlsx: results and wide sheets, numbers as numbers, statuses coloured."""
        out = tmp_path / "hasil.xlsx"
        status, stdout, _ = run(
            capsys, "evaluate", "kulon-progo-2011", str(workbook), "--sheet", "all", "-o", str(out)
        )
        assert status == EXIT_NOT_MET
        assert stdout == ""
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["Hasil", "Ringkas", "Jumlah", "Info"]
        results = book["Hasil"]
        header = [cell.value for cell in results[1]]
        assert header[:6] == ["Wilayah", "Periode", "Baris", "Indikator", "Nama", "Capaian"]
        first = list(results[2])
        assert first[0].value == "Wates" and first[3].value == "I.1"
        assert isinstance(first[5].value, float)
        assert first[5].value == pytest.approx(100 * 1020 / 1050)
        assert first[10].value == "tercapai"
        assert first[10].fill.fgColor.rgb == "FFC6EFCE"  # green
        assert "1.020 / 1.050 x 100 = 97,14 %" in first[header.index("Penjelasan")].value
        assert first[header.index("Nilai tampil")].value == "97,14"
        assert results.max_row == 1 + 8 * len(RULES.indicators)
        no_data = next(row for row in results.iter_rows(min_row=2) if row[3].value == "I.2")
        assert no_data[10].value == "tidak ada data"
        assert no_data[10].fill.fgColor.rgb == "FFFFEB9C"  # amber
        wide = book["Ringkas"]
        assert [c.value for c in wide[1]][:5] == [
            "Wilayah",
            "Periode",
            "Baris",
            "I.1",
            "I.1 status",
        ]
        assert wide.max_row == 9
        totals = book["Jumlah"]
        assert [c.value for c in totals[3]][:3] == ["JUMLAH KABUPATEN", 9, False]

    def test_text_is_never_a_formula(self):
        """A region named like a formula stays text in the workbook."""
        batch = spmkit.evaluate_batch(
            RULES,
            {"bumil_k4": [950], "sasaran_bumil": [1000], "kec": ['=HYPERLINK("x")']},
            keys=["kec"],
        )
        book = openpyxl.load_workbook(__import__("io").BytesIO(spmkit.render(batch, "xlsx")))
        cell = book["Hasil"]["A2"]
        assert cell.value == '=HYPERLINK("x")'
        assert cell.data_type == "s"

    def test_unknown_suffix_is_refused_with_the_list(self, workbook, tmp_path, capsys):
        """-o out.pdf is an error listing the supported suffixes; nothing is written."""
        out = tmp_path / "out.pdf"
        status, _, err = run(capsys, "evaluate", "kulon-progo-2011", str(workbook), "-o", str(out))
        assert status == EXIT_UNUSABLE
        assert "'.pdf' is not a supported output; use one of .xlsx, .csv, .json, .html" in err
        assert not out.exists()
        with pytest.raises(UsageError):
            format_for("out.pdf")
        assert set(SUFFIXES.values()) == {"xlsx", "csv", "json", "html", "markdown", "table"}

    @pytest.mark.parametrize(
        ("suffix", "start"),
        [(".csv", "row,region"), (".json", "{"), (".html", "<!DOCTYPE"), (".md", "# ")],
    )
    def test_each_text_suffix(self, workbook, tmp_path, capsys, suffix, start):
        """Every supported text suffix writes its own format."""
        out = tmp_path / f"hasil{suffix}"
        run(capsys, "evaluate", "kulon-progo-2011", str(workbook), "-o", str(out))
        assert out.read_text(encoding="utf-8").startswith(start)

    def test_render_in_the_api(self):
        """spmkit.render: a Report or a BatchResult to any format, no file in between."""
        report = spmkit.evaluate(RULES, {"bumil_k4": 4900, "sasaran_bumil": 5200})
        data = spmkit.render(report, "xlsx")
        assert isinstance(data, bytes)
        book = openpyxl.load_workbook(__import__("io").BytesIO(data))
        assert book["Hasil"]["F2"].value == pytest.approx(94.23076923076923)
        document = json.loads(spmkit.render(report, "json"))
        first = document["rows"][0]["results"][0]
        assert "4.900 / 5.200 x 100 = 94,23 %" in first["explanation_id"]
        assert "4,900 / 5,200 x 100 = 94.23 %" in first["explanation"]
        batch = spmkit.evaluate_batch(
            RULES,
            {"bumil_k4": [950, 57], "sasaran_bumil": [1000, 100], "kec": ["A", "B"]},
            keys=["kec"],
        )
        text = spmkit.render(batch, "csv", lang="en")
        assert text.splitlines()[1].startswith("1,A,,I.1,met,true,95.0,95.00,")
        assert text.splitlines()[1 + len(RULES.indicators)].startswith(
            "2,B,,I.1,not_met,false,57.0,57.00,"
        )
        with pytest.raises(UsageError, match="unknown format 'pdf'"):
            spmkit.render(report, "pdf")


class TestIndonesian:
    def test_explain_in_indonesian_notation(self, tmp_path, capsys):
        """explain --lang id: 4.900 / 5.200 x 100 = 94,23 %, under bumil_k4 = 4.900."""
        data = tmp_path / "d.yaml"
        data.write_text("bumil_k4: 4900\nsasaran_bumil: 5200\n", encoding="utf-8")
        status, out, _ = run(
            capsys, "explain", "kulon-progo-2011", str(data), "I.1", "--lang", "id"
        )
        assert status == EXIT_NOT_MET
        assert (
            "I.1: bumil_k4 / sasaran_bumil x 100 = 4.900 / 5.200 x 100 = 94,23 %; target >= 95 % "
            "tahun 2015: tidak tercapai, selisih 0,77 poin persen." in out
        )
        assert "  bumil_k4 = 4.900  (" in out
        assert "4,900" not in out and "94.23" not in out

    def test_check_diff_compare_speak_indonesian(self, capsys, tmp_path):
        """check, diff and compare take --lang id."""
        status, out, _ = run(capsys, "check", "kulon-progo-2011", "--lang", "id")
        assert status == EXIT_OK
        assert out == "kulon-progo-2011: baik (23 indikator)\n"
        status, out, _ = run(
            capsys, "diff", "permenkes-43-2016", "permenkes-4-2019", "--lang", "id"
        )
        assert out.startswith("beda permenkes-43-2016 -> permenkes-4-2019:")
        assert "rumus" in out
        data = tmp_path / "d.yaml"
        data.write_text("dm_standar: 4950\ndm_estimasi: 5297\n", encoding="utf-8")
        _, out, _ = run(
            capsys,
            "compare",
            "permenkes-4-2019",
            "kubu-raya-2021",
            "--data",
            str(data),
            "--lang",
            "id",
        )
        assert out.startswith("1 wilayah menurut permenkes-4-2019, kubu-raya-2021")
        assert "tidak tercapai menurut permenkes-4-2019 -> tercapai menurut kubu-raya-2021" in out

    def test_help_in_indonesian(self, capsys):
        """--help follows --lang id."""
        with pytest.raises(SystemExit):
            main(["evaluate", "--help", "--lang", "id"])
        out = " ".join(capsys.readouterr().out.split())
        assert "status keluar: 0 semua target tercapai" in out
        assert "akhirannya menentukan format" in out


class TestTerminal:
    def test_names_wrap_to_the_width(self, tmp_path):
        """At 80 columns every line fits and I.13.a-e keep their distinguishing words."""
        data = tmp_path / "d.yaml"
        data.write_text("bumil_k4: 950\nsasaran_bumil: 1000\n", encoding="utf-8")
        from spmkit._files.report import render_table  # noqa: PLC0415

        outcomes = evaluate_table(RULES, read_data(data, RULES))
        text = render_table(RULES, outcomes, "id", width=80)
        assert max(len(line) for line in text.splitlines()) <= 80
        flat = " ".join(text.split())
        for words in (
            "a. Acute Flacid",
            "b. Penemuan penderita",
            "d. Penderita DBD",
            "e. Penemuan penderita diare",
        ):
            assert words in flat

    @pytest.mark.slow
    def test_broken_pipe_ends_quietly(self):
        """spmkit list | head -3: no traceback, no Errno 32, exit status of the work (0)."""
        command = f"{sys.executable} -m spmkit.cli list | head -1; exit ${{PIPESTATUS[0]}}"
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "Broken pipe" not in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    "value", [0, 0.5, 4900, 94.23076923076923, 1234567.891, Fraction(7165, 2), 0.005, 99.995]
)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_babel_and_the_fallback_write_the_same(value, lang):
    """The one number formatter writes what Babel (CLDR) writes, without needing Babel."""
    numbers = pytest.importorskip("babel.numbers")
    from decimal import Decimal  # noqa: PLC0415

    from spmkit._numbers import number_text  # noqa: PLC0415

    exact = Fraction(value)
    rounded = Decimal(exact.numerator) / Decimal(exact.denominator)
    rounded = rounded.quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
    locale = "id_ID" if lang == "id" else "en_US"
    assert number_text(exact, lang) == numbers.format_decimal(
        rounded, format="#,##0.00", locale=locale
    )
    assert number_text(Fraction(4900), "id", 0) == "4.900"
