"""Evaluate a rule set on one data set: a pure function with exact arithmetic.

``evaluate(rule_set, data)`` reads nothing but its arguments, changes neither, keeps no
state and does no I/O. Values are exact (:class:`~fractions.Fraction`): an int is
itself, a float is the decimal it prints as (``0.1`` is 1/10, which is what the person
who typed it meant), so a target decision never flips on binary rounding. The semantics
are written down in ``docs/semantics.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from math import gcd
from pathlib import Path
from typing import Any, Final, NamedTuple

import attrs

from spmkit._arguments import require_flag
from spmkit._evaluation.plan import COMPARE, IndicatorPlan, Plan, exact, plan_of, ratio
from spmkit._evaluation.progress import (
    Period,
    Timing,
    describe_milestone,
    describe_target,
    judge_progress,
    progress_of,
    timing,
)
from spmkit._evaluation.results import IndicatorResult, Report, Status, assemble
from spmkit._evaluation.shown import Threshold, shown_gap, shown_text, thresholds_of
from spmkit._evaluation.values import (
    bad_values,
    constrain,
    convert_value,
    quantity_rule,
    unconvertible_hint,
)
from spmkit._frozen import FrozenMap
from spmkit._language.expr import (
    BinOp,
    Call,
    Expression,
    Input,
    Neg,
    Number,
    Ref,
    exact_decimal,
    render_operand,
)
from spmkit._limits import MAX_VALUE_BITS, NUMBER_BOUND
from spmkit._numbers import exact_decimals, number_text, whole_text
from spmkit._rulesets.check import suggest
from spmkit._rulesets.model import (
    Indicator,
    InputSpec,
    LegalBasis,
    RuleSet,
    Target,
    suffix_words,
)
from spmkit._rulesets.scoring import band_of
from spmkit._translation import Language, both_notations, in_language, tr
from spmkit.errors import DataError, DataInvalid, UnknownUnitError

__all__ = [
    "Numbers",
    "evaluate",
    "evaluate_checked",
    "evaluate_row",
    "evaluate_some",
    "from_quantity",
    "is_quantity",
    "validate_data",
]


@attrs.frozen
class _Missing:
    """No value: an input the data lack (names kept for the report)."""

    inputs: frozenset[str]


@attrs.frozen
class _Undefined:
    """No value: a division by zero inside an expression."""


_Value = Fraction | _Missing | _Undefined


def is_quantity(value: object) -> bool:
    """A pint quantity (of any registry), recognised without importing pint."""
    return hasattr(value, "magnitude") and hasattr(value, "units") and hasattr(value, "to")


def from_quantity(spec: InputSpec, value: Any) -> Fraction | DataError:  # noqa: ANN401 - pint
    """Convert a quantity to an exact number in the input's declared unit."""
    # Imported here: pint is needed only when quantities are given.
    from spmkit._rulesets.units import factor_from  # noqa: PLC0415

    rule = quantity_rule(spec.unit)
    try:
        factor = factor_from(value, spec.unit)
    except UnknownUnitError as exc:
        return DataError(spec.name, value, rule, exc.message)
    if factor is None:
        return DataError(spec.name, value, rule, unconvertible_hint(value.units, spec.unit))
    magnitude = convert_value(spec.name, value.magnitude)
    if magnitude is None:
        return DataError(spec.name, value, rule, tr("the magnitude is missing"))
    if isinstance(magnitude, DataError):
        return DataError(spec.name, value, rule, magnitude.hint)
    return magnitude * factor


def validate_data(
    rule_set: RuleSet | str | Path, data: Mapping[str, object], *, allow_unknown: bool = False
) -> dict[str, Fraction]:
    """Check a data set against a rule set's inputs and convert it to exact numbers.

    Absent inputs (or ``None``) are left out, except optional inputs with a default,
    which take it. A plain number is in the input's declared unit; a pint quantity (of
    any registry) is converted exactly to it (3 m**3/day is 3000 L/day) or refused when
    its unit does not convert. Each value must then fit its input's constraints: a count
    is a whole number, and ``min``/``max`` bound the value (docs/units.md).

    Unknown names are refused (they are usually typos) unless
    ``allow_unknown`` is true, e.g. for one data set evaluated under several rule sets.

    Raises:
        DataInvalid: every bad value of the data set, each naming its input and value.
        UsageError: ``rule_set`` is not a rule set, an id or a path; ``allow_unknown``
            is not True or False.
    """
    return _validated(plan_of(rule_set), data, allow_unknown=allow_unknown)[0]


