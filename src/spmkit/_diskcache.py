"""Where spmkit keeps files between processes: the user's cache directory, or none.

Two things are kept: checked rule sets (so that a new process need not parse the YAML and
import pint to check units again, :mod:`spmkit._rulesets.reader`) and numba's compiled
kernels (:mod:`spmkit._evaluation.kernel`). The directory is, in order:

- ``SPMKIT_CACHE_DIR`` if set (``none`` turns the disk cache off);
- ``$XDG_CACHE_HOME/spmkit``, ``%LOCALAPPDATA%/spmkit`` or ``~/.cache/spmkit``;
- when that cannot be written (a read-only home, a system account), a private directory
  under the system's temporary directory (``spmkit-cache-<uid>``, mode 0700);
- none at all: everything is computed again in each process, nothing fails.

A directory is used only when it belongs to the current user and no one else may write to
it, and a file is read only when the same holds for it: a cached rule set is a pickle, and
loading one written by someone else would run their code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import stat
from pathlib import Path

__all__ = ["cache_directory", "code_fingerprint", "forget", "load_pickle", "store_pickle"]

_MAX_PICKLE_BYTES = 64 * 1024 * 1024
"""Larger cached files are not read (a rule set pickles to about 35 kB)."""


def _private(path: Path) -> bool:
    """Whether ``path`` belongs to this user and no other may write to it."""
    info = path.stat()
    if not hasattr(os, "getuid"):  # Windows: no owner bits; the user's own profile
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable(path: Path) -> bool:
    """Make ``path`` (mode 0700) if missing; whether it is private and writable."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _private(path) and os.access(path, os.W_OK | os.X_OK)
    except OSError:
        return False


def _candidates() -> list[Path]:
    chosen = os.environ.get("SPMKIT_CACHE_DIR")
    if chosen is not None:
        return [] if chosen.strip().lower() in {"", "none", "off"} else [Path(chosen)]
    homes = [os.environ.get("XDG_CACHE_HOME"), os.environ.get("LOCALAPPDATA")]
    found = [Path(home) / "spmkit" for home in homes if home]
    with contextlib.suppress(RuntimeError):  # no home directory known
        found.append(Path.home() / ".cache" / "spmkit")
    import tempfile  # noqa: PLC0415 - slow to import (shutil, random); rarely needed

    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    found.append(Path(tempfile.gettempdir()) / f"spmkit-cache-{uid}")
    return found


@functools.cache
def cache_directory() -> Path | None:
    """The directory spmkit writes its caches to, or None when no directory is usable.

    Decided once per process (see the module's docstring for the order).
    """
    for candidate in _candidates():
        if _usable(candidate):
            return candidate
    return None


@functools.cache
def code_fingerprint() -> str:
    """A digest of spmkit's modules: their sizes and times of change, and ``__init__.py``.

    Part of every cache key, so that a cached object is never read by other code than
    the one that wrote it (a new release: ``__version__`` is in ``__init__.py``, read
    whole; an edited checkout: a module's time of change).
    """
    root = os.path.dirname(__file__)  # noqa: PTH120 - strings: a Path per module costs ms
    digest = hashlib.blake2b(Path(root, "__init__.py").read_bytes(), digest_size=16)
    modules = []
    for directory, folders, files in os.walk(root):
        folders[:] = [f for f in folders if f != "__pycache__"]
        modules += [os.path.join(directory, f) for f in files if f.endswith(".py")]  # noqa: PTH118
    for path in sorted(modules):
        info = os.stat(path)  # noqa: PTH116
        name = path[len(root) + 1 :].replace(os.sep, "/")
        digest.update(f"{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


def _file(kind: str, key: bytes) -> Path | None:
    directory = cache_directory()
    if directory is None:
        return None
    return directory / kind / f"{hashlib.blake2b(key, digest_size=20).hexdigest()}.pickle"


def load_pickle(kind: str, key: bytes) -> object | None:
    """The object stored under ``kind`` and ``key``, or None (missing, foreign, unreadable)."""
    path = _file(kind, key)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > _MAX_PICKLE_BYTES or (
                hasattr(os, "getuid")
                and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))
            ):
                return None
            stored = handle.read()
        # Safe to unpickle: the file is this user's own, in this user's private
        # directory, under a key made of the code's fingerprint (see the module's docstring).
        found: object = pickle.loads(stored)  # noqa: S301
    except Exception:  # noqa: BLE001 - a broken or stale cache entry is only a miss
        return None
    return found


def store_pickle(kind: str, key: bytes, value: object) -> None:
    """Store ``value`` under ``kind`` and ``key``; silently nothing when it cannot be written."""
    path = _file(kind, key)
    if path is None:
        return
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        import tempfile  # noqa: PLC0415 - slow to import; only when something is stored

        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            Path(temporary).replace(path)  # atomic: readers see the old file or the new one
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is only slower
        pass


def forget(kind: str) -> None:
    """Remove every file stored under ``kind`` (the next reads miss)."""
    directory = cache_directory()
    if directory is None:
        return
    for path in (directory / kind).glob("*.pickle"):
        path.unlink(missing_ok=True)
