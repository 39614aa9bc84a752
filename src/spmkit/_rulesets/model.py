"""The rule-set domain: inputs, targets, sources, indicators and rule sets.

Format-agnostic and frozen: these classes know nothing about YAML (see
:mod:`spmkit._rulesets.reader`), and a :class:`RuleSet` cannot exist in an inconsistent state. Its
constructor runs the static checks of :mod:`spmkit._rulesets.check` (unknown names, reference
cycles) and raises :class:`~spmkit.errors.RuleSetInvalid` with every problem found.
"Same rule set, one target changed" is ``attrs.evolve``.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeAlias

import attrs

from spmkit._frozen import FrozenMap, as_tuple, freeze
from spmkit._language.expr import Expression, exact_decimal, render_fraction
from spmkit._rulesets.scoring import Band, IndexSpec
from spmkit._translation import Bilingual, both_notations, joined, tr
from spmkit.errors import RuleSetError, RuleSetInvalid, UnknownUnitError, UsageError

__all__ = [
    "AGGREGATIONS",
    "PROVENANCE_FIELDS",
    "Aggregation",
    "Baseline",
    "Comparator",
    "InForce",
    "Indicator",
    "InputKind",
    "InputSpec",
    "Jurisdiction",
    "LegalBasis",
    "RuleSet",
    "ServiceType",
    "Source",
    "Target",
    "UnitAcceptance",
    "ValueProvenance",
    "Verification",
    "factor_suffix",
]

Comparator: TypeAlias = Literal[">=", ">", "<=", "<", "=="]
"""How an achievement is compared with its target value."""

COMPARATORS: Final = (">=", ">", "<=", "<", "==")

Aggregation: TypeAlias = Literal["sum", "max", "min", "first", "last", "same"]
"""How the values of one place in successive periods combine into a longer period.