def _validated(
    plan: Plan, data: Mapping[str, object], *, allow_unknown: bool
) -> tuple[dict[str, Fraction], dict[str, int]]:
    """:func:`validate_data`, and the values that were plain ints (for integer decisions)."""
    if type(allow_unknown) is not bool:
        require_flag(allow_unknown, "allow_unknown")
    if not isinstance(data, Mapping):
        problem = DataError("<data>", data, tr("a mapping of input name to value"))
        raise DataInvalid(tr("data is not a mapping"), [problem])
    problems: list[DataError] = []
    values: dict[str, Fraction] = {}
    ints: dict[str, int] = {}
    inputs, unbounded = plan.inputs, plan.unbounded
    for name, raw in data.items():
        # The usual count: a non-negative int of an input without bounds; nothing can fail.
        if type(raw) is int and 0 <= raw < NUMBER_BOUND and name in unbounded:
            values[name] = exact(raw, 1)
            ints[name] = raw
            continue
        spec = inputs.get(name)
        if spec is None:
            if not allow_unknown:
                problems.append(_unknown(plan.rule_set, name, raw))
            continue
        if type(raw) is int and 0 <= raw < NUMBER_BOUND:
            converted: Fraction | DataError | None = exact(raw, 1)
        elif is_quantity(raw):
            converted = from_quantity(spec, raw)
        else:
            converted = convert_value(name, raw)
        if converted is not None and not isinstance(converted, DataError):
            values[name] = converted
            # Without bounds, a whole number breaks no rule: skip building the rules' texts.
            if spec.minimum is not None or spec.maximum is not None or converted.denominator != 1:
                converted = constrain(spec, raw, converted)
        if isinstance(converted, DataError):
            problems.append(converted)
    if problems:
        raise bad_values(plan.rule_set.id, problems)
    for name, default in plan.defaults:
        if name not in values:
            values[name] = default
    return values, ints


def _unknown(rule_set: RuleSet, name: object, raw: object) -> DataError:
    """The problem of a name the rule set does not declare (with the nearest names)."""
    return DataError(
        str(name),
        raw,
        tr("a declared input of rule set {rule_set!r}", rule_set=rule_set.id),
        tr(
            "{suggestion}; pass allow_unknown=True to ignore extra inputs",
            suggestion=suggest(str(name), rule_set.inputs),
        ),
    )


def _evaluate_expression(
    expression: Expression, values: Mapping[str, Fraction], refs: Mapping[str, _Value]
) -> _Value:
    if isinstance(expression, Number):
        return expression.value
    if isinstance(expression, Input):
        found = values.get(expression.name)
        return _Missing(frozenset({expression.name})) if found is None else found
    if isinstance(expression, Ref):
        return refs[expression.indicator_id]
    if isinstance(expression, Neg):
        operand = _evaluate_expression(expression.operand, values, refs)
        return -operand if isinstance(operand, Fraction) else operand
    if isinstance(expression, Call):
        args = [_evaluate_expression(arg, values, refs) for arg in expression.args]
        if expression.function == "coalesce":
            for arg in args:
                if isinstance(arg, Fraction):
                    return arg
            return _first_problem(args)
        if not all(isinstance(arg, Fraction) for arg in args):
            return _first_problem(args)
        numbers_: list[Fraction] = args  # type: ignore[assignment]  # checked just above
        if expression.function == "sum":
            return sum(numbers_, Fraction(0))
        if expression.function == "min":
            return min(numbers_)
        return max(numbers_)
    left = _evaluate_expression(expression.left, values, refs)
    right = _evaluate_expression(expression.right, values, refs)
    if not isinstance(left, Fraction) or not isinstance(right, Fraction):
        return _first_problem([left, right])
    if expression.op == "+":
        return left + right
    if expression.op == "-":
        return left - right
    if expression.op == "*":
        return _bounded(left * right)
    if right == 0:
        return _Undefined()
    return _bounded(left / right)


class _ValueTooLarge(Exception):  # noqa: N818 - internal: turned into a DataInvalid
    """A value computed while evaluating is over :data:`~spmkit._limits.MAX_VALUE_BITS`."""

    def __init__(self, bits: int) -> None:
        super().__init__(bits)
        self.bits = bits


def _bounded(value: Fraction) -> Fraction:
    """The value, or :class:`_ValueTooLarge` when its numerator or denominator is too long."""
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    if bits > MAX_VALUE_BITS:
        raise _ValueTooLarge(bits)
    return value


