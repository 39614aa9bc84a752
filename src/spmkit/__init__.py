"""spmkit: Indonesia's minimum service standards (SPM) as rules as code.

Load a rule set, hand it counts, get back for every indicator the achievement, the
target, whether it is met, the gap, and why::

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> report = spmkit.evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000})
    >>> report["I.1"].value, report["I.1"].status.value
    (95.0, 'met')
"""

import importlib
import typing

if typing.TYPE_CHECKING:
    from spmkit.errors import (
        ChartUnavailableError,
        ConformanceError,
        CycleError,
        DataError,
        DataFileError,
        DataInvalid,
        ExpressionLimitError,
        ExpressionSyntaxError,
        ExtendsCycleError,
        RuleSetError,
        RuleSetInvalid,
        RuleSetNotFoundError,
        RuleSetPropertyError,
        SpmkitError,
        SpmkitWarning,
        StrategyArgumentError,
        UnitMismatchError,
        UnknownNameError,
        UnknownUnitError,
        UnverifiedValuesWarning,
        UsageError,
        format_errors,
    )
    from spmkit.evaluation.aggregate import (
        aggregate,
        stratify,
    )
    from spmkit.evaluation.batch import (
        BatchResult,
        CompiledRuleSet,
        IndicatorArrays,
        compile_rule_set,
        evaluate_batch,
    )
    from spmkit.evaluation.compare import (
        Comparison,
        compare,
    )
    from spmkit.evaluation.history import History, YearResult, evaluate_history
    from spmkit.evaluation.intervals import wilson_interval
    from spmkit.evaluation.progress import Progress
    from spmkit.evaluation.research import TableComparison, compare_table, impact
    from spmkit.evaluation.results import (
        IndicatorResult,
        Report,
        Status,
    )
    from spmkit.evaluation.scalar import (
        evaluate,
        validate_data,
    )
    from spmkit.files.export import (
        render,
    )
    from spmkit.language.parse import (
        parse_expression,
    )
    from spmkit.rulesets.catalogue import RuleSetRecord, list_rule_sets, rule_set_for
    from spmkit.rulesets.diff import (
        IndicatorChange,
        RuleSetDiff,
        diff,
    )
    from spmkit.rulesets.dump import (
        dump_rule_set,
    )
    from spmkit.rulesets.model import (
        Baseline,
        Indicator,
        InForce,
        InputKind,
        InputSpec,
        Jurisdiction,
        LegalBasis,
        RuleSet,
        ServiceType,
        Source,
        Target,
        UnitAcceptance,
        ValueProvenance,
        Verification,
    )
    from spmkit.rulesets.reader import (
        load_rule_set,
        loads_rule_set,
        shipped_rule_sets,
    )

__version__ = "0.1.0"

