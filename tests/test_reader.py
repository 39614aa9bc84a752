"""One table reader for every command: time keys, duplicates, totals, hidden columns, notation.

Real files in tmp_path; the command line in-process through ``spmkit.cli.main``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import spmkit
from spmkit._files.reading import read_data, read_upload, time_of_cell
from spmkit._files.streaming import open_csv
from spmkit._files.table import evaluate_table
from spmkit.cli import main
from spmkit.errors import DataFileError

SIAK = "siak-renstra-2012-2016"
KULON_PROGO = "kulon-progo-2011"
SIAK_ROWS = [(2012, 940), (2013, 970), (2014, 975), (2016, 990)]


@pytest.fixture(scope="module")
def siak() -> spmkit.RuleSet:
    return spmkit.load_rule_set(SIAK)


@pytest.fixture(scope="module")
def kulon_progo() -> spmkit.RuleSet:
    return spmkit.load_rule_set(KULON_PROGO)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--lang", "en"] if "--lang" not in argv else list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _siak_file(tmp_path: Path) -> Path:
    lines = ["puskesmas,tahun,bumil_k4,sasaran_bumil"]
    lines += [f"A,{year},{k4},1000" for year, k4 in SIAK_ROWS]
    return write(tmp_path / "yr.csv", "\n".join(lines) + "\n")


class TestEachRowInItsYear:
    """The CLI judges a row with a tahun column as evaluate_batch(year=...) does."""

    def test_cli_and_api_agree(self, tmp_path, capsys):
        path = _siak_file(tmp_path)
        status, out, _ = run(capsys, "evaluate", SIAK, str(path), "--format", "json")
        assert status == 1
        cli = [
            next(r for r in row["results"] if r["indicator"] == "I.1")
            for row in json.loads(out)["rows"]
        ]
        api = spmkit.evaluate_batch(
            SIAK,
            {
                "tahun": [year for year, _ in SIAK_ROWS],
                "bumil_k4": [k4 for _, k4 in SIAK_ROWS],
                "sasaran_bumil": [1000] * len(SIAK_ROWS),
            },
            year="tahun",
        )["I.1"]
        assert [r["status"] for r in cli] == api.status.tolist()
        assert [r["progress"] for r in cli] == [str(p) for p in api.progress.tolist()]
        assert [r["milestone"] for r in cli] == api.milestone.tolist()
        assert [r["value"] for r in cli] == api.value.tolist()
        # 2013: 970/1000 = 97 % against the milestone 97: met, on track (not the final 100).
        assert (cli[1]["status"], cli[1]["progress"], cli[1]["milestone"]) == (
            "met",
            "on_track",
            97.0,
        )
        assert [r["status"] for r in cli] == ["not_met", "met", "not_met", "not_met"]

    def test_the_explanation_is_of_the_same_year(self, siak, tmp_path):
        table = read_data(_siak_file(tmp_path), siak)
        outcome = evaluate_table(siak, table)[1]
        scalar = spmkit.evaluate(siak, dict(outcome.row.values), year=2013)
        assert outcome.report is not None
        assert outcome.report["I.1"].status == scalar["I.1"].status == "met"
        assert outcome.report["I.1"].explanation == scalar["I.1"].explanation

    def test_a_period_column_is_judged_pro_rata(self, siak, tmp_path):
        """'2013 TW2': the year and its second quarter, as evaluate(year=, period='Q2')."""
        path = write(
            tmp_path / "q.csv",
            "puskesmas,periode,bumil_k4,sasaran_bumil\nA,2013 TW2,485,1000\n",
        )
        table = read_data(path, siak)
        row = table.rows[0]
        assert (row.year, row.part, row.period) == (2013, "Q2", "2013 TW2")
        result = evaluate_table(siak, table)[0].results["I.1"]
        scalar = spmkit.evaluate(siak, dict(row.values), year=2013, period="Q2")["I.1"]
        assert result.status == scalar.status == "met"
        assert result.milestone == pytest.approx(48.5)

    def test_a_year_column_and_a_period_column(self, siak, tmp_path):
        path = write(
            tmp_path / "q.csv",
            "tahun,triwulan,bumil_k4,sasaran_bumil\n2013,TW1,240,1000\n2014,TW1,240,1000\n",
        )
        rows = read_data(path, siak).rows
        assert [(r.year, r.part) for r in rows] == [(2013, "Q1"), (2014, "Q1")]

    def test_a_bad_period_refuses_its_row_only(self, siak, tmp_path):
        path = write(
            tmp_path / "q.csv",
            "tahun,bumil_k4,sasaran_bumil\n2013,970,1000\ndua ribu,970,1000\n",
        )
        table = read_data(path, siak)
        assert table.rows[0].problems == ()
        assert "'dua ribu' is not a year, quarter or month" in table.rows[1].problems[0]


@pytest.mark.parametrize(
    ("cell", "months", "expected"),
    [
        ("2013", False, (2013, None)),
        (2013, False, (2013, None)),
        (2013.0, False, (2013, None)),
        ("TW2", False, (None, "Q2")),
        ("tw 4", False, (None, "Q4")),
        ("Triwulan II", False, (None, "Q2")),
        ("triwulan 3", False, (None, "Q3")),
        ("Q1", False, (None, "Q1")),
        ("2023 TW2", False, (2023, "Q2")),
        ("Q2/2023", False, (2023, "Q2")),
        ("Maret 2023", False, (2023, 3)),
        ("bulan 3", False, (None, 3)),
        ("Agustus", False, (None, 8)),
        ("2023-03", False, (2023, 3)),
        ("3", False, (None, "Q3")),
        ("3", True, (None, 3)),
        ("12", True, (None, 12)),
    ],
)
def test_time_cells(cell, months, expected):
    assert time_of_cell(cell, months=months) == expected


@pytest.mark.parametrize("cell", ["TW5", "abc", "13", "bulan 13", ""])
def test_not_time_cells(cell):
    with pytest.raises(ValueError, match=""):
        time_of_cell(cell, months=cell == "13")


class TestDuplicatesAndGaps:
    def test_a_duplicated_region_and_year_refuses_both_rows(self, tmp_path, capsys):
        path = write(
            tmp_path / "d.csv",
            "puskesmas,tahun,bumil_k4,sasaran_bumil\n"
            "A,2013,970,1000\nB,2013,900,1000\nA,2013,990,1000\nA,2014,990,1000\n",
        )
        status, out, _ = run(capsys, "evaluate", SIAK, str(path), "--format", "json")
        assert status == 3
        rows = json.loads(out)["rows"]
        problems = {row["row"]: row["problems"] for row in rows}
        assert problems[2] == [
            "A 2013 is given twice, in row 2 and row 4; keep one of the two rows"
        ]
        assert problems[4] == [
            "A 2013 is given twice, in row 4 and row 2; keep one of the two rows"
        ]
        assert problems[3] == problems[5] == []

    def test_the_chunked_reader_refuses_the_same_rows(self, kulon_progo, tmp_path):
        """open_csv (bounded memory) keys rows as read_data does: same problems, same notes."""
        text = (
            "puskesmas,periode,bumil_k4,sasaran_bumil\n"
            "A,TW1,10,100\nA,TW2,20,100\nA,TW4,30,100\nA,TW2,25,100\nB,TW1,5,100\n"
        )
        path = write(tmp_path / "d.csv", text)
        whole = read_data(path, kulon_progo)
        stream = open_csv(path, kulon_progo)
        streamed = [row for chunk in stream.chunks(2) for row in chunk.rows()]
        assert [r.problems for r in streamed] == [r.problems for r in whole.rows]
        assert [bool(r.problems) for r in whole.rows] == [False, True, False, True, False]
        assert stream.table.notes == whole.notes == ("A: TW3 missing (the file has TW1, TW2, TW4)",)

    def test_a_duplicate_quarter_is_refused_by_quarterly(self, tmp_path, capsys):
        example = Path(__file__).resolve().parents[1] / "examples" / "spm-index-quarterly.csv"
        lines = example.read_text(encoding="utf-8").splitlines()
        tw4 = lines[4].replace("TW4,4800,1190", "TW4,4800,9000")
        path = write(tmp_path / "q.csv", "\n".join([*lines, tw4]) + "\n")
        status, out, err = run(capsys, "quarterly", "indeks-spm-kesehatan", str(path))
        assert status == 3
        assert out == ""  # no report from a quarter given twice
        assert "row 5: TW4 is given twice, in row 5 and row 6" in err
        assert "row 6: TW4 is given twice, in row 6 and row 5" in err

    def test_two_years_do_not_collapse_into_one_quarterly_report(self, tmp_path, capsys):
        """A year column beside the quarter: several years are refused, --year picks one."""
        example = Path(__file__).resolve().parents[1] / "examples" / "spm-index-quarterly.csv"
        header, *rows = example.read_text(encoding="utf-8").splitlines()
        lines = [f"tahun,{header}"] + [f"{y},{r}" for y in (2023, 2024) for r in rows]
        path = write(tmp_path / "q.csv", "\n".join(lines) + "\n")
        status, out, err = run(capsys, "quarterly", "indeks-spm-kesehatan", str(path))
        assert (status, out) == (2, "")
        assert "has several years (2023, 2024); choose one: --year" in err
        argv = ("quarterly", "indeks-spm-kesehatan", str(path), "--year", "2024")
        status, out, _ = run(capsys, *argv)
        assert status == 0
        assert [line.split("|")[0].strip() for line in out.splitlines()[2::12]] == [
            "TW1",
            "TW2",
            "TW3",
            "TW4",
        ]

    def test_a_missing_quarter_is_said(self, tmp_path, capsys):
        example = Path(__file__).resolve().parents[1] / "examples" / "spm-index-quarterly.csv"
        lines = example.read_text(encoding="utf-8").splitlines()
        path = write(tmp_path / "q.csv", "\n".join([lines[0], lines[1], lines[2], lines[4]]) + "\n")
        status, _, err = run(capsys, "quarterly", "indeks-spm-kesehatan", str(path))
        assert status == 0
        assert "TW3 missing (the file has TW1, TW2, TW4)" in err

    def test_quarters_so_far_are_not_missing(self, kulon_progo, tmp_path):
        path = write(tmp_path / "q.csv", "periode,bumil_k4,sasaran_bumil\nTW1,10,100\nTW2,20,100\n")
        assert read_data(path, kulon_progo).notes == ()

    def test_two_regions_without_time_are_two_data_sets(self, kulon_progo, tmp_path):
        path = write(tmp_path / "d.csv", "puskesmas,bumil_k4,sasaran_bumil\nA,1,2\nA,1,2\n")
        assert [row.problems for row in read_data(path, kulon_progo).rows] == [(), ()]


class TestTotalsRows:
    def test_jml_rata_rata_and_the_regency_are_not_regions(self, tmp_path, capsys):
        path = write(
            tmp_path / "d.csv",
            "puskesmas,bumil_k4,sasaran_bumil\n"
            "Wates,95,100\nKokap,90,100\nJML,185,200\nRATA-RATA,92.5,100\n"
            "KAB. KULON PROGO,185,200\n",
        )
        status, out, err = run(capsys, "evaluate", KULON_PROGO, str(path), "--format", "json")
        document = json.loads(out)
        assert [row["region"] for row in document["rows"]] == ["Wates", "Kokap"]
        assert [t["label"] for t in document["totals"]] == ["JML", "RATA-RATA", "KAB. KULON PROGO"]
        assert document["totals"][0]["agrees"] is True
        assert "an average row is not a sum of the rows above" in err
        assert status == 1

    def test_a_regency_is_a_region_in_a_table_of_regencies(self, kulon_progo, tmp_path):
        path = write(
            tmp_path / "d.csv",
            "kabupaten,bumil_k4,sasaran_bumil\nKab. Bantul,95,100\nKab. Sleman,90,100\n",
        )
        table = read_data(path, kulon_progo)
        assert [row.region for row in table.rows] == ["Kab. Bantul", "Kab. Sleman"]
        assert table.totals == ()

    def test_a_refused_cell_makes_only_its_column_uncheckable(self, kulon_progo, tmp_path):
        """A correct Sasaran total of 900 agrees although two rows are refused."""
        lines = ["puskesmas,bumil_k4,sasaran_bumil"]
        lines += [f"P{i},{90 + i},100" for i in range(1, 8)]
        lines += ["P8,x,100", "P9,-5,100", "JUMLAH,700,900"]
        table = read_data(write(tmp_path / "d.csv", "\n".join(lines) + "\n"), kulon_progo)
        evaluation = evaluate_table(kulon_progo, table)
        assert len(evaluation.refused) == 2
        (check,) = evaluation.totals
        assert check.rows_above == 9
        assert check.inputs == {}  # sasaran: 900 is the sum of all nine rows
        assert dict(check.unchecked) == {"bumil_k4": "P8"}
        assert check.describe().in_lang("en") == (
            "totals row JUMLAH (row 11) agrees with the sum of the 9 rows above; "
            "bumil_k4 not checked: P8 has no readable bumil_k4"
        )
        assert "bumil_k4 tidak diperiksa: P8" in check.describe().in_lang("id")

    def test_the_page_says_which_column_was_not_checked(self, tmp_path):
        text = "puskesmas,bumil_k4,sasaran_bumil\nA,x,100\nB,90,100\nJUMLAH,90,200\n"
        page = tmp_path / "d.html"
        argv = ["evaluate", KULON_PROGO, str(write(tmp_path / "d.csv", text)), "-o", str(page)]
        assert main([*argv, "--lang", "en"]) == 3
        assert (
            '<li class="agrees">totals row JUMLAH (row 4) agrees with the sum of the 2 rows '
            "above; bumil_k4 not checked: A has no readable bumil_k4</li>"
        ) in page.read_text(encoding="utf-8")

    def test_a_wrong_total_beside_a_refused_column_is_still_found(self, kulon_progo, tmp_path):
        text = "puskesmas,bumil_k4,sasaran_bumil\nA,x,100\nB,90,100\nJUMLAH,90,300\n"
        table = read_data(write(tmp_path / "d.csv", text), kulon_progo)
        (check,) = evaluate_table(kulon_progo, table).totals
        assert {k: (int(a), int(b)) for k, (a, b) in check.inputs.items()} == {
            "sasaran_bumil": (300, 200)
        }

    def test_totals_of_a_year_cover_that_year(self, siak, tmp_path):
        text = (
            "puskesmas,tahun,bumil_k4,sasaran_bumil\n"
            "A,2013,970,1000\nA,2014,975,1000\nJUMLAH,2013,970,1000\n"
        )
        table = read_data(write(tmp_path / "d.csv", text), siak)
        (check,) = evaluate_table(siak, table).totals
        assert check.agrees
        assert check.rows_above == 1


def workbook_file(path: Path, rows: list[list[object]], hidden: tuple[str, ...] = ()) -> Path:
    """An .xlsx file of ``rows`` on its first sheet, the ``hidden`` columns (letters) hidden."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    for letter in hidden:
        workbook.active.column_dimensions[letter].hidden = True
    workbook.save(path)
    return path


