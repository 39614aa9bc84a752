"""Comparisons a researcher can publish: many regions under several rule sets, and impact.

:func:`compare_table` judges a whole table (one row per region) under each rule set with
the batch engine and lines the verdicts up per indicator and region; :meth:`TableComparison.flips`
says how many regions change verdict from one rule set to another, and which. :func:`impact`
takes a :class:`~spmkit._rulesets.diff.RuleSetDiff` and says, for each changed rule, which
results it moves. Outputs are plain data (``to_dict``), CSV text and DataFrames.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from spmkit._arguments import RULE_SETS, require, require_sequence
from spmkit._evaluation.batch import BatchResult, evaluate_batch
from spmkit._frozen import FrozenMap, freeze
from spmkit._messages import code_words
from spmkit._rulesets.diff import RuleSetDiff
from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._translation import Language, in_language, tr
from spmkit.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Flip", "ImpactOfChange", "TableComparison", "compare_table", "impact"]

_JUDGED = ("met", "not_met")


@attrs.frozen(kw_only=True)
class Flip:
    """Regions whose verdict on one indicator changes from one rule set to another."""

    indicator_id: str
    from_rule_set: str
    to_rule_set: str
    from_status: str
    to_status: str
    regions: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many regions flip."""
        return len(self.regions)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "indicator": self.indicator_id,
            "from_rule_set": self.from_rule_set,
            "to_rule_set": self.to_rule_set,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "count": self.count,
            "regions": list(self.regions),
        }


def _region_names(result: BatchResult, keys: Sequence[str]) -> tuple[str, ...]:
    if keys:
        columns = [result.key_columns[key] for key in keys]
        return tuple(" / ".join(str(c[row]) for c in columns) for row in range(result.rows))
    return tuple(f"row {row + 1}" for row in range(result.rows))