``sum`` for counts of events (visits in each month add up to the year's visits); for a
stock or an estimate of the whole period (the year's target population, repeated on
every monthly row) ``same`` (all periods must agree), ``last``, ``first``, ``max`` or
``min``. Across places and strata every input adds up. See docs/batch.md.
"""

AGGREGATIONS: Final = ("sum", "max", "min", "first", "last", "same")

_FACTOR_SUFFIXES: Final = {
    Fraction(1): "",
    Fraction(100): " %",
    Fraction(1000): " per 1,000",
    Fraction(10_000): " per 10,000",
    Fraction(100_000): " per 100,000",
}


def factor_suffix(factor: Fraction) -> str:
    """Return how a value with this factor is written (100 -> ``" %"``)."""
    return _FACTOR_SUFFIXES.get(factor, f" x {exact_decimal(factor)}")


def suffix_words(factor: Fraction) -> Bilingual:
    """How a value with this factor is written, in both notations (``" per 1.000"``)."""
    suffix = factor_suffix(factor)
    if not suffix:
        return joined("", [])
    head, _, number = suffix.rpartition(" ")
    return joined("", [f"{head} ", both_notations(number)])


def _to_fraction(value: object, field: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except ValueError:
            pass
    msg = tr("{field!r} must be a finite number (got {value!r})", field=field, value=value)
    raise RuleSetError(msg, path=f"$.{field}")


def _optional_fraction(value: object, field: str) -> Fraction | None:
    return None if value is None else _to_fraction(value, field)


# attrs converters must be named functions (for mypy), one per field so errors name it.
def _target_value(value: object) -> Fraction:
    return _to_fraction(value, "value")


def _factor(value: object) -> Fraction:
    return _to_fraction(value, "factor")


def _default(value: object) -> Fraction | None:
    return _optional_fraction(value, "default")


def _minimum(value: object) -> Fraction | None:
    return _optional_fraction(value, "min")


def _maximum(value: object) -> Fraction | None:
    return _optional_fraction(value, "max")


def _one_of(
    what: str, field: str, options: tuple[str, ...]
) -> Callable[[object, object, object], None]:
    """A validator: the value is one of ``options`` (a located :class:`RuleSetError`)."""

    def check(_instance: object, _attribute: object, value: object) -> None:
        if value not in options:
            allowed = ", ".join(repr(option) for option in options)
            msg = tr(
                "{what} must be one of {allowed} (got {value!r})",
                what=what,
                allowed=allowed,
                value=value,
            )
            raise RuleSetError(msg, path=f"$.{field}")

    return check


class Verification(enum.StrEnum):
    """How a value of a rule set was checked against its legal source."""

    PRIMARY = "primary"
    """Checked against the regulation's own text."""
    SECONDARY = "secondary"
    """Checked in a government report or guidance that quotes the regulation."""
    UNVERIFIED = "unverified"
    """Not confirmed in any text read; shipped so it can be checked, not trusted."""


SMALL_DENOMINATOR_DEFAULT: Final = 30
"""A denominator below this is small unless a rule set says otherwise (docs/reports.md)."""


@attrs.frozen(kw_only=True)
class Source:
    """Where a value comes from: a place in a legal instrument, and how it was checked.

    Attributes:
        ref: where in the instrument (``"Lampiran, No. I, indikator 1"``).
        verification: primary, secondary or unverified.
        instrument: the instrument, when it is not the rule set's own legal basis.
        url: where the text that was checked can be read.
        quote: the words that support the value, verbatim.
        note: what was (or was not) found, e.g. why a value stays unverified.
        rule_set: the rule set whose file supplied the value; set when an overlay is
            resolved (``extends:``), None for a rule set read from one file.
        file: that rule set's file, when known.
    """

    ref: str
    verification: Verification = Verification.UNVERIFIED
    instrument: str | None = None
    url: str | None = None
    quote: str | None = None
    note: str | None = None
    rule_set: str | None = None
    file: str | None = None


PROVENANCE_FIELDS: Final = ("target", "deadline", "formula")
"""The values of an indicator that carry their own source (``Indicator.sources``)."""


def _check_source_fields(
    _instance: object, _attribute: object, value: FrozenMap[str, Source]
) -> None:
    unknown = sorted(set(value) - set(PROVENANCE_FIELDS))
    if unknown:
        msg = tr(
            "sources may only be given for {items} (got {unknown})",
            items=", ".join(PROVENANCE_FIELDS),
            unknown=unknown,
        )
        raise RuleSetError(msg, path="$.sources")


def _baseline_value(value: object) -> Fraction:
    return _to_fraction(value, "value")


@attrs.frozen(kw_only=True)
class Baseline:
    """Where a phased target starts: the value achieved in a base year (docs/time.md)."""

    year: int
    value: Fraction = attrs.field(converter=_baseline_value)


def _freeze_schedule(items: Mapping[int, object]) -> FrozenMap[int, Fraction]:
    """Year -> value, in year order, values exact."""
    return FrozenMap(
        sorted((int(year), _to_fraction(value, "schedule")) for year, value in items.items())
    )


@attrs.frozen(kw_only=True)
class Target:
    """The standard an achievement is judged against, e.g. ``>= 95`` (per cent).

    The value is exact (a Fraction), so the decision is exact too. A phased target also
    carries the yearly milestones towards it: a ``schedule`` (year -> value, as a plan
    prints them) and/or a ``baseline`` from which the milestone runs linearly to
    ``value`` at the indicator's deadline (:meth:`Indicator.milestone`, docs/time.md).
    """

    op: Comparator = attrs.field(validator=_one_of(tr("target 'op'"), "op", COMPARATORS))
    value: Fraction = attrs.field(converter=_target_value)
    unit: str | None = None
    """The unit of ``value`` (``"case per 100000 person"``); None means the indicator's
    factor as a plain scale (factor 100: percent). Checked against the formula's unit
    when the rule set is built (docs/units.md)."""
    schedule: FrozenMap[int, Fraction] = attrs.field(factory=FrozenMap, converter=_freeze_schedule)
    """Yearly milestones as printed (year -> value), in year order; empty if not phased."""
    baseline: Baseline | None = None
    """The base year and value the milestones start from; None if not given."""

    def is_met(self, achievement: Fraction) -> bool:
        """Decide exactly whether an achievement meets this target."""
        if self.op == ">=":
            return achievement >= self.value
        if self.op == ">":
            return achievement > self.value
        if self.op == "<=":
            return achievement <= self.value
        if self.op == "<":
            return achievement < self.value
        return achievement == self.value

    def gap(self, achievement: Fraction) -> Fraction:
        """Return how far an achievement is from the target value; 0 when it is met."""
        if self.is_met(achievement):
            return Fraction(0)
        return abs(self.value - achievement)

    def describe(self, factor: Fraction = Fraction(100)) -> str:
        """Return the target as text, e.g. ``">= 95 %"``."""
        return f"{self.op} {exact_decimal(self.value)}{factor_suffix(factor)}"

    def in_words(self, factor: Fraction = Fraction(100)) -> Bilingual:
        """The target as text in both notations: ``>= 97.5 %`` and ``>= 97,5 %``."""
        value = both_notations(exact_decimal(self.value))
        return joined("", [f"{self.op} ", value, suffix_words(factor)])


class InputKind(enum.StrEnum):
    """What values an input takes (checked at the data boundary, see docs/units.md)."""

    COUNT = "count"
    """A whole number, 0 or more: the default for counting units (person, village ...)."""
    AMOUNT = "amount"
    """A real number, 0 or more: the default for other units (L/day, km, percent)."""


def _input_kind(value: object) -> InputKind:
    if isinstance(value, InputKind):
        return value
    if value in tuple(InputKind):
        return InputKind(str(value))
    allowed = ", ".join(repr(kind.value) for kind in InputKind)
    msg = tr("'kind' must be one of {allowed} (got {value!r})", allowed=allowed, value=value)
    raise RuleSetError(msg, path="$.kind")


def default_kind(spec: InputSpec) -> InputKind:
    """The kind an input has when none is declared: a count for counting units."""
    # Imported here: units needs pint (at load time only, never at `import spmkit`).
    from spmkit._rulesets.units import is_counting, parse_unit  # noqa: PLC0415

    try:
        return InputKind.COUNT if is_counting(parse_unit(spec.unit)) else InputKind.AMOUNT
    except UnknownUnitError:
        return InputKind.AMOUNT  # the unknown unit is reported by the rule set's checks


@attrs.frozen(kw_only=True)
class InputSpec:
    """A declared input: a count or amount, in a unit, the data must (or may) provide.

    ``kind`` defaults from the unit: a count for counting units, else an amount.
    ``minimum`` and ``maximum`` bound the value (inclusive, in ``unit``).
    """

    name: str
    label: str
    unit: str
    label_en: str | None = None
    required: bool = True
    default: Fraction | None = attrs.field(default=None, converter=_default)
    description: str | None = None
    aggregate: Aggregation = attrs.field(
        default="sum", validator=_one_of(tr("'aggregate'"), "aggregate", AGGREGATIONS)
    )
    """How successive periods of one place combine (batch aggregation); ``sum`` by default."""
    kind: InputKind = attrs.field(
        default=attrs.Factory(default_kind, takes_self=True), converter=_input_kind
    )
    minimum: Fraction | None = attrs.field(default=None, converter=_minimum)
    maximum: Fraction | None = attrs.field(default=None, converter=_maximum)
    same_as: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    """The same count under another name in other rule sets: rule-set id -> input name
    (used by :func:`spmkit.compare` and :func:`spmkit.evaluate_history`)."""

    @minimum.validator
    def _check_minimum(self, _attribute: object, value: Fraction | None) -> None:
        if value is not None and value < 0:
            msg = tr("'min' must be 0 or more (got {got})", got=exact_decimal(value))
            raise RuleSetError(msg, path="$.min")

    @maximum.validator
    def _check_maximum(self, _attribute: object, value: Fraction | None) -> None:
        if value is not None and value < 0:
            msg = tr("'max' must be 0 or more (got {got})", got=exact_decimal(value))
            raise RuleSetError(msg, path="$.max")
        if value is not None and self.minimum is not None and value < self.minimum:
            msg = tr(
                "'max' {got} must not be below 'min' {minimum}",
                got=exact_decimal(value),
                minimum=exact_decimal(self.minimum),
            )
            raise RuleSetError(msg, path="$.max")

    @default.validator
    def _check_default(self, _attribute: object, value: Fraction | None) -> None:
        if value is not None and self.required:
            msg = tr("an input with a default must be declared 'required: false'")
            raise RuleSetError(msg, path="$.default")


@attrs.frozen(kw_only=True)
class ServiceType:
    """A *jenis pelayanan*: the group of indicators of one basic service."""

    id: str
    name: str
    name_en: str | None = None


@attrs.frozen(kw_only=True)
class UnitAcceptance:
    """A unit discrepancy the regulation prints, accepted on purpose with a note.

    ``accept`` is the unit of ``numerator / denominator`` as printed (``"visit / person"``).
    The formula must give exactly that unit; the target is then judged as a plain number
    with the indicator's factor. Never a silent fix: the note says why.
    """

    accept: str
    note: str


@attrs.frozen(kw_only=True)
class Indicator:
    """One SPM indicator: ``numerator / denominator x factor`` judged against a target."""

    id: str
    name: str
    service_type: str
    numerator: Expression
    denominator: Expression
    factor: Fraction = attrs.field(converter=_factor)
    target: Target
    deadline: int | None
    source: Source
    name_en: str | None = None
    notes: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    coverage: bool | None = None
    """True: the numerator counts a subset of the denominator (a *cakupan*), so it must
    count the same thing, and a numerator above the denominator is flagged. False: it is
    a rate (visits per person), never flagged. None: not declared, flagged as a hint."""
    units: UnitAcceptance | None = None
    """A unit discrepancy accepted on purpose (see :class:`UnitAcceptance`)."""
    sources: FrozenMap[str, Source] = attrs.field(
        factory=FrozenMap, converter=freeze, validator=_check_source_fields
    )
    bands: tuple[Band, ...] = attrs.field(default=(), converter=as_tuple)
    """Categories of the value, from the top band down (:mod:`spmkit._rulesets.scoring`)."""
    index: IndexSpec | None = None
    """Set for a weighted index; its numerator and denominator are then derived from it."""
    corresponds_to: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=freeze)
    """The same service in other rule sets (a predecessor regulation): rule-set id ->
    indicator id. :func:`spmkit.diff` pairs them as one changed indicator."""
    correspondence_sources: FrozenMap[str, Source] = attrs.field(
        factory=FrozenMap, converter=freeze
    )
    """Where each correspondence is supported, by rule-set id (when cited)."""

    def milestone(self, year: int) -> Fraction:
        """Return the target value in force in ``year`` (the final value when not phased).

        A year of the ``schedule`` gives its value; between two known points (baseline,
        scheduled years, the final value at the deadline) the milestone runs linearly;
        before the first point it is that point's value; from the deadline on, the
        final target value. Exact (a Fraction). See docs/time.md.
        """
        # Imported here: timeline holds the arithmetic and imports nothing from here.
        from spmkit._rulesets.timeline import milestone  # noqa: PLC0415

        return milestone(self.target, self.deadline, year)

    def source_of(self, field: str) -> Source:
        """Return the source of one value (``"target"``, ``"deadline"`` or ``"formula"``).

        A value without a source of its own is cited by the indicator's ``source``.
        """
        if field not in PROVENANCE_FIELDS:
            msg = tr(
                "field must be one of {items} (got {field!r})",
                items=", ".join(PROVENANCE_FIELDS),
                field=field,
            )
            raise UsageError(msg)
        return self.sources.get(field, self.source)

    @factor.validator
    def _check_factor(self, _attribute: object, value: Fraction) -> None:
        if value <= 0:
            msg = tr(
                "'factor' must be positive (got {got})",
                got=exact_decimal(value),
            )
            raise RuleSetError(msg, path="$.factor", indicator_id=self.id)

    @property
    def inputs(self) -> frozenset[str]:
        """Names of the inputs read by the numerator and the denominator."""
        return self.numerator.inputs | self.denominator.inputs

    @property
    def refs(self) -> frozenset[str]:
        """Ids of the indicators this one is built from."""
        return self.numerator.refs | self.denominator.refs

    def provenance(self) -> tuple[ValueProvenance, ...]:
        """Each value a judgement of this indicator depends on, with its source.

        Target, deadline and formula; an index's weights (field ``weights``) and each
        band's edges (field ``band <label>``), cited by the indicator's ``source`` when
        they have no source of their own.
        """
        found = [
            ValueProvenance(
                indicator_id=self.id,
                field=field,
                value=self.describe(field),
                source=self.source_of(field),
            )
            for field in PROVENANCE_FIELDS
        ]
        if self.index is not None:
            found.append(
                ValueProvenance(
                    indicator_id=self.id,
                    field="weights",
                    value=self.index.describe(),
                    source=self.index.source or self.source,
                )
            )
        found.extend(
            ValueProvenance(
                indicator_id=self.id,
                field=f"band {band.label}",
                value=band.describe(),
                source=band.source or self.source_of("target"),
            )
            for band in self.bands
        )
        return tuple(found)

    def describe(self, field: str) -> str:
        """One value as text: ``">= 95 %"``, ``"2015"`` (or ``"none"``), ``"a / b x 100"``."""
        if field == "target":
            return self.target.describe(self.factor)
        if field == "deadline":
            return "none" if self.deadline is None else str(self.deadline)
        if field == "formula":
            return render_fraction(self.numerator, self.denominator, self.factor)
        msg = tr(
            "field must be one of {items} (got {field!r})",
            items=", ".join(PROVENANCE_FIELDS),
            field=field,
        )
        raise UsageError(msg)


