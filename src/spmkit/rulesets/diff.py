"""What changes between two rule sets: indicators added and removed, values changed.

``diff(a, b)`` answers "which rules, which targets, what changes" as data: a frozen
:class:`RuleSetDiff` listing the indicators only ``b`` has, those only ``a`` has, and,
for indicators both have (matched by id), every changed value with both values and both
sources. ``str(result)`` is a readable report. Matching is by indicator id only: rule
sets that number the same indicator differently show it as removed and added.

This module compares; it does not load files beyond resolving ids (``"permenkes-4-2019"``)
through :func:`spmkit.rulesets.reader.load_rule_set`, and it does not evaluate (see
:mod:`spmkit.evaluation.compare`).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Final, Literal, TypeAlias

import attrs

from spmkit.errors import UsageError
from spmkit.language.expr import exact_decimal, render
from spmkit.rulesets.model import Indicator, RuleSet, Source, Target
from spmkit.rulesets.reader import resolve_rule_set

__all__ = ["DIFF_FIELDS", "Formula", "IndicatorChange", "RuleSetDiff", "diff"]

Field: TypeAlias = Literal["service_type", "name", "formula", "target", "deadline"]
"""A compared part of an indicator."""

DIFF_FIELDS: Final[tuple[Field, ...]] = ("service_type", "name", "formula", "target", "deadline")
"""The parts of an indicator :func:`diff` compares, in report order."""


@attrs.frozen(kw_only=True)
class Formula:
    """An indicator's formula as compared: canonical numerator and denominator, and factor."""

    numerator: str
    denominator: str
    factor: Fraction

    @classmethod
    def of(cls, indicator: Indicator) -> Formula:
        """Return the formula of an indicator."""
        return cls(
            numerator=render(indicator.numerator),
            denominator=render(indicator.denominator),
            factor=indicator.factor,
        )

    def __str__(self) -> str:
        return f"{self.numerator} / {self.denominator} x {exact_decimal(self.factor)}"


Value: TypeAlias = str | int | Formula | Target | None
"""A compared value: text (name, service type), a year or None, a formula, a target."""


@attrs.frozen(kw_only=True)
class IndicatorChange:
    """One value of one indicator that differs between the two rule sets.

    Attributes:
        indicator_id: the indicator (present in both rule sets).
        field: which value: service_type, name, formula, target or deadline.
        before: the value in the first rule set; after: in the second.
        source_before: where the first value comes from; source_after: the second.
        factor_before: the indicator's factor in the first rule set (to print targets);
            factor_after: in the second.
    """

    indicator_id: str
    field: Field
    before: Value
    after: Value
    source_before: Source
    source_after: Source
    factor_before: Fraction = Fraction(100)
    factor_after: Fraction = Fraction(100)

    def describe(self, lang: str = "en") -> str:
        """Return ``before -> after`` as text (``lang="id"``: Indonesian notation)."""
        before = _show(self.before, self.factor_before, lang)
        return f"{before} -> {_show(self.after, self.factor_after, lang)}"


_INDONESIAN = str.maketrans(",.", ".,")
_WORDS = {
    "en": {
        "head": "diff {a} -> {b}: {added} added, {removed} removed, {changed} changed ({counts})",
        "no_values": "no values",
        "target": "target",
        "by": " by {year}",
        "source": "source",
        "was": "was",
        "now": "now",
        "none": "none",
    },
    "id": {
        "head": (
            "beda {a} -> {b}: {added} ditambah, {removed} dihapus, {changed} berubah ({counts})"
        ),
        "no_values": "tidak ada nilai",
        "target": "target",
        "by": " tahun {year}",
        "source": "sumber",
        "was": "semula",
        "now": "kini",
        "none": "tidak ada",
    },
}
_FIELDS_ID = {
    "service_type": "jenis layanan",
    "name": "nama",
    "formula": "rumus",
    "target": "target",
    "deadline": "batas waktu",
}


def _show(value: Value, factor: Fraction, lang: str = "en") -> str:
    if isinstance(value, Target):
        described = value.describe(factor)
        return described.translate(_INDONESIAN) if lang == "id" else described
    if value is None:
        return _WORDS[lang]["none"]
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _cite(source: Source) -> str:
    where = f"{source.instrument}, {source.ref}" if source.instrument else source.ref
    origin = f"; from {source.rule_set}" if source.rule_set else ""
    return f"{where} [{source.verification.value}{origin}]"


def _value(indicator: Indicator, field: Field) -> Value:
    if field == "formula":
        return Formula.of(indicator)
    value: Value = getattr(indicator, field)
    return value


def _source(indicator: Indicator, field: Field, rule_set: RuleSet) -> Source:
    source = indicator.source if field in {"name", "service_type"} else indicator.source_of(field)
    if source.instrument is None:
        return attrs.evolve(source, instrument=rule_set.legal_basis.cite())
    return source


