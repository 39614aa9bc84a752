"""Each check once: a load runs the reference and unit checks once per rule set, overlays included.

Counted through the public hook of :mod:`spmkit._rulesets.check`: the checks raise the
audit event ``CHECK_EVENT`` with the rule set's id each time they run.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import spmkit
from spmkit._rulesets.check import CHECK_EVENT
from spmkit._rulesets.reader import clear_rule_set_cache

_LOCAL = threading.local()


def _hook(event: str, args: tuple[object, ...]) -> None:
    counts = getattr(_LOCAL, "counts", None)
    if counts is not None and event == CHECK_EVENT:
        counts[args[0]] += 1


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one counts only inside `counting`


@pytest.fixture(autouse=True)
def _first_load():
    """Loads are cached by file content: count the work of a first load."""
    clear_rule_set_cache()


@contextmanager
def counting() -> Iterator[Counter[object]]:
    """Count check runs per rule-set id, in this thread, while the block runs."""
    counts: Counter[object] = Counter()
    _LOCAL.counts = counts
    try:
        yield counts
    finally:
        _LOCAL.counts = None


def test_plain_file_is_checked_once():
    """A plain rule file: one run of the checks (it was two: reader, then RuleSet)."""
    with counting() as counts:
        spmkit.load_rule_set("kulon-progo-2011")
    assert counts == {"kulon-progo-2011": 1}


def test_overlay_and_its_base_are_checked_once_each():
    """An overlay: its base once and itself once (it was up to five runs)."""
    with counting() as counts:
        rule_set = spmkit.load_rule_set("kubu-raya-2021")
    assert rule_set.extends == ("permenkes-4-2019",)
    assert counts == {"permenkes-4-2019": 1, "kubu-raya-2021": 1}


def test_overlay_of_an_overlay(tmp_path: Path):
    """Two levels of extends: each of the three rule sets is checked once."""
    shipped = spmkit.shipped_rule_sets()["kulon-progo-2011-overlay"]
    top = tmp_path / "top.yaml"
    top.write_text(
        f"spmkit: 1\nid: top\nextends: {shipped}\n",
        encoding="utf-8",
    )
    with counting() as counts:
        rule_set = spmkit.load_rule_set(top)
    assert rule_set.extends[0] == "kulon-progo-2011-overlay"
    assert set(counts.values()) == {1}
    assert len(counts) == 1 + len(rule_set.extends)


def test_invalid_file_is_checked_once():
    """A file with other problems: the checks still run once, so all problems come together."""
    invalid = Path(__file__).parent / "data" / "invalid" / "factor_zero.yaml"
    with counting() as counts, pytest.raises(spmkit.RuleSetError):
        spmkit.load_rule_set(invalid)
    assert counts == {"contoh": 1}


def test_rule_set_built_in_python_is_checked():
    """Building a RuleSet (or evolving one) runs the checks: a Python-built set obeys the rules."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    with counting() as counts:
        spmkit.RuleSet(
            id="x",
            title=rule_set.title,
            language=rule_set.language,
            jurisdiction=rule_set.jurisdiction,
            legal_basis=rule_set.legal_basis,
            inputs=rule_set.inputs,
            service_types=rule_set.service_types,
            indicators=rule_set.indicators,
        )
    assert counts == {"x": 1}
