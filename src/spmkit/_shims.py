"""The module paths of spmkit before its implementation went private, kept for a while.

Before 0.2 the implementation lived in public-looking modules (``spmkit.evaluation.batch``,
``spmkit.files.report``, ``spmkit.messages``...). It now lives in private ones
(``spmkit._evaluation.batch``), as httpx does, and the public surface is ``spmkit`` itself,
``spmkit.errors``, ``spmkit.cli``, ``spmkit.strategies`` and ``spmkit.testing``. Importing
an old path still works: it gives the very module object of the new path (so ``isinstance``
and monkeypatching agree) and raises a :class:`DeprecationWarning` naming the new path.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from importlib.machinery import ModuleSpec
from types import ModuleType

MOVED: dict[str, str] = {
    **{f"spmkit.{old}": f"spmkit._{old}" for old in ("evaluation", "files", "interop")},
    **{f"spmkit.{old}": f"spmkit._{old}" for old in ("language", "rulesets")},
    **{
        f"spmkit.{old}": f"spmkit._{old}"
        for old in ("caches", "frozen", "limits", "messages", "translation", "yamlload")
    },
}
"""Each old module path (and everything under it) and its new, private path."""


def new_path(old: str) -> str | None:
    """The private path an old module path moved to, or None if it did not move."""
    head, _, rest = old.partition(".")
    if head != "spmkit" or not rest:
        return None
    top = "spmkit." + rest.split(".", 1)[0]
    moved = MOVED.get(top)
    return None if moved is None else moved + old[len(top) :]


class _OldPaths:
    """A meta-path finder and loader: an old path imports as its new module, with a warning."""

    def find_spec(
        self,
        fullname: str,
        path: object = None,  # noqa: ARG002 - the finder protocol's arguments
        target: object = None,  # noqa: ARG002
    ) -> ModuleSpec | None:
        if new_path(fullname) is None:
            return None
        return ModuleSpec(fullname, self)  # type: ignore[arg-type] # a loader by protocol

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        new = new_path(spec.name) or spec.name  # find_spec answered only for moved paths
        warnings.warn(
            f"{spec.name} is deprecated: the module is private now ({new}); "
            "use the public names of spmkit (spmkit.evaluate, spmkit.render, ...)",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        # The import system sets __spec__ to the old path's spec after this returns;
        # exec_module puts the module's own spec back.
        self._specs = {**getattr(self, "_specs", {}), spec.name: module.__spec__}
        return module

    def exec_module(self, module: ModuleType) -> None:
        old = module.__spec__.name if module.__spec__ is not None else ""
        module.__spec__ = self._specs.get(old, module.__spec__)


def install() -> None:
    """Put the finder first on sys.meta_path, once."""
    if not any(isinstance(finder, _OldPaths) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OldPaths())
