"""One owner of words and numbers: gettext for every word, ``number_text`` for every number.

``tests/words_scan.py`` finds the other ways: a separator swap (``maketrans(",.", ".,")``,
``.replace(".", ",")``), a phrase table keyed by language (``{"id": {...}, "en": {...}}``),
a hand-written pair (``Bilingual("...", "...")``, ``_t("...", "...")``) and an inline
language choice (``"kata" if lang == "id" else "word"``). None is left: a new one fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from words_scan import scan

SRC = Path(__file__).parents[1] / "src" / "spmkit"


def test_one_mechanism_of_words_and_numbers():
    """The number of translation mechanisms is one: gettext (and number_text for numbers).

    No separator swap, no phrase table keyed by language, no hand-written pair, no
    inline language choice anywhere in src/spmkit (``_numbers.py``, the one owner of
    separators, aside).
    """
    found = scan(SRC)
    assert found == {
        "separator swap": [],
        "phrase table": [],
        "hand pair": [],
        "language choice": [],
    }


def _modules(places: list[str]) -> set[str]:
    return {place.split(":")[0] for place in places}


def test_the_renderers_have_one_mechanism():
    """Every renderer and the command's messages: gettext and number_text only."""
    found = scan(SRC)
    renderers = {
        "_messages.py",
        "_files/report.py",
        "_files/present.py",
        "_files/excel.py",
        "_files/export.py",
        "_files/regions.py",
        "_files/trends.py",
        "_files/chart.py",
        "_evaluation/compare.py",
        "_evaluation/scoring.py",
        "_evaluation/shown.py",
    }
    used = {kind for kind, places in found.items() if _modules(places) & renderers}
    assert used == set()


_WORDS = re.compile(r"[A-Za-z]{3,}[ ,:;]+[A-Za-z]{3,}")
ALLOWED_LITERALS: set[tuple[str, str]] = set()
"""(module, text) printed without the catalogue on purpose (none today)."""


def _printed_literals(path: Path) -> list[str]:
    """String literals with words inside ``print()``/``write()`` calls, outside ``tr()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        up = node
        while up in parents:
            up = parents[up]
            if isinstance(up, ast.Call):
                name = getattr(up.func, "id", getattr(up.func, "attr", ""))
                if name == "tr":
                    break
                if name in {"print", "write"}:
                    if _WORDS.search(node.value):
                        found.append(node.value)
                    break
    return found


@pytest.mark.parametrize(
    "module",
    [
        "cli.py",
        *(p.relative_to(SRC).as_posix() for p in sorted((SRC / "_files").glob("*.py"))),
        "_evaluation/quarterly.py",
        "_evaluation/history.py",
    ],
)
def test_no_user_facing_literal_outside_the_catalogue(module):
    """What the command prints comes from tr() (one .po), not from a literal in the code."""
    literals = _printed_literals(SRC / module)
    assert [t for t in literals if (module, t) not in ALLOWED_LITERALS] == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scan is not vacuous: each mechanism is found in a module written to have it."""
    (tmp_path / "bad.py").write_text(
        'X = {"id": {"a": "kata"}, "en": {"a": "word"}}\n'
        'Y = "1,5".replace(",", ".")\n'
        'Z = Bilingual("word", "kata")\n'
        'W = "kata" if lang == "id" else "word"\n',
        encoding="utf-8",
    )
    found = scan(tmp_path)
    assert {kind: len(places) for kind, places in found.items()} == {
        "separator swap": 1,
        "phrase table": 1,
        "hand pair": 1,
        "language choice": 1,
    }
