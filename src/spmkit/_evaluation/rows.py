"""A batch row's record: the :class:`~spmkit.IndicatorResult` scalar ``evaluate`` gives it.

Every renderer of many rows (files, tables, the regions page, quarterly, history) reads
the same record as a single evaluation yields, so a value, its shown text, band,
milestone, progress and provenance cannot differ between paths. The record is rebuilt
from the batch arrays of one row: the exact numerator and denominator (read as the
evaluators read a number), the decision the engine took exactly (status, met), the gap
``|target - value|`` as the scalar evaluator computes it, and the rule set's result
template (name, target, sources...). Nothing is evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from spmkit._caches import identity_cache
from spmkit._evaluation.plan import IndicatorPlan, plan_of, ratio
from spmkit._evaluation.results import IndicatorResult, Status, assemble

if TYPE_CHECKING:
    from spmkit._evaluation.batch import IndicatorArrays
    from spmkit._rulesets.model import RuleSet

__all__ = ["plain_missing", "row_record"]

_STATUSES = (Status.MET, Status.NOT_MET, Status.NO_DATA, Status.UNDEFINED)
_ZERO = Fraction(0)


@identity_cache(32)
def _plans(rule_set: RuleSet) -> dict[str, IndicatorPlan]:
    return {plan.indicator.id: plan for plan in plan_of(rule_set).indicators}


def plain_missing(
    rule_set: RuleSet, indicator_id: str, values: Mapping[str, object]
) -> tuple[str, ...] | None:
    """The inputs a no-data row misses, as scalar ``evaluate`` names them, for a plain ratio.

    None for an indicator whose numerator or denominator is an expression (the caller
    asks the scalar evaluator then).
    """
    plan = _plans(rule_set)[indicator_id]
    names = (plan.numerator_input, plan.denominator_input)
    if None in names:
        return None
    inputs = rule_set.inputs
    return tuple(
        sorted(
            {
                name
                for name in names
                if name is not None and values.get(name) is None and inputs[name].default is None
            }
        )
    )


def row_record(  # noqa: PLR0913 - the row, and how its explanation is built
    rule_set: RuleSet,
    arrays: IndicatorArrays,
    row: int,
    *,
    explanation: str | Callable[[], str] = "",
    explanation_id: str | Callable[[], str] = "",
    missing_inputs: tuple[str, ...] = (),
) -> IndicatorResult:
    """The record of ``row`` of one indicator's arrays (see the module docstring).

    ``missing_inputs`` are the row's missing inputs, which the arrays do not keep (the
    caller that has the row's values passes them).
    """
    plan = _plans(rule_set)[arrays.indicator_id]
    status = _STATUSES[int(arrays.status_code[row])]
    numerator, denominator = arrays.exact_terms(row)
    value: Fraction | None = None
    met: bool | None = None
    gap: Fraction | None = None
    milestone = None
    if arrays.milestone is not None:
        judged = arrays.judged_target(row)
        milestone = None if judged is arrays.target else judged.value
    if (status is Status.MET or status is Status.NOT_MET) and numerator is not None and denominator:
        factor = arrays.factor
        # numerator / denominator * factor on the integers, as the scalar evaluator does.
        top = numerator.numerator * denominator.denominator * factor.numerator
        bottom = numerator.denominator * denominator.numerator * factor.denominator
        value = ratio(-top, -bottom) if bottom < 0 else ratio(top, bottom)
        met = status is Status.MET
        bound = arrays.target.value if milestone is None else milestone
        gap = _ZERO if met or value is None else abs(bound - value)
    band = None if arrays.band is None else arrays.band[row]
    band_en = None if arrays.band_en is None else arrays.band_en[row]
    progress = None if arrays.progress is None else arrays.progress[row]
    return assemble(
        plan.template,
        status,
        numerator,
        denominator,
        value,
        met,
        gap,
        bool(arrays.exceeds_denominator[row]),
        missing_inputs if status is Status.NO_DATA else (),
        explanation,
        explanation_id,
        band,
        band_en,
        progress,
        milestone,
    )