def _float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@attrs.frozen(kw_only=True, eq=False)
class TableComparison:
    """Every region of a table judged under several rule sets, aligned by indicator.

    Attributes:
        rule_set_ids: the compared rule sets, in the order given.
        regions: one name per row (the key columns joined, or ``row N``).
        indicator_ids: every indicator id of any rule set, first-seen order.
        results: one batch result per rule set, in order.
    """

    rule_set_ids: tuple[str, ...]
    regions: tuple[str, ...]
    indicator_ids: tuple[str, ...]
    results: tuple[BatchResult, ...]
    rule_sets: tuple[RuleSet, ...] = ()

    def targets(self, indicator_id: str) -> dict[str, dict[str, Any] | None]:
        """Per rule set, the indicator's target and where that target comes from.

        For an overlay that set the target itself, the source is the overlay's own
        (``rule_set`` names it), not the regulation it extends.
        """
        found: dict[str, dict[str, Any] | None] = {}
        for rule_set in self.rule_sets:
            indicator = rule_set.indicators.get(indicator_id)
            if indicator is None:
                found[rule_set.id] = None
                continue
            source = indicator.source_of("target")
            found[rule_set.id] = {
                "op": indicator.target.op,
                "value": float(indicator.target.value),
                "source": source.ref,
                "verification": source.verification.value,
                "set_by": source.rule_set or rule_set.id,
            }
        return found

    def statuses(
        self, indicator_id: str, aliases: Mapping[str, str] | None = None
    ) -> FrozenMap[str, tuple[str, ...]]:
        """Per rule set, the status of every region (absent indicators: ``absent``).

        ``aliases`` names the indicator's id in a rule set that numbers it otherwise
        (rule-set id -> indicator id: a diff's pairs through ``corresponds_to``).
        """
        found: dict[str, tuple[str, ...]] = {}
        for rule_set_id, result in zip(self.rule_set_ids, self.results, strict=True):
            own = (aliases or {}).get(rule_set_id, indicator_id)
            if own in result:
                found[rule_set_id] = tuple(str(s) for s in result[own].status)
            else:
                found[rule_set_id] = ("absent",) * len(self.regions)
        return freeze(found)

    def values(
        self, indicator_id: str, aliases: Mapping[str, str] | None = None
    ) -> FrozenMap[str, tuple[float | None, ...]]:
        """Per rule set, the achievement of every region (None where not computed)."""
        found: dict[str, tuple[float | None, ...]] = {}
        for rule_set_id, result in zip(self.rule_set_ids, self.results, strict=True):
            own = (aliases or {}).get(rule_set_id, indicator_id)
            if own in result:
                found[rule_set_id] = tuple(_float(v) for v in result[own].value)
            else:
                found[rule_set_id] = (None,) * len(self.regions)
        return freeze(found)

    def flips(
        self, indicator_id: str | None = None, aliases: Mapping[str, str] | None = None
    ) -> tuple[Flip, ...]:
        """Verdicts that change between consecutive rule sets (met <-> not met).

        Only judged verdicts count as flips; a region with no data under one rule set
        and a verdict under the other is a change of coverage, not of verdict.
        """
        ids = self.indicator_ids if indicator_id is None else (indicator_id,)
        found = []
        for iid in ids:
            statuses = self.statuses(iid, aliases)
            for first, second in zip(self.rule_set_ids, self.rule_set_ids[1:], strict=False):
                before, after = statuses[first], statuses[second]
                for old, new in (("met", "not_met"), ("not_met", "met")):
                    regions = tuple(
                        region
                        for region, b, a in zip(self.regions, before, after, strict=True)
                        if (b, a) == (old, new)
                    )
                    if regions:
                        found.append(
                            Flip(
                                indicator_id=iid,
                                from_rule_set=first,
                                to_rule_set=second,
                                from_status=old,
                                to_status=new,
                                regions=regions,
                            )
                        )
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: verdicts and values per indicator, region and rule set."""
        indicators = {}
        for iid in self.indicator_ids:
            indicators[iid] = {
                "statuses": {k: list(v) for k, v in self.statuses(iid).items()},
                "values": {k: list(v) for k, v in self.values(iid).items()},
                "flips": [flip.to_dict() for flip in self.flips(iid)],
                "targets": self.targets(iid),
            }
        flips = self.flips()
        return {
            "rule_sets": list(self.rule_set_ids),
            "regions": list(self.regions),
            "indicators": indicators,
            "summary": {
                "flips": len(flips),
                "regions_flipping": sum(flip.count for flip in flips),
                "indicators_with_flips": sorted({flip.indicator_id for flip in flips}),
            },
        }

    def rows(self) -> Iterator[tuple[str, str, str, float | None, str]]:
        """Long form: (indicator, region, rule set, value, status) per cell."""
        for iid in self.indicator_ids:
            statuses, values = self.statuses(iid), self.values(iid)
            for rule_set_id in self.rule_set_ids:
                for number, region in enumerate(self.regions):
                    yield (
                        iid,
                        region,
                        rule_set_id,
                        values[rule_set_id][number],
                        statuses[rule_set_id][number],
                    )

    def to_csv(self) -> str:
        """The long form as CSV text (region cells neutralised against formula injection)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("indicator", "region", "rule_set", "value", "status"))
        for iid, region, rule_set_id, value, status in self.rows():
            safe = "'" + region if region[:1] in ("=", "+", "-", "@", "\t", "\r") else region
            writer.writerow((iid, safe, rule_set_id, "" if value is None else repr(value), status))
        return buffer.getvalue()

    def to_pandas(self) -> Any:  # noqa: ANN401 - pandas is an optional extra
        """The long form as a pandas DataFrame."""
        import pandas as pd  # noqa: PLC0415 - optional extra

        return pd.DataFrame(
            list(self.rows()), columns=["indicator", "region", "rule_set", "value", "status"]
        )

    def __str__(self) -> str:
        return self.text()

    def text(self, lang: str = "en") -> str:
        """The verdict changes as text, in English or (``lang="id"``) Indonesian."""
        language: Language = "id" if lang == "id" else "en"
        ids = ", ".join(self.rule_set_ids)
        lines = [tr("{count} region(s) under {ids}", count=len(self.regions), ids=ids)]
        flips = self.flips()
        if not flips:
            lines.append(tr("no verdict changes between the rule sets"))
        for flip in flips:
            shown = ", ".join(flip.regions[:5]) + (", ..." if flip.count > 5 else "")
            lines.append(
                tr(
                    "{iid}: {count} region(s) {old} under {a} -> {new} under {b} ({shown})",
                    iid=flip.indicator_id,
                    count=flip.count,
                    old=code_words(flip.from_status),
                    new=code_words(flip.to_status),
                    a=flip.from_rule_set,
                    b=flip.to_rule_set,
                    shown=shown,
                )
            )
        return "\n".join(in_language(line, language) for line in lines)


def _route(
    table: Mapping[str, Any], rule_set: RuleSet, keys: Sequence[str], mapping: Mapping[str, str]
) -> dict[str, Any]:
    """The columns one rule set reads (its inputs, renamed back from the table's names)."""
    routed = {key: table[key] for key in keys}
    for name in rule_set.inputs:
        column = mapping.get(name, name)
        if column in table:
            routed[name] = table[column]
    return routed


def _columns(table: Any) -> Mapping[str, Any]:  # noqa: ANN401 - a mapping or a frame
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):
        return {str(name): table[name] for name in table.columns}
    if isinstance(table, Mapping):
        return table
    msg = tr("a table is a mapping of column name -> values, or a pandas/polars DataFrame")
    raise UsageError(msg)


