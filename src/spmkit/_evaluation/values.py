"""What a valid input value is: the one definition used by scalar, batch and aggregation.

A value is a non-negative finite number: not a boolean, not text, not NaN or an
infinity, not below 0 (None is missing). An int is itself, a float the decimal it
prints as (``0.1`` is 1/10), a Decimal or Fraction exactly itself. Then it must fit its
input (:class:`~spmkit._rulesets.model.InputSpec`): a count is a whole number, and
``min``/``max`` bound it. The rules and their hint texts live here only;
:mod:`spmkit._evaluation.scalar` applies them value by value, and
:mod:`spmkit._evaluation.columns` applies the same :class:`Constraint` objects to whole
columns (vectorised where exact) and this :func:`convert_value` to columns of objects.
No numpy here: the scalar path does not need it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import attrs

from spmkit._language.expr import exact_decimal
from spmkit._limits import MAX_DIGITS, decimal_problem, number_problem
from spmkit._rulesets.model import InputKind, InputSpec
from spmkit._rulesets.units import unit_words
from spmkit._translation import Bilingual, both_notations, joined, tr
from spmkit.errors import DataError, DataInvalid

__all__ = [
    "BOOLEAN_HINT",
    "DECIMAL_LIMIT",
    "MAX_DECIMALS",
    "NEGATIVE_HINT",
    "NON_FINITE_HINT",
    "RULE",
    "SIZE_RULE",
    "YEAR_RULE",
    "Constraint",
    "bad_values",
    "constrain",
    "constraints",
    "convert_value",
    "exact_number",
    "quantity_rule",
    "text_hint",
    "unconvertible_hint",
    "with_rows",
]

RULE: Final = tr("a non-negative finite number")
"""What every input value must be (the ``rule`` of a :class:`~spmkit.errors.DataError`)."""

BOOLEAN_HINT: Final = tr("booleans are not counts; give 0 or 1 if you mean that")
NEGATIVE_HINT: Final = tr("counts cannot be negative")
NON_FINITE_HINT: Final = tr("NaN and infinities are not counts; leave the input out if unknown")
_NUMBER_TEXT: Final = re.compile(r"\s*-?[0-9][0-9.,]*\s*%?\s*\Z")

YEAR_RULE: Final = tr("a year such as 2013")
"""What a cell of a year column must be."""

SIZE_RULE: Final = tr("a number of at most {limit} digits", limit=MAX_DIGITS)
"""What a value over the number limits must be (:mod:`spmkit._limits`)."""
_NOT_NUMBERS: Final = ("m", "M", "c")  # numpy kinds: timedelta, datetime, complex

MAX_DECIMALS: Final = 6
"""Most decimal places a float column is held with exactly (as integers over 10**k)."""
DECIMAL_LIMIT: Final = 2**50
"""Largest scaled integer of such a column (or of a group's sum): below it, every decimal
of at most :data:`MAX_DECIMALS` places is unique at its scale, so the integer is exactly
what the float's shortest repr says."""


def text_hint(value: str) -> Bilingual:
    """The hint for a value given as text (a number written as text gets a longer one)."""
    if _NUMBER_TEXT.match(value):
        return tr(
            "give a number, not text; convert it first: '3.582' may be 3,582 in Indonesian "
            "notation, and spmkit will not guess"
        )
    return tr("give a number, not text")


def _is_pandas_na(value: object) -> bool:
    """``pandas.NA``, recognised without importing pandas."""
    kind = type(value)
    return kind.__name__ == "NAType" and kind.__module__.startswith("pandas")


def convert_value(name: str, value: object) -> Fraction | DataError | None:
    """Convert one data value to an exact number; None is missing, a DataError is refused.

    pandas' missing value (``pd.NA``, what a nullable column hands out for a gap) is
    missing too, as that row is in a batch column.
    """
    if value is None or _is_pandas_na(value):
        return None
    if isinstance(value, bool):
        return DataError(name, value, RULE, BOOLEAN_HINT)
    if getattr(getattr(value, "dtype", None), "kind", "") in _NOT_NUMBERS:
        # numpy's timedelta64 is an integer type, so it must be refused before Integral.
        return DataError(
            name, value, RULE, tr("got a {type}, not a count", type=type(value).__name__)
        )
    if isinstance(value, str):
        return DataError(name, value, RULE, text_hint(value))
    if isinstance(value, Fraction):
        number = value
    elif isinstance(value, numbers.Integral):
        number = Fraction(int(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return DataError(name, value, RULE, NON_FINITE_HINT)
        too_big = decimal_problem(value)
        if too_big is not None:
            return DataError(name, value, SIZE_RULE, too_big)
        number = Fraction(value)
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if not math.isfinite(as_float):
            return DataError(name, value, RULE, NON_FINITE_HINT)
        number = Fraction(repr(as_float))
    else:
        return DataError(name, value, RULE, tr("got a {type}", type=type(value).__name__))
    too_big = number_problem(number)
    if too_big is not None:
        return DataError(name, value, SIZE_RULE, too_big)
    if number < 0:
        return DataError(name, value, RULE, NEGATIVE_HINT)
    return number


def exact_number(value: object) -> Fraction | None:
    """An accepted number (a data cell, an array item) as an exact Fraction; None if missing.

    The evaluators' reading: an integer as itself, a Decimal or Fraction exactly, a float
    as the decimal it prints as; None and NaN (and infinities) have no number.
    """
    if value is None:
        return None
    if isinstance(value, Fraction | Decimal):
        return Fraction(value) if not isinstance(value, Decimal) or value.is_finite() else None
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    number = float(value)  # type: ignore[arg-type]
    return Fraction(repr(number)) if math.isfinite(number) else None


@attrs.frozen
class Constraint:
    """One rule an input puts on its values beyond :data:`RULE`.

    Attributes:
        kind: ``"whole"`` (a count), ``"min"`` or ``"max"`` (``bound`` inclusive).
        bound: the bound of ``min``/``max``; None for ``whole``.
        unit: the input's unit, as the rule file writes it.
    """

    kind: Literal["whole", "min", "max"]
    bound: Fraction | None = None
    unit: str = ""

    def breaks(self, number: Fraction) -> bool:
        """Whether an exact value breaks this rule."""
        if self.kind == "whole":
            return number.denominator != 1
        assert self.bound is not None  # noqa: S101 - set for min and max
        return number < self.bound if self.kind == "min" else number > self.bound

    @property
    def rule(self) -> Bilingual:
        """What the value must be (``"at most 100 percent"``), for the DataError.

        Written when a value breaks the rule, not for every value checked.
        """
        unit = unit_words(self.unit)
        if self.kind == "whole":
            return tr("a count of {unit}: a whole number, 0 or more", unit=unit)
        assert self.bound is not None  # noqa: S101 - set for min and max
        bound = both_notations(exact_decimal(self.bound))
        if self.kind == "min":
            return tr("at least {bound} {unit}", bound=bound, unit=unit)
        return tr("at most {bound} {unit}", bound=bound, unit=unit)


def constraints(spec: InputSpec) -> tuple[Constraint, ...]:
    """The rules of an input's kind and bounds, in the order they are checked."""
    found: list[Constraint] = []
    if spec.kind is InputKind.COUNT:
        found.append(Constraint("whole", unit=spec.unit))
    if spec.minimum is not None:
        found.append(Constraint("min", spec.minimum, spec.unit))
    if spec.maximum is not None:
        found.append(Constraint("max", spec.maximum, spec.unit))
    return tuple(found)


def constrain(spec: InputSpec, raw: object, number: Fraction) -> DataError | None:
    """Check one converted value against its input's kind and bounds (the first rule broken)."""
    for constraint in constraints(spec):
        if constraint.breaks(number):
            return DataError(spec.name, raw, constraint.rule)
    return None


def with_rows(hint: str, row: int, count: int = 1) -> Bilingual:
    """A hint placed in a column: ``"<hint>; at row 3; 2 bad rows in this column"``."""
    parts = [hint] if hint else []
    parts.append(tr("at row {row}", row=row))
    if count > 1:
        parts.append(tr("{count} bad rows in this column", count=count))
    return joined("; ", parts)


def quantity_rule(unit: str) -> Bilingual:
    """What a quantity given for an input in ``unit`` must be."""
    return tr("a quantity in {unit} or a unit convertible to it", unit=unit_words(unit))


def unconvertible_hint(units: object, unit: str) -> Bilingual:
    """The hint for a quantity whose ``units`` do not convert to the input's ``unit``.

    The units are written by spmkit's own formatter: ``str()`` of pint units raises for
    the exact (Fraction) powers of spmkit's registry (``m**3/day``).
    """
    from spmkit._rulesets.units import unit_text  # noqa: PLC0415 - pint only for quantities

    shown = unit_text(units) if hasattr(units, "_units") else str(units)
    return tr("{units} does not convert to {unit}", units=unit_words(shown), unit=unit_words(unit))


def bad_values(rule_set_id: str, problems: Sequence[DataError]) -> DataInvalid:
    """The error of a call whose data have bad values: every problem at once."""
    return DataInvalid(
        tr("data for rule set {rule_set!r} have bad values", rule_set=rule_set_id), problems
    )
