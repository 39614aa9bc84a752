"""Dimensional analysis of a rule set: every formula's unit against its target's unit.

Units are propagated through each expression tree when a rule set is built, never when
it is evaluated: an input has its declared unit, ``+ - min max sum coalesce`` need the
same unit on every side, ``* /`` combine units, a number literal fits any unit beside it
(``coalesce(x, 0)``) and is a plain number in a product. An indicator's value is
``numerator / denominator x factor``, so its unit is ``unit(numerator) / unit(denominator)
/ factor``: persons over persons with factor 100 is *percent*. That unit must be exactly
the target's (``target.unit``, or by default the factor as a plain scale). Problems are
returned, not raised, so a loader reports them with every other problem of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from spmkit._language.expr import Call, Expression, Input, Neg, Number, Ref, exact_decimal, render
from spmkit._rulesets.units import ParsedUnit, parse_unit
from spmkit._translation import Bilingual, tr
from spmkit._yamlload import child_path
from spmkit.errors import RuleSetError, UnitMismatchError, UnknownUnitError

if TYPE_CHECKING:
    from spmkit._rulesets.model import Indicator, InputSpec

__all__ = ["check_units"]


class _Literal:
    """The unit of a number literal: whatever unit it stands beside."""


_LITERAL: Final = _Literal()
_Unit = ParsedUnit | _Literal | None  # None: unknown (already reported elsewhere)

_HINT: Final = tr(
    "fix the inputs' units, declare the target's unit (target: {{unit: ...}}), or, if the "
    "regulation prints it so, accept it with units: {{accept: ..., note: ...}} (docs/units.md)"
)


def _joined(units: list[ParsedUnit]) -> str:
    """Units in words, joined by "and" in both languages."""
    shown = [words(unit) for unit in units]
    return Bilingual(" and ".join(shown), " dan ".join(shown))


def words(unit: ParsedUnit) -> str:
    """A unit in words with its dimension: ``person / village ([person] / [village])``."""
    return f"{unit} ({unit.dimensions})"


class _Checker:
    def __init__(
        self, inputs: Mapping[str, InputSpec], indicators: Mapping[str, Indicator]
    ) -> None:
        self.inputs = inputs
        self.indicators = indicators
        self.problems: list[RuleSetError] = []
        self.input_units: dict[str, ParsedUnit | None] = {}
        self.value_units: dict[str, ParsedUnit | None] = {}
        self.visiting: set[str] = set()
        self.one = parse_unit("1")

    def mismatch(self, path: str, message: str, indicator_id: str | None) -> None:
        self.problems.append(UnitMismatchError(message, path=path, indicator_id=indicator_id))

    def parse(self, text: str, path: str, indicator_id: str | None = None) -> ParsedUnit | None:
        try:
            return parse_unit(text)
        except UnknownUnitError as exc:
            self.problems.append(
                UnknownUnitError(exc.message, path=path, indicator_id=indicator_id)
            )
            return None

    def check_inputs(self) -> None:
        for name, spec in self.inputs.items():
            path = child_path(child_path("$.inputs", name), "unit")
            self.input_units[name] = self.parse(spec.unit, path)

    def value_unit(self, indicator_id: str) -> ParsedUnit | None:
        """The unit of an indicator's value; None when unknown or in a reference cycle.

        :func:`check_units` visits the indicators in reference order, so a reference
        finds its unit already known; one not yet known is in a cycle (reported by
        :func:`spmkit._rulesets.check.check_references`), and is not followed: no chain of
        references, however long, deepens the stack.
        """
        if indicator_id in self.value_units:
            return self.value_units[indicator_id]
        indicator = self.indicators.get(indicator_id)
        if indicator is None or self.visiting:
            return None
        self.visiting.add(indicator_id)
        try:
            unit = self.check_indicator(indicator)
        finally:
            self.visiting.discard(indicator_id)
        self.value_units[indicator_id] = unit
        return unit

    def check_indicator(self, indicator: Indicator) -> ParsedUnit | None:
        base = child_path("$.indicators", indicator.id)
        parts: list[ParsedUnit | None] = []
        for part in ("numerator", "denominator"):
            expression: Expression = getattr(indicator, part)
            found = _infer(expression, self, indicator.id, f"{base}.{part}")
            parts.append(self.one if isinstance(found, _Literal) else found)
        numerator, denominator = parts
        if numerator is None or denominator is None:
            return None
        ratio = numerator / denominator
        value = ratio.scaled(1 / indicator.factor)
        plain = self.one.scaled(1 / indicator.factor)
        if indicator.coverage and not numerator.same_as(denominator):
            self.mismatch(
                f"{base}.coverage",
                tr(
                    "indicator {id!r} is declared a coverage (its numerator a subset of "
                    "its denominator), so both must count the same thing; the numerator is "
                    "in {words}, the denominator in {target}",
                    id=indicator.id,
                    words=words(numerator),
                    target=words(denominator),
                ),
                indicator.id,
            )
            return value  # one problem: the target comparison would repeat it
        target = plain
        if indicator.target.unit is not None:
            declared = self.parse(indicator.target.unit, f"{base}.target.unit", indicator.id)
            if declared is None:
                return value
            target = declared
        judged = value
        if indicator.units is not None:
            path = f"{base}.units.accept"
            accepted = self.parse(indicator.units.accept, path, indicator.id)
            if accepted is None:
                return value
            if not ratio.same_as(accepted):
                problem = tr(
                    "indicator {id!r} accepts numerator / denominator in {words}, but its "
                    "formula gives {target}",
                    id=indicator.id,
                    words=words(accepted),
                    target=words(ratio),
                )
                self.mismatch(path, problem, indicator.id)
                return value
            if value.same_as(target):
                self.mismatch(
                    path,
                    tr(
                        "indicator {id!r} accepts a unit discrepancy that is not there: its "
                        "formula gives {words}, as its target; remove 'units'",
                        id=indicator.id,
                        words=words(value),
                    ),
                    indicator.id,
                )
                return value
            judged = plain
        if not judged.same_as(target):
            factor = judged.factor_to(target)
            scale = (
                ""
                if factor is None
                else tr(
                    " (same dimension, other scale: 1 in the formula's unit is {factor} in "
                    "the target's; check the factor, and inputs in percent or per mille, "
                    "which are read as the number printed)",
                    factor=exact_decimal(factor),
                )
            )
            self.mismatch(
                f"{base}.target",
                tr(
                    "indicator {id!r}: the formula gives {words} but the target is in "
                    "{target}{scale}; {hint}",
                    id=indicator.id,
                    words=words(judged),
                    target=words(target),
                    scale=scale,
                    hint=_HINT,
                ),
                indicator.id,
            )
        return value


def _infer(expression: Expression, checker: _Checker, indicator_id: str, path: str) -> _Unit:
    """Return the unit of an expression, reporting the first mismatch found in it."""

    def mismatch(node: Expression, what: str, units: list[ParsedUnit]) -> None:
        shown = _joined(units)
        same_dimension = all(u.same_dimension(units[0]) for u in units)
        fix = (
            tr(
                "the units have the same dimension but a different scale; declare the "
                "inputs in one unit"
            )
            if same_dimension
            else tr("only amounts of the same unit can be added")
            if what == "add"
            else tr("only amounts of the same unit can be combined")
        )
        checker.mismatch(
            path,
            tr(
                "indicator {indicator_id!r}: cannot {what} {shown} in '{render}'; {fix}",
                indicator_id=indicator_id,
                what=what,
                shown=shown,
                render=render(node),
                fix=fix,
            ),
            indicator_id,
        )

    def same(node: Expression, what: str, found: list[_Unit]) -> _Unit:
        if any(u is None for u in found):
            return None
        units = [u for u in found if isinstance(u, ParsedUnit)]
        if not units:
            return _LITERAL
        if all(u.same_as(units[0]) for u in units):
            return units[0]
        mismatch(node, what, units)
        return None

    def visit(node: Expression) -> _Unit:
        if isinstance(node, Number):
            return _LITERAL
        if isinstance(node, Input):
            return checker.input_units.get(node.name)
        if isinstance(node, Ref):
            return checker.value_unit(node.indicator_id)
        if isinstance(node, Neg):
            return visit(node.operand)
        if isinstance(node, Call):
            return same(
                node,
                tr("combine in {function}()", function=node.function),
                [visit(a) for a in node.args],
            )
        left, right = visit(node.left), visit(node.right)
        if node.op in "+-":
            return same(node, tr("add") if node.op == "+" else tr("subtract"), [left, right])
        if left is None or right is None:
            return None
        combine: Callable[[ParsedUnit, ParsedUnit], ParsedUnit] = (
            ParsedUnit.__mul__ if node.op == "*" else ParsedUnit.__truediv__
        )
        if isinstance(left, _Literal) and isinstance(right, _Literal):
            return _LITERAL
        try:
            return combine(
                checker.one if isinstance(left, _Literal) else left,
                checker.one if isinstance(right, _Literal) else right,
            )
        except UnknownUnitError as exc:  # a scale or power over the limits
            checker.mismatch(
                path,
                tr(
                    "indicator {indicator_id!r}: '{render}' gives {problem}",
                    indicator_id=indicator_id,
                    render=render(node),
                    problem=exc.message,
                ),
                indicator_id,
            )
            return None

    return visit(expression)


def check_units(
    *, inputs: Mapping[str, InputSpec], indicators: Mapping[str, Indicator]
) -> list[RuleSetError]:
    """Return every unit problem of these inputs and indicators (empty when sound).

    Unknown unit names, sums of different units, and formulas whose unit is not their
    target's. Names that are not declared and reference cycles are skipped here: they are
    reported by :func:`spmkit._rulesets.check.check_references`.
    """
    checker = _Checker(inputs, indicators)
    checker.check_inputs()
    for indicator_id in _reference_order(indicators):
        checker.value_unit(indicator_id)
    return checker.problems


def _reference_order(indicators: Mapping[str, Indicator]) -> list[str]:
    """Indicator ids, each after the ones it references (iterative; cycles are cut)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the path, 2 = placed
    for root in indicators:
        stack = [(root, iter(sorted(indicators[root].refs)))]
        state.setdefault(root, 1)
        if state[root] == 2:
            continue
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif child in indicators and child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(indicators[child].refs))))
    return order
