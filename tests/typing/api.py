"""Documented usage of the public API, type-checked by `make typecheck` (mypy --strict).

Not run by pytest: it exists so that a change that breaks the typed surface users rely on
fails the type check.
"""

from __future__ import annotations

import datetime as dt
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


def in_force_on(jurisdiction: str, year: int) -> tuple[str, dt.date | None]:
    """Rules in time: which rule set applied, and since when."""
    rule_set = spmkit.rule_set_for(jurisdiction, year)
    return rule_set.id, rule_set.in_force_from


def progress_in(rule_set: spmkit.RuleSet, year: int) -> dict[str, spmkit.Progress | None]:
    report = spmkit.evaluate(rule_set, {"bumil_k4": 950, "sasaran_bumil": 1000}, year=year)
    milestones: list[Fraction | None] = [r.milestone for r in report.values()]
    del milestones
    return {iid: r.progress for iid, r in report.items()}


def history_rule_sets(table: dict[str, list[int]]) -> dict[int, str]:
    history: spmkit.History = spmkit.evaluate_history("Kabupaten Siak", table)
    records: tuple[spmkit.RuleSetRecord, ...] = spmkit.list_rule_sets("siak", on=2013)
    del records
    return history.rule_set_by_year()


in_force_on("Kabupaten Kulon Progo", 2012)
progress_in(rs, 2013)
