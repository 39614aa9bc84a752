"""Cold start: checked rule sets kept on disk, numba loaded only when it pays, read-only installs.

Each case runs in a fresh interpreter (a subprocess), because what is measured is what
a new process does: which modules it imports, which caches it reads and writes. No timing
is asserted (speed is measured in benchmarks/bench_peers.py, ``--only startup``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spmkit
from spmkit._evaluation.kernel import COMPILE_AFTER_ROWS

pytestmark = pytest.mark.slow

SRC = Path(spmkit.__file__).resolve().parents[1]

LOAD = """
import json, sys, warnings
import spmkit
from spmkit._diskcache import cache_directory
warnings.simplefilter("ignore")
rule_set = spmkit.load_rule_set(sys.argv[1])
print(json.dumps({
    "pint": "pint" in sys.modules,
    "yaml": "yaml" in sys.modules,
    "indicators": sorted(rule_set.indicators),
    "describe": rule_set.indicators[sorted(rule_set.indicators)[0]].target.describe(),
    "cache": str(cache_directory()),
}))
"""


def _run(code: str, *args: str, env: dict[str, str], user: str | None = None) -> dict[str, object]:
    command = [sys.executable, "-c", textwrap.dedent(code), *args]
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPMKIT_", "NUMBA_"))}
    env.update({"PYTHONPATH": str(SRC), "HOME": str(tmp_path / "home"), **extra})
    env.pop("XDG_CACHE_HOME", None)
    return env


def test_second_process_reads_the_checked_rule_set_without_yaml_or_pint(tmp_path):
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    first = _run(LOAD, "kulon-progo-2011", env=env)
    second = _run(LOAD, "kulon-progo-2011", env=env)
    assert first["pint"] is True  # the first load checks units
    assert first["yaml"] is True
    assert second["pint"] is False  # read back checked: no YAML, no unit registry
    assert second["yaml"] is False
    assert second["indicators"] == first["indicators"]
    assert second["describe"] == first["describe"] == ">= 95 %"
    assert len(list((tmp_path / "cache" / "rule-sets").glob("*.pickle"))) == 1


def test_a_changed_file_is_read_again(tmp_path):
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    rule_file = tmp_path / "mine.yaml"
    text = (SRC.parent / "rules" / "kulon-progo-2011.yaml").read_text(encoding="utf-8")
    rule_file.write_text(text, encoding="utf-8")
    first = _run(LOAD, str(rule_file), env=env)
    changed_text = text.replace('target: {op: ">=", value: 95}', 'target: {op: ">=", value: 90}')
    rule_file.write_text(changed_text, encoding="utf-8")
    changed = _run(LOAD, str(rule_file), env=env)
    assert changed["pint"] is True  # a new content: read and checked again
    assert first["describe"] == ">= 95 %"
    assert changed["describe"] == ">= 90 %"


def test_an_overlay_is_kept_with_its_bases_and_read_again_when_a_base_changes(tmp_path):
    """An overlay depends on its base's file too: kept with it, rebuilt when it changes."""
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    rules = SRC.parent / "rules"
    base = tmp_path / "base.yaml"
    base.write_text((rules / "kulon-progo-2011.yaml").read_text(encoding="utf-8"), "utf-8")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "spmkit: 1\nid: mine\nextends: base.yaml\ntitle: t\n"
        "indicators:\n  I.2:\n    target: {op: '>=', value: 80}\n    source: Perbup row 2\n",
        encoding="utf-8",
    )
    first = _run(LOAD, str(overlay), env=env)
    second = _run(LOAD, str(overlay), env=env)
    assert first["yaml"] is True
    assert second["yaml"] is False  # overlay and base read back checked
    assert second["describe"] == first["describe"] == ">= 95 %"
    base.write_text(
        base.read_text(encoding="utf-8").replace(
            'target: {op: ">=", value: 95}', 'target: {op: ">=", value: 90}'
        ),
        encoding="utf-8",
    )
    changed = _run(LOAD, str(overlay), env=env)
    assert changed["yaml"] is True  # the base changed: the overlay is built again
    assert changed["describe"] == ">= 90 %"


@pytest.mark.parametrize("spoil", ["group-writable", "garbage"])
def test_a_foreign_or_broken_cache_file_is_not_read(tmp_path, spoil):
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    _run(LOAD, "kulon-progo-2011", env=env)
    (stored,) = (tmp_path / "cache" / "rule-sets").glob("*.pickle")
    if spoil == "garbage":
        stored.write_bytes(b"not a pickle")
    else:
        stored.chmod(stored.stat().st_mode | stat.S_IWGRP)  # someone else could have written it
    again = _run(LOAD, "kulon-progo-2011", env=env)
    assert again["pint"] is True  # built again from the file
    assert again["describe"] == ">= 95 %"


