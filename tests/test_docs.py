"""The examples in docs/ run, so they cannot rot.

- Every ```python block runs (blocks starting with ``>>>`` run as doctests); the blocks of one page share a namespace, in page order,
  with the repository as the working directory. Asserts in them are the checks.
- Every ```console block is a sequence of ``$ spmkit ...`` commands, each followed by its
  exact output (stderr, then stdout, as a terminal shows them for this command line:
  warnings come before the results). The command runs through spmkit.cli:main.
"""

from __future__ import annotations

import contextlib
import doctest
import re
import shlex
from pathlib import Path

import pytest

from spmkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[tuple[str, int, str]]:
    """(page, line, text) of every fenced block in that language."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group(1) == language:
                line = text.count("\n", 0, match.start()) + 1
                found.append((page.name, line, match.group(2)))
    return found


def console_commands() -> list[tuple[str, str, str]]:
    """(where, command, expected output) for every ``$ spmkit`` line of every console block."""
    commands = []
    for page, line, text in blocks("console"):
        for number, chunk in enumerate(re.split(r"^(?=\$ )", text, flags=re.MULTILINE)):
            if chunk.strip():
                command, _, expected = chunk.partition("\n")
                commands.append((f"{page}:{line}#{number}", command, expected))
    return commands


PAGES_WITH_PYTHON = sorted({page for page, _, _ in blocks("python")})


def test_there_are_examples_to_check():
    """The collectors find the docs' examples (a broken regex would pass everything)."""
    assert len(console_commands()) >= 5
    assert "getting-started.md" in PAGES_WITH_PYTHON


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON)
def test_python_blocks_run(page, monkeypatch, capsys):
    """Each page's Python examples run in order without error."""
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for name, line, text in blocks("python"):
        if name != page:
            continue
        if text.lstrip().startswith(">>>"):
            run_doctest(text, namespace, f"{page}:{line}")
        else:
            code = compile(text, f"{page}:{line}", "exec")
            exec(code, namespace)  # noqa: S102 - our own documentation, run as a test
    capsys.readouterr()


def run_doctest(text: str, namespace: dict[str, object], where: str) -> None:
    """Run a ``>>>`` block as a doctest: its printed results are the checks."""
    test = doctest.DocTestParser().get_doctest(text, namespace, where, where, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize(("where", "command", "expected"), console_commands())
def test_console_blocks_match_real_output(where, command, expected, monkeypatch, capsys):
    """A ``$ spmkit ...`` line prints exactly the text shown under it."""
    assert command.startswith("$ spmkit "), f"{where}: console blocks show spmkit commands"
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps --help to the terminal width
    with contextlib.suppress(SystemExit):  # --help and --version exit through argparse
        main(shlex.split(command)[2:])
    out, err = capsys.readouterr()
    assert err + out == expected, where