def _too_large(rule_set_id: str, indicator_id: str, bits: int) -> DataInvalid:
    """The located error of an indicator whose computation goes over the value bound."""
    problem = DataError(
        f"@{indicator_id}",
        tr("a value of {bits} bits", bits=bits),
        tr(
            "a value of at most {limit} bits (about {digits} digits) at every step of "
            "indicator {id!r}",
            limit=MAX_VALUE_BITS,
            digits=int(MAX_VALUE_BITS / 3.3219280948873626),
            id=indicator_id,
        ),
        tr(
            "its formula makes numbers this large from these data (a product of products?); "
            "check the formula of {id!r} (docs/semantics.md, Limits)",
            id=indicator_id,
        ),
    )
    return DataInvalid(
        tr(
            "rule set {rule_set!r}: indicator {id!r} computes a value too large to hold exactly",
            rule_set=rule_set_id,
            id=indicator_id,
        ),
        [problem],
    )


def _operand_value(
    expression: Expression, values: Mapping[str, Fraction], refs: Mapping[str, _Value]
) -> _Value:
    """A numerator or denominator: most are one input, looked up without the walk."""
    if type(expression) is Input:
        found = values.get(expression.name)
        return _Missing(frozenset((expression.name,))) if found is None else found
    return _evaluate_expression(expression, values, refs)


def _first_problem(args: list[_Value]) -> _Value:
    """Missing data wins over undefined: more data could change the answer."""
    missing = frozenset().union(*(a.inputs for a in args if isinstance(a, _Missing)))
    if missing:
        return _Missing(missing)
    return _Undefined()


