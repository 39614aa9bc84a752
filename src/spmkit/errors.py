"""Every error spmkit raises, and how they relate.

Users catch :class:`SpmkitError`; programs that want the facts read the attributes
(``indicator_id``, ``path``, ``line``, ``input_name``, ``value``) instead of parsing
messages. Errors about one thing (one bad expression, one bad value) are single
exceptions; a load or an evaluation that found several problems raises them all at once
in an :class:`ExceptionGroup` subclass::

    SpmkitError                                  base of everything below
    ├── ExpressionSyntaxError(ValueError)        text that is not a valid expression
    ├── ExpressionLimitError(ValueError)         an expression over the size or depth limits
    ├── UsageError(ValueError)                   a library call with arguments it cannot use
    ├── RuleSetError(ValueError)                 one problem of a rule set: file, line, path
    │   ├── UnknownNameError                     an expression names an undeclared input/indicator
    │   ├── CycleError                           indicators that reference each other in a loop
    │   ├── UnknownUnitError                     a unit name the registry does not define
    │   ├── UnitMismatchError                    units that do not fit: person + village, a
    │   │                                        rate per 100,000 against a percent target
    │   ├── ExtendsCycleError                    overlays whose extends: chain loops
    │   ├── RuleSetNotFoundError(LookupError)    no shipped rule set with that id, no such file
    │   └── RuleSetInvalid(ExceptionGroup)       all RuleSetErrors of one rule set
    ├── DataError(ValueError)                    one bad input value: input, value, rule
    │   ├── DataInvalid(ExceptionGroup)          all DataErrors of one call
    │   └── DataFileError                        a data file spmkit will not read
    ├── ChartUnavailableError(ImportError)       matplotlib is not installed
    ├── StrategyArgumentError(ValueError)        a hypothesis strategy called with a bad argument
    ├── RuleSetPropertyError(AssertionError)     the conformance kit: one property fails
    ├── ConformanceError(AssertionError)         the conformance kit: several properties fail
    ├── RuleTestError(ValueError)                a *.tests.yaml file that cannot be run
    ├── RuleTestFailedError(AssertionError)      a rule test case whose results differ (pytest)
    ├── Dhis2Error(ValueError)                   a DHIS2 mapping, export or analytics document
    └── ServiceLimitError(ValueError)            an HTTP request over a limit of spmkit serve

``RuleSetInvalid`` and ``DataInvalid`` are exception groups *and* the single-error class
(as cattrs' ``BaseValidationError``): ``except spmkit.RuleSetError`` catches a bad file,
``except* spmkit.UnknownNameError`` picks the problems of one kind out of it.

Warnings (``warnings.warn``, never raised) have their own small tree::

    SpmkitWarning(UserWarning)                   base of spmkit's warnings
    └── UnverifiedValuesWarning                  a loaded rule set has unverified values

An overlay whose ``extends:`` chain loops raises a :class:`RuleSetInvalid` holding one
:class:`ExtendsCycleError` (a :class:`RuleSetError`).

Messages of rule-file problems are built in English and Indonesian at once
(:func:`spmkit._translation.tr`): ``str(error)`` is English, ``error.in_lang("id")`` is
the same problem, at the same place, in Indonesian; ``format_errors(error, "id")`` lists
a whole group in Indonesian. Problems of data files (:class:`DataFileError`), bad data
values (a :class:`DataError`'s rule and hint), rule tests files (:class:`RuleTestError`)
and the command line's :class:`UsageError` texts are built the same way.

This module depends only on :mod:`spmkit._translation` (standard library only), so that
every other module can import it.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, Self, TypeVar

from spmkit._translation import Bilingual, Language, both_notations, in_language, tr

__all__ = [
    "ChartUnavailableError",
    "ConformanceError",
    "CycleError",
    "DataError",
    "DataFileError",
    "DataInvalid",
    "Dhis2Error",
    "ExpressionLimitError",
    "ExpressionSyntaxError",
    "ExtendsCycleError",
    "KernelCacheWarning",
    "RuleSetError",
    "RuleSetInvalid",
    "RuleSetNotFoundError",
    "RuleSetPropertyError",
    "RuleTestError",
    "RuleTestFailedError",
    "ServiceLimitError",
    "SpmkitError",
    "SpmkitWarning",
    "StrategyArgumentError",
    "UnitMismatchError",
    "UnknownNameError",
    "UnknownUnitError",
    "UnverifiedValuesWarning",
    "UsageError",
    "error_in",
    "format_errors",
    "show_number",
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

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang`` (``str()`` is English)."""
        if lang != "id":
            return str(self)
        expected = f"; yang diharapkan: {in_language(self.expected, lang)}" if self.expected else ""
        return (
            f"{in_language(self.problem, lang)} di kolom {self.position + 1}{expected}\n"
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

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang`` (``str()`` is English)."""
        if lang != "id":
            return str(self)
        return (
            f"{in_language(self.what, lang)} ekspresi paling banyak {self.limit} (tertulis "
            f"{self.got}); pecah rumusnya menjadi indikator-indikator yang saling merujuk"
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

    def located(self, file: str | None, line: int | None, path: str | None = None) -> Self:
        """Return a copy of this error placed at ``file:line`` (and ``path``, when given).

        A model validator reports a path relative to its object (``$.factor``); the
        reader that built the object places it in the document
        (``$.indicators['I.1'].factor``).
        """
        return type(self)(
            self.message,
            file=file,
            line=line if line is not None else self.line,
            path=self.path if path is None else path,
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

    def in_lang(self, lang: Language) -> str:
        """This problem in ``lang``: the same place and path, the message translated.

        >>> from spmkit._translation import Bilingual
        >>> message = Bilingual("'id' must not be empty", "'id' tidak boleh kosong")
        >>> RuleSetError(message, file="a.yaml", line=2).in_lang("id")
        "a.yaml:2: $: 'id' tidak boleh kosong"
        """
        return f"{self.where}: {self.path}: {in_language(self.message, lang)}"

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


class RuleSetNotFoundError(RuleSetError, LookupError):
    """No shipped rule set has that id, and no file has that path.

    Attributes:
        candidates: what would have been found (ids), to help the caller choose.
    """

    def __init__(self, message: str, *, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)

    def __str__(self) -> str:
        return self.message

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang``."""
        return in_language(self.message, lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_not_found, (self.message, self.candidates))


def _rebuild_not_found(message: str, candidates: tuple[str, ...]) -> RuleSetNotFoundError:
    return RuleSetNotFoundError(message, candidates=candidates)


class UsageError(SpmkitError, ValueError):
    """A library function called with arguments it cannot use (the message says which).

    Every public function refuses an argument of the wrong type with one, before any
    work, naming the parameter, what it takes and what it got:
    ``rule_set must be a RuleSet, a shipped id (text) or a file path (got int)``.
    A message built with :func:`~spmkit._translation.tr` carries its Indonesian:
    ``str(error)`` is English, ``error.in_lang("id")`` the same message in Indonesian.
    """

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang`` (``str()`` is English)."""
        return _message_in(self, lang)

    @classmethod
    def wrong_type(cls, name: str, expected: str, value: object) -> Self:
        """The error of an argument of the wrong type: ``{name} must be {expected} (got {type})``.

        ``expected`` says what the parameter takes, in words (``tr("text")``); the checks
        of every public function build their errors here (``spmkit._arguments``).
        """
        return cls(
            tr(
                "{name} must be {expected} (got {kind})",
                name=name,
                expected=expected,
                kind=type(value).__name__,
            )
        )


def _message_in(error: BaseException, lang: Language) -> str:
    """An error made of one message: that message in ``lang`` when it carries it."""
    if len(error.args) == 1 and isinstance(error.args[0], str):
        return in_language(error.args[0], lang)
    return str(error)


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

    def in_lang(self, lang: Language) -> str:
        """:func:`str` in ``lang``: the heading and every problem."""
        if lang != "id":
            return str(self)
        problems = [error_in(error, lang) for error in self.exceptions]
        return _listed_in_indonesian(in_language(self.message, lang), problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, list(self.exceptions)))


def _listed_in_indonesian(heading: str, problems: Sequence[str]) -> str:
    """``heading: N masalah`` and each problem on its own indented line."""
    return "\n".join([f"{heading}: {len(problems)} masalah", *(f"  {p}" for p in problems)])


class RuleSetInvalid(  # type: ignore[override] # noqa: N818 - a group, named for what it holds
    _ProblemGroup[RuleSetError], RuleSetError
):
    """Every problem found in one rule set, raised together; also a :class:`RuleSetError`.

    ``file`` is the file all its problems are in (None if they are in several or none);
    ``line`` is the first problem's line; ``path`` is the document root.
    """

    path = "$"
    indicator_id = None

    @property
    def file(self) -> str | None:  # type: ignore[override]
        """The one file every problem is in, if there is one."""
        files = {error.file for error in self.exceptions}
        return files.pop() if len(files) == 1 else None

    @property
    def line(self) -> int | None:  # type: ignore[override]
        """The first problem's line."""
        return self.exceptions[0].line if self.exceptions else None

    def located(self, file: str | None, line: int | None, path: str | None = None) -> Self:
        """Return a copy with every problem placed in ``file`` (lines kept where known).

        With ``path``, each problem's path (relative to the object) is placed under it.
        """
        return type(self)(
            self.message,
            [
                error.located(file, line, None if path is None else path + error.path[1:])
                for error in self.exceptions
            ],
        )


class DataError(SpmkitError, ValueError):
    """One bad input value.

    Attributes:
        input_name: the input concerned.
        value: the value that was given (as given).
        rule: what the value must be (``"a non-negative finite number"``).
        hint: how to fix it, or an empty string.
    """

    input_name: str | None

    def __init__(self, input_name: str, value: object, rule: str, hint: str = "") -> None:
        self.input_name = input_name
        self.value = value
        self.rule = rule
        self.hint = hint
        super().__init__(input_name, value, rule, hint)

    def __str__(self) -> str:
        return str.__str__(self._text())

    def __repr__(self) -> str:
        """Safe for any value (Python refuses to print an int of over 4,300 digits)."""
        fields = (self.input_name, _shown(self.value), self.rule, self.hint)
        return f"{type(self).__name__}{fields!r}"

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang`` (``str()`` is English); a plain ``str`` rule or hint as is.

        >>> from spmkit._translation import tr
        >>> DataError("k4", 2.5, tr("a non-negative finite number")).in_lang("id")
        "input 'k4' harus angka berhingga yang tidak negatif (tertulis 2,5)"
        """
        return self._text().in_lang(lang)

    def _text(self) -> Bilingual:
        """The message in both languages, the value as each writes numbers."""
        # A Fraction is how spmkit holds a number it read; show it as the user wrote it.
        if isinstance(self.value, Fraction):
            shown = show_number(self.value)
        elif isinstance(self.value, Bilingual):  # a description of the value (a column)
            shown = Bilingual(_shown(self.value), _shown(self.value.in_lang("id")))
        else:
            shown = _shown(self.value)
        if _SHOWN_NUMBER.fullmatch(shown) is not None:
            shown = both_notations(shown)
        fields = {"name": self.input_name, "rule": self.rule, "shown": shown}
        if self.hint:
            return tr(
                "input '{name}' must be {rule} (got {shown}) ({hint})", **fields, hint=self.hint
            )
        return tr("input '{name}' must be {rule} (got {shown})", **fields)


_SHOWN_NUMBER: Final = re.compile(r"-?[\d,]*\.?\d+")
"""A value shown as a plain number: Indonesian swaps its ``.`` and ``,``."""


def _shown(value: object) -> str:
    """``repr`` of a value, never unbounded (a 5,000-digit int is shown by its size)."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value.bit_length() > 4 * _SHOWN_DIGITS
    ):
        return show_number(Fraction(value))
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any value's repr: huge numbers inside, pint's powered units
        text = _fallback_repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _fallback_repr(value: object) -> str:
    """A value whose own ``repr`` fails, shown by its type (and its magnitude and units)."""
    magnitude, units = getattr(value, "magnitude", None), getattr(value, "_units", None)
    if magnitude is not None and units is not None:
        try:
            parts = " * ".join(
                name if power == 1 else f"{name} ** {power}" for name, power in units.items()
            )
            return f"<Quantity({_shown(magnitude)}, {parts!r})>"
        except Exception:  # noqa: BLE001, S110 - fall through to the type
            pass
    return f"<{type(value).__name__} value>"


