"""The spmkit command, through its console-script function spmkit.cli:main (and once as a
real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import spmkit
from spmkit.cli import Progress, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "kulon-progo-2011.yaml")
PUSKESMAS = str(ROOT / "docs" / "data" / "puskesmas-2011.csv")


def run(capsys, *argv):
    """Run the command; return exit status, stdout, stderr."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestHelp:
    @pytest.mark.parametrize(
        "command", ["evaluate", "explain", "check", "list", "show", "diff", "compare"]
    )
    def test_every_subcommand_has_help_with_an_example(self, capsys, command):
        """--help exits 0 and shows a runnable example of the subcommand."""
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert f"example:\n  spmkit {command}" in out

    def test_version(self, capsys):
        """--version prints the package version."""
        with pytest.raises(SystemExit):
            main(["--version"])
        assert capsys.readouterr().out == f"spmkit {spmkit.__version__}\n"


class TestEvaluate:
    def test_example_table_in_english(self, capsys):
        """The bundled example: five targets not met, exit 1, statuses in words."""
        status, out, _ = run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "--lang", "en")
        assert status == 1
        lines = out.splitlines()
        assert lines[:4] == [
            "Minimum Service Standards for Health",
            "Peraturan Bupati Nomor 15 Tahun 2011 (Kabupaten Kulon Progo)",
            "",
            "Data: Kabupaten Kulon Progo 2011",
        ]
        i1 = next(line for line in lines if line.startswith("I.1 "))
        assert i1.split() == [
            "I.1",
            "Coverage",
            "of",
            "the",
            "fourth",
            "antenatal",
            "visit",
            "(K4)",
            "94.23",
            "%",
            ">=",
            "95",
            "%",
            "2015",
            "NOT",
            "MET",
            "0.77",
        ]
        i6 = next(line for line in lines if line.startswith("I.6 "))
        assert i6.endswith("met (!)")
        assert "18 met, 5 not met, 0 no data, 0 undefined of 23 indicators" in lines
        assert "\033[" not in out  # no colour when not writing to a terminal

    def test_indonesian_is_the_default_for_an_indonesian_rule_set(self, capsys):
        """Labels and decimal commas in Indonesian without --lang."""
        _, out, _ = run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE)
        i1 = next(line for line in out.splitlines() if line.startswith("I.1 "))
        assert "94,23 %" in i1
        assert "TIDAK TERCAPAI" in i1
        assert "0,77" in i1
        assert (
            "18 tercapai, 5 tidak tercapai, 0 tidak ada data, 0 tak terdefinisi dari 23 indikator"
            in out
        )

    def test_all_met_exits_zero(self, capsys, tmp_path):
        """Exit status 0 when every indicator of every row is met."""
        data = dict.fromkeys(spmkit.load_rule_set("kulon-progo-2011").inputs, 10)
        status, _, _ = run(
            capsys, "evaluate", "kulon-progo-2011", write(tmp_path, "d.json", json.dumps(data))
        )
        assert status == 0

    def test_json(self, capsys):
        """JSON: rows with region, period and results with exact-derived numbers."""
        status, out, _ = run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "--format", "json")
        assert status == 1
        document = json.loads(out)
        (row,) = document["rows"]
        assert (row["region"], row["period"], row["all_met"]) == (
            "Kabupaten Kulon Progo",
            "2011",
            False,
        )
        first = row["results"][0]
        assert (first["indicator"], first["status"], first["numerator"]) == (
            "I.1",
            "not_met",
            4900.0,
        )

    def test_csv_long_format(self, capsys):
        """CSV: one line per indicator, machine-readable values whatever the language."""
        _, out, _ = run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 23
        assert rows[0]["indicator"] == "I.1"
        assert rows[0]["status"] == "not_met"
        assert float(rows[0]["value"]) == pytest.approx(94.2307692)
        assert rows[0]["region"] == "Kabupaten Kulon Progo"

    def test_markdown(self, capsys):
        """Markdown: a pipe table, not-met statuses in bold."""
        _, out, _ = run(
            capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "--format", "markdown", "--lang", "en"
        )
        assert out.startswith("# Minimum Service Standards for Health\n")
        assert (
            "| I.1 | Coverage of the fourth antenatal visit (K4) | 94.23 % | >= 95 % | 2015 | "
            "**NOT MET** | 0.77 |"
        ) in out

    def test_html_report_is_self_contained(self, capsys, tmp_path):
        """-o report.html: one file with the table and an inline SVG chart, no external refs."""
        pytest.importorskip("matplotlib")
        target = tmp_path / "report.html"
        status, out, _ = run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "-o", str(target))
        assert (status, out) == (1, "")
        page = target.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert page.count("<svg") == 1
        assert '<td class="not_met">TIDAK TERCAPAI</td>' in page
        for external in ("<script", "<link", 'src="http', "<img"):
            assert external not in page

    @pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml")])
    def test_chart_files(self, capsys, tmp_path, suffix, magic):
        """--chart writes a PNG or an SVG by the file's suffix."""
        pytest.importorskip("matplotlib")
        chart = tmp_path / f"chart.{suffix}"
        run(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "--chart", str(chart))
        assert chart.read_bytes().startswith(magic)

    def test_chart_suffix_must_be_an_image(self, capsys, tmp_path):
        """A chart file named .pdf is refused with exit status 2."""
        pytest.importorskip("matplotlib")
        status, _, err = run(
            capsys,
            "evaluate",
            "kulon-progo-2011",
            EXAMPLE,
            "--chart",
            str(tmp_path / "c.pdf"),
            "--lang",
            "en",
        )
        assert status == 2
        assert "'.pdf' is not a supported output; use one of .png, .svg" in err

    def test_indonesian_csv_with_a_bad_row(self, capsys):
        """The docs' CSV: three rows evaluate, row 5 is refused with its row number, exit 3."""
        status, out, err = run(capsys, "evaluate", "kulon-progo-2011", PUSKESMAS, "--lang", "en")
        assert status == 3
        assert "Data: Wates 2011 (row 2)" in out
        assert "Data: Sentolo 2011 (row 4)" in out
        assert (
            "Nanggulan 2011 (row 5): refused: column 'bumil_k4': 'tidak ada' is not a number "
            "(leave the cell empty if unknown, write 0 if there were none)"
        ) in out
        assert "3 of 4 rows evaluated, 0 with every target met, 1 refused" in out
        assert "columns not used (not an input of kulon-progo-2011): 'Keterangan'" in err

    def test_ambiguous_csv_is_refused(self, capsys, tmp_path):
        """An undecidable column: exit 2, the message names it and the option to declare."""
        path = write(tmp_path, "d.csv", "bumil_k4,sasaran_bumil\n3.582,4.100\n")
        status, out, err = run(capsys, "evaluate", "kulon-progo-2011", path)
        assert (status, out) == (2, "")
        # In the rule set's language (Indonesian) unless --lang en.
        assert "kolom 'bumil_k4': cara penulisan angkanya tidak dapat dipastikan" in err
        _, _, err = run(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
        assert "column 'bumil_k4': cannot tell how its numbers are written" in err
        status, out, _ = run(
            capsys, "evaluate", "kulon-progo-2011", path, "--number-format", "id", "--lang", "en"
        )
        i1 = next(line for line in out.splitlines() if line.startswith("I.1 "))
        assert "87.37 %" in i1  # 3582 / 4100 = 87.3658...

    def test_excel(self, capsys, tmp_path):
        """An .xlsx workbook with a mapping file and a bad row, through the command."""
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Kecamatan", "Tahun", "K4", "Sasaran"])
        sheet.append(["Wates", 2011, 990, 1000])
        sheet.append(["Pengasih", 2011, "n/a", 1000])
        workbook.save(tmp_path / "d.xlsx")
        mapping = write(tmp_path, "m.yaml", "columns:\n  K4: bumil_k4\n  Sasaran: sasaran_bumil\n")
        status, out, _ = run(
            capsys,
            "evaluate",
            "kulon-progo-2011",
            str(tmp_path / "d.xlsx"),
            "--mapping",
            mapping,
            "--format",
            "json",
        )
        assert status == 3  # a row refused
        wates, pengasih = json.loads(out)["rows"]
        assert wates["results"][0]["value"] == 99.0
        assert wates["results"][0]["status"] == "met"
        assert pengasih["row"] == 3
        assert pengasih["problems"] == [
            (
                "column 'K4': 'n/a' is not a number (leave the cell empty if unknown, write 0 if "
                "there were none)"
            )
        ]

    def test_year_selects_rows(self, capsys, tmp_path):
        """--year keeps that year's rows; a year with no rows is exit 2 with a message."""
        path = write(tmp_path, "d.csv", "tahun,bumil_k4,sasaran_bumil\n2011,90,100\n2012,96,100\n")
        status, out, _ = run(
            capsys, "evaluate", "kulon-progo-2011", path, "--year", "2012", "--format", "json"
        )
        (row,) = json.loads(out)["rows"]
        assert row["period"] == "2012"
        assert row["results"][0]["value"] == 96.0
        assert status == 1  # the other indicators have no data
        status, _, err = run(capsys, "evaluate", "kulon-progo-2011", path, "--year", "1999")
        assert status == 2
        assert err.endswith("d.csv: tidak ada baris data untuk tahun 1999\n")

    def test_unknown_rule_set(self, capsys):
        """A rule set that does not exist: exit 2 and the known ids."""
        status, _, err = run(capsys, "evaluate", "kulon-progo-2099", EXAMPLE)
        assert status == 2
        assert "kulon-progo-2011" in err


class TestExplain:
    def test_explains_one_indicator(self, capsys):
        """The formula with values, the inputs with labels, target, source and verification."""
        status, out, _ = run(capsys, "explain", "kulon-progo-2011", EXAMPLE, "I.1", "--lang", "en")
        assert status == 1
        lines = out.splitlines()
        assert lines[1] == "I.1: Coverage of the fourth antenatal visit (K4)"
        assert lines[2].startswith("I.1: bumil_k4 / sasaran_bumil x 100 = 4,900 / 5,200 x 100")
        assert (
            "  bumil_k4 = 4,900  (Pregnant women who received antenatal care K4 (fourth visit); "
            "person)"
        ) in lines
        assert "Target: >= 95 %, by 2015" in lines
        assert any(line.startswith("Verification: ") for line in lines)

    def test_met_indicator_exits_zero(self, capsys):
        """Explaining a met indicator exits 0."""
        status, _, _ = run(capsys, "explain", "kulon-progo-2011", EXAMPLE, "I.2")
        assert status == 0

    def test_unknown_indicator(self, capsys):
        """An indicator id the rule set lacks: exit 2, with the known ids."""
        status, _, err = run(capsys, "explain", "kulon-progo-2011", EXAMPLE, "I.99", "--lang", "en")
        assert status == 2
        assert "rule set kulon-progo-2011 has no indicator 'I.99'; it has: I.1, I.2" in err

    def test_region_filter(self, capsys):
        """--region picks one row of a multi-row file."""
        status, out, _ = run(
            capsys, "explain", "kulon-progo-2011", PUSKESMAS, "I.7", "--region", "Sentolo"
        )
        assert status == 1
        assert out.startswith("== Sentolo 2011 ==\n")
        assert "desa_uci = 7" in out


class TestCheckListShow:
    def test_check_ok(self, capsys):
        """A good rule file: exit 0 and its indicator count."""
        status, out, _ = run(capsys, "check", str(ROOT / "rules" / "kulon-progo-2011.yaml"))
        assert status == 0
        assert out.endswith("kulon-progo-2011.yaml: ok (23 indicators)\n")

    def test_check_reports_every_problem_with_file_and_line(self, capsys, tmp_path):
        """A broken rule file: exit 2 (unusable rule file) and each problem at file:line."""
        text = (ROOT / "rules" / "kulon-progo-2011.yaml").read_text(encoding="utf-8")
        broken = text.replace("language: id", "language: id\nlanguage: en", 1).replace(
            "numerator: bumil_k4", "numerator: bumil_k5", 1
        )
        path = write(tmp_path, "bad.yaml", broken)
        status, out, _ = run(capsys, "check", path)
        assert status == 2
        problems = out.splitlines()
        assert len(problems) >= 2
        assert all(line.startswith(f"{path}:") for line in problems)

    def test_list(self, capsys):
        """The shipped rule sets, with their legal basis."""
        status, out, _ = run(capsys, "list")
        assert status == 0
        assert "kulon-progo-2011" in out
        assert "Peraturan Bupati Nomor 15 Tahun 2011" in out

    def test_show(self, capsys):
        """Indicators with target, deadline, name and source."""
        status, out, _ = run(capsys, "show", "kulon-progo-2011", "--lang", "en")
        assert status == 0
        line = next(line for line in out.splitlines() if line.strip().startswith("I.1 "))
        assert line.split()[:6] == ["I.1", ">=", "95", "%", "by", "2015"]
        assert "Coverage of the fourth antenatal visit (K4)" in line


class TestProgress:
    class Tty(io.StringIO):
        def isatty(self):
            return True

    def test_shown_on_a_terminal_for_large_batches(self):
        """A terminal gets a rewritten line ending at 100 %."""
        stream = self.Tty()
        progress = Progress(stream, minimum=10)
        for done in range(1, 21):
            progress(done, 20)
        text = stream.getvalue()
        assert text.startswith("\rspmkit: 1/20 rows (5 %)")
        assert text.endswith("\rspmkit: 20/20 rows (100 %)\n")

    def test_silent_when_not_a_terminal_or_small(self):
        """A pipe or a log file gets nothing; neither does a small batch."""
        pipe = io.StringIO()
        Progress(pipe, minimum=1)(1, 1)
        small = self.Tty()
        Progress(small, minimum=10)(5, 5)
        assert (pipe.getvalue(), small.getvalue()) == ("", "")


@pytest.mark.slow  # a subprocess
def test_console_script_subprocess():
    """The installed `spmkit` script: piped output has no colour and no progress line."""
    script = shutil.which("spmkit", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run(
        [script, "evaluate", "kulon-progo-2011", EXAMPLE, "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == ""
    assert "18 met, 5 not met" in done.stdout
    assert "\033[" not in done.stdout


def test_example_report_is_current(capsys, tmp_path):
    """examples/kulon-progo-2011-report.html is what the command makes today (the chart's
    SVG depends on the matplotlib version, so it is compared apart from the figure)."""
    pytest.importorskip("matplotlib")
    fresh = tmp_path / "report.html"
    main(["evaluate", "kulon-progo-2011", EXAMPLE, "-o", str(fresh)])
    capsys.readouterr()

    def without_figure(text):
        start, end = text.index('<figure class="chart">'), text.index("</figure>")
        return text[:start] + text[end:]

    shipped = (ROOT / "examples" / "kulon-progo-2011-report.html").read_text(encoding="utf-8")
    assert without_figure(shipped) == without_figure(fresh.read_text(encoding="utf-8"))
