"""The one writer: every file spmkit writes goes through spmkit._files.outputs.

It refuses the command's inputs (also through a symbolic or hard link, and every file of a
rule file's ``extends:`` chain), refuses a symbolic link as the target, writes atomically,
refuses an unsupported suffix before any work, and makes formula cells inert.
"""

from __future__ import annotations

import ast
import csv
import io
import os
import shutil
from pathlib import Path

import pytest

from source_tree import parsed
from spmkit._files.outputs import (
    check_output,
    inert_csv,
    inert_workbook,
    open_output,
    write_output,
)
from spmkit.cli import main
from spmkit.errors import UsageError

SRC = Path(__file__).resolve().parents[1] / "src" / "spmkit"
ROOT = SRC.parents[1]
WRITER = SRC / "_files" / "outputs.py"
QUARTERLY = ROOT / "examples" / "spm-index-quarterly.csv"

_WRITE_MODES = set("wax+")
_WRITING_METHODS = {"write_text", "write_bytes", "save", "savefig", "to_csv", "to_excel"}
_MEMORY = {"BytesIO", "StringIO"}


def _memory_names(tree: ast.AST) -> set[str]:
    """Names bound to an in-memory buffer (``buffer = io.BytesIO()``): saving there is fine."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in _MEMORY:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _mode(call: ast.Call, position: int) -> str:
    """The mode argument of an open() call ('r' when not given or not a literal)."""
    for keyword in call.keywords:
        if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return str(call.args[position].value)
    return "r"


def writes_in(path: Path) -> list[str]:
    """Every place in a module that opens a file for writing, as ``file:line what``."""
    tree = parsed(path)
    memory = _memory_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        where = f"{path.relative_to(SRC)}:{node.lineno} {name}"
        if name == "open" and isinstance(func, ast.Name) and set(_mode(node, 1)) & _WRITE_MODES:
            found.append(where)
        elif name == "open" and isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "os":
                found.append(where)  # os.open: flags decide; only the writer may use it
            elif set(_mode(node, 0)) & _WRITE_MODES:
                found.append(where)  # Path.open("w")
        elif name in _WRITING_METHODS and isinstance(func, ast.Attribute):
            target = node.args[0] if node.args else None
            in_memory = isinstance(target, ast.Name) and target.id in memory
            if name in {"save", "savefig", "to_csv", "to_excel"} and (in_memory or not node.args):
                continue  # into a buffer, or a renderer returning bytes
            found.append(where)
        elif name in {"replace", "rename", "mkstemp", "NamedTemporaryFile", "copyfile"}:
            if name in {"replace", "rename"} and not (
                isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "os"
            ):
                continue  # str.replace, Path.replace(...) is checked below
            found.append(where)
    return found


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scanner itself: each way of writing a file is found, reading is not."""
    module = tmp_path / "m.py"
    module.write_text(
        "import os, io\n"
        "open('a', 'w')\n"
        "open('a', mode='ab')\n"
        "open('a')\n"
        "Path('a').write_text('x')\n"
        "p.write_bytes(b'')\n"
        "wb.save(Path('x.xlsx'))\n"
        "buffer = io.BytesIO()\n"
        "wb.save(buffer)\n"
        "fig.savefig('x.png')\n"
        "os.open('x', os.O_WRONLY)\n"
        "Path('a').open('xb')\n"
        "Path('a').open('rb')\n",
        encoding="utf-8",
    )
    global SRC  # noqa: PLW0603 - relative names for the message
    saved, SRC = SRC, tmp_path
    try:
        lines = [int(item.split(":")[1].split()[0]) for item in writes_in(module)]
    finally:
        SRC = saved
    assert lines == [2, 3, 5, 6, 7, 10, 11, 12]


CACHES = {
    # spmkit's own cache of checked rule sets (issue 29): files in the user's cache
    # directory that no command names, never a report; it writes atomically too.
    "_diskcache.py",
}


def test_only_the_writer_opens_files_for_writing():
    """No module of spmkit but _files/outputs.py opens a file for writing."""
    offenders = [
        where
        for module in sorted(SRC.rglob("*.py"))
        if module != WRITER
        for where in writes_in(module)
        if module.name not in CACHES
    ]
    assert offenders == []
    for name in CACHES:  # a stale allowance is a defect
        assert writes_in(SRC / name), name
    assert writes_in(WRITER)  # the writer does write (the scan sees it)


