"""What the scalar evaluator needs to know of a rule set, worked out once per rule set.

:func:`plan_of` turns a rule set into a :class:`Plan`: its inputs as plain lookups, and
per indicator the integers of its factor and target, which of its operands are single
inputs, and the fixed fields of its results (a template for
:func:`~spmkit._evaluation.results.assemble`). Plans are immutable and cached by rule set
identity (bounded, checked with ``is``), so threads share them safely; a plan computed
twice by two threads at once is an equivalent plan.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import attrs

from spmkit._caches import identity_cache
from spmkit._evaluation.results import Status, result_template
from spmkit._language.expr import BinOp, Call, Expression, Input, Neg, Number
from spmkit._rulesets.model import Indicator, InputSpec, RuleSet
from spmkit._rulesets.reader import resolve_rule_set

__all__ = ["COMPARE", "FRACTION_SLOTS", "IndicatorPlan", "Plan", "exact", "plan_of", "ratio"]

COMPARE: Final[dict[str, Callable[[int, int], bool]]] = {
    ">=": int.__ge__,
    ">": int.__gt__,
    "<=": int.__le__,
    "<": int.__lt__,
    "==": int.__eq__,
}
"""A target's comparator on integers (both sides cross-multiplied)."""


@attrs.frozen(eq=False)
class IndicatorPlan:
    """One indicator, prepared for integer arithmetic.

    Attributes:
        indicator: the indicator itself (for the general path and the explanation).
        numerator_input, denominator_input: the input an operand is, when it is a single
            input; None for an expression.
        numerator_whole, denominator_whole: an operand that is an expression of inputs
            and whole numbers without division or references (``a + b``, ``sum(a, b)``),
            whose value is an int when its inputs are; None otherwise (then the general
            path evaluates it with Fractions).
        factor_n, factor_d: the factor as a fraction of integers (100 is 100/1).
        target_p, target_q: the target value likewise; ``compare`` its comparator.
        coverage: a numerator above the denominator is flagged (``coverage`` not false).
        template: the fixed fields of the indicator's results.
    """

    indicator: Indicator
    numerator_input: str | None
    denominator_input: str | None
    numerator_whole: Expression | None
    denominator_whole: Expression | None
    factor_n: int
    factor_d: int
    target_p: int
    target_q: int
    compare: Callable[[int, int], bool]
    coverage: bool
    template: MappingProxyType[str, Any]

    @classmethod
    def build(cls, indicator: Indicator, small: int, language: str = "en") -> IndicatorPlan:
        """Prepare one indicator of a rule set whose small-denominator threshold is ``small``."""
        numerator, denominator = indicator.numerator, indicator.denominator
        factor, target = indicator.factor, indicator.target
        template = result_template(
            indicator_id=indicator.id,
            name=indicator.name,
            status=Status.UNDEFINED,
            numerator=None,
            denominator=None,
            factor=factor,
            exact_value=None,
            met=None,
            exact_gap=None,
            exceeds_denominator=False,
            missing_inputs=(),
            target=target,
            deadline=indicator.deadline,
            source=indicator.source,
            target_source=indicator.source_of("target"),
            explanation="",
            small_denominator_threshold=small,
            indicator=indicator,
            language=language,
        )
        # Integer decisions need a positive factor; any other goes the general way.
        simple = factor > 0
        return cls(
            indicator=indicator,
            numerator_input=numerator.name if simple and type(numerator) is Input else None,
            denominator_input=denominator.name if simple and type(denominator) is Input else None,
            numerator_whole=numerator if simple and _whole_shaped(numerator) else None,
            denominator_whole=denominator if simple and _whole_shaped(denominator) else None,
            factor_n=factor.numerator,
            factor_d=factor.denominator,
            target_p=target.value.numerator,
            target_q=target.value.denominator,
            compare=COMPARE[target.op],
            coverage=indicator.coverage is not False,
            template=template,
        )


def _whole_shaped(expression: Expression) -> bool:
    """An expression (not a lone input) that stays an int on int inputs: no ``/``, no ``@``."""
    if type(expression) is Input:
        return False  # looked up directly (``*_input``)
    return _whole_parts(expression)


