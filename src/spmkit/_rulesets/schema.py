"""The rule-file format (``docs/rule-sets.md``) as data: its version, keys, id patterns, limits.

One owner of the format: :mod:`spmkit._rulesets.builder` reads documents by these tables
(plain rule sets and overlays alike) and :mod:`spmkit._rulesets.dump` writes from them,
so a key added here is read and written in one place. A key table maps each key of a
mapping to whether it is required; its order is the order in which keys are written.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "BAND_KEYS",
    "BASELINE_KEYS",
    "CORRESPONDENCE_KEYS",
    "DERIVED_BY_INDEX",
    "FIELD_KEYS",
    "FORMAT_VERSION",
    "INDEX_KEYS",
    "INDICATOR_ID",
    "INDICATOR_KEYS",
    "INPUT_KEYS",
    "INPUT_NAME",
    "IN_FORCE_KEYS",
    "JURISDICTION_KEYS",
    "LANGUAGES",
    "LEGAL_BASIS_KEYS",
    "LEVELS",
    "MAX_INDICATORS",
    "MAX_INPUTS",
    "NOT_NULL_IN_OVERRIDE",
    "NULLABLE",
    "OVERLAY_KEYS",
    "OVERRIDE_KEYS",
    "RULE_SET_ID",
    "SECTION_LIMITS",
    "SERVICE_TYPE_KEYS",
    "SOURCE_KEYS",
    "TARGET_KEYS",
    "TOP_KEYS",
    "UNITS_KEYS",
]

FORMAT_VERSION: Final = 1
"""The value of a rule file's ``spmkit:`` key."""

MAX_INDICATORS: Final = 1000
"""Most indicators in one rule set (a national SPM has 18; all six fields together ~150)."""

MAX_INPUTS: Final = 2000
"""Most declared inputs in one rule set."""

SECTION_LIMITS: Final = {"indicators": MAX_INDICATORS, "inputs": MAX_INPUTS}
"""Most entries of each named section."""

RULE_SET_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
"""A rule set's ``id`` (``kulon-progo-2011``)."""
INPUT_NAME: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
"""An input's name (``bumil_k4``): what formulas and data columns use."""
INDICATOR_ID: Final = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*\Z")
"""An indicator's or a service type's id (``I.1``, ``9``)."""

TOP_KEYS: Final = {
    "spmkit": True,
    "id": True,
    "title": True,
    "title_en": False,
    "language": True,
    "jurisdiction": True,
    "legal_basis": True,
    "notes": False,
    # Rules in time (docs/time.md): the SPM field, validity, what it replaces.
    "sector": False,
    "in_force": False,
    "supersedes": False,
    # Small numbers (docs/reports.md): below this denominator a value is flagged.
    "small_denominator": False,
    "inputs": True,
    "service_types": True,
    "indicators": True,
}
JURISDICTION_KEYS: Final = {"level": True, "name": True, "province": False}
LEGAL_BASIS_KEYS: Final = {
    "instrument": True,
    "number": True,
    "year": True,
    "title": False,
    "enacted": False,
    "publication": False,
    "url": False,
}
INPUT_KEYS: Final = {
    "label": True,
    "label_en": False,
    "unit": True,
    "required": False,
    "default": False,
    "description": False,
    "kind": False,
    "aggregate": False,
    "min": False,
    "max": False,
    "same_as": False,
}
SERVICE_TYPE_KEYS: Final = {"name": True, "name_en": False}
INDICATOR_KEYS: Final = {
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
    "bands": False,
    "index": False,
    "corresponds_to": False,
}
TARGET_KEYS: Final = {
    "op": True,
    "value": True,
    "unit": False,
    "schedule": False,
    "baseline": False,
}
UNITS_KEYS: Final = {"accept": True, "note": True}
SOURCE_KEYS: Final = {
    "ref": True,
    "verification": False,
    "instrument": False,
    "url": False,
    "quote": False,
    "note": False,
}
BAND_KEYS: Final = {
    "at_least": False,
    "at_most": False,
    "below": False,
    "above": False,
    "label": True,
    "label_en": False,
    "source": False,
}
"""One band of ``bands:`` (docs/index-spm.md); the last band has neither threshold."""
INDEX_KEYS: Final = {"weights": True, "missing": False, "source": False}
"""``index:``: component id -> weight, the rule for a missing component, and where the
weights come from (without it, the indicator's ``source``)."""
DERIVED_BY_INDEX: Final = ("numerator", "denominator", "factor")
"""Indicator keys an index derives from its weights, so it must not give them."""
LANGUAGES: Final = ("id", "en")
LEVELS: Final = ("nasional", "provinsi", "kabupaten", "kota", "kabupaten/kota")
NULLABLE: Final = frozenset({"deadline", "until"})
"""Required keys whose value may be null: a deadline the regulation does not print, the
end of a rule set still in force (or whose end is unknown)."""

OVERLAY_KEYS: Final = {
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
    # Rules in time: an overlay declares its own validity; none is taken from the base.
    "in_force": False,
    "supersedes": False,
    "sector": False,
    "small_denominator": False,
}
"""The top level of an overlay (a document with ``extends:``)."""
OVERRIDE_KEYS: Final = dict.fromkeys(INDICATOR_KEYS, False)
"""An overlay's change to an indicator of its base: any indicator key, none required."""
NOT_NULL_IN_OVERRIDE: Final = (
    "service_type",
    "name",
    "numerator",
    "denominator",
    "factor",
    "target",
)
"""Keys an override may leave out but not set to null."""
IN_FORCE_KEYS: Final = {
    "from": True,
    "until": True,
    "source": True,
    "until_source": False,
    "note": False,
}
"""A rule set's ``in_force`` (docs/time.md); ``until`` may be null."""
BASELINE_KEYS: Final = {"year": True, "value": True}
"""A phased target's ``baseline``."""
CORRESPONDENCE_KEYS: Final = {"indicator": True, "source": False}
"""The long form of one ``corresponds_to`` entry."""
FIELD_KEYS: Final = {
    "target": ("target",),
    "deadline": ("deadline",),
    "formula": ("numerator", "denominator", "factor"),
}
"""The keys behind each value that carries its own source (``Indicator.sources``)."""
