"""What an evaluation returns: one frozen result per indicator, and the report of them all.

Results keep the exact numbers (``numerator``, ``denominator``, ``factor`` and
``exact_value`` are :class:`~fractions.Fraction`) and offer floats for display
(``value``, ``gap``). The decision ``met`` is always taken on the exact numbers.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final

import attrs

from spmkit._evaluation.intervals import SMALL_DENOMINATOR, is_small_denominator, wilson_interval
from spmkit._evaluation.progress import Progress
from spmkit._evaluation.shown import (
    Threshold,
    shown_decimals,
    shown_gap,
    thresholds_of,
)
from spmkit._frozen import FrozenMap, freeze
from spmkit._numbers import number_text
from spmkit._rulesets.model import PROVENANCE_FIELDS, Indicator, RuleSet, Source, Target

__all__ = ["IndicatorResult", "Report", "Status", "assemble", "result_template"]


class Status(enum.StrEnum):
    """The outcome of one indicator."""

    MET = "met"
    """The achievement meets the target."""
    NOT_MET = "not_met"
    """The achievement was computed and does not meet the target."""
    NO_DATA = "no_data"
    """An input the indicator needs is missing; nothing is assumed for it."""
    UNDEFINED = "undefined"
    """The data are complete but the ratio has no value (the denominator is zero)."""


def nearest_float(value: Fraction | None) -> float | None:
    """The nearest float; +-inf for exact values beyond the float range (exact_* stay exact)."""
    if value is None:
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


# Not slotted: a result's fields live in its __dict__, so :func:`assemble` can build one
# from a per-indicator template in one dict update instead of ~22 frozen setattr calls.
@attrs.frozen(kw_only=True, slots=False)
class IndicatorResult:
    """The evaluation of one indicator.

    Attributes:
        indicator_id: the indicator's id (``"I.1"``).
        name: the indicator's name, as the regulation prints it.
        status: met, not_met, no_data or undefined.
        numerator: exact value of the numerator expression, None when it has none.
        denominator: exact value of the denominator expression, None when it has none.
        factor: 100 for a percentage, 1000 or 100000 for rates.
        exact_value: ``numerator / denominator * factor``, exact; None unless computed.
        met: whether the target is met; None when the status is no_data or undefined.
        exact_gap: distance from the value to the target value, 0 when met.
        exceeds_denominator: the numerator is above the denominator (e.g. 104.2 %),
            usually because the denominator is an estimate; the value is kept as it is.
        missing_inputs: inputs the indicator needed and did not get.
        target: the target it was judged against; deadline: its year, or None.
        source: where the indicator is printed in its regulation.
        target_source: where the target it was judged against comes from, and how it
            was verified (for an overlay, the file that set it); None only for results
            built by hand.
        explanation: the formula with the values substituted, the target and the source;
            given as text or as a function that builds it, called the first time the
            explanation is read (most callers never read it, and building it is most of
            the cost of an evaluation).
        explanation_id: the same in Indonesian, with Indonesian number notation
            (``4.900 / 5.200 x 100 = 94,23 %``); built lazily too.
        band: the category of the value (``"Tuntas Utama"``), for an indicator with
            ``bands``; None without bands or without a value.
        band_en: the category's English label, when the rule set gives one.
        progress: with ``year=``, where the value stands on the way to the final target
            (met, on_track, behind, overdue); None without a year or without a value.
        milestone: with ``year=``, the exact target value judged that year (or period);
            ``status``, ``met`` and the gap are decided against it. None without a year.
        indicator: the rule-set indicator judged (its bands, index weights and the source
            of each value); None only for results built by hand.
        language: the rule set's language, in which :attr:`shown_value` is written.

    What every output shows is :attr:`shown_value` and :attr:`shown_gap`: the fewest
    decimals (at least two) that decide the target, the milestone and every band edge
    exactly as the exact value does (docs/semantics.md, "Shown numbers").
    """

    indicator_id: str
    name: str
    status: Status
    numerator: Fraction | None
    denominator: Fraction | None
    factor: Fraction
    exact_value: Fraction | None
    met: bool | None
    exact_gap: Fraction | None
    exceeds_denominator: bool
    missing_inputs: tuple[str, ...]
    target: Target
    deadline: int | None
    source: Source
    _explanation: str | Callable[[], str] = attrs.field(alias="explanation", eq=False, repr=False)
    target_source: Source | None = None
    band: str | None = None
    band_en: str | None = None
    progress: Progress | None = None
    milestone: Fraction | None = None
    small_denominator_threshold: int = SMALL_DENOMINATOR
    _explanation_id: str | Callable[[], str] = attrs.field(
        default="", alias="explanation_id", eq=False, repr=False
    )
    indicator: Indicator | None = attrs.field(default=None, eq=False, repr=False)
    language: str = attrs.field(default="en", eq=False, repr=False)

    @functools.cached_property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Every comparison the value is judged by: target, milestone, band edges."""
        bands = () if self.indicator is None else self.indicator.bands
        return thresholds_of(self.target, self.milestone, bands)

    @functools.cached_property
    def _shown(self) -> tuple[int, Fraction] | None:
        """The shown decimals and the number they write (worked out once per result)."""
        if self.exact_value is None:
            return None
        return shown_decimals(self.exact_value, self.thresholds)

    @property
    def shown_decimals(self) -> int | None:
        """How many decimals the shown value needs to decide like the exact one."""
        shown = self._shown
        return None if shown is None else shown[0]

    def shown_value_in(self, lang: str) -> str | None:
        """The value as shown in ``lang``: ``94,996`` where ``95,00`` would mislead."""
        shown = self._shown
        return None if shown is None else number_text(shown[1], lang, shown[0])

    def shown_gap_in(self, lang: str) -> str | None:
        """The gap as shown in ``lang``: never zero when the target is not met."""
        if self.exact_gap is None:
            return None
        return shown_gap(self.exact_gap, lang, self.shown_decimals or 2)

    @property
    def shown_value(self) -> str | None:
        """:meth:`shown_value_in` the rule set's language."""
        return self.shown_value_in(self.language)

    @property
    def shown_gap(self) -> str | None:
        """:meth:`shown_gap_in` the rule set's language."""
        return self.shown_gap_in(self.language)

    @functools.cached_property
    def provenance(self) -> FrozenMap[str, Source]:
        """The source of each value this result used, each with its own verification level.

        Keys: ``target``, ``deadline``, ``formula``; ``milestone`` when one was judged;
        ``band:<label>`` per band; ``weight:<component>`` per index weight (the index's
        source, as the rule file gives the weights there).
        """
        if self.indicator is None:
            given = {} if self.target_source is None else {"target": self.target_source}
            return freeze(given)
        return _provenance(self.indicator, self.target_source, self.milestone is not None)

    @property
    def explanation(self) -> str:
        """The formula with the values substituted, the target and the source."""
        return self._text("_explanation")

    @property
    def explanation_id(self) -> str:
        """The explanation in Indonesian (empty for results built by hand without it)."""
        return self._text("_explanation_id")

    def _text(self, name: str) -> str:
        """An explanation, built on first reading and then kept in the instance's dict.

        As ``functools.cached_property`` does, without its lock (Python 3.11 takes one
        on every first reading: a fifth of the cost of building the text).
        """
        kept = self.__dict__
        found: str | None = kept.get(name + "_text")
        if found is None:
            given = kept[name]
            found = given if isinstance(given, str) else given()
            kept[name + "_text"] = found  # a cache: the text never changes
        return found

    def explanation_in(self, lang: str) -> str:
        """The explanation in ``lang`` (``"id"`` or ``"en"``)."""
        return self.explanation_id if lang == "id" and self.explanation_id else self.explanation

    @property
    def value(self) -> float | None:
        """The achievement as a float (95.0 for 95 %), for display; None if not computed."""
        return nearest_float(self.exact_value)

    @property
    def gap(self) -> float | None:
        """The gap to the target as a float (0.0 when met); None if not computed."""
        return nearest_float(self.exact_gap)

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval of the achievement, in the value's scale (x factor).

        None when the indicator is not a proportion here (no denominator, a numerator
        above it, or no data). ``3 of 4`` gives about (30.06, 95.44) for a percentage.
        """
        if self.numerator is None or self.denominator is None:
            return None
        bounds = wilson_interval(self.numerator, self.denominator)
        if bounds is None:
            return None
        scale = nearest_float(self.factor)
        assert scale is not None  # noqa: S101 - every indicator has a factor
        return bounds[0] * scale, bounds[1] * scale

    @property
    def small_denominator(self) -> bool:
        """The denominator is below the rule set's threshold (30 unless it says otherwise)."""
        return is_small_denominator(self.denominator, self.small_denominator_threshold)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data: counts as ints, other numbers as floats, status as text."""
        return {
            "indicator": self.indicator_id,
            "name": self.name,
            "status": self.status.value,
            "value": self.value,
            "numerator": plain_number(self.numerator),
            "denominator": plain_number(self.denominator),
            "factor": plain_number(self.factor),
            "target": {"op": self.target.op, "value": plain_number(self.target.value)},
            "deadline": self.deadline,
            "met": self.met,
            "gap": self.gap,
            "exceeds_denominator": self.exceeds_denominator,
            "missing_inputs": list(self.missing_inputs),
            "source": self.source.ref,
            "target_source": None
            if self.target_source is None
            else {
                "ref": self.target_source.ref,
                "instrument": self.target_source.instrument,
                "verification": self.target_source.verification.value,
                "rule_set": self.target_source.rule_set,
            },
            "explanation": self.explanation,
            "explanation_id": self.explanation_id,
            "progress": None if self.progress is None else self.progress.value,
            "milestone": plain_number(self.milestone),
            "interval": None if self.interval is None else list(self.interval),
            "small_denominator": self.small_denominator,
            "band": self.band,
            "band_en": self.band_en,
            "shown_value": self.shown_value,
            "shown_gap": self.shown_gap,
            "provenance": {
                name: {"ref": source.ref, "verification": source.verification.value}
                for name, source in self.provenance.items()
            },
        }


_PROVENANCES: dict[
    tuple[int, int, bool], tuple[Indicator, Source | None, FrozenMap[str, Source]]
] = {}
"""Provenance by (indicator, target source, milestone judged): the same for every row."""


def _provenance(
    indicator: Indicator, target_source: Source | None, milestone: bool
) -> FrozenMap[str, Source]:
    """What :attr:`IndicatorResult.provenance` says, made once per indicator and source."""
    key = (id(indicator), id(target_source), milestone)
    cached = _PROVENANCES.get(key)
    if cached is not None and cached[0] is indicator and cached[1] is target_source:
        return cached[2]
    found: dict[str, Source] = {f: indicator.source_of(f) for f in PROVENANCE_FIELDS}
    if target_source is not None:
        found["target"] = target_source
    if milestone:
        found["milestone"] = found["target"]
    for band in indicator.bands:
        found[f"band:{band.label}"] = band.source or indicator.source
    if indicator.index is not None:
        for component in indicator.index.weights:
            found[f"weight:{component}"] = found["formula"]
    frozen = freeze(found)
    if len(_PROVENANCES) >= _MOST_PROVENANCES:
        _PROVENANCES.clear()
    _PROVENANCES[key] = (indicator, target_source, frozen)
    return frozen


_MOST_PROVENANCES: Final = 4096


def plain_number(value: Fraction | None) -> int | float | None:
    """A count as an int (94996, never 94996.0), any other number as its nearest float."""
    if value is not None and value.denominator == 1:
        return int(value)
    return nearest_float(value)


_NEW: Final = object.__new__
_SET: Final = object.__setattr__


def result_template(**fields: Any) -> MappingProxyType[str, Any]:  # noqa: ANN401 - any field
    """The stored fields of ``IndicatorResult(**fields)``, read-only, for :func:`assemble`.

    Built once per indicator (per rule set) with its fixed fields (id, name, factor,
    target, sources...) and placeholders for the rest, through the class's own
    constructor: a field added to the class later is in the template too.
    """
    return MappingProxyType(dict(vars(IndicatorResult(**fields))))


def assemble(  # noqa: PLR0913 - every field an evaluation computes
    template: MappingProxyType[str, Any],
    status: Status,
    numerator: Fraction | None,
    denominator: Fraction | None,
    exact_value: Fraction | None,
    met: bool | None,
    exact_gap: Fraction | None,
    exceeds_denominator: bool,
    missing_inputs: tuple[str, ...],
    explanation: str | Callable[[], str],
    explanation_id: str | Callable[[], str],
    band: str | None = None,
    band_en: str | None = None,
    progress: Progress | None = None,
    milestone: Fraction | None = None,
) -> IndicatorResult:
    """A result equal to ``IndicatorResult(**template-fields, status=..., ...)``, built cheaply.

    For the scalar evaluator, whose values are already proven valid: the class has no
    validators or converters to skip, so the result is the same object the constructor
    builds (tests compare both), frozen as usual; only the per-field setattr calls are
    saved (about 1.5 us of 2 per result).
    """
    # One copy of the template, fourteen item stores and one __dict__ assignment: measured
    # faster than dict.update with keywords or a dict display (0.55 us against 0.9-1.3).
    stored = template.copy()
    stored["status"] = status
    stored["numerator"] = numerator
    stored["denominator"] = denominator
    stored["exact_value"] = exact_value
    stored["met"] = met
    stored["exact_gap"] = exact_gap
    stored["exceeds_denominator"] = exceeds_denominator
    stored["missing_inputs"] = missing_inputs
    stored["_explanation"] = explanation
    stored["_explanation_id"] = explanation_id
    stored["band"] = band
    stored["band_en"] = band_en
    stored["progress"] = progress
    stored["milestone"] = milestone
    result: IndicatorResult = _NEW(IndicatorResult)
    _SET(result, "__dict__", stored)  # the frozen class's own __setattr__ refuses
    return result


@attrs.frozen(kw_only=True)
class Report(Mapping[str, IndicatorResult]):
    """The results of one rule set on one data set, by indicator id, in the rule set's order.

    ``rule_set`` is the rule set evaluated (None for reports built by hand): renderers
    take its title and legal basis from here, never from a reload by id.
    """

    rule_set_id: str
    results: FrozenMap[str, IndicatorResult] = attrs.field(converter=freeze)
    rule_set: RuleSet | None = attrs.field(default=None, eq=False, repr=False)

    def __getitem__(self, indicator_id: str) -> IndicatorResult:
        return self.results[indicator_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def by_status(self, status: Status | str) -> tuple[IndicatorResult, ...]:
        """Return the results with the given status, in order."""
        return tuple(r for r in self.results.values() if r.status == status)

    @property
    def counts(self) -> Mapping[Status, int]:
        """How many indicators have each status."""
        return {status: len(self.by_status(status)) for status in Status}

    @property
    def all_met(self) -> bool:
        """True when every indicator has status met."""
        return all(r.status is Status.MET for r in self.results.values())

    @property
    def missing_inputs(self) -> frozenset[str]:
        """Every input some indicator needed and did not get."""
        return frozenset(name for r in self.results.values() for name in r.missing_inputs)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data for the whole report."""
        return {
            "rule_set": self.rule_set_id,
            "results": [r.to_dict() for r in self.results.values()],
        }
