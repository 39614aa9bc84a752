"""Batch evaluation of a Dask DataFrame: one lazy batch call per partition.

Dask does the scheduling (threads, processes or a cluster); this module only tells it
what to compute for each partition. Partitions are independent because evaluation is
row by row, so the result equals the in-memory evaluation of the whole data set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spmkit.rulesets.model import RuleSet

__all__ = ["evaluate_dask"]


def _partition(frame: Any, rule_set: RuleSet, keys: Sequence[str], allow_unknown: bool) -> Any:  # noqa: ANN401 - pandas frames
    # Imported here so that a worker process unpickling this function finds spmkit.
    from spmkit.evaluation.batch import compile_rule_set  # noqa: PLC0415

    result = compile_rule_set(rule_set).evaluate(frame, keys=keys, allow_unknown=allow_unknown)
    return result.to_pandas("wide").set_axis(frame.index)


def evaluate_dask(
    rule_set: RuleSet,
    data: Any,  # noqa: ANN401 - a dask DataFrame
    *,
    keys: Sequence[str],
    allow_unknown: bool,
) -> Any:  # noqa: ANN401 - a dask DataFrame
    """Return a lazy Dask DataFrame of the wide results, one task per partition.

    The rule set (not its compiled program, which holds closures) travels to the
    workers, so process-based clusters work too.
    """
    meta = _partition(data._meta, rule_set, tuple(keys), allow_unknown)  # noqa: SLF001 - Dask's documented empty frame
    return data.map_partitions(_partition, rule_set, tuple(keys), allow_unknown, meta=meta)
