"""A conformance kit: generic properties that any rule set must have, checked with hypothesis.

Needs the ``testing`` extra. Run every property on a rule set at once::

    >>> import spmkit
    >>> from spmkit.testing import check_rule_set_properties
    >>> rule_set = spmkit.load_rule_set("kulon-progo-2011")
    >>> checked = check_rule_set_properties(rule_set, max_examples=5)  # more by default
    >>> "batch_matches_scalar" in checked
    True

or one pytest test per property (each failure shows its own counterexample)::

    import pytest, spmkit
    from spmkit.testing import property_cases

    @pytest.mark.parametrize("case", property_cases(spmkit.load_rule_set("mine")), ids=str)
    def test_rule_set_property(case):
        case()

The properties (:data:`PROPERTIES`) hold for every SPM rule set that is written the way
the regulations mean it. A violation is raised as :class:`RuleSetPropertyError` naming the
indicator, the property, and the smallest data set hypothesis found that breaks it.

Two properties need knowledge no formula states, and take it as options:

- ``subsets`` says which counts are parts of which (``{"bumil_k4": "sasaran_bumil"}``). By
  default it is read off the rule set itself (:func:`spmkit.strategies.inferred_subsets`),
  which cannot catch a formula written upside down. Give it explicitly to check that.
- ``coverages`` are the indicators whose value must lie between 0 and the factor when the
  data respect ``subsets``; by default every indicator of the form ``input / other_input``.

``batch_matches_scalar`` checks :func:`spmkit.evaluate_batch` (or the batch evaluator
given) row by row against the scalar evaluator, exactly: status, met, and the value bit
for bit (``float(exact_value)``, docs/batch.md). ``overlay_idempotence`` runs when an
``overlay`` function (rule set -> rule set) is given.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Collection, Iterator, Mapping
from fractions import Fraction
from typing import Any, Final

import attrs
import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import spmkit
from spmkit._evaluation.results import IndicatorResult, Report, Status
from spmkit._language.expr import (
    BinOp,
    Call,
    Expression,
    Input,
    Neg,
    Number,
    Ref,
    exact_decimal,
    render,
)
from spmkit._language.parse import parse_expression
from spmkit._rulesets.dump import dump_rule_set, without_origins
from spmkit._rulesets.model import Indicator, RuleSet
from spmkit._rulesets.reader import loads_rule_set
from spmkit.errors import ConformanceError, RuleSetPropertyError
from spmkit.strategies import StrategyArgumentError, data_for, inferred_subsets

__all__ = [
    "PROPERTIES",
    "ConformanceError",
    "PropertyCase",
    "RuleSetPropertyError",
    "check_rule_set_properties",
    "property_cases",
]

PROPERTIES: Final = (
    "yaml_round_trip",
    "render_parse_round_trip",
    "determinism_and_purity",
    "statuses",
    "scale_invariance",
    "numerator_monotonicity",
    "coverage_bounds",
    "target_reachable",
    "target_boundary",
    "batch_matches_scalar",
    "overlay_idempotence",
)
"""Every property the kit knows, in the order it runs them."""

_HIGHER_IS_BETTER: Final = (">=", ">")
_MET_AT_EQUALITY: Final = (">=", "<=", "==")


@attrs.frozen(kw_only=True)
class PropertyCase:
    """One property of one rule set, ready to run: call it; it raises when the property fails.

    ``str(case)`` is ``"<rule set id>:<property>"``, a readable pytest id.
    """

    rule_set_id: str
    name: str
    run: Callable[[], None] = attrs.field(eq=False, repr=False)

    def __call__(self) -> None:
        """Run the property; raise :class:`RuleSetPropertyError` if it fails."""
        self.run()

    def __str__(self) -> str:
        return f"{self.rule_set_id}:{self.name}"


def _show(value: Fraction | None) -> str:
    if value is None:
        return "none"
    text = exact_decimal(value)
    return text if "/" not in text else f"{float(value):.6g}"


def _show_data(data: Mapping[str, object]) -> str:
    shown = {k: _show(v) if isinstance(v, Fraction) else v for k, v in data.items()}
    return "{" + ", ".join(f"{k}: {v}" for k, v in shown.items()) + "}"


def _outcome(result: IndicatorResult) -> str:
    if result.exact_value is None:
        return result.status.value
    return f"{_show(result.exact_value)} ({result.status.value})"


# --- what can be read off a formula ----------------------------------------------------


def _degree(expression: Expression) -> int | None:
    """Degree of homogeneity in the inputs (a / b is 0, a * b is 2); None if it has none.

    An indicator whose numerator and denominator have the same degree keeps its value when
    every count is multiplied by the same k (twice the population, twice the served).
    """
    if isinstance(expression, Number):
        return 0
    if isinstance(expression, Input):
        return 1
    if isinstance(expression, Ref):
        return None
    if isinstance(expression, Neg):
        return _degree(expression.operand)
    if isinstance(expression, Call):
        degrees = {_degree(arg) for arg in expression.args}
        return degrees.pop() if len(degrees) == 1 else None
    left, right = _degree(expression.left), _degree(expression.right)
    if left is None or right is None:
        return None
    if expression.op == "*":
        return left + right
    if expression.op == "/":
        return left - right
    return left if left == right else None


def _monotone(expression: Expression) -> bool:
    """True when the expression cannot decrease as any input grows (no minus, no division)."""
    if isinstance(expression, Number | Input):
        return True
    if isinstance(expression, Ref | Neg):
        return False
    if isinstance(expression, Call):
        return all(_monotone(arg) for arg in expression.args)
    return expression.op in "+*" and _monotone(expression.left) and _monotone(expression.right)


def _strict_inputs(expression: Expression) -> frozenset[str]:
    """Inputs whose absence must leave the expression without a value (not under coalesce)."""
    if isinstance(expression, Input):
        return frozenset({expression.name})
    if isinstance(expression, Neg):
        return _strict_inputs(expression.operand)
    if isinstance(expression, Call):
        if expression.function == "coalesce":
            return frozenset()
        return frozenset().union(*(_strict_inputs(arg) for arg in expression.args))
    if isinstance(expression, BinOp):
        return _strict_inputs(expression.left) | _strict_inputs(expression.right)
    return frozenset()


def _ratio_inputs(indicator: Indicator) -> tuple[str, str] | None:
    numerator, denominator = indicator.numerator, indicator.denominator
    if (
        isinstance(numerator, Input)
        and isinstance(denominator, Input)
        and numerator.name != denominator.name
    ):
        return numerator.name, denominator.name
    return None


# --- the kit ---------------------------------------------------------------------------


@attrs.frozen
class _Kit:
    """A rule set with the options of one run; each ``p_*`` method is one property."""

    rule_set: RuleSet
    subsets: Mapping[str, str]
    coverages: tuple[str, ...]
    settings: settings
    batch: Callable[..., Any]
    overlay: Callable[[RuleSet], RuleSet] | None

    def fail(
        self,
        prop: str,
        indicator_id: str | None,
        problem: str,
        data: Mapping[str, object] | None = None,
    ) -> RuleSetPropertyError:
        if data is not None and indicator_id is not None:
            relevant = self.reads(indicator_id)
            data = {name: value for name, value in data.items() if name in relevant}
        return RuleSetPropertyError(prop, self.rule_set.id, indicator_id, problem, data)

    def reads(self, indicator_id: str) -> frozenset[str]:
        """Inputs an indicator reads, directly or through the indicators it references."""
        seen: set[str] = set()
        names: set[str] = set()
        pending = [indicator_id]
        while pending:
            iid = pending.pop()
            if iid in seen:
                continue
            seen.add(iid)
            indicator = self.rule_set.indicators[iid]
            names |= indicator.inputs
            pending.extend(indicator.refs)
        return frozenset(names)

    def evaluate(self, data: Mapping[str, object]) -> Report:
        return spmkit.evaluate(self.rule_set, data)

    def hypothesis(
        self, strategy: st.SearchStrategy[Any], check: Callable[[Any], None]
    ) -> Callable[[], None]:
        @self.settings
        @given(strategy)
        def run(example: Any) -> None:  # noqa: ANN401 - whatever the strategy draws
            check(example)

        return run

    def data(self, **options: Any) -> st.SearchStrategy[dict[str, int]]:  # noqa: ANN401
        return data_for(self.rule_set, subsets=self.subsets, **options)

    # Static properties ------------------------------------------------------------------

    def p_yaml_round_trip(self) -> None:
        text = dump_rule_set(self.rule_set)
        loaded = loads_rule_set(text, file="<dump_rule_set>")
        expected = without_origins(self.rule_set)
        if loaded != expected:
            differing = [
                iid
                for iid, indicator in self.rule_set.indicators.items()
                if loaded.indicators.get(iid) != expected.indicators[iid]
            ]
            problem = "loads_rule_set(dump_rule_set(rs)) differs from rs"
            if differing:
                problem += f" in indicators {', '.join(differing)}"
            raise self.fail("yaml_round_trip", None, problem)

    def p_render_parse_round_trip(self) -> None:
        for indicator in self.rule_set.indicators.values():
            for part in (indicator.numerator, indicator.denominator):
                text = render(part)
                parsed = parse_expression(text)
                if parsed != part or render(parsed) != text:
                    problem = f"parse_expression(render(e)) != e for {text!r}"
                    raise self.fail("render_parse_round_trip", indicator.id, problem)

    def p_overlay_idempotence(self) -> None:
        assert self.overlay is not None  # noqa: S101 - only listed when given
        once = self.overlay(self.rule_set)
        twice = self.overlay(once)
        if twice != once:
            problem = "applying the overlay twice gives a different rule set than applying it once"
            raise self.fail("overlay_idempotence", None, problem)

    # Properties on generated data -----------------------------------------------------

    def p_determinism_and_purity(self, data: dict[str, int]) -> None:
        before = copy.deepcopy(data)
        first = self.evaluate(data)
        if data != before:
            problem = f"evaluate changed its data argument (before: {_show_data(before)})"
            raise self.fail("determinism_and_purity", None, problem, data)
        second = self.evaluate(copy.deepcopy(data))
        for iid, result in first.items():
            if second[iid] != result:
                problem = f"two evaluations differ: {_outcome(result)} then {_outcome(second[iid])}"
                raise self.fail("determinism_and_purity", iid, problem, data)

    def check_consistent(self, report: Report, data: Mapping[str, object]) -> None:
        """Each status agrees with the numbers it reports, exactly."""
        for iid, r in report.items():
            prop = "statuses"
            if (r.status is Status.NO_DATA) != bool(r.missing_inputs):
                raise self.fail(
                    prop,
                    iid,
                    f"status {r.status.value} with missing inputs {r.missing_inputs}",
                    data,
                )
            if r.status in (Status.NO_DATA, Status.UNDEFINED):
                if r.exact_value is not None or r.met is not None:
                    raise self.fail(
                        prop, iid, f"status {r.status.value} but a value or decision", data
                    )
                continue
            if r.numerator is None or r.denominator is None or r.denominator == 0:
                problem = f"status {r.status.value} with denominator {_show(r.denominator)}"
                raise self.fail(prop, iid, problem, data)
            expected = r.numerator / r.denominator * r.factor
            if r.exact_value != expected:
                problem = (
                    f"value {_show(r.exact_value)} != numerator / denominator x factor "
                    f"= {_show(expected)}"
                )
                raise self.fail(prop, iid, problem, data)
            met = r.target.is_met(expected)
            if r.met is not met or (r.status is Status.MET) is not met:
                problem = (
                    f"value {_show(expected)} against {r.target.op} {_show(r.target.value)}: "
                    f"met is {met}, got status {r.status.value}"
                )
                raise self.fail(prop, iid, problem, data)
            declared_rate = self.rule_set.indicators[iid].coverage is False
            if r.exceeds_denominator != (not declared_rate and 0 < r.denominator < r.numerator):
                raise self.fail(prop, iid, "exceeds_denominator flag is wrong", data)

    def p_statuses(self, data: dict[str, int]) -> None:
        report = self.evaluate(data)
        self.check_consistent(report, data)
        # An input a formula needs, left out: no data, and the input is named.
        absent = {
            name
            for name, spec in self.rule_set.inputs.items()
            if name not in data and spec.default is None
        }
        for iid, indicator in self.rule_set.indicators.items():
            strict = _strict_inputs(indicator.numerator) | _strict_inputs(indicator.denominator)
            result = report[iid]
            for name in sorted(strict & absent):
                if result.status is not Status.NO_DATA or name not in result.missing_inputs:
                    problem = (
                        f"without input {name!r} the result is {_outcome(result)}, "
                        "not no_data naming it"
                    )
                    raise self.fail("statuses", iid, problem, data)
        # Every input of every denominator at zero: a zero denominator is undefined, never
        # a value (unless an input is missing: then the answer is no_data).
        zeroed = {**data, **dict.fromkeys(self.denominator_inputs & data.keys(), 0)}
        for iid, result in self.evaluate(zeroed).items():
            if (
                result.denominator == 0
                and not result.missing_inputs
                and result.status is not Status.UNDEFINED
            ):
                problem = (
                    f"the denominator is 0 but the result is {_outcome(result)}, not undefined"
                )
                raise self.fail("statuses", iid, problem, zeroed)

    @property
    def denominator_inputs(self) -> frozenset[str]:
        return frozenset().union(
            *(ind.denominator.inputs for ind in self.rule_set.indicators.values())
        )

    def scalable(self) -> list[str]:
        return [
            iid
            for iid, ind in self.rule_set.indicators.items()
            if (degree := _degree(ind.numerator)) is not None and degree == _degree(ind.denominator)
        ]

    def p_scale_invariance(self, example: tuple[dict[str, int], int]) -> None:
        data, k = example
        scaled = {name: value * k for name, value in data.items()}
        if not self.within_bounds(scaled):
            return
        plain, bigger = self.evaluate(data), self.evaluate(scaled)
        for iid in self.scalable():
            a, b = plain[iid], bigger[iid]
            if (a.status, a.exact_value) != (b.status, b.exact_value):
                problem = (
                    f"every count x {k} changes the result from {_outcome(a)} to {_outcome(b)}"
                )
                raise self.fail("scale_invariance", iid, problem, data)

    def monotone_pairs(self) -> dict[str, list[str]]:
        """Input -> the indicators whose value cannot fall when that input grows."""
        pairs: dict[str, list[str]] = {}
        for iid, ind in self.rule_set.indicators.items():
            if not _monotone(ind.numerator) or ind.denominator.refs:
                continue
            for name in ind.numerator.inputs - ind.denominator.inputs:
                pairs.setdefault(name, []).append(iid)
        return pairs

    def p_numerator_monotonicity(self, example: tuple[dict[str, int], int]) -> None:
        data, delta = example
        plain = self.evaluate(data)
        for name, ids in self.monotone_pairs().items():
            more = {**data, name: data[name] + delta}
            if not self.within_bounds(more):
                continue
            report = self.evaluate(more)
            for iid in ids:
                before, after = plain[iid].exact_value, report[iid].exact_value
                if before is not None and after is not None and after < before:
                    problem = (
                        f"raising {name!r} by {delta} lowers the value "
                        f"from {_show(before)} to {_show(after)}"
                    )
                    raise self.fail("numerator_monotonicity", iid, problem, data)

    def describe_subsets(self, iid: str) -> str:
        pair = _ratio_inputs(self.rule_set.indicators[iid])
        if pair is None:
            return "the numerator is not a single input known to count a part of the denominator"
        part, whole = pair
        if self.subsets.get(part) == whole:
            return f"{part!r} counts a part of {whole!r}"
        if self.subsets.get(whole) == part:
            return (
                f"subsets say {whole!r} counts a part of {part!r}: "
                "numerator and denominator look swapped"
            )
        return f"{part!r} is not declared a part of {whole!r} (subsets), so it can exceed it"

    def p_coverage_bounds(self, data: dict[str, int]) -> None:
        report = self.evaluate(data)
        for iid in self.coverages:
            r = report[iid]
            if r.exact_value is not None and not 0 <= r.exact_value <= r.factor:
                problem = (
                    f"coverage value {_show(r.exact_value)} is outside 0 to {_show(r.factor)} "
                    f"on data where every part is at most its whole; {self.describe_subsets(iid)}"
                )
                raise self.fail("coverage_bounds", iid, problem, data)

    def p_target_reachable(self, data: dict[str, int]) -> None:
        for iid in self.coverages:
            indicator = self.rule_set.indicators[iid]
            pair = _ratio_inputs(indicator)
            if pair is None or self.subsets.get(pair[0]) != pair[1]:
                continue
            part, whole = pair
            best = data[whole] if indicator.target.op in _HIGHER_IS_BETTER else 0
            reached = {**data, part: best}
            r = self.evaluate(reached)[iid]
            if r.met is False:
                what = "full coverage" if best else "no case at all"
                problem = (
                    f"even {what} ({part} = {best}, value {_show(r.exact_value)}) does not meet "
                    f"the target {indicator.target.describe(indicator.factor)}: is the target "
                    f"on the scale of the factor ({_show(indicator.factor)})?"
                )
                raise self.fail("target_reachable", iid, problem, reached)

    def boundary_inputs(self) -> dict[str, tuple[str, str]]:
        """Indicator -> its (numerator, denominator) inputs, for ``input / other_input``."""
        found: dict[str, tuple[str, str]] = {}
        for iid, ind in self.rule_set.indicators.items():
            pair = _ratio_inputs(ind)
            if pair is not None and ind.target.value >= 0:
                found[iid] = pair
        return found

    def within_bounds(self, data: Mapping[str, Fraction | int]) -> bool:
        """Whether every value respects its input's declared maximum."""
        return all(
            (spec := self.rule_set.inputs[name]).maximum is None or value <= spec.maximum
            for name, value in data.items()
        )

    def p_target_boundary(self, example: tuple[dict[str, int], int]) -> None:
        data, k = example
        for iid, (part, whole) in self.boundary_inputs().items():
            indicator = self.rule_set.indicators[iid]
            target, factor = indicator.target, indicator.factor
            # Whole counts exactly at the target: x / d x factor == target.
            whole_value = target.value.denominator * factor.numerator * k
            at = target.value.numerator * factor.denominator * k
            for shift, label in ((0, "exactly at"), (1, "just above"), (-1, "just below")):
                if at + shift < 0:
                    continue
                moved: dict[str, object] = {**data, whole: whole_value, part: at + shift}
                if not self.within_bounds({whole: whole_value, part: at + shift}):
                    continue
                r = self.evaluate(moved)[iid]
                exact = Fraction(at + shift, whole_value) * factor
                if r.exact_value != exact:
                    problem = (
                        f"value {_show(r.exact_value)} should be exactly {_show(exact)} "
                        f"({label} the target {_show(target.value)})"
                    )
                    raise self.fail("target_boundary", iid, problem, moved)
                if r.met is not target.is_met(exact):
                    problem = f"{label} the target {target.describe(factor)}: met is {r.met}"
                    raise self.fail("target_boundary", iid, problem, moved)

    def p_batch_matches_scalar(self, rows: list[dict[str, int]]) -> None:
        columns = {name: [row.get(name) for row in rows] for name in self.rule_set.inputs}
        result = self.batch(self.rule_set, columns)
        for position, row in enumerate(rows):
            report = self.evaluate(row)
            for iid, scalar in report.items():
                got = _batch_outcome(result, iid, position)
                exact = scalar.exact_value
                want = (scalar.status.value, scalar.met, None if exact is None else float(exact))
                if got != want:
                    problem = f"row {position}: batch gives {got}, evaluate gives {want}"
                    raise self.fail("batch_matches_scalar", iid, problem, row)

    def cases(self) -> Iterator[PropertyCase]:
        def case(name: str, run: Callable[[], None]) -> PropertyCase:
            return PropertyCase(rule_set_id=self.rule_set.id, name=name, run=run)

        yield case("yaml_round_trip", self.p_yaml_round_trip)
        yield case("render_parse_round_trip", self.p_render_parse_round_trip)
        yield case(
            "determinism_and_purity",
            self.hypothesis(self.data(missing_inputs=True), self.p_determinism_and_purity),
        )
        yield case(
            "statuses",
            self.hypothesis(
                self.data(missing_inputs=True, numerator_above_denominator=True),
                self.p_statuses,
            ),
        )
        if self.scalable():
            yield case(
                "scale_invariance",
                self.hypothesis(
                    st.tuples(self.data(), st.integers(2, 1000)), self.p_scale_invariance
                ),
            )
        if self.monotone_pairs():
            yield case(
                "numerator_monotonicity",
                self.hypothesis(
                    st.tuples(self.data(numerator_above_denominator=True), st.integers(1, 1000)),
                    self.p_numerator_monotonicity,
                ),
            )
        if self.coverages:
            yield case("coverage_bounds", self.hypothesis(self.data(), self.p_coverage_bounds))
            yield case(
                "target_reachable",
                self.hypothesis(self.data(zero_denominators=False), self.p_target_reachable),
            )
        if self.boundary_inputs():
            yield case(
                "target_boundary",
                self.hypothesis(st.tuples(self.data(), st.integers(1, 50)), self.p_target_boundary),
            )
        yield case(
            "batch_matches_scalar",
            self.hypothesis(
                st.lists(self.data(missing_inputs=True), min_size=1, max_size=5),
                self.p_batch_matches_scalar,
            ),
        )
        if self.overlay is not None:
            yield case("overlay_idempotence", self.p_overlay_idempotence)


