"""Thread-safe memoisation for spmkit's lazy singletons and caches.

``functools.cache`` and ``lru_cache`` may call the function twice when two threads miss
at the same moment, and keep either result: for the unit registry that meant two
registries, whose units cannot be combined (``Cannot operate with Unit and Unit of
different registries``). :func:`locked_cache` computes a missing value once, under a
lock, and every thread gets that one value. Hits take no lock.

This module has no dependencies so that every other module can import it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

K = TypeVar("K")

__all__ = ["UNIT_LOCK", "identity_cache", "locked_cache"]

P = ParamSpec("P")
R = TypeVar("R")

UNIT_LOCK = threading.RLock()
"""The one lock of the unit registry and its caches (re-entrant: the caches call each other)."""


def locked_cache(
    maxsize: int | None, lock: threading.RLock | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Memoise a function of hashable arguments; compute each missing value once, locked.

    ``maxsize`` bounds the entries (the oldest is dropped first); None keeps them all.
    Exceptions are not cached.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        entries: dict[Hashable, Any] = {}
        guard = lock if lock is not None else threading.RLock()

        @functools.wraps(function)
        def cached(*args: P.args, **kwargs: P.kwargs) -> R:
            key: Hashable = (args, tuple(sorted(kwargs.items()))) if kwargs else args
            try:
                return entries[key]  # type: ignore[no-any-return]
            except KeyError:
                pass
            with guard:
                if key in entries:
                    return entries[key]  # type: ignore[no-any-return]
                value = function(*args, **kwargs)
                if maxsize is not None and len(entries) >= maxsize:
                    entries.pop(next(iter(entries)), None)
                entries[key] = value
                return value

        return cached

    return decorate


def identity_cache(maxsize: int) -> Callable[[Callable[[K], R]], Callable[[K], R]]:
    """Memoise a function of one object by that object's identity (not its equality).

    For derived, immutable views of large immutable objects (a rule set's scalar plan):
    hashing or comparing the object would cost more than the lookup saves. Each entry
    keeps its object alive, so an id is not reused while it is cached; at most
    ``maxsize`` entries (the oldest is dropped first). Threads may compute a missing
    value twice at the same moment; both results are equal and either is kept.
    """

    def decorate(function: Callable[[K], R]) -> Callable[[K], R]:
        entries: dict[int, tuple[K, R]] = {}
        guard = threading.Lock()

        @functools.wraps(function)
        def cached(key: K) -> R:
            found = entries.get(id(key))
            if found is not None and found[0] is key:
                return found[1]
            value = function(key)
            with guard:  # eviction and insertion as one step
                if len(entries) >= maxsize:
                    entries.pop(next(iter(entries)), None)
                entries[id(key)] = (key, value)
            return value

        return cached

    return decorate
