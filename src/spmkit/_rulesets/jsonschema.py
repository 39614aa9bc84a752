"""A JSON Schema of rule files, generated from the reader's own key tables.

Editors that read JSON Schema (VS Code and others through ``yaml-language-server``)
complete keys and flag unknown ones while a rule file is written; ``spmkit schema``
prints it, and ``rules/rule-set.schema.json`` is the same document, shipped.

Which keys exist and which are required is read from :mod:`spmkit._rulesets.schema` (the
key tables the builder reads by), the allowed values from the model (comparators,
aggregations, input kinds, verification levels) and the id patterns from the schema
module, so the schema cannot drift from the loader. What a key's *value* is
(text, a number, a year, an expression) is stated once, here, in :data:`VALUE_TYPES`;
:func:`rule_set_schema` refuses to build a schema for a key that has none.

The schema checks the shape of a file; the loader checks more (that names are declared,
units fit, formulas parse). Every file the schema rejects, the loader rejects too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from spmkit._rulesets.model import (
    AGGREGATIONS,
    COMPARATORS,
    PROVENANCE_FIELDS,
    InputKind,
    Verification,
)
from spmkit._rulesets.schema import (
    BAND_KEYS,
    BASELINE_KEYS,
    CORRESPONDENCE_KEYS,
    DERIVED_BY_INDEX,
    FORMAT_VERSION,
    IN_FORCE_KEYS,
    INDEX_KEYS,
    INDICATOR_ID,
    INDICATOR_KEYS,
    INPUT_KEYS,
    INPUT_NAME,
    JURISDICTION_KEYS,
    LANGUAGES,
    LEGAL_BASIS_KEYS,
    LEVELS,
    MAX_INDICATORS,
    MAX_INPUTS,
    OVERLAY_KEYS,
    RULE_SET_ID,
    SERVICE_TYPE_KEYS,
    SOURCE_KEYS,
    TARGET_KEYS,
    TOP_KEYS,
    UNITS_KEYS,
)
from spmkit._rulesets.scoring import MISSING_RULES
from spmkit._rulesets.timekeys import MAX_SCHEDULE_YEARS, SECTORS

__all__ = ["SCHEMA_ID", "VALUE_TYPES", "rule_set_schema", "schema_text"]

SCHEMA_ID: Final = "urn:spmkit:schema:rule-set:1"
"""The schema's ``$id`` (a name; nothing is fetched from it)."""


def _pattern(regex: re.Pattern[str]) -> str:
    """A Python pattern anchored at the end as an ECMA-262 pattern (JSON Schema's)."""
    return "^" + regex.pattern.removesuffix(r"\Z") + "$"


_TEXT: Final = {"type": "string", "pattern": r"\S"}
_OPTIONAL_TEXT: Final = {"type": "string"}
_NUMBER: Final = {"type": "number"}
_YEAR: Final = {"type": "integer", "minimum": 1945, "maximum": 2100}
_EXPRESSION: Final = {"type": ["string", "number"], "description": "an expression (docs/dsl.md)"}
_TEXT_LIST: Final = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_SOURCE_REF: Final = {"$ref": "#/definitions/source"}
_DATE: Final = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
_YEAR_OR_DATE: Final = {"anyOf": [_YEAR, _DATE]}
_RULE_SET_IDS: Final = {
    "type": "array",
    "items": {"type": "string", "pattern": _pattern(RULE_SET_ID)},
}