@attrs.frozen(kw_only=True)
class RuleSetDiff:
    """The differences from rule set ``a`` to rule set ``b``.

    Attributes:
        a: id of the first rule set; b: of the second.
        added: indicators only ``b`` has, in ``b``'s order.
        removed: indicators only ``a`` has, in ``a``'s order.
        changes: changed values of indicators both have, in ``b``'s order, then by field.
    """

    a: str
    b: str
    added: tuple[Indicator, ...]
    removed: tuple[Indicator, ...]
    changes: tuple[IndicatorChange, ...]

    def __bool__(self) -> bool:
        """True when the rule sets differ in any compared value."""
        return bool(self.added or self.removed or self.changes)

    @property
    def changed_indicators(self) -> tuple[str, ...]:
        """Ids of the indicators with at least one changed value, in order."""
        return tuple(dict.fromkeys(change.indicator_id for change in self.changes))

    def changes_of(self, indicator_id: str) -> tuple[IndicatorChange, ...]:
        """Return the changes of one indicator."""
        return tuple(c for c in self.changes if c.indicator_id == indicator_id)

    def by_field(self, field: Field) -> tuple[IndicatorChange, ...]:
        """Return the changes of one kind (``"target"``, ...), in order."""
        return tuple(c for c in self.changes if c.field == field)

    def lines(self, *, sources: bool = True, lang: str = "en") -> Iterator[str]:
        """Yield the readable report line by line (what ``str()`` joins).

        With ``sources=False``, one line per change, without the sources; ``lang="id"``
        writes it in Indonesian (with Indonesian number notation).
        """
        words = _WORDS[lang]

        def field_name(field: str) -> str:
            return _FIELDS_ID.get(field, field) if lang == "id" else field

        counts = ", ".join(
            f"{len(self.by_field(field))} {field_name(field)}"
            for field in DIFF_FIELDS
            if self.by_field(field)
        )
        yield words["head"].format(
            a=self.a,
            b=self.b,
            added=len(self.added),
            removed=len(self.removed),
            changed=len(self.changed_indicators),
            counts=counts or words["no_values"],
        )
        for indicator in self.added:
            target = _show(indicator.target, indicator.factor, lang)
            deadline = (
                "" if indicator.deadline is None else words["by"].format(year=indicator.deadline)
            )
            yield f"+ {indicator.id} {indicator.name!r}"
            yield f"    {Formula.of(indicator)}, {words['target']} {target}{deadline}"
            if sources:
                yield f"    {words['source']}: {_cite(indicator.source_of('target'))}"
        for indicator in self.removed:
            yield f"- {indicator.id} {indicator.name!r}"
        for indicator_id in self.changed_indicators:
            yield f"~ {indicator_id}"
            for change in self.changes_of(indicator_id):
                yield f"    {field_name(change.field)}: {change.describe(lang)}"
                if sources and change.field not in {"name", "service_type"}:
                    yield f"      {words['was']}: {_cite(change.source_before)}"
                    yield f"      {words['now']}: {_cite(change.source_after)}"

    def summary(self) -> str:
        """Return the report without sources: one line per change."""
        return "\n".join(self.lines(sources=False))

    def __str__(self) -> str:
        return "\n".join(self.lines())


def diff(
    a: RuleSet | str | Path, b: RuleSet | str | Path, *, fields: tuple[Field, ...] = DIFF_FIELDS
) -> RuleSetDiff:
    """Compare two rule sets indicator by indicator (matched by id).

    >>> d = diff("permenkes-43-2016", "permenkes-4-2019")
    >>> tuple(c.indicator_id for c in d.by_field("formula"))
    ('11',)

    Args:
        a: the first rule set (or a shipped id or file path).
        b: the second.
        fields: which values to compare (default: all of :data:`DIFF_FIELDS`).

    Returns:
        A frozen :class:`RuleSetDiff`; ``str()`` of it is a readable report.
    """
    unknown = [field for field in fields if field not in DIFF_FIELDS]
    if unknown:
        msg = f"fields must be among {', '.join(DIFF_FIELDS)} (got {unknown})"
        raise UsageError(msg)
    first, second = resolve_rule_set(a), resolve_rule_set(b)
    changes = []
    for indicator_id, after in second.indicators.items():
        before = first.indicators.get(indicator_id)
        if before is None:
            continue
        for field in fields:
            old, new = _value(before, field), _value(after, field)
            if old != new:
                changes.append(
                    IndicatorChange(
                        indicator_id=indicator_id,
                        field=field,
                        before=old,
                        after=new,
                        source_before=_source(before, field, first),
                        source_after=_source(after, field, second),
                        factor_before=before.factor,
                        factor_after=after.factor,
                    )
                )
    return RuleSetDiff(
        a=first.id,
        b=second.id,
        added=tuple(i for k, i in second.indicators.items() if k not in first.indicators),
        removed=tuple(i for k, i in first.indicators.items() if k not in second.indicators),
        changes=tuple(changes),
    )