@attrs.frozen(kw_only=True)
class ValueProvenance:
    """One value a judgement depends on, and where it comes from.

    Attributes:
        indicator_id: the indicator (``"I.1"``).
        field: ``"target"``, ``"deadline"`` or ``"formula"``.
        value: the value as text (:meth:`Indicator.describe`).
        source: its source: instrument, place, quote, URL, note and verification level.
    """

    indicator_id: str
    field: str
    value: str
    source: Source

    @property
    def verification(self) -> Verification:
        """How the value was checked: primary, secondary or unverified."""
        return self.source.verification


@attrs.frozen(kw_only=True)
class Jurisdiction:
    """Who the rule set applies to (``kabupaten``, ``Kabupaten Kulon Progo``)."""

    level: str
    name: str
    province: str | None = None


@attrs.frozen(kw_only=True)
class LegalBasis:
    """The instrument a rule set transcribes."""

    instrument: str
    number: str
    year: int
    title: str | None = None
    enacted: dt.date | None = None
    publication: str | None = None
    url: str | None = None

    def cite(self) -> str:
        """Return a short citation, e.g. ``"Peraturan Bupati Nomor 15 Tahun 2011"``.

        A number that already ends in the year (``741/MENKES/PER/VII/2008``) is cited
        without repeating it.
        """
        if self.number.endswith(str(self.year)):
            # 741/MENKES/PER/VII/2008 carries its year; "Tahun 2008" would repeat it.
            return f"{self.instrument} Nomor {self.number}"
        return f"{self.instrument} Nomor {self.number} Tahun {self.year}"


