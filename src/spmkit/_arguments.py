"""The one check of a public function's argument types: a UsageError naming what is wrong.

A public function given an argument of the wrong type (a number where a rule set or a
column name belongs, text where a flag does) raises :class:`~spmkit.errors.UsageError`
naming the parameter, the type it takes and the type it got, before any work, instead of
an ``AttributeError`` or ``TypeError`` from deep inside. Every function shares
:func:`require` (and its shorthands), so the words are the same everywhere.
"""

from __future__ import annotations

import os
from typing import Final

from spmkit._translation import tr
from spmkit.errors import UsageError

RULE_SET: Final = tr("a RuleSet, a shipped id (text) or a file path")
"""What a rule-set argument takes."""
RULE_SETS: Final = tr("a list of rule sets or their ids")
"""What an argument of several rule sets takes."""

__all__ = [
    "RULE_SET",
    "RULE_SETS",
    "require",
    "require_flag",
    "require_rule_set",
    "require_sequence",
    "wrong_type",
]


def require(value: object, name: str, kinds: type | tuple[type, ...], expected: str) -> None:
    """Refuse ``value`` unless it is one of ``kinds`` (a bool is not an int here).

    Args:
        value: the argument given.
        name: the parameter's name, as the signature spells it.
        kinds: the types it takes.
        expected: what it takes, in words (``tr("text")``), in both languages.

    Raises:
        UsageError: ``{name} must be {expected} (got {type})``.
    """
    taken = kinds if isinstance(kinds, tuple) else (kinds,)
    if isinstance(value, taken) and not (isinstance(value, bool) and bool not in taken):
        return
    raise wrong_type(name, expected, value)


def wrong_type(name: str, expected: str, value: object) -> UsageError:
    """The error of a wrong argument type (for checks :func:`require` cannot express)."""
    return UsageError.wrong_type(name, expected, value)


def require_flag(value: object, name: str) -> None:
    """Refuse anything but True or False (``"yes"`` is not a flag)."""
    require(value, name, bool, tr("True or False"))


def require_rule_set(value: object, name: str = "rule_set") -> None:
    """Refuse anything but a shipped id (text) or a file path.

    For a parameter that takes a RuleSet too: its callers take a RuleSet as it is first
    (this module imports no model, so that every module may use it).
    """
    if isinstance(value, bytes):
        raise wrong_type(name, RULE_SET, value)
    require(value, name, (str, os.PathLike), RULE_SET)


def require_sequence(value: object, name: str, expected: str) -> None:
    """Refuse anything but a list-like of items (text is not a list of its letters)."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise wrong_type(name, expected, value)
