"""An ordered, immutable, hashable mapping for the fields of frozen attrs classes."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar

__all__ = ["FrozenMap", "as_tuple", "freeze"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only mapping that keeps insertion order and can be hashed.

    Equality and hash both depend on the order: ``{a: 1, b: 2}`` and ``{b: 2, a: 1}``
    are different FrozenMaps (as two rule sets listing their indicators in a different
    order are different rule sets).

    Rule sets and reports hold their indicators in the order the regulation prints them;
    a plain dict would let callers change a loaded rule set behind the library's back.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # The dict's own (read-only) views and lookups: the Mapping defaults go through
    # __getitem__ once per key, which the evaluators feel on every call.
    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> KeysView[K]:
        """The keys, in order (the dict's read-only view)."""
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        """The values, in order (the dict's read-only view)."""
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        """The pairs, in order (the dict's read-only view)."""
        return self._data.items()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        """Equal when the same keys map to equal values in the same order.

        Order is content here (the regulation's order of indicators), and it is what
        :meth:`__hash__` hashes, so equal maps hash equal.
        """
        if isinstance(other, FrozenMap):
            if self._hash is not None and other._hash is not None and self._hash != other._hash:
                return False
            return list(self._data.items()) == list(other._data.items())
        if isinstance(other, Mapping):
            return list(self._data.items()) == list(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def freeze(items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> FrozenMap[Any, Any]:
    """Convert to a :class:`FrozenMap` (an attrs converter; a FrozenMap is kept as is).

    Typed with ``Any`` because attrs converters cannot carry the field's type variables.
    """
    return items if isinstance(items, FrozenMap) else FrozenMap(items)


def as_tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    """Convert any iterable to a tuple (an attrs converter that mypy can follow)."""
    return tuple(items)