class DataInvalid(_ProblemGroup[DataError], DataError):  # noqa: N818 - a group, named for what it holds
    """Every bad value of one data set, raised together; also a :class:`DataError`."""

    input_name = None
    value = None
    rule = ""
    hint = ""

    def __repr__(self) -> str:
        """The group's own repr (message and problems, each problem's repr safe)."""
        return BaseException.__repr__(self)


class DataFileError(DataError):
    """A data file spmkit will not read: every problem found in it, one per line.

    Attributes:
        source: the file.
        problems: what is wrong, each with where and how to fix it; a problem built with
            :func:`~spmkit._translation.tr` also carries its Indonesian (``in_lang``).
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        ValueError.__init__(self, source, self.problems)
        self.input_name = None
        self.value = None
        self.rule = ""
        self.hint = ""

    def __repr__(self) -> str:
        return BaseException.__repr__(self)

    def __str__(self) -> str:
        return "\n".join(f"{self.source}: {problem}" for problem in self.problems)

    def in_lang(self, lang: Language) -> str:
        """Every problem in ``lang``, one per line, each after the file (``str()`` is English).

        >>> from spmkit._translation import tr
        >>> DataFileError("d.csv", [tr("no such file")]).in_lang("id")
        'd.csv: berkas tidak ada'
        """
        return "\n".join(self.problems_in(lang))

    def problems_in(self, lang: Language) -> list[str]:
        """Each problem in ``lang`` after the file, as the command line prints them."""
        return [f"{self.source}: {in_language(problem, lang)}" for problem in self.problems]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.problems))


class ChartUnavailableError(SpmkitError, ImportError):
    """matplotlib is not installed; ``pip install 'spmkit[plot]'`` adds it."""

    def in_lang(self, lang: Language) -> str:
        """The message in ``lang`` (``str()`` is English)."""
        return _message_in(self, lang)


class StrategyArgumentError(UsageError):
    """A hypothesis strategy of :mod:`spmkit.strategies` was called with a bad argument."""


class RuleSetPropertyError(SpmkitError, AssertionError):
    """One property does not hold: which, for which indicator, and on which data.

    An ``AssertionError``, so pytest and hypothesis treat it as a failed test, and an
    :class:`SpmkitError`, so it is caught with spmkit's other errors.
    """

    def __init__(
        self,
        prop: str,
        rule_set_id: str,
        indicator_id: str | None,
        problem: str,
        data: Mapping[str, object] | None = None,
    ) -> None:
        self.property = prop
        self.rule_set_id = rule_set_id
        self.indicator_id = indicator_id
        self.problem = problem
        self.data = dict(data) if data is not None else None
        super().__init__(prop, rule_set_id, indicator_id, problem, self.data)

    def __str__(self) -> str:
        where = f"{self.rule_set_id}"
        if self.indicator_id is not None:
            where += f" {self.indicator_id}"
        text = f"{where}: property {self.property!r} fails: {self.problem}"
        if self.data is not None:
            shown = {
                k: show_number(v) if isinstance(v, Fraction) else v for k, v in self.data.items()
            }
            text += (
                "\n  counterexample data: {"
                + ", ".join(f"{k}: {v}" for k, v in shown.items())
                + "}"
            )
        return text


class ConformanceError(SpmkitError, AssertionError):
    """Some properties of a rule set fail; ``failures`` holds each one's error."""

    def __init__(self, rule_set_id: str, failures: Mapping[str, BaseException]) -> None:
        self.rule_set_id = rule_set_id
        self.failures = dict(failures)
        super().__init__(rule_set_id, self.failures)

    def __str__(self) -> str:
        lines = [f"rule set {self.rule_set_id!r} fails {len(self.failures)} propert(ies):"]
        lines.extend(f"- {error}" for error in self.failures.values())
        return "\n".join(lines)


