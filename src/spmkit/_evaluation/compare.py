"""One data set judged under several rule sets, side by side.

``compare([a, b], data)`` evaluates the same counts under each rule set (the national
rule, the regency's variant, the rule that replaced it) and lines the results up by
indicator id, so a researcher sees where the verdict depends on the rules. Rule sets
that name the same count differently get an input-name mapping. The evaluation itself
is :func:`spmkit._evaluation.scalar.evaluate`; this module only routes data and arranges results.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from spmkit._arguments import RULE_SETS, require_sequence
from spmkit._evaluation.results import IndicatorResult, Report, Status
from spmkit._evaluation.scalar import evaluate
from spmkit._frozen import FrozenMap, freeze
from spmkit._numbers import exact_text
from spmkit._rulesets.check import suggest
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._rulesets.succession import route_inputs
from spmkit._translation import tr
from spmkit.errors import DataError, DataInvalid, UsageError

__all__ = ["Comparison", "compare", "compare_region"]


def _status(status: Status, lang: str) -> str:
    """A status as the comparison writes it: its code in English, words in Indonesian."""
    if lang != "id":
        return status.value
    words = {
        Status.MET: tr("met"),
        Status.NOT_MET: tr("not met"),
        Status.NO_DATA: tr("no data"),
        Status.UNDEFINED: tr("undefined"),
    }
    return words[status].in_lang("id")


def _cell(result: IndicatorResult | None, lang: str = "en") -> str:
    """One rule set's result: the record's shown value, its target and its verdict."""
    if result is None:
        return "-"
    suffix = factor_suffix(result.factor)
    target = f"{result.target.op} {exact_text(result.target.value, lang)}{suffix}"
    status = _status(result.status, lang)
    shown = result.shown_value_in(lang)
    if shown is None:
        return f"{status} ({target})"
    text = f"{shown}{suffix} ({target}) {status}"
    if result.status is Status.NOT_MET and result.exact_gap is not None:
        gap = tr("gap {gap}", gap=result.shown_gap_in(lang)).in_lang("id" if lang == "id" else "en")
        text += f", {gap}"
    return text


@attrs.frozen(kw_only=True)
class Comparison:
    """The reports of several rule sets on one data set, aligned by indicator id.

    Attributes:
        reports: one report per rule set, in the order given to :func:`compare`.
        indicator_ids: every indicator id of any rule set, in first-seen order.
    """

    reports: tuple[Report, ...]
    indicator_ids: tuple[str, ...]

    @property
    def rule_set_ids(self) -> tuple[str, ...]:
        """The compared rule sets' ids, in order."""
        return tuple(report.rule_set_id for report in self.reports)

    def row(self, indicator_id: str) -> tuple[IndicatorResult | None, ...]:
        """Return the results of one indicator under each rule set (None where absent)."""
        return tuple(report.results.get(indicator_id) for report in self.reports)

    @property
    def rows(self) -> FrozenMap[str, tuple[IndicatorResult | None, ...]]:
        """Every indicator's results side by side."""
        return freeze({iid: self.row(iid) for iid in self.indicator_ids})

    def disagreements(self) -> tuple[str, ...]:
        """Ids of indicators whose status differs between rule sets that have them."""
        found = []
        for indicator_id in self.indicator_ids:
            statuses = {r.status for r in self.row(indicator_id) if r is not None}
            if len(statuses) > 1:
                found.append(indicator_id)
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data: one row per indicator, a result per rule set.

        Each row maps every compared rule set's id to its
        :meth:`~spmkit._evaluation.results.IndicatorResult.to_dict` (None where the rule
        set has no such indicator); ``disagreements`` lists the ids whose status differs.
        """
        ids = self.rule_set_ids
        return {
            "rule_sets": list(ids),
            "indicators": [
                {
                    "id": iid,
                    "results": {
                        rule_set: None if result is None else result.to_dict()
                        for rule_set, result in zip(ids, self.row(iid), strict=True)
                    },
                }
                for iid in self.indicator_ids
            ],
            "disagreements": list(self.disagreements()),
        }

    def lines(self, *, lang: str = "en") -> Iterator[str]:
        """Yield a plain-text table: one row per indicator, one column per rule set.

        ``lang="id"`` writes statuses in Indonesian, with Indonesian number notation.
        """
        header = (tr("indicator").in_lang("id" if lang == "id" else "en"), *self.rule_set_ids)
        table = [header] + [
            (iid, *(_cell(result, lang) for result in self.row(iid))) for iid in self.indicator_ids
        ]
        widths = [max(len(row[column]) for row in table) for column in range(len(header))]
        for number, row in enumerate(table):
            yield " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            if number == 0:
                yield "-+-".join("-" * width for width in widths)

    def __str__(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines())


def _is_table(data: object) -> bool:
    """A DataFrame, or columns: a mapping whose values are sequences of values."""
    if hasattr(data, "columns"):
        return True
    return isinstance(data, Mapping) and any(
        isinstance(v, (list, tuple)) or (hasattr(v, "__array__") and getattr(v, "ndim", 0) == 1)
        for v in data.values()
    )


def compare(
    rule_sets: Sequence[RuleSet | str | Path],
    data: Any,  # noqa: ANN401 - one region's values, or a table of regions
    *,
    inputs: Mapping[str, Mapping[str, str]] | None = None,
    keys: Sequence[str] = (),
) -> Any:  # noqa: ANN401 - a Comparison, or a TableComparison for a table
    """Evaluate data under several rule sets and align the results.

    One region (a mapping of input -> value) gives a :class:`Comparison`; a table (a
    DataFrame, or a mapping of column -> values, one row per region) gives a
    :class:`~spmkit._evaluation.research.TableComparison` with the verdict flips between
    rule sets (see :func:`~spmkit._evaluation.research.compare_table`).
    """
    if _is_table(data):
        from spmkit._evaluation.research import compare_table  # noqa: PLC0415 - numpy on use

        return compare_table(rule_sets, data, keys=keys, inputs=inputs)
    return compare_region(rule_sets, data, inputs=inputs)


def compare_region(
    rule_sets: Sequence[RuleSet | str | Path],
    data: Mapping[str, object],
    *,
    inputs: Mapping[str, Mapping[str, str]] | None = None,
) -> Comparison:
    """Evaluate one data set under several rule sets and align the results.

    >>> data = {"dm_standar": 4950, "dm_estimasi": 5297}  # Kubu Raya 2021, Profil p. 110
    >>> c = compare_region(["permenkes-4-2019", "kubu-raya-2021"], data)
    >>> tuple(r.status.value for r in c.row("9"))
    ('not_met', 'met')

    Args:
        rule_sets: rule sets, shipped ids or file paths.
        data: input name -> count, as for :func:`~spmkit._evaluation.scalar.evaluate`. Each rule
            set reads the inputs it declares; a name no rule set declares is refused.
        inputs: per rule-set id, its input names mapped to the names used in ``data``
            (``{"kulon-progo-2011": {"bumil_k4": "bumil_standar"}}``). Without one, an
            input absent under its own name is read under a name that another compared
            rule set declares the same count (``same_as``).

    Raises:
        DataInvalid: bad values, or names that no compared rule set declares.
    """
    require_sequence(rule_sets, "rule_sets", RULE_SETS)
    resolved = [resolve_rule_set(rule_set) for rule_set in rule_sets]
    if not resolved:
        msg = tr("compare needs at least one rule set")
        raise UsageError(msg)
    mappings = inputs or {}
    unknown_sets = sorted(set(mappings) - {rs.id for rs in resolved})
    if unknown_sets:
        msg = tr("inputs names rule sets that are not compared: {ids}", ids=", ".join(unknown_sets))
        raise UsageError(msg)
    routes = []
    for rule_set in resolved:
        mapping = mappings.get(rule_set.id, {})
        # An input missing from the data under its own name is read under a name another
        # compared rule set gives the same count (``same_as``, docs/time.md).
        related = route_inputs(rule_set, data, resolved)
        routes.append(
            {name: mapping.get(name) or related.get(name, name) for name in rule_set.inputs}
        )
    used = {key for route in routes for key in route.values()}
    unknown = [name for name in data if name not in used]
    if unknown:
        errors = [
            DataError(
                name,
                data[name],
                tr("an input of one of the compared rule sets"),
                suggest(name, used),
            )
            for name in unknown
        ]
        msg = tr("data have names that no compared rule set declares")
        raise DataInvalid(msg, errors)
    reports = tuple(
        evaluate(rule_set, {name: data[key] for name, key in route.items() if key in data})
        for rule_set, route in zip(resolved, routes, strict=True)
    )
    ids = dict.fromkeys(iid for rule_set in resolved for iid in rule_set.indicators)
    return Comparison(reports=reports, indicator_ids=tuple(ids))
