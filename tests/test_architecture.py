"""The layout holds: no import circles, no private names across subpackages, a cheap import."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

from source_tree import parsed

SRC = Path(__file__).resolve().parents[1] / "src" / "spmkit"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import of a module (module level and inside functions), but not TYPE_CHECKING."""
    tree = parsed(path)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found = []
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _lazy_imports(path: Path) -> list[str]:
    """Modules a module imports by name at run time: import_module("...") and spmkit's table.

    ``import spmkit`` is not a dead end: the package resolves its public names lazily from
    ``_LOCATIONS``, so a module that imports spmkit depends on every module of that table.
    """
    found = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            found += [a.value for a in node.args if isinstance(a, ast.Constant)]
        if isinstance(node, ast.Dict):
            found += [
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and str(v.value).startswith("spmkit.")
            ]
    return [name for name in found if isinstance(name, str) and name in MODULES]


@functools.cache
def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _ in _imports(path):
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in MODULES and candidate != name:
                    graph[name].add(candidate)
                    break
        graph[name].update(m for m in _lazy_imports(path) if m != name)
    return graph


def test_the_graph_follows_import_spmkit_and_lazy_names():
    """`import spmkit` leads to every module of its lazy table: a circle through it is seen."""
    graph = _graph()
    assert "spmkit._evaluation.scalar" in graph["spmkit"]
    assert "spmkit._rulesets.reader" in graph["spmkit"]


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_cycle_finder_finds_a_circle():
    """The finder itself works: a -> b -> a is a circle, a -> b is not."""
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    """No module imports, directly or through others, a module that imports it back."""
    assert find_cycles(_graph()) == []


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else module  # top-level modules are their own owner


def test_no_private_name_across_subpackages():
    """A name with a leading underscore is only imported inside its own subpackage."""
    crossings = []
    for name, path in MODULES.items():
        for target, names, line in _imports(path):
            if not target.startswith("spmkit"):
                continue
            for imported in names:
                module = f"{target}.{imported}" if f"{target}.{imported}" in MODULES else target
                # The implementation tree itself is private (spmkit._evaluation, ...), as in
                # httpx: its modules reach each other by path. A private *name* defined in a
                # module (a helper, a constant) stays inside its own subpackage.
                private = imported.startswith("_") and f"{target}.{imported}" not in MODULES
                if private and _subpackage(module) != _subpackage(name):
                    crossings.append(f"{path.name}:{line} imports {imported} from {target}")
    assert crossings == []


def test_import_spmkit_loads_no_numpy_pandas_or_pint():
    """The scalar path needs none of them; they load on first use of batch or units."""
    code = (
        "import sys, spmkit; "
        "print(sorted(m for m in ('numpy', 'pandas', 'pint', 'polars') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_module_is_in_the_documented_tree():
    """docs/architecture.md lists every module with its job: the map stays the territory."""
    tree = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "__init__.py" and f" {path.name} " not in tree
    ]
    assert missing == []


def test_implementation_modules_are_private():
    """Only the package, errors, cli, strategies and testing are public module paths."""
    public = sorted(
        name for name in MODULES if not any(part.startswith("_") for part in name.split(".")[1:])
    )
    assert public == [
        "spmkit",
        "spmkit.cli",
        "spmkit.errors",
        "spmkit.strategies",
        "spmkit.testing",
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("spmkit.evaluation.batch", "spmkit._evaluation.batch"),
        ("spmkit.files.report", "spmkit._files.report"),
        ("spmkit.rulesets.model", "spmkit._rulesets.model"),
        ("spmkit.interop.fhir", "spmkit._interop.fhir"),
        ("spmkit.language.parse", "spmkit._language.parse"),
        ("spmkit.messages", "spmkit._messages"),
    ],
)
def test_an_old_module_path_is_the_new_module_with_a_deprecation_warning(old, new):
    """The paths documented before the move import as the very same module, and warn."""
    code = (
        "import importlib, sys, warnings\n"
        "warnings.simplefilter('error')\n"
        f"new = importlib.import_module({new!r})\n"
        "try:\n"
        f"    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        f"print(importlib.import_module({old!r}) is new, new.__spec__.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "warned: spmkit." in out.stdout
    assert f"is private now ({new.rsplit('.', 1)[0] if old.count('.') > 1 else new})" in out.stdout
    assert out.stdout.strip().endswith(f"True {new}")


def test_public_names_say_they_are_spmkits():
    """`spmkit.evaluate.__module__` is 'spmkit': set once when the name is first resolved."""
    import spmkit  # noqa: PLC0415

    assert spmkit.evaluate.__module__ == "spmkit"
    assert spmkit.IndicatorResult.__module__ == "spmkit"
    assert spmkit.UsageError.__module__ == "spmkit"
