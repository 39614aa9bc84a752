"""Memory for large batch arrays, reused once no result refers to it.

Writing a batch's outputs into fresh memory costs more than computing them. At 1,000,000
rows and 20 indicators the fused kernel takes about 22 ms on memory written before and
about 100 ms on fresh pages: the operating system zeroes each page on first touch, and
glibc hands blocks this large back to it as soon as they are freed. Repeated evaluations
of the same size (a researcher's loop, a Dask worker's partitions) therefore take their
large blocks from here: a block is kept after use and given to the next evaluation that
asks for the same shape and dtype once nothing else refers to it.

Nothing else refers to a block when CPython's reference count says only this pool holds
it: every result array is the block or a view whose ``base`` is the block, and a view or
buffer taken from a result refers to its base too. So a block is never handed out while
any result, view or exported buffer of it is alive, in any thread. Bounded: at most
:data:`LIMIT` bytes are kept (beyond it, blocks are plain numpy allocations) and blocks
under :data:`MIN_BYTES` are left to numpy. :func:`release` lets the kept memory go.

A long-lived process (a service worker) that wants its memory back after a large call
sets ``SPMKIT_BUFFER_POOL_BYTES`` in its environment: the most bytes kept (``0`` keeps
nothing: every block is numpy's own and freed with its result; suffixes ``K``, ``M``,
``G`` are powers of 1024). Read at each allocation, so it can be changed at run time.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "LIMIT",
    "MIN_BYTES",
    "copied",
    "empty",
    "kept_bytes",
    "limit",
    "narrowed",
    "release",
]

MIN_BYTES: Final = 1 << 20
"""Blocks smaller than this (1 MiB) are numpy's own allocations, never kept."""

LIMIT: Final = 1 << 30
"""At most this many bytes (1 GiB) of blocks are kept for reuse, in use or free."""

_SUFFIXES: Final = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def limit() -> int:
    """The most bytes kept: ``SPMKIT_BUFFER_POOL_BYTES`` when set to a size, else :data:`LIMIT`.

    A value that is not a size (``12X``, ``-1``) is ignored: the default applies.
    """
    text = os.environ.get("SPMKIT_BUFFER_POOL_BYTES", "").strip().upper()
    if not text:
        return LIMIT
    scale = _SUFFIXES.get(text[-1], 1)
    digits = text[:-1] if text[-1] in _SUFFIXES else text
    return int(digits) * scale if digits.isdigit() else LIMIT


_KEY = tuple[tuple[int, ...], str]
_BLOCKS: Final[dict[_KEY, list[npt.NDArray[Any]]]] = {}
_LOCK: Final = threading.Lock()
_FREE_REFCOUNT: Final = 2
"""``sys.getrefcount`` of a block only the pool holds: its list, and the call's argument."""


def _is_free(blocks: list[npt.NDArray[Any]], index: int) -> bool:
    return sys.getrefcount(blocks[index]) == _FREE_REFCOUNT


def empty(shape: tuple[int, ...], dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    """An uninitialised writable array, from a kept block of that shape and dtype if one is free."""
    kind = np.dtype(dtype)
    size = math.prod(shape) * kind.itemsize
    if size < MIN_BYTES:
        return np.empty(shape, kind)
    most = limit()
    if most == 0:
        if _BLOCKS:
            release()
        return np.empty(shape, kind)
    key = (tuple(shape), kind.str)
    with _LOCK:
        blocks = _BLOCKS.setdefault(key, [])
        for index in range(len(blocks)):
            if _is_free(blocks, index):
                block = blocks[index]
                block.flags.writeable = True
                return block
        block = np.empty(shape, kind)
        if _held() + size > most:
            _drop_free()
        if _held() + size <= most:
            blocks.append(block)
        return block


def copied(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A copy of a 1-D array in memory of its own (``values.copy()``, from a kept block)."""
    out = empty(values.shape, values.dtype)
    np.copyto(out, values)
    return out


_UNSIGNED: Final = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.uint32))
_SIGNED: Final = (np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32))


def narrowed(values: npt.NDArray[Any], bound: int, *, nonneg: bool) -> npt.NDArray[Any]:
    """A copy of an integer column in the narrowest integer type that holds it.

    ``bound`` is an upper bound of every ``|value|`` (the caller knows it from its
    checks) and ``nonneg`` says that no value is negative. Results keep their own copy
    of every input column; at 1,000,000 rows a column of counts under 65,536 takes
    2 MB as uint16 where int64 takes 8 MB. A column that fits no narrower type, or is
    not integers, is copied as it is (:func:`copied`).
    """
    if values.dtype.kind in "iu":
        for kind in _UNSIGNED if nonneg else _SIGNED:
            if kind.itemsize >= values.dtype.itemsize:
                break
            if bound <= np.iinfo(kind).max:
                out = empty(values.shape, kind)
                np.copyto(out, values, casting="unsafe")  # every value fits: checked above
                return out
    return copied(values)


def kept_bytes() -> int:
    """Bytes of the blocks kept now (in use or free)."""
    with _LOCK:
        return _held()


def release() -> None:
    """Let every free kept block go (blocks in use are dropped from the pool too)."""
    with _LOCK:
        _BLOCKS.clear()


def _held() -> int:
    return sum(block.nbytes for blocks in _BLOCKS.values() for block in blocks)


def _drop_free() -> None:
    for key in list(_BLOCKS):
        blocks = _BLOCKS[key]
        blocks[:] = [blocks[i] for i in range(len(blocks)) if not _is_free(blocks, i)]
        if not blocks:
            del _BLOCKS[key]
