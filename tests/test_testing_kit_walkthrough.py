"""docs/testing.md works as written: its files, saved in an empty folder, pass their tests.

The walkthrough is followed in a temporary folder with the spmkit installed in this
environment: the YAML block becomes the rule file, the first ``python`` block the test file,
and pytest runs them in a subprocess, as a new user would. Then the two mistakes the page
describes are made, and the failures it shows must appear.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the whole kit, in a subprocess too; `make check-fast` skips it

DOC = Path(__file__).resolve().parents[1] / "docs" / "testing.md"
FENCE = re.compile(r"^ *```(\w+)[^\n]*\n(.*?)^ *```", re.MULTILINE | re.DOTALL)


@pytest.fixture
def walkthrough(tmp_path):
    blocks = FENCE.findall(DOC.read_text(encoding="utf-8"))
    rule_file = next(text for language, text in blocks if language == "yaml")
    test_file = next(text for language, text in blocks if language == "python")
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    rules = tmp_path / "rules" / "spm-air-limbah-contoh.yaml"
    rules.write_text(rule_file, encoding="utf-8")
    (tmp_path / "tests" / "test_air_limbah.py").write_text(test_file, encoding="utf-8")
    return tmp_path, rules


def run_pytest(folder):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)


def test_the_walkthrough_passes(walkthrough):
    """The page's rule file and tests pass, one test per property plus the row."""
    folder, _ = walkthrough
    done = run_pytest(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b(9|1\d) passed", done.stdout), done.stdout


def test_the_swapped_formula_fails_as_shown(walkthrough):
    """Step 4: swapping numerator and denominator gives the counterexample the page shows."""
    folder, rules = walkthrough
    text = rules.read_text(encoding="utf-8")
    text = text.replace("numerator: rumah_tangga_terlayani", "numerator: SWAP")
    text = text.replace("denominator: rumah_tangga_total", "denominator: rumah_tangga_terlayani")
    rules.write_text(text.replace("numerator: SWAP", "numerator: rumah_tangga_total"))
    done = run_pytest(folder)
    assert done.returncode == 1
    assert "numerator and denominator\nlook swapped" in DOC.read_text(encoding="utf-8")
    assert "numerator and denominator look swapped" in done.stdout
    assert "counterexample data: {rumah_tangga_terlayani: 1, rumah_tangga_total: 2}" in done.stdout


def test_the_wrong_scale_fails_as_shown(walkthrough):
    """Step 4: factor 1 with a target of 100 fails target_reachable with the page's words."""
    folder, rules = walkthrough
    rules.write_text(rules.read_text(encoding="utf-8").replace("factor: 100", "factor: 1"))
    done = run_pytest(folder)
    assert done.returncode == 1
    assert "is the target on the scale of the factor (1)?" in done.stdout