class TestRefusals:
    def test_the_input_itself(self, tmp_path):
        data = tmp_path / "q.csv"
        data.write_text("a\n", encoding="utf-8")
        with pytest.raises(UsageError, match="it is an input of this command"):
            write_output(data, b"x", inputs=[str(data)])
        assert data.read_text(encoding="utf-8") == "a\n"

    def test_an_input_through_a_hard_link(self, tmp_path):
        data = tmp_path / "q.csv"
        data.write_text("a\n", encoding="utf-8")
        other = tmp_path / "other.csv"
        os.link(data, other)
        with pytest.raises(UsageError, match="it is an input of this command"):
            write_output(other, b"x", inputs=[data])
        assert data.read_text(encoding="utf-8") == "a\n"

    @pytest.mark.parametrize(
        ("target_is_link", "match"),
        [(False, "it is an input of this command"), (True, "symbolic link")],
    )
    def test_links(self, tmp_path, target_is_link, match):
        """The input named by its link, and a link as the target: both refused, nothing written."""
        data = tmp_path / "q.csv"
        data.write_text("keep", encoding="utf-8")
        link = tmp_path / "link.csv"
        link.symlink_to(data)
        target, inputs = (link, []) if target_is_link else (data, [link])
        with pytest.raises(UsageError, match=match):
            write_output(target, b"x", inputs=inputs)
        assert data.read_text(encoding="utf-8") == "keep"

    def test_an_unsupported_suffix(self, tmp_path):
        with pytest.raises(UsageError, match=r"'\.pdf' is not a supported output"):
            check_output(tmp_path / "q.pdf", suffixes=(".csv", ".html"))
        assert not (tmp_path / "q.pdf").exists()


class TestAtomic:
    def test_a_failed_write_leaves_the_old_file_and_no_temporary(self, tmp_path):
        target = tmp_path / "report.csv"
        target.write_text("old\n", encoding="utf-8")

        def half_written() -> None:
            with open_output(target) as stream:
                stream.write(b"half a rep")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            half_written()
        assert target.read_text(encoding="utf-8") == "old\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]

    def test_the_target_is_replaced_not_written_through(self, tmp_path):
        """A new file (new inode) replaces the target; a hard link to the old one keeps it."""
        target = tmp_path / "report.csv"
        target.write_text("old\n", encoding="utf-8")
        keep = tmp_path / "keep.csv"
        os.link(target, keep)
        write_output(target, b"new\n")
        assert target.read_bytes() == b"new\n"
        assert keep.read_bytes() == b"old\n"
        assert target.stat().st_ino != keep.stat().st_ino
        assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv", "report.csv"]

    def test_a_replaced_file_keeps_its_permissions(self, tmp_path):
        target = tmp_path / "report.csv"
        target.write_text("old\n", encoding="utf-8")
        target.chmod(0o640)
        write_output(target, b"new\n")
        assert target.stat().st_mode & 0o777 == 0o640


