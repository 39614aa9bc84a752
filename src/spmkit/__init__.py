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

from spmkit import _shims

if typing.TYPE_CHECKING:
    from spmkit._evaluation.aggregate import (
        aggregate,
        stratify,
    )
    from spmkit._evaluation.batch import (
        BatchResult,
        CompiledRuleSet,
        IndicatorArrays,
        compile_rule_set,
        evaluate_batch,
    )
    from spmkit._evaluation.compare import (
        Comparison,
        compare,
    )
    from spmkit._evaluation.history import History, YearResult, evaluate_history
    from spmkit._evaluation.intervals import wilson_interval
    from spmkit._evaluation.progress import Progress
    from spmkit._evaluation.research import TableComparison, compare_table, impact
    from spmkit._evaluation.results import (
        IndicatorResult,
        Report,
        Status,
    )
    from spmkit._evaluation.scalar import (
        evaluate,
        validate_data,
    )
    from spmkit._evaluation.spm_report import ServiceRow, SpmReport, UrusanReport, report_spm
    from spmkit._evaluation.sql import evaluate_sql, to_sql
    from spmkit._files.export import (
        render,
    )
    from spmkit._interop.fhir import (
        to_fhir,
    )
    from spmkit._language.parse import (
        parse_expression,
    )
    from spmkit._rulesets.catalogue import RuleSetRecord, list_rule_sets, rule_set_for
    from spmkit._rulesets.diff import (
        IndicatorChange,
        RuleSetDiff,
        diff,
    )
    from spmkit._rulesets.dump import (
        dump_rule_set,
    )
    from spmkit._rulesets.model import (
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
    from spmkit._rulesets.reader import (
        load_rule_set,
        loads_rule_set,
        shipped_rule_sets,
    )
    from spmkit.errors import (
        ChartUnavailableError,
        ConformanceError,
        CycleError,
        DataError,
        DataFileError,
        DataInvalid,
        Dhis2Error,
        ExpressionLimitError,
        ExpressionSyntaxError,
        ExtendsCycleError,
        RuleSetError,
        RuleSetInvalid,
        RuleSetNotFoundError,
        RuleSetPropertyError,
        RuleTestError,
        RuleTestFailedError,
        ServiceLimitError,
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

__version__ = "0.1.0"

_shims.install()

# Where each public name lives. Nothing is imported until a name is first used, so
# `import spmkit` stays cheap: numpy (batch) and pint (units) load on first use.
_LOCATIONS: dict[str, str] = {
    "TableComparison": "spmkit._evaluation.research",
    "compare_table": "spmkit._evaluation.research",
    "impact": "spmkit._evaluation.research",
    "wilson_interval": "spmkit._evaluation.intervals",
    "ChartUnavailableError": "spmkit.errors",
    "ConformanceError": "spmkit.errors",
    "DataFileError": "spmkit.errors",
    "RuleSetPropertyError": "spmkit.errors",
    "StrategyArgumentError": "spmkit.errors",
    "UsageError": "spmkit.errors",
    "BatchResult": "spmkit._evaluation.batch",
    "Comparison": "spmkit._evaluation.compare",
    "CompiledRuleSet": "spmkit._evaluation.batch",
    "CycleError": "spmkit.errors",
    "DataError": "spmkit.errors",
    "DataInvalid": "spmkit.errors",
    "ExpressionLimitError": "spmkit.errors",
    "ExpressionSyntaxError": "spmkit.errors",
    "ExtendsCycleError": "spmkit.errors",
    "Indicator": "spmkit._rulesets.model",
    "IndicatorArrays": "spmkit._evaluation.batch",
    "IndicatorChange": "spmkit._rulesets.diff",
    "IndicatorResult": "spmkit._evaluation.results",
    "InputKind": "spmkit._rulesets.model",
    "InputSpec": "spmkit._rulesets.model",
    "Jurisdiction": "spmkit._rulesets.model",
    "LegalBasis": "spmkit._rulesets.model",
    "Report": "spmkit._evaluation.results",
    "RuleSet": "spmkit._rulesets.model",
    "RuleSetDiff": "spmkit._rulesets.diff",
    "RuleSetError": "spmkit.errors",
    "RuleSetInvalid": "spmkit.errors",
    "RuleSetNotFoundError": "spmkit.errors",
    "ServiceType": "spmkit._rulesets.model",
    "Source": "spmkit._rulesets.model",
    "SpmkitError": "spmkit.errors",
    "SpmkitWarning": "spmkit.errors",
    "Status": "spmkit._evaluation.results",
    "Target": "spmkit._rulesets.model",
    "UnitAcceptance": "spmkit._rulesets.model",
    "UnitMismatchError": "spmkit.errors",
    "UnknownNameError": "spmkit.errors",
    "UnknownUnitError": "spmkit.errors",
    "UnverifiedValuesWarning": "spmkit.errors",
    "ValueProvenance": "spmkit._rulesets.model",
    "Verification": "spmkit._rulesets.model",
    "aggregate": "spmkit._evaluation.aggregate",
    "compare": "spmkit._evaluation.compare",
    "compile_rule_set": "spmkit._evaluation.batch",
    "diff": "spmkit._rulesets.diff",
    "dump_rule_set": "spmkit._rulesets.dump",
    "evaluate": "spmkit._evaluation.scalar",
    "evaluate_batch": "spmkit._evaluation.batch",
    "evaluate_sql": "spmkit._evaluation.sql",
    "to_sql": "spmkit._evaluation.sql",
    "format_errors": "spmkit.errors",
    "load_rule_set": "spmkit._rulesets.reader",
    "loads_rule_set": "spmkit._rulesets.reader",
    "parse_expression": "spmkit._language.parse",
    "render": "spmkit._files.export",
    "shipped_rule_sets": "spmkit._rulesets.reader",
    "stratify": "spmkit._evaluation.aggregate",
    "validate_data": "spmkit._evaluation.scalar",
    # Rules in time (docs/time.md).
    "Baseline": "spmkit._rulesets.model",
    "History": "spmkit._evaluation.history",
    "InForce": "spmkit._rulesets.model",
    "Progress": "spmkit._evaluation.progress",
    "RuleSetRecord": "spmkit._rulesets.catalogue",
    "YearResult": "spmkit._evaluation.history",
    "evaluate_history": "spmkit._evaluation.history",
    "list_rule_sets": "spmkit._rulesets.catalogue",
    "rule_set_for": "spmkit._rulesets.catalogue",
    "Dhis2Error": "spmkit.errors",
    "RuleTestError": "spmkit.errors",
    "RuleTestFailedError": "spmkit.errors",
    "ServiceLimitError": "spmkit.errors",
    "to_fhir": "spmkit._interop.fhir",
    # The cross-urusan SPM report (docs/spm-report.md).
    "ServiceRow": "spmkit._evaluation.spm_report",
    "SpmReport": "spmkit._evaluation.spm_report",
    "UrusanReport": "spmkit._evaluation.spm_report",
    "report_spm": "spmkit._evaluation.spm_report",
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
    "Dhis2Error",
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
    "RuleTestError",
    "RuleTestFailedError",
    "ServiceLimitError",
    "ServiceRow",
    "ServiceType",
    "Source",
    "SpmReport",
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
    "UrusanReport",
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
    "evaluate_sql",
    "format_errors",
    "impact",
    "list_rule_sets",
    "load_rule_set",
    "loads_rule_set",
    "parse_expression",
    "render",
    "report_spm",
    "rule_set_for",
    "shipped_rule_sets",
    "stratify",
    "to_fhir",
    "to_sql",
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