def _multi_year_workbook(path: Path) -> dict[int, str]:
    rows: list[list[object]] = [
        ["REKAP CAKUPAN K4 2021-2023"],
        ["Tahun", "Puskesmas", "Bumil K4", "Sasaran Bumil"],
    ]
    data = {
        2021: [(470, 500), (380, 400), (571, 600)],
        2022: [(465, 500), (372, 400), (558, 600)],
        2023: [(471, 500), (377, 400), (566, 600)],
    }
    for year, counts in data.items():
        for name, (k4, target) in zip(["Wates", "Kokap", "Temon I"], counts, strict=True):
            rows.append([year, name, k4, target])
    workbook_file(path, rows)
    return {  # each year's ratio of sums, as the page shows it
        year: f"{100 * sum(k for k, _ in rows) / sum(t for _, t in rows):.2f}".replace(".", ",")
        for year, rows in data.items()
    }


class TestMultiYear:
    def test_the_page_has_a_section_and_a_total_per_year(self, tmp_path):
        path = tmp_path / "multi.xlsx"
        expected = _multi_year_workbook(path)
        assert expected == {2021: "94,73", 2022: "93,00", 2023: "94,27"}
        page = tmp_path / "multi.html"
        argv = ["evaluate", KULON_PROGO, str(path), "-o", str(page), "--lang", "id"]
        assert main(argv) == 1
        html = page.read_text(encoding="utf-8")
        headings = re.findall(r"<h1>[^<]*· (\d{4})</h1>", html)
        assert headings == ["2021", "2022", "2023"]
        totals = re.findall(r"Total kabupaten \(rasio jumlah\)</td><td[^>]*><span>([\d,]+)", html)
        assert len(totals) == 3
        for shown, year in zip(totals, (2021, 2022, 2023), strict=True):
            decimals = len(shown.partition(",")[2])  # the fewest decimals that decide
            exact = float(expected[year].replace(",", "."))
            assert float(shown.replace(",", ".")) == round(exact, decimals)
        assert totals == ["94,73", "93,00", "94,27"]  # at least two decimals, as every output
        assert html.count("<html") == 1 and html.count("</body>") == 1


