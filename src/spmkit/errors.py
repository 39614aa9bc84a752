"""Every error spmkit raises, and how they relate.

Users catch :class:`SpmkitError`; programs that want the facts read the attributes
(``indicator_id``, ``path``, ``line``, ``input_name``, ``value``) instead of parsing
messages. Errors about one thing (one bad expression, one bad value) are single
exceptions; a load or an evaluation that found several problems raises them all at once
in an :class:`ExceptionGroup` subclass::

    SpmkitError                                  base of everything below
    ├── ExpressionSyntaxError(ValueError)        text that is not a valid expression
    ├── ExpressionLimitError(ValueError)         an expression over the size or depth limits
    ├── RuleSetError(ValueError)                 one problem of a rule set: file, line, path
    │   ├── UnknownNameError                     an expression names an undeclared input/indicator
    │   ├── CycleError                           indicators that reference each other in a loop
    │   ├── UnknownUnitError                     a unit name the registry does not define
    │   └── UnitMismatchError                    units that do not fit: person + village, a
    │                                            rate per 100,000 against a percent target
    ├── RuleSetNotFoundError(LookupError)        no shipped rule set with that id, no such file
    ├── RuleSetInvalid(ExceptionGroup)           all RuleSetErrors of one rule set
    ├── DataError(ValueError)                    one bad input value: input, value, rule
    └── DataInvalid(ExceptionGroup)              all DataErrors of one call

Warnings (``warnings.warn``, never raised) have their own small tree::

    SpmkitWarning(UserWarning)                   base of spmkit's warnings
    └── UnverifiedValuesWarning                  a loaded rule set has unverified values

An overlay whose ``extends:`` chain loops raises a :class:`RuleSetInvalid` holding one
:class:`ExtendsCycleError` (a :class:`RuleSetError`).

This module has no dependencies so that every other module can import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Self, TypeVar

__all__ = [
    "CycleError",
    "DataError",
    "DataInvalid",
    "ExpressionLimitError",
    "ExpressionSyntaxError",
    "ExtendsCycleError",
    "RuleSetError",
    "RuleSetInvalid",
    "RuleSetNotFoundError",
    "SpmkitError",
    "SpmkitWarning",
    "UnitMismatchError",
    "UnknownNameError",
    "UnknownUnitError",
    "UnverifiedValuesWarning",
    "format_errors",
]


E = TypeVar("E", bound=Exception)


class SpmkitError(Exception):
    """Base of every error spmkit raises on purpose."""


def caret_context(text: str, position: int) -> str:
    """Return ``text`` on one line and a caret under ``position`` on the next."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    column = position - line_start
    return f"    {line}\n    {' ' * column}^"


class ExpressionSyntaxError(SpmkitError, ValueError):
    """Text that is not a valid expression.

    Attributes:
        text: the whole expression text.
        position: 0-based offset of the offending character.
        problem: what is wrong (``"unexpected ')'"``).
        expected: what would have been valid there (``"a number, a name or '('"``).
    """

    def __init__(self, text: str, position: int, problem: str, expected: str = "") -> None:
        self.text = text
        self.position = position
        self.problem = problem
        self.expected = expected
        super().__init__(text, position, problem, expected)

    def __str__(self) -> str:
        expected = f"; expected {self.expected}" if self.expected else ""
        return (
            f"{self.problem} at column {self.position + 1}{expected}\n"
            f"{caret_context(self.text, self.position)}"
        )


class ExpressionLimitError(SpmkitError, ValueError):
    """An expression larger or deeper than spmkit accepts (see docs/semantics.md)."""

    def __init__(self, what: str, limit: int, got: int) -> None:
        self.what = what
        self.limit = limit
        self.got = got
        super().__init__(what, limit, got)

    def __str__(self) -> str:
        return (
            f"expression {self.what} must be at most {self.limit} (got {self.got}); "
            "split the formula into indicators that reference each other"
        )


