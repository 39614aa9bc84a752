"""The shipped rule sets are in the wheel, not only in a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = (
    pytest.mark.slow
)  # builds and installs a wheel in a subprocess; `make check-fast` skips it

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
    )
    (path,) = out.glob("spmkit-*.whl")
    return path


def test_wheel_contains_every_rule_file(wheel):
    """Every YAML file under rules/ is packaged as spmkit/rules/..."""
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"spmkit/rules/{p.relative_to(ROOT / 'rules').as_posix()}"
        for p in (ROOT / "rules").rglob("*.yaml")
    }
    assert shipped
    assert shipped <= names
    assert "spmkit/py.typed" in names


def test_wheel_contains_the_indonesian_catalogues(wheel):
    """The compiled gettext catalogues ship, so an installed spmkit speaks Indonesian."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for domain in ("spmkit", "argparse"):
        assert f"spmkit/locale/id/LC_MESSAGES/{domain}.mo" in names


def test_installed_wheel_loads_shipped_rule_set(wheel, tmp_path):
    """After a regular (non-editable) install, load_rule_set finds Kulon Progo 2011 inside the package."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import spmkit; "
        "assert spmkit.__file__.startswith(sys.argv[1]), spmkit.__file__; "
        "p = spmkit.shipped_rule_sets()['kulon-progo-2011']; "
        "assert str(p).startswith(sys.argv[1]), p; "
        "print(len(spmkit.load_rule_set('kulon-progo-2011').indicators))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip() == "23"