@attrs.frozen(kw_only=True)
class InForce:
    """When a rule set applies: from a date, until a date (None: no end known or none).

    ``start`` and ``end`` are inclusive. A file may give only a year for either end
    (``precision`` says so): the year stands for 1 January (start) or 31 December (end).
    ``source`` cites the start (enactment, promulgation, the article on entry into force);
    ``end_source`` the end (the instrument that revoked it), when known.
    """

    start: dt.date
    end: dt.date | None = attrs.field(default=None)
    source: Source
    end_source: Source | None = None
    note: str | None = None
    precision: Literal["day", "year"] = "day"
    end_precision: Literal["day", "year"] = "day"

    @end.validator
    def _check_order(self, _attribute: object, value: dt.date | None) -> None:
        if value is not None and value < self.start:
            msg = tr("'until' {value} is before 'from' {start}", value=value, start=self.start)
            raise RuleSetError(msg, path="$.until")

    def covers(self, day: dt.date) -> bool:
        """Whether the rule set is in force on that day."""
        return self.start <= day and (self.end is None or day <= self.end)


@attrs.frozen(kw_only=True)
class RuleSet:
    """A whole rule set: metadata, declared inputs, service types and ordered indicators.

    ``indicators`` keeps the regulation's order. ``evaluation_order`` is derived: the same
    ids, with every indicator after the ones it references.
    """

    id: str
    title: str
    language: str
    jurisdiction: Jurisdiction
    legal_basis: LegalBasis
    inputs: FrozenMap[str, InputSpec] = attrs.field(converter=freeze)
    service_types: FrozenMap[str, ServiceType] = attrs.field(converter=freeze)
    indicators: FrozenMap[str, Indicator] = attrs.field(converter=freeze)
    title_en: str | None = None
    notes: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    extends: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    """The chain of rule sets this one was resolved from, nearest first (overlays)."""
    in_force: InForce | None = None
    """When the rule set applies (docs/time.md); None when the file does not say."""
    supersedes: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    """Ids of the rule sets this one replaces (revokes), as its instrument says."""
    sector: str | None = None
    """The SPM field (bidang): ``kesehatan``, ``pendidikan``, ``pekerjaan_umum`` ..."""
    small_denominator: int = attrs.field(default=SMALL_DENOMINATOR_DEFAULT)
    """A denominator below this is small: its value is fragile and ranked with a caveat."""

    @small_denominator.validator
    def _check_small_denominator(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = tr(
                "'small_denominator' must be a whole number, 1 or more (got {value!r})", value=value
            )
            raise RuleSetError(msg, path="$.small_denominator")

    evaluation_order: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    @property
    def in_force_from(self) -> dt.date | None:
        """The first day the rule set applies; None when not declared."""
        return None if self.in_force is None else self.in_force.start

    @property
    def in_force_until(self) -> dt.date | None:
        """The last day it applies; None when it is still in force or the end is unknown."""
        return None if self.in_force is None else self.in_force.end

    def __attrs_post_init__(self) -> None:
        # Imported here: check imports this module for the types it checks.
        from spmkit._rulesets.check import check_rule_set, evaluation_order  # noqa: PLC0415

        problems = check_rule_set(self)
        if problems:
            msg = tr("rule set {id!r} is invalid", id=self.id)
            raise RuleSetInvalid(msg, problems)
        object.__setattr__(self, "evaluation_order", evaluation_order(self.indicators))

    @property
    def unverified(self) -> tuple[tuple[str, str], ...]:
        """Every value not checked against any text, as ``(indicator id, field)`` pairs.

        The fields are those of :data:`PROVENANCE_FIELDS`. Loading a rule set with such
        values also warns (:class:`~spmkit.errors.UnverifiedValuesWarning`).
        """
        return tuple(
            (indicator.id, field)
            for indicator in self.indicators.values()
            for field in PROVENANCE_FIELDS
            if indicator.source_of(field).verification is Verification.UNVERIFIED
        )

    def provenance(
        self, verification: Verification | str | None = None
    ) -> tuple[ValueProvenance, ...]:
        """Every value (target, deadline, formula of each indicator) with its source.

        In the rule set's order. ``verification`` keeps only the values of one level
        (``"unverified"`` lists what is shipped to be checked, not trusted).
        ``spmkit show ID --provenance`` prints the same list.
        """
        levels = {level.value for level in Verification}
        if verification is not None and verification not in levels:
            msg = tr(
                "verification must be one of {items} (got {verification!r})",
                items=", ".join(sorted(levels)),
                verification=verification,
            )
            raise UsageError(msg)
        wanted = None if verification is None else Verification(verification)
        return tuple(
            value
            for indicator in self.indicators.values()
            for value in indicator.provenance()
            if wanted is None or value.source.verification is wanted
        )

    def verification_counts(self) -> dict[Verification, int]:
        """Count the values (target, deadline, formula, weights, band edges) per verification."""
        counts = dict.fromkeys(Verification, 0)
        for value in self.provenance():
            counts[value.source.verification] += 1
        return counts
