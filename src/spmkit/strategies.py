"""Hypothesis strategies for spmkit's objects: expressions, indicators, rule sets, data.

Public API for people who test rule sets and tools built on spmkit. It needs the
``testing`` extra (``pip install "spmkit[testing]"``) and is never imported by
``import spmkit``. The strategies follow hypothesis' own API style: plural names,
keyword-only options with defaults, options that vary take strategies (wrap a fixed value
in ``st.just``), and arguments checked when the strategy is made, not when it draws::

    >>> import spmkit
    >>> from spmkit.strategies import data_for
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> strategy = data_for(rs, missing_inputs=True)

Once spmkit is installed, ``st.from_type(spmkit.RuleSet)`` draws from :func:`rule_sets`
(registered through hypothesis' ``hypothesis`` entry point; see
:mod:`spmkit._hypothesis_hook`).

What counts as a sub-population ("``bumil_k4`` counts some of the ``sasaran_bumil``") is
domain knowledge no formula states. :func:`data_for` respects the relations it is given
(``subsets``), or those :func:`inferred_subsets` reads off the rule set's ``a / b``
indicators.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Collection, Mapping
from fractions import Fraction
from typing import Any, Final

import attrs
import hypothesis.strategies as st

from spmkit._language.expr import FUNCTIONS, BinOp, Call, Expression, Input, Neg, Number, Ref
from spmkit._language.parse import MAX_DEPTH, height
from spmkit._rulesets.model import (
    COMPARATORS,
    Indicator,
    InputSpec,
    Jurisdiction,
    LegalBasis,
    RuleSet,
    ServiceType,
    Source,
    Target,
)
from spmkit.errors import RuleSetInvalid, StrategyArgumentError

__all__ = [
    "StrategyArgumentError",
    "data_for",
    "expressions",
    "indicator_ids",
    "indicators",
    "inferred_subsets",
    "input_names",
    "rule_sets",
    "targets",
]

MAX_COUNT: Final = 10**9
"""Largest count :func:`data_for` accepts as ``max_value`` (Indonesia has 2.8e8 people)."""

_FACTORS: Final = (Fraction(1), Fraction(100), Fraction(1000), Fraction(100_000))
_WORDS: Final = ("cakupan", "jumlah", "ibu", "anak", "desa", "warga", "air", "sekolah")


def _fail(name: str, expectation: str, value: object) -> StrategyArgumentError:
    return StrategyArgumentError(f"{name!r} must be {expectation} (got {value!r})")


def _check_strategy(name: str, value: object) -> None:
    if not isinstance(value, st.SearchStrategy):
        raise _fail(name, "a hypothesis strategy (wrap a fixed value in st.just)", value)


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(name, f"an int from {low} to {high}", value)
    return value


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)


def input_names() -> st.SearchStrategy[str]:
    """Names a rule file may declare as inputs (``bumil_k4``), never a function name."""
    return st.builds(
        operator.add,
        st.sampled_from(string.ascii_lowercase),
        st.text(alphabet=string.ascii_lowercase + string.digits + "_", max_size=11),
    ).filter(lambda name: name not in FUNCTIONS)


def indicator_ids() -> st.SearchStrategy[str]:
    """Indicator ids of the shape regulations print (``I``, ``II.3``, ``I.13.a``)."""
    return st.builds(
        lambda roman, number, letter: roman + number + letter,
        st.sampled_from(("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")),
        st.sampled_from(("",)) | st.integers(1, 20).map(".{}".format),
        st.sampled_from(("", ".a", ".b", ".c", ".d", ".e")),
    )


def _decimals(max_value: int) -> st.SearchStrategy[Fraction]:
    """Non-negative numbers with at most three decimals, as exact Fractions."""
    return st.builds(
        lambda units, places: Fraction(units, 10**places),
        st.integers(0, max_value * 1000),
        st.sampled_from((0, 1, 2, 3)),
    ).filter(lambda value: value <= max_value)


def expressions(
    *,
    names: st.SearchStrategy[str] | None = None,
    refs: st.SearchStrategy[str] | None = None,
    max_leaves: int = 8,
    functions: bool = True,
) -> st.SearchStrategy[Expression]:
    """Expression trees: numbers, inputs, references, operators and function calls.

    Every tree drawn is within the parser's limits, so ``parse_expression(render(e)) == e``.

    Args:
        names: input names to use; by default :func:`input_names`.
        refs: indicator ids for ``@id`` references; by default none are drawn.
        max_leaves: the most numbers, names and references in one tree (1 to 100).
        functions: whether to draw ``sum``, ``min``, ``max`` and ``coalesce`` calls.

    Raises:
        StrategyArgumentError: at once, for a bad argument.
    """
    names = input_names() if names is None else names
    _check_strategy("names", names)
    if refs is not None:
        _check_strategy("refs", refs)
    _check_int("max_leaves", max_leaves, 1, 100)
    _check_bool("functions", functions)
    leaves: list[st.SearchStrategy[Expression]] = [
        _decimals(1000).map(Number),
        names.map(Input),
    ]
    if refs is not None:
        leaves.append(refs.map(Ref))

    def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        options: list[st.SearchStrategy[Expression]] = [
            st.builds(
                BinOp,
                op=st.sampled_from(("+", "-", "*", "/")),
                left=children,
                right=children,
            ),
            st.builds(Neg, operand=children),
        ]
        if functions:
            options.append(
                st.builds(
                    Call,
                    function=st.sampled_from(sorted(FUNCTIONS)),
                    args=st.lists(children, min_size=1, max_size=3).map(tuple),
                )
            )
        return st.one_of(options)

    return st.recursive(st.one_of(leaves), extend, max_leaves=max_leaves).filter(
        lambda expression: height(expression) <= MAX_DEPTH
    )


def targets(
    *,
    ops: st.SearchStrategy[str] | None = None,
    max_value: int = 100,
) -> st.SearchStrategy[Target]:
    """Targets such as ``>= 95``: a comparator and an exact value from 0 to ``max_value``.

    Raises:
        StrategyArgumentError: at once, for a bad argument.
    """
    ops = st.sampled_from(COMPARATORS) if ops is None else ops
    _check_strategy("ops", ops)
    _check_int("max_value", max_value, 0, MAX_COUNT)
    return st.builds(Target, op=ops, value=_decimals(max_value))


_default_targets = targets  # indicators() has an option of the same name


def _text() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join)


def indicators(  # noqa: PLR0913 - every part of an indicator can be steered
    *,
    ids: st.SearchStrategy[str] | None = None,
    names: st.SearchStrategy[str] | None = None,
    service_types: st.SearchStrategy[str] | None = None,
    factors: st.SearchStrategy[Fraction] | None = None,
    targets: st.SearchStrategy[Target] | None = None,
    refs: st.SearchStrategy[str] | None = None,
    ratio: bool = False,
) -> st.SearchStrategy[Indicator]:
    """Indicators: ``numerator / denominator x factor`` judged against a target.

    Args:
        ids: indicator ids; by default :func:`indicator_ids`.
        names: input names the formulas read; by default :func:`input_names`.
        service_types: service-type ids; by default ``st.just("I")``.
        factors: by default 1, 100, 1,000 or 100,000.
        targets: by default :func:`targets` on the scale of 0 to 100.
        refs: indicator ids the formulas may reference; by default none.
        ratio: draw only the shape most SPM indicators have, one input over another
            (``bumil_k4 / sasaran_bumil``), instead of any expressions.

    Raises:
        StrategyArgumentError: at once, for a bad argument.
    """
    ids = indicator_ids() if ids is None else ids
    names = input_names() if names is None else names
    service_types = st.just("I") if service_types is None else service_types
    factors = st.sampled_from(_FACTORS) if factors is None else factors
    target_strategy = _default_targets() if targets is None else targets
    for label, value in (
        ("ids", ids),
        ("names", names),
        ("service_types", service_types),
        ("factors", factors),
        ("targets", target_strategy),
    ):
        _check_strategy(label, value)
    _check_bool("ratio", ratio)
    if ratio:
        parts: st.SearchStrategy[tuple[Expression, Expression]] = st.lists(
            names, min_size=2, max_size=2, unique=True
        ).map(lambda pair: (Input(pair[0]), Input(pair[1])))
    else:
        formulas = expressions(names=names, refs=refs, max_leaves=6)
        parts = st.tuples(formulas, formulas)
    return st.builds(
        lambda iid, formula, **fields: Indicator(
            id=iid, numerator=formula[0], denominator=formula[1], **fields
        ),
        ids,
        parts,
        name=_text(),
        service_type=service_types,
        factor=factors,
        target=target_strategy,
        deadline=st.none() | st.integers(2000, 2030),
        source=st.builds(Source, ref=_text()),
    )


_PLACEHOLDERS: Final = 8


def _substitute(expression: Expression, names: list[str], refs: list[str]) -> Expression:
    """Replace placeholder leaves (``Input("0")``, ``Ref("3")``) with real names and refs."""
    if isinstance(expression, Input):
        return Input(names[int(expression.name) % len(names)])
    if isinstance(expression, Ref):
        if not refs:
            return Number(Fraction(int(expression.indicator_id)))
        return Ref(refs[int(expression.indicator_id) % len(refs)])
    if isinstance(expression, Neg):
        return Neg(_substitute(expression.operand, names, refs))
    if isinstance(expression, Call):
        return Call(
            expression.function, tuple(_substitute(a, names, refs) for a in expression.args)
        )
    if isinstance(expression, BinOp):
        return BinOp(
            expression.op,
            _substitute(expression.left, names, refs),
            _substitute(expression.right, names, refs),
        )
    return expression


# Built once: making a recursive strategy costs far more than drawing from it, so rule_sets
# draws formulas over numbered placeholders and substitutes the rule set's own names.
_TEMPLATE: Final = st.deferred(
    lambda: expressions(
        names=st.integers(0, _PLACEHOLDERS - 1).map(str),
        refs=st.integers(0, 49).map(str),
        max_leaves=6,
    )
)


@st.composite
def _rule_sets(
    draw: st.DrawFn, min_indicators: int, max_indicators: int, ratio: bool, references: bool
) -> RuleSet:
    names = draw(st.lists(input_names(), min_size=2, max_size=_PLACEHOLDERS, unique=True))
    ids = draw(
        st.lists(indicator_ids(), min_size=min_indicators, max_size=max_indicators, unique=True)
    )
    built: dict[str, Indicator] = {}
    for position, iid in enumerate(ids):
        earlier = ids[:position] if references else []
        numerator: Expression
        denominator: Expression
        if ratio:
            pair = draw(st.permutations(names))[:2]
            numerator, denominator = Input(pair[0]), Input(pair[1])
        else:
            numerator = _substitute(draw(_TEMPLATE), names, earlier)
            denominator = _substitute(draw(_TEMPLATE), names, earlier)
        built[iid] = Indicator(
            id=iid,
            name=draw(_text()),
            service_type="I",
            numerator=numerator,
            denominator=denominator,
            factor=draw(st.sampled_from(_FACTORS)),
            target=draw(_default_targets()),
            deadline=draw(st.none() | st.integers(2000, 2030)),
            source=Source(ref=draw(_text())),
        )
    fields: dict[str, Any] = {
        "id": f"{draw(st.sampled_from(_WORDS))}-{draw(st.integers(1, 9999))}",
        "title": draw(_text()),
        "language": draw(st.sampled_from(("id", "en"))),
        "jurisdiction": Jurisdiction(level="kabupaten", name=draw(_text())),
        "legal_basis": LegalBasis(
            instrument="Peraturan Bupati",
            number=str(draw(st.integers(1, 99))),
            year=draw(st.integers(2000, 2030)),
        ),
        "inputs": {
            name: InputSpec(name=name, label=draw(_text()), unit="person") for name in names
        },
        "service_types": {"I": ServiceType(id="I", name=draw(_text()))},
    }
    # A drawn formula may fail the unit check (persons times persons over persons is not a
    # share): such indicators become plain ratios of two of the inputs, which always pass.
    fallback = Input(names[0]), Input(names[1])
    for _ in range(len(built) + 1):
        try:
            return RuleSet(**fields, indicators=built)
        except RuleSetInvalid as group:
            broken = {e.indicator_id for e in group.exceptions} - {None}
            if not broken:
                raise
            built = {
                iid: attrs.evolve(ind, numerator=fallback[0], denominator=fallback[1])
                if iid in broken or ind.refs & broken
                else ind
                for iid, ind in built.items()
            }
    return RuleSet(**fields, indicators=built)


def rule_sets(
    *,
    min_indicators: int = 1,
    max_indicators: int = 5,
    ratio: bool = False,
    references: bool = True,
) -> st.SearchStrategy[RuleSet]:
    """Whole, valid rule sets: every name declared, references without cycles.

    Args:
        min_indicators: fewest indicators (1 to 50).
        max_indicators: most indicators (``min_indicators`` to 50).
        ratio: only ``input / other_input`` indicators (see :func:`indicators`).
        references: let indicators reference earlier ones (``@I.1``); ignored with ``ratio``.

    Raises:
        StrategyArgumentError: at once, for a bad argument.
    """
    _check_int("min_indicators", min_indicators, 1, 50)
    _check_int("max_indicators", max_indicators, min_indicators, 50)
    _check_bool("ratio", ratio)
    _check_bool("references", references)
    return _rule_sets(min_indicators, max_indicators, ratio, references)


def inferred_subsets(rule_set: RuleSet) -> dict[str, str]:
    """Read sub-populations off a rule set: for each ``a / b`` indicator, ``a`` is part of ``b``.

    SPM coverages count the people served among the people eligible, so the numerator of
    an indicator made of one input over another is taken to count a sub-population of its
    denominator. The first relation wins where an input would fall in two populations,
    and relations that would make a loop are left out.

    >>> import spmkit
    >>> inferred_subsets(spmkit.load_rule_set("kulon-progo-2011"))["bumil_k4"]
    'sasaran_bumil'

    Raises:
        StrategyArgumentError: ``rule_set`` is not a RuleSet (a :class:`UsageError`).
    """
    if not isinstance(rule_set, RuleSet):
        raise _fail("rule_set", "a spmkit.RuleSet", rule_set)
    found: dict[str, str] = {}
    for indicator in rule_set.indicators.values():
        numerator, denominator = indicator.numerator, indicator.denominator
        if not isinstance(numerator, Input) or not isinstance(denominator, Input):
            continue
        if indicator.coverage is False:  # declared a rate: the numerator may exceed
            continue
        part, whole = numerator.name, denominator.name
        if part == whole or part in found:
            continue
        found[part] = whole
        if _cycle(found, part):
            del found[part]
    return found


def _cycle(subsets: Mapping[str, str], start: str) -> bool:
    seen = {start}
    node = subsets.get(start)
    while node is not None:
        if node in seen:
            return True
        seen.add(node)
        node = subsets.get(node)
    return False


def _check_subsets(rule_set: RuleSet, subsets: object) -> dict[str, str]:
    if not isinstance(subsets, Mapping):
        raise _fail("subsets", "a mapping of input name to the input it is part of", subsets)
    checked: dict[str, str] = {}
    for part, whole in subsets.items():
        for name in (part, whole):
            if name not in rule_set.inputs:
                known = ", ".join(sorted(rule_set.inputs))
                msg = (
                    f"'subsets' names {name!r}, which rule set {rule_set.id!r} does not "
                    f"declare; declared inputs are: {known}"
                )
                raise StrategyArgumentError(msg)
        if part == whole:
            raise _fail("subsets", "free of an input that is part of itself", {part: whole})
        checked[str(part)] = str(whole)
    for part in checked:
        if _cycle(checked, part):
            raise _fail("subsets", "free of loops (a part of b part of a)", dict(checked))
    return checked


def _denominator_inputs(rule_set: RuleSet) -> frozenset[str]:
    return frozenset().union(*(i.denominator.inputs for i in rule_set.indicators.values()))


def _order(names: Collection[str], subsets: Mapping[str, str]) -> list[str]:
    """Inputs ordered so that every population comes before its parts."""

    def depth(name: str) -> int:
        level = 0
        while name in subsets:
            name = subsets[name]
            level += 1
        return level

    return sorted(names, key=depth)


@st.composite
def _data(  # noqa: PLR0913 - the options of data_for, already checked
    draw: st.DrawFn,
    names: tuple[str, ...],
    subsets: Mapping[str, str],
    lower: Mapping[str, int],
    upper: Mapping[str, int],
    missing_inputs: bool,
    numerator_above_denominator: bool,
) -> dict[str, int]:
    values: dict[str, int] = {}
    for name in _order(names, subsets):
        high = upper[name]
        whole = subsets.get(name)
        if whole is not None and not numerator_above_denominator:
            high = min(high, values[whole])
        values[name] = draw(st.integers(lower[name], max(high, lower[name])), label=name)
    if missing_inputs:
        dropped = draw(st.sets(st.sampled_from(names))) if names else set()
        values = {name: value for name, value in values.items() if name not in dropped}
    return {name: values[name] for name in names if name in values}


def data_for(  # noqa: PLR0913 - the options are keyword-only and independent
    rule_set: RuleSet,
    *,
    min_value: int = 0,
    max_value: int = 1_000_000,
    zero_denominators: bool = True,
    missing_inputs: bool = False,
    numerator_above_denominator: bool = False,
    subsets: Mapping[str, str] | None = None,
) -> st.SearchStrategy[dict[str, int]]:
    """Data sets a rule set accepts: input name -> count, ready for ``spmkit._evaluation.scalar``.

    Counts are non-negative ints (the shrunk counterexamples read like a health office's
    table). Every declared input is present unless ``missing_inputs`` is true.

    Args:
        rule_set: the rule set the data are for.
        min_value: smallest count (0 or more).
        max_value: largest count (``min_value`` to 10**9).
        zero_denominators: let inputs that a denominator reads be 0. When false they are
            at least 1 (so a denominator that is one input is never zero).
        missing_inputs: leave some inputs out (each is absent in some draws).
        numerator_above_denominator: ignore the sub-populations, so a part may be larger
            than its whole (a coverage above 100 %, as estimated denominators produce).
        subsets: input -> the input it counts a part of (``{"bumil_k4": "sasaran_bumil"}``);
            a part is drawn no larger than its whole. By default :func:`inferred_subsets`.

    Raises:
        StrategyArgumentError: at once, for a bad argument (an unknown input name in
            ``subsets``, a loop, a bad range).
    """
    if not isinstance(rule_set, RuleSet):
        raise _fail("rule_set", "a spmkit.RuleSet", rule_set)
    _check_int("min_value", min_value, 0, MAX_COUNT)
    _check_int("max_value", max_value, min_value, MAX_COUNT)
    for label, flag in (
        ("zero_denominators", zero_denominators),
        ("missing_inputs", missing_inputs),
        ("numerator_above_denominator", numerator_above_denominator),
    ):
        _check_bool(label, flag)
    relations = inferred_subsets(rule_set) if subsets is None else _check_subsets(rule_set, subsets)
    # Declared bounds of each input (``min``/``max`` in the rule file) narrow the range.
    lower: dict[str, int] = {}
    upper: dict[str, int] = {}
    for name, spec in rule_set.inputs.items():
        lower[name] = max(min_value, math.ceil(spec.minimum or 0))
        upper[name] = (
            max_value if spec.maximum is None else min(max_value, math.floor(spec.maximum))
        )
    if not zero_denominators:
        if max_value < 1:
            raise _fail("max_value", "at least 1 when zero_denominators is False", max_value)
        for name in _denominator_inputs(rule_set):
            lower[name] = max(lower[name], 1)
    if not numerator_above_denominator:
        # A whole is at least as large as the least any of its parts may be.
        for name in _order(rule_set.inputs, relations)[::-1]:
            whole = relations.get(name)
            if whole is not None:
                lower[whole] = max(lower[whole], lower[name])
    empty = sorted(name for name in rule_set.inputs if lower[name] > upper[name])
    if empty:
        msg = (
            f"no value of {', '.join(empty)} lies within min_value={min_value}, "
            f"max_value={max_value} and the declared bounds of rule set {rule_set.id!r}"
        )
        raise StrategyArgumentError(msg)
    return _data(
        tuple(rule_set.inputs),
        relations,
        lower,
        upper,
        missing_inputs,
        numerator_above_denominator,
    )