# Where each public name lives. Nothing is imported until a name is first used, so
# `import spmkit` stays cheap: numpy (batch) and pint (units) load on first use.
_LOCATIONS: dict[str, str] = {
    "TableComparison": "spmkit.evaluation.research",
    "compare_table": "spmkit.evaluation.research",
    "impact": "spmkit.evaluation.research",
    "wilson_interval": "spmkit.evaluation.intervals",
    "ChartUnavailableError": "spmkit.errors",
    "ConformanceError": "spmkit.errors",
    "DataFileError": "spmkit.errors",
    "RuleSetPropertyError": "spmkit.errors",
    "StrategyArgumentError": "spmkit.errors",
    "UsageError": "spmkit.errors",
    "BatchResult": "spmkit.evaluation.batch",
    "Comparison": "spmkit.evaluation.compare",
    "CompiledRuleSet": "spmkit.evaluation.batch",
    "CycleError": "spmkit.errors",
    "DataError": "spmkit.errors",
    "DataInvalid": "spmkit.errors",
    "ExpressionLimitError": "spmkit.errors",
    "ExpressionSyntaxError": "spmkit.errors",
    "ExtendsCycleError": "spmkit.errors",
    "Indicator": "spmkit.rulesets.model",
    "IndicatorArrays": "spmkit.evaluation.batch",
    "IndicatorChange": "spmkit.rulesets.diff",
    "IndicatorResult": "spmkit.evaluation.results",
    "InputKind": "spmkit.rulesets.model",
    "InputSpec": "spmkit.rulesets.model",
    "Jurisdiction": "spmkit.rulesets.model",
    "LegalBasis": "spmkit.rulesets.model",
    "Report": "spmkit.evaluation.results",
    "RuleSet": "spmkit.rulesets.model",
    "RuleSetDiff": "spmkit.rulesets.diff",
    "RuleSetError": "spmkit.errors",
    "RuleSetInvalid": "spmkit.errors",
    "RuleSetNotFoundError": "spmkit.errors",
    "ServiceType": "spmkit.rulesets.model",
    "Source": "spmkit.rulesets.model",
    "SpmkitError": "spmkit.errors",
    "SpmkitWarning": "spmkit.errors",
    "Status": "spmkit.evaluation.results",
    "Target": "spmkit.rulesets.model",
    "UnitAcceptance": "spmkit.rulesets.model",
    "UnitMismatchError": "spmkit.errors",
    "UnknownNameError": "spmkit.errors",
    "UnknownUnitError": "spmkit.errors",
    "UnverifiedValuesWarning": "spmkit.errors",
    "ValueProvenance": "spmkit.rulesets.model",
    "Verification": "spmkit.rulesets.model",
    "aggregate": "spmkit.evaluation.aggregate",
    "compare": "spmkit.evaluation.compare",
    "compile_rule_set": "spmkit.evaluation.batch",
    "diff": "spmkit.rulesets.diff",
    "dump_rule_set": "spmkit.rulesets.dump",
    "evaluate": "spmkit.evaluation.scalar",
    "evaluate_batch": "spmkit.evaluation.batch",
    "format_errors": "spmkit.errors",
    "load_rule_set": "spmkit.rulesets.reader",
    "loads_rule_set": "spmkit.rulesets.reader",
    "parse_expression": "spmkit.language.parse",
    "render": "spmkit.files.export",
    "shipped_rule_sets": "spmkit.rulesets.reader",
    "stratify": "spmkit.evaluation.aggregate",
    "validate_data": "spmkit.evaluation.scalar",
    # Rules in time (docs/time.md).
    "Baseline": "spmkit.rulesets.model",
    "History": "spmkit.evaluation.history",
    "InForce": "spmkit.rulesets.model",
    "Progress": "spmkit.evaluation.progress",
    "RuleSetRecord": "spmkit.rulesets.catalogue",
    "YearResult": "spmkit.evaluation.history",
    "evaluate_history": "spmkit.evaluation.history",
    "list_rule_sets": "spmkit.rulesets.catalogue",
    "rule_set_for": "spmkit.rulesets.catalogue",
}

__all__ = [
    "Baseline",
    "BatchResult",
    "ChartUnavailableError",
    "Comparison",
    "CompiledRuleSet",
    "ConformanceError",
    "CycleError",
    "DataError",
    "DataFileError",
    "DataInvalid",
    "ExpressionLimitError",
    "ExpressionSyntaxError",
    "ExtendsCycleError",
    "History",
    "InForce",
    "Indicator",
    "IndicatorArrays",
    "IndicatorChange",
    "IndicatorResult",
    "InputKind",
    "InputSpec",
    "Jurisdiction",
    "LegalBasis",
    "Progress",
    "Report",
    "RuleSet",
    "RuleSetDiff",
    "RuleSetError",
    "RuleSetInvalid",
    "RuleSetNotFoundError",
    "RuleSetPropertyError",
    "RuleSetRecord",
    "ServiceType",
    "Source",
    "SpmkitError",
    "SpmkitWarning",
    "Status",
    "StrategyArgumentError",
    "TableComparison",
    "Target",
    "UnitAcceptance",
    "UnitMismatchError",
    "UnknownNameError",
    "UnknownUnitError",
    "UnverifiedValuesWarning",
    "UsageError",
    "ValueProvenance",
    "Verification",
    "YearResult",
    "__version__",
    "aggregate",
    "compare",
    "compare_table",
    "compile_rule_set",
    "diff",
    "dump_rule_set",
    "evaluate",
    "evaluate_batch",
    "evaluate_history",
    "format_errors",
    "impact",
    "list_rule_sets",
    "load_rule_set",
    "loads_rule_set",
    "parse_expression",
    "render",
    "rule_set_for",
    "shipped_rule_sets",
    "stratify",
    "validate_data",
    "wilson_interval",
]


def __getattr__(name: str) -> typing.Any:  # noqa: ANN401 - a public name of any kind
    """Import a public name on first use and remember it (PEP 562)."""
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'spmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if getattr(value, "__module__", None) == module and hasattr(value, "__qualname__"):
        # As httpx does: a public function or class says it is spmkit's, so that
        # `spmkit.evaluate` is never confused with a module, and reprs and docs name spmkit.X.
        value.__module__ = "spmkit"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
