"""Reports as FHIR R4 resources: ``MeasureReport`` per region, ``Measure`` per indicator.

Indonesia's national health data platform (SATUSEHAT) speaks FHIR R4. This module writes
plain JSON-ready dicts (no FHIR library needed); the tests parse every resource back with
``fhir.resources`` (the ``fhir`` extra) to prove it is valid.

The mapping (``docs/fhir.md``):

- A rule set is one ``Measure`` (``urn:spmkit:measure:<rule set>``) with one ``group`` per
  indicator (``group.code`` is the indicator id).
- Scoring follows the indicator's kind (:func:`scoring_of`): a coverage (*cakupan*, a part
  of the denominator) is ``proportion`` and its ``measureScore`` is on HL7's scale, 0 to 1
  (95 % is ``0.95``); another ratio (visits per person, deaths per 100,000) is ``ratio``
  and its score is on the regulation's scale with its unit (``per 100000``); an index is
  ``continuous-variable`` with its score and no populations (it has no numerator or
  denominator of its own). R4 has one ``scoring`` per Measure: a rule set of mixed kinds
  puts each group's scoring in R5's ``Measure.group.scoring`` extension.
- Each indicator is also a ``Measure`` of its own (``urn:spmkit:measure:<rule set>:<id>``)
  with ``improvementNotation`` from the target's comparator (``>=``/``>``: increase,
  ``<=``/``<``: decrease) and the target, deadline and source in ``guidance``.
- A report for one region and year is a ``MeasureReport`` (``type: summary``) whose groups
  carry the population counts and the ``measureScore``. FHIR has no element for "target
  met", so each group carries spmkit's status, ``met``, the value on the regulation's scale
  (``{"value": 95, "unit": "%"}``) and its shown text (``shown_value``) as extensions.
- Several reports are a ``Bundle`` (``type: collection``) of the Measures and the
  MeasureReports; every entry has its own ``id`` and ``fullUrl`` (a report's id includes
  its position, so rows without a region, or one region twice, stay apart).

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

from spmkit._arguments import require_flag, require_sequence
from spmkit._evaluation.results import IndicatorResult, Report, nearest_float
from spmkit._rulesets.model import Indicator, RuleSet
from spmkit._rulesets.reader import resolve_rule_set
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = [
    "EXTENSION_BASE",
    "RegionReport",
    "fhir_measure",
    "fhir_measure_report",
    "fhir_rule_set_measure",
    "scoring_of",
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
_GROUP_SCORING: Final = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Measure.group.scoring"
)
_SCORING_DISPLAY: Final = {
    "proportion": "Proportion",
    "ratio": "Ratio",
    "continuous-variable": "Continuous Variable",
}
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


def scoring_of(indicator: Indicator) -> str:
    """The FHIR scoring of an indicator: ``proportion``, ``ratio`` or ``continuous-variable``.

    An index is a continuous variable; a declared coverage, or an undeclared one on the
    percent scale, a proportion; every other ratio (``coverage: false``, or per 1,000) a
    ratio.
    """
    if indicator.index is not None:
        return "continuous-variable"
    if indicator.coverage or (indicator.coverage is None and indicator.factor == 100):
        return "proportion"
    return "ratio"


def _scoring(code: str) -> dict[str, Any]:
    return _coding(_SCORING, code, _SCORING_DISPLAY[code])


def _definition(indicator: Indicator) -> dict[str, Any]:
    """A Measure group's populations: a numerator and a denominator, none for an index."""
    if scoring_of(indicator) == "continuous-variable":
        return {}
    return {"population": _populations(str(indicator.numerator), str(indicator.denominator))}


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


