"""The security gate: src/ never evaluates text as code or loads unsafe formats.

Checked on the syntax tree of every module, so a mention in a docstring does not count
and an aliased call does. ruff's security rules (S) run in `make lint` as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "spmkit"
MODULES = sorted(SRC.rglob("*.py"))

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_METHODS = {"eval", "exec", "__import__"}  # re.compile is fine; builtins.eval is not
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "subprocess", "dill", "cloudpickle"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "_StrictLoader"}


def problems_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            is_name = isinstance(func, ast.Name)
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            if name in (FORBIDDEN_CALLS if is_name else FORBIDDEN_METHODS):
                found.append(f"{path.name}:{node.lineno}: call of {name}()")
            if name in {"load", "load_all", "unsafe_load", "full_load"} and _is_yaml(func):
                loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                loader_name = getattr(loader, "id", getattr(loader, "attr", None))
                if name != "load" or loader_name not in SAFE_YAML_LOADERS:
                    found.append(f"{path.name}:{node.lineno}: yaml.{name} without a safe loader")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            found.extend(
                f"{path.name}:{node.lineno}: import of {n}"
                for n in names
                if n.split(".")[0] in FORBIDDEN_MODULES
            )
        elif isinstance(node, ast.Attribute) and node.attr in {"system", "popen"}:
            found.append(f"{path.name}:{node.lineno}: use of .{node.attr}")
    return found


def _is_yaml(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "yaml"
    )


def test_there_are_modules_to_scan():
    """The gate really scans the package."""
    assert len(MODULES) >= 10


ALLOWED = {
    # The disk cache of checked rule sets (issue 29, cold start) pickles what spmkit itself
    # built, and reads a pickle only from the user's own cache directory, from a file the
    # user owns and no one else can write (the trust of the user's own site-packages);
    # tests/test_cold_start.py checks the refusals. Nothing from a rule or data file is
    # ever unpickled.
    "_diskcache.py": {"import of pickle"},
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_is_clean(path):
    """No eval/exec/compile/__import__, pickle, subprocess, os.system or unsafe yaml.load."""
    allowed = ALLOWED.get(path.name, set())
    assert [p for p in problems_in(path) if p.split(": ", 1)[1] not in allowed] == []


def test_the_allowance_is_still_needed():
    """A stale allowance is a defect: each allowed problem is still found in its module."""
    for name, allowed in ALLOWED.items():
        (path,) = (p for p in MODULES if p.name == name)
        assert allowed <= {p.split(": ", 1)[1] for p in problems_in(path)}


@pytest.mark.parametrize(
    "code",
    [
        "eval('1')",
        "import pickle",
        "from subprocess import run",
        "import yaml\nyaml.load(s)",
        "import yaml\nyaml.load(s, Loader=yaml.Loader)",
        "import yaml\nyaml.unsafe_load(s)",
        "import os\nos.system('x')",
        "f = __import__('os')",
        "import builtins\nbuiltins.eval('1')",
        "compile('1', 'x', 'eval')",
    ],
)
def test_gate_catches(code, tmp_path):
    """The gate itself has teeth: each forbidden pattern is reported."""
    path = tmp_path / "bad.py"
    path.write_text(code)
    assert problems_in(path)
