"""Rule files to rule sets: find, read, check and convert YAML into :mod:`spmkit.rulesets.model`.

This is the only module that knows the YAML format (``docs/rule-sets.md``). It collects
every problem of a file (unknown or missing keys, wrong types, bad expressions, unknown
names, cycles) and raises them together as one :class:`~spmkit.errors.RuleSetInvalid`,
each placed at ``file:line`` with its path in the document.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

from spmkit.errors import (
    ExpressionLimitError,
    ExpressionSyntaxError,
    RuleSetError,
    RuleSetInvalid,
    RuleSetNotFoundError,
    SpmkitWarning,
    UnverifiedValuesWarning,
)
from spmkit.language.expr import Expression
from spmkit.language.parse import parse_expression
from spmkit.rulesets.check import check_references
from spmkit.rulesets.model import (
    AGGREGATIONS,
    COMPARATORS,
    PROVENANCE_FIELDS,
    Indicator,
    InputKind,
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
from spmkit.rulesets.unitcheck import check_units
from spmkit.yamlload import MAX_FILE_BYTES, YamlDocument, child_path, read_yaml

__all__ = [
    "FORMAT_VERSION",
    "MAX_INDICATORS",
    "MAX_INPUTS",
    "find_rule_file",
    "load_rule_set",
    "loads_rule_set",
    "read_rule_file",
    "resolve_rule_set",
    "shipped_rule_sets",
]

FORMAT_VERSION: Final = 1

MAX_INDICATORS: Final = 1000
"""Most indicators in one rule set (a national SPM has 18; all six fields together ~150)."""

MAX_INPUTS: Final = 2000
"""Most declared inputs in one rule set."""

_RULE_SET_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_INPUT_NAME: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
_INDICATOR_ID: Final = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*\Z")

_TOP_KEYS: Final = {
    "spmkit": True,
    "id": True,
    "title": True,
    "title_en": False,
    "language": True,
    "jurisdiction": True,
    "legal_basis": True,
    "notes": False,
    "inputs": True,
    "service_types": True,
    "indicators": True,
}
_JURISDICTION_KEYS: Final = {"level": True, "name": True, "province": False}
_LEGAL_BASIS_KEYS: Final = {
    "instrument": True,
    "number": True,
    "year": True,
    "title": False,
    "enacted": False,
    "publication": False,
    "url": False,
}
_INPUT_KEYS: Final = {
    "label": True,
    "label_en": False,
    "unit": True,
    "required": False,
    "default": False,
    "description": False,
    "aggregate": False,
    "kind": False,
    "min": False,
    "max": False,
}
_SERVICE_TYPE_KEYS: Final = {"name": True, "name_en": False}
_INDICATOR_KEYS: Final = {
    "service_type": True,
    "name": True,
    "name_en": False,
    "numerator": True,
    "denominator": True,
    "factor": True,
    "target": True,
    "deadline": True,
    "source": True,
    "sources": False,
    "notes": False,
    "coverage": False,
    "units": False,
}
_TARGET_KEYS: Final = {"op": True, "value": True, "unit": False}
_UNITS_KEYS: Final = {"accept": True, "note": True}
_SOURCE_KEYS: Final = {
    "ref": True,
    "verification": False,
    "instrument": False,
    "url": False,
    "quote": False,
    "note": False,
}
_LANGUAGES: Final = ("id", "en")
_SECTION_LIMITS: Final = {"indicators": MAX_INDICATORS, "inputs": MAX_INPUTS}
_NULLABLE: Final = frozenset({"deadline"})
"""Required keys whose value may be null: a deadline the regulation does not print."""
_LEVELS: Final = ("nasional", "provinsi", "kabupaten", "kota", "kabupaten/kota")


class _Reader:
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

    def place(self, errors: Iterable[RuleSetError]) -> None:
        """Collect errors found on the model (by path), placed at their lines in this file."""
        self.problems.extend(e.located(self.file, self.document.line(e.path)) for e in errors)

    def construct(self, **fields: Any) -> RuleSet | None:  # noqa: ANN401 - RuleSet's fields
        """Build the rule set; the problems its own checks find are collected, placed."""
        try:
            return RuleSet(**fields)
        except RuleSetInvalid as group:
            self.place(group.exceptions)
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
            got = _kind(value) if path != "$" else f"{type(value).__name__}, not shown"
            self.problem(path, f"{what} must be a mapping (got {got})")
            return None
        for key in value:
            if key not in keys:
                allowed = ", ".join(sorted(keys))
                self.problem(
                    child_path(path, key),
                    f"unknown key {key!r} in {what}; allowed keys are: {allowed}",
                )
        missing = [k for k, required in keys.items() if required and k not in value]
        if missing:
            self.problem(path, f"{what} is missing required key(s): {', '.join(missing)}")
        empty = [k for k, required in keys.items() if required and k in value and value[k] is None]
        for key in empty:
            if key not in _NULLABLE:
                self.problem(child_path(path, key), f"{key!r} must not be empty")
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(
                child_path(path, key), f"{key!r} must be non-empty text (got {_kind(value)})"
            )
            return None
        return value

    def text_list(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        sub = child_path(path, key)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(sub, f"{key!r} must be a list of strings (got {_kind(value)})")
            return ()
        return tuple(value)

    def number(self, value: object, path: str, what: str) -> Fraction | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.problem(path, f"{what} must be a number (got {value!r})")
            return None
        if isinstance(value, Decimal) and not value.is_finite():
            self.problem(path, f"{what} must be a finite number (got {value})")
            return None
        return Fraction(value)

    def year(self, value: object, path: str, what: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1945 <= value <= 2100:
            self.problem(path, f"{what} must be a year such as 2015 (got {value!r})")
            return None
        return value

    def expression(self, value: object, path: str, indicator_id: str) -> Expression | None:
        if value is None:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(path, f"must be an expression (got {_kind(value)})", indicator_id)
            return None
        try:
            return parse_expression(value)
        except ExpressionSyntaxError as exc:
            self.problem(path, f"invalid expression: {exc}", indicator_id)
        except ExpressionLimitError as exc:
            self.problem(path, str(exc), indicator_id)
        return None

    def enum_value(self, value: object, path: str, allowed: tuple[str, ...], what: str) -> bool:
        if value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            self.problem(path, f"{what} must be one of {options} (got {value!r})")
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
            self.problem(path, f"{key!r} must be a mapping of id to entry (got {_kind(section)})")
            return result
        limit = _SECTION_LIMITS.get(key)
        if limit is not None and len(section) > limit:
            self.problem(path, f"{key!r} may have at most {limit} entries (got {len(section)})")
            return result
        for name, entry in section.items():
            sub = child_path(path, name)
            if not isinstance(name, str) or not pattern.match(name):
                self.problem(
                    sub, f"{name!r} is not a valid id for {key} (pattern {pattern.pattern})"
                )
                continue
            item = read_one(name, entry, sub)
            if item is not None:
                result[name] = item
        return result

    def read_input(self, name: str, entry: Any, path: str) -> InputSpec | None:  # noqa: ANN401
        data = self.mapping(entry, path, _INPUT_KEYS, f"input {name!r}")
        if data is None:
            return None
        required = data.get("required", True)
        if not isinstance(required, bool):
            self.problem(
                child_path(path, "required"), f"'required' must be true or false (got {required!r})"
            )
            required = True
        default = None
        if "default" in data:
            default = self.number(data["default"], child_path(path, "default"), "'default'")
            if required:
                self.problem(
                    child_path(path, "default"),
                    "an input with a default must be declared 'required: false'",
                )
        aggregate = data.get("aggregate", "sum")
        if not self.enum_value(
            aggregate, child_path(path, "aggregate"), AGGREGATIONS, "'aggregate'"
        ):
            aggregate = "sum"
        label = self.text(data, "label", path, required=True)
        unit = self.text(data, "unit", path, required=True)
        constraints = self.read_constraints(data, path)
        if label is None or unit is None or constraints is None:
            return None
        return InputSpec(
            name=name,
            label=label,
            label_en=self.text(data, "label_en", path, required=False),
            unit=unit,
            required=required,
            default=None if required else default,
            description=self.text(data, "description", path, required=False),
            aggregate=aggregate,
            **constraints,
        )

    def read_constraints(self, data: Mapping[str, Any], path: str) -> dict[str, Any] | None:
        """Read an input's ``kind``, ``min`` and ``max`` (absent keys keep the defaults)."""
        before = len(self.problems)
        constraints: dict[str, Any] = {}
        if "kind" in data:
            kinds = tuple(k.value for k in InputKind)
            if self.enum_value(data["kind"], child_path(path, "kind"), kinds, "'kind'"):
                constraints["kind"] = InputKind(data["kind"])
        for key, field in (("min", "minimum"), ("max", "maximum")):
            if key in data:
                bound = self.number(data[key], child_path(path, key), f"{key!r}")
                if bound is not None and bound < 0:
                    self.problem(child_path(path, key), f"{key!r} must be 0 or more (got {bound})")
                constraints[field] = bound
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if low is not None and high is not None and high < low:
            self.problem(child_path(path, "max"), f"'max' {high} must not be below 'min' {low}")
        return constraints if len(self.problems) == before else None

    def read_service_type(self, sid: str, entry: Any, path: str) -> ServiceType | None:  # noqa: ANN401
        data = self.mapping(entry, path, _SERVICE_TYPE_KEYS, f"service type {sid!r}")
        if data is None:
            return None
        name = self.text(data, "name", path, required=True)
        if name is None:
            return None
        return ServiceType(
            id=sid, name=name, name_en=self.text(data, "name_en", path, required=False)
        )

    def read_target(self, value: object, path: str) -> Target | None:
        data = self.mapping(value, path, _TARGET_KEYS, "target")
        if data is None or "op" not in data or "value" not in data:
            return None
        op_ok = self.enum_value(data["op"], child_path(path, "op"), COMPARATORS, "target 'op'")
        number = self.number(data["value"], child_path(path, "value"), "target 'value'")
        unit = self.text(data, "unit", path, required=False)
        if not op_ok or number is None:
            return None
        return Target(op=data["op"], value=number, unit=unit)

    def read_coverage(self, data: Mapping[str, Any], path: str, iid: str) -> bool | None:
        """Read an indicator's ``coverage`` flag (absent or null: not declared)."""
        coverage = data.get("coverage")
        if coverage is not None and not isinstance(coverage, bool):
            self.problem(
                child_path(path, "coverage"),
                f"'coverage' must be true or false (got {coverage!r})",
                iid,
            )
            return None
        return coverage

    def read_units(self, value: object, path: str) -> UnitAcceptance | None:
        data = self.mapping(value, path, _UNITS_KEYS, "'units'")
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
        data = self.mapping(value, path, _SOURCE_KEYS, "source")
        if data is None:
            return None
        ref = self.text(data, "ref", path, required=True)
        verification = data.get("verification", "unverified")
        values = tuple(v.value for v in Verification)
        if not self.enum_value(
            verification, child_path(path, "verification"), values, "'verification'"
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
        data = self.mapping(value, path, keys, "sources")
        if data is None:
            return {}
        found: dict[str, Source] = {}
        for field in PROVENANCE_FIELDS:
            if field in data:
                source = self.read_source(data[field], child_path(path, field))
                if source is not None:
                    found[field] = source
        return found

    def read_indicator(self, iid: str, entry: Any, path: str) -> Indicator | None:  # noqa: ANN401
        before = len(self.problems)
        data = self.mapping(entry, path, _INDICATOR_KEYS, f"indicator {iid!r}")
        if data is None:
            if entry is None:
                self.problem(path, f"indicator {iid!r} is empty")
            return None
        name = self.text(data, "name", path, required=True)
        service_type = self.text(data, "service_type", path, required=True)
        numerator = self.expression(data.get("numerator"), child_path(path, "numerator"), iid)
        denominator = self.expression(data.get("denominator"), child_path(path, "denominator"), iid)
        parts = {"numerator": numerator, "denominator": denominator}
        self.formulas[iid] = {part: e for part, e in parts.items() if e is not None}
        if service_type is not None:
            self.service_type_of[iid] = service_type
        factor = self.number(data.get("factor"), child_path(path, "factor"), "'factor'")
        if factor is not None and factor <= 0:
            self.problem(
                child_path(path, "factor"), f"'factor' must be positive (got {factor})", iid
            )
        target = self.read_target(data.get("target"), child_path(path, "target"))
        deadline = data.get("deadline")
        if deadline is not None:
            deadline = self.year(deadline, child_path(path, "deadline"), "'deadline'")
        source = self.read_source(data.get("source"), child_path(path, "source"))
        sources = self.read_sources(data.get("sources"), child_path(path, "sources"))
        notes = self.text_list(data, "notes", path)
        coverage = self.read_coverage(data, path, iid)
        units = None
        if "units" in data:
            units = self.read_units(data["units"], child_path(path, "units"))
        if len(self.problems) > before:
            return None
        assert name and service_type and numerator and denominator  # noqa: S101 - checked above
        assert factor is not None and target is not None and source is not None  # noqa: S101
        return Indicator(
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
        )

    def read_jurisdiction(self, value: object) -> Jurisdiction | None:
        path = "$.jurisdiction"
        data = self.mapping(value, path, _JURISDICTION_KEYS, "jurisdiction")
        if data is None:
            return None
        level = data.get("level")
        if not self.enum_value(level, child_path(path, "level"), _LEVELS, "jurisdiction 'level'"):
            return None
        name = self.text(data, "name", path, required=True)
        if name is None:
            return None
        return Jurisdiction(
            level=str(level), name=name, province=self.text(data, "province", path, required=False)
        )

    def read_legal_basis(self, value: object) -> LegalBasis | None:
        path = "$.legal_basis"
        data = self.mapping(value, path, _LEGAL_BASIS_KEYS, "legal_basis")
        if data is None:
            return None
        number = data.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str):
            self.problem(child_path(path, "number"), f"'number' must be text (got {number!r})")
            number = None
        year = self.year(data.get("year"), child_path(path, "year"), "'year'")
        enacted = data.get("enacted")
        if enacted is not None and not isinstance(enacted, dt.date):
            self.problem(
                child_path(path, "enacted"),
                f"'enacted' must be a date YYYY-MM-DD (got {enacted!r})",
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

    def read(self) -> RuleSet | None:
        if self.document.data is None:
            self.problem("$", "the document is empty (null); a rule set is a YAML mapping")
            return None
        data = self.mapping(self.document.data, "$", _TOP_KEYS, "a rule set")
        if data is None:
            return None
        if "spmkit" in data and data["spmkit"] != FORMAT_VERSION:
            self.problem(
                "$.spmkit", f"format version must be {FORMAT_VERSION} (got {data['spmkit']!r})"
            )
        rule_set_id = data.get("id")
        if not isinstance(rule_set_id, str) or not _RULE_SET_ID.match(rule_set_id):
            self.problem("$.id", f"'id' must match {_RULE_SET_ID.pattern} (got {rule_set_id!r})")
        language = data.get("language")
        self.enum_value(language, "$.language", _LANGUAGES, "'language'")
        title = self.text(data, "title", "$", required=True)
        jurisdiction = self.read_jurisdiction(data.get("jurisdiction"))
        legal_basis = self.read_legal_basis(data.get("legal_basis"))
        inputs = self.named_section(data, "inputs", _INPUT_NAME, self.read_input)
        service_types = self.named_section(
            data, "service_types", _INDICATOR_ID, self.read_service_type
        )
        indicators = self.named_section(data, "indicators", _INDICATOR_ID, self.read_indicator)
        notes = self.text_list(data, "notes", "$")
        # Names are checked against every declared key, even of entries that are broken
        # themselves, so one bad input does not also make its users "unknown".
        for error in check_references(
            inputs=_keys(data.get("inputs")),
            service_types=_keys(data.get("service_types")),
            indicator_ids=_keys(data.get("indicators")),
            formulas=self.formulas,
            service_type_of=self.service_type_of,
        ):
            self.place([error])
        # Units of the entries that read well, so unit problems come with all the others.
        self.place(check_units(inputs=inputs, indicators=indicators))
        if self.problems:
            return None
        assert title is not None and jurisdiction is not None and legal_basis is not None  # noqa: S101
        return self.construct(
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
        )


def _keys(section: object) -> list[str]:
    return [str(key) for key in section] if isinstance(section, dict) else []


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and (len(value) > _SHOWN_TEXT or "\n" in value):
        # Never echo a whole document: it may be a file that is not a rule file at all.
        return f"text of {len(value):,} characters"
    return repr(value)


_SHOWN_TEXT: Final = 60
"""Longest text repeated in a message about a rule file; longer text is named by its size."""


def _build(text: str, file: str | None, chain: tuple[str, ...]) -> RuleSet:
    """Read one document into a rule set; a document with ``extends:`` is an overlay.

    ``chain`` holds the files (or ids) of the overlays being resolved that lead here, so
    that :mod:`spmkit.rulesets.overlay` can refuse an ``extends:`` cycle.
    """
    try:
        document = read_yaml(text, file)
    except RuleSetError as exc:
        msg = f"cannot read rule set {file or '<text>'}"
        raise RuleSetInvalid(msg, [exc]) from None
    if isinstance(document.data, dict) and "extends" in document.data:
        # Imported here: the overlay module builds on this one.
        from spmkit.rulesets.overlay import resolve_overlay  # noqa: PLC0415

        return resolve_overlay(document, file, chain)
    reader = _Reader(document, file)
    rule_set = reader.read()
    if reader.problems or rule_set is None:
        msg = f"rule set {file or '<text>'} is invalid"
        raise RuleSetInvalid(msg, reader.problems)
    return rule_set


def _warn_unverified(rule_set: RuleSet) -> None:
    unverified = rule_set.unverified
    if unverified:
        warnings.warn(UnverifiedValuesWarning(rule_set.id, unverified), stacklevel=3)


def loads_rule_set(text: str, *, file: str | None = None) -> RuleSet:
    """Load a rule set from YAML text (``file`` names it in messages).

    A document with ``extends:`` is an overlay and is resolved against its base
    (``docs/rule-sets.md``, "Overlays").

    Warns:
        UnverifiedValuesWarning: some target, deadline or formula is not verified.

    Raises:
        RuleSetInvalid: every problem of the document, each with its line and path.
    """
    rule_set = _build(text, file, ())
    _warn_unverified(rule_set)
    return rule_set


def _rules_directory() -> Path:
    """Where the shipped rule sets are: in the installed package, or in a checkout."""
    packaged = Path(str(importlib.resources.files("spmkit"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def shipped_rule_sets() -> dict[str, Path]:
    """Return the ids of the rule sets shipped with spmkit, and their files."""
    directory = _rules_directory()
    if not directory.is_dir():
        return {}
    return {path.stem: path for path in sorted(directory.rglob("*.yaml"))}


def find_rule_file(source: str | Path, *, relative_to: Path | None = None) -> Path:
    """Return the file of a rule set given by shipped id or by path.

    A path is taken relative to ``relative_to`` (an overlay's directory) when given.

    Raises:
        RuleSetNotFoundError: no shipped rule set has that id and no file that path.
    """
    path = Path(source)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    shipped = shipped_rule_sets()
    if isinstance(source, str) and source in shipped and not path.exists():
        path = shipped[source]
    if not path.is_file():
        known = ", ".join(sorted(shipped)) or "none"
        msg = f"no rule set {str(source)!r}: not a shipped rule set id ({known}) nor a file"
        raise RuleSetNotFoundError(msg)
    return path


def read_rule_file(path: Path, chain: tuple[str, ...] = ()) -> RuleSet:
    """Read a rule file without warning (overlays read their bases with this)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        error = RuleSetError(
            f"file is {size} bytes; rule files may be at most {MAX_FILE_BYTES}", file=str(path)
        )
        raise RuleSetInvalid(f"cannot read rule set {path}", [error])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error = RuleSetError(
            f"not UTF-8 text: byte {raw[exc.start]:#04x} at offset {exc.start} cannot be "
            "decoded; save the file as UTF-8",
            file=str(path),
            line=raw.count(b"\n", 0, exc.start) + 1,
        )
        raise RuleSetInvalid(f"cannot read rule set {path}", [error]) from None
    return _build(text, str(path), chain)


def load_rule_set(source: str | Path) -> RuleSet:
    """Load a shipped rule set by id (``"kulon-progo-2011"``) or a rule file by path.

    >>> rs = load_rule_set("kulon-progo-2011")
    >>> rs.indicators["I.1"].target.describe()
    '>= 95 %'

    Warns:
        UnverifiedValuesWarning: some target, deadline or formula is not verified.

    Raises:
        RuleSetNotFoundError: no shipped rule set has that id and no file that path.
        RuleSetInvalid: the file has problems; all of them are reported.
    """
    rule_set = read_rule_file(find_rule_file(source))
    _warn_unverified(rule_set)
    return rule_set


def resolve_rule_set(rule_set: RuleSet | str | Path) -> RuleSet:
    """Return a rule set as is, or load it by id or path without the unverified warning.

    For functions that take "a rule set or its id" and report each value's source and
    verification themselves (``diff``, ``compare``), so the warning would only repeat it.
    """
    if isinstance(rule_set, RuleSet):
        return rule_set
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        return load_rule_set(rule_set)
