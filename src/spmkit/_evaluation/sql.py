"""Rule sets compiled to SQL: exact decisions inside DuckDB, PostgreSQL and other engines.

``to_sql(rule_set, table=...)`` writes one SELECT that evaluates every indicator on every
row of a table; ``evaluate_sql`` runs it on a DB-API connection and returns the
:class:`~spmkit._evaluation.batch.BatchResult` that ``evaluate_batch`` gives on the same
rows, field by field.

Every number is carried as an exact fraction ``n / d`` of integers: a count column is
itself over 1, an amount column is scaled by ``10**6`` (the batch engine's exact scale,
:data:`~spmkit._evaluation.values.MAX_DECIMALS`) in DuckDB and kept as ``NUMERIC`` in
PostgreSQL. Sums, products and quotients of fractions are fractions, so an indicator's
value is ``A / B`` with integers ``A`` and ``B > 0``, and the target ``p / q`` is met when
``A * q`` compares to ``p * B`` as the target says: integer arithmetic (DuckDB
``HUGEINT``, which raises on overflow; PostgreSQL ``NUMERIC``, which has none), never a
floating-point quotient. Only ``value``, ``gap`` and the other reported floats are
divisions, each of exact integers once, as in the batch engine. A NULL input is missing
(``no_data``); a zero denominator is ``undefined``; missing wins, as in
:mod:`spmkit._evaluation.scalar`. Docs: ``docs/sql.md``.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, Literal

import attrs

from spmkit._arguments import require_rule_set
from spmkit._evaluation.values import MAX_DECIMALS
from spmkit._language.expr import BinOp, Call, Expression, Input, Neg, Number, Ref
from spmkit._rulesets.model import Indicator, InputKind, RuleSet
from spmkit._rulesets.timeline import milestone_points
from spmkit._translation import tr
from spmkit.errors import DataError, DataInvalid, RuleSetError, UsageError

__all__ = ["DIALECTS", "evaluate_sql", "to_sql"]

Dialect = Literal["duckdb", "postgresql"]

_STATUS: Final = ("met", "not_met", "no_data", "undefined")
_AMOUNT_SCALE: Final = 10**MAX_DECIMALS
_EXACT_DOUBLE: Final = 2**53
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPS: Final = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "="}
_PREFIX: Final = "__spm"


@attrs.frozen(kw_only=True)
class _Engine:
    """What differs between SQL engines: the exact integer type, division, literals."""

    name: str
    big: str
    """The exact integer type every fraction term is computed in."""
    double: str
    text: str
    literal_limit: int | None
    """Largest integer literal the exact type holds (None: unbounded)."""

    def amount(self, column: str) -> tuple[str, int]:
        """An amount column as an exact integer over a constant scale."""
        if self.name == "postgresql":
            return f"(CAST({column} AS NUMERIC) * {_AMOUNT_SCALE})", _AMOUNT_SCALE
        # An integer or DECIMAL column scales exactly; a DOUBLE's product is rounded to the
        # nearest integer, exact while below 2**53 (the batch engine's bound).
        # (The scale is of the wide type, so a narrow integer column cannot overflow.)
        scale = f"CAST({_AMOUNT_SCALE} AS {self.big})"
        return f"CAST({column} * {scale} AS {self.big})", _AMOUNT_SCALE

    def quotient(self, left: str, right: str) -> str:
        """The whole quotient of two exact integers that divide."""
        return f"div({left}, {right})" if self.name == "postgresql" else f"({left} // {right})"


DIALECTS: Final = {
    "duckdb": _Engine(
        name="duckdb", big="HUGEINT", double="DOUBLE", text="VARCHAR", literal_limit=2**126
    ),
    "postgresql": _Engine(
        name="postgresql",
        big="NUMERIC",
        double="DOUBLE PRECISION",
        text="TEXT",
        literal_limit=None,
    ),
}
"""The SQL dialects spmkit writes (docs/sql.md says what another engine needs)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@attrs.frozen(kw_only=True)
class _Exact:
    """An exact fraction in SQL: ``n / d``, NULL ``n`` where there is no value.

    ``d`` is a positive Python int (a constant scale) or SQL that is positive wherever
    ``n`` is not NULL; ``miss`` is SQL true where the value is missing (not undefined);
    ``const`` is the value when it is known without the data.
    """

    n: str
    d: int | str
    miss: str = "FALSE"
    nonneg: bool = True
    whole: bool = True
    """Integer-valued on every row: count inputs and integers under + - * (no division)."""
    const: Fraction | None = None
    undefined: bool = False
    """A constant with no value (a division by the constant 0)."""


def _or(*terms: str) -> str:
    kept = [t for t in terms if t != "FALSE"]
    if not kept:
        return "FALSE"
    if "TRUE" in kept:
        return "TRUE"
    return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"


