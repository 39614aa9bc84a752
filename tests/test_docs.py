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
import inspect
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


TITLED = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```', re.MULTILINE | re.DOTALL)


def saved_files(page: str) -> dict[str, str]:
    """Files a page asks the reader to save: fenced blocks with ``title="path"``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return {match.group(1): match.group(2) for match in TITLED.finditer(text)}


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON)
def test_python_blocks_run(page, monkeypatch, capsys, tmp_path):
    """Each page's Python examples run in order without error.

    A page that has the reader save files (a walkthrough) runs in an empty folder holding
    just those files, as the reader's would; its ``test_*`` functions without arguments
    are called too.
    """
    files = saved_files(page)
    monkeypatch.chdir(tmp_path if files else ROOT)
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for name, line, text in blocks("python"):
        if name != page:
            continue
        if text.lstrip().startswith(">>>"):
            run_doctest(text, namespace, f"{page}:{line}")
        else:
            code = compile(text, f"{page}:{line}", "exec")
            exec(code, namespace)  # noqa: S102 - our own documentation, run as a test
    if files:
        for name, function in list(namespace.items()):
            if (
                name.startswith("test_")
                and callable(function)
                and not inspect.signature(function).parameters
            ):
                function()
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
