"""Documented usage of the public API, type-checked by `make typecheck` (mypy --strict).

Not run by pytest: it exists so that a change that breaks the typed surface users rely on
fails the type check.
"""

from __future__ import annotations

from fractions import Fraction

import spmkit


def achievement(rule_set: spmkit.RuleSet, k4: int, target: int) -> float | None:
    report: spmkit.Report = spmkit.evaluate(rule_set, {"bumil_k4": k4, "sasaran_bumil": target})
    result: spmkit.IndicatorResult = report["I.1"]
    status: spmkit.Status = result.status
    exact: Fraction | None = result.exact_value
    met: bool | None = result.met
    if status is spmkit.Status.MET and met and exact is not None:
        return result.value
    return result.gap


def targets(rule_set: spmkit.RuleSet) -> dict[str, tuple[str, Fraction, int | None]]:
    indicators: list[spmkit.Indicator] = list(rule_set.indicators.values())
    return {
        indicator.id: (indicator.target.op, indicator.target.value, indicator.deadline)
        for indicator in indicators
    }


def problems(text: str) -> list[str]:
    try:
        spmkit.loads_rule_set(text, file="x.yaml")
    except spmkit.RuleSetInvalid as group:
        return [f"{e.where}: {e.message}" for e in group.exceptions]
    return []


def inputs_of(expression_text: str) -> frozenset[str]:
    return spmkit.parse_expression(expression_text).inputs


rs: spmkit.RuleSet = spmkit.load_rule_set("kulon-progo-2011")
achievement(rs, 950, 1000)
targets(rs)
problems("id: x")
inputs_of("a / b")
