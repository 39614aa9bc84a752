"""Find the ways of translating and of writing numbers in src/spmkit, besides the one.

Used by tests/test_words.py and runnable on any tree (``python tests/words_scan.py SRC``)
to count them before and after a change.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from source_tree import parsed

LANGUAGES = frozenset({"id", "en"})


def _is_swap(node: ast.Call) -> bool:
    """``.translate(str.maketrans(",.", ".,"))``, ``.replace(".", ",")`` and the like."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "maketrans":
        return True
    if isinstance(func, ast.Attribute) and func.attr == "replace" and len(node.args) == 2:
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        return sorted(texts) == [",", "."]
    return False


def _is_phrase_table(node: ast.Dict) -> bool:
    """A dict keyed by language whose values are words: ``{"id": {...}, "en": {...}}``."""
    keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
    if not keys >= LANGUAGES:
        return False
    if not all(isinstance(v, ast.Dict | ast.Tuple | ast.List) for v in node.values):
        return False
    items = [
        item
        for v in node.values
        for item in (v.values if isinstance(v, ast.Dict) else v.elts)  # type: ignore[attr-defined]
    ]
    return any(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items)


def _is_hand_pair(node: ast.Call) -> bool:
    """``Bilingual("english", "indonesian")`` or ``_t("english", "indonesian")`` by hand."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name not in {"Bilingual", "_t"} or len(node.args) != 2:
        return False
    return all(isinstance(a, ast.Constant | ast.JoinedStr) for a in node.args)


def _is_language_choice(node: ast.IfExp) -> bool:
    """``"kata" if lang == "id" else "word"``: a translation written inline."""
    test = node.test
    if not (
        isinstance(test, ast.Compare)
        and any(isinstance(c, ast.Constant) and c.value in LANGUAGES for c in test.comparators)
    ):
        return False

    def words(branch: ast.expr) -> bool:
        parts = branch.values if isinstance(branch, ast.JoinedStr) else [branch]
        texts = [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
        return any(
            " " in text.strip() or (text.isalpha() and text not in LANGUAGES) for text in texts
        )

    return words(node.body) and words(node.orelse)


def scan(src: Path) -> dict[str, list[str]]:
    """Mechanism -> the places using it (``module.py:line``); ``_numbers.py`` is the one owner
    of separators and is left aside, ``_translation.py`` (gettext's module) is scanned too."""
    found: dict[str, list[str]] = {
        "separator swap": [],
        "phrase table": [],
        "hand pair": [],
        "language choice": [],
    }
    for path in sorted(src.rglob("*.py")):
        if path.name == "_numbers.py" or "locale" in path.parts:  # the one number formatter
            continue
        where = path.relative_to(src).as_posix()
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Call) and _is_swap(node):
                found["separator swap"].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Dict) and _is_phrase_table(node):
                found["phrase table"].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Call) and _is_hand_pair(node):
                found["hand pair"].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.IfExp) and _is_language_choice(node):
                found["language choice"].append(f"{where}:{node.lineno}")
    return found


if __name__ == "__main__":  # a count for the record: python tests/words_scan.py src/spmkit
    result = scan(Path(sys.argv[1]))
    mechanisms = 1 + sum(1 for places in result.values() if places)  # gettext, and these
    others = sorted(kind for kind, places in result.items() if places)
    print(  # noqa: T201 - a command-line count
        f"translation/number mechanisms: {mechanisms} (gettext + {others})"
    )
    for kind, places in result.items():
        print(f"  {kind}: {len(places)} places: {', '.join(places)}")  # noqa: T201