def _batch_outcome(
    result: Any,  # noqa: ANN401 - whatever spmkit.evaluation.batch returns
    indicator_id: str,
    row: int,
) -> tuple[str, bool | None, float | None]:
    """Status, met and value of one row of a :class:`~spmkit._evaluation.batch.BatchResult`.

    ``result[indicator_id]`` has array-like ``status``, ``met`` and ``value``, a value
    that was not computed being NaN (None from another batch evaluator given).
    """
    column = result[indicator_id]
    status = str(getattr(column.status[row], "value", column.status[row]))
    met = column.met[row]
    value = column.value[row]
    met_value = None if met is None or status in ("no_data", "undefined") else bool(met)
    number = None if value is None or math.isnan(float(value)) else float(value)
    return status, met_value, number


def _check_coverages(rule_set: RuleSet, coverages: Collection[str] | None) -> tuple[str, ...]:
    if coverages is None:
        return tuple(
            iid
            for iid, ind in rule_set.indicators.items()
            if _ratio_inputs(ind) and ind.coverage is not False  # coverage: false is a rate
        )
    if isinstance(coverages, str) or not isinstance(coverages, Collection):
        msg = f"'coverages' must be a collection of indicator ids (got {coverages!r})"
        raise StrategyArgumentError(msg)
    unknown = sorted(set(coverages) - set(rule_set.indicators))
    if unknown:
        msg = (
            f"'coverages' names indicators that rule set {rule_set.id!r} "
            f"lacks: {', '.join(unknown)}"
        )
        raise StrategyArgumentError(msg)
    return tuple(iid for iid in rule_set.indicators if iid in coverages)


