"""Limits on the sizes an input can choose: numbers, nesting, fields, sheets, chains.

Each limit is checked *before* the work it bounds, so a tiny hostile file cannot make
spmkit hang, exhaust memory or crash outside its own errors. Every limit is in the table
of ``docs/semantics.md`` ("Limits") and tested at its value and just over it.

The number limits keep every accepted number exact and printable: no finite float needs
more than 309 digits before the point or 324 after it, so 400 admits every float.

This module depends only on :mod:`spmkit._translation` (standard library only), so that
every other module can import it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final

from spmkit._translation import grouped, joined, tr

__all__ = [
    "MAX_CELL_TEXT",
    "MAX_CSV_FIELD",
    "MAX_DATA_NESTING",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_EXTENDS_DEPTH",
    "MAX_SHARED_STRINGS",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_COLUMNS",
    "MAX_SHEET_ROWS",
    "MAX_VALUE_BITS",
    "NUMBER_BOUND",
    "decimal_problem",
    "digits_text_problem",
    "number_problem",
]

MAX_DIGITS: Final = 400
"""Most decimal digits of a number's numerator and of its denominator (rule files, data)."""

MAX_EXPONENT: Final = 400
"""Largest decimal exponent written in a number (``1e400``; ``1e401`` is refused)."""

MAX_DATA_NESTING: Final = 40
"""Deepest nesting of lists and mappings in a JSON or YAML data file (a data file needs 3)."""

MAX_CSV_FIELD: Final = 1_048_576
"""Longest CSV field, in characters (Python's default is 131,072)."""

MAX_SHEET_ROWS: Final = 200_000
"""Most rows read from one worksheet; a longer sheet is refused (split it, or use CSV)."""

MAX_SHEET_COLUMNS: Final = 1_000
"""Most columns read from one worksheet; cells further right are refused."""

MAX_SHEET_CELLS: Final = 5_000_000
"""Most cells of one worksheet's used range (rows x columns): a sheet is read as a grid."""

MAX_CELL_TEXT: Final = 32_767
"""Most characters of one workbook cell (Excel's own limit), checked while streaming."""

MAX_SHARED_STRINGS: Final = 1_000_000
"""Most shared strings of a workbook (each distinct text of its cells), checked streaming."""
MAX_FILE_BYTES: Final = 2 * 1024 * 1024
"""Largest rule file read, in bytes (the largest shipped file is about 20 KiB)."""

MAX_EXTENDS_DEPTH: Final = 16
"""Longest ``extends:`` chain of overlays (an overlay of an overlay ... of a rule set)."""

MAX_VALUE_BITS: Final = 4_096
"""Most bits of the numerator and of the denominator of any value computed while evaluating
(about 1,233 digits): a product of three 400-digit inputs fits; a chain of squarings
(``@S.k = @S.(k-1) * @S.(k-1)``) is stopped at the step that goes over, not after minutes."""

_BITS_PER_DIGIT: Final = 3.3219280948873626
NUMBER_BOUND: Final = 10**MAX_DIGITS
"""The first integer over :data:`MAX_DIGITS` digits (for fast paths that skip the checks)."""
_DIGITS_BOUND: Final = NUMBER_BOUND


def _digits(value: int) -> int:
    """Decimal digits of ``|value|``, computed without printing it."""
    value = abs(value)
    if value.bit_length() > 4 * MAX_DIGITS + 8:
        return int(value.bit_length() / _BITS_PER_DIGIT)  # an estimate; far over the limit
    return len(str(value))


def _too_many(digits: int, *, about: bool = False) -> str:
    return tr(
        "a number of {about}{digits} digits; spmkit accepts at most {limit} digits "
        "(docs/semantics.md, Limits)",
        about=tr("about ") if about else "",
        digits=grouped(digits),
        limit=MAX_DIGITS,
    )


def number_problem(value: int | Fraction) -> str | None:
    """Why an exact number is over :data:`MAX_DIGITS`, or None when it is within it."""
    if isinstance(value, int):
        if -_DIGITS_BOUND < value < _DIGITS_BOUND:
            return None
        parts: tuple[int, ...] = (value,)
    else:
        numerator, denominator = value.numerator, value.denominator
        if -_DIGITS_BOUND < numerator < _DIGITS_BOUND and denominator < _DIGITS_BOUND:
            return None
        parts = (numerator, denominator)
    for part in parts:
        if abs(part) >= _DIGITS_BOUND:
            digits = _digits(part)
            return _too_many(digits, about=part.bit_length() > 4 * MAX_DIGITS + 8)
    return None


def decimal_problem(value: Decimal) -> str | None:
    """Why a decimal is over the limits (checked before converting it), or None."""
    if not value.is_finite():
        return None
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # noqa: S101 - finite decimals have an int exponent
    if abs(exponent) > MAX_EXPONENT:
        return tr(
            "a number with exponent {exponent}; spmkit accepts exponents from -{limit} to "
            "{limit} (docs/semantics.md, Limits)",
            exponent=joined("", ["+" if exponent >= 0 else "", grouped(exponent)]),
            limit=MAX_EXPONENT,
        )
    if len(digits) > MAX_DIGITS:
        return _too_many(len(digits))
    return number_problem(Fraction(value))


def digits_text_problem(text: str) -> str | None:
    """Why number text (``"12345"``, ``"1.5e3"``) is too long to convert, or None."""
    if len(text) <= MAX_DIGITS + MAX_EXPONENT:
        return None  # the usual number: not a digit needs counting
    digits = sum(character.isdigit() for character in text)
    if digits > MAX_DIGITS + MAX_EXPONENT:
        return _too_many(digits)
    return None
