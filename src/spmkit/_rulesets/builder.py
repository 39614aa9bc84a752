"""Documents to rule sets: the one reader of the rule-file format, plain files and overlays.

It walks the plain data of a YAML document (:func:`spmkit._yamlload.read_yaml`) by the key
tables of :mod:`spmkit._rulesets.schema`, builds the objects of :mod:`spmkit._rulesets.model`
and collects every problem (unknown or missing keys, wrong types, bad expressions, unknown
names, cycles), each placed at ``file:line`` with its path in the document. Finding files,
shipped ids and the base of an ``extends:`` is :mod:`spmkit._rulesets.reader`'s job.

An overlay is a rule set that ``extends:`` another and changes only what differs::

    spmkit: 1
    id: kubu-raya-2021
    extends: permenkes-4-2019        # a shipped id, or a path relative to this file
    drop: ["12"]                     # indicators removed
    indicators:
      "9":                           # an id of the base: an override, every key optional
        target: {op: ">=", value: 85}
        sources: {target: {ref: Profil 2021, hlm. 110, verification: secondary}}
      X.1: {...}                     # a new id: a whole indicator, optional `after: <id>`

It is built against its resolved base (a checked rule set) into an ordinary
:class:`~spmkit._rulesets.model.RuleSet`; nothing of the base is mutated. Every indicator
of the result has an explicit source for its target, deadline and formula
(``Indicator.sources``), stamped with the rule set and file that supplied it
(``Source.rule_set``, ``Source.file``). An override must cite what it changes: through
``source`` (the row in the overlay's own instrument, which then also becomes the source
of the row's other values) or through ``sources`` (only the values named).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, TypeVar

import attrs

from spmkit._language.expr import Expression, exact_decimal
from spmkit._language.parse import parse_expression
from spmkit._rulesets.check import check_parts, suggest
from spmkit._rulesets.model import (
    PROVENANCE_FIELDS,
    Indicator,
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
from spmkit._rulesets.schema import (
    BAND_KEYS,
    DERIVED_BY_INDEX,
    FIELD_KEYS,
    FORMAT_VERSION,
    INDEX_KEYS,
    INDICATOR_ID,
    INDICATOR_KEYS,
    INPUT_KEYS,
    INPUT_NAME,
    JURISDICTION_KEYS,
    LANGUAGES,
    LEGAL_BASIS_KEYS,
    LEVELS,
    NOT_NULL_IN_OVERRIDE,
    NULLABLE,
    OVERLAY_KEYS,
    OVERRIDE_KEYS,
    RULE_SET_ID,
    SECTION_LIMITS,
    SERVICE_TYPE_KEYS,
    SOURCE_KEYS,
    TARGET_KEYS,
    TOP_KEYS,
    UNITS_KEYS,
)
from spmkit._rulesets.scoring import MISSING_RULES, Band, IndexSpec, index_formula
from spmkit._rulesets.timekeys import (
    check_phasing,
    read_correspondence,
    read_in_force,
    read_phasing,
    read_same_as,
    read_sector,
    read_supersedes,
)
from spmkit._translation import grouped, tr
from spmkit._yamlload import YamlDocument, child_path
from spmkit.errors import (
    ExpressionLimitError,
    ExpressionSyntaxError,
    RuleSetError,
    RuleSetInvalid,
)

__all__ = ["build_overlay", "build_rule_set"]

T = TypeVar("T")


class _Builder:
    """Walks the plain data of one document, converting it and collecting problems."""

    def __init__(self, document: YamlDocument, file: str | None) -> None:
        self.document = document
        self.file = file
        self.problems: list[RuleSetError] = list(document.problems)
        # Parts of indicators that parsed, kept even when the rest of the indicator is
        # broken, so their names are checked in the same pass.
        self.formulas: dict[str, dict[str, Expression]] = {}
        self.service_type_of: dict[str, str] = {}

    def problem(self, path: str, message: str, indicator_id: str | None = None) -> None:
        self.problems.append(
            RuleSetError(
                message,
                file=self.file,
                line=self.document.line(path),
                path=path,
                indicator_id=indicator_id,
            )
        )

    def place(self, errors: Iterable[RuleSetError], under: str = "$") -> None:
        """Collect errors found on the model, placed at their lines in this file.

        An error's path is relative to the object that raised it (``$.factor``);
        ``under`` is where that object is in the document.
        """
        for error in errors:
            path = under + error.path.removeprefix("$")
            self.problems.append(error.located(self.file, self.document.line(path), path))

    def build(self, factory: Callable[..., T], path: str, **fields: Any) -> T | None:  # noqa: ANN401
        """Build a model object at ``path``; what its validators refuse is collected, placed.

        The model owns its field rules (a positive factor, a default only on an optional
        input ...): the reader converts YAML values to Python ones and lets it judge.
        """
        try:
            return factory(**fields)
        except RuleSetInvalid as group:
            self.place(group.exceptions, path)
        except RuleSetError as error:
            self.place([error], path)
        return None

    def mapping(
        self, value: object, path: str, keys: Mapping[str, bool], what: str
    ) -> dict[str, Any] | None:
        """Check ``value`` is a mapping with only allowed keys and all required ones.

        A required key that is absent, or empty where emptiness is not allowed, is
        reported here, once; the readers of single values skip a None silently.
        """
        if value is None:
            return None  # the key holding it is reported missing by the caller's mapping()
        if not isinstance(value, dict):
            # A whole file that is one string is not shown: it may be any file at all.
            got = _text_of(value) if path == "$" and isinstance(value, str) else _kind(value)
            self.problem(path, tr("{what} must be a mapping (got {got})", what=what, got=got))
            return None
        for key in value:
            if key not in keys:
                allowed = ", ".join(sorted(keys))
                self.problem(
                    child_path(path, key),
                    tr(
                        "unknown key {key!r} in {what}; allowed keys are: {allowed}",
                        key=key,
                        what=what,
                        allowed=allowed,
                    ),
                )
        missing = [k for k, required in keys.items() if required and k not in value]
        if missing:
            self.problem(
                path,
                tr(
                    "{what} is missing required key(s): {items}",
                    what=what,
                    items=", ".join(missing),
                ),
            )
        empty = [k for k, required in keys.items() if required and k in value and value[k] is None]
        for key in empty:
            if key not in NULLABLE:
                self.problem(child_path(path, key), tr("{key!r} must not be empty", key=key))
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(
                child_path(path, key),
                tr("{key!r} must be non-empty text (got {kind})", key=key, kind=_kind(value)),
            )
            return None
        return value

    def text_list(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        sub = child_path(path, key)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(
                sub,
                tr("{key!r} must be a list of strings (got {kind})", key=key, kind=_kind(value)),
            )
            return ()
        return tuple(value)

    def number(self, value: object, path: str, what: str) -> Fraction | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.problem(
                path, tr("{what} must be a number (got {value!r})", what=what, value=value)
            )
            return None
        if isinstance(value, Decimal) and not value.is_finite():
            self.problem(
                path, tr("{what} must be a finite number (got {value})", what=what, value=value)
            )
            return None
        return Fraction(value)

    def year(self, value: object, path: str, what: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1945 <= value <= 2100:
            self.problem(
                path,
                tr("{what} must be a year such as 2015 (got {value!r})", what=what, value=value),
            )
            return None
        return value

    def expression(self, value: object, path: str, indicator_id: str) -> Expression | None:
        if value is None:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(
                path, tr("must be an expression (got {kind})", kind=_kind(value)), indicator_id
            )
            return None
        try:
            return parse_expression(value)
        except ExpressionSyntaxError as exc:
            self.problem(path, tr("invalid expression: {exc}", exc=exc), indicator_id)
        except ExpressionLimitError as exc:
            self.problem(path, tr("{exc}", exc=exc), indicator_id)
        return None

    def enum_value(self, value: object, path: str, allowed: tuple[str, ...], what: str) -> bool:
        if value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            self.problem(
                path,
                tr(
                    "{what} must be one of {options} (got {value!r})",
                    what=what,
                    options=options,
                    value=value,
                ),
            )
            return False
        return True

    def named_section(
        self,
        data: Mapping[str, Any],
        key: str,
        pattern: re.Pattern[str],
        read_one: Callable[[str, Any, str], Any],
    ) -> dict[str, Any]:
        """Read a mapping of id -> entry, checking every id against ``pattern``."""
        section = data.get(key)
        path = child_path("$", key)
        result: dict[str, Any] = {}
        if section is None:
            return result
        if not isinstance(section, dict):
            self.problem(
                path,
                tr(
                    "{key!r} must be a mapping of id to entry (got {kind})",
                    key=key,
                    kind=_kind(section),
                ),
            )
            return result
        limit = SECTION_LIMITS.get(key)
        if limit is not None and len(section) > limit:
            self.problem(
                path,
                tr(
                    "{key!r} may have at most {limit} entries (got {count})",
                    key=key,
                    limit=limit,
                    count=len(section),
                ),
            )
            return result
        for name, entry in section.items():
            sub = child_path(path, name)
            if not isinstance(name, str) or not pattern.match(name):
                self.problem(
                    sub,
                    tr(
                        "{name!r} is not a valid id for {key} (pattern {pattern})",
                        name=name,
                        key=key,
                        pattern=pattern.pattern,
                    ),
                )
                continue
            item = read_one(name, entry, sub)
            if item is not None:
                result[name] = item
        return result

    def read_input(self, name: str, entry: Any, path: str) -> InputSpec | None:  # noqa: ANN401
        before = len(self.problems)  # a missing required key (mapping) stops the build too
        data = self.mapping(entry, path, INPUT_KEYS, tr("input {name!r}", name=name))
        if data is None:
            return None
        required = data.get("required", True)
        if not isinstance(required, bool):
            self.problem(
                child_path(path, "required"),
                tr("'required' must be true or false (got {required!r})", required=required),
            )
        optional: dict[str, Any] = {}
        for key, field in (("default", "default"), ("min", "minimum"), ("max", "maximum")):
            if key in data:
                optional[field] = self.number(
                    data[key], child_path(path, key), tr("{key!r}", key=key)
                )
        for key in ("kind", "aggregate"):  # judged by the model
            if key in data:
                optional[key] = data[key]
        if "same_as" in data:
            optional["same_as"] = read_same_as(self, data["same_as"], child_path(path, "same_as"))
        label = self.text(data, "label", path, required=True)
        unit = self.text(data, "unit", path, required=True)
        if len(self.problems) > before:
            return None
        return self.build(
            InputSpec,
            path,
            name=name,
            label=label,
            label_en=self.text(data, "label_en", path, required=False),
            unit=unit,
            required=required,
            description=self.text(data, "description", path, required=False),
            **optional,
        )

    def read_service_type(self, sid: str, entry: Any, path: str) -> ServiceType | None:  # noqa: ANN401
        data = self.mapping(entry, path, SERVICE_TYPE_KEYS, tr("service type {sid!r}", sid=sid))
        if data is None:
            return None
        name = self.text(data, "name", path, required=True)
        if name is None:
            return None
        return ServiceType(
            id=sid, name=name, name_en=self.text(data, "name_en", path, required=False)
        )

    def read_target(self, value: object, path: str) -> Target | None:
        data = self.mapping(value, path, TARGET_KEYS, tr("target"))
        if data is None or "op" not in data or "value" not in data:
            return None
        number = self.number(data["value"], child_path(path, "value"), tr("target 'value'"))
        unit = self.text(data, "unit", path, required=False)
        phasing = read_phasing(self, data, path)
        if number is None or phasing is None:
            return None
        schedule, baseline = phasing
        return self.build(
            Target,
            path,
            op=data["op"],
            value=number,
            unit=unit,
            schedule=schedule,
            baseline=baseline,
        )

    def read_coverage(self, data: Mapping[str, Any], path: str, iid: str) -> bool | None:
        """Read an indicator's ``coverage`` flag (absent or null: not declared)."""
        coverage = data.get("coverage")
        if coverage is not None and not isinstance(coverage, bool):
            self.problem(
                child_path(path, "coverage"),
                tr("'coverage' must be true or false (got {coverage!r})", coverage=coverage),
                iid,
            )
            return None
        return coverage

    def read_units(self, value: object, path: str) -> UnitAcceptance | None:
        data = self.mapping(value, path, UNITS_KEYS, tr("'units'"))
        if data is None:
            return None
        accept = self.text(data, "accept", path, required=True)
        note = self.text(data, "note", path, required=True)
        if accept is None or note is None:
            return None
        return UnitAcceptance(accept=accept, note=note)

    def read_source(self, value: object, path: str) -> Source | None:
        if isinstance(value, str) and value.strip():
            return Source(ref=value)
        data = self.mapping(value, path, SOURCE_KEYS, tr("source"))
        if data is None:
            return None
        ref = self.text(data, "ref", path, required=True)
        verification = data.get("verification", "unverified")
        values = tuple(v.value for v in Verification)
        if not self.enum_value(
            verification, child_path(path, "verification"), values, tr("'verification'")
        ):
            return None
        if ref is None:
            return None
        return Source(
            ref=ref,
            verification=Verification(verification),
            instrument=self.text(data, "instrument", path, required=False),
            url=self.text(data, "url", path, required=False),
            quote=self.text(data, "quote", path, required=False),
            note=self.text(data, "note", path, required=False),
        )

    def read_sources(self, value: object, path: str) -> dict[str, Source]:
        """Read the per-value sources of an indicator (``target``, ``deadline``, ``formula``)."""
        keys = dict.fromkeys(PROVENANCE_FIELDS, False)
        data = self.mapping(value, path, keys, tr("sources"))
        if data is None:
            return {}
        found: dict[str, Source] = {}
        for field in PROVENANCE_FIELDS:
            if field in data:
                source = self.read_source(data[field], child_path(path, field))
                if source is not None:
                    found[field] = source
        return found

    def read_bands(self, value: object, path: str) -> tuple[Band, ...]:
        """Read ``bands:``, a list from the top band down (checked by the rule set)."""
        if not isinstance(value, list):
            self.problem(
                path, tr("'bands' must be a list of bands (got {kind})", kind=_kind(value))
            )
            return ()
        bands = []
        for position, entry in enumerate(value):
            sub = child_path(path, position)
            data = self.mapping(entry, sub, BAND_KEYS, tr("a band"))
            if data is None:
                if entry is None:
                    self.problem(sub, tr("a band must be a mapping with 'label'"))
                continue
            label = self.text(data, "label", sub, required=True)
            bounds = {
                key: self.number(data.get(key), child_path(sub, key), repr(key))
                for key in ("at_least", "at_most", "below", "above")
            }
            source = None
            if "source" in data:
                source = self.read_source(data["source"], child_path(sub, "source"))
            if label is not None:
                label_en = self.text(data, "label_en", sub, required=False)
                bands.append(Band(label=label, label_en=label_en, source=source, **bounds))
        return tuple(bands)

    def read_index(self, value: object, path: str) -> IndexSpec | None:
        """Read ``index: {weights: {id: weight}, missing: no_data|renormalise}``."""
        data = self.mapping(value, path, INDEX_KEYS, tr("'index'"))
        if data is None or "weights" not in data:
            return None
        missing = data.get("missing", "no_data")
        rule_ok = self.enum_value(
            missing, child_path(path, "missing"), MISSING_RULES, tr("'missing'")
        )
        weights_path = child_path(path, "weights")
        raw = data["weights"]
        if not isinstance(raw, dict) or not raw:
            self.problem(
                weights_path, tr("'weights' must map indicator ids to weights ({raw!r})", raw=raw)
            )
            return None
        weights = {}
        for component, weight in raw.items():
            sub = child_path(weights_path, component)
            if not isinstance(component, str) or not INDICATOR_ID.match(component):
                self.problem(sub, tr("{component!r} is not an indicator id", component=component))
                continue
            number = self.number(weight, sub, tr("weight of {component!r}", component=component))
            if number is not None and number <= 0:
                self.problem(
                    sub,
                    tr(
                        "weight of {component!r} must be above 0 (got {number})",
                        component=component,
                        number=exact_decimal(number),
                    ),
                )
            elif number is not None:
                weights[component] = number
        source = None
        if "source" in data:
            source = self.read_source(data["source"], child_path(path, "source"))
        if len(weights) < len(raw) or not rule_ok:
            return None
        return IndexSpec(weights=weights, missing=missing, source=source)

    def with_index(self, iid: str, entry: Any, path: str) -> tuple[Any, IndexSpec | None]:  # noqa: ANN401
        """For an index indicator, its entry with the formula derived from its weights."""
        if not isinstance(entry, dict) or "index" not in entry:
            return entry, None
        for key in DERIVED_BY_INDEX:
            if key in entry:
                self.problem(
                    child_path(path, key),
                    tr(
                        "indicator {iid!r} is an index: its {key} is derived from 'index', "
                        "remove {key!r}",
                        iid=iid,
                        key=key,
                    ),
                    iid,
                )
        spec = self.read_index(entry["index"], child_path(path, "index"))
        if spec is None:  # reported; placeholders keep "missing numerator" from adding to it
            return {**entry, "numerator": "0", "denominator": "1", "factor": 1}, None
        numerator, denominator = index_formula(spec)
        derived = {"numerator": str(numerator), "denominator": str(denominator), "factor": 1}
        # An index is a weighted sum, not a subset of anything: never "exceeds".
        return {"coverage": False, **entry, **derived}, spec

    def read_indicator(self, iid: str, entry: Any, path: str) -> Indicator | None:  # noqa: ANN401
        before = len(self.problems)
        entry, index = self.with_index(iid, entry, path)
        data = self.mapping(entry, path, INDICATOR_KEYS, tr("indicator {iid!r}", iid=iid))
        if data is None:
            if entry is None:
                self.problem(path, tr("indicator {iid!r} is empty", iid=iid))
            return None
        name = self.text(data, "name", path, required=True)
        service_type = self.text(data, "service_type", path, required=True)
        numerator = self.expression(data.get("numerator"), child_path(path, "numerator"), iid)
        denominator = self.expression(data.get("denominator"), child_path(path, "denominator"), iid)
        parts = {"numerator": numerator, "denominator": denominator}
        self.formulas[iid] = {part: e for part, e in parts.items() if e is not None}
        if service_type is not None:
            self.service_type_of[iid] = service_type
        factor = self.number(data.get("factor"), child_path(path, "factor"), tr("'factor'"))
        target = self.read_target(data.get("target"), child_path(path, "target"))
        deadline = data.get("deadline")
        if deadline is not None:
            deadline = self.year(deadline, child_path(path, "deadline"), tr("'deadline'"))
        source = self.read_source(data.get("source"), child_path(path, "source"))
        sources = self.read_sources(data.get("sources"), child_path(path, "sources"))
        notes = self.text_list(data, "notes", path)
        coverage = self.read_coverage(data, path, iid)
        units = None
        if "units" in data:
            units = self.read_units(data["units"], child_path(path, "units"))
        bands: tuple[Band, ...] = ()
        if "bands" in data:
            bands = self.read_bands(data["bands"], child_path(path, "bands"))
        if target is not None:
            check_phasing(self, target, deadline, path, iid)
        corresponds_to, correspondence_sources = read_correspondence(
            self, data.get("corresponds_to"), child_path(path, "corresponds_to"), iid
        )
        if len(self.problems) > before:
            return None
        assert name and service_type and numerator and denominator  # noqa: S101 - checked above
        assert factor is not None and target is not None and source is not None  # noqa: S101
        return self.build(
            Indicator,
            path,
            id=iid,
            name=name,
            name_en=self.text(data, "name_en", path, required=False),
            service_type=service_type,
            numerator=numerator,
            denominator=denominator,
            factor=factor,
            target=target,
            deadline=deadline,
            source=source,
            sources=sources,
            notes=notes,
            coverage=coverage,
            units=units,
            bands=bands,
            index=index,
            corresponds_to=corresponds_to,
            correspondence_sources=correspondence_sources,
        )

    def read_jurisdiction(self, value: object) -> Jurisdiction | None:
        path = "$.jurisdiction"
        data = self.mapping(value, path, JURISDICTION_KEYS, tr("jurisdiction"))
        if data is None:
            return None
        level = data.get("level")
        if not self.enum_value(
            level, child_path(path, "level"), LEVELS, tr("jurisdiction 'level'")
        ):
            return None
        name = self.text(data, "name", path, required=True)
        if name is None:
            return None
        return Jurisdiction(
            level=str(level), name=name, province=self.text(data, "province", path, required=False)
        )

    def read_legal_basis(self, value: object) -> LegalBasis | None:
        path = "$.legal_basis"
        data = self.mapping(value, path, LEGAL_BASIS_KEYS, tr("legal_basis"))
        if data is None:
            return None
        number = data.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str):
            self.problem(
                child_path(path, "number"),
                tr("'number' must be text (got {number!r})", number=number),
            )
            number = None
        year = self.year(data.get("year"), child_path(path, "year"), tr("'year'"))
        enacted = data.get("enacted")
        if enacted is not None and not isinstance(enacted, dt.date):
            self.problem(
                child_path(path, "enacted"),
                tr("'enacted' must be a date YYYY-MM-DD (got {enacted!r})", enacted=enacted),
            )
            enacted = None
        instrument = self.text(data, "instrument", path, required=True)
        if instrument is None or number is None or year is None:
            return None
        return LegalBasis(
            instrument=instrument,
            number=number,
            year=year,
            title=self.text(data, "title", path, required=False),
            enacted=enacted,
            publication=self.text(data, "publication", path, required=False),
            url=self.text(data, "url", path, required=False),
        )

    def rule_set(self) -> RuleSet | None:
        if self.document.data is None:
            self.problem("$", tr("the document is empty (null); a rule set is a YAML mapping"))
            return None
        data = self.mapping(self.document.data, "$", TOP_KEYS, tr("a rule set"))
        if data is None:
            return None
        # `true == 1` in Python; the version is the number 1, not a boolean.
        if "spmkit" in data and not _is_format_version(data["spmkit"]):
            self.problem(
                "$.spmkit",
                tr(
                    "format version must be {version} (got {got!r})",
                    version=FORMAT_VERSION,
                    got=data["spmkit"],
                ),
            )
        rule_set_id = data.get("id")
        if not isinstance(rule_set_id, str) or not RULE_SET_ID.match(rule_set_id):
            self.problem(
                "$.id",
                tr(
                    "'id' must match {pattern} (got {rule_set_id!r})",
                    pattern=RULE_SET_ID.pattern,
                    rule_set_id=rule_set_id,
                ),
            )
        language = data.get("language")
        self.enum_value(language, "$.language", LANGUAGES, tr("'language'"))
        title = self.text(data, "title", "$", required=True)
        jurisdiction = self.read_jurisdiction(data.get("jurisdiction"))
        legal_basis = self.read_legal_basis(data.get("legal_basis"))
        inputs = self.named_section(data, "inputs", INPUT_NAME, self.read_input)
        service_types = self.named_section(
            data, "service_types", INDICATOR_ID, self.read_service_type
        )
        indicators = self.named_section(data, "indicators", INDICATOR_ID, self.read_indicator)
        notes = self.text_list(data, "notes", "$")
        in_force = None
        if "in_force" in data:
            in_force = read_in_force(self, data["in_force"])
        supersedes, sector = read_supersedes(self, data), read_sector(self, data)
        if self.problems:
            # The reference and unit checks of what did read well, so their problems come
            # with all the others (a sound file is checked once, by RuleSet itself).
            self.place(
                check_parts(
                    rule_set_id=str(rule_set_id),
                    inputs=inputs,
                    service_types=_keys(data.get("service_types")),
                    indicators=indicators,
                    declared=(_keys(data.get("inputs")), _keys(data.get("indicators"))),
                    formulas=self.formulas,
                    service_type_of=self.service_type_of,
                )
            )
            return None
        assert title is not None and jurisdiction is not None and legal_basis is not None  # noqa: S101
        return self.build(
            RuleSet,
            "$",
            id=str(rule_set_id),
            title=title,
            title_en=self.text(data, "title_en", "$", required=False),
            language=str(language),
            jurisdiction=jurisdiction,
            legal_basis=legal_basis,
            notes=notes,
            inputs=inputs,
            service_types=service_types,
            indicators=indicators,
            in_force=in_force,
            supersedes=supersedes,
            sector=sector,
            **(
                {"small_denominator": data["small_denominator"]}
                if "small_denominator" in data
                else {}
            ),
        )