def compare_table(
    rule_sets: Sequence[RuleSet | str | Path],
    table: Any,  # noqa: ANN401 - a mapping of columns or a DataFrame
    *,
    keys: Sequence[str] = (),
    inputs: Mapping[str, Mapping[str, str]] | None = None,
    year: int | str | None = None,
) -> TableComparison:
    """Judge every region (row) of ``table`` under each rule set and align the verdicts.

    >>> t = {"puskesmas": ["A", "B"], "bumil_k4": [950, 3], "sasaran_bumil": [1000, 4]}
    >>> c = compare_table(["kulon-progo-2011", "permenkes-741-2008"], t, keys=["puskesmas"])
    >>> c.statuses("I.1")["kulon-progo-2011"]
    ('met', 'not_met')

    Args:
        rule_sets: rule sets, shipped ids or files.
        table: columns by name (region key columns and input counts).
        keys: the columns that name a region.
        inputs: per rule-set id, its input names mapped to the table's column names.
        year: a year, or the key column of years: each row judged against its year's
            milestone, as ``evaluate_batch(year=...)`` judges it.

    Raises:
        UsageError: ``rule_sets`` is not a list of rule sets, none is given, or a key
            column is not in the table.
    """
    require_sequence(rule_sets, "rule_sets", RULE_SETS)
    resolved = [resolve_rule_set(rule_set) for rule_set in rule_sets]
    if not resolved:
        msg = tr("compare needs at least one rule set")
        raise UsageError(msg)
    columns = _columns(table)
    missing_keys = [key for key in keys if key not in columns]
    if missing_keys:
        msg = tr("key column(s) not in the table: {keys}", keys=", ".join(missing_keys))
        raise UsageError(msg)
    mappings = inputs or {}
    results = tuple(
        evaluate_batch(
            rule_set,
            _route(columns, rule_set, keys, mappings.get(rule_set.id, {})),
            keys=tuple(keys),
            year=year,
        )
        for rule_set in resolved
    )
    ids = dict.fromkeys(iid for rule_set in resolved for iid in rule_set.indicators)
    return TableComparison(
        rule_set_ids=tuple(rule_set.id for rule_set in resolved),
        regions=_region_names(results[0], keys),
        indicator_ids=tuple(ids),
        results=results,
        rule_sets=tuple(resolved),
    )


@attrs.frozen(kw_only=True)
class ImpactOfChange:
    """What one changed indicator of a diff does to the results of a table.

    Attributes:
        indicator_id: the changed indicator.
        fields: which of its rules changed (target, formula, ...).
        moved: regions whose achievement value changes.
        flipped: the verdict changes (met <-> not met) the change causes.
    """

    indicator_id: str
    fields: tuple[str, ...]
    moved: tuple[str, ...]
    flipped: tuple[Flip, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "indicator": self.indicator_id,
            "fields": list(self.fields),
            "moved": list(self.moved),
            "flipped": [flip.to_dict() for flip in self.flipped],
        }


def impact(
    change_set: RuleSetDiff,
    table: Any,  # noqa: ANN401 - a mapping of columns or a DataFrame
    *,
    rule_sets: tuple[RuleSet | str | Path, RuleSet | str | Path] | None = None,
    keys: Sequence[str] = (),
) -> tuple[ImpactOfChange, ...]:
    """For each changed indicator of ``change_set``, which results on ``table`` it moves.

    Args:
        change_set: a diff of rule set A to rule set B.
        table: the regions' data, as for :func:`compare_table`.
        rule_sets: A and B themselves when their ids are not shipped ids (overlay files).
        keys: the columns that name a region.

    Raises:
        UsageError: ``change_set`` is not a :class:`RuleSetDiff` (``spmkit.diff(a, b)``),
            or the table is not one (as :func:`compare_table`).
    """
    require(change_set, "change_set", RuleSetDiff, tr("a RuleSetDiff, as spmkit.diff(a, b) gives"))
    pair = rule_sets if rule_sets is not None else (change_set.a, change_set.b)
    comparison = compare_table(pair, table, keys=keys)
    found = []
    for iid in change_set.changed_indicators:
        # A renumbered service (741's I.1 is 4/2019's 1) is read under each set's own id.
        aliases = {comparison.rule_set_ids[0]: change_set.was(iid)}
        values = comparison.values(iid, aliases)
        before, after = (values[rid] for rid in comparison.rule_set_ids)
        moved = tuple(
            region for region, b, a in zip(comparison.regions, before, after, strict=True) if b != a
        )
        found.append(
            ImpactOfChange(
                indicator_id=iid,
                fields=tuple(dict.fromkeys(c.field for c in change_set.changes_of(iid))),
                moved=moved,
                flipped=comparison.flips(iid, aliases),
            )
        )
    return tuple(found)
