"""DHIS2: numerators and denominators out as ``dataValueSets``, analytics in as data.

Many health information systems run DHIS2. A mapping file (``docs/dhis2.md``) ties the
rule set's regions and indicators to DHIS2 identifiers::

    dhis2: 1
    rule_set: kulon-progo-2011
    org_units:                 # region, as the data name it -> organisation unit uid
      Kabupaten Kulon Progo: Rp268JB6Ne4
    indicators:
      I.1:
        numerator: K4vIsItsAA1     # data element for the numerator (export)
        denominator: SasaranBml1   # data element for the denominator (export)
        indicator: Uvn6LCg7dVU     # DHIS2 indicator in an analytics export (import)

Export (:func:`to_data_value_set`) writes each mapped indicator's numerator and
denominator as data values (``dataElement``, ``period``, ``orgUnit``, ``value``). Import
reads either of DHIS2's two shapes:

- an ``/api/analytics`` response made with ``includeNumDen=true``
  (:func:`read_analytics`, :func:`analytics_rows`): the numerator and denominator of each
  mapped DHIS2 indicator become the values of the inputs the spmkit indicator divides
  (which must be one input each);
- a ``dataValueSet`` (:func:`read_data_values`): the values of the mapped numerator and
  denominator data elements become those inputs' values, so an export reads back.

Values stay exact: ``"950.0"`` is 950. None of these functions does I/O: they take and
return JSON-ready data (files: :mod:`spmkit._interop.dhis2_files`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

import attrs

import spmkit
from spmkit._interop.fhir import RegionReport
from spmkit._limits import MAX_DIGITS
from spmkit._translation import tr
from spmkit.errors import Dhis2Error

__all__ = [
    "ANALYTICS_COLUMNS",
    "AnalyticsRow",
    "Dhis2Mapping",
    "IndicatorMapping",
    "analytics_rows",
    "parse_mapping",
    "read_analytics",
    "read_data_values",
    "to_data_value_set",
]

_UID: Final = re.compile(r"[A-Za-z][A-Za-z0-9]{10}\Z")
_TOP_KEYS: Final = {
    "dhis2",
    "rule_set",
    "org_units",
    "indicators",
    "category_option_combo",
    "id_scheme",
}
_CODE: Final = re.compile(r"\S(?:.{0,48}\S)?\Z")
_INDICATOR_KEYS: Final = {"numerator", "denominator", "indicator"}
ANALYTICS_COLUMNS: Final = ("dx", "ou", "pe", "numerator", "denominator")
"""The columns an analytics export needs (by their ``name``; CSV may give the ``column``)."""


@attrs.frozen(kw_only=True)
class IndicatorMapping:
    """The DHIS2 identifiers of one spmkit indicator (any may be absent)."""

    numerator: str | None = None
    denominator: str | None = None
    indicator: str | None = None


@attrs.frozen(kw_only=True)
class Dhis2Mapping:
    """Regions to organisation units, indicators to data elements and DHIS2 indicators."""

    rule_set: str | None
    org_units: Mapping[str, str]
    indicators: Mapping[str, IndicatorMapping]
    category_option_combo: str | None = None
    id_scheme: str = "uid"
    """``uid`` (DHIS2's 11-character ids) or ``code`` (the objects' codes)."""


def _uid(value: object, where: str, problems: list[str], scheme: str = "uid") -> str | None:
    if value is None:
        return None
    if scheme == "code":
        if not isinstance(value, str) or not _CODE.match(value):
            problems.append(f"{where} must be a DHIS2 code: up to 50 characters (got {value!r})")
            return None
        return value
    if not isinstance(value, str) or not _UID.match(value):
        problems.append(
            f"{where} must be a DHIS2 uid: a letter, then 10 letters or digits (got {value!r})"
        )
        return None
    return value


def _unknown_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> list[str]:
    return [
        f"{where}: unknown key {key!r}; allowed keys are {', '.join(sorted(allowed))}"
        for key in data
        if key not in allowed
    ]


def parse_mapping(data: object, *, source: str = "<mapping>") -> Dhis2Mapping:
    """Check a loaded mapping document (see the module docstring) and return it.

    Raises:
        Dhis2Error: every problem of the document (unknown keys, bad uids).
    """
    if not isinstance(data, Mapping):
        raise Dhis2Error(f"{source} is not a DHIS2 mapping", ["expected a mapping"])
    problems = _unknown_keys(data, _TOP_KEYS, "$")
    scheme = data.get("id_scheme", "uid")
    if scheme not in {"uid", "code"}:
        problems.append(f"$.id_scheme must be uid or code (got {scheme!r})")
        scheme = "uid"
    if data.get("dhis2") != 1:
        problems.append(
            f"$.dhis2 must be 1, the mapping format version (got {data.get('dhis2')!r})"
        )
    org_units: dict[str, str] = {}
    raw_units = data.get("org_units") or {}
    if not isinstance(raw_units, Mapping):
        problems.append("$.org_units must map region names to organisation unit uids")
        raw_units = {}
    for region, uid in raw_units.items():
        checked = _uid(uid, f"$.org_units[{region!r}]", problems, scheme)
        if checked is not None:
            org_units[str(region)] = checked
    indicators: dict[str, IndicatorMapping] = {}
    raw_indicators = data.get("indicators") or {}
    if not isinstance(raw_indicators, Mapping):
        problems.append("$.indicators must map indicator ids to DHIS2 identifiers")
        raw_indicators = {}
    for indicator_id, entry in raw_indicators.items():
        where = f"$.indicators[{indicator_id!r}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{where} must be a mapping with {', '.join(sorted(_INDICATOR_KEYS))}")
            continue
        problems.extend(_unknown_keys(entry, _INDICATOR_KEYS, where))
        ids = {
            key: _uid(entry.get(key), f"{where}.{key}", problems, scheme) for key in _INDICATOR_KEYS
        }
        indicators[str(indicator_id)] = IndicatorMapping(**ids)
    combo = _uid(data.get("category_option_combo"), "$.category_option_combo", problems, scheme)
    rule_set = data.get("rule_set")
    if rule_set is not None and not isinstance(rule_set, str):
        problems.append(f"$.rule_set must be a rule-set id (got {rule_set!r})")
    if problems:
        raise Dhis2Error(f"{source} is not a valid DHIS2 mapping", problems)
    return Dhis2Mapping(
        rule_set=rule_set,
        org_units=org_units,
        indicators=indicators,
        category_option_combo=combo,
        id_scheme=scheme,
    )


def _check_rule_set(mapping: Dhis2Mapping, rule_set: spmkit.RuleSet) -> list[str]:
    problems = []
    if mapping.rule_set is not None and mapping.rule_set != rule_set.id:
        problems.append(f"the mapping is for rule set {mapping.rule_set!r}, not {rule_set.id!r}")
    problems.extend(
        f"$.indicators[{iid!r}]: rule set {rule_set.id!r} has no such indicator"
        for iid in mapping.indicators
        if iid not in rule_set.indicators
    )
    return problems


def _text(value: Fraction) -> str:
    """An exact number as DHIS2 reads it: ``950``, ``72.3``; a repeating fraction as a float."""
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(as_decimal) == value:
        return format(as_decimal.normalize(), "f")
    return repr(float(value))


def to_data_value_set(
    rule_set: spmkit.RuleSet,
    reports: Iterable[RegionReport],
    mapping: Dhis2Mapping,
    *,
    year: int | None = None,
) -> dict[str, Any]:
    """The mapped indicators' numerators and denominators as a DHIS2 ``dataValueSets`` payload.

    A value the report does not have (no data) is left out, never sent as zero.

    Args:
        rule_set: the rule set the reports were evaluated with.
        reports: each region's report and year.
        mapping: see :func:`parse_mapping`.
        year: the period of reports that name none (DHIS2 yearly period ``"2011"``).

    Raises:
        Dhis2Error: a region without an organisation unit, a report without a
            year, or a mapped indicator the rule set lacks (all listed).
    """
    problems = _check_rule_set(mapping, rule_set)
    values: list[dict[str, str]] = []
    for entry in reports:
        org_unit = mapping.org_units.get(entry.region or "")
        period = entry.year if entry.year is not None else year
        if org_unit is None:
            problems.append(f"region {entry.region!r} has no organisation unit in $.org_units")
        if period is None:
            problems.append(f"the report of {entry.region!r} has no year; give year=...")
        if org_unit is None or period is None:
            continue
        for indicator_id, ids in mapping.indicators.items():
            result = entry.report.results.get(indicator_id)
            if result is None:
                continue
            for element, value in (
                (ids.numerator, result.numerator),
                (ids.denominator, result.denominator),
            ):
                if element is None or value is None:
                    continue
                data_value = {
                    "dataElement": element,
                    "period": str(period),
                    "orgUnit": org_unit,
                    "value": _text(value),
                }
                if mapping.category_option_combo is not None:
                    data_value["categoryOptionCombo"] = mapping.category_option_combo
                values.append(data_value)
    if problems:
        raise Dhis2Error("cannot export to DHIS2", sorted(set(problems), key=problems.index))
    if mapping.id_scheme == "code":
        return {"idScheme": "CODE", "dataValues": values}
    return {"dataValues": values}


@attrs.frozen(kw_only=True)
class AnalyticsRow:
    """The input values read for one organisation unit and period of an analytics export."""

    org_unit: str
    region: str
    period: str
    data: Mapping[str, Fraction]


def _number(text: object, where: str, problems: list[str]) -> Fraction | None:
    """An analytics value, exactly; non-finite or huge numbers are refused before any work.

    ``"Infinity"`` and ``"NaN"`` are not counts; ``"1e50000000"`` is checked by its
    exponent, not expanded (expanding it would take minutes of CPU).
    """
    if text is None or text == "":
        return None
    written = str(text)[: MAX_DIGITS * 2 + 20]
    try:
        decimal = Decimal(written)
    except (InvalidOperation, ValueError):
        problems.append(tr("{where}: {text!r} is not a number", where=where, text=written))
        return None
    if not decimal.is_finite():
        problems.append(
            tr("{where}: {text!r} is not a finite number; give a count", where=where, text=written)
        )
        return None
    if len(str(text)) > len(written) or abs(decimal.adjusted()) > MAX_DIGITS:
        problems.append(
            tr(
                "{where}: {text!r} is over {limit} digits; spmkit accepts at most {limit} "
                "digits (docs/semantics.md, Limits)",
                where=where,
                text=written[:40],
                limit=MAX_DIGITS,
            )
        )
        return None
    return Fraction(decimal)


def _single_input(expression: object) -> str | None:
    """The input an expression is, when it is exactly one input (``bumil_k4``)."""
    names: frozenset[str] = getattr(expression, "inputs", frozenset())
    if len(names) == 1 and str(expression) == next(iter(names)):
        return str(next(iter(names)))
    return None


def _routes(
    rule_set: spmkit.RuleSet, mapping: Dhis2Mapping, problems: list[str]
) -> dict[str, tuple[str, str, str]]:
    """DHIS2 indicator uid -> (spmkit indicator, numerator input, denominator input)."""
    routes = {}
    for indicator_id, ids in mapping.indicators.items():
        indicator = rule_set.indicators.get(indicator_id)
        if ids.indicator is None or indicator is None:
            continue
        numerator = _single_input(indicator.numerator)
        denominator = _single_input(indicator.denominator)
        if numerator is None or denominator is None:
            problems.append(
                f"indicator {indicator_id!r} divides {indicator.numerator} by "
                f"{indicator.denominator}: import needs one input on each side"
            )
            continue
        routes[ids.indicator] = (indicator_id, numerator, denominator)
    return routes


def read_analytics(
    document: Mapping[str, Any], rule_set: spmkit.RuleSet, mapping: Dhis2Mapping
) -> tuple[AnalyticsRow, ...]:
    """Input data from a DHIS2 analytics response (JSON) made with ``includeNumDen=true``.

    Rows of DHIS2 indicators the mapping does not name are skipped. Regions are named by
    the mapping's ``org_units`` (else by the export's ``metaData``, else by the uid).

    Raises:
        Dhis2Error: the document lacks the dx/ou/pe/numerator/denominator columns,
            a value is not a number, or two indicators give one input two values.
    """
    headers = [str(h.get("name")) for h in document.get("headers", []) if isinstance(h, Mapping)]
    items = document.get("metaData", {}).get("items", {})
    names = {
        str(uid): str(item["name"])
        for uid, item in (items.items() if isinstance(items, Mapping) else ())
        if isinstance(item, Mapping) and item.get("name")
    }
    rows = document.get("rows", [])
    numbered = ((tr("row {number}", number=n), row) for n, row in enumerate(rows, start=1))
    return analytics_rows(headers, numbered, rule_set, mapping, names=names)


def _analytics_problem(problems: list[str]) -> Dhis2Error:
    return Dhis2Error(tr("cannot read the DHIS2 analytics document"), problems)


def analytics_rows(  # noqa: PLR0913 - the rows, and how to name their places
    headers: Sequence[str],
    rows: Iterable[tuple[str, object]],
    rule_set: spmkit.RuleSet,
    mapping: Dhis2Mapping,
    *,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[AnalyticsRow, ...]:
    """Input data from the rows of an analytics export (JSON or CSV), each with its place.

    Args:
        headers: each column's name (``dx``, ``ou``, ``pe``, ``numerator``, ...).
        rows: ``(where, cells)``: ``"row 3"`` of a JSON document, ``"a.csv:4"`` of a file.
        rule_set: the rule set whose inputs the values become.
        mapping: see :func:`parse_mapping`.
        names: organisation unit -> name, for units the mapping does not name.
        labels: a column name -> the header as the file writes it (``Numerator``).

    Raises:
        Dhis2Error: see :func:`read_analytics`.
    """
    problems = _check_rule_set(mapping, rule_set)
    missing = [name for name in ANALYTICS_COLUMNS if name not in headers]
    if missing:
        problems.append(
            tr(
                "the analytics document has no column {missing}; export it with "
                "dimension=dx:...&dimension=ou:...&dimension=pe:... and includeNumDen=true",
                missing=", ".join(missing),
            )
        )
        raise _analytics_problem(problems)
    column = {name: headers.index(name) for name in ANALYTICS_COLUMNS}
    label = {name: (labels or {}).get(name, name) for name in ANALYTICS_COLUMNS}
    routes = _routes(rule_set, mapping, problems)
    found: dict[tuple[str, str], dict[str, Fraction]] = {}
    seen: list[str] = []
    for where, row in rows:
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) < len(headers):
            problems.append(
                tr(
                    "{where}: expected {count} cells (got {row!r})",
                    where=where,
                    count=len(headers),
                    row=row,
                )
            )
            continue
        dx = str(row[column["dx"]])
        route = routes.get(dx)
        if route is None:
            if len(seen) < 50 and dx not in seen:
                seen.append(dx)
            continue
        indicator_id, numerator_input, denominator_input = route
        key = (str(row[column["ou"]]), str(row[column["pe"]]))
        data = found.setdefault(key, {})
        for part, name in (("numerator", numerator_input), ("denominator", denominator_input)):
            place = f"{where} ({indicator_id}) {label[part]}"
            value = _number(row[column[part]], place, problems)
            if value is None:
                continue
            if name in data and data[name] != value:
                problems.append(
                    tr(
                        "{where}: input {name!r} of {org_unit} {period} is {value} here but "
                        "{earlier} in an earlier row",
                        where=where,
                        name=name,
                        org_unit=key[0],
                        period=key[1],
                        value=value,
                        earlier=data[name],
                    )
                )
            data[name] = value
    return _finished(found, mapping, problems, seen, values=False, names=names or {})


def _finished(  # noqa: PLR0913 - what was found, and what to say when it is nothing
    found: Mapping[tuple[str, str], Mapping[str, Fraction]],
    mapping: Dhis2Mapping,
    problems: list[str],
    seen: Sequence[str],
    *,
    values: bool,
    names: Mapping[str, str],
) -> tuple[AnalyticsRow, ...]:
    """The rows found, or every problem: names instead of ids among them, said as such.

    ``values``: of a dataValueSet (data elements, ``idScheme``), else of an analytics
    export (``dx``, ``outputIdScheme``).
    """
    if seen and not found and not problems:
        shown = ", ".join(map(repr, sorted(seen)[:5]))
        scheme, upper = mapping.id_scheme, mapping.id_scheme.upper()
        problems.append(
            tr(
                "no value is of a mapped data element (the file's data elements: {seen}); "
                "the mapping has {scheme}s: export with idScheme={upper}, not names",
                seen=shown,
                scheme=scheme,
                upper=upper,
            )
            if values
            else tr(
                "no row is of a mapped DHIS2 indicator (the export's dx values: {seen}); the "
                "mapping has {scheme}s: export with outputIdScheme={upper}, not names",
                seen=shown,
                scheme=scheme,
                upper=upper,
            )
        )
    option = "orgUnitIdScheme" if values else "outputIdScheme"
    problems.extend(_named_org_units(mapping, [ou for ou, _ in found], option))
    if problems and values:
        raise Dhis2Error(tr("cannot read the DHIS2 dataValueSet"), problems)
    if problems:
        raise _analytics_problem(problems)
    return _rows_of(found, mapping, names)


def _named_org_units(mapping: Dhis2Mapping, org_units: Iterable[str], option: str) -> list[str]:
    """Organisation units that are no uids when the mapping has uids: names, most likely."""
    if mapping.id_scheme != "uid":
        return []
    named = sorted({ou for ou in org_units if not _UID.match(ou)})
    if not named:
        return []
    return [
        tr(
            "organisation units {named} are not uids (names?); export with {option}=UID",
            named=", ".join(map(repr, named[:5])),
            option=option,
        )
    ]


def _rows_of(
    found: Mapping[tuple[str, str], Mapping[str, Fraction]],
    mapping: Dhis2Mapping,
    names: Mapping[str, str],
) -> tuple[AnalyticsRow, ...]:
    by_unit = {uid: region for region, uid in mapping.org_units.items()}
    return tuple(
        AnalyticsRow(
            org_unit=org_unit,
            region=by_unit.get(org_unit) or names.get(org_unit) or org_unit,
            period=period,
            data=data,
        )
        for (org_unit, period), data in found.items()
    )


def _elements(
    rule_set: spmkit.RuleSet, mapping: Dhis2Mapping, problems: list[str]
) -> dict[str, str]:
    """Data element -> the input it is the value of (a numerator's or a denominator's)."""
    elements: dict[str, str] = {}
    for indicator_id, ids in mapping.indicators.items():
        indicator = rule_set.indicators.get(indicator_id)
        if indicator is None:
            continue
        for element, expression in (
            (ids.numerator, indicator.numerator),
            (ids.denominator, indicator.denominator),
        ):
            if element is None:
                continue
            name = _single_input(expression)
            if name is None:
                problems.append(
                    tr(
                        "indicator {indicator!r}: data element {element} is the value of "
                        "{expression}, not of one input; import needs one input on each side",
                        indicator=indicator_id,
                        element=element,
                        expression=expression,
                    )
                )
                continue
            if elements.get(element, name) != name:
                problems.append(
                    tr(
                        "data element {element} is mapped to two inputs, {first!r} and {second!r}",
                        element=element,
                        first=elements[element],
                        second=name,
                    )
                )
            elements[element] = name
    return elements


def read_data_values(
    values: Iterable[tuple[str, Mapping[str, object]]],
    rule_set: spmkit.RuleSet,
    mapping: Dhis2Mapping,
) -> tuple[AnalyticsRow, ...]:
    """Input data from a DHIS2 ``dataValueSet``: each mapped data element's value.

    The values of the mapping's ``numerator`` and ``denominator`` data elements become the
    values of the inputs the indicator divides, per organisation unit and period: what
    :func:`to_data_value_set` wrote reads back. Values of data elements the mapping does
    not name are skipped; with ``category_option_combo`` in the mapping, so are values of
    another combo.

    Args:
        values: ``(where, value)`` with DHIS2's keys (``dataElement``, ``period``,
            ``orgUnit``, ``categoryOptionCombo``, ``value``); ``where`` says which one
            (``$.dataValues[3]``, ``v.csv:4``).
        rule_set: the rule set whose inputs the values become.
        mapping: see :func:`parse_mapping`.

    Raises:
        Dhis2Error: a value without data element, period or organisation unit, a value
            that is not a number, one input given two values, or no mapped data element.
    """
    problems = _check_rule_set(mapping, rule_set)
    elements = _elements(rule_set, mapping, problems)
    combo = mapping.category_option_combo
    found: dict[tuple[str, str], dict[str, Fraction]] = {}
    given: dict[tuple[str, str, str], str] = {}
    seen: list[str] = []
    for where, value in values:
        element, period, org_unit = (
            str(value.get(key) or "") for key in ("dataElement", "period", "orgUnit")
        )
        if not (element and period and org_unit):
            problems.append(
                tr(
                    "{where}: a data value needs dataElement, period and orgUnit (got "
                    "{element!r}, {period!r}, {org_unit!r})",
                    where=where,
                    element=element,
                    period=period,
                    org_unit=org_unit,
                )
            )
            continue
        name = elements.get(element)
        if name is None:
            if len(seen) < 50 and element not in seen:
                seen.append(element)
            continue
        own_combo = str(value.get("categoryOptionCombo") or "")
        if combo is not None and own_combo not in {"", combo}:
            continue
        number = _number(value.get("value"), f"{where} ({element}) value", problems)
        if number is None:
            continue
        data = found.setdefault((org_unit, period), {})
        if name in data and data[name] != number:
            problems.append(
                tr(
                    "{where}: input {name!r} of {org_unit} {period} is {value} here but "
                    "{earlier} in {place}; give one value per organisation unit and period "
                    "(several category option combos? name one as category_option_combo "
                    "in the mapping)",
                    where=where,
                    name=name,
                    org_unit=org_unit,
                    period=period,
                    value=number,
                    earlier=data[name],
                    place=given[(org_unit, period, name)],
                )
            )
            continue
        data[name] = number
        given.setdefault((org_unit, period, name), where)
    return _finished(found, mapping, problems, seen, values=True, names={})
