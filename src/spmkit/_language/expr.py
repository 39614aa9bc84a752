"""The expression tree of indicator formulas, and its canonical text.

An indicator's numerator and denominator are small arithmetic expressions over named
inputs (``bumil_k4``), numbers (``1.5``), other indicators' values (``@I.1``), the four
operators and the functions ``sum``, ``min``, ``max`` and ``coalesce``. This module holds
the frozen node classes and :func:`render`; it does not parse (see :mod:`spmkit._language.parse`)
and does not evaluate (see :mod:`spmkit._evaluation.scalar`).

Nodes compare by structure only: where a node came from in the text (its ``span``) is
kept for messages but ignored by ``==``, so ``parse(render(e)) == e`` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Final, Literal, TypeAlias

import attrs

from spmkit._frozen import as_tuple
from spmkit.errors import UsageError

__all__ = [
    "FUNCTIONS",
    "BinOp",
    "Call",
    "Expression",
    "Input",
    "Neg",
    "Number",
    "Ref",
    "exact_decimal",
    "render",
    "render_fraction",
    "render_operand",
    "walk",
]

Span: TypeAlias = tuple[int, int] | None
"""Start and end offsets of a node in the text it was parsed from, if any."""

Operator: TypeAlias = Literal["+", "-", "*", "/"]

FUNCTIONS: Final = frozenset({"sum", "min", "max", "coalesce"})
"""The functions an expression may call; each takes one or more arguments."""

_SPAN = attrs.field(default=None, eq=False, repr=False, kw_only=True)


def _is_finite_decimal(_instance: object, _attribute: object, value: Fraction) -> None:
    if not isinstance(value, Fraction):
        msg = f"a number literal must be a Fraction (got {value!r})"
        raise TypeError(msg)
    if value < 0:
        msg = f"a number literal must be non-negative; negate it with Neg (got {value})"
        raise UsageError(msg)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        msg = f"a number literal must have a finite decimal expansion (got {value})"
        raise UsageError(msg)


class _Node:
    """Shared behaviour of all expression nodes (no state of its own)."""

    __slots__ = ()

    @property
    def inputs(self) -> frozenset[str]:
        """Names of the inputs this expression reads."""
        return frozenset(node.name for node in walk(self) if isinstance(node, Input))  # type: ignore[arg-type]

    @property
    def refs(self) -> frozenset[str]:
        """Ids of the indicators whose values this expression uses."""
        return frozenset(node.indicator_id for node in walk(self) if isinstance(node, Ref))  # type: ignore[arg-type]

    def __str__(self) -> str:
        return render(self)  # type: ignore[arg-type]


@attrs.frozen
class Number(_Node):
    """A non-negative number literal, kept exactly (``1.5`` is 3/2)."""

    value: Fraction = attrs.field(validator=_is_finite_decimal)
    span: Span = _SPAN


@attrs.frozen
class Input(_Node):
    """A declared input, by name."""

    name: str
    span: Span = _SPAN


@attrs.frozen
class Ref(_Node):
    """The value of another indicator (``@I.1``), for composite indicators."""

    indicator_id: str
    span: Span = _SPAN


@attrs.frozen
class Neg(_Node):
    """Unary minus."""

    operand: Expression
    span: Span = _SPAN


@attrs.frozen
class BinOp(_Node):
    """A binary operation; ``+ -`` bind looser than ``* /``, all are left-associative."""

    op: Operator = attrs.field(validator=attrs.validators.in_(("+", "-", "*", "/")))
    left: Expression
    right: Expression
    span: Span = _SPAN


@attrs.frozen
class Call(_Node):
    """A call of one of :data:`FUNCTIONS` with at least one argument."""

    function: str = attrs.field(validator=attrs.validators.in_(FUNCTIONS))
    args: tuple[Expression, ...] = attrs.field(
        validator=attrs.validators.min_len(1), converter=as_tuple
    )
    span: Span = _SPAN


Expression: TypeAlias = Number | Input | Ref | Neg | BinOp | Call
"""Any expression node."""


def walk(expression: Expression) -> Iterator[Expression]:
    """Yield ``expression`` and every node below it, depth first, without recursion."""
    stack: list[Expression] = [expression]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, BinOp):
            stack.extend((node.right, node.left))
        elif isinstance(node, Neg):
            stack.append(node.operand)
        elif isinstance(node, Call):
            stack.extend(reversed(node.args))


_PRECEDENCE: Final = {"+": 1, "-": 1, "*": 2, "/": 2}
_UNARY: Final = 3
_ATOM: Final = 4


def _precedence(node: Expression) -> int:
    if isinstance(node, BinOp):
        return _PRECEDENCE[node.op]
    if isinstance(node, Neg):
        return _UNARY
    return _ATOM


def exact_decimal(value: Fraction) -> str:
    """Write a fraction with a finite decimal expansion exactly (3/2 -> ``"1.5"``).

    Fractions without one (1/3) are written as ``"1/3"``.
    """
    # On the integers (no Fraction arithmetic): explanations call this for every number.
    numerator, denominator = value.numerator, value.denominator
    sign = "-" if numerator < 0 else ""
    numerator = abs(numerator)
    if denominator == 1:
        return f"{sign}{numerator}"
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{sign}{numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = str(numerator * 10**digits // value.denominator).rjust(digits + 1, "0")
    return f"{sign}{scaled[:-digits]}.{scaled[-digits:]}"


def render(
    expression: Expression, *, leaf: Callable[[Expression], str | None] | None = None
) -> str:
    """Return the canonical text of an expression.

    Canonical means: single spaces around binary operators, none after unary minus or
    inside parentheses, ``", "`` between arguments, numbers in plain decimal notation and
    parentheses only where precedence or associativity needs them. Parsing the result
    gives back an equal expression.

    ``leaf``, if given, may return the text for a node instead (explanations use it to
    show the values in place of input names); returning None keeps the normal text.
    """
    if leaf is not None:
        replaced = leaf(expression)
        if replaced is not None:
            return replaced
    if isinstance(expression, Number):
        return exact_decimal(expression.value)
    if isinstance(expression, Input):
        return expression.name
    if isinstance(expression, Ref):
        return f"@{expression.indicator_id}"
    if isinstance(expression, Neg):
        inner = render(expression.operand, leaf=leaf)
        if _precedence(expression.operand) < _UNARY:
            inner = f"({inner})"
        return f"-{inner}"
    if isinstance(expression, Call):
        return f"{expression.function}({', '.join(render(a, leaf=leaf) for a in expression.args)})"
    precedence = _PRECEDENCE[expression.op]
    left = render(expression.left, leaf=leaf)
    if _precedence(expression.left) < precedence:
        left = f"({left})"
    right = render(expression.right, leaf=leaf)
    # Left-associative: a right operand of equal precedence needs parentheses (a - (b - c)).
    if _precedence(expression.right) <= precedence:
        right = f"({right})"
    return f"{left} {expression.op} {right}"


def render_operand(
    expression: Expression, leaf: Callable[[Expression], str | None] | None = None
) -> str:
    """The text of a numerator or denominator, in parentheses when it is an operation."""
    text = render(expression, leaf=leaf)
    return f"({text})" if isinstance(expression, BinOp) else text


def render_fraction(numerator: Expression, denominator: Expression, factor: Fraction) -> str:
    """An indicator's formula as text, with the parentheses its precedence needs.

    >>> from spmkit._language.parse import parse_expression as parse
    >>> render_fraction(parse("a + b"), parse("c + d"), Fraction(100))
    '(a + b) / (c + d) x 100'
    """
    return f"{render_operand(numerator)} / {render_operand(denominator)} x {exact_decimal(factor)}"