def test_no_writable_directory_still_loads(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a path under a regular file cannot be made, even by root
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(blocked / "cache"))
    first = _run(LOAD, "kulon-progo-2011", env=env)
    second = _run(LOAD, "kulon-progo-2011", env=env)
    assert first["cache"] == second["cache"] == "None"
    assert second["pint"] is True  # nothing kept: checked again, and no error
    assert second["describe"] == ">= 95 %"


BATCH = """
import json, sys, warnings
import numpy as np
import spmkit
from spmkit._evaluation.kernel import use_compiled
rows = int(sys.argv[1])
rule_set = spmkit.load_rule_set("kulon-progo-2011")
rng = np.random.default_rng(5)
data = {}
for name, spec in rule_set.inputs.items():
    data[name] = rng.integers(0, 2000, rows)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = spmkit.evaluate_batch(rule_set, data)
    values = {iid: result[iid].value.tolist()[:5] for iid in sorted(rule_set.indicators)}
    after = use_compiled(0)
print(json.dumps({
    "numba": "numba" in sys.modules,
    "compiled_after": after,
    "values": values,
    "warnings": [str(w.message) for w in caught if "numba" in str(w.message)],
}))
"""


def test_small_jobs_do_not_load_numba(tmp_path):
    pytest.importorskip("numba")
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    small = _run(BATCH, "1000", env=env)
    assert small["numba"] is False  # numpy's path: no import numba, no compile
    assert small["compiled_after"] is False
    forced = _run(BATCH, "1000", env={**env, "SPMKIT_KERNEL": "numba"})
    assert forced["numba"] is True
    assert forced["values"] == small["values"]


def test_numba_loads_once_a_process_has_done_enough_rows(tmp_path):
    pytest.importorskip("numba")
    env = _env(tmp_path, SPMKIT_CACHE_DIR=str(tmp_path / "cache"))
    large = _run(BATCH, str(COMPILE_AFTER_ROWS), env=env)
    assert large["numba"] is True
    assert large["compiled_after"] is True


def _read_only_env(tmp_path: Path) -> dict[str, str]:
    """numba's places made unwritable: its own cache directory and the home under a file.

    ``NUMBA_CACHE_LOCATOR_CLASSES`` keeps numba from writing beside spmkit's sources (a
    read-only install; this test may run as root, who could write there).
    """
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    return _env(
        tmp_path,
        HOME=str(blocked / "home"),
        NUMBA_CACHE_DIR=str(blocked / "numba"),
        NUMBA_CACHE_LOCATOR_CLASSES="UserProvidedCacheLocator,UserWideCacheLocator",
        SPMKIT_KERNEL="numba",
    )


def test_read_only_install_keeps_kernels_in_spmkits_cache_and_says_where(tmp_path):
    pytest.importorskip("numba")
    env = {**_read_only_env(tmp_path), "SPMKIT_CACHE_DIR": str(tmp_path / "cache")}
    first = _run(BATCH, "1000", env=env)
    assert first["numba"] is True
    (warning,) = set(first["warnings"])
    assert f"kept in {tmp_path / 'cache' / 'numba'}" in warning
    assert any((tmp_path / "cache" / "numba").rglob("*.nbi"))  # compiled once, kept
    reference = _run(BATCH, "1000", env={**_env(tmp_path), "SPMKIT_KERNEL": "numpy"})
    assert first["values"] == reference["values"]


def test_nothing_writable_compiles_in_the_process_and_says_so(tmp_path):
    pytest.importorskip("numba")
    blocked = tmp_path / "a-file"
    env = {**_read_only_env(tmp_path), "SPMKIT_CACHE_DIR": str(blocked / "cache")}
    result = _run(BATCH, "1000", env=env)
    assert result["numba"] is True
    (warning,) = set(result["warnings"])
    assert "compiled again in each process" in warning


def test_as_a_user_who_cannot_write(tmp_path):
    """Where ``runuser`` and an interpreter ``nobody`` may run exist: the real case."""
    pytest.importorskip("numba")
    if shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs root and runuser to become nobody")
    probe = subprocess.run(
        ["runuser", "-u", "nobody", "--", sys.executable, "-c", "import numba, numpy"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0 or not os.access(SRC, os.R_OK):
        pytest.skip("nobody cannot run this interpreter (it lives under a private home)")
    env = _env(tmp_path, HOME="/nonexistent", SPMKIT_KERNEL="numba")
    result = _run(BATCH, "1000", env=env, user="nobody")
    assert result["numba"] is True
