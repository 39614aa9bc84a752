"""What changes between two rule sets: indicators added and removed, values changed.

``diff(a, b)`` answers "which rules, which targets, what changes" as data: a frozen
:class:`RuleSetDiff` listing the indicators only ``b`` has, those only ``a`` has, and,
for indicators both have (matched by id), every changed value with both values and both
sources. ``str(result)`` is a readable report. Indicators are matched by their declared
correspondence first (``corresponds_to``: 741/2008's K4 "I.1" is 43/2016's "1", the same
service renumbered and renamed), then by id, so a successor regulation shows as changes
of name, formula and target rather than removals and additions (docs/time.md).

This module compares; it does not load files beyond resolving ids (``"permenkes-4-2019"``)
through :func:`spmkit._rulesets.reader.load_rule_set`, and it does not evaluate (see
:mod:`spmkit._evaluation.compare`).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

import attrs

from spmkit._language.expr import exact_decimal, render
from spmkit._rulesets.model import Indicator, RuleSet, Source, Target
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._rulesets.succession import corresponding_indicator, linked_rule_sets
from spmkit._translation import Bilingual, Language, tr
from spmkit.errors import UsageError

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
    text: str = attrs.field(default="", eq=False)
    """The whole formula with the parentheses its precedence needs."""

    @classmethod
    def of(cls, indicator: Indicator) -> Formula:
        """Return the formula of an indicator."""
        return cls(
            numerator=render(indicator.numerator),
            denominator=render(indicator.denominator),
            factor=indicator.factor,
            text=indicator.describe("formula"),
        )

    def __str__(self) -> str:
        return self.text or f"{self.numerator} / {self.denominator} x {exact_decimal(self.factor)}"


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
    indicator_before: str | None = None
    """The indicator's id in the first rule set, when it differs (a correspondence)."""

    def describe(self, lang: str = "en") -> str:
        """Return ``before -> after`` as text (``lang="id"``: Indonesian notation)."""
        language: Language = "id" if lang == "id" else "en"
        before = _show(self.before, self.factor_before, language)
        return f"{before} -> {_show(self.after, self.factor_after, language)}"


def _field_words(field: str) -> Bilingual:
    """The name of a changed field, in both languages."""
    words = {
        "service_type": tr("service_type"),
        "name": tr("name"),
        "formula": tr("formula"),
        "target": tr("target"),
        "deadline": tr("deadline"),
    }
    return words.get(field) or Bilingual(field, field)


def _show(value: Value, factor: Fraction, lang: Language = "en") -> str:
    if isinstance(value, Target):
        return value.in_words(factor).in_lang(lang)
    if value is None:
        return tr("none").in_lang(lang)
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _cite(source: Source, lang: Language = "en") -> str:
    where = f"{source.instrument}, {source.ref}" if source.instrument else source.ref
    level = source.verification.value
    if source.rule_set:
        return tr(
            "{where} [{level}; from {rule_set}]", where=where, level=level, rule_set=source.rule_set
        ).in_lang(lang)
    return f"{where} [{level}]"


def _number(value: Fraction) -> int | float:
    """A JSON number: an int when whole, else the nearest float."""
    return value.numerator if value.denominator == 1 else float(value)


def _target_data(target: Target, factor: Fraction) -> dict[str, Any]:
    return {
        "op": target.op,
        "value": _number(target.value),
        "unit": target.unit,
        "text": target.describe(factor),
    }


def _value_data(value: Value, factor: Fraction) -> object:
    """A compared value as JSON-ready data."""
    if isinstance(value, Formula):
        return {
            "numerator": value.numerator,
            "denominator": value.denominator,
            "factor": _number(value.factor),
        }
    if isinstance(value, Target):
        return _target_data(value, factor)
    return value


def _source_data(source: Source) -> dict[str, Any]:
    return {
        "ref": source.ref,
        "instrument": source.instrument,
        "verification": source.verification.value,
        "rule_set": source.rule_set,
    }


