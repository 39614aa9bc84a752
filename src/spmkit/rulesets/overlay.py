"""Overlays: a rule set that ``extends:`` another and changes only what differs.

A regency's SPM is usually the national one with some targets, deadlines or formulas
changed, an indicator added or dropped. An overlay file says just that::

    spmkit: 1
    id: kubu-raya-2021
    extends: permenkes-4-2019        # a shipped id, or a path relative to this file
    drop: ["12"]                     # indicators removed
    indicators:
      "9":                           # an id of the base: an override, every key optional
        target: {op: ">=", value: 85}
        sources: {target: {ref: Profil 2021, hlm. 110, verification: secondary}}
      X.1: {...}                     # a new id: a whole indicator, optional `after: <id>`

Resolution gives an ordinary :class:`~spmkit.rulesets.model.RuleSet`, built with
``attrs.evolve`` from the base; nothing of the base is mutated. Every value records
where it came from: each indicator of the result has an explicit source for its
target, deadline and formula (``Indicator.sources``), stamped with the rule set and
file that supplied it (``Source.rule_set``, ``Source.file``). An override must cite
what it changes: through ``source`` (the row in the overlay's own instrument, which
then also becomes the source of the row's other values) or through ``sources``
(only the values named).

This module reads overlay documents only; plain rule files stay with
:mod:`spmkit.rulesets.reader`, which hands a document with ``extends:`` to :func:`resolve_overlay`.
It does not merge YAML text: the base is resolved to a checked rule set first, so
each file's problems are reported against that file's own lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from spmkit.errors import ExtendsCycleError, RuleSetError, RuleSetInvalid, RuleSetNotFoundError
from spmkit.limits import MAX_EXTENDS_DEPTH
from spmkit.rulesets.check import check_references, suggest
from spmkit.rulesets.model import PROVENANCE_FIELDS, Indicator, RuleSet, Source
from spmkit.rulesets.reader import (
    _INDICATOR_ID,
    _INDICATOR_KEYS,
    _INPUT_NAME,
    _LANGUAGES,
    _RULE_SET_ID,
    FORMAT_VERSION,
    _Reader,
    read_rule_file,
    shipped_rule_sets,
)
from spmkit.yamlload import YamlDocument, child_path

__all__ = ["resolve_overlay"]

_OVERLAY_KEYS: Final = {
    "spmkit": True,
    "id": True,
    "extends": True,
    "title": False,
    "title_en": False,
    "language": False,
    "jurisdiction": False,
    "legal_basis": False,
    "notes": False,
    "inputs": False,
    "service_types": False,
    "drop": False,
    "indicators": False,
}
_OVERRIDE_KEYS: Final = dict.fromkeys(_INDICATOR_KEYS, False)
_NOT_NULL: Final = ("service_type", "name", "numerator", "denominator", "factor", "target")
_FIELD_KEYS: Final = {
    "target": ("target",),
    "deadline": ("deadline",),
    "formula": ("numerator", "denominator", "factor"),
}


@attrs.frozen
class _Origin:
    """The rule set (and file) a value was read from, and how to cite it."""

    rule_set: str
    file: str | None
    citation: str

    def stamp(self, source: Source) -> Source:
        """Record this origin on a source that has none yet (deeper origins are kept)."""
        if source.rule_set is not None:
            return source
        return attrs.evolve(
            source,
            rule_set=self.rule_set,
            file=self.file,
            instrument=source.instrument or self.citation,
        )


def _stamped(indicator: Indicator, origin: _Origin) -> Indicator:
    """Return the indicator with an explicit, stamped source for every value."""
    return attrs.evolve(
        indicator,
        source=origin.stamp(indicator.source),
        sources={field: origin.stamp(indicator.source_of(field)) for field in PROVENANCE_FIELDS},
    )


class _OverlayReader:
    """Reads one overlay document against its resolved base, collecting problems."""

    def __init__(self, document: YamlDocument, file: str | None, base: RuleSet) -> None:
        self.reader = _Reader(document, file)
        self.document = document
        self.file = file
        self.base = base

    def problem(self, path: str, message: str, indicator_id: str | None = None) -> None:
        self.reader.problem(path, message, indicator_id)

    def override(
        self, base: Indicator, entry: object, path: str, origin: _Origin
    ) -> Indicator | None:
        iid = base.id
        reader = self.reader
        data = reader.mapping(entry, path, _OVERRIDE_KEYS, f"override of indicator {iid!r}")
        if data is None:
            if entry is None:
                self.problem(path, f"override of indicator {iid!r} is empty", iid)
            return None
        before = len(reader.problems)
        for key in _NOT_NULL:
            if key in data and data[key] is None:
                self.problem(child_path(path, key), f"{key!r} must not be empty", iid)
        changes: dict[str, Any] = {}
        for key in ("name", "name_en", "service_type"):
            if key in data:
                changes[key] = reader.text(data, key, path, required=key != "name_en")
        for key in ("numerator", "denominator"):
            if key in data:
                changes[key] = reader.expression(data[key], child_path(path, key), iid)
        if "factor" in data:
            factor = reader.number(data["factor"], child_path(path, "factor"), "'factor'")
            if factor is not None and factor <= 0:
                self.problem(child_path(path, "factor"), f"'factor' must be positive ({factor})")
            changes["factor"] = factor
        if "target" in data:
            changes["target"] = reader.read_target(data["target"], child_path(path, "target"))
        if "deadline" in data:
            deadline_path = child_path(path, "deadline")
            changes["deadline"] = reader.year(data["deadline"], deadline_path, "'deadline'")
        if "notes" in data:
            changes["notes"] = reader.text_list(data, "notes", path)
        if "coverage" in data:
            changes["coverage"] = reader.read_coverage(data, path, iid)
        if "units" in data:
            changes["units"] = reader.read_units(data["units"], child_path(path, "units"))
        row = None
        if "source" in data:
            row = reader.read_source(data["source"], child_path(path, "source"))
        cited = {}
        if "sources" in data:
            cited = reader.read_sources(data["sources"], child_path(path, "sources"))
        if len(reader.problems) > before:
            return None
        sources: dict[str, Source] = {}
        for field, keys in _FIELD_KEYS.items():
            given = cited.get(field) or row
            if given is not None:
                sources[field] = origin.stamp(given)
            elif any(key in data for key in keys):
                changed = ", ".join(key for key in keys if key in data)
                self.problem(
                    path,
                    f"override of indicator {iid!r} changes {changed} but cites no source "
                    f"for it; add 'source' (the row in this rule set's instrument) or "
                    f"'sources: {{{field}: ...}}'",
                    iid,
                )
            else:
                sources[field] = base.source_of(field)
        if len(reader.problems) > before:
            return None
        return attrs.evolve(
            base,
            **changes,
            source=origin.stamp(row) if row is not None else base.source,
            sources=sources,
        )

    def new_indicator(
        self, iid: str, entry: object, path: str, origin: _Origin
    ) -> tuple[Indicator, str | None] | None:
        after: object = None
        if isinstance(entry, dict):
            entry = dict(entry)
            after = entry.pop("after", None)
        indicator = self.reader.read_indicator(iid, entry, path)
        if after is not None and not isinstance(after, str):
            self.problem(child_path(path, "after"), f"'after' must be an indicator id ({after!r})")
            return None
        if indicator is None:
            return None
        return _stamped(indicator, origin), after

    def dropped(self, value: object) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem("$.drop", f"'drop' must be a list of indicator ids (got {value!r})")
            return []
        for position, iid in enumerate(value):
            if iid not in self.base.indicators:
                self.problem(
                    child_path("$.drop", position),
                    f"cannot drop {iid!r}: rule set {self.base.id!r} has no such indicator; "
                    f"{suggest(iid, self.base.indicators)}",
                )
        return [iid for iid in value if iid in self.base.indicators]

    def indicators(self, data: Mapping[str, Any], origin: _Origin) -> dict[str, Indicator]:
        drop = self.dropped(data.get("drop"))
        resolved = dict(self.base.indicators)
        order = [iid for iid in resolved if iid not in drop]
        added: dict[str, tuple[Indicator, str | None]] = {}

        def read_one(iid: str, entry: object, path: str) -> None:
            if iid in drop:
                self.problem(path, f"indicator {iid!r} is both dropped and overridden", iid)
            elif iid in resolved:
                found = self.override(resolved[iid], entry, path, origin)
                if found is not None:
                    resolved[iid] = found
            else:
                new = self.new_indicator(iid, entry, path, origin)
                if new is not None:
                    added[iid] = new

        self.reader.named_section(data, "indicators", _INDICATOR_ID, read_one)
        anchors: dict[str, str] = {}
        for iid, (indicator, after) in added.items():
            resolved[iid] = indicator
            if after is None:
                order.append(iid)
                continue
            if after not in order:
                self.problem(
                    child_path(child_path("$.indicators", iid), "after"),
                    f"'after' must name an indicator of the resolved rule set (got {after!r}); "
                    f"{suggest(after, order)}",
                    iid,
                )
                order.append(iid)
                continue
            order.insert(order.index(anchors.get(after, after)) + 1, iid)
            anchors[after] = iid
        return {iid: resolved[iid] for iid in order}


def _base_file(document: YamlDocument, file: str | None, chain: tuple[str, ...]) -> Path:
    """Find the base file of an overlay, refusing an ``extends:`` cycle."""
    reference = document.data.get("extends")
    line = document.line("$.extends")

    def refuse(message: str, kind: type[RuleSetError] = RuleSetError) -> RuleSetInvalid:
        error = kind(message, file=file, line=line, path="$.extends")
        return RuleSetInvalid(f"overlay {file or '<text>'} is invalid", [error])

    if not isinstance(reference, str) or not reference.strip():
        raise refuse(f"'extends' must be a rule-set id or a file path (got {reference!r})")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise refuse(
            f"'extends' chain is longer than {MAX_EXTENDS_DEPTH} overlays; "
            "merge some of them (docs/semantics.md, Limits)"
        )
    here = Path(file).resolve().parent if file is not None else None
    try:
        path = _confined(reference, here)
    except RuleSetNotFoundError as exc:
        raise refuse(str(exc)) from None
    key = str(path.resolve())
    if key in chain:
        loop = [Path(step).name for step in chain[chain.index(key) :]] + [path.name]
        raise refuse(
            f"'extends' makes a cycle: {' -> '.join(loop)}; a rule set cannot extend "
            "itself, directly or through others",
            ExtendsCycleError,
        )
    return path


def _confined(reference: str, here: Path | None) -> Path:
    """The base file: a shipped id, or a file inside the overlay's own directory.

    A path that leads elsewhere (absolute, ``..``, or a symlink out) is refused, so that
    an overlay cannot make spmkit read, and report on, any file of the machine.
    """
    shipped = shipped_rule_sets()
    if here is not None:
        candidate = (here / reference).resolve()
        if candidate.is_relative_to(here) and candidate.is_file():
            return candidate
    if reference in shipped:
        return shipped[reference]
    where = f"a file under {here}" if here is not None else "a file (text has no directory)"
    known = ", ".join(sorted(shipped)) or "none"
    msg = (
        f"no rule set {reference[:100]!r}: 'extends' names a shipped rule set id ({known}) or "
        f"{where}; a base elsewhere must be copied beside the overlay"
    )
    raise RuleSetNotFoundError(msg)


def resolve_overlay(document: YamlDocument, file: str | None, chain: tuple[str, ...]) -> RuleSet:
    """Resolve an overlay document against its base into an ordinary rule set.

    Args:
        document: the overlay, read by :func:`spmkit.yamlload.read_yaml`.
        file: its file, for messages and relative ``extends:`` paths.
        chain: files of the overlays being resolved that lead here (cycle detection).

    Raises:
        RuleSetInvalid: every problem of the overlay; or the base's problems; or one
            :class:`~spmkit.errors.ExtendsCycleError` when ``extends:`` loops.
    """
    me = str(Path(file).resolve()) if file is not None else "<text>"
    base_path = _base_file(document, file, (*chain, me))
    base = read_rule_file(base_path, (*chain, me))
    base_origin = _Origin(base.id, str(base_path), base.legal_basis.cite())
    base = attrs.evolve(
        base,
        indicators={iid: _stamped(ind, base_origin) for iid, ind in base.indicators.items()},
    )
    overlay = _OverlayReader(document, file, base)
    reader = overlay.reader
    data = reader.mapping(document.data, "$", _OVERLAY_KEYS, "an overlay")
    assert data is not None  # noqa: S101 - the caller saw a mapping with 'extends'
    if data.get("spmkit") != FORMAT_VERSION:
        overlay.problem(
            "$.spmkit", f"format version must be {FORMAT_VERSION} ({data.get('spmkit')!r})"
        )
    rule_set_id = data.get("id")
    if not isinstance(rule_set_id, str) or not _RULE_SET_ID.match(rule_set_id):
        overlay.problem("$.id", f"'id' must match {_RULE_SET_ID.pattern} (got {rule_set_id!r})")
        rule_set_id = "<overlay>"
    if "language" in data:
        reader.enum_value(data["language"], "$.language", _LANGUAGES, "'language'")
    jurisdiction = base.jurisdiction
    if "jurisdiction" in data:
        jurisdiction = reader.read_jurisdiction(data["jurisdiction"]) or jurisdiction
    legal_basis = base.legal_basis
    if "legal_basis" in data:
        legal_basis = reader.read_legal_basis(data["legal_basis"]) or legal_basis
    origin = _Origin(str(rule_set_id), file, legal_basis.cite())
    inputs = {**base.inputs, **reader.named_section(data, "inputs", _INPUT_NAME, reader.read_input)}
    service_types = {
        **base.service_types,
        **reader.named_section(data, "service_types", _INDICATOR_ID, reader.read_service_type),
    }
    indicators = overlay.indicators(data, origin)
    title = reader.text(data, "title", "$", required=True) if "title" in data else base.title
    title_en = (
        reader.text(data, "title_en", "$", required=False) if "title_en" in data else base.title_en
    )
    notes = reader.text_list(data, "notes", "$") if "notes" in data else base.notes
    for error in check_references(
        inputs=list(inputs),
        service_types=list(service_types),
        indicator_ids=list(indicators),
        formulas={
            iid: {"numerator": ind.numerator, "denominator": ind.denominator}
            for iid, ind in indicators.items()
        },
        service_type_of={iid: ind.service_type for iid, ind in indicators.items()},
    ):
        reader.place([error])
    if not reader.problems:
        rule_set = reader.construct(
            id=str(rule_set_id),
            title=title or base.title,
            title_en=title_en,
            language=str(data.get("language", base.language)),
            jurisdiction=jurisdiction,
            legal_basis=legal_basis,
            notes=notes,
            inputs=inputs,
            service_types=service_types,
            indicators=indicators,
            extends=(base.id, *base.extends),
        )
        if rule_set is not None:
            return rule_set
    msg = f"overlay {file or '<text>'} is invalid"
    raise RuleSetInvalid(msg, reader.problems)
