"""A loaded rule set is cached by file content: shared, immutable, safe across threads."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest

import spmkit
from spmkit._rulesets.reader import find_rule_file


def test_second_load_of_a_shipped_id_is_the_same_object():
    first = spmkit.load_rule_set("kulon-progo-2011")
    assert spmkit.load_rule_set("kulon-progo-2011") is first
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.id = "changed"  # type: ignore[misc]


def test_threads_share_one_rule_set():
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: spmkit.load_rule_set("kulon-progo-2011"), range(32)))
    assert all(rule_set is loaded[0] for rule_set in loaded)


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "rules.yaml"
    shutil.copy(find_rule_file("kulon-progo-2011"), path)
    first = spmkit.load_rule_set(path)
    assert spmkit.load_rule_set(path) is first
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: 95}", "value: 96}", 1), encoding="utf-8")
    changed = spmkit.load_rule_set(path)
    assert changed is not first
    assert changed.indicators["I.1"].target.value == 96
    assert first.indicators["I.1"].target.value == 95