class RuleSetError(SpmkitError, ValueError):
    """One problem of a rule set, with where it is.

    Attributes:
        message: what is wrong and, where possible, how to fix it.
        file: the rule file (None for a rule set built in Python).
        line: 1-based line in the file, when known.
        path: where inside the document, as ``$.indicators['I.1'].target``.
        indicator_id: the indicator concerned, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str = "$",
        indicator_id: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        self.indicator_id = indicator_id
        super().__init__(message, file, line, path, indicator_id)

    def located(self, file: str | None, line: int | None) -> Self:
        """Return a copy of this error placed at ``file:line``."""
        return type(self)(
            self.message,
            file=file,
            line=line if line is not None else self.line,
            path=self.path,
            indicator_id=self.indicator_id,
        )

    @property
    def where(self) -> str:
        """``file:line`` (or what is known of it)."""
        if self.file is None:
            return "<rule set>" if self.line is None else f"<rule set>:{self.line}"
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.path}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_rule_set_error,
            (type(self), self.message, self.file, self.line, self.path, self.indicator_id),
        )


def _rebuild_rule_set_error(  # noqa: PLR0913 - mirrors RuleSetError's fields for pickling
    cls: type[RuleSetError],
    message: str,
    file: str | None,
    line: int | None,
    path: str,
    indicator_id: str | None,
) -> RuleSetError:
    return cls(message, file=file, line=line, path=path, indicator_id=indicator_id)


class UnknownNameError(RuleSetError):
    """An expression names an input or indicator the rule set does not declare."""


class CycleError(RuleSetError):
    """Indicators whose expressions reference each other in a loop."""


class UnknownUnitError(RuleSetError):
    """A unit the registry does not define, or text that is not a unit (see docs/units.md)."""


class UnitMismatchError(RuleSetError):
    """Units that do not fit: adding persons to villages, or a formula's unit unlike its target's.

    The message names the indicator and both units in words with their dimensions, e.g.
    ``person / village ([person] / [village])`` against ``percent (dimensionless)``.
    """


class ExtendsCycleError(RuleSetError):
    """Rule sets whose ``extends:`` lead back to themselves (``a -> b -> a``)."""


class RuleSetNotFoundError(SpmkitError, LookupError):
    """No shipped rule set has that id, and no file has that path."""


class _ProblemGroup(ExceptionGroup[E], SpmkitError):  # noqa: N818 - named for what it holds
    """Several problems found in one pass, raised together; ``str()`` lists them all."""

    def __new__(cls, message: str, errors: Sequence[E]) -> Self:
        return super().__new__(cls, message, errors)

    @property
    def exceptions(self) -> tuple[E, ...]:
        """The problems; spmkit never nests groups, so each is a single error."""
        return super().exceptions  # type: ignore[return-value]

    def derive(self, excs: Sequence[E]) -> Self:  # type: ignore[override]
        """Keep the class when ``except*`` splits the group."""
        return type(self)(self.message, excs)

    def __str__(self) -> str:
        lines = [f"{self.message}: {len(self.exceptions)} problem(s)"]
        lines.extend(f"  {error}" for error in self.exceptions)
        return "\n".join(lines)


class RuleSetInvalid(_ProblemGroup[RuleSetError]):
    """Every problem found in one rule set, raised together."""


class DataError(SpmkitError, ValueError):
    """One bad input value.

    Attributes:
        input_name: the input concerned.
        value: the value that was given (as given).
        rule: what the value must be (``"a non-negative finite number"``).
        hint: how to fix it, or an empty string.
    """

    def __init__(self, input_name: str, value: object, rule: str, hint: str = "") -> None:
        self.input_name = input_name
        self.value = value
        self.rule = rule
        self.hint = hint
        super().__init__(input_name, value, rule, hint)

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        # A Fraction is how spmkit holds a number it read; show it as the user wrote it.
        shown = str(self.value) if isinstance(self.value, Fraction) else repr(self.value)
        return f"input '{self.input_name}' must be {self.rule} (got {shown}){hint}"


class DataInvalid(_ProblemGroup[DataError]):
    """Every bad value of one data set, raised together."""


class SpmkitWarning(UserWarning):
    """Base of the warnings spmkit emits."""


class UnverifiedValuesWarning(SpmkitWarning):
    """A rule set was loaded whose values are not all checked against a text.

    Attributes:
        rule_set_id: the rule set.
        values: the unverified values, as ``(indicator id, field)`` pairs.
    """

    def __init__(self, rule_set_id: str, values: Sequence[tuple[str, str]]) -> None:
        self.rule_set_id = rule_set_id
        self.values = tuple(values)
        super().__init__(rule_set_id, self.values)

    def __str__(self) -> str:
        indicators = sorted({indicator_id for indicator_id, _ in self.values})
        shown = ", ".join(indicators[:8]) + (", ..." if len(indicators) > 8 else "")
        return (
            f"rule set {self.rule_set_id!r} has {len(self.values)} unverified value(s) "
            f"(indicators {shown}); they are shipped to be checked, not trusted: "
            "see each value's source note, or RuleSet.unverified"
        )


def format_errors(error: BaseException) -> list[str]:
    """Flatten an spmkit error (or group) into one message per problem.

    Useful for command lines and tests: ``format_errors(exc)`` gives the same lines
    whether one problem or twenty were found.
    """
    if isinstance(error, BaseExceptionGroup):
        lines: list[str] = []
        for inner in error.exceptions:
            lines.extend(format_errors(inner))
        return lines
    return [str(error)]