class TestColumnsAndNotation:
    def test_a_visible_column_is_read_before_a_hidden_duplicate(self, kulon_progo, tmp_path):
        rows: list[list[object]] = [
            ["Puskesmas", "Sasaran Bumil", "Bumil K4", "Sasaran Bumil"],
            ["Kokap", 50, 900, 1000],
        ]
        path = workbook_file(tmp_path / "hidden.xlsx", rows, hidden=("B",))
        table = read_data(path, kulon_progo)
        assert dict(table.rows[0].values) == {"bumil_k4": 900, "sasaran_bumil": 1000}
        note = (
            "column 'Sasaran Bumil' appears twice: the visible column D is read, "
            "the hidden column B is left out"
        )
        assert table.notes == (note,)
        assert table.unknown_columns == ()

    def test_percentage_cells_settle_indonesian(self, kulon_progo, tmp_path):
        text = 'puskesmas,bumil_k4,sasaran_bumil,capaian\nWates,3.582,4.000,"89,6 %"\n'
        table = read_data(write(tmp_path / "d.csv", text), kulon_progo)
        assert dict(table.rows[0].values) == {"bumil_k4": 3582, "sasaran_bumil": 4000}

    def test_a_semicolon_separator_settles_indonesian(self, kulon_progo, tmp_path):
        text = "puskesmas;bumil_k4;sasaran_bumil\nWates;3.582;4.000\n"
        table = read_data(write(tmp_path / "d.csv", text), kulon_progo)
        assert dict(table.rows[0].values) == {"bumil_k4": 3582, "sasaran_bumil": 4000}

    def test_without_evidence_it_is_still_refused(self, kulon_progo, tmp_path):
        text = "puskesmas,bumil_k4,sasaran_bumil\nWates,3.582,4.000\n"
        with pytest.raises(DataFileError, match="cannot tell how its numbers are written"):
            read_data(write(tmp_path / "d.csv", text), kulon_progo)

    def test_an_upload_is_read_as_a_file(self, kulon_progo):
        table = read_upload(b"puskesmas,tahun,bumil_k4\nA,2013,9\n", "../rekap.csv", kulon_progo)
        assert table.source == "rekap.csv"
        assert (table.rows[0].region, table.rows[0].year) == ("A", 2013)
        with pytest.raises(DataFileError) as caught:
            read_upload(b"", "kosong.csv", kulon_progo)
        assert str(caught.value).startswith("kosong.csv: ")