def property_cases(  # noqa: PLR0913 - independent keyword-only options
    rule_set: RuleSet,
    *,
    subsets: Mapping[str, str] | None = None,
    coverages: Collection[str] | None = None,
    max_examples: int | None = None,
    evaluate_batch: Callable[..., Any] | None = None,
    overlay: Callable[[RuleSet], RuleSet] | None = None,
) -> tuple[PropertyCase, ...]:
    """Return the properties that apply to a rule set, one callable case each.

    A property that cannot apply is left out (no indicator has a formula it speaks about,
    or the feature it checks is absent); :data:`PROPERTIES` lists them all.

    Args:
        rule_set: the rule set to check.
        subsets: input -> the input it counts a part of; by default inferred from the
            rule set's ``a / b`` indicators (which cannot reveal an inverted formula).
        coverages: ids of the indicators whose value must stay within 0 and the factor;
            by default every ``input / other_input`` indicator not declared
            ``coverage: false`` (a rate such as visits per person).
        max_examples: examples per property; by default the current hypothesis profile's.
        evaluate_batch: batch evaluator to compare with the scalar one; by default
            :func:`spmkit.evaluate_batch`.
        overlay: a function applying an overlay; checked to be idempotent.

    Raises:
        StrategyArgumentError: at once, for a bad option.
    """
    if not isinstance(rule_set, RuleSet):
        msg = f"'rule_set' must be a spmkit.RuleSet (got {rule_set!r})"
        raise StrategyArgumentError(msg)
    relations = inferred_subsets(rule_set) if subsets is None else subsets
    data_for(rule_set, subsets=relations)  # checks the relations at once
    if max_examples is not None and (
        isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1
    ):
        msg = f"'max_examples' must be a positive int (got {max_examples!r})"
        raise StrategyArgumentError(msg)
    options: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    if max_examples is not None:
        options["max_examples"] = max_examples
    batch = evaluate_batch if evaluate_batch is not None else spmkit.evaluate_batch
    kit = _Kit(
        rule_set=rule_set,
        subsets=dict(relations),
        coverages=_check_coverages(rule_set, coverages),
        settings=settings(**options),
        batch=batch,
        overlay=overlay,
    )
    return tuple(kit.cases())


def check_rule_set_properties(  # noqa: PLR0913 - the options of property_cases
    rule_set: RuleSet,
    *,
    subsets: Mapping[str, str] | None = None,
    coverages: Collection[str] | None = None,
    max_examples: int | None = None,
    evaluate_batch: Callable[..., Any] | None = None,
    overlay: Callable[[RuleSet], RuleSet] | None = None,
) -> tuple[str, ...]:
    """Check every applicable property of a rule set; return the names of those checked.

    Every property runs, even after one fails, and all failures are raised together.
    The options are those of :func:`property_cases`.

    Raises:
        ConformanceError: one or more properties fail; each failure names the indicator
            and carries the smallest counterexample hypothesis found.
        StrategyArgumentError: at once, for a bad option.
    """
    cases = property_cases(
        rule_set,
        subsets=subsets,
        coverages=coverages,
        max_examples=max_examples,
        evaluate_batch=evaluate_batch,
        overlay=overlay,
    )
    failures: dict[str, BaseException] = {}
    for case in cases:
        try:
            case()
        except Exception as exc:  # noqa: BLE001 - every failure is collected and raised below
            failures[case.name] = exc
    if failures:
        raise ConformanceError(rule_set.id, failures)
    return tuple(case.name for case in cases)