class _Writer:
    """Compiles one rule set's expressions for one engine."""

    def __init__(
        self,
        rule_set: RuleSet,
        engine: _Engine,
        present: Mapping[str, str] | None,
    ) -> None:
        self.rule_set = rule_set
        self.engine = engine
        self.present = present
        self.slots = {iid: slot for slot, iid in enumerate(rule_set.evaluation_order)}
        self.where = ""
        self.wide = False
        """For evaluate_sql: plain float divisions, large rows' exact terms as text."""

    def fail(self, what: str) -> RuleSetError:
        return RuleSetError(
            tr(
                "cannot compile {what} to exact {engine} SQL; "
                "evaluate this rule set with spmkit.evaluate_batch instead",
                what=what,
                engine=self.engine.name,
            ),
            path=f"$.indicators[{self.where!r}]",
            indicator_id=self.where,
        )

    def lit(self, value: int) -> str:
        """An integer literal of the exact type."""
        limit = self.engine.literal_limit
        if limit is not None and abs(value) >= limit:
            raise self.fail(f"the number {value} (above the {self.engine.big} range)")
        if abs(value) < 2**31:
            return str(value)
        return f"CAST({_string(str(value))} AS {self.engine.big})"

    def times(self, sql: str, factor: int | str) -> str:
        if isinstance(factor, str):
            return f"({sql} * {factor})"
        return sql if factor == 1 else f"({sql} * {self.lit(factor)})"

    def constant(self, value: Fraction) -> _Exact:
        return _Exact(
            n=f"CAST({self.lit(value.numerator)} AS {self.engine.big})",
            d=value.denominator,
            nonneg=value >= 0,
            whole=value.denominator == 1,
            const=value,
        )

    def column(self, name: str) -> _Exact:
        spec = self.rule_set.inputs[name]
        if self.present is not None and name not in self.present:
            column = f"CAST(NULL AS {self.engine.big})"
        elif self.present is not None and self.present[name] != "float":
            column = _quote(name)  # a column of integers or decimals: no NaN
        else:  # a float column (or one of unknown type): NaN is missing, as in batch
            double = self.engine.double
            column = (
                f"(CASE WHEN CAST({_quote(name)} AS {double}) = CAST('NaN' AS {double}) "
                f"THEN NULL ELSE {_quote(name)} END)"
            )
        whole = self.present is not None and self.present.get(name) == "int"
        if spec.kind is InputKind.COUNT or whole:  # an amount in integers needs no scale
            n, d = f"CAST({column} AS {self.engine.big})", 1
        else:
            n, d = self.engine.amount(column)
        miss = f"({column} IS NULL)"
        if spec.default is not None:
            scaled = spec.default * d
            if scaled.denominator != 1:
                raise self.fail(f"the default of {name!r} (more than {MAX_DECIMALS} decimals)")
            n, miss = f"COALESCE({n}, {self.lit(scaled.numerator)})", "FALSE"
        return _Exact(n=n, d=d, miss=miss, whole=spec.kind is InputKind.COUNT)

    def plain(self, node: Expression) -> str | None:
        """The name of an integer input column that is this term as it is, else None."""
        if not isinstance(node, Input) or self.present is None:
            return None
        spec = self.rule_set.inputs[node.name]
        whole = self.present.get(node.name) == "int" and spec.default is None
        return node.name if whole else None

    def ref(self, indicator_id: str) -> _Exact:
        slot = self.slots[indicator_id]
        return _Exact(
            n=f"{_PREFIX}{slot}_a",
            d=f"{_PREFIX}{slot}_b",
            miss=f"{_PREFIX}{slot}_m",
            nonneg=False,
            whole=False,
        )

    def expression(self, node: Expression) -> _Exact:
        if isinstance(node, Number):
            return self.constant(node.value)
        if isinstance(node, Input):
            return self.column(node.name)
        if isinstance(node, Ref):
            return self.ref(node.indicator_id)
        if isinstance(node, Neg):
            inner = self.expression(node.operand)
            if inner.const is not None:
                return self.constant(-inner.const)
            return attrs.evolve(inner, n=f"(-{inner.n})", nonneg=False)
        if isinstance(node, Call):
            args = [self.expression(arg) for arg in node.args]
            if node.function == "coalesce":
                return self.coalesce(args)
            if node.function == "sum":
                return functools.reduce(lambda a, b: self.add(a, b, 1), args)
            if node.function in {"min", "max"}:
                return self.extremum(args, smallest=node.function == "min")
            raise self.fail(f"the function {node.function}()")
        if isinstance(node, BinOp):
            left, right = self.expression(node.left), self.expression(node.right)
            if node.op in {"+", "-"}:
                return self.add(left, right, 1 if node.op == "+" else -1)
            if node.op == "*":
                return self.mul(left, right)
            if node.op == "/":
                return self.div(left, right)
        raise self.fail(f"the expression {node!r}")

    def _folded(self, args: Sequence[_Exact], combine: Callable[..., Fraction]) -> _Exact | None:
        if all(a.const is not None for a in args):
            return self.constant(combine(*(a.const for a in args)))
        return None

    def add(self, left: _Exact, right: _Exact, sign: int) -> _Exact:
        if any(a.undefined for a in (left, right)):
            return self.undefined(left, right)
        folded = self._folded((left, right), lambda a, b: a + b if sign > 0 else a - b)
        if folded is not None:
            return folded
        joiner = "+" if sign > 0 else "-"
        if isinstance(left.d, int) and isinstance(right.d, int):
            common = math.lcm(left.d, right.d)
            ln, rn = self.times(left.n, common // left.d), self.times(right.n, common // right.d)
            n, d = f"({ln} {joiner} {rn})", common
            return self._sum(n, d, (left, right), sign)
        n = f"({self.times(left.n, right.d)} {joiner} {self.times(right.n, left.d)})"
        return self._sum(n, self.product(left.d, right.d), (left, right), sign)

    @staticmethod
    def _sum(n: str, d: int | str, parts: tuple[_Exact, _Exact], sign: int) -> _Exact:
        left, right = parts
        return _Exact(
            n=n,
            d=d,
            miss=_or(left.miss, right.miss),
            nonneg=left.nonneg and right.nonneg and sign > 0,
            whole=left.whole and right.whole,
        )

    def product(self, left: int | str, right: int | str) -> int | str:
        if isinstance(left, int) and isinstance(right, int):
            return left * right
        if isinstance(left, int):
            left, right = right, left
        return self.times(str(left), right)

    def mul(self, left: _Exact, right: _Exact) -> _Exact:
        if any(a.undefined for a in (left, right)):
            return self.undefined(left, right)
        folded = self._folded((left, right), lambda a, b: a * b)
        if folded is not None:
            return folded
        for zero, other in ((left, right), (right, left)):
            if zero.const == 0:  # 0 * x: 0 where x has a value (index presence terms)
                return _Exact(
                    n=f"CASE WHEN {other.n} IS NULL THEN NULL ELSE {self.lit(0)} END",
                    d=1,
                    miss=other.miss,
                    whole=True,
                )
        return _Exact(
            n=f"({left.n} * {right.n})"
            if right.const is None
            else self.times(left.n, right.const.numerator),
            d=self.product(left.d, right.d),
            miss=_or(left.miss, right.miss),
            nonneg=left.nonneg and right.nonneg,
            whole=left.whole and right.whole,
        )

    def undefined(self, *parts: _Exact) -> _Exact:
        """An operation on a constant without a value: no value, missing if a part is."""
        return _Exact(
            n=f"CAST(NULL AS {self.engine.big})",
            d=1,
            miss=_or(*(p.miss for p in parts)),
            whole=False,
            undefined=all(p.const is not None or p.undefined for p in parts),
        )

    def div(self, left: _Exact, right: _Exact) -> _Exact:
        if right.const == 0 or any(a.undefined for a in (left, right)):
            return self.undefined(left, right)
        folded = self._folded((left, right), lambda a, b: a / b)
        if folded is not None:
            return folded
        miss = _or(left.miss, right.miss)
        if right.const is not None:
            value = right.const
            n = self.times(left.n, value.denominator * (1 if value > 0 else -1))
            d = self.product(left.d, abs(value.numerator))
            return _Exact(n=n, d=d, miss=miss, nonneg=left.nonneg and value > 0, whole=False)
        top = self.times(left.n, right.d)
        if right.nonneg:
            n = f"CASE WHEN {right.n} = 0 THEN NULL ELSE {top} END"
            d = self.product(left.d, str(right.n))
        else:
            n = f"CASE WHEN {right.n} = 0 THEN NULL WHEN {right.n} < 0 THEN (-{top}) ELSE {top} END"
            d = self.product(left.d, f"ABS({right.n})")
        return _Exact(n=n, d=d, miss=miss, nonneg=left.nonneg and right.nonneg, whole=False)

    def extremum(self, args: Sequence[_Exact], *, smallest: bool) -> _Exact:
        if any(a.undefined for a in args):
            return self.undefined(*args)
        folded = self._folded(args, lambda *a: min(a) if smallest else max(a))
        if folded is not None:
            return folded
        miss = _or(*(a.miss for a in args))
        whole = all(a.whole for a in args)
        nonneg = all(a.nonneg for a in args)
        nulls = " OR ".join(f"{a.n} IS NULL" for a in args)
        if all(isinstance(a.d, int) for a in args):
            common = math.lcm(*(int(a.d) for a in args))
            terms = ", ".join(self.times(a.n, common // int(a.d)) for a in args)
            pick = "LEAST" if smallest else "GREATEST"
            n = f"CASE WHEN {nulls} THEN NULL ELSE {pick}({terms}) END"
            return _Exact(n=n, d=common, miss=miss, nonneg=nonneg, whole=whole)
        best = args[0]
        for other in args[1:]:
            keep = "<=" if smallest else ">="
            test = f"{self.times(best.n, other.d)} {keep} {self.times(other.n, best.d)}"
            best = _Exact(
                n=f"CASE WHEN {best.n} IS NULL OR {other.n} IS NULL THEN NULL "
                f"WHEN {test} THEN {best.n} ELSE {other.n} END",
                d=f"CASE WHEN {test} THEN {best.d} ELSE {other.d} END",
                whole=False,
            )
        return _Exact(n=best.n, d=best.d, miss=miss, nonneg=nonneg, whole=whole)

    def coalesce(self, args: Sequence[_Exact]) -> _Exact:
        kept = [a for a in args if not a.undefined]
        if not kept:
            return self.undefined(*args)
        if kept[0].const is not None:
            return kept[0]
        whole = all(a.whole for a in kept)
        nonneg = all(a.nonneg for a in kept)
        if all(isinstance(a.d, int) for a in kept):
            common = math.lcm(*(int(a.d) for a in kept))
            n = "COALESCE(" + ", ".join(self.times(a.n, common // int(a.d)) for a in kept) + ")"
            d: int | str = common
        else:
            n = "CASE " + " ".join(f"WHEN {a.n} IS NOT NULL THEN {a.n}" for a in kept) + " END"
            d = "CASE " + " ".join(f"WHEN {a.n} IS NOT NULL THEN {a.d}" for a in kept) + " END"
        any_missing = _or(*(a.miss for a in args))
        miss = "FALSE" if any_missing == "FALSE" else f"({n} IS NULL AND {any_missing})"
        return _Exact(n=n, d=d, miss=miss, nonneg=nonneg, whole=whole)


def _double(engine: _Engine, writer: _Writer, n: str, d: int | str) -> str:
    """The float nearest ``n / d``: one division of exact integers (reduced when large).

    For evaluate_sql (``writer.wide``) the plain division: rows whose terms pass 2**53
    are rounded in Python from their exact text (:func:`_exact_rows`).
    """
    cast = f"CAST({{}} AS {engine.double})"
    if d == 1:
        return cast.format(n)
    den = writer.lit(d) if isinstance(d, int) else d
    if writer.wide:
        return f"{cast.format(n)} / {cast.format(den)}"
    plain = f"{cast.format(n)} / {cast.format(den)}"
    # Below 2**53 both terms are exact floats, and the one division is correctly rounded;
    # above, the fraction is reduced first so that its terms are exact where they can be.
    limit = writer.lit(_EXACT_DOUBLE)
    g = f"gcd({n}, {den})"
    reduced = f"{cast.format(engine.quotient(n, g))} / {cast.format(engine.quotient(den, g))}"
    return f"CASE WHEN ABS({n}) < {limit} AND {den} < {limit} THEN {plain} ELSE {reduced} END"


def _largest(indicator: Indicator) -> int:
    """An upper bound of the target terms a gap multiplies (``p``, ``q``, a milestone's)."""
    found = _milestone(indicator)
    values = [
        indicator.target.value,
        *milestone_points(indicator.target, indicator.deadline).values(),
    ]
    scale = found.q if found is not None else 1
    bound = max(abs(v) for v in values) * scale
    return max(int(bound) + 1, scale, *(v.denominator for v in values))


def _exact_text(
    writer: _Writer, terms: tuple[str, str, str, int | str, str, int | str], largest: int
) -> str:
    """``a b nn nd dn dd`` as text where a float of the results would not be exact.

    That is where ``a``, ``b`` times a target term, or a numerator or denominator term
    reaches 2**53; NULL on every other row (nearly all).
    """
    a, b, nn, nd, dn, dd = terms
    text = writer.engine.text
    near = writer.lit(_EXACT_DOUBLE // largest)
    limit = writer.lit(_EXACT_DOUBLE)
    tests = [
        f"ABS({a}) >= {near}",
        f"{b} >= {near}",
        f"ABS({nn}) >= {limit}",
        f"ABS({dn}) >= {limit}",
    ]
    tests += [f"{d} >= {limit}" for d in (nd, dd) if isinstance(d, str)]
    shown = " || ' ' || ".join(
        f"CAST({writer.lit(t) if isinstance(t, int) else t} AS {text})" for t in terms
    )
    return f"CASE WHEN {' OR '.join(tests)} THEN {shown} END"


@attrs.frozen(kw_only=True)
class _Milestone:
    """A target's milestone by year as ``P(year) / Q``: P linear on each segment."""

    pieces: tuple[tuple[str, int, int, int], ...]
    """(condition, constant, slope, base year): P = constant + slope * (year - base)."""
    q: int


def _milestone(indicator: Indicator) -> _Milestone | None:
    """The milestone function of a phased target, as the timeline computes it; None if flat."""
    target, deadline = indicator.target, indicator.deadline
    points = milestone_points(target, deadline)
    final = target.value
    if not points or all(value == final for value in points.values()):
        return None
    years = list(points)
    spans = list(itertools.pairwise(years))
    slopes = [(points[b] - points[a]) / (b - a) for a, b in spans]
    q = math.lcm(
        final.denominator,
        *(v.denominator for v in points.values()),
        *(s.denominator for s in slopes),
    )

    def whole(value: Fraction) -> int:
        return int(value * q)

    pieces: list[tuple[str, int, int, int]] = []
    if deadline is not None:
        pieces.append((f">= {deadline}", whole(final), 0, 0))
    pieces.append((f"<= {years[0]}", whole(points[years[0]]), 0, 0))
    pieces.append((f"> {years[-1]}", whole(final), 0, 0))
    for (start, stop), slope in zip(spans, slopes, strict=True):
        pieces.append((f"<= {stop}", whole(points[start]), whole(slope), start))
    return _Milestone(pieces=tuple(pieces), q=q)


def _milestone_sql(writer: _Writer, found: _Milestone, year: str) -> str:
    cases = []
    for condition, constant, slope, base in found.pieces:
        value = writer.lit(constant)
        if slope:
            value = f"({value} + {writer.lit(slope)} * ({year} - {base}))"
        cases.append(f"WHEN {year} {condition} THEN CAST({value} AS {writer.engine.big})")
    return "CASE " + " ".join(cases) + " END"


@attrs.frozen(kw_only=True)
class _Columns:
    """The SQL of one indicator's result columns, by field name (wide form)."""

    fields: dict[str, str]
    whole: tuple[bool, bool]
    """Numerator and denominator integer-valued on every row (for the result's dtypes)."""
    lean: _Lean | None = None
    """How numpy finishes this indicator from its status and terms (evaluate_sql)."""


@attrs.frozen(kw_only=True)
class _Lean:
    """An indicator whose terms have constant scales: ``nn / nd`` over ``dn / dd``.

    Its value is ``a / b`` with ``a = sign(dn) * nn * k1`` and ``b = |dn * k2|``
    (:func:`_factors`). evaluate_sql fetches only the exact status (decided in SQL) and
    ``nn``, ``dn``; numpy computes the floats from them, the same divisions of the same
    integers as the SQL would.
    """

    scales: tuple[int, int]
    factors: tuple[int, int]
    target: Fraction
    coverage: bool
    largest: int
    op: str
    inputs: tuple[str | None, str | None]
    """``nn`` and ``dn`` when each is an integer input column itself (checked in numpy)."""
    status: str
    """The status code in SQL, cross-multiplying ``nn * k1 * q`` with ``dn * k2 * p``."""


def _indicator(
    writer: _Writer,
    indicator: Indicator,
    slot: int,
    parts: tuple[_Exact, _Exact],
    year: str | None,
) -> _Columns:
    """The result columns of one indicator, from its ``a``/``b``/``m`` columns."""
    engine = writer.engine
    a, b, m = (f"{_PREFIX}{slot}_{x}" for x in "abm")
    num, den = parts
    target = indicator.target
    op = _OPS[target.op]
    lit = writer.lit

    def decide(p: str, q: str) -> str:
        return f"({a} * {q} {op} {p} * {b})"

    def gap_of(p: str, q: str, met: str) -> str:
        top = f"ABS({p} * {b} - {q} * {a})"
        return f"CASE WHEN {met} THEN 0.0 ELSE {_double(engine, writer, top, f'({q} * {b})')} END"

    p, q = lit(target.value.numerator), lit(target.value.denominator)
    final_met = decide(p, q)
    fields: dict[str, str] = {}
    met, gap = final_met, gap_of(p, q, final_met)
    milestone = None
    if year is not None:
        found = _milestone(indicator)
        if found is not None:
            big_p, big_q = _milestone_sql(writer, found, year), lit(found.q)
            judged = decide(big_p, big_q)
            met = f"CASE WHEN {year} IS NULL THEN {final_met} ELSE {judged} END"
            gap = f"CASE WHEN {year} IS NULL THEN {gap} ELSE {gap_of(big_p, big_q, judged)} END"
            milestone = _double(engine, writer, big_p, found.q)
        else:
            milestone = (
                f"CAST({_double(engine, writer, p, target.value.denominator)} AS {engine.double})"
            )
        milestone = f"CASE WHEN {year} IS NULL THEN NULL ELSE {milestone} END"
    computed = f"{a} IS NOT NULL AND {b} IS NOT NULL"
    fields["status_code"] = (
        f"CAST(CASE WHEN {m} THEN 2 WHEN NOT ({computed}) THEN 3 WHEN {met} THEN 0 ELSE 1 END "
        "AS SMALLINT)"
    )
    fields["met"] = f"COALESCE({met}, FALSE)"
    fields["value"] = f"CASE WHEN {computed} THEN {_double(engine, writer, a, b)} END"
    fields["gap"] = f"CASE WHEN {computed} THEN {gap} END"
    nn, dn = f"{_PREFIX}{slot}_nn", f"{_PREFIX}{slot}_dn"
    fields["numerator"] = _double(engine, writer, nn, num.d)
    fields["denominator"] = _double(engine, writer, dn, den.d)
    if writer.wide:
        fields["exact"] = _exact_text(writer, (a, b, nn, num.d, dn, den.d), _largest(indicator))
    if indicator.coverage is False:
        fields["exceeds_denominator"] = "FALSE"
    else:
        left, right = writer.times(dn, num.d), writer.times(nn, den.d)
        fields["exceeds_denominator"] = f"COALESCE({dn} > 0 AND {left} < {right}, FALSE)"
    if milestone is not None and year is not None:
        fields["milestone"] = milestone
        late = f"{year} > {indicator.deadline}" if indicator.deadline is not None else "FALSE"
        fields["progress"] = (
            f"CASE WHEN {year} IS NULL OR NOT ({computed}) THEN NULL "
            f"WHEN {final_met} THEN 'met' WHEN {late} THEN 'overdue' "
            f"WHEN {met} THEN 'on_track' ELSE 'behind' END"
        )
    if indicator.bands:
        fields.update(_bands(writer, indicator, computed, (a, b)))
    lean = None
    if isinstance(num.d, int) and isinstance(den.d, int) and den.nonneg and year is None:
        lean = _lean(writer, indicator, (num.d, den.d), slot)
    return _Columns(fields=fields, whole=(num.whole, den.whole), lean=lean)


def _lean(writer: _Writer, indicator: Indicator, scales: tuple[int, int], slot: int) -> _Lean:
    """The lean recipe of an indicator whose terms have constant scales (evaluate_sql)."""
    m, nn, dn = (f"{_PREFIX}{slot}_{x}" for x in ("m", "nn", "dn"))
    target = indicator.target
    k1, k2 = _factors(*scales, indicator.factor)
    p, q = writer.lit(k1 * target.value.denominator), writer.lit(k2 * target.value.numerator)
    status = (
        f"CAST(CASE WHEN {m} THEN 2 WHEN {nn} IS NULL OR {dn} IS NULL OR {dn} = 0 THEN 3 "
        f"WHEN {nn} * {p} {_OPS[target.op]} {dn} * {q} THEN 0 ELSE 1 END AS TINYINT)"
    )
    return _Lean(
        scales=scales,
        factors=(k1, k2),
        target=target.value,
        coverage=indicator.coverage is not False,
        largest=_largest(indicator),
        op=target.op,
        inputs=(writer.plain(indicator.numerator), writer.plain(indicator.denominator)),
        status=status,
    )


def _factors(nd: int, dd: int, factor: Fraction) -> tuple[int, int]:
    """``k1``, ``k2``: the value ``(nn / nd) / (dn / dd) * factor`` is ``nn * k1 / (dn * k2)``."""
    big_f, big_g = dd * factor.numerator, nd * factor.denominator
    common = math.gcd(big_f, big_g)
    return big_f // common, big_g // common


def _bands(
    writer: _Writer, indicator: Indicator, computed: str, ratio: tuple[str, str]
) -> dict[str, str]:
    """``band`` and ``band_en``: the first band whose threshold ``a / b`` reaches, exactly."""
    a, b = ratio
    fields = {}
    for field, label_of in (("band", "label"), ("band_en", "label_en")):
        cases = []
        for band in indicator.bands:
            label = getattr(band, label_of)
            shown = "NULL" if label is None else _string(label)
            if band.threshold is None:
                cases.append(f"ELSE {shown}")
                break
            bp, bq = writer.lit(band.threshold.numerator), writer.lit(band.threshold.denominator)
            side = ">=" if band.at_least is not None else "<="
            cases.append(f"WHEN {a} * {bq} {side} {bp} * {b} THEN {shown}")
        fields[field] = f"CASE WHEN NOT ({computed}) THEN NULL " + " ".join(cases) + " END"
    return fields


def _layers(rule_set: RuleSet) -> list[list[str]]:
    """Indicators grouped by how deep their references go (0: none), in evaluation order."""
    depth: dict[str, int] = {}
    for iid in rule_set.evaluation_order:
        refs = rule_set.indicators[iid].refs
        depth[iid] = 1 + max((depth[r] for r in refs), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for iid in rule_set.evaluation_order:
        layers[depth[iid]].append(iid)
    return layers


@attrs.frozen(kw_only=True)
class _Query:
    """A compiled query and what reading its wide result needs."""

    ctes: tuple[str, ...]
    last: str
    keys: tuple[str, ...]
    columns: dict[str, _Columns]
    slots: dict[str, int]
    """Each indicator's slot: its ``__spm{slot}_*`` term columns."""


def _compile(  # noqa: PLR0913 - the options of to_sql
    rule_set: RuleSet,
    table: str,
    keys: Sequence[str],
    engine: _Engine,
    year: int | str | None,
    present: Mapping[str, str] | None = None,
    *,
    wide: bool = False,
) -> _Query:
    writer = _Writer(rule_set, engine, present)
    writer.wide = wide
    source = _table(table)
    year_sql: str | None = None
    first = f"SELECT * FROM {source}"
    if isinstance(year, str):
        column = _quote(_identifier(year, "year"))
        first = f"SELECT *, CAST({column} AS INTEGER) AS {_PREFIX}_year FROM {source}"
        year_sql = f"{_PREFIX}_year"
    elif year is not None:
        if isinstance(year, bool) or not 1945 <= year <= 2100:
            msg = tr(
                "year must be a year such as 2013 or the name of a column of years ({year!r})",
                year=year,
            )
            raise UsageError(msg)
        year_sql = str(year)
    ctes = [f"{_PREFIX}_0 AS ({first})"]
    columns: dict[str, _Columns] = {}
    parts: dict[str, tuple[_Exact, _Exact]] = {}
    for layer in _layers(rule_set):
        terms: list[str] = []
        ratios: list[str] = []
        for iid in layer:
            writer.where = iid
            parts[iid] = _ratio_terms(writer, rule_set.indicators[iid], terms, ratios)
        count = len(ctes)
        ctes.append(
            f"{_PREFIX}_{count} AS (SELECT *, {', '.join(terms)} FROM {_PREFIX}_{count - 1})"
        )
        ctes.append(
            f"{_PREFIX}_{count + 1} AS (SELECT *, {', '.join(ratios)} FROM {_PREFIX}_{count})"
        )
    for iid in rule_set.indicators:
        writer.where = iid
        columns[iid] = _indicator(
            writer, rule_set.indicators[iid], writer.slots[iid], parts[iid], year_sql
        )
    all_keys = tuple(_identifier(k, "key") for k in keys)
    if isinstance(year, str) and year not in all_keys:
        all_keys = (*all_keys, year)
    return _Query(
        ctes=tuple(ctes),
        last=f"{_PREFIX}_{len(ctes) - 1}",
        keys=all_keys,
        columns=columns,
        slots=writer.slots,
    )


def _ratio_terms(
    writer: _Writer, indicator: Indicator, terms: list[str], ratios: list[str]
) -> tuple[_Exact, _Exact]:
    """One indicator's columns: its terms (``nn``, ``dn``, ``m``), then ``a / b``.

    ``a / b`` is the value with ``b > 0``: both NULL-free exactly where it is computed.
    """
    prefix = f"{_PREFIX}{writer.slots[indicator.id]}"
    num = writer.expression(indicator.numerator)
    den = writer.expression(indicator.denominator)
    terms.append(f"{num.n} AS {prefix}_nn")
    terms.append(f"{den.n} AS {prefix}_dn")
    if isinstance(num.d, str):
        terms.append(f"{num.d} AS {prefix}_nd")
        num = attrs.evolve(num, d=f"{prefix}_nd")
    if isinstance(den.d, str):
        terms.append(f"{den.d} AS {prefix}_dd")
        den = attrs.evolve(den, d=f"{prefix}_dd")
    terms.append(f"{_or(num.miss, den.miss)} AS {prefix}_m")
    f, g = indicator.factor.numerator, indicator.factor.denominator
    nn, dn = f"{prefix}_nn", f"{prefix}_dn"
    if isinstance(num.d, int) and isinstance(den.d, int):
        k1, k2 = _factors(num.d, den.d, indicator.factor)
        top, bottom = writer.times(nn, k1), writer.times(dn, k2)
    else:
        top = writer.times(writer.times(nn, den.d), f)
        bottom = writer.times(writer.times(dn, num.d), g)
    if den.nonneg:
        a = f"CASE WHEN {dn} <> 0 THEN {top} END"  # NULL where dn is NULL or 0
        b = f"NULLIF({bottom}, 0)"
    else:
        a = f"CASE WHEN {dn} < 0 THEN (-{top}) WHEN {dn} > 0 THEN {top} END"
        b = f"NULLIF(ABS({bottom}), 0)"
    ratios.append(f"{a} AS {prefix}_a")
    ratios.append(f"{b} AS {prefix}_b")
    return num, den


def _identifier(name: str, what: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        msg = tr(
            "the {what} column {name!r} must be a plain SQL name (letters, digits, _)",
            what=what,
            name=name,
        )
        raise UsageError(msg)
    return name


def _table(table: str) -> str:
    parts = table.split(".") if isinstance(table, str) else [table]
    for part in parts:
        _identifier(part, "table")
    return ".".join(_quote(part) for part in parts)


def _wide(query: _Query, *, lean: bool = False) -> tuple[str, dict[str, tuple[str, str]]]:
    """The wide SELECT: one row per table row; and its columns' (indicator, field).

    With ``lean`` (64-bit terms), an indicator with a :class:`_Lean` recipe gives only its
    status, ``nn`` and ``dn`` (and bands): numpy computes the rest (:func:`_finish`).
    """
    select = [_quote(k) for k in query.keys]
    names: dict[str, tuple[str, str]] = {}
    for slot, (iid, columns) in enumerate(query.columns.items()):
        fields = dict(columns.fields)
        if lean and columns.lean is not None:
            own = query.slots[iid]
            kept = {"band", "band_en"}
            fields = {f: sql for f, sql in fields.items() if f in kept}
            fields["status_code"] = columns.lean.status
            fields["nn"], fields["dn"] = f"{_PREFIX}{own}_nn", f"{_PREFIX}{own}_dn"
        for field, sql in fields.items():
            if field == "met":
                continue  # met is status 0: derived, not fetched
            select.append(f"{sql} AS c{slot}_{field}")
            names[f"c{slot}_{field}"] = (iid, field)
    text = "WITH " + ",\n".join(query.ctes) + f"\nSELECT {', '.join(select)} FROM {query.last}"
    return text, names


def _rule_set(rule_set: RuleSet | str) -> RuleSet:
    if isinstance(rule_set, RuleSet):
        return rule_set
    from spmkit._rulesets.reader import load_rule_set  # noqa: PLC0415 - reads files when asked

    require_rule_set(rule_set)
    return load_rule_set(rule_set)


def _engine(dialect: str) -> _Engine:
    found = DIALECTS.get(dialect)
    if found is None:
        msg = tr(
            "dialect must be one of {choices} (got {dialect!r})",
            choices=", ".join(DIALECTS),
            dialect=dialect,
        )
        raise UsageError(msg)
    return found


def to_sql(
    rule_set: RuleSet | str,
    *,
    table: str,
    keys: Sequence[str] = (),
    dialect: Dialect = "duckdb",
    year: int | str | None = None,
) -> str:
    """Return one SELECT that evaluates a rule set on every row of a table, exactly.

    >>> import spmkit
    >>> sql = spmkit.to_sql("kulon-progo-2011", table="capaian", keys=["kode"])
    >>> sql.count("UNION ALL") == len(spmkit.load_rule_set("kulon-progo-2011").indicators) - 1
    True

    The table has one row per region and period, with columns named as the rule set's
    inputs (an absent input must be a NULL column). The query gives one row per table row
    and indicator: the ``keys``, ``indicator``, ``status`` (``met``, ``not_met``,
    ``no_data``, ``undefined``), ``met``, ``numerator``, ``denominator``, ``value``,
    ``gap``, ``exceeds_denominator``, and where the rule set has them ``band`` and
    ``band_en``; with ``year=`` (a year, or a column of years) ``milestone`` and
    ``progress`` too. Decisions cross-multiply integers (docs/sql.md); nothing is decided
    on a floating-point quotient.

    Raises:
        RuleSetError: a part of the rule set that cannot be compiled exactly (named).
        UsageError: an unknown dialect, or a table, key or year that is not a plain name.
    """
    found = _rule_set(rule_set)
    query = _compile(found, table, keys, _engine(dialect), year)
    engine = _engine(dialect)
    extra = [
        f
        for f in ("milestone", "progress", "band", "band_en")
        if any(f in c.fields for c in query.columns.values())
    ]
    status = (
        "CASE {} WHEN 0 THEN 'met' WHEN 1 THEN 'not_met' WHEN 2 THEN 'no_data' ELSE 'undefined' END"
    )
    selects = []
    for iid, columns in query.columns.items():
        fields = columns.fields
        parts = [_quote(k) for k in query.keys]
        parts.append(f"{_string(iid)} AS indicator")
        parts.append(f"{status.format(fields['status_code'])} AS status")
        parts.append(f"CASE WHEN {fields['status_code']} <= 1 THEN {fields['met']} END AS met")
        plain = ("numerator", "denominator", "value", "gap", "exceeds_denominator")
        parts.extend(f"{fields[field]} AS {field}" for field in plain)
        for field in extra:
            kind = engine.double if field == "milestone" else engine.text
            parts.append(f"{fields.get(field, f'CAST(NULL AS {kind})')} AS {field}")
        selects.append(f"SELECT {', '.join(parts)} FROM {query.last}")
    return "WITH " + ",\n".join(query.ctes) + "\n" + "\nUNION ALL\n".join(selects)


def evaluate_sql(
    rule_set: RuleSet | str,
    connection: Any,  # noqa: ANN401 - any DB-API connection (duckdb, psycopg)
    table: str,
    *,
    keys: Sequence[str] = (),
    year: str | int | None = None,
) -> Any:  # noqa: ANN401 - a BatchResult
    """Evaluate a rule set where the data live, in SQL, and return a ``BatchResult``.

    The same results as :func:`spmkit.evaluate_batch` on the table's rows, field by
    field, in the order the engine reads them. ``connection`` is a DB-API connection:
    a ``duckdb`` connection (fetched as numpy arrays) or a ``psycopg`` one (PostgreSQL);
    the dialect follows from it. Input columns the table lacks are missing on every row.

    Raises:
        DataInvalid: a negative input, a count that is not whole, or a year outside
            1945-2100 (checked by one query before the evaluation).
        RuleSetError, UsageError: as :func:`to_sql`.
    """
    found = _rule_set(rule_set)
    dialect = _dialect_of(connection)
    engine = _engine(dialect)
    present = _table_columns(connection, _table(table))
    if dialect == "duckdb":  # BIGINT first (twice as fast); HUGEINT where it overflows
        with contextlib.suppress(RuleSetError, _TooLarge, *_overflows()):
            return _run(found, connection, (table, keys, year), _BIGINT_DUCKDB, present)
    _validate(connection, found, _table(table), present, year)
    return _run(found, connection, (table, keys, year), engine, present)


class _TooLarge(Exception):  # noqa: N818 - internal signal, never raised to users
    """numpy's 64-bit arithmetic could overflow, or a value is refused: evaluate again.

    The second evaluation checks every column in SQL first (raising ``DataInvalid``
    with every problem) and computes in exact HUGEINT.
    """


_BIGINT_DUCKDB: Final = attrs.evolve(DIALECTS["duckdb"], big="BIGINT", literal_limit=2**62)
"""DuckDB on 64-bit integers: exact where it runs, an overflow error where it cannot."""


def _overflows() -> tuple[type[Exception], ...]:
    import duckdb  # noqa: PLC0415 - a duckdb connection was given

    return (duckdb.OutOfRangeException, duckdb.ConversionException)


def _run(
    rule_set: RuleSet,
    connection: Any,  # noqa: ANN401 - DB-API
    where: tuple[str, Sequence[str], int | str | None],
    engine: _Engine,
    present: Mapping[str, str],
) -> Any:  # noqa: ANN401 - a BatchResult
    table, keys, year = where
    query = _compile(rule_set, table, keys, engine, year, present, wide=True)
    lean = engine.big == "BIGINT"
    if lean:  # the integer columns fetched whole are checked in numpy (_finish)
        fetched = {n for c in query.columns.values() if c.lean for n in c.lean.inputs if n}
        try:
            _validate(connection, rule_set, _table(table), present, year, skip=fetched)
        except DataInvalid:
            raise _TooLarge from None  # the full check names every problem
    text, names = _wide(query, lean=lean)
    raw = _fetch(connection, text, engine.name, names)  # type: ignore[arg-type]
    return _result(rule_set, query, raw, names, year)


def _dialect_of(connection: Any) -> Dialect:  # noqa: ANN401 - a DB-API connection
    module = type(connection).__module__
    if module.startswith(("duckdb", "_duckdb")):
        return "duckdb"
    if module.startswith("psycopg"):
        return "postgresql"
    msg = tr(
        "evaluate_sql needs a duckdb or psycopg connection (got {kind})",
        kind=type(connection).__name__,
    )
    raise UsageError(msg)


def _execute(connection: Any, text: str) -> Any:  # noqa: ANN401 - DB-API
    if _dialect_of(connection) == "duckdb":  # itself: a DuckDB cursor is another connection,
        return connection.execute(text)  # which would not see this one's TEMP tables
    cursor = connection.cursor()
    cursor.execute(text)
    return cursor


_FLOAT_TYPES: Final = frozenset({"DOUBLE", "FLOAT", "REAL", "700", "701", "1700"})
"""Column types that may hold NaN: DuckDB's names, PostgreSQL's type OIDs (float, numeric)."""
_INT_TYPES: Final = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "20",
        "21",
        "23",
    }
)
"""Integer column types: DuckDB's names, PostgreSQL's OIDs (int8, int2, int4)."""


def _table_columns(connection: Any, source: str) -> dict[str, str]:  # noqa: ANN401 - DB-API
    """The table's columns, each ``float`` (may hold NaN), ``int`` or ``other``."""
    cursor = _execute(connection, f"SELECT * FROM {source} LIMIT 0")
    found = {}
    for column in cursor.description:
        kind = str(column[1]).upper()
        found[str(column[0])] = (
            "float" if kind in _FLOAT_TYPES else "int" if kind in _INT_TYPES else "other"
        )
    cursor.fetchall()
    return found


def _validate(  # noqa: PLR0913 - the columns to skip are a keyword
    connection: Any,  # noqa: ANN401 - DB-API
    rule_set: RuleSet,
    source: str,
    present: Mapping[str, str],
    year: int | str | None,
    *,
    skip: Collection[str] = (),
) -> None:
    """Refuse what evaluate_batch refuses: negative inputs, fractional counts, bad years.

    ``skip``: integer columns the caller checks itself (negative values) as it reads them.
    """
    checks: list[tuple[str, str]] = []
    for name, spec in rule_set.inputs.items():
        if name not in present or name in skip:
            continue
        column = _quote(name)
        bad = f"{column} < 0"
        if spec.kind is InputKind.COUNT:
            bad += f" OR {column} <> ROUND({column})"
        checks.append((name, bad))
    if isinstance(year, str) and year in present:
        column = _quote(year)
        checks.append((year, f"{column} < 1945 OR {column} > 2100 OR {column} <> ROUND({column})"))
    if not checks:
        return
    counts = ", ".join(f"MIN(CASE WHEN {bad} THEN {_quote(name)} END)" for name, bad in checks)
    cursor = _execute(connection, f"SELECT {counts} FROM {source}")
    row = cursor.fetchall()[0]  # all: DuckDB's connection is then free for the next query
    problems = [
        DataError(
            name, value, tr("a non-negative number (a whole one for counts; years 1945-2100)")
        )
        for (name, _), value in zip(checks, row, strict=True)
        if value is not None
    ]
    if problems:
        msg = tr("rule set {id!r}: bad values in table {table}", id=rule_set.id, table=source)
        raise DataInvalid(msg, problems)


_FLOAT_FIELDS: Final = frozenset({"value", "gap", "numerator", "denominator", "milestone"})


def _fetch(
    connection: Any,  # noqa: ANN401 - DB-API
    text: str,
    dialect: Dialect,
    names: Mapping[str, tuple[str, str]],
) -> dict[str, Any]:
    """The wide result as numpy arrays by column, converted chunk by chunk.

    DuckDB gives numpy arrays itself; other drivers give rows, turned into typed arrays
    every 65,536 rows so that only one chunk of Python objects is alive at a time.
    """
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    if dialect == "duckdb":  # Arrow: about twice as fast as fetchnumpy's masked arrays
        fetched = connection.sql(text).to_arrow_table()
        return {name: _from_arrow(fetched.column(name)) for name in fetched.column_names}
    cursor = _execute(connection, text)
    columns = [str(c[0]) for c in cursor.description]
    parts: list[list[Any]] = [[] for _ in columns]
    while rows := cursor.fetchmany(65536):
        block = np.array(rows, dtype=object).reshape(len(rows), len(columns))
        for index, column in enumerate(columns):
            values = block[:, index]
            field = names[column][1] if column in names else ""
            if field in _FLOAT_FIELDS or field == "status_code":
                values = np.where(values == None, np.nan, values).astype(np.float64)  # noqa: E711 - elementwise
            elif field == "exceeds_denominator":
                values = (values == True).astype(np.bool_)  # noqa: E712 - elementwise
            parts[index].append(values)
    return {
        column: np.concatenate(found) if found else np.array([], dtype=object)
        for column, found in zip(columns, parts, strict=True)
    }


def _from_arrow(column: Any) -> Any:  # noqa: ANN401 - an Arrow column; numpy
    """An Arrow column as numpy: integers and booleans with NULLs as masked arrays (exact)."""
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - the sql extra

    kind = column.type
    if column.null_count and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
        filled = column.fill_null(pa.scalar(False if pa.types.is_boolean(kind) else 0, kind))
        return np.ma.MaskedArray(filled.to_numpy(), mask=column.is_null().to_numpy())
    return column.to_numpy()


def _result(
    rule_set: RuleSet,
    query: _Query,
    raw: Mapping[str, Any],
    names: Mapping[str, tuple[str, str]],
    year: int | str | None,
) -> Any:  # noqa: ANN401 - a BatchResult
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    from spmkit._evaluation.batch import BatchResult  # noqa: PLC0415 - numpy
    from spmkit._evaluation.progress import Progress  # noqa: PLC0415

    def floats(values: Any) -> Any:  # noqa: ANN401 - arrays
        if isinstance(values, np.ma.MaskedArray):
            return np.ma.filled(values.astype(np.float64), np.nan)
        if values.dtype == object:
            return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        return np.array(values, dtype=np.float64)  # a copy: Arrow's arrays are read-only

    def objects(values: Any) -> Any:  # noqa: ANN401 - arrays
        mask = np.ma.getmaskarray(values)
        out = np.array(np.ma.getdata(values), dtype=object)
        out[mask] = None
        return np.array([None if v is None or v != v else v for v in out], dtype=object)  # noqa: PLR0124 - NaN

    rows = len(next(iter(raw.values()))) if raw else 0
    keys = {k: objects(raw[k]) for k in query.keys}
    for name, values in keys.items():
        try:
            keys[name] = np.array(values.tolist())
        except (TypeError, ValueError):  # pragma: no cover - mixed keys stay objects
            keys[name] = values
    progress_of = {p.value: p for p in Progress}
    results = {}
    by_indicator: dict[str, dict[str, Any]] = {iid: {} for iid in query.columns}
    for column, (iid, field) in names.items():
        by_indicator[iid][field] = raw[column]
    for slot_iid, fields in by_indicator.items():
        indicator = rule_set.indicators[slot_iid]
        whole = query.columns[slot_iid].whole
        out: dict[str, Any] = {}
        lean = query.columns[slot_iid].lean
        if "nn" in fields and lean is not None:
            out = _finish(lean, whole, fields)
            if "band" in fields:
                out["band"] = objects(fields["band"])
                out["band_en"] = objects(fields["band_en"])
            results[slot_iid] = _arrays(rule_set, indicator, out)
            continue
        out["status_code"] = np.asarray(floats(fields["status_code"]), dtype=np.int8)
        out["met"] = out["status_code"] == 0
        exceeds = fields["exceeds_denominator"]
        out["exceeds_denominator"] = np.asarray(
            np.ma.filled(exceeds, fill_value=False) if np.ma.isMaskedArray(exceeds) else exceeds,
            dtype=np.bool_,
        )
        for field in ("value", "gap"):
            out[field] = floats(fields[field])
        for field, is_whole in zip(("numerator", "denominator"), whole, strict=True):
            values = floats(fields[field])
            if is_whole and not np.isnan(values).any():
                values = values.astype(np.int64)
            out[field] = values
        _exact_rows(indicator, fields, out, keys.get(year) if isinstance(year, str) else year)
        if "milestone" in fields:
            out["milestone"] = floats(fields["milestone"])
            out["progress"] = np.array(
                [None if p is None else progress_of[str(p)] for p in objects(fields["progress"])],
                dtype=object,
            )
        elif query.keys and any("milestone" in c.fields for c in query.columns.values()):
            pass  # pragma: no cover - every indicator has a milestone with a year
        if "band" in fields:
            out["band"] = objects(fields["band"])
            out["band_en"] = objects(fields["band_en"])
        results[slot_iid] = _arrays(rule_set, indicator, out)
    return BatchResult(
        rule_set_id=rule_set.id,
        rows=rows,
        key_columns=keys,
        results={iid: results[iid] for iid in rule_set.indicators},
    )


def _arrays(rule_set: RuleSet, indicator: Indicator, out: dict[str, Any]) -> Any:  # noqa: ANN401
    """One indicator's read-only arrays as the batch engine's ``IndicatorArrays``."""
    from spmkit._evaluation.batch import IndicatorArrays  # noqa: PLC0415 - numpy

    for array in out.values():
        if hasattr(array, "flags"):  # not the gaps left for later (GapLater)
            array.flags.writeable = False
    return IndicatorArrays(
        indicator_id=indicator.id,
        target=indicator.target,
        factor=indicator.factor,
        small_denominator_threshold=rule_set.small_denominator,
        **out,
    )


def _terms(column: Any) -> tuple[Any, Any]:  # noqa: ANN401 - a fetched column
    """A fetched BIGINT column as (int64 values with 0 where NULL, NULL mask)."""
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    values = np.ma.getdata(column)
    if values.dtype != np.int64:  # pragma: no cover - DuckDB gives BIGINT as int64
        raise _TooLarge
    return values, np.ma.getmaskarray(column)  # a masked array's data is 0 where NULL


def _finish(lean: _Lean, whole: tuple[bool, bool], fields: Mapping[str, Any]) -> dict[str, Any]:
    """An indicator's arrays from its SQL status and 64-bit terms ``nn``, ``dn``.

    The same operations as the SQL of :func:`_indicator` on the same integers: each
    float is one correctly rounded division of integers below 2**53, and rows beyond
    that are rounded from exact fractions, as :func:`_exact_rows` does. Raises
    :class:`_TooLarge` where a product could leave 64 bits (the SQL would have too).
    """
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    from spmkit._evaluation.kernel import GapLater, ratio_consts  # noqa: PLC0415 - numpy

    status = np.asarray(np.ma.getdata(fields["status_code"]), dtype=np.int8)
    (nn, n_missing), (dn, d_missing) = _terms(fields["nn"]), _terms(fields["dn"])
    (nd, dd), (k1, k2) = lean.scales, lean.factors
    p, q = lean.target.numerator, lean.target.denominator
    low_n, low_d = int(np.min(nn, initial=0)), int(np.min(dn, initial=0))
    if (low_n < 0 and lean.inputs[0]) or (low_d < 0 and lean.inputs[1]):
        raise _TooLarge  # a negative input: the full check names it
    top_n = max(int(np.max(nn, initial=0)), -low_n)
    top_d = max(int(np.max(dn, initial=0)), -low_d)
    if max(top_n * k1 * q + top_d * k2 * abs(p), top_n * dd, top_d * nd) >= 2**63:
        raise _TooLarge
    value = nn.astype(np.float64)  # exact below 2**53; rows beyond are redone below
    if k1 != 1:
        value *= k1
    b = dn.astype(np.float64)
    if k2 != 1:
        b *= k2
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(value, b, out=value)
    np.copyto(value, np.nan, where=status > 1)
    gap: Any
    if nd == dd == 1 and max(top_n * k1 * q + top_d * k2 * abs(p), top_d * k2 * q) < _EXACT_DOUBLE:
        # The batch engine's own gaps, computed when first read, from the same terms
        # (the result's numerator and denominator, as in the batch engine: scales 1).
        gap = GapLater(ratio_consts((nd, dd, k1, k2), (lean.op, p, q)))
    else:
        a, big_b = nn * k1, dn * k2
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(p * big_b - q * a).astype(np.float64) / (q * big_b).astype(np.float64)
        gap[status == 0] = 0.0
        gap[status > 1] = np.nan
    out: dict[str, Any] = {"status_code": status, "met": status == 0, "value": value, "gap": gap}
    for field, terms, missing, scale, is_whole in (
        ("numerator", nn, n_missing, nd, whole[0]),
        ("denominator", dn, d_missing, dd, whole[1]),
    ):
        if is_whole and not missing.any():
            out[field] = terms
            continue
        shown = terms.astype(np.float64)
        if scale != 1:
            shown /= float(scale)
        shown[missing] = np.nan
        out[field] = shown
    # A NULL term is 0 here: such rows have dn <= 0 or dn * nd < 0 false by themselves.
    exceeds = dn > 0
    exceeds &= np.less(dn, nn) if nd == dd == 1 else dn * nd < nn * dd
    out["exceeds_denominator"] = exceeds if lean.coverage else np.zeros_like(exceeds)
    near = _EXACT_DOUBLE // lean.largest
    if max(top_n * k1, top_d * k2) >= near or max(top_n, top_d) >= _EXACT_DOUBLE:
        _exact_terms(lean, out, (nn, n_missing), (dn, d_missing))
    return out


def _exact_terms(
    lean: _Lean, out: dict[str, Any], num: tuple[Any, Any], den: tuple[Any, Any]
) -> None:
    """Round the rows whose terms are beyond exact floats from their exact fractions."""
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    from spmkit._evaluation.results import nearest_float  # noqa: PLC0415

    (nn, n_missing), (dn, d_missing) = num, den
    (nd, dd), (k1, k2) = lean.scales, lean.factors
    near = _EXACT_DOUBLE // lean.largest
    beyond = (np.abs(nn) * k1 >= near) | (dn * k2 >= near)
    beyond |= (np.abs(nn) >= _EXACT_DOUBLE) | (dn >= _EXACT_DOUBLE)
    rows = np.flatnonzero(beyond)
    for field in ("numerator", "denominator"):
        out[field] = out[field].astype(np.float64)
    status = out["status_code"]
    for row in rows.tolist():
        if not n_missing[row]:
            out["numerator"][row] = nearest_float(Fraction(int(nn[row]), nd))
        if not d_missing[row]:
            out["denominator"][row] = nearest_float(Fraction(int(dn[row]), dd))
        if status[row] > 1:
            continue
        exact = Fraction(int(nn[row]) * k1, int(dn[row]) * k2)
        out["value"][row] = nearest_float(exact)
        if status[row] == 1 and isinstance(out["gap"], np.ndarray):  # else exact when read
            out["gap"][row] = nearest_float(abs(lean.target - exact))


def _exact_rows(
    indicator: Indicator,
    fields: Mapping[str, Any],
    out: dict[str, Any],
    years: Any,  # noqa: ANN401 - an array of years, a year, or None
) -> None:
    """Round the rows whose terms are beyond exact floats from their exact text.

    The SQL value of such a row is a division of rounded terms; the batch engine gives the
    nearest float of the exact fraction (its exact fallback), and so does this.
    """
    import numpy as np  # noqa: PLC0415 - numpy is needed for results only

    from spmkit._evaluation.results import nearest_float  # noqa: PLC0415

    column = fields["exact"]
    texts = np.ma.getdata(column)
    rows = np.flatnonzero(~np.ma.getmaskarray(column) & (texts != None))  # noqa: E711 - elementwise
    if not len(rows):
        return
    for field in ("numerator", "denominator"):
        out[field] = out[field].astype(np.float64)
    for row in rows.tolist():
        a, b, nn, nd, dn, dd = (Fraction(t) for t in str(texts[row]).split())
        out["numerator"][row] = nearest_float(nn / nd)
        out["denominator"][row] = nearest_float(dn / dd)
        if out["status_code"][row] > 1:  # no value: nothing else to round
            continue
        out["value"][row] = nearest_float(a / b)
        if out["status_code"][row] == 0:
            continue
        target = indicator.target.value
        year = years if years is None or isinstance(years, int) else years[row]
        if year is not None and year == year:  # noqa: PLR0124 - NaN is no year
            target = indicator.milestone(int(year))
        out["gap"][row] = nearest_float(abs(target * b - a) / b)