VALUE_TYPES: Final[Mapping[str, Mapping[str, Any]]] = {
    "rule_set": {
        "spmkit": {"const": FORMAT_VERSION, "description": "the format version"},
        "id": {"type": "string", "pattern": _pattern(RULE_SET_ID)},
        "title": _TEXT,
        "title_en": _OPTIONAL_TEXT,
        "language": {"enum": list(LANGUAGES)},
        "jurisdiction": {"$ref": "#/definitions/jurisdiction"},
        "legal_basis": {"$ref": "#/definitions/legal_basis"},
        "notes": _TEXT_LIST,
        "inputs": {"$ref": "#/definitions/inputs"},
        "service_types": {"$ref": "#/definitions/service_types"},
        "indicators": {"$ref": "#/definitions/indicators"},
        "extends": {"type": "string", "pattern": r"\S", "description": "base: id or path"},
        "drop": {"type": "array", "items": {"type": "string"}},
        "sector": {"enum": list(SECTORS)},
        "small_denominator": {"type": "integer", "minimum": 1},
        "in_force": {"$ref": "#/definitions/in_force"},
        "supersedes": _RULE_SET_IDS,
    },
    "in_force": {
        "from": _YEAR_OR_DATE,
        "until": {"anyOf": [_YEAR, _DATE, {"type": "null"}]},
        "source": _SOURCE_REF,
        "until_source": _SOURCE_REF,
        "note": _OPTIONAL_TEXT,
    },
    "baseline": {"year": _YEAR, "value": _NUMBER},
    "band": {
        "at_least": _NUMBER,
        "at_most": _NUMBER,
        "below": _NUMBER,
        "above": _NUMBER,
        "label": _TEXT,
        "label_en": _OPTIONAL_TEXT,
        "source": _SOURCE_REF,
    },
    "index": {
        "weights": {
            "type": "object",
            "propertyNames": {"pattern": _pattern(INDICATOR_ID)},
            "additionalProperties": _NUMBER,
        },
        "missing": {"enum": list(MISSING_RULES)},
        "source": _SOURCE_REF,
    },
    "correspondence": {
        "indicator": {"type": ["string", "integer"]},
        "source": _SOURCE_REF,
    },
    "jurisdiction": {
        "level": {"enum": list(LEVELS)},
        "name": _TEXT,
        "province": _OPTIONAL_TEXT,
    },
    "legal_basis": {
        "instrument": _TEXT,
        "number": {"type": ["string", "integer"]},
        "year": _YEAR,
        "title": _OPTIONAL_TEXT,
        "enacted": _DATE,
        "publication": _OPTIONAL_TEXT,
        "url": _OPTIONAL_TEXT,
    },
    "input": {
        "label": _TEXT,
        "label_en": _OPTIONAL_TEXT,
        "unit": _TEXT,
        "required": {"type": "boolean"},
        "default": _NUMBER,
        "description": _OPTIONAL_TEXT,
        "aggregate": {"enum": list(AGGREGATIONS)},
        "kind": {"enum": [kind.value for kind in InputKind]},
        "min": {"type": "number", "minimum": 0},
        "max": {"type": "number", "minimum": 0},
        "same_as": {
            "type": "object",
            "propertyNames": {"pattern": _pattern(RULE_SET_ID)},
            "additionalProperties": {"type": "string", "pattern": _pattern(INPUT_NAME)},
        },
    },
    "service_type": {"name": _TEXT, "name_en": _OPTIONAL_TEXT},
    "indicator": {
        "service_type": _TEXT,
        "name": _TEXT,
        "name_en": _OPTIONAL_TEXT,
        "numerator": _EXPRESSION,
        "denominator": _EXPRESSION,
        "factor": {"type": "number", "exclusiveMinimum": 0},
        "target": {"$ref": "#/definitions/target"},
        "deadline": {"oneOf": [_YEAR, {"type": "null"}], "description": "a year, or null"},
        "source": _SOURCE_REF,
        "sources": {
            "type": "object",
            "properties": dict.fromkeys(PROVENANCE_FIELDS, _SOURCE_REF),
            "additionalProperties": False,
        },
        "notes": _TEXT_LIST,
        "coverage": {"type": ["boolean", "null"]},
        "units": {"$ref": "#/definitions/units"},
        "after": {"type": "string", "description": "overlays: place a new indicator after"},
        "bands": {"type": "array", "items": {"$ref": "#/definitions/band"}},
        "index": {"$ref": "#/definitions/index"},
        "corresponds_to": {
            "type": "object",
            "propertyNames": {"pattern": _pattern(RULE_SET_ID)},
            "additionalProperties": {
                "anyOf": [
                    {"type": ["string", "integer"]},
                    {"$ref": "#/definitions/correspondence"},
                ]
            },
        },
    },
    "target": {
        "op": {"enum": list(COMPARATORS)},
        "value": _NUMBER,
        "unit": _OPTIONAL_TEXT,
        "schedule": {
            "type": "object",
            "propertyNames": {"pattern": "^[0-9]{4}$"},
            "additionalProperties": _NUMBER,
            "maxProperties": MAX_SCHEDULE_YEARS,
        },
        "baseline": {"$ref": "#/definitions/baseline"},
    },
    "units": {"accept": _TEXT, "note": _TEXT},
    "source": {
        "ref": _TEXT,
        "verification": {"enum": [level.value for level in Verification]},
        "instrument": _OPTIONAL_TEXT,
        "url": _OPTIONAL_TEXT,
        "quote": _OPTIONAL_TEXT,
        "note": _OPTIONAL_TEXT,
    },
}
"""What each key's value is, by section; the keys themselves come from the reader."""


