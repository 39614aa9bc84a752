"""Data-file problems and the command line's usage errors in Indonesian (``--lang id``).

Every run is made twice: in Indonesian it says the problem in Indonesian at the same
place, with the same exit status, and in English it says exactly what it said before
the texts were translated (programs and tests compare those texts).
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

import spmkit
from source_tree import parsed
from spmkit._files.export import format_for
from spmkit._files.reading import read_data
from spmkit._files.records import MAX_DATA_BYTES, MAX_STREAMED_BYTES
from spmkit._translation import Bilingual, grouped, tr
from spmkit.cli import main
from spmkit.errors import ChartUnavailableError, DataFileError, UsageError, format_errors

SRC = Path(spmkit.__file__).parent
EXAMPLE = str(Path(__file__).parents[1] / "examples" / "kulon-progo-2011.yaml")
SUPPORTED = ".xlsx, .csv, .json, .html, .htm, .md, .txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run the command line; return its exit status and stderr."""
    status = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def both(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    """stderr in Indonesian and in English; both runs exit 2."""
    status_id, indonesian = run(capsys, *argv, "--lang", "id")
    status_en, english = run(capsys, *argv, "--lang", "en")
    assert (status_id, status_en) == (2, 2)
    return indonesian, english


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


class TestDataFileProblems:
    def test_missing_data_file(self, capsys, tmp_path):
        missing = str(tmp_path / "nonexist.csv")
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", missing)
        assert indonesian == f"spmkit: {missing}: berkas tidak ada\n"
        assert english == f"spmkit: {missing}: no such file\n"

    def test_missing_data_file_follows_an_indonesian_rule_set_by_default(self, capsys, tmp_path):
        """Without --lang the language is the rule set's (Kulon Progo's is Indonesian)."""
        missing = str(tmp_path / "nonexist.csv")
        status, err = run(capsys, "evaluate", "kulon-progo-2011", missing)
        assert (status, err) == (2, f"spmkit: {missing}: berkas tidak ada\n")

    def test_too_large_data_file(self, capsys, tmp_path):
        """A sparse file one byte over the limit: refused by its size, never read."""
        big = tmp_path / "big.csv"
        with big.open("wb") as handle:
            handle.truncate(MAX_DATA_BYTES + 1)
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", str(big))
        assert indonesian == f"spmkit: {big}: lebih besar dari {MAX_DATA_BYTES} byte\n"
        assert english == f"spmkit: {big}: larger than {MAX_DATA_BYTES} bytes\n"

    def test_too_large_streamed_file(self, capsys, tmp_path):
        """A CSV file is streamed up to its own, larger limit: one byte over it is refused."""
        big = tmp_path / "big.csv"
        with big.open("wb") as handle:
            handle.truncate(MAX_STREAMED_BYTES + 1)
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", str(big))
        assert indonesian == f"spmkit: {big}: lebih besar dari {MAX_STREAMED_BYTES} byte\n"
        assert english == f"spmkit: {big}: larger than {MAX_STREAMED_BYTES} bytes\n"

    def test_unbalanced_quote(self, capsys, tmp_path):
        data = write(tmp_path / "d.csv", 'region,bumil_k4,sasaran_bumil\n"Kulon Progo,950,1000\n')
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", data)
        assert indonesian.startswith(
            f'spmkit: {data}: baris 2: tanda kutip (") yang dibuka di sini tidak pernah ditutup '
            "(berkas berakhir di dalamnya); tutup atau hapus tanda kutip itu"
        )
        assert english.startswith(
            f'spmkit: {data}: line 2: a quote (") opened here is never closed (the file ends '
            "inside it); close or remove the quote"
        )

    def test_duplicate_json_key(self, capsys, tmp_path):
        data = write(tmp_path / "d.json", '{"bumil_k4": 950, "bumil_k4": 10}')
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", data)
        assert "kunci ganda 'bumil_k4' dalam satu objek; JSON hanya menyimpan" in indonesian
        assert english == (
            f"spmkit: {data}: duplicate key 'bumil_k4' in one object; JSON keeps only one of "
            "them, so remove or rename one\n"
        )

    def test_not_utf8_keeps_the_byte_and_offset(self, capsys, tmp_path):
        data = tmp_path / "d.csv"
        data.write_bytes(b"region,bumil_k4,sasaran_bumil\nKulon Progo \xe9,950,1000\n")
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", str(data))
        assert "baris 2: bukan teks UTF-8 (byte 0xe9 di posisi 42); simpan sebagai 'CSV UTF-8'" in (
            indonesian
        )
        assert "line 2: not UTF-8 text (byte 0xe9 at offset 42); save it as 'CSV UTF-8'" in english

    def test_unknown_file_type_on_compare(self, capsys, tmp_path):
        data = write(tmp_path / "d.xls", "x")
        argv = ("compare", "kulon-progo-2011", "permenkes-4-2019", "--data", data)
        indonesian, english = both(capsys, *argv)
        assert "jenis berkas '.xls' tidak dikenal" in indonesian
        assert "simpan buku kerja .xls lama sebagai .xlsx" in indonesian
        assert "unknown file type '.xls'; give a .csv, .xlsx, .json or .yaml file; save old" in (
            english
        )

    def test_a_yaml_parser_text_is_kept_inside_an_indonesian_sentence(self, capsys, tmp_path):
        data = write(tmp_path / "d.yaml", "a: [1\n")
        indonesian, english = both(capsys, "explain", "kulon-progo-2011", data, "I.1")
        assert indonesian.startswith(f"spmkit: {data}: baris 2: bukan YAML yang valid: expected")
        assert english.startswith(f"spmkit: {data}: line 2: not valid YAML: expected")

    def test_a_sheet_over_the_row_limit_groups_numbers_the_indonesian_way(self, tmp_path):
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet["A1"], sheet["B1"], sheet["A2"], sheet["B2"] = "bumil_k4", "sasaran_bumil", 9, 10
        sheet["C1048576"] = 1
        workbook.save(tmp_path / "far.xlsx")
        rule_set = spmkit.load_rule_set("kulon-progo-2011")
        with pytest.raises(DataFileError) as caught:
            read_data(tmp_path / "far.xlsx", rule_set)
        assert "row 1,048,576 has cells up to column C; spmkit reads at most" in str(caught.value)
        assert "baris 1.048.576 memuat sel sampai kolom C; spmkit membaca paling banyak" in (
            caught.value.in_lang("id")
        )


class TestUsageErrors:
    def test_unsupported_output_suffix_lists_the_supported_ones(self, capsys, tmp_path):
        out = str(tmp_path / "out.pdf")
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", EXAMPLE, "-o", out)
        assert indonesian == (
            f"spmkit: tidak dapat menulis {out!r}: '.pdf' bukan keluaran yang didukung; "
            f"gunakan salah satu dari {SUPPORTED}\n"
        )
        assert english == (
            f"spmkit: cannot write {out!r}: '.pdf' is not a supported output; use one of "
            f"{SUPPORTED}\n"
        )
        assert not Path(out).exists()

    def test_output_that_would_overwrite_the_input(self, capsys, tmp_path):
        data = write(tmp_path / "d.csv", "region,bumil_k4,sasaran_bumil\nA,950,1000\n")
        before = Path(data).read_text(encoding="utf-8")
        indonesian, english = both(capsys, "evaluate", "kulon-progo-2011", data, "-o", data)
        assert indonesian == (
            f"spmkit: {data} tidak akan ditulis: berkas itu adalah masukan perintah ini; "
            "pilih berkas lain\n"
        )
        assert english == (
            f"spmkit: will not write {data}: it is an input of this command; choose another file\n"
        )
        assert Path(data).read_text(encoding="utf-8") == before

    @pytest.mark.parametrize(
        ("argv", "indonesian", "english"),
        [
            (
                ["evaluate", "kulon-progo-2011", EXAMPLE, "-o", "{tmp}/out"],
                "tanpa akhiran bukan keluaran yang didukung",
                "no suffix is not a supported output",
            ),
            (
                ["evaluate", "kulon-progo-2011", EXAMPLE, "-o", "{tmp}/r.csv", "--format", "json"],
                "--format json tidak cocok dengan berkas keluaran '{tmp}/r.csv'",
                "--format json does not match the output file '{tmp}/r.csv'",
            ),
            (
                ["evaluate", "kulon-progo-2011", "{bad}", "--chart", "{tmp}/c.svg"],
                "spmkit: tidak ada baris yang dievaluasi, jadi tidak ada grafik",
                "spmkit: no row was evaluated, so there is no chart to draw",
            ),
            (
                ["quarterly", "indeks-spm-kesehatan", "{bad}"],
                "spmkit: setiap baris memerlukan triwulannya (TW1-TW4) dalam kolom 'periode': ['baris 2']",
                "spmkit: every row needs its quarter (TW1-TW4) in a 'periode' column: ['row 2']",
            ),
            (
                ["list", "--on", "kemarin"],
                "--on harus berupa tahun (2013) atau tanggal (2013-06-30), tertulis 'kemarin'",
                "--on must be a year (2013) or a date (2013-06-30), got 'kemarin'",
            ),
        ],
        ids=["no-suffix", "format-against-output", "no-chart", "no-quarter", "on"],
    )
    def test_one_message_in_each_language(self, capsys, tmp_path, argv, indonesian, english):
        """``{bad}``: a CSV whose only row is refused and names no quarter."""
        if "--chart" in argv:
            pytest.importorskip("matplotlib")
        bad = write(tmp_path / "bad.csv", "region,bumil_k4,sasaran_bumil\nA,x,1000\n")
        words = [word.format(tmp=tmp_path, bad=bad) for word in argv]
        said_id, said_en = both(capsys, *words)
        assert indonesian.format(tmp=tmp_path) in said_id
        assert english.format(tmp=tmp_path) in said_en

    def test_quarterly_bad_cells_keep_their_rows(self, capsys, tmp_path):
        text = "periode,sasaran_bumil,bumil_standar\nTW1,4800,x\n"
        data = write(tmp_path / "q.csv", text)
        argv = ("quarterly", "indeks-spm-kesehatan", data)
        (status_id, indonesian), (status_en, english) = (
            run(capsys, *argv, "--lang", lang) for lang in ("id", "en")
        )
        assert (status_id, status_en) == (3, 3)  # refused rows, as evaluate's exit status
        assert indonesian.startswith("spmkit: baris 2: ")
        assert english.startswith("spmkit: row 2: ")


class TestTheErrorClasses:
    def test_data_file_error_in_both_languages(self):
        error = DataFileError("d.csv", [tr("no such file"), "plain English stays"])
        assert str(error) == "d.csv: no such file\nd.csv: plain English stays"
        assert error.in_lang("id") == "d.csv: berkas tidak ada\nd.csv: plain English stays"
        assert error.in_lang("en") == str(error)
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
        assert copy.in_lang("id") == error.in_lang("id")

    def test_usage_error_in_both_languages(self):
        with pytest.raises(UsageError) as caught:
            format_for("report.pdf")
        error = caught.value
        assert str(error).startswith("cannot write 'report.pdf': '.pdf' is not a supported")
        assert error.in_lang("id").startswith("tidak dapat menulis 'report.pdf': '.pdf' bukan")
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
        assert copy.in_lang("id") == error.in_lang("id")
        assert UsageError("plain", 2).in_lang("id") == str(UsageError("plain", 2))

    def test_chart_unavailable_in_both_languages(self):
        error = ChartUnavailableError(tr("charts need matplotlib: pip install 'spmkit[plot]'"))
        assert str(error) == "charts need matplotlib: pip install 'spmkit[plot]'"
        assert format_errors(error, "id") == [
            "grafik memerlukan matplotlib: pip install 'spmkit[plot]'"
        ]

    def test_grouped(self):
        assert grouped(1234567) == "1,234,567"
        assert grouped(1234567).in_lang("id") == "1.234.567"
        assert isinstance(grouped(12), Bilingual)


def test_data_file_problems_and_usage_errors_are_built_with_tr():
    """No literal or f-string becomes a data-file problem or a usage error of the CLI path.

    Looks at what reaches ``DataFileError(source, [...])``, ``problems.append(...)``, a
    rule tests file's ``problem(path, ...)`` and the ``msg``/``problem`` variables that
    are raised: each must be a ``tr()`` call (or text built from one), so a new
    English-only message fails here.
    """
    modules = [
        SRC / "_files" / name
        for name in (
            "bounded.py",
            "records.py",
            "mapping.py",
            "reading.py",
            "export.py",
            "outputs.py",
        )
    ]
    modules += [SRC / "cli.py", SRC / "_limits.py", SRC / "_interop" / "ruletests.py"]
    literal: list[str] = []

    def is_text(node: ast.AST) -> bool:
        return isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
        )

    for module in modules:
        for node in ast.walk(parsed(module)):
            found: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "DataFileError" and len(node.args) == 2:
                    problems = node.args[1]
                    found += problems.elts if isinstance(problems, ast.List) else []
                elif name == "UsageError" and node.args:
                    found.append(node.args[0])
                elif name == "append" and getattr(node.func.value, "id", "") == "problems":
                    found += node.args
                elif name == "problem" and len(node.args) == 2:  # a rule tests file's
                    found.append(node.args[1])
            elif isinstance(node, ast.Assign) and any(
                getattr(target, "id", "") in {"msg", "problem"} for target in node.targets
            ):
                found.append(node.value)
            literal += [f"{module.name}:{n.lineno}" for n in found if is_text(n)]
    assert literal == []


