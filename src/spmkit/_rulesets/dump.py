"""Rule sets to YAML text: the inverse of :func:`spmkit._rulesets.reader.loads_rule_set`.

``loads_rule_set(dump_rule_set(rs)) == rs`` for every rule set whose numbers have a finite
decimal expansion (everything a rule file can hold). The text follows
``docs/rule-sets.md``: keys in the documented order, expressions in their canonical
form (:func:`spmkit._language.expr.render`), numbers written exactly (``1.5``, never ``1.4999...``).
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

from spmkit._language.expr import exact_decimal, render
from spmkit._rulesets.model import (
    SMALL_DENOMINATOR_DEFAULT,
    Indicator,
    InForce,
    InputSpec,
    RuleSet,
    Source,
    Target,
    default_kind,
)
from spmkit._rulesets.schema import (
    BAND_KEYS,
    FORMAT_VERSION,
    IN_FORCE_KEYS,
    INDEX_KEYS,
    INDICATOR_KEYS,
    INPUT_KEYS,
    JURISDICTION_KEYS,
    LEGAL_BASIS_KEYS,
    SERVICE_TYPE_KEYS,
    SOURCE_KEYS,
    TARGET_KEYS,
    TOP_KEYS,
    UNITS_KEYS,
)
from spmkit._rulesets.scoring import Band
from spmkit._translation import tr
from spmkit.errors import RuleSetError

__all__ = ["dump_rule_set", "without_origins"]


class _Dumper(yaml.SafeDumper):
    """A SafeDumper subclass (the global dumpers are never modified) that writes Fractions."""


def _represent_fraction(dumper: yaml.SafeDumper, value: Fraction) -> yaml.ScalarNode:
    text = exact_decimal(value)
    if "/" in text:
        msg = tr(
            "cannot write {value} exactly as a decimal number; rule files hold "
            "numbers with a finite decimal expansion (e.g. 1.5, not 1/3)",
            value=value,
        )
        raise RuleSetError(msg)
    tag = "tag:yaml.org,2002:int" if value.denominator == 1 else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Fraction, _represent_fraction)


def _entry(keys: dict[str, bool], **values: object) -> dict[str, Any]:
    """A mapping of the format, keys in the order of its key table (:mod:`.schema`).

    Optional keys whose value is unset (None, empty) are left out; required ones are
    written as they are (a deadline the regulation does not print is null).
    """
    unknown = set(values) - set(keys)
    if unknown:  # a writer bug, not a user error: the schema is the one list of keys
        msg = tr("keys {keys} are not in the rule-file format", keys=sorted(unknown))
        raise AssertionError(msg)
    entry: dict[str, Any] = {}
    for key, required in keys.items():
        if key not in values:
            continue
        value = values[key]
        if not required and (value is None or value in ((), {})):
            continue
        entry[key] = list(value) if isinstance(value, tuple) else value
    return entry


def _input(spec: InputSpec) -> dict[str, Any]:
    return _entry(
        INPUT_KEYS,
        label=spec.label,
        label_en=spec.label_en,
        unit=spec.unit,
        required=None if spec.required else False,
        default=spec.default,
        description=spec.description,
        kind=None if spec.kind is default_kind(spec) else spec.kind.value,
        aggregate=None if spec.aggregate == "sum" else spec.aggregate,
        min=spec.minimum,
        max=spec.maximum,
        same_as=dict(spec.same_as),
    )


def _source(source: Source) -> dict[str, Any]:
    """The citation; ``rule_set`` and ``file`` are stamped by the loader, not written."""
    return _entry(
        SOURCE_KEYS,
        ref=source.ref,
        verification=source.verification.value,
        instrument=source.instrument,
        url=source.url,
        quote=source.quote,
        note=source.note,
    )


def _band(band: Band) -> dict[str, Any]:
    return _entry(
        BAND_KEYS,
        at_least=band.at_least,
        at_most=band.at_most,
        below=band.below,
        above=band.above,
        label=band.label,
        label_en=band.label_en,
        source=None if band.source is None else _source(band.source),
    )


def _formula(indicator: Indicator) -> dict[str, Any]:
    """An index's weights, or a ratio's numerator, denominator and factor."""
    index = indicator.index
    if index is not None:  # its formula is derived from the weights
        weights = dict(index.weights)
        source = None if index.source is None else _source(index.source)
        return {"index": _entry(INDEX_KEYS, weights=weights, missing=index.missing, source=source)}
    return {
        "numerator": render(indicator.numerator),
        "denominator": render(indicator.denominator),
        "factor": indicator.factor,
    }


def _indicator(indicator: Indicator) -> dict[str, Any]:
    target = indicator.target
    units = indicator.units
    return _entry(
        INDICATOR_KEYS,
        service_type=indicator.service_type,
        name=indicator.name,
        name_en=indicator.name_en,
        **_formula(indicator),
        target=_target(target),
        deadline=indicator.deadline,
        source=_source(indicator.source),
        sources={field: _source(s) for field, s in indicator.sources.items()},
        notes=indicator.notes,
        coverage=indicator.coverage,
        units=None if units is None else _entry(UNITS_KEYS, accept=units.accept, note=units.note),
        bands=tuple(_band(band) for band in indicator.bands),
        corresponds_to={
            rule_set_id: (
                {"indicator": iid, "source": _source(indicator.correspondence_sources[rule_set_id])}
                if rule_set_id in indicator.correspondence_sources
                else iid
            )
            for rule_set_id, iid in indicator.corresponds_to.items()
        },
    )


def _target(target: Target) -> dict[str, Any]:
    baseline = target.baseline
    return _entry(
        TARGET_KEYS,
        op=target.op,
        value=target.value,
        unit=target.unit,
        schedule=dict(target.schedule),
        baseline=None if baseline is None else {"year": baseline.year, "value": baseline.value},
    )


def _in_force(in_force: InForce | None) -> dict[str, Any] | None:
    """Dates as written: a year where the file gave only a year."""
    if in_force is None:
        return None
    end: object = in_force.end
    if in_force.end is not None and in_force.end_precision == "year":
        end = in_force.end.year
    return _entry(
        IN_FORCE_KEYS,
        **{
            "from": in_force.start.year if in_force.precision == "year" else in_force.start,
            "until": end,
        },
        source=_source(in_force.source),
        until_source=None if in_force.end_source is None else _source(in_force.end_source),
        note=in_force.note,
    )


def _legal_basis(rule_set: RuleSet) -> dict[str, Any]:
    basis = rule_set.legal_basis
    enacted: dt.date | None = basis.enacted
    return _entry(
        LEGAL_BASIS_KEYS,
        instrument=basis.instrument,
        number=basis.number,
        year=basis.year,
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
        RuleSetError: a number has no finite decimal expansion (a target of 1/3 built in
            Python), so no rule file can hold it exactly.
        UsageError: ``rule_set`` is neither a rule set nor an id or path (loaded).
    """
    if not isinstance(rule_set, RuleSet):  # an id or a path, as spmkit.diff takes
        from spmkit._rulesets.reader import resolve_rule_set  # noqa: PLC0415 - no circle

        rule_set = resolve_rule_set(rule_set)
    jurisdiction = rule_set.jurisdiction
    document = _entry(
        TOP_KEYS,
        spmkit=FORMAT_VERSION,
        id=rule_set.id,
        title=rule_set.title,
        title_en=rule_set.title_en,
        language=rule_set.language,
        jurisdiction=_entry(
            JURISDICTION_KEYS,
            level=jurisdiction.level,
            name=jurisdiction.name,
            province=jurisdiction.province,
        ),
        legal_basis=_legal_basis(rule_set),
        notes=rule_set.notes,
        inputs={name: _input(spec) for name, spec in rule_set.inputs.items()},
        service_types={
            sid: _entry(SERVICE_TYPE_KEYS, name=st.name, name_en=st.name_en)
            for sid, st in rule_set.service_types.items()
        },
        indicators={iid: _indicator(ind) for iid, ind in rule_set.indicators.items()},
        in_force=_in_force(rule_set.in_force),
        supersedes=rule_set.supersedes,
        sector=rule_set.sector,
        small_denominator=(
            None
            if rule_set.small_denominator == SMALL_DENOMINATOR_DEFAULT
            else rule_set.small_denominator
        ),
    )
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
