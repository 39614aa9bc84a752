"""The public API: __all__ is sorted, complete and importable."""

from __future__ import annotations

import subprocess
import sys

import pytest

import spmkit


def test_all_is_sorted():
    """__all__ is kept sorted so additions are easy to review."""
    assert spmkit.__all__ == sorted(spmkit.__all__)


def test_all_names_exist():
    """Every exported name is defined."""
    for name in spmkit.__all__:
        assert hasattr(spmkit, name), name


def test_public_names_are_exported():
    """Every public name of the package namespace is in __all__ (no accidental exports)."""
    public = {
        name
        for name, value in vars(spmkit).items()
        if not name.startswith("_") and not isinstance(value, type(sys))
    }
    assert public <= set(spmkit.__all__)


def test_api_contract_names():
    """The names later issues and users build on are there."""
    for name in (
        "load_rule_set",
        "evaluate",
        "parse_expression",
        "SpmkitError",
        "RuleSetError",
        "DataError",
        "Status",
    ):
        assert name in spmkit.__all__
    assert issubclass(spmkit.RuleSetError, spmkit.SpmkitError)
    assert issubclass(spmkit.DataError, spmkit.SpmkitError)
    assert {s.value for s in spmkit.Status} == {"met", "not_met", "no_data", "undefined"}


@pytest.mark.slow  # a subprocess
def test_import_does_not_pull_heavy_modules():
    """import spmkit loads neither hypothesis nor the command line."""
    code = (
        "import sys, spmkit; "
        "print(sorted(m for m in ('hypothesis', 'spmkit.cli', 'spmkit.strategies') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