def _common(rule_set: RuleSet, scorings: set[str]) -> dict[str, Any]:
    common: dict[str, Any] = {
        "status": "active",
        "publisher": rule_set.jurisdiction.name,
    }
    if len(scorings) == 1:
        common["scoring"] = _scoring(next(iter(scorings)))
    common |= {
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
        **_common(rule_set, {scoring_of(indicator)}),
        "description": indicator.name_en or indicator.name,
        "guidance": _guidance(rule_set, indicator),
        "group": [
            {
                "code": _coding(_INDICATOR_SYSTEM, indicator.id, indicator.name),
                **_definition(indicator),
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
    scorings = {scoring_of(indicator) for indicator in rule_set.indicators.values()}
    groups = [
        {
            **(
                {}
                if len(scorings) == 1
                else {
                    "extension": [
                        {
                            "url": _GROUP_SCORING,
                            "valueCodeableConcept": _scoring(scoring_of(indicator)),
                        }
                    ]
                }
            ),
            "code": _coding(_INDICATOR_SYSTEM, indicator.id, indicator.name),
            "description": _guidance(rule_set, indicator),
            **_definition(indicator),
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
        **_common(rule_set, scorings),
        "description": rule_set.title_en or rule_set.title,
        "group": groups,
    }


def _count(value: Fraction | None) -> dict[str, Any]:
    if value is None:
        return {}
    if value.denominator == 1:
        return {"count": int(value)}
    return {"extension": [{"url": f"{EXTENSION_BASE}:exact", "valueDecimal": float(value)}]}


def _scale(result: IndicatorResult) -> dict[str, Any]:
    """The value on the regulation's scale: ``95 %``, ``12 per 100000``, an index's 87.5."""
    quantity: dict[str, Any] = {"value": result.value}
    if result.factor == 100:
        quantity.update(unit="%", system=_UCUM, code="%")
    elif result.factor != 1:
        factor = result.factor
        quantity["unit"] = f"per {int(factor) if factor.denominator == 1 else float(factor)}"
    return quantity


def _score(result: IndicatorResult, scoring: str) -> dict[str, Any]:
    if result.exact_value is None:
        return {}
    if scoring == "proportion":
        share = result.exact_value / result.factor  # HL7's scale: 0 to 1
        return {"measureScore": {"value": nearest_float(share), "system": _UCUM, "code": "1"}}
    return {"measureScore": _scale(result)}


def _group(result: IndicatorResult, scoring: str) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"url": f"{EXTENSION_BASE}:status", "valueCode": result.status.value}
    ]
    if result.met is not None:
        extensions.append({"url": f"{EXTENSION_BASE}:met", "valueBoolean": result.met})
    if result.exact_value is not None:
        extensions.append({"url": f"{EXTENSION_BASE}:value", "valueQuantity": _scale(result)})
        extensions.append({"url": f"{EXTENSION_BASE}:shown", "valueString": result.shown_value})
    group: dict[str, Any] = {
        "extension": extensions,
        "code": _coding(_INDICATOR_SYSTEM, result.indicator_id, result.name),
    }
    if scoring != "continuous-variable":
        group["population"] = [
            {"code": _coding(_POPULATION, code, code.capitalize()), **_count(value)}
            for code, value in (
                ("numerator", result.numerator),
                ("denominator", result.denominator),
            )
        ]
    return group | _score(result, scoring)


def fhir_measure_report(
    rule_set: RuleSet,
    report: Report,
    *,
    year: int,
    region: str | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    """One region's report for one year as a FHIR R4 ``MeasureReport`` (type summary).

    Args:
        rule_set: the rule set the report was evaluated with.
        report: what :func:`spmkit.evaluate` returned.
        year: the period reported (FHIR requires one): 1 January to 31 December.
        region: the region, as the subject's display text.
        position: the report's place among several (a Bundle's reports): part of its id,
            so that reports of one region and year, or without a region, stay apart.
    """
    if report.rule_set_id != rule_set.id:
        msg = f"the report is of rule set {report.rule_set_id!r}, not {rule_set.id!r}"
        raise UsageError(msg)
    resource: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": _resource_id(
            "report", rule_set.id, region, year, *(() if position is None else (position,))
        ),
        "status": "complete",
        "type": "summary",
        "measure": _canonical(rule_set.id),
    }
    if region is not None:
        resource["subject"] = {"display": region}
    resource["period"] = {"start": f"{year:04d}-01-01", "end": f"{year:04d}-12-31"}
    resource["group"] = [
        _group(result, scoring_of(rule_set.indicators[result.indicator_id]))
        for result in report.values()
    ]
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
    ('MeasureReport', 0.95)

    Args:
        rule_set: the rule set the reports were evaluated with.
        reports: one report (one region: a ``MeasureReport``), or several with their
            regions and years (a ``Bundle`` of type collection).
        year: the year of every report that names none.
        region: the region of a single report.
        measures: put the rule set's Measures in the Bundle too.

    Raises:
        UsageError: a report has no year, or is of another rule set; ``rule_set`` is
            neither a rule set nor an id or path (which are loaded); ``reports`` is
            neither a report nor a list of them; ``measures`` is not True or False.
    """
    if not isinstance(rule_set, RuleSet):  # an id or a path, as spmkit.diff takes
        rule_set = resolve_rule_set(rule_set)
    require_flag(measures, "measures")
    if not isinstance(reports, Report):
        require_sequence(reports, "reports", tr("a Report or a list of RegionReport"))
    if isinstance(reports, Report):
        single = RegionReport(report=reports, region=region, year=year)
        return fhir_measure_report(rule_set, reports, year=_year(single, year), region=region)
    resources: list[dict[str, Any]] = []
    if measures:
        resources.append(fhir_rule_set_measure(rule_set))
        resources.extend(fhir_measure(rule_set, iid) for iid in rule_set.indicators)
    resources.extend(
        fhir_measure_report(
            rule_set, entry.report, year=_year(entry, year), region=entry.region, position=number
        )
        for number, entry in enumerate(reports, start=1)
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
