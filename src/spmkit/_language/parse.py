"""Text to expression tree: spmkit's own tokenizer and recursive-descent parser.

Rule files are written by other people, so the text of a formula is data and never code:
it is tokenized and parsed here into the frozen nodes of :mod:`spmkit._language.expr`, and nothing
in spmkit hands it to ``eval``, ``exec``, ``compile`` or Python's ``ast`` module. The
grammar (EBNF, also in ``docs/dsl.md``)::

    expression = term , { ( "+" | "-" ) , term } ;
    term       = unary , { ( "*" | "/" ) , unary } ;
    unary      = "-" , unary | primary ;
    primary    = number | name | ref | call | "(" , expression , ")" ;
    call       = function , "(" , expression , { "," , expression } , ")" ;
    function   = "sum" | "min" | "max" | "coalesce" ;
    number     = digit , { digit } , [ "." , digit , { digit } ] ;
    name       = letter_ , { letter_ | digit } ;          (* not a function name *)
    ref        = "@" , id_part , { "." , id_part } ;       (* another indicator's value *)
    id_part    = ( letter_ | digit ) , { letter_ | digit } ;

Limits (every one is checked before it can cost time or stack): see the ``MAX_*`` constants.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final

import attrs

from spmkit._arguments import require
from spmkit._language.expr import FUNCTIONS, BinOp, Call, Expression, Input, Neg, Number, Ref
from spmkit._limits import MAX_DIGITS
from spmkit._translation import tr
from spmkit.errors import ExpressionLimitError, ExpressionSyntaxError

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "height", "parse_expression"]

MAX_LENGTH: Final = 4000
"""Longest expression text, in characters. The longest formula in a shipped rule set is
under 100 characters; a composite index over 50 indicators fits easily."""

MAX_NODES: Final = 500
"""Most nodes (numbers, names, operators, calls) in one expression."""

MAX_DEPTH: Final = 64
"""Deepest nesting of the tree. Bounds the recursion of the parser and of every
evaluator, far below Python's recursion limit. ``a + b + c`` is as deep as it has terms;
``sum(a, b, c)`` is flat, so use ``sum`` for long sums."""

_TOKEN: Final = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ref>@[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)
  | (?P<op>[-+*/])
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
    """,
    re.VERBOSE,
)

_START_OF_OPERAND: Final = tr("a number, an input name, '@indicator', a function call, '-' or '('")


