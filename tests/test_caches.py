"""A loaded rule set is cached by file content: shared, immutable, safe across threads."""

from __future__ import annotations

import importlib
import shutil
import sys
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


def test_a_package_installed_after_a_scan_is_seen(tmp_path, monkeypatch):
    """The scan of installed packages is reused only while the import path is unchanged."""
    from spmkit._rulesets.installed import installed_rule_files  # noqa: PLC0415

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert "late-rules" not in installed_rule_files()
    package = site / "late_rules_pkg"
    package.mkdir()  # a new folder in a directory of sys.path: as pip installs
    (package / "__init__.py").write_text("")
    (package / "late-rules.yaml").write_text("spmkit: 1\n", encoding="utf-8")
    info = site / "late_rules_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: late-rules-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[spmkit.rule_sets]\nlate = late_rules_pkg\n")
    importlib.invalidate_caches()
    try:
        assert installed_rule_files()["late-rules"] == package / "late-rules.yaml"
    finally:
        sys.modules.pop("late_rules_pkg", None)