def _is_format_version(value: object) -> bool:
    """The ``spmkit:`` key holds this format's version (the number, not ``true``)."""
    return not isinstance(value, bool) and value == FORMAT_VERSION


def _keys(section: object) -> list[str]:
    return [str(key) for key in section] if isinstance(section, dict) else []


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return tr("a mapping")
    if isinstance(value, list):
        return tr("a list")
    if isinstance(value, str) and (len(value) > _SHOWN_TEXT or "\n" in value):
        # Never echo a whole document: it may be a file that is not a rule file at all.
        return _text_of(value)
    return repr(value)


def _text_of(value: str) -> str:
    """``text of 1,234 characters``, the number grouped as each language groups it."""
    return tr("text of {count} characters", count=grouped(len(value)))


_SHOWN_TEXT: Final = 60
"""Longest text repeated in a message about a rule file; longer text is named by its size."""


def build_rule_set(document: YamlDocument, file: str | None) -> RuleSet:
    """Build a plain rule set (a document without ``extends:``).

    Raises:
        RuleSetInvalid: every problem of the document, each with its line and path.
    """
    builder = _Builder(document, file)
    rule_set = builder.rule_set()
    if builder.problems or rule_set is None:
        msg = tr("rule set {file} is invalid", file=file or "<text>")
        raise RuleSetInvalid(msg, builder.problems)
    return rule_set


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


