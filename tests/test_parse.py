"""The expression language: tokenizer, parser, canonical rendering and limits."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit._language.expr import (
    FUNCTIONS,
    BinOp,
    Call,
    Input,
    Neg,
    Number,
    Ref,
    exact_decimal,
    render,
)
from spmkit._language.parse import MAX_DEPTH, MAX_LENGTH, MAX_NODES, height, parse_expression


def a(name: str) -> Input:
    return Input(name)


class TestParse:
    """Text becomes the tree the grammar in docs/dsl.md promises."""

    def test_precedence_and_left_associativity(self):
        """* and / bind tighter than + and -; equal operators group to the left."""
        assert parse_expression("a + b * c") == BinOp("+", a("a"), BinOp("*", a("b"), a("c")))
        assert parse_expression("a - b - c") == BinOp("-", BinOp("-", a("a"), a("b")), a("c"))
        assert parse_expression("a / b * 100") == BinOp(
            "*", BinOp("/", a("a"), a("b")), Number(Fraction(100))
        )

    def test_unary_minus_binds_tightest(self):
        """-a * b is (-a) * b."""
        assert parse_expression("-a * b") == BinOp("*", Neg(a("a")), a("b"))

    def test_numbers_are_exact(self):
        """1.5 is exactly 3/2 and 0.1 exactly 1/10."""
        assert parse_expression("1.5") == Number(Fraction(3, 2))
        assert parse_expression("0.1") == Number(Fraction(1, 10))

    def test_refs_with_dotted_ids(self):
        """@I.13.a refers to indicator I.13.a."""
        expression = parse_expression("(@I.13.a + @II.1) / 2")
        assert expression.refs == frozenset({"I.13.a", "II.1"})
        assert expression.inputs == frozenset()

    def test_functions(self):
        """sum, min, max and coalesce take one or more arguments."""
        expression = parse_expression("coalesce(a, sum(b, c), 0)")
        assert expression == Call(
            "coalesce", (a("a"), Call("sum", (a("b"), a("c"))), Number(Fraction(0)))
        )
        assert expression.inputs == frozenset({"a", "b", "c"})
        assert set(FUNCTIONS) == {"sum", "min", "max", "coalesce"}

    def test_whitespace_is_free(self):
        """Spaces, tabs and newlines between tokens do not matter."""
        assert parse_expression(" a\t/\n b ") == parse_expression("a/b")

    def test_spans_are_kept_but_not_compared(self):
        """Nodes remember where they were in the text; equality ignores it."""
        expression = parse_expression("  bumil_k4")
        assert expression.span == (2, 10)
        assert expression == Input("bumil_k4")


class TestSyntaxErrors:
    """A syntax error says what is wrong, where (with a caret) and what was expected."""

    @pytest.mark.parametrize(
        ("text", "column", "fragment"),
        [
            ("a +", 4, "unexpected end of expression"),
            ("(a + b", 7, "expected ')' or an operator"),
            ("a + b)", 6, "unbalanced ')'"),
            ("a b", 3, "unexpected 'b'"),
            ("", 1, "empty expression"),
            ("a % b", 3, "'%' is not an operator"),
            ("foo(a)", 1, "expected one of coalesce, max, min, sum"),
            ("sum", 4, "function 'sum' needs its arguments in parentheses"),
            ("max()", 5, "max() needs an argument"),
            ("sum(a b)", 7, "expected ',' or ')'"),
            ("a @ b", 3, "'@' must be followed by an indicator id"),
            ("1e5", 2, "unexpected 'e5'"),
            ("a ** 2", 4, "unexpected '*'"),
        ],
    )
    def test_message(self, text, column, fragment):
        """The message names the column and the problem."""
        with pytest.raises(spmkit.ExpressionSyntaxError) as caught:
            parse_expression(text)
        error = caught.value
        assert error.position == column - 1
        assert f"at column {column}" in str(error)
        assert fragment in str(error)

    def test_caret_under_column(self):
        """The second line of context has the caret under the offending character."""
        with pytest.raises(spmkit.ExpressionSyntaxError) as caught:
            parse_expression("bumil_k4 / * 100")
        lines = str(caught.value).splitlines()
        assert lines[1] == "    bumil_k4 / * 100"
        assert lines[2] == "               ^"

    @pytest.mark.parametrize(
        "text",
        [
            "__import__('os').system('touch x')",
            "exec('print(1)')",
            "a.__class__",
            "lambda: 1",
            "[a for a in b]",
            "a if b else c",
            "open('/etc/passwd')",
        ],
    )
    def test_python_is_not_an_expression(self, text):
        """Python code is refused by the parser; nothing is ever evaluated by Python."""
        with pytest.raises(spmkit.ExpressionSyntaxError):
            parse_expression(text)

    def test_not_text(self):
        """Only text is parsed."""
        with pytest.raises(spmkit.UsageError, match="text must be an expression as text"):
            parse_expression(100)  # type: ignore[arg-type]


class TestLimits:
    """Hard limits on length, node count and depth; each at and just over its value."""

    def test_length_at_and_over(self):
        """MAX_LENGTH characters parse; one more is refused before tokenizing."""
        text = "a" * MAX_LENGTH
        assert parse_expression(text) == Input(text)
        with pytest.raises(spmkit.ExpressionLimitError, match=f"at most {MAX_LENGTH}"):
            parse_expression(text + "a")

    def test_nodes_at_and_over(self):
        """MAX_NODES nodes parse; more are refused."""
        arguments = (MAX_NODES - 1) // 2
        text = "sum(" + ", ".join(["-a"] * arguments) + ")"
        assert len(parse_expression(text).args) == arguments
        with pytest.raises(spmkit.ExpressionLimitError, match="node count"):
            parse_expression("sum(" + ", ".join(["-a"] * (arguments + 1)) + ")")

    def test_depth_at_and_over(self):
        """MAX_DEPTH levels of nesting parse; one more is refused without a RecursionError."""
        deep = "-" * (MAX_DEPTH - 1) + "a"
        assert height(parse_expression(deep)) == MAX_DEPTH
        with pytest.raises(spmkit.ExpressionLimitError, match="nesting depth"):
            parse_expression("-" + deep)

    def test_deep_parentheses_do_not_recurse(self):
        """Thousands of parentheses are refused with our error, not a RecursionError."""
        with pytest.raises(spmkit.ExpressionLimitError):
            parse_expression("(" * 1500 + "a" + ")" * 1500)

    def test_long_chains_are_bounded_by_height(self):
        """a + a + ... is as deep as it is long; sum() is the flat way to add many terms."""
        with pytest.raises(spmkit.ExpressionLimitError, match="nesting depth"):
            parse_expression(" + ".join(["a"] * (MAX_DEPTH + 1)))
        assert height(parse_expression("sum(" + ", ".join(["a"] * 200) + ")")) == 2


names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in FUNCTIONS)
numbers = st.builds(
    lambda whole, decimals, places: Number(Fraction(whole) + Fraction(decimals, 10**places)),
    st.integers(0, 10**6),
    st.integers(0, 99),
    st.integers(2, 4),
)
refs = st.from_regex(r"[A-Z]{1,3}(\.[0-9a-z]{1,2}){0,2}", fullmatch=True).map(Ref)
expressions = st.recursive(
    st.one_of(names.map(Input), numbers, refs),
    lambda inner: st.one_of(
        st.builds(BinOp, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.builds(Neg, inner),
        st.builds(
            Call, st.sampled_from(sorted(FUNCTIONS)), st.lists(inner, min_size=1, max_size=3)
        ),
    ),
    max_leaves=20,
)


class TestRoundTrip:
    """render() is canonical text and parse(render(e)) == e."""

    @given(expressions)
    def test_parse_render_round_trip(self, expression):
        """Every tree survives a trip through its canonical text."""
        assert parse_expression(render(expression)) == expression

    @given(expressions)
    def test_render_is_a_fixed_point(self, expression):
        """Rendering the parse of a canonical text gives the same text."""
        text = render(expression)
        assert render(parse_expression(text)) == text

    @pytest.mark.parametrize(
        ("text", "canonical"),
        [
            ("(a)/(b)*100", "a / b * 100"),
            ("a-(b-c)", "a - (b - c)"),
            ("(a-b)-c", "a - b - c"),
            ("a/(b*c)", "a / (b * c)"),
            ("-(a+b)", "-(a + b)"),
            ("- -a", "--a"),
            ("1.50", "1.5"),
            ("007", "7"),
            ("SUM(a)".lower(), "sum(a)"),
            ("coalesce( a ,0 )", "coalesce(a, 0)"),
            ("@I.1/@I.2", "@I.1 / @I.2"),
        ],
    )
    def test_canonical_text(self, text, canonical):
        """Known spellings have the documented canonical form."""
        assert render(parse_expression(text)) == canonical

    def test_str_is_render(self):
        """str() of a node is its canonical text."""
        assert str(parse_expression("a/b")) == "a / b"


class TestNumbers:
    """Number literals are exact, non-negative decimals."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (Fraction(3, 2), "1.5"),
            (Fraction(1, 8), "0.125"),
            (Fraction(100), "100"),
            (Fraction(1, 3), "1/3"),
        ],
    )
    def test_exact_decimal(self, value, text):
        """Finite decimals are written exactly; others as a fraction."""
        assert exact_decimal(value) == text

    def test_negative_literal_is_refused(self):
        """A negative number is Neg(Number), so the canonical text is unique."""
        with pytest.raises(ValueError, match="non-negative"):
            Number(Fraction(-1))

    def test_non_decimal_literal_is_refused(self):
        """1/3 has no decimal spelling, so it is not a literal."""
        with pytest.raises(ValueError, match="finite decimal"):
            Number(Fraction(1, 3))