@attrs.frozen
class _Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return tr("end of expression")
    return f"{token.text!r}"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            if char == "@":
                problem = tr("'@' must be followed by an indicator id such as @I.1")
            elif char in "'\"":
                problem = tr("quotes are not part of the expression language")
            elif char == "%":
                problem = tr("'%' is not an operator; the percentage is the indicator's factor")
            else:
                problem = tr("unexpected character {char!r}", char=char)
            raise ExpressionSyntaxError(text, position, problem, _START_OF_OPERAND)
        kind = match.lastgroup
        assert kind is not None  # noqa: S101 - every alternative is a named group
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the token list; counts nodes and nesting as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.nodes = 0
        self.nesting = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(
        self, token: _Token, expected: str, problem: str | None = None
    ) -> ExpressionSyntaxError:
        if problem is None:
            problem = tr("unexpected {token}", token=_describe(token))
        return ExpressionSyntaxError(self.text, token.start, problem, expected)

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionLimitError(tr("node count"), MAX_NODES, self.nodes)

    def nest(self) -> None:
        # Every recursion of the parser (parentheses, calls, unary minus) goes through
        # here, so the Python stack stays bounded whatever the text.
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExpressionLimitError(tr("nesting depth"), MAX_DEPTH, self.nesting)

    def expression(self) -> Expression:
        left = self.term()
        while self.current.kind == "op" and self.current.text in "+-":
            op = self.advance().text
            right = self.term()
            self.count()
            left = BinOp(op, left, right, span=(_start(left), _end(right)))  # type: ignore[arg-type]
        return left

    def term(self) -> Expression:
        left = self.unary()
        while self.current.kind == "op" and self.current.text in "*/":
            op = self.advance().text
            right = self.unary()
            self.count()
            left = BinOp(op, left, right, span=(_start(left), _end(right)))  # type: ignore[arg-type]
        return left

    def unary(self) -> Expression:
        token = self.current
        if token.kind == "op" and token.text == "-":
            self.advance()
            self.count()
            self.nest()
            operand = self.unary()
            self.nesting -= 1
            return Neg(operand, span=(token.start, _end(operand)))
        return self.primary()

    def primary(self) -> Expression:
        token = self.advance()
        if token.kind == "number":
            self.count()
            digits = len(token.text) - ("." in token.text)
            if digits > MAX_DIGITS:
                raise ExpressionLimitError(tr("number length in digits"), MAX_DIGITS, digits)
            return Number(Fraction(token.text), span=(token.start, token.end))
        if token.kind == "ref":
            self.count()
            return Ref(token.text[1:], span=(token.start, token.end))
        if token.kind == "name":
            if self.current.kind == "lparen":
                return self.call(token)
            if token.text in FUNCTIONS:
                raise self.fail(
                    self.current,
                    f"'(' after {token.text!r}",
                    f"function {token.text!r} needs its arguments in parentheses",
                )
            self.count()
            return Input(token.text, span=(token.start, token.end))
        if token.kind == "lparen":
            self.nest()
            inner = self.expression()
            self.nesting -= 1
            closing = self.advance()
            if closing.kind != "rparen":
                raise self.fail(closing, tr("')' or an operator (+ - * /)"))
            return inner
        raise self.fail(token, _START_OF_OPERAND)

    def call(self, name: _Token) -> Expression:
        if name.text not in FUNCTIONS:
            raise ExpressionSyntaxError(
                self.text,
                name.start,
                tr("unknown function {name!r}", name=name.text),
                tr("one of {names}", names=", ".join(sorted(FUNCTIONS))),
            )
        self.advance()  # "("
        if self.current.kind == "rparen":
            raise self.fail(
                self.current, _START_OF_OPERAND, tr("{name}() needs an argument", name=name.text)
            )
        self.count()
        self.nest()
        args = [self.expression()]
        while self.current.kind == "comma":
            self.advance()
            args.append(self.expression())
        self.nesting -= 1
        closing = self.advance()
        if closing.kind != "rparen":
            raise self.fail(closing, tr("',' or ')'"))
        return Call(name.text, tuple(args), span=(name.start, closing.end))


def height(expression: Expression) -> int:
    """Return the number of levels of an expression tree (a single name is 1)."""
    deepest = 0
    stack: list[tuple[Expression, int]] = [(expression, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, BinOp):
            stack.extend(((node.left, level + 1), (node.right, level + 1)))
        elif isinstance(node, Neg):
            stack.append((node.operand, level + 1))
        elif isinstance(node, Call):
            stack.extend((arg, level + 1) for arg in node.args)
    return deepest


def _start(node: Expression) -> int:
    return node.span[0] if node.span is not None else 0


def _end(node: Expression) -> int:
    return node.span[1] if node.span is not None else 0


def parse_expression(text: str) -> Expression:
    """Parse the text of a formula into an expression tree.

    >>> from spmkit._language.expr import render
    >>> render(parse_expression("(bumil_k4)/sasaran_bumil*100"))
    'bumil_k4 / sasaran_bumil * 100'

    Raises:
        ExpressionSyntaxError: the text is not an expression; the message shows the text
            with a caret under the offending column and says what was expected there.
        ExpressionLimitError: the text is longer, or the tree larger or deeper, than the
            limits ``MAX_LENGTH``, ``MAX_NODES`` and ``MAX_DEPTH``.
    """
    if not isinstance(text, str):
        require(text, "text", str, tr("an expression as text"))
    if len(text) > MAX_LENGTH:
        raise ExpressionLimitError(tr("length in characters"), MAX_LENGTH, len(text))
    parser = _Parser(text)
    if parser.current.kind == "end":
        raise ExpressionSyntaxError(text, 0, tr("empty expression"), _START_OF_OPERAND)
    tree = parser.expression()
    if parser.current.kind != "end":
        token = parser.current
        expected = "an operator (+ - * /) or the end of the expression"
        if token.kind == "rparen":
            raise parser.fail(token, expected, "unbalanced ')'")
        raise parser.fail(token, expected)
    depth = height(tree)
    if depth > MAX_DEPTH:
        raise ExpressionLimitError(tr("nesting depth"), MAX_DEPTH, depth)
    return tree
