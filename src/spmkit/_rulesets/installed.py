"""Rule sets installed by other packages, under the entry-point group ``spmkit.rule_sets``.

A package that ships rule files registers them in its ``pyproject.toml``::

    [project.entry-points."spmkit.rule_sets"]
    my-regency = "my_regency_rules"            # a package: its *.yaml files
    # or "my_regency_rules:rule_files"         # a callable: paths, or a directory

Each file is then a rule set id (its file name without ``.yaml``), as the shipped ones
are: :func:`spmkit.load_rule_set` finds it and :func:`spmkit.list_rule_sets` lists it.
A shipped id wins over an installed one of the same name, and an installed file may not
*call itself* by another id: ``innocent-name.yaml`` saying ``id: kulon-progo-2011`` is
refused (:func:`impersonation`), with a warning naming both files, so that an id always
names one rule set. An entry point that cannot be
loaded is reported with a warning and skipped, so one broken package does not stop
every other rule set from loading. See docs/time.md, "Rule sets from other packages".
"""

from __future__ import annotations

import importlib.metadata
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Final

from spmkit.errors import SpmkitWarning

__all__ = ["ENTRY_POINT_GROUP", "MAX_FILES_PER_PACKAGE", "impersonation", "installed_rule_files"]

ENTRY_POINT_GROUP: Final = "spmkit.rule_sets"
"""The entry-point group under which packages register rule sets."""

MAX_FILES_PER_PACKAGE: Final = 1000
"""Most rule files taken from one entry point (more are ignored, with a warning)."""


def _files_in(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.rglob("*.yaml") if p.is_file() and not p.name.endswith(".tests.yaml")
    )


def _paths_of(registered: object) -> list[Path]:
    """The rule files an entry point stands for: a package's, a directory's, or a list."""
    if isinstance(registered, types.ModuleType):
        locations = getattr(registered, "__path__", None)
        if locations is not None:
            return [p for location in locations for p in _files_in(Path(location))]
        file = getattr(registered, "__file__", None)
        return [] if file is None else _files_in(Path(file).parent)
    if callable(registered):
        produced: Callable[[], object] = registered
        registered = produced()
    if isinstance(registered, str | Path):
        path = Path(registered)
        return _files_in(path) if path.is_dir() else [path]
    if isinstance(registered, Iterable):
        return [Path(item) for item in registered if isinstance(item, str | Path)]
    msg = f"expected a package, a directory, or paths (got {type(registered).__name__})"
    raise TypeError(msg)


# The last scan, by the state of the import path: scanning every distribution's entry
# points costs tens of milliseconds, and one command may look up dozens of rule sets.
_SCANNED: dict[tuple[tuple[str, int], ...], dict[str, Path]] = {}
_SCAN_LOCK: Final = threading.Lock()


def _import_path_state() -> tuple[tuple[str, int], ...]:
    """``sys.path`` with each directory's modification time.

    Installing or removing a distribution adds or removes a folder in one of them, which
    changes that directory's time.
    """
    state = []
    for entry in sys.path:
        try:
            state.append((entry, Path(entry or ".").stat().st_mtime_ns))
        except (OSError, ValueError):
            state.append((entry, -1))
    return tuple(state)


def installed_rule_files() -> dict[str, Path]:
    """Return the rule files registered by installed packages, by rule-set id.

    Scanned again whenever the import path or one of its directories changes (a package
    installed or removed), otherwise answered from the last scan of this process.

    Warns:
        SpmkitWarning: an entry point could not be loaded, or registers too many files.
    """
    state = _import_path_state()
    with _SCAN_LOCK:
        known = _SCANNED.get(state)
    if known is not None:
        return dict(known)
    found = _scan()
    with _SCAN_LOCK:
        _SCANNED.clear()
        _SCANNED[state] = found
    return dict(found)


def _scan() -> dict[str, Path]:
    """Every entry point of the group, loaded: its rule files by id."""
    found: dict[str, Path] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            paths = _paths_of(entry.load())
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party package
            warnings.warn(
                SpmkitWarning(
                    f"rule sets of entry point {entry.name!r} ({entry.value}) in group "
                    f"{ENTRY_POINT_GROUP!r} skipped: {type(exc).__name__}: {exc}"
                ),
                stacklevel=2,
            )
            continue
        if len(paths) > MAX_FILES_PER_PACKAGE:
            warnings.warn(
                SpmkitWarning(
                    f"entry point {entry.name!r} registers {len(paths)} rule files; only "
                    f"the first {MAX_FILES_PER_PACKAGE} are used"
                ),
                stacklevel=2,
            )
            paths = paths[:MAX_FILES_PER_PACKAGE]
        for path in paths:
            # <id>.tests.yaml beside a rule file holds its rule tests, not a rule set
            if path.suffix == ".yaml" and not path.name.endswith(".tests.yaml") and path.is_file():
                found.setdefault(path.stem, path)
    return found


def impersonation(rule_set_id: str, path: Path, shipped: Mapping[str, Path]) -> str | None:
    """Why an installed rule file may not be used, or None when it may.

    Its id must be its file name (an id names one file), and must not be a shipped id
    (a package cannot stand in for a rule set spmkit ships). Warns with both files.

    Warns:
        SpmkitWarning: the file claims an id that is not its own (naming both files).
    """
    other = shipped.get(rule_set_id)
    if other is None and rule_set_id == path.stem:
        return None
    if other is not None:
        msg = (
            f"installed rule file {path} says 'id: {rule_set_id}', the id of the shipped "
            f"rule file {other}; a package cannot replace a shipped rule set: refused"
        )
    else:
        msg = (
            f"installed rule file {path} says 'id: {rule_set_id}', not its file name "
            f"{path.stem!r}; an installed rule set's id must be its file name: refused"
        )
    warnings.warn(SpmkitWarning(msg), stacklevel=3)
    return msg