class _ProblemListError(SpmkitError, ValueError):
    """Problems of one document, each a line with its place; ``str()`` lists them all."""

    def __init__(self, what: str, problems: Sequence[str]) -> None:
        self.what = what
        self.problems = tuple(problems)
        super().__init__(what, self.problems)

    def __str__(self) -> str:
        lines = [f"{self.what}: {len(self.problems)} problem(s)"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def in_lang(self, lang: Language) -> str:
        """:func:`str` in ``lang``: the heading and every problem that has a translation."""
        if lang != "id":
            return str(self)
        problems = [in_language(problem, lang) for problem in self.problems]
        return _listed_in_indonesian(in_language(self.what, lang), problems)


class RuleTestError(_ProblemListError):
    """A rule tests file (``*.tests.yaml``) that cannot be run; every problem at ``file:line``.

    Attributes:
        what: which file, and that its cases cannot be run.
        problems: each problem, as ``file:line: $.path: message``.
    """


class RuleTestFailedError(SpmkitError, AssertionError):
    """A rule test case (``*.tests.yaml``) whose results are not the expected ones.

    Raised by the pytest plugin; ``str()`` is the case's expected-vs-got text.

    Attributes:
        outcome: the case's outcome (a ``spmkit._interop.ruletests.CaseOutcome``).
    """

    def __init__(self, outcome: object) -> None:
        self.outcome = outcome
        super().__init__(str(outcome))


class Dhis2Error(_ProblemListError):
    """A DHIS2 mapping, export or analytics document spmkit cannot use; lists every problem.

    Attributes:
        what: which document or step.
        problems: each problem, with its place (``$.org_units['Wates']``, ``row 3``).
    """


class ServiceLimitError(SpmkitError, ValueError):
    """A request to ``spmkit serve`` over one of its limits (rows, rule sets); answered 413."""


_SHOWN_DIGITS: Final = 60


def show_number(value: Fraction) -> str:
    """A number as people write it: ``2.416`` for 302/125, ``0.333333`` for 1/3.

    Exact when the decimal terminates within 60 digits, else 6 significant digits; never
    builds a string of millions of digits (a hostile value is shown by its size).
    """
    numerator, denominator = value.numerator, value.denominator
    if max(numerator.bit_length(), denominator.bit_length()) > _SHOWN_DIGITS * 4:
        digits = (
            abs(numerator).bit_length() * 30103 // 100000
            - denominator.bit_length() * 30103 // 100000
        )
        sign = "-" if numerator < 0 else ""
        return tr("{sign}a number of about 10^{digits}", sign=sign, digits=digits)
    rest = denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest == 1:
        context = decimal.Context(prec=_SHOWN_DIGITS * 2)
        text = format(context.divide(decimal.Decimal(numerator), decimal.Decimal(denominator)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{float(value):.6g}"


class SpmkitWarning(UserWarning):
    """Base of the warnings spmkit emits."""


class KernelCacheWarning(SpmkitWarning):
    """numba could not keep its compiled kernels where it keeps them by default.

    Neither beside spmkit's files (a read-only install) nor in the home directory (none,
    or read-only) could be written. The message says where they went instead: spmkit's
    own cache directory (``SPMKIT_CACHE_DIR``, or a private directory under the system's
    temporary directory), or nowhere, so that each process compiles them again. Set
    ``NUMBA_CACHE_DIR`` to a writable directory to choose the place. Emitted once per
    process.
    """


class UnverifiedValuesWarning(SpmkitWarning):
    """A rule set was loaded whose values are not all checked against a text.

    One line per rule set. Silence it with the standard filter,
    ``warnings.filterwarnings("ignore", category=spmkit.UnverifiedValuesWarning)``, or on
    the command line with ``--no-unverified-note``.

    Attributes:
        rule_set_id: the rule set.
        values: the unverified values, as ``(indicator id, field)`` pairs.
        total: how many values the rule set has (3 per indicator), when known.
    """

    def __init__(
        self, rule_set_id: str, values: Sequence[tuple[str, str]], total: int | None = None
    ) -> None:
        self.rule_set_id = rule_set_id
        self.values = tuple(values)
        self.total = total
        super().__init__(rule_set_id, self.values, total)

    def __str__(self) -> str:
        return str.__str__(self._text())

    def in_lang(self, lang: Language) -> str:
        """The note in ``lang`` (``str()`` is English)."""
        return self._text().in_lang(lang)

    def _text(self) -> Bilingual:
        indicators = list(dict.fromkeys(indicator_id for indicator_id, _ in self.values))
        shown = ", ".join(indicators[:8]) + (", ..." if len(indicators) > 8 else "")
        return tr(
            "rule set {rule_set!r}: {count}{of} values unverified (indicators {shown}), "
            "shipped to be checked, not trusted; 'spmkit show {rule_set} --provenance' "
            "lists them",
            rule_set=self.rule_set_id,
            count=len(self.values),
            of="" if self.total is None else tr(" of {total}", total=self.total),
            shown=shown,
        )


def format_errors(error: BaseException, lang: Language = "en") -> list[str]:
    """Flatten an spmkit error (or group) into one message per problem, in ``lang``.

    Useful for command lines and tests: ``format_errors(exc)`` gives the same lines
    whether one problem or twenty were found; ``format_errors(exc, "id")`` gives them in
    Indonesian where the message has a translation (rule-file problems all have one).

    Raises:
        UsageError: ``error`` is not an exception.
    """
    if not isinstance(error, BaseException):
        raise UsageError.wrong_type("error", tr("an exception"), error)
    if isinstance(error, BaseExceptionGroup):
        lines: list[str] = []
        for inner in error.exceptions:
            lines.extend(format_errors(inner, lang))
        return lines
    return [error_in(error, lang)]


def error_in(error: BaseException, lang: Language) -> str:
    """``str(error)`` in ``lang``, when the error can say it in ``lang`` (``in_lang``)."""
    in_lang = getattr(error, "in_lang", None)
    return str(in_lang(lang)) if callable(in_lang) and lang != "en" else str(error)