class TestJurisdiction:
    def test_output_and_format_are_kept(self, tmp_path, capsys):
        path = _siak_file(tmp_path)
        out = tmp_path / "history.json"
        argv = ["evaluate", "--jurisdiction", "Kabupaten Siak", str(path), "-o", str(out)]
        status, printed, _ = run(capsys, *argv)
        assert status == 1
        assert printed == ""
        years = json.loads(out.read_text(encoding="utf-8"))["years"]
        assert [y["year"] for y in years] == [2012, 2013, 2014, 2016]
        status, printed, _ = run(
            capsys, "evaluate", "--jurisdiction", "Kabupaten Siak", str(path), "--format", "json"
        )
        assert json.loads(printed)["jurisdiction"] == "Kabupaten Siak"

    @pytest.mark.parametrize("extra", [["-o", "h.csv"], ["--format", "csv"], ["-o", "h.xlsx"]])
    def test_other_outputs_are_refused_before_work(self, tmp_path, capsys, extra):
        path = _siak_file(tmp_path)
        extra = [str(tmp_path / e) if e.startswith("h.") else e for e in extra]
        argv = ["evaluate", "--jurisdiction", "Kabupaten Siak", str(path), *extra]
        status, printed, err = run(capsys, *argv)
        assert status == 2
        assert printed == ""
        assert "with --jurisdiction the history is written as .json or .txt" in err
        assert not any(p.name.startswith("h.") for p in tmp_path.iterdir())


def test_compare_judges_each_row_in_its_year(tmp_path, capsys):
    path = _siak_file(tmp_path)
    status, out, _ = run(
        capsys, "compare", SIAK, "permenkes-741-2008", "--data", str(path), "--format", "json"
    )
    assert status == 0
    document = json.loads(out)
    assert document["regions"] == ["A / 2012", "A / 2013", "A / 2014", "A / 2016"]
    assert document["indicators"]["I.1"]["statuses"][SIAK] == [
        "not_met",
        "met",
        "not_met",
        "not_met",
    ]