class _OverlayBuilder:
    """Reads one overlay document against its resolved base, collecting problems."""

    def __init__(
        self, document: YamlDocument, file: str | None, base: RuleSet, base_file: str
    ) -> None:
        self.reader = _Builder(document, file)
        self.document = document
        self.file = file
        self.base = base
        # The base's indicators with their origin stamped; the base itself is not rebuilt
        # (a rule set is checked once, when it is built).
        origin = _Origin(base.id, base_file, base.legal_basis.cite())
        self.base_indicators = {iid: _stamped(i, origin) for iid, i in base.indicators.items()}

    def problem(self, path: str, message: str, indicator_id: str | None = None) -> None:
        self.reader.problem(path, message, indicator_id)

    def scoring(self, data: Mapping[str, Any], path: str, iid: str) -> dict[str, Any]:
        """Overridden bands; an index cannot be overridden (it would change the formula)."""
        if "index" in data:
            self.problem(
                child_path(path, "index"),
                tr(
                    "an override cannot change 'index' of {iid!r}; drop the indicator and "
                    "add a new one with its own id",
                    iid=iid,
                ),
                iid,
            )
        if "bands" in data:
            return {"bands": self.reader.read_bands(data["bands"], child_path(path, "bands"))}
        return {}

    def time_changes(
        self, base: Indicator, data: Mapping[str, Any], path: str, changes: dict[str, Any]
    ) -> None:
        """Read an override's correspondences; check a phased target against its deadline."""
        iid = base.id
        if "corresponds_to" in data:
            where = child_path(path, "corresponds_to")
            ids, cited_by = read_correspondence(self.reader, data["corresponds_to"], where, iid)
            changes["corresponds_to"], changes["correspondence_sources"] = ids, cited_by
        if changes.get("target") is not None:
            deadline = changes["deadline"] if "deadline" in data else base.deadline
            check_phasing(self.reader, changes["target"], deadline, path, iid)

    def override(
        self, base: Indicator, entry: object, path: str, origin: _Origin
    ) -> Indicator | None:
        iid = base.id
        reader = self.reader
        data = reader.mapping(
            entry, path, OVERRIDE_KEYS, tr("override of indicator {iid!r}", iid=iid)
        )
        if data is None:
            if entry is None:
                self.problem(path, tr("override of indicator {iid!r} is empty", iid=iid), iid)
            return None
        before = len(reader.problems)
        for key in NOT_NULL_IN_OVERRIDE:
            if key in data and data[key] is None:
                self.problem(child_path(path, key), tr("{key!r} must not be empty", key=key), iid)
        changes: dict[str, Any] = {}
        for key in ("name", "name_en", "service_type"):
            if key in data:
                changes[key] = reader.text(data, key, path, required=key != "name_en")
        for key in ("numerator", "denominator"):
            if key in data:
                changes[key] = reader.expression(data[key], child_path(path, key), iid)
        if "factor" in data:
            changes["factor"] = reader.number(
                data["factor"], child_path(path, "factor"), tr("'factor'")
            )
        if "target" in data:
            changes["target"] = reader.read_target(data["target"], child_path(path, "target"))
        if "deadline" in data:
            deadline_path = child_path(path, "deadline")
            changes["deadline"] = reader.year(data["deadline"], deadline_path, tr("'deadline'"))
        if "notes" in data:
            changes["notes"] = reader.text_list(data, "notes", path)
        if "coverage" in data:
            changes["coverage"] = reader.read_coverage(data, path, iid)
        if "units" in data:
            changes["units"] = reader.read_units(data["units"], child_path(path, "units"))
        changes.update(self.scoring(data, path, iid))
        self.time_changes(base, data, path, changes)
        row = None
        if "source" in data:
            row = reader.read_source(data["source"], child_path(path, "source"))
        cited = {}
        if "sources" in data:
            cited = reader.read_sources(data["sources"], child_path(path, "sources"))
        if len(reader.problems) > before:
            return None
        sources: dict[str, Source] = {}
        for field, keys in FIELD_KEYS.items():
            given = cited.get(field) or row
            if given is not None:
                sources[field] = origin.stamp(given)
            elif any(key in data for key in keys):
                changed = ", ".join(key for key in keys if key in data)
                self.problem(
                    path,
                    tr(
                        "override of indicator {iid!r} changes {changed} but cites no source "
                        "for it; add 'source' (the row in this rule set's instrument) or "
                        "'sources: {{{field}: ...}}'",
                        iid=iid,
                        changed=changed,
                        field=field,
                    ),
                    iid,
                )
            else:
                sources[field] = base.source_of(field)
        if len(reader.problems) > before:
            return None
        return reader.build(
            functools.partial(attrs.evolve, base),
            path,
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
            self.problem(
                child_path(path, "after"),
                tr("'after' must be an indicator id ({after!r})", after=after),
            )
            return None
        if indicator is None:
            return None
        return _stamped(indicator, origin), after

    def dropped(self, value: object) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(
                "$.drop", tr("'drop' must be a list of indicator ids (got {value!r})", value=value)
            )
            return []
        for position, iid in enumerate(value):
            if iid not in self.base_indicators:
                self.problem(
                    child_path("$.drop", position),
                    tr(
                        "cannot drop {iid!r}: rule set {id!r} has no such indicator; {suggest}",
                        iid=iid,
                        id=self.base.id,
                        suggest=suggest(iid, self.base_indicators),
                    ),
                )
        return [iid for iid in value if iid in self.base_indicators]

    def indicators(self, data: Mapping[str, Any], origin: _Origin) -> dict[str, Indicator]:
        drop = self.dropped(data.get("drop"))
        resolved = dict(self.base_indicators)
        order = [iid for iid in resolved if iid not in drop]
        added: dict[str, tuple[Indicator, str | None]] = {}

        def read_one(iid: str, entry: object, path: str) -> None:
            if iid in drop:
                self.problem(
                    path, tr("indicator {iid!r} is both dropped and overridden", iid=iid), iid
                )
            elif iid in resolved:
                found = self.override(resolved[iid], entry, path, origin)
                if found is not None:
                    resolved[iid] = found
            else:
                new = self.new_indicator(iid, entry, path, origin)
                if new is not None:
                    added[iid] = new

        self.reader.named_section(data, "indicators", INDICATOR_ID, read_one)
        anchors: dict[str, str] = {}
        for iid, (indicator, after) in added.items():
            resolved[iid] = indicator
            if after is None:
                order.append(iid)
                continue
            if after not in order:
                self.problem(
                    child_path(child_path("$.indicators", iid), "after"),
                    tr(
                        "'after' must name an indicator of the resolved rule set (got "
                        "{after!r}); {suggest}",
                        after=after,
                        suggest=suggest(after, order),
                    ),
                    iid,
                )
                order.append(iid)
                continue
            order.insert(order.index(anchors.get(after, after)) + 1, iid)
            anchors[after] = iid
        return {iid: resolved[iid] for iid in order}


def _succeeding(
    base: RuleSet, indicators: dict[str, Indicator], declared: object
) -> dict[str, Indicator]:
    """An overlay that replaces its base: its services correspond to the base's.

    The base's own ``corresponds_to`` (to the regulation *it* replaced) is not inherited:
    an indicator the overlay keeps corresponds to the base's indicator of the same id,
    unless the overlay declares its own correspondence for it.
    """
    entries = declared if isinstance(declared, Mapping) else {}
    updated = {}
    for iid, indicator in indicators.items():
        entry = entries.get(iid)
        own = isinstance(entry, Mapping) and "corresponds_to" in entry
        if own or iid not in base.indicators:
            updated[iid] = indicator
        else:
            updated[iid] = attrs.evolve(
                indicator, corresponds_to={base.id: iid}, correspondence_sources={}
            )
    return updated


def build_overlay(
    document: YamlDocument, file: str | None, base: RuleSet, base_file: str
) -> RuleSet:
    """Build an overlay (a document with ``extends:``) against its resolved base.

    Args:
        document: the overlay, read by :func:`spmkit._yamlload.read_yaml`.
        file: its file, for messages.
        base: the rule set its ``extends:`` names, already loaded and checked.
        base_file: the base's file, recorded on the sources of the base's values.

    Raises:
        RuleSetInvalid: every problem of the overlay, each with its line and path.
    """
    overlay = _OverlayBuilder(document, file, base, base_file)
    reader = overlay.reader
    data = reader.mapping(document.data, "$", OVERLAY_KEYS, tr("an overlay"))
    assert data is not None  # noqa: S101 - the caller saw a mapping with 'extends'
    if not _is_format_version(data.get("spmkit")):
        overlay.problem(
            "$.spmkit",
            tr(
                "format version must be {version} ({got!r})",
                version=FORMAT_VERSION,
                got=data.get("spmkit"),
            ),
        )
    rule_set_id = data.get("id")
    if not isinstance(rule_set_id, str) or not RULE_SET_ID.match(rule_set_id):
        overlay.problem(
            "$.id",
            tr(
                "'id' must match {pattern} (got {rule_set_id!r})",
                pattern=RULE_SET_ID.pattern,
                rule_set_id=rule_set_id,
            ),
        )
        rule_set_id = "<overlay>"
    if "language" in data:
        reader.enum_value(data["language"], "$.language", LANGUAGES, tr("'language'"))
    jurisdiction = base.jurisdiction
    if "jurisdiction" in data:
        jurisdiction = reader.read_jurisdiction(data["jurisdiction"]) or jurisdiction
    legal_basis = base.legal_basis
    if "legal_basis" in data:
        legal_basis = reader.read_legal_basis(data["legal_basis"]) or legal_basis
    origin = _Origin(str(rule_set_id), file, legal_basis.cite())
    inputs = {**base.inputs, **reader.named_section(data, "inputs", INPUT_NAME, reader.read_input)}
    service_types = {
        **base.service_types,
        **reader.named_section(data, "service_types", INDICATOR_ID, reader.read_service_type),
    }
    indicators = overlay.indicators(data, origin)
    title = reader.text(data, "title", "$", required=True) if "title" in data else base.title
    title_en = (
        reader.text(data, "title_en", "$", required=False) if "title_en" in data else base.title_en
    )
    in_force = read_in_force(reader, data["in_force"]) if "in_force" in data else None
    sector = read_sector(reader, data) if "sector" in data else base.sector
    supersedes = read_supersedes(reader, data)
    if base.id in supersedes:
        indicators = _succeeding(base, indicators, data.get("indicators"))
    notes = reader.text_list(data, "notes", "$") if "notes" in data else base.notes
    # Read like a plain rule set's title_en (text), not taken as given (the schema test found it).
    title_en = (
        reader.text(data, "title_en", "$", required=False) if "title_en" in data else base.title_en
    )
    if reader.problems:
        # Reported with the other problems; a sound overlay is checked once, by RuleSet.
        reader.place(
            check_parts(
                rule_set_id=str(rule_set_id),
                inputs=inputs,
                service_types=service_types,
                indicators=indicators,
            )
        )
    if not reader.problems:
        rule_set = reader.build(
            RuleSet,
            "$",
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
            in_force=in_force,
            supersedes=supersedes,
            sector=sector,
            small_denominator=data.get("small_denominator", base.small_denominator),
        )
        if rule_set is not None:
            return rule_set
    msg = tr("overlay {file} is invalid", file=file or "<text>")
    raise RuleSetInvalid(msg, reader.problems)
