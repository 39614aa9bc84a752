"""Reports as FHIR R4 resources: ``MeasureReport`` per region, ``Measure`` per indicator.

Indonesia's national health data platform (SATUSEHAT) speaks FHIR R4. This module writes
plain JSON-ready dicts (no FHIR library needed); the tests parse every resource back with
``fhir.resources`` (the ``fhir`` extra) to prove it is valid.

The mapping (``docs/fhir.md``):

- A rule set is one ``Measure`` (``urn:spmkit:measure:<rule set>``) with one ``group`` per
  indicator (``group.code`` is the indicator id), each with a numerator and a denominator
  population; scoring is ``proportion``.
- Each indicator is also a ``Measure`` of its own (``urn:spmkit:measure:<rule set>:<id>``)
  with ``improvementNotation`` from the target's comparator (``>=``/``>``: increase,
  ``<=``/``<``: decrease) and the target, deadline and source in ``guidance``.
- A report for one region and year is a ``MeasureReport`` (``type: summary``) whose groups
  carry the population counts and the ``measureScore`` on the regulation's scale (95 %
  is ``{"value": 95, "unit": "%"}``). FHIR has no element for "target met", so each group
  carries spmkit's status and ``met`` as extensions.
- Several reports are a ``Bundle`` (``type: collection``) of the Measures and the
  MeasureReports.

What it does not do: invent a count. A population that is not a whole number (an estimate)
has no ``count``; its exact value is in an extension.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Final

import attrs

from spmkit._evaluation.results import IndicatorResult, Report
from spmkit._rulesets.model import Indicator, RuleSet
from spmkit.errors import UsageError

__all__ = [
    "EXTENSION_BASE",
    "RegionReport",
    "fhir_measure",
    "fhir_measure_report",
    "fhir_rule_set_measure",
    "to_fhir",
]

EXTENSION_BASE: Final = "urn:spmkit:fhir"
"""Prefix of spmkit's extension URLs (``urn:spmkit:fhir:status``, ``...:met``, ``...:exact``)."""

_MEASURE_BASE: Final = "urn:spmkit:measure"
_POPULATION: Final = "http://terminology.hl7.org/CodeSystem/measure-population"
_SCORING: Final = "http://terminology.hl7.org/CodeSystem/measure-scoring"
_IMPROVEMENT: Final = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
_INDICATOR_SYSTEM: Final = "urn:spmkit:indicator"
_UCUM: Final = "http://unitsofmeasure.org"
_NAMESPACE: Final = uuid.UUID("6f1d6d1e-2c1b-5b8e-9d5a-73706d6b6974")
_NOTATION: Final = {">=": "increase", ">": "increase", "<=": "decrease", "<": "decrease"}


@attrs.frozen(kw_only=True)
class RegionReport:
    """One report with the region and year it is for (a row of a data file)."""

    report: Report
    region: str | None = None
    year: int | None = None


def _canonical(rule_set_id: str, indicator_id: str | None = None) -> str:
    tail = "" if indicator_id is None else f":{indicator_id}"
    return f"{_MEASURE_BASE}:{rule_set_id}{tail}"