def _show(value: Fraction, lang: str = "en") -> str:
    """An input or a reference as written in an explanation, by the one number formatter.

    Exact when short (95, 1.5, 0.25), otherwise rounded (94.23, 0.003559); in
    Indonesian (``lang="id"``) ``4.900`` and ``94,23``.
    """
    numerator, denominator = value.as_integer_ratio()  # one call, not two properties
    if denominator == 1 and -_WHOLE < numerator < _WHOLE:  # a count: number_text's grouping
        return whole_text(numerator, lang)
    if len(str(numerator)) + len(str(denominator)) > _LONG:
        return f"{Decimal(numerator) / Decimal(denominator):.6E}"
    places = exact_decimals(value)
    if places is None or places > _SHORT_DECIMALS:
        if abs(numerator) >= denominator:
            places = _SHORT_DECIMALS
        else:  # four significant digits of a small number (0.003559)
            places = len(str(denominator // abs(numerator))) + _SIGNIFICANT - 1
    return number_text(value, lang, places)


def _operand(expression: Expression, leaf: Callable[[Expression], str | None] | None) -> str:
    return render_operand(expression, leaf)


_LONG: Final = 60
_WHOLE: Final = 10**50
"""Whole numbers below this (in size) are written grouped, as counts (well under _LONG)."""
"""Digits of a number's numerator and denominator past which it is written 1.234568E+40."""
_SHORT_DECIMALS: Final = 2
_SIGNIFICANT: Final = 4
# The parts of an explanation that depend on the indicator alone, by indicator identity.
_FIXED_TEXT: dict[int, tuple[Indicator, tuple[str, str, str, str]]] = {}


def _fixed_text(indicator: Indicator) -> tuple[str, str, str, str]:
    """The factor, its suffix, the formula and the target of an indicator, as text."""
    found = _FIXED_TEXT.get(id(indicator))
    if found is not None and found[0] is indicator:
        return found[1]
    formula = f"{_operand(indicator.numerator, None)} / {_operand(indicator.denominator, None)}"
    factor = both_notations(exact_decimal(indicator.factor))
    text = (factor, suffix_words(indicator.factor), formula, describe_target(indicator))
    if len(_FIXED_TEXT) >= 4096:
        _FIXED_TEXT.clear()
    _FIXED_TEXT[id(indicator)] = (indicator, text)
    return text


def _explain(  # noqa: PLR0913 - the explanation is built from every part of the result
    indicator: Indicator,
    status: Status,
    values: Mapping[str, Fraction],
    refs: Mapping[str, _Value],
    decided: tuple[Fraction | None, Fraction | None, Fraction | None],
    missing: tuple[str, ...],
    citation: str,
    target_text: str | None = None,
    lang: str = "en",
) -> str:
    """The formula with the values substituted, the target, the verdict and the source.

    ``decided`` is (value, gap, milestone); the value is written as every output shows
    it (:mod:`spmkit._evaluation.shown`): ``94,996`` where ``95,00`` would contradict
    the verdict beside it.
    """
    value, gap, milestone = decided
    language: Language = "id" if lang == "id" else "en"
    numerator, denominator = indicator.numerator, indicator.denominator
    if isinstance(numerator, Input) and isinstance(denominator, Input):  # the usual ratio
        n, d = values.get(numerator.name), values.get(denominator.name)
        numbers_ = (
            f"{'?' if n is None else _show(n, lang)} / {'?' if d is None else _show(d, lang)}"
        )
    else:

        def leaf(node: Expression) -> str | None:
            if isinstance(node, Input):
                found = values.get(node.name)
                return "?" if found is None else _show(found, lang)
            if isinstance(node, Ref):
                found_ref = refs.get(node.indicator_id)
                return _show(found_ref, lang) if isinstance(found_ref, Fraction) else "?"
            return None

        numbers_ = f"{_operand(numerator, leaf)} / {_operand(denominator, leaf)}"
    head, factor, suffix, target, source = _frame(indicator, citation, target_text, language)
    words = _phrases(language)
    if status is Status.NO_DATA:
        outcome = words["no data"].format(missing=", ".join(missing), target=target)
    elif status is Status.UNDEFINED:
        outcome = words["undefined"].format(target=target)
    else:
        assert value is not None and gap is not None  # noqa: S101 - computed statuses have both
        thresholds, bounds = _judged_by(indicator, milestone)
        decimals, shown = shown_text(value, thresholds, language, bounds)
        verdict = words["met"]
        if status is Status.NOT_MET:
            points = words["points"] if suffix == " %" else suffix
            verdict = words["not met"].format(gap=shown_gap(gap, language, decimals), points=points)
        outcome = f"= {shown}{suffix}; {target}: {verdict}"
    return f"{head}{numbers_} x {factor} {outcome}. {source}"


_FRAMES: dict[tuple[int, str, str | None, str], tuple[Indicator, tuple[str, ...]]] = {}


def _frame(
    indicator: Indicator, citation: str, target_text: str | None, language: Language
) -> tuple[str, ...]:
    """The words of an explanation that do not depend on the row, kept per indicator.

    ``(head, factor, suffix, target, source)``: ``"I.1: a / b x 100 = "``, ``"100"``,
    ``" %"``, ``"target >= 95 % by 2015"`` and ``"Source: ... ."``, in ``language``.
    """
    key = (id(indicator), citation, target_text, language)
    found = _FRAMES.get(key)
    if found is not None and found[0] is indicator:
        return found[1]
    factor, suffix, formula, target = _fixed_text(indicator)
    factor, suffix = in_language(factor, language), in_language(suffix, language)
    target = in_language(target_text or target, language)
    where = indicator.source.ref
    if citation:
        where = f"{indicator.source.instrument or citation}, {where}"
    source = _phrases(language)["source"].format(where=where)
    frame = (f"{indicator.id}: {formula} x {factor} = ", factor, suffix, target, source)
    if len(_FRAMES) >= 4096:
        _FRAMES.clear()
    _FRAMES[key] = (indicator, frame)
    return frame


_THRESHOLDS: dict[int, tuple[Indicator, tuple[Threshold, ...], tuple[float, ...] | None]] = {}


def _judged_by(
    indicator: Indicator, milestone: Fraction | None
) -> tuple[tuple[Threshold, ...], tuple[float, ...] | None]:
    """The thresholds a value of ``indicator`` is shown against, and their bounds as floats.

    Kept per indicator (by identity) when there is no milestone: the usual case.
    """
    if milestone is not None:
        return thresholds_of(indicator.target, milestone, indicator.bands), None
    found = _THRESHOLDS.get(id(indicator))
    if found is not None and found[0] is indicator:
        return found[1], found[2]
    thresholds = thresholds_of(indicator.target, None, indicator.bands)
    try:
        bounds: tuple[float, ...] | None = tuple(float(bound) for _op, bound in thresholds)
    except OverflowError:
        bounds = None
    if len(_THRESHOLDS) >= 4096:
        _THRESHOLDS.clear()
    _THRESHOLDS[id(indicator)] = (indicator, thresholds, bounds)
    return thresholds, bounds


@functools.cache
def _phrases(language: Language) -> dict[str, str]:
    """The words of an explanation in ``language``, translated once: templates to fill.

    Each is ``tr()`` with its fields given as themselves (``gap="{gap}"``), so the
    result is the translated template; filling it later gives what ``tr()`` with the
    values gives (every field here is plain text, the same in both languages).
    """
    return {
        "no data": tr(
            "= no data (missing {missing}); {target}: not judged",
            missing="{missing}",
            target="{target}",
        ).in_lang(language),
        "undefined": tr(
            "= undefined (the denominator is zero); {target}: not judged", target="{target}"
        ).in_lang(language),
        "met": tr("met").in_lang(language),
        "points": tr(" percentage points").in_lang(language),
        "not met": tr("not met, gap {gap}{points}", gap="{gap}", points="{points}").in_lang(
            language
        ),
        "source": tr("Source: {where}.", where="{where}").in_lang(language),
    }


def _scored(  # noqa: PLR0913 - the result's parts and the language
    indicator: Indicator,
    explanation: str,
    refs: Mapping[str, _Value],
    value: Fraction | None,
    indicators: Mapping[str, Indicator],
    lang: str = "en",
) -> str:
    """An index's own explanation, and the band of the value (spmkit._evaluation.scoring)."""
    language: Language = "id" if lang == "id" else "en"
    # Imported here: the scoring helpers import numpy for batch bands.
    from spmkit._evaluation.scoring import band_text, explain_index  # noqa: PLC0415

    if indicator.index is not None:
        components = {
            c: found if isinstance(found := refs.get(c), Fraction) else None
            for c in indicator.index.weights
        }
        _formula, _sep, verdict = explanation.partition("; target ")
        verdict = f" Target {verdict}" if verdict else ""
        explanation = explain_index(indicator, indicators, components, value, language) + verdict
    if indicator.bands:
        band = band_text(band_of(indicator.bands, value), language)
        explanation = f"{explanation} " + tr("Band: {band}.", band=band).in_lang(language)
    return explanation


_ZERO: Final = Fraction(0)


def _decide(
    numerator: Fraction, denominator: Fraction, factor: Fraction, judged: Target
) -> tuple[Fraction, bool, Fraction]:
    """Value, met and gap of ``numerator / denominator * factor`` with integers.

    The value is ``a / b`` with ``b > 0``; against the target ``p / q`` it is met when
    ``a * q`` compares to ``p * b`` as the target says, and the gap is
    ``|p * b - q * a| / (q * b)``: the same as Fraction arithmetic, with one
    normalisation per Fraction instead of one per operation.
    """
    target = judged.value
    a = numerator.numerator * denominator.denominator * factor.numerator
    b = numerator.denominator * denominator.numerator * factor.denominator
    if b < 0:
        a, b = -a, -b
    if max(a.bit_length(), b.bit_length()) > MAX_VALUE_BITS:
        _bounded(ratio(a, b))  # the value in lowest terms may still fit
    p, q = target.numerator, target.denominator
    met = COMPARE[judged.op](a * q, p * b)
    gap = _ZERO if met else ratio(abs(p * b - q * a), q * b)
    return ratio(a, b), met, gap


_Parts = tuple[
    Indicator,
    Status,
    Mapping[str, Fraction],
    Mapping[str, _Value],
    Fraction | None,
    Fraction | None,
    tuple[str, ...],
    LegalBasis,
    str | None,
    Fraction | None,
]


_CITED: dict[int, tuple[LegalBasis, str]] = {}


def _cited(legal_basis: LegalBasis) -> str:
    """``legal_basis.cite()``, kept per legal basis (by identity): one per rule set."""
    found = _CITED.get(id(legal_basis))
    if found is not None and found[0] is legal_basis:
        return found[1]
    text = legal_basis.cite()
    if len(_CITED) >= 4096:
        _CITED.clear()
    _CITED[id(legal_basis)] = (legal_basis, text)
    return text


def _explanation(parts: _Parts, lang: str, indicators: Mapping[str, Indicator]) -> str:
    """A result's explanation, built when it is first read (see :func:`_lazy`)."""
    indicator, status, values, refs, value, gap, missing, legal_basis, target, milestone = parts
    citation = _cited(legal_basis)
    text = _explain(
        indicator, status, values, refs, (value, gap, milestone), missing, citation, target, lang
    )
    if indicator.index is None and not indicator.bands:
        return text
    return _scored(indicator, text, refs, value, indicators, lang)


def _lazy(
    parts: _Parts, indicators: Mapping[str, Indicator]
) -> tuple[Callable[[], str], Callable[[], str]]:
    """The English and Indonesian explanations, as functions called on first reading.

    ``functools.partial`` of a module function: immutable, picklable, and cheap to make.
    """
    return (
        functools.partial(_explanation, parts, "en", indicators),
        functools.partial(_explanation, parts, "id", indicators),
    )


def _evaluate_indicator(  # noqa: PLR0913 - an indicator, its context, and the rule set for indices
    plan: IndicatorPlan,
    values: Mapping[str, Fraction],
    refs: Mapping[str, _Value],
    legal_basis: LegalBasis,
    when: Timing | None = None,
    indicators: Mapping[str, Indicator] | None = None,
    *,
    lean: bool = False,
) -> tuple[IndicatorResult | Numbers, _Value]:
    """The general path: any expression, any year; exact with Fractions.

    With ``lean``, the numbers only (:class:`Numbers`), without the record.
    """
    indicator = plan.indicator
    numerator = _operand_value(indicator.numerator, values, refs)
    denominator = _operand_value(indicator.denominator, values, refs)
    value: Fraction | None = None
    gap: Fraction | None = None
    met: bool | None = None
    missing: tuple[str, ...] = ()
    outcome: _Value
    judged, final, milestone = indicator.target, indicator.target, None
    if when is not None:
        judged, milestone, final = judge_progress(indicator, when)
    if isinstance(numerator, _Missing) or isinstance(denominator, _Missing):
        problem = _first_problem([numerator, denominator])
        assert isinstance(problem, _Missing)  # noqa: S101 - one of them is missing
        missing = tuple(sorted(problem.inputs))
        status, outcome = Status.NO_DATA, problem
    elif (
        not isinstance(numerator, Fraction)
        or not isinstance(denominator, Fraction)
        or denominator.numerator == 0
    ):
        status, outcome = Status.UNDEFINED, _Undefined()
    else:
        value, met, gap = _decide(numerator, denominator, indicator.factor, judged)
        status = Status.MET if met else Status.NOT_MET
        outcome = value
    exact_num = numerator if isinstance(numerator, Fraction) else None
    exact_den = denominator if isinstance(denominator, Fraction) else None
    # A coverage's numerator is a subset of its denominator, so more is a data problem (or
    # an estimated denominator); a declared rate (coverage: false) may exceed it freely.
    exceeds = (
        plan.coverage
        and exact_num is not None
        and exact_den is not None
        and exact_den.numerator > 0
        and exact_den.numerator * exact_num.denominator
        < exact_num.numerator * exact_den.denominator
    )
    if lean:
        return Numbers(status, exact_num, exact_den, value, met, gap, exceeds), outcome
    band = band_of(indicator.bands, value)
    parts = (
        indicator,
        status,
        values,
        refs,
        value,
        gap,
        missing,
        legal_basis,
        None if when is None else describe_milestone(indicator, when, judged.value),
        milestone,
    )
    result = assemble(
        plan.template,
        status,
        exact_num,
        exact_den,
        value,
        met,
        gap,
        exceeds,
        missing,
        *_lazy(parts, indicators or {}),
        None if band is None else band.label,
        None if band is None else band.label_en,
        None
        if when is None or value is None
        else progress_of(value, judged, final, indicator.deadline, when.year),
        milestone,
    )
    return result, outcome


def _whole(expression: Expression, ints: Mapping[str, int]) -> int | None:
    """The int value of a whole-shaped expression (see the plan) on int inputs.

    None when an input it needs is not an int here (missing, or given as a float or a
    Fraction): the general path then decides, with its rules for missing data.
    """
    if isinstance(expression, Input):
        return ints.get(expression.name)
    if isinstance(expression, Number):
        return expression.value.numerator  # whole: checked when the plan was made
    if isinstance(expression, Neg):
        operand = _whole(expression.operand, ints)
        return None if operand is None else -operand
    if isinstance(expression, BinOp):
        left = _whole(expression.left, ints)
        right = None if left is None else _whole(expression.right, ints)
        if left is None or right is None:
            return None
        if expression.op == "+":
            return left + right
        if expression.op == "-":
            return left - right
        product = left * right
        if product.bit_length() > MAX_VALUE_BITS:
            raise _ValueTooLarge(product.bit_length())
        return product
    if isinstance(expression, Call):
        args = []
        for arg in expression.args:
            value = _whole(arg, ints)
            if value is None:
                return None
            args.append(value)
        if expression.function == "sum":
            return sum(args)
        if expression.function == "min":
            return min(args)
        return max(args) if expression.function == "max" else args[0]  # coalesce: the first
    return None


def _evaluate_ints(  # noqa: PLR0913 - an indicator, its data, and its context
    plan: IndicatorPlan,
    numerator: int,
    denominator: int,
    values: Mapping[str, Fraction],
    refs: Mapping[str, _Value],
    legal_basis: LegalBasis,
    indicators: Mapping[str, Indicator],
    *,
    lean: bool = False,
) -> tuple[IndicatorResult | Numbers, Fraction]:
    """The usual case: a ratio of int inputs (or whole expressions of them), not over 0.

    The same decision as :func:`_decide` (which it is tested against): the value is
    ``a / b`` with ``a = n * factor_n`` and ``b = d * factor_d`` (both negated when ``b``
    is negative), compared with the target ``p / q`` as ``a * q`` against ``p * b``;
    Fractions only for the results.
    """
    a, b = numerator * plan.factor_n, denominator * plan.factor_d
    if b < 0:  # an expression's difference (inputs themselves are never negative)
        a, b = -a, -b
    if max(a.bit_length(), b.bit_length()) > MAX_VALUE_BITS:
        _bounded(ratio(a, b))  # the value in lowest terms may still fit
    p, q = plan.target_p, plan.target_q
    met = plan.compare(a * q, p * b)
    common = gcd(a, b)
    value = exact(a // common, b // common)
    if met:
        gap, status = _ZERO, Status.MET
    else:
        gap, status = ratio(abs(p * b - q * a), q * b), Status.NOT_MET
    if lean:
        terms = (
            exact(numerator, 1) if plan.numerator_input is None else values[plan.numerator_input],
            exact(denominator, 1)
            if plan.denominator_input is None
            else values[plan.denominator_input],
        )
        exceeds = plan.coverage and 0 < denominator < numerator
        return Numbers(status, *terms, value, met, gap, exceeds), value
    indicator = plan.indicator
    parts = (indicator, status, values, refs, value, gap, (), legal_basis, None, None)
    band = band_of(indicator.bands, value) if indicator.bands else None
    result = assemble(
        plan.template,
        status,
        exact(numerator, 1) if plan.numerator_input is None else values[plan.numerator_input],
        exact(denominator, 1) if plan.denominator_input is None else values[plan.denominator_input],
        value,
        met,
        gap,
        plan.coverage and 0 < denominator < numerator,
        (),
        *_lazy(parts, indicators),
        None if band is None else band.label,
        None if band is None else band.label_en,
    )
    return result, value


def _evaluate_step(  # noqa: PLR0913 - one step of evaluate's loop
    step: IndicatorPlan,
    values: Mapping[str, Fraction],
    ints: Mapping[str, int],
    refs: Mapping[str, _Value],
    legal_basis: LegalBasis,
    when: Timing | None,
    indicators: Mapping[str, Indicator],
    *,
    lean: bool = False,
) -> tuple[IndicatorResult | Numbers, _Value]:
    """One indicator: the int path when its operands are ints, else the general one."""
    numerator = ints.get(step.numerator_input)  # type: ignore[arg-type]  # None: not there
    if numerator is None and step.numerator_whole is not None:
        numerator = _whole(step.numerator_whole, ints)
    denominator = ints.get(step.denominator_input)  # type: ignore[arg-type]
    if denominator is None and step.denominator_whole is not None:
        denominator = _whole(step.denominator_whole, ints)
    if numerator is not None and denominator and when is None:
        return _evaluate_ints(
            step, numerator, denominator, values, refs, legal_basis, indicators, lean=lean
        )
    return _evaluate_indicator(step, values, refs, legal_basis, when, indicators, lean=lean)


def evaluate(
    rule_set: RuleSet | str | Path,
    data: Mapping[str, object],
    *,
    allow_unknown: bool = False,
    year: int | None = None,
    period: Period | None = None,
) -> Report:
    """Evaluate every indicator of a rule set on one data set.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> report = evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000})
    >>> r = report["I.1"]
    >>> r.value, r.met, r.status.value
    (95.0, True, 'met')

    Args:
        rule_set: a loaded rule set, or its id or file (as :func:`spmkit.diff` takes).
        data: input name -> count (int, float, Fraction or Decimal; None or absent when
            unknown). Never modified.
        allow_unknown: ignore names the rule set does not declare instead of refusing them.
        year: judge each indicator against its milestone of that year (a phased target,
            docs/time.md), and report ``progress`` and ``milestone`` on every result.
        period: with ``year``, a part of it (``"Q2"`` or a month 1-12): the data are
            cumulative so far and the milestone is taken pro rata (docs/time.md).

    Returns:
        A :class:`~spmkit._evaluation.results.Report`: one result per indicator, in order.

    Raises:
        DataInvalid: the data have bad values (negative, NaN, infinite, booleans, text,
            unknown names); every one is reported. Also when an indicator computes a
            value over 4,096 bits (``MAX_VALUE_BITS``, docs/semantics.md), naming it.
        UsageError: a bad ``year`` or ``period``, or a period without a year; ``rule_set``
            not a rule set, an id or a path; ``allow_unknown`` not True or False.
    """
    when = timing(year, period)
    plan = plan_of(rule_set)
    values, ints = _validated(plan, data, allow_unknown=allow_unknown)
    refs: dict[str, _Value] = {}
    results: dict[str, IndicatorResult] = {}
    indicators = plan.rule_set.indicators
    legal_basis = plan.rule_set.legal_basis
    outcome: _Value
    for step in plan.indicators:
        try:
            result, outcome = _evaluate_step(
                step, values, ints, refs, legal_basis, when, indicators
            )
        except _ValueTooLarge as exc:
            raise _too_large(plan.rule_set.id, step.indicator.id, exc.bits) from None
        indicator_id = step.indicator.id
        refs[indicator_id] = outcome
        results[indicator_id] = result  # type: ignore[assignment]  # a record: lean is False
    if not plan.in_order:
        results = {indicator_id: results[indicator_id] for indicator_id in indicators}
    return Report(rule_set_id=plan.rule_set.id, results=FrozenMap(results), rule_set=plan.rule_set)


def evaluate_some(
    rule_set: RuleSet, data: Mapping[str, object], indicator_ids: Sequence[str]
) -> dict[str, IndicatorResult]:
    """Evaluate only some indicators (and those they reference), exactly as :func:`evaluate`.

    For a file's rows that need exact arithmetic for a few indicators: they do not pay
    for all the others.

    Raises:
        DataInvalid: as :func:`evaluate`.
    """
    plan = plan_of(rule_set)
    values, ints = _validated(plan, data, allow_unknown=False)
    return _some(plan, values, ints, indicator_ids, lean=False)  # type: ignore[return-value]  # records


class Numbers(NamedTuple):
    """The numbers of one indicator's result, without its record (the batch fallback's).

    The fields are named as the record's (:class:`IndicatorResult`), and hold the same.
    """

    status: Status
    numerator: Fraction | None
    denominator: Fraction | None
    exact_value: Fraction | None
    met: bool | None
    exact_gap: Fraction | None
    exceeds_denominator: bool


def evaluate_checked(
    plan: Plan,
    values: dict[str, Fraction],
    ints: Mapping[str, int],
    indicator_ids: Sequence[str],
) -> dict[str, Numbers]:
    """The numbers :func:`evaluate_some` gives, on values checked and converted already.

    For the batch fallback, which checks and converts every column once (the same
    rules, :mod:`spmkit._evaluation.values`) instead of once per row, and keeps numbers,
    not records. ``values`` holds the present inputs (the defaults of absent optional
    inputs are added here, into it); ``ints`` those of them that are ints of inputs
    without bounds (the int path).

    Raises:
        DataInvalid: an indicator computes a value over the bound (as :func:`evaluate`).
    """
    for name, default in plan.defaults:
        if name not in values:
            values[name] = default
    return _some(plan, values, ints, indicator_ids, lean=True)  # type: ignore[return-value]  # lean


def evaluate_row(
    plan: Plan,
    data: Mapping[str, object],
    indicator_ids: Sequence[str],
    *,
    allow_unknown: bool,
) -> dict[str, Numbers]:
    """The numbers of :func:`evaluate_checked` for one row of values as given.

    The row is checked and converted exactly as :func:`evaluate` does it.

    Raises:
        DataInvalid: as :func:`evaluate`.
    """
    values, ints = _validated(plan, data, allow_unknown=allow_unknown)
    return evaluate_checked(plan, values, ints, indicator_ids)


def _some(
    plan: Plan,
    values: Mapping[str, Fraction],
    ints: Mapping[str, int],
    indicator_ids: Sequence[str],
    *,
    lean: bool,
) -> dict[str, IndicatorResult | Numbers]:
    """Some indicators (and what they reference), in order; records or, ``lean``, numbers."""
    rule_set = plan.rule_set
    steps = _steps_for(plan, tuple(indicator_ids))
    refs: dict[str, _Value] = {}
    results: dict[str, IndicatorResult | Numbers] = {}
    legal_basis, indicators = rule_set.legal_basis, rule_set.indicators
    for step in steps:
        indicator_id = step.indicator.id
        try:
            # The int path where the inputs allow it, as evaluate: the batch fallback is
            # then never slower than evaluate() row by row.
            result, outcome = _evaluate_step(
                step, values, ints, refs, legal_basis, None, indicators, lean=lean
            )
        except _ValueTooLarge as exc:
            raise _too_large(rule_set.id, indicator_id, exc.bits) from None
        refs[indicator_id] = outcome
        results[indicator_id] = result
    return {indicator_id: results[indicator_id] for indicator_id in indicator_ids}


_STEPS: dict[tuple[int, tuple[str, ...]], tuple[Plan, tuple[IndicatorPlan, ...]]] = {}


def _steps_for(plan: Plan, indicator_ids: tuple[str, ...]) -> tuple[IndicatorPlan, ...]:
    """The plan's steps that the indicators need (they and what they reference), in order.

    Kept per plan and indicator list: the batch fallback asks for the same ones row after
    row.
    """
    key = (id(plan), indicator_ids)
    found = _STEPS.get(key)
    if found is not None and found[0] is plan:
        return found[1]
    wanted: set[str] = set()
    stack = list(indicator_ids)
    while stack:
        indicator_id = stack.pop()
        if indicator_id not in wanted:
            wanted.add(indicator_id)
            stack.extend(plan.rule_set.indicators[indicator_id].refs)
    steps = tuple(step for step in plan.indicators if step.indicator.id in wanted)
    if len(_STEPS) >= 256:
        _STEPS.clear()
    _STEPS[key] = (plan, steps)
    return steps
