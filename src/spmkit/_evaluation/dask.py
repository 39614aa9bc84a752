"""Batch evaluation of a Dask DataFrame: one lazy batch call per partition.

Dask does the scheduling (threads, processes or a cluster); this module only tells it
what to compute for each partition. Partitions are independent because evaluation is
row by row, so the result equals the in-memory evaluation of the whole data set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spmkit._rulesets.model import RuleSet

__all__ = ["evaluate_dask"]


Compiler = Callable[[RuleSet], Any]


def _partition(
    frame: Any,  # noqa: ANN401 - a pandas frame
    rule_set: RuleSet,
    compiler: Compiler,
    keys: Sequence[str],
    allow_unknown: bool,
) -> Any:  # noqa: ANN401 - a pandas frame
    # The compiler travels by reference (module and name), so worker processes find it.
    result = compiler(rule_set).evaluate(frame, keys=keys, allow_unknown=allow_unknown)
    return result.to_pandas("wide").set_axis(frame.index)


def evaluate_dask(
    rule_set: RuleSet,
    data: Any,  # noqa: ANN401 - a dask DataFrame
    *,
    compiler: Compiler,
    keys: Sequence[str],
    allow_unknown: bool,
) -> Any:  # noqa: ANN401 - a dask DataFrame
    """Return a lazy Dask DataFrame of the wide results, one task per partition.

    The rule set (not its compiled program, which holds closures) travels to the
    workers with ``compiler`` (the batch module's ``compile_rule_set``, passed in so that
    this module does not import the batch module back), so process-based clusters work.
    """
    meta = _partition(data._meta, rule_set, compiler, tuple(keys), allow_unknown)  # noqa: SLF001 - Dask's documented empty frame
    return data.map_partitions(
        _partition, rule_set, compiler, tuple(keys), allow_unknown, meta=meta
    )
