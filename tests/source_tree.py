"""spmkit's own source files, each read and parsed once per test process.

Several tests scan the whole tree (errors, writers, words, imports); parsing it once
and sharing the trees keeps those scans from dominating the fast suite.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "spmkit"


@functools.cache
def source(path: Path) -> str:
    """The text of one file, read once."""
    return path.read_text(encoding="utf-8")


@functools.cache
def parsed(path: Path) -> ast.Module:
    """The syntax tree of one file, parsed once; callers must not change it."""
    return ast.parse(source(path))


def modules(root: Path = SRC) -> list[Path]:
    """Every ``.py`` file under ``root``, sorted."""
    return sorted(root.rglob("*.py"))