class TestFormulas:
    def test_csv_cells_are_made_inert_numbers_are_not(self):
        text = 'region,value\n"=HYPERLINK(""x"")",-1.5\n+62811,3\n@SUM(A1),-\n\tx,1\n'
        rows = list(csv.reader(io.StringIO(inert_csv(text.encode()).decode())))
        assert rows[1] == ['\'=HYPERLINK("x")', "-1.5"]
        assert rows[2] == ["'+62811", "3"]
        assert rows[3] == ["'@SUM(A1)", "'-"]
        assert rows[4] == ["'\tx", "1"]
        clean = b"region,value\nWates,-2\n"
        assert inert_csv(clean) is clean  # nothing to do: the same bytes

    def test_xlsx_formula_cells_become_text(self, tmp_path):
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(['=HYPERLINK("http://x")', -1.5, "+1", "Wates"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        target = tmp_path / "out.xlsx"
        write_output(target, buffer.getvalue())
        cells = next(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
        assert cells == ('\'=HYPERLINK("http://x")', -1.5, "'+1", "Wates")
        assert inert_workbook(buffer.getvalue()) != buffer.getvalue()


class TestQuarterlyCommand:
    """spmkit quarterly: -o goes through the writer; the format follows the suffix."""

    def _data(self, tmp_path: Path) -> Path:
        data = tmp_path / "q.csv"
        shutil.copy(QUARTERLY, data)
        return data

    def test_its_own_input_is_refused(self, tmp_path, capsys):
        data = self._data(tmp_path)
        before = data.read_bytes()
        argv = ["quarterly", "indeks-spm-kesehatan", str(data), "-o", str(data), "--lang", "en"]
        assert main(argv) == 2
        assert "it is an input of this command" in capsys.readouterr().err
        assert data.read_bytes() == before

    def test_a_symlink_to_its_input_is_refused(self, tmp_path, capsys):
        data = self._data(tmp_path)
        before = data.read_bytes()
        link = tmp_path / "out.csv"
        link.symlink_to(data)
        argv = ["quarterly", "indeks-spm-kesehatan", str(data), "-o", str(link), "--lang", "en"]
        assert main(argv) == 2
        assert "symbolic link" in capsys.readouterr().err
        assert data.read_bytes() == before

    @pytest.mark.parametrize("suffix", [".pdf", ".docx", ""])
    def test_an_unsupported_suffix_is_refused_before_work(self, tmp_path, capsys, suffix):
        data = self._data(tmp_path)
        out = tmp_path / f"q{suffix}"
        argv = ["quarterly", "indeks-spm-kesehatan", str(data), "-o", str(out), "--lang", "en"]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is not a supported output; use one of .csv, .htm, .html, .json, .md" in err
        assert not out.exists()

    def test_indonesian_numbers(self, capsys):
        argv = ["quarterly", "indeks-spm-kesehatan", str(QUARTERLY), "--lang", "id"]
        assert main(argv) == 0
        out = capsys.readouterr().out
        first = [cell.strip() for cell in out.splitlines()[2].split("|")]
        assert first[:6] == [
            "TW1",
            "1 Pelayanan kesehatan ibu hamil",
            "4.800",
            "1.050",
            "3.750",
            "21,875",  # exactly halfway at two decimals: shown as it is
        ]
        assert first[-3:] == ["87,50", "35,00", "Belum Tuntas"]
        assert "4,800" not in out
        assert "21.875" not in out

    def test_html_and_markdown(self, tmp_path):
        page = tmp_path / "q.html"
        assert main(["quarterly", "indeks-spm-kesehatan", str(QUARTERLY), "-o", str(page)]) == 0
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert '<td class="n">4.800</td>' in text
        assert "<h2>Penjelasan</h2>" in text
        table = tmp_path / "q.md"
        assert main(["quarterly", "indeks-spm-kesehatan", str(QUARTERLY), "-o", str(table)]) == 0
        lines = table.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("| Triwulan | Layanan | Harus dilayani |")
        assert "| 4.800 |" in lines[2]

    def test_xlsx(self, tmp_path):
        openpyxl = pytest.importorskip("openpyxl")
        out = tmp_path / "q.xlsx"
        argv = ["quarterly", "indeks-spm-kesehatan", str(QUARTERLY), "-o", str(out), "--lang", "id"]
        assert main(argv) == 0
        workbook = openpyxl.load_workbook(out)
        assert workbook.sheetnames == ["Laporan", "Penjelasan"]
        row = list(workbook["Laporan"][2])
        assert row[2].value == 4800
        assert row[2].number_format == "#,##0"
        assert row[5].value == 21.875
        assert row[5].number_format == "#,##0.000"  # the decimals the record shows
        assert row[8].number_format == "#,##0.00"
        assert (row[9].value, row[9].number_format) == (35, "#,##0.00")  # shown 35,00
        assert workbook["Penjelasan"]["A1"].value == "TW1"
        assert workbook["Penjelasan"]["C1"].value.startswith("IP.1: ")
        assert "21,875" in workbook["Penjelasan"]["C1"].value  # the Indonesian explanation


class TestEvaluateCommand:
    def test_a_file_of_the_extends_chain_is_refused(self, tmp_path, capsys):
        """An overlay's base file is an input too: -o base.md would destroy the rule set."""
        base = tmp_path / "base.md"
        shutil.copy(ROOT / "rules" / "national" / "permenkes-741-2008.yaml", base)
        overlay = (ROOT / "rules" / "regency" / "kulon-progo-2011-overlay.yaml").read_text(
            encoding="utf-8"
        )
        (tmp_path / "ov.yaml").write_text(
            overlay.replace("extends: permenkes-741-2008", "extends: base.md"), encoding="utf-8"
        )
        data = tmp_path / "d.csv"
        data.write_text("bumil_k4,sasaran_bumil\n95,100\n", encoding="utf-8")
        before = base.read_bytes()
        argv = ["evaluate", str(tmp_path / "ov.yaml"), str(data), "-o", str(base), "--lang", "en"]
        assert main(argv) == 2
        assert "will not write" in capsys.readouterr().err
        assert base.read_bytes() == before

    def test_the_mapping_file_is_refused(self, tmp_path, capsys):
        data = tmp_path / "d.csv"
        data.write_text("k4,sasaran_bumil\n95,100\n", encoding="utf-8")
        mapping = tmp_path / "map.json"
        mapping.write_text('{"columns": {"k4": "bumil_k4"}}', encoding="utf-8")
        before = mapping.read_bytes()
        argv = [
            "evaluate",
            "kulon-progo-2011",
            str(data),
            "--mapping",
            str(mapping),
            "--lang",
            "en",
        ]
        assert main([*argv, "-o", str(mapping)]) == 2
        assert "it is an input of this command" in capsys.readouterr().err
        assert mapping.read_bytes() == before