class TestRuleTests:
    BAD = (
        "spmkit_tests: 1\nrule_set: kulon-progo-2011\ntests:\n"
        "  - name: ''\n"
        "    year: soon\n"
        "    inputs: []\n"
        "    expected:\n"
        "      I.1: {met: maybe, tolerance: 1}\n"
        "      I.2: {}\n"
    )

    def test_the_problems_of_a_tests_file_in_each_language(self, capsys, tmp_path):
        """``spmkit test --lang id``: every problem at its line, in Indonesian."""
        path = write(tmp_path / "mine.tests.yaml", self.BAD)
        indonesian, english = both(capsys, "test", path)
        assert indonesian.startswith(f"{path}: uji rule ini tidak dapat dijalankan: 6 masalah\n")
        for line in (
            f"{path}:4: $.tests[0].name: harus berupa teks tidak kosong yang menamai kasus",
            f"{path}:5: $.tests[0].year: harus berupa tahun, misalnya 2011 (tertulis 'soon')",
            f"{path}:6: $.tests[0].inputs: harus memetakan nama input ke nilai",
            "['I.1'].met: harus true atau false (tertulis 'maybe')",
            "['I.1'].tolerance: toleransi memerlukan value tempat ia berlaku",
            "['I.2']: tidak mengharapkan apa pun; berikan value, status, met atau gap",
        ):
            assert line in indonesian
        assert english.startswith(f"{path}: cannot run these rule tests: 6 problem(s)\n")
        assert f"{path}:5: $.tests[0].year: must be a year such as 2011 (got 'soon')" in english

    def test_a_yaml_problem_of_a_tests_file_in_indonesian(self, capsys, tmp_path):
        path = write(tmp_path / "mine.tests.yaml", self.BAD.replace("I.2: {", "I.1: {"))
        indonesian, english = both(capsys, "test", path)
        assert "kunci ganda 'I.1' (pertama di baris 8)" in indonesian
        assert "duplicate key 'I.1' (first at line 8)" in english

    def test_the_summary_in_each_language(self, capsys):
        shipped = str(Path(__file__).parents[1] / "rules" / "kulon-progo-2011.tests.yaml")
        assert main(["test", shipped, "--lang", "id"]) == 0
        indonesian = capsys.readouterr().out.splitlines()
        assert main(["test", shipped]) == 0
        english = capsys.readouterr().out.splitlines()
        assert indonesian[-1].startswith("spmkit test: ")
        assert indonesian[-1].endswith(" kasus lulus, 0 gagal, 1 berkas")
        assert english[-1].endswith(" cases passed, 0 failed, 1 file(s)")
        assert indonesian[0].endswith(" kasus lulus (kulon-progo-2011)")

    def test_a_failed_case_in_each_language(self, capsys, tmp_path):
        """The FAILED block and a case's data problem follow ``--lang``; ids and fields stay."""
        path = write(
            tmp_path / "mine.tests.yaml",
            "spmkit_tests: 1\nrule_set: kulon-progo-2011\ntests:\n"
            "  - name: K4 broken on purpose\n"
            "    inputs: {bumil_k4: 949, sasaran_bumil: 1000}\n"
            "    expected:\n"
            "      I.1: {status: met}\n"
            "  - name: bad count\n"
            "    inputs: {bumil_k4: -1, sasaran_bumil: 1000}\n"
            "    expected:\n"
            "      I.1: {status: met}\n",
        )
        assert main(["test", path, "--lang", "id"]) == 1
        indonesian = capsys.readouterr().out
        assert main(["test", path, "--lang", "en"]) == 1
        english = capsys.readouterr().out
        assert indonesian.startswith(f"GAGAL {path}:4: K4 broken on purpose\n  I.1:\n")
        assert english.startswith(f"FAILED {path}:4: K4 broken on purpose\n  I.1:\n")
        assert f"GAGAL {path}:8: bad count\n" in indonesian
        assert "  input 'bumil_k4' must be" in english
        assert "  input 'bumil_k4' must be" not in indonesian
