"""spmkit: Indonesia's minimum service standards (SPM) as rules as code.

Load a rule set, hand it counts, get back for every indicator the achievement, the
target, whether it is met, the gap, and why::

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> report = spmkit.evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000})
    >>> report["I.1"].value, report["I.1"].status.value
    (95.0, 'met')
"""

from spmkit._aggregate import aggregate, stratify
from spmkit.batch import (
    BatchResult,
    CompiledRuleSet,
    IndicatorArrays,
    compile_rule_set,
    evaluate_batch,
)
from spmkit.compare import Comparison, compare
from spmkit.diff import IndicatorChange, RuleSetDiff, diff
from spmkit.dump import dump_rule_set
from spmkit.errors import (
    CycleError,
    DataError,
    DataInvalid,
    ExpressionLimitError,
    ExpressionSyntaxError,
    ExtendsCycleError,
    RuleSetError,
    RuleSetInvalid,
    RuleSetNotFoundError,
    SpmkitError,
    SpmkitWarning,
    UnitMismatchError,
    UnknownNameError,
    UnknownUnitError,
    UnverifiedValuesWarning,
    format_errors,
)
from spmkit.evaluate import evaluate, validate_data
from spmkit.model import (
    Indicator,
    InputKind,
    InputSpec,
    Jurisdiction,
    LegalBasis,
    RuleSet,
    ServiceType,
    Source,
    Target,
    UnitAcceptance,
    Verification,
)
from spmkit.parse import parse_expression
from spmkit.results import IndicatorResult, Report, Status
from spmkit.rules import load_rule_set, loads_rule_set, shipped_rule_sets

__version__ = "0.1.0"

__all__ = [
    "BatchResult",
    "Comparison",
    "CompiledRuleSet",
    "CycleError",
    "DataError",
    "DataInvalid",
    "ExpressionLimitError",
    "ExpressionSyntaxError",
    "ExtendsCycleError",
    "Indicator",
    "IndicatorArrays",
    "IndicatorChange",
    "IndicatorResult",
    "InputKind",
    "InputSpec",
    "Jurisdiction",
    "LegalBasis",
    "Report",
    "RuleSet",
    "RuleSetDiff",
    "RuleSetError",
    "RuleSetInvalid",
    "RuleSetNotFoundError",
    "ServiceType",
    "Source",
    "SpmkitError",
    "SpmkitWarning",
    "Status",
    "Target",
    "UnitAcceptance",
    "UnitMismatchError",
    "UnknownNameError",
    "UnknownUnitError",
    "UnverifiedValuesWarning",
    "Verification",
    "__version__",
    "aggregate",
    "compare",
    "compile_rule_set",
    "diff",
    "dump_rule_set",
    "evaluate",
    "evaluate_batch",
    "format_errors",
    "load_rule_set",
    "loads_rule_set",
    "parse_expression",
    "shipped_rule_sets",
    "stratify",
    "validate_data",
]