def _indicator_data(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "name": indicator.name,
        "service_type": indicator.service_type,
        "formula": _value_data(Formula.of(indicator), indicator.factor),
        "target": _target_data(indicator.target, indicator.factor),
        "deadline": indicator.deadline,
        "source": _source_data(indicator.source_of("target")),
    }


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
        paired: ``(id in a, id in b)`` of the indicators matched by correspondence under
            different ids (``("I.1", "1")``), in ``b``'s order.
    """

    a: str
    b: str
    added: tuple[Indicator, ...]
    removed: tuple[Indicator, ...]
    changes: tuple[IndicatorChange, ...]
    paired: tuple[tuple[str, str], ...] = ()

    def was(self, indicator_id: str) -> str:
        """The id in ``a`` of an indicator of ``b`` (itself unless renumbered)."""
        return next((old for old, new in self.paired if new == indicator_id), indicator_id)

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
        language: Language = "id" if lang == "id" else "en"

        def field_name(field: str) -> str:
            return _field_words(field).in_lang(language)

        counts = ", ".join(
            f"{len(self.by_field(field))} {field_name(field)}"
            for field in DIFF_FIELDS
            if self.by_field(field)
        )
        yield tr(
            "diff {a} -> {b}: {added} added, {removed} removed, {changed} changed ({counts})",
            a=self.a,
            b=self.b,
            added=len(self.added),
            removed=len(self.removed),
            changed=len(self.changed_indicators),
            counts=counts or tr("no values"),
        ).in_lang(language)
        for indicator in self.added:
            target = indicator.target.in_words(indicator.factor)
            shown = (
                tr("target {target}", target=target)
                if indicator.deadline is None
                else tr("target {target} by {year}", target=target, year=indicator.deadline)
            )
            yield f"+ {indicator.id} {indicator.name!r}"
            yield f"    {Formula.of(indicator)}, {shown.in_lang(language)}"
            if sources:
                cited = _cite(indicator.source_of("target"), language)
                yield "    " + tr("source: {where}", where=cited).in_lang(language)
        for indicator in self.removed:
            yield f"- {indicator.id} {indicator.name!r}"
        renumbered = {new for _, new in self.paired} - set(self.changed_indicators)
        for indicator_id in renumbered:
            yield tr(
                "= {indicator} (was {was}): renumbered, values unchanged",
                indicator=indicator_id,
                was=self.was(indicator_id),
            ).in_lang(language)
        for indicator_id in self.changed_indicators:
            was = self.was(indicator_id)
            yield (
                f"~ {indicator_id}"
                if was == indicator_id
                else tr("~ {indicator} (was {was})", indicator=indicator_id, was=was).in_lang(
                    language
                )
            )
            for change in self.changes_of(indicator_id):
                yield f"    {field_name(change.field)}: {change.describe(language)}"
                if sources and change.field not in {"name", "service_type"}:
                    before = _cite(change.source_before, language)
                    after = _cite(change.source_after, language)
                    yield "      " + tr("was: {where}", where=before).in_lang(language)
                    yield "      " + tr("now: {where}", where=after).in_lang(language)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data: the indicators added, removed and changed.

        >>> d = diff("permenkes-43-2016", "permenkes-4-2019").to_dict()
        >>> sorted(d)
        ['a', 'added', 'b', 'changed', 'paired', 'removed']
        >>> tuple(entry.get("id") for entry in d.get("changed"))
        ('9', '11', '12')

        ``added`` and ``removed`` hold whole indicators (formula, target, deadline,
        source); ``changed`` one entry per indicator with every changed field, both
        values and both sources, and ``was``, its id in ``a`` (another id when paired by
        correspondence); ``paired`` the ``[id in a, id in b]`` of those. Numbers are ints
        when whole, else floats.
        """
        changed = [
            {
                "id": indicator_id,
                "was": self.was(indicator_id),
                "changes": [
                    {
                        "field": change.field,
                        "before": _value_data(change.before, change.factor_before),
                        "after": _value_data(change.after, change.factor_after),
                        "source_before": _source_data(change.source_before),
                        "source_after": _source_data(change.source_after),
                    }
                    for change in self.changes_of(indicator_id)
                ],
            }
            for indicator_id in self.changed_indicators
        ]
        return {
            "a": self.a,
            "b": self.b,
            "added": [_indicator_data(indicator) for indicator in self.added],
            "removed": [_indicator_data(indicator) for indicator in self.removed],
            "changed": changed,
            "paired": [list(pair) for pair in self.paired],
        }

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
        msg = tr(
            "fields must be among {fields} (got {unknown})",
            fields=", ".join(DIFF_FIELDS),
            unknown=unknown,
        )
        raise UsageError(msg)
    first, second = resolve_rule_set(a, "a"), resolve_rule_set(b, "b")
    partners = _partners(first, second)
    changes = []
    for indicator_id, after in second.indicators.items():
        before = first.indicators.get(partners.get(indicator_id, ""))
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
                        indicator_before=before.id if before.id != indicator_id else None,
                    )
                )
    matched = set(partners.values())
    return RuleSetDiff(
        a=first.id,
        b=second.id,
        added=tuple(i for k, i in second.indicators.items() if k not in partners),
        removed=tuple(i for k, i in first.indicators.items() if k not in matched),
        changes=tuple(changes),
        paired=tuple((old, new) for new, old in partners.items() if old != new),
    )


def _partners(first: RuleSet, second: RuleSet) -> dict[str, str]:
    """Match the indicators of ``second`` to those of ``first``: id in second -> id in first.

    A declared correspondence (either way) first, then one through a chain of them
    (:func:`~spmkit._rulesets.succession.corresponding_indicator`), then the same id
    among the rest.
    """
    partners: dict[str, str] = {}
    for iid, indicator in second.indicators.items():
        old = indicator.corresponds_to.get(first.id)
        if old is not None and old in first.indicators:
            partners[iid] = old
    for old_id, indicator in first.indicators.items():
        new = indicator.corresponds_to.get(second.id)
        if new is not None and new in second.indicators and new not in partners:
            partners[new] = old_id
    taken = set(partners.values())
    known = linked_rule_sets(first, second)
    for iid in second.indicators:  # through a chain: 741/2008 -> 43/2016 -> 4/2019
        if iid in partners:
            continue
        old = corresponding_indicator(iid, second, first, known)
        if old is not None and old not in taken:
            partners[iid] = old
            taken.add(old)
    for iid in second.indicators:
        if iid not in partners and iid in first.indicators and iid not in taken:
            partners[iid] = iid
    return partners