def _name(*parts: str) -> str:
    """A computer-friendly FHIR name (``[A-Z][A-Za-z0-9_]*``) from ids."""
    return "SPM_" + re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _resource_id(*parts: object) -> str:
    """A stable id (the same input gives the same id), valid as a FHIR id and a UUID."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(str(part) for part in parts)))


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display is not None:
        coding["display"] = display
    return {"coding": [coding]}


def _populations(description_numerator: str, description_denominator: str) -> list[dict[str, Any]]:
    return [
        {
            "code": _coding(_POPULATION, "numerator", "Numerator"),
            "description": description_numerator,
            "criteria": {"language": "text/plain", "expression": description_numerator},
        },
        {
            "code": _coding(_POPULATION, "denominator", "Denominator"),
            "description": description_denominator,
            "criteria": {"language": "text/plain", "expression": description_denominator},
        },
    ]


def _guidance(rule_set: RuleSet, indicator: Indicator) -> str:
    deadline = "" if indicator.deadline is None else f" by {indicator.deadline}"
    source = indicator.source
    cited = source.instrument or rule_set.legal_basis.cite()
    return (
        f"Target {indicator.target.describe(indicator.factor)}{deadline}. "
        f"Formula: {indicator.describe('formula')}. "
        f"Source: {cited}, {source.ref} ({source.verification})."
    )


def _common(rule_set: RuleSet) -> dict[str, Any]:
    common: dict[str, Any] = {
        "status": "active",
        "publisher": rule_set.jurisdiction.name,
        "scoring": _coding(_SCORING, "proportion", "Proportion"),
        "relatedArtifact": [
            {
                "type": "citation",
                "citation": rule_set.legal_basis.cite(),
                **({"url": rule_set.legal_basis.url} if rule_set.legal_basis.url else {}),
            }
        ],
    }
    return common


def fhir_measure(rule_set: RuleSet, indicator_id: str) -> dict[str, Any]:
    """One indicator as a FHIR R4 ``Measure`` (proportion, numerator and denominator).

    >>> import spmkit
    >>> m = fhir_measure(spmkit.load_rule_set("kulon-progo-2011"), "I.1")
    >>> m["url"], m["improvementNotation"]["coding"][0]["code"]
    ('urn:spmkit:measure:kulon-progo-2011:I.1', 'increase')
    """
    indicator = rule_set.indicators[indicator_id]
    measure: dict[str, Any] = {
        "resourceType": "Measure",
        "id": _resource_id("measure", rule_set.id, indicator.id),
        "url": _canonical(rule_set.id, indicator.id),
        "identifier": [{"system": _INDICATOR_SYSTEM, "value": f"{rule_set.id}/{indicator.id}"}],
        "name": _name(rule_set.id, indicator.id),
        "title": indicator.name,
        **_common(rule_set),
        "description": indicator.name_en or indicator.name,
        "guidance": _guidance(rule_set, indicator),
        "group": [
            {
                "code": _coding(_INDICATOR_SYSTEM, indicator.id, indicator.name),
                "population": _populations(str(indicator.numerator), str(indicator.denominator)),
            }
        ],
    }
    notation = _NOTATION.get(indicator.target.op)
    if notation is not None:
        measure["improvementNotation"] = _coding(_IMPROVEMENT, notation)
    return measure


def fhir_rule_set_measure(rule_set: RuleSet) -> dict[str, Any]:
    """A rule set as one FHIR R4 ``Measure`` with a group per indicator.

    The MeasureReports of :func:`fhir_measure_report` report against it.
    """
    groups = [
        {
            "code": _coding(_INDICATOR_SYSTEM, indicator.id, indicator.name),
            "description": _guidance(rule_set, indicator),
            "population": _populations(str(indicator.numerator), str(indicator.denominator)),
        }
        for indicator in rule_set.indicators.values()
    ]
    return {
        "resourceType": "Measure",
        "id": _resource_id("measure", rule_set.id),
        "url": _canonical(rule_set.id),
        "identifier": [{"system": _INDICATOR_SYSTEM, "value": rule_set.id}],
        "name": _name(rule_set.id),
        "title": rule_set.title,
        **_common(rule_set),
        "description": rule_set.title_en or rule_set.title,
        "group": groups,
    }


def _count(value: Fraction | None) -> dict[str, Any]:
    if value is None:
        return {}
    if value.denominator == 1:
        return {"count": int(value)}
    return {"extension": [{"url": f"{EXTENSION_BASE}:exact", "valueDecimal": float(value)}]}


def _score(result: IndicatorResult) -> dict[str, Any]:
    if result.value is None:
        return {}
    quantity: dict[str, Any] = {"value": result.value}
    if result.factor == 100:
        quantity.update(unit="%", system=_UCUM, code="%")
    else:
        quantity["unit"] = (
            f"per {int(result.factor) if result.factor.denominator == 1 else float(result.factor)}"
        )
    return {"measureScore": quantity}


def _group(result: IndicatorResult) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"url": f"{EXTENSION_BASE}:status", "valueCode": result.status.value}
    ]
    if result.met is not None:
        extensions.append({"url": f"{EXTENSION_BASE}:met", "valueBoolean": result.met})
    populations = [
        {"code": _coding(_POPULATION, code, code.capitalize()), **_count(value)}
        for code, value in (("numerator", result.numerator), ("denominator", result.denominator))
    ]
    return {
        "extension": extensions,
        "code": _coding(_INDICATOR_SYSTEM, result.indicator_id, result.name),
        "population": populations,
        **_score(result),
    }


def fhir_measure_report(
    rule_set: RuleSet,
    report: Report,
    *,
    year: int,
    region: str | None = None,
) -> dict[str, Any]:
    """One region's report for one year as a FHIR R4 ``MeasureReport`` (type summary).

    Args:
        rule_set: the rule set the report was evaluated with.
        report: what :func:`spmkit.evaluate` returned.
        year: the period reported (FHIR requires one): 1 January to 31 December.
        region: the region, as the subject's display text.
    """
    if report.rule_set_id != rule_set.id:
        msg = f"the report is of rule set {report.rule_set_id!r}, not {rule_set.id!r}"
        raise UsageError(msg)
    resource: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": _resource_id("report", rule_set.id, region, year),
        "status": "complete",
        "type": "summary",
        "measure": _canonical(rule_set.id),
    }
    if region is not None:
        resource["subject"] = {"display": region}
    resource["period"] = {"start": f"{year:04d}-01-01", "end": f"{year:04d}-12-31"}
    resource["group"] = [_group(result) for result in report.values()]
    return resource


def _year(entry: RegionReport, default: int | None) -> int:
    year = entry.year if entry.year is not None else default
    if year is None:
        where = f" of {entry.region}" if entry.region else ""
        msg = f"a FHIR MeasureReport needs a period: give the year{where} (year=...)"
        raise UsageError(msg)
    return year


def to_fhir(
    rule_set: RuleSet,
    reports: Report | Sequence[RegionReport],
    *,
    year: int | None = None,
    region: str | None = None,
    measures: bool = True,
) -> dict[str, Any]:
    """Reports as one FHIR R4 resource: a ``MeasureReport``, or a ``Bundle`` of several.

    >>> import spmkit
    >>> rs = spmkit.load_rule_set("kulon-progo-2011")
    >>> report = spmkit.evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000})
    >>> mr = to_fhir(rs, report, year=2011, region="Kulon Progo")
    >>> mr["resourceType"], mr["group"][0]["measureScore"]["value"]
    ('MeasureReport', 95.0)

    Args:
        rule_set: the rule set the reports were evaluated with.
        reports: one report (one region: a ``MeasureReport``), or several with their
            regions and years (a ``Bundle`` of type collection).
        year: the year of every report that names none.
        region: the region of a single report.
        measures: put the rule set's Measures in the Bundle too.

    Raises:
        UsageError: a report has no year, or is of another rule set.
    """
    if isinstance(reports, Report):
        single = RegionReport(report=reports, region=region, year=year)
        return fhir_measure_report(rule_set, reports, year=_year(single, year), region=region)
    resources: list[dict[str, Any]] = []
    if measures:
        resources.append(fhir_rule_set_measure(rule_set))
        resources.extend(fhir_measure(rule_set, iid) for iid in rule_set.indicators)
    resources.extend(
        fhir_measure_report(rule_set, entry.report, year=_year(entry, year), region=entry.region)
        for entry in reports
    )
    return {
        "resourceType": "Bundle",
        "id": _resource_id("bundle", rule_set.id, *(r["id"] for r in resources)),
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }
