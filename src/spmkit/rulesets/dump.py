"""Rule sets to YAML text: the inverse of :func:`spmkit.rulesets.reader.loads_rule_set`.

``loads_rule_set(dump_rule_set(rs)) == rs`` for every rule set whose numbers have a finite
decimal expansion (everything a rule file can hold). The text follows
``docs/rule-sets.md``: keys in the documented order, expressions in their canonical
form (:func:`spmkit.language.expr.render`), numbers written exactly (``1.5``, never ``1.4999...``).
Optional keys that are unset are left out. Comments of a hand-written file are not kept:
this is for generated rule sets, tests and tools, not for rewriting files people edit.

An overlay (``extends:``) is written resolved, as a stand-alone rule set. What the loader
records about where values were read (``Source.rule_set``, ``Source.file``,
``RuleSet.extends``) is not content of the rule set and is not written, so for a resolved
overlay the round trip is equal up to those stamps (see :func:`without_origins`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import attrs
import yaml

from spmkit.errors import RuleSetError
from spmkit.language.expr import exact_decimal, render
from spmkit.rulesets.model import Indicator, InputSpec, RuleSet, Source, default_kind
from spmkit.rulesets.reader import FORMAT_VERSION

__all__ = ["dump_rule_set", "without_origins"]


class _Dumper(yaml.SafeDumper):
    """A SafeDumper subclass (the global dumpers are never modified) that writes Fractions."""


def _represent_fraction(dumper: yaml.SafeDumper, value: Fraction) -> yaml.ScalarNode:
    text = exact_decimal(value)
    if "/" in text:
        msg = (
            f"cannot write {value} exactly as a decimal number; rule files hold "
            "numbers with a finite decimal expansion (e.g. 1.5, not 1/3)"
        )
        raise RuleSetError(msg)
    tag = "tag:yaml.org,2002:int" if value.denominator == 1 else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Fraction, _represent_fraction)


def _optional(entry: dict[str, Any], **values: object) -> dict[str, Any]:
    """Add the values that are set (not None, not empty) to ``entry``, in order."""
    for key, value in values.items():
        if value is not None and value != ():
            entry[key] = list(value) if isinstance(value, tuple) else value
    return entry


def _input(spec: InputSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": spec.label}
    _optional(entry, label_en=spec.label_en)
    entry["unit"] = spec.unit
    if not spec.required:
        entry["required"] = False
    _optional(entry, default=spec.default, description=spec.description)
    if spec.kind is not default_kind(spec):
        entry["kind"] = spec.kind.value
    if spec.aggregate != "sum":
        entry["aggregate"] = spec.aggregate
    return _optional(entry, min=spec.minimum, max=spec.maximum)


def _source(source: Source) -> dict[str, Any]:
    """The citation; ``rule_set`` and ``file`` are stamped by the loader, not written."""
    entry: dict[str, Any] = {"ref": source.ref, "verification": source.verification.value}
    return _optional(
        entry, instrument=source.instrument, url=source.url, quote=source.quote, note=source.note
    )


def _indicator(indicator: Indicator) -> dict[str, Any]:
    entry: dict[str, Any] = {"service_type": indicator.service_type, "name": indicator.name}
    _optional(entry, name_en=indicator.name_en)
    if indicator.index is not None:  # the formula is derived from the weights
        entry["index"] = {
            "weights": dict(indicator.index.weights),
            "missing": indicator.index.missing,
        }
    else:
        entry.update(
            numerator=render(indicator.numerator),
            denominator=render(indicator.denominator),
            factor=indicator.factor,
        )
    entry.update(
        target=_optional(
            {"op": indicator.target.op, "value": indicator.target.value},
            unit=indicator.target.unit,
        ),
        deadline=indicator.deadline,
        source=_source(indicator.source),
    )
    if indicator.sources:
        entry["sources"] = {field: _source(s) for field, s in indicator.sources.items()}
    _optional(entry, notes=indicator.notes, coverage=indicator.coverage)
    if indicator.units is not None:
        entry["units"] = {"accept": indicator.units.accept, "note": indicator.units.note}
    if indicator.bands:
        entry["bands"] = [
            _optional(
                {},
                at_least=band.at_least,
                at_most=band.at_most,
                below=band.below,
                above=band.above,
                label=band.label,
                label_en=band.label_en,
                source=None if band.source is None else _source(band.source),
            )
            for band in indicator.bands
        ]
    return entry


def _legal_basis(rule_set: RuleSet) -> dict[str, Any]:
    basis = rule_set.legal_basis
    entry: dict[str, Any] = {
        "instrument": basis.instrument,
        "number": basis.number,
        "year": basis.year,
    }
    enacted: dt.date | None = basis.enacted
    return _optional(
        entry,
        title=basis.title,
        enacted=enacted,
        publication=basis.publication,
        url=basis.url,
    )


def dump_rule_set(rule_set: RuleSet) -> str:
    """Return the YAML text of a rule set, in the format of ``docs/rule-sets.md``.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> spmkit.loads_rule_set(dump_rule_set(rs)) == rs
    True

    Raises:
        ValueError: a number has no finite decimal expansion (a target of 1/3 built in
            Python), so no rule file can hold it exactly.
    """
    jurisdiction = rule_set.jurisdiction
    document: dict[str, Any] = {"spmkit": FORMAT_VERSION, "id": rule_set.id}
    document["title"] = rule_set.title
    _optional(document, title_en=rule_set.title_en)
    document["language"] = rule_set.language
    document["jurisdiction"] = _optional(
        {"level": jurisdiction.level, "name": jurisdiction.name}, province=jurisdiction.province
    )
    document["legal_basis"] = _legal_basis(rule_set)
    _optional(document, notes=rule_set.notes)
    document["inputs"] = {name: _input(spec) for name, spec in rule_set.inputs.items()}
    document["service_types"] = {
        sid: _optional({"name": st.name}, name_en=st.name_en)
        for sid, st in rule_set.service_types.items()
    }
    document["indicators"] = {iid: _indicator(ind) for iid, ind in rule_set.indicators.items()}
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def without_origins(rule_set: RuleSet) -> RuleSet:
    """Return the rule set without the loader's origin stamps (what ``dump_rule_set`` drops).

    ``loads_rule_set(dump_rule_set(rs)) == without_origins(rs)`` holds for every rule set,
    overlays included.
    """

    def clean(source: Source) -> Source:
        return attrs.evolve(source, rule_set=None, file=None)

    indicators = {
        iid: attrs.evolve(
            indicator,
            source=clean(indicator.source),
            sources={field: clean(s) for field, s in indicator.sources.items()},
        )
        for iid, indicator in rule_set.indicators.items()
    }
    return attrs.evolve(rule_set, indicators=indicators, extends=())