def _object(section: str, keys: Mapping[str, bool], *, optional: bool = False) -> dict[str, Any]:
    """A closed object schema: the reader's keys, typed from :data:`VALUE_TYPES`."""
    types = VALUE_TYPES[section]
    untyped = sorted(set(keys) - set(types))
    if untyped:
        msg = f"no value type for key(s) {', '.join(untyped)} of {section}: add them to VALUE_TYPES"
        raise AssertionError(msg)  # a key the builder reads but this module does not type
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {key: types[key] for key in keys},
        "additionalProperties": False,
    }
    required = [key for key, needed in keys.items() if needed and not optional]
    if required:
        schema["required"] = required
    return schema


def _section(pattern: re.Pattern[str], entry: str, limit: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "propertyNames": {"pattern": _pattern(pattern)},
        "additionalProperties": {"$ref": f"#/definitions/{entry}"},
    }
    if limit is not None:
        schema["maxProperties"] = limit
    return schema


def rule_set_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a rule file: a rule set, or an overlay (``extends:``).

    >>> schema = rule_set_schema()
    >>> schema["then"]["required"]
    ['spmkit', 'id', 'extends']
    """
    indicator = _object("indicator", {**INDICATOR_KEYS})
    # An index derives its numerator, denominator and factor from its weights: required
    # without `index`, refused with it.
    indicator["required"] = [k for k in indicator["required"] if k not in DERIVED_BY_INDEX]
    indicator["if"] = {"required": ["index"]}
    indicator["then"] = {"not": {"anyOf": [{"required": [k]} for k in DERIVED_BY_INDEX]}}
    indicator["else"] = {"required": list(DERIVED_BY_INDEX)}
    overlay_indicator = _object("indicator", {**INDICATOR_KEYS, "after": False}, optional=True)
    overlay = _object("rule_set", OVERLAY_KEYS)
    overlay["properties"]["indicators"] = {
        **_section(INDICATOR_ID, "overlay_indicator", MAX_INDICATORS)
    }
    source = _object("source", SOURCE_KEYS)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "spmkit rule set",
        "description": (
            "A rule file of spmkit (docs/rule-sets.md): a rule set, or an overlay that "
            "extends one. Generated from spmkit's reader; print it with `spmkit schema`."
        ),
        "type": "object",
        "if": {"required": ["extends"]},
        "then": overlay,
        "else": _object("rule_set", TOP_KEYS),
        "definitions": {
            "jurisdiction": _object("jurisdiction", JURISDICTION_KEYS),
            "legal_basis": _object("legal_basis", LEGAL_BASIS_KEYS),
            "inputs": _section(INPUT_NAME, "input", MAX_INPUTS),
            "input": _object("input", INPUT_KEYS),
            "service_types": _section(INDICATOR_ID, "service_type"),
            "service_type": _object("service_type", SERVICE_TYPE_KEYS),
            "indicators": _section(INDICATOR_ID, "indicator", MAX_INDICATORS),
            "indicator": indicator,
            "overlay_indicator": overlay_indicator,
            "target": _object("target", TARGET_KEYS),
            "units": _object("units", UNITS_KEYS),
            "in_force": _object("in_force", IN_FORCE_KEYS),
            "baseline": _object("baseline", BASELINE_KEYS),
            "band": _object("band", BAND_KEYS),
            "index": _object("index", INDEX_KEYS),
            "correspondence": _object("correspondence", CORRESPONDENCE_KEYS),
            "source": {"oneOf": [_TEXT, source], "description": "a ref, or a full source"},
        },
    }


def schema_text() -> str:
    """The schema as the JSON text ``spmkit schema`` prints (and the shipped file holds)."""
    return json.dumps(rule_set_schema(), indent=2, ensure_ascii=False) + "\n"