def _whole_parts(expression: Expression) -> bool:
    if isinstance(expression, Input):
        return True
    if isinstance(expression, Number):
        return expression.value.denominator == 1
    if isinstance(expression, Neg):
        return _whole_parts(expression.operand)
    if isinstance(expression, BinOp):
        return (
            expression.op != "/"
            and _whole_parts(expression.left)
            and _whole_parts(expression.right)
        )
    if isinstance(expression, Call):
        return all(_whole_parts(arg) for arg in expression.args)
    return False  # a reference to another indicator: its value is a Fraction


@attrs.frozen(eq=False)
class Plan:
    """A rule set prepared for the scalar evaluator.

    Attributes:
        rule_set: the rule set it was made from (the cache checks identity).
        inputs: input name -> spec, as a read-only dict view (fast lookups).
        unbounded: inputs without ``min``/``max``: a non-negative int in range fits them.
        defaults: (name, default) of the optional inputs that have one.
    """

    rule_set: RuleSet
    inputs: MappingProxyType[str, InputSpec]
    unbounded: frozenset[str]
    defaults: tuple[tuple[str, Fraction], ...]

    @classmethod
    def build(cls, rule_set: RuleSet) -> Plan:
        """Prepare a rule set's inputs (the indicators are prepared on first evaluation)."""
        inputs = rule_set.inputs
        return cls(
            rule_set=rule_set,
            inputs=MappingProxyType(dict(inputs)),
            unbounded=frozenset(
                name
                for name, spec in inputs.items()
                if spec.minimum is None and spec.maximum is None
            ),
            defaults=tuple(
                (name, spec.default) for name, spec in inputs.items() if spec.default is not None
            ),
        )

    @functools.cached_property
    def indicators(self) -> tuple[IndicatorPlan, ...]:
        """Every indicator, in evaluation order (references first).

        Made on first use (about 10 us an indicator), so that :func:`validate_data` alone
        does not pay for it; two threads may both make it, equivalently.
        """
        rule_set = self.rule_set
        small = rule_set.small_denominator
        return tuple(
            IndicatorPlan.build(rule_set.indicators[i], small, rule_set.language)
            for i in rule_set.evaluation_order
        )

    @functools.cached_property
    def in_order(self) -> bool:
        """The evaluation order is the regulation's order (no reordering of results needed)."""
        return tuple(self.rule_set.evaluation_order) == tuple(self.rule_set.indicators)


@identity_cache(32)
def plan_of(rule_set: RuleSet | str | Path) -> Plan:
    """Return the plan of a rule set, or of a rule set's id or file (made once, reused)."""
    return Plan.build(rule_set if isinstance(rule_set, RuleSet) else resolve_rule_set(rule_set))


def _coprime_fraction(numerator: int, denominator: int) -> Fraction:
    """A Fraction of integers already in lowest terms, without normalising them again.

    What ``Fraction._from_coprime_ints`` does on Python 3.12+: fill the two slots every
    CPython Fraction has. ``Fraction(n, d)`` costs 0.4 us, most of it argument handling
    and a gcd the caller has already taken; this costs 0.1 us.
    """
    fraction = _NEW(Fraction)
    fraction._numerator = numerator  # type: ignore[attr-defined]  # noqa: SLF001 - see above
    fraction._denominator = denominator  # type: ignore[attr-defined]  # noqa: SLF001
    return fraction


def _slots_work() -> bool:
    """Whether this Python's Fraction is built as :func:`_coprime_fraction` assumes."""
    try:
        probe = _coprime_fraction(-3, 4)
    except AttributeError:
        return False
    expected = Fraction(-3, 4)
    return (
        probe == expected
        and hash(probe) == hash(expected)
        and (probe.numerator, probe.denominator) == (-3, 4)
        and str(probe) == "-3/4"
    )


_NEW: Final = object.__new__
FRACTION_SLOTS: Final = _slots_work()
"""Whether this Python's Fraction keeps its terms in ``_numerator`` and ``_denominator``."""
exact: Final[Callable[[int, int], Fraction]] = _coprime_fraction if FRACTION_SLOTS else Fraction
"""``exact(n, d)``: the Fraction n/d of integers in lowest terms with ``d > 0``."""


def ratio(numerator: int, denominator: int) -> Fraction:
    """The Fraction ``numerator / denominator`` of integers with ``denominator > 0``."""
    common = math.gcd(numerator, denominator)
    return exact(numerator // common, denominator // common)
