"""Scoring as data: bands (categories) on an indicator's value, and weighted indices.

A *band* names a range of values (``>= 90``: *Tuntas Utama*). An indicator's ``bands``
are listed from the top band down; each band but the last has a threshold, and a
value falls into the first band whose threshold it reaches. Thresholds are exact
(:class:`~fractions.Fraction`): 90 is *Tuntas Utama*, 89.99 is not. A band may also
state where it ends (``below:`` for the ``at_least`` form, ``above:`` for ``at_most``),
as the sources print "90 to < 100"; the checks then hold it to the band above it, so a
gap or an overlap between stated ranges is refused when the rule set is loaded.

An *index* is an indicator computed from other indicators of the same rule set,
``sum(weight * value)``, with weights that add up to exactly 1 and a declared rule for
a missing component (``no_data``: the index has no value; ``renormalise``: the present
components' weights are scaled up to add up to 1). The index is written as ordinary
expressions (:func:`index_formula`), so the scalar and batch evaluators, aggregation and
the unit checks treat it like any other indicator; only its explanation is its own.

This module knows nothing about YAML (see :mod:`spmkit._rulesets.reader`) nor about
evaluation (see :mod:`spmkit._evaluation.scalar` and :mod:`spmkit._evaluation.bands`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

import attrs

from spmkit._frozen import FrozenMap, freeze
from spmkit._language.expr import BinOp, Call, Expression, Number, Ref, exact_decimal
from spmkit._translation import Bilingual, both_notations, joined, tr
from spmkit.errors import RuleSetError

if TYPE_CHECKING:
    from spmkit._rulesets.model import Indicator, Source

__all__ = [
    "MAX_BANDS",
    "MAX_COMPONENTS",
    "MISSING_RULES",
    "Band",
    "IndexSpec",
    "MissingRule",
    "band_of",
    "check_scoring",
    "index_formula",
]

MAX_BANDS: Final = 50
"""Most bands on one indicator (the SPM index has six)."""

MAX_COMPONENTS: Final = 100
"""Most components of one index (the urusan of health has twelve services)."""

MissingRule: TypeAlias = Literal["no_data", "renormalise"]
"""What an index does when a component has no value."""

MISSING_RULES: Final = ("no_data", "renormalise")


@attrs.frozen(kw_only=True)
class Band:
    """One category of an indicator's value.

    Attributes:
        label: the category as the source prints it (``"Tuntas Utama"``).
        label_en: its English name, when given.
        at_least: the band holds values ``>= at_least`` (higher is better).
        at_most: the band holds values ``<= at_most`` (lower is better).
        below: for an ``at_least`` band, where the band ends (exclusive), as stated by
            the source; checked against the band above, never used to decide.
        above: for an ``at_most`` band, where it ends (exclusive), checked likewise.
        source: where the band's label and range come from, and how it was verified.

    The last band of a list has neither ``at_least`` nor ``at_most``: it takes every
    value the bands above it do not.
    """

    label: str
    label_en: str | None = None
    at_least: Fraction | None = None
    at_most: Fraction | None = None
    below: Fraction | None = None
    above: Fraction | None = None
    source: Source | None = None

    @property
    def threshold(self) -> Fraction | None:
        """The band's threshold, whichever form it has; None for the last band."""
        return self.at_least if self.at_least is not None else self.at_most

    def describe(self) -> str:
        """Return the band's range as text, e.g. ``">= 90 and < 100"``."""
        parts = []
        if self.at_least is not None:
            parts.append(f">= {exact_decimal(self.at_least)}")
        if self.at_most is not None:
            parts.append(f"<= {exact_decimal(self.at_most)}")
        if self.above is not None:
            parts.append(f"> {exact_decimal(self.above)}")
        if self.below is not None:
            parts.append(f"< {exact_decimal(self.below)}")
        return " and ".join(parts) or "otherwise"

    def in_words(self) -> Bilingual:
        """The band's range in both languages and notations: ``>= 97,5 dan < 100``."""
        bounds = (
            (">=", self.at_least),
            ("<=", self.at_most),
            (">", self.above),
            ("<", self.below),
        )
        parts = [
            joined("", [f"{op} ", both_notations(exact_decimal(value))])
            for op, value in bounds
            if value is not None
        ]
        if not parts:
            return tr("otherwise")
        text = parts[0]
        for part in parts[1:]:
            text = tr("{first} and {second}", first=text, second=part)
        return text


def band_of(bands: Sequence[Band], value: Fraction | None) -> Band | None:
    """Return the band an exact value falls into (the first whose threshold it reaches).

    None when there are no bands or no value.

    >>> bands = (Band(label="A", at_least=Fraction(90)), Band(label="B"))
    >>> band_of(bands, Fraction(90)).label, band_of(bands, Fraction(8999, 100)).label
    ('A', 'B')
    """
    if value is None or not bands:
        return None
    for band in bands:
        if band.at_least is not None and value >= band.at_least:
            return band
        if band.at_most is not None and value <= band.at_most:
            return band
        if band.threshold is None:
            return band
    return None


@attrs.frozen(kw_only=True)
class IndexSpec:
    """A weighted index over other indicators of the same rule set.

    Attributes:
        weights: component indicator id -> weight (exact); they must add up to 1.
        missing: ``no_data`` (a missing component leaves the index without a value) or
            ``renormalise`` (the weights of the present components are scaled to add up
            to 1; with no component present the index has no value).
    """

    weights: FrozenMap[str, Fraction] = attrs.field(converter=freeze)
    missing: MissingRule = attrs.field(
        default="no_data", validator=attrs.validators.in_(MISSING_RULES)
    )
    source: Source | None = None
    """Where the weights come from; None: the indicator's ``source`` cites them."""

    def describe(self) -> str:
        """The weights as text: ``1: 0.8, M.1: 0.2``."""
        return ", ".join(f"{c}: {exact_decimal(w)}" for c, w in self.weights.items())


def _presence(components: Sequence[str]) -> Expression:
    """0 where any component has a value, else no value (missing wins over undefined)."""
    return Call("coalesce", tuple(BinOp("*", Number(Fraction(0)), Ref(c)) for c in components))


def _plus(terms: Sequence[Expression]) -> Expression:
    return terms[0] if len(terms) == 1 else Call("sum", tuple(terms))


def index_formula(spec: IndexSpec) -> tuple[Expression, Expression]:
    """Return the numerator and denominator that compute an index (its factor is 1).

    ``no_data``: ``sum(w * @c ...) / sum(0 * @c ..., 1)``; a missing component makes
    both missing. ``renormalise``: each component counts where it has a value,
    ``coalesce(w * @c, 0)`` over ``coalesce(0 * @c + w, 0)``, plus a term that is missing
    only when every component is. The ``0 * @c`` terms carry the components' unit, so the
    index is a plain number like a ratio and its target needs no unit.
    """
    components = list(spec.weights)
    if spec.missing == "no_data":
        numerator = _plus([BinOp("*", Number(w), Ref(c)) for c, w in spec.weights.items()])
        zeros: list[Expression] = [BinOp("*", Number(Fraction(0)), Ref(c)) for c in components]
        denominator: Expression = Call("sum", (*zeros, Number(Fraction(1))))
        return numerator, denominator
    presence = _presence(components)
    numerator = Call(
        "sum",
        (
            presence,
            *(
                Call("coalesce", (BinOp("*", Number(w), Ref(c)), Number(Fraction(0))))
                for c, w in spec.weights.items()
            ),
        ),
    )
    denominator = Call(
        "sum",
        (
            presence,
            *(
                Call(
                    "coalesce",
                    (
                        BinOp("+", BinOp("*", Number(Fraction(0)), Ref(c)), Number(w)),
                        Number(Fraction(0)),
                    ),
                )
                for c, w in spec.weights.items()
            ),
        ),
    )
    return numerator, denominator


def _path(indicator_id: str, *parts: object) -> str:
    from spmkit._yamlload import child_path  # noqa: PLC0415 - YAML is not needed to use a rule set

    path = child_path("$.indicators", indicator_id)
    for part in parts:
        path = child_path(path, part)
    return path


def _check_bands(indicator_id: str, bands: Sequence[Band]) -> list[RuleSetError]:
    """Ordered, non-overlapping, gap-free bands that cover every value."""
    problems: list[RuleSetError] = []

    def problem(position: int | None, message: str) -> None:
        parts: tuple[object, ...] = ("bands",) if position is None else ("bands", position)
        problems.append(
            RuleSetError(message, path=_path(indicator_id, *parts), indicator_id=indicator_id)
        )

    if len(bands) < 2:
        problem(None, tr("'bands' needs at least two bands: one with a threshold, then the rest"))
        return problems
    if len(bands) > MAX_BANDS:
        problem(
            None,
            tr(
                "'bands' may have at most {limit} bands (got {count})",
                limit=MAX_BANDS,
                count=len(bands),
            ),
        )
        return problems
    higher = bands[0].at_least is not None
    sign = "at_least" if higher else "at_most"
    for position, band in enumerate(bands):
        last = position == len(bands) - 1
        if band.at_least is not None and band.at_most is not None:
            problem(
                position,
                tr(
                    "band {label!r} gives both 'at_least' and 'at_most'; keep one", label=band.label
                ),
            )
        elif last and band.threshold is not None:
            problem(
                position,
                tr(
                    "the last band ({label!r}) takes every value the bands above do not, "
                    "so it has no threshold; remove {sign!r} or add a band after it",
                    label=band.label,
                    sign=sign,
                ),
            )
        elif not last and band.threshold is None:
            problem(
                position,
                tr(
                    "band {label!r} has no threshold, so the bands after it could never be "
                    "reached; give it {sign!r} or make it the last band",
                    label=band.label,
                    sign=sign,
                ),
            )
        elif not last and (band.at_least is not None) != higher:
            problem(
                position,
                tr(
                    "band {label!r} mixes forms: the first band uses {sign!r}, so every "
                    "band with a threshold must",
                    label=band.label,
                    sign=sign,
                ),
            )
        if (band.below is not None and not higher) or (band.above is not None and higher):
            problem(
                position,
                tr(
                    "band {label!r}: 'below' goes with 'at_least' bands, 'above' with "
                    "'at_most' bands",
                    label=band.label,
                ),
            )
    if problems:
        return problems
    labels = [band.label for band in bands]
    for position, label in enumerate(labels):
        if label in labels[:position]:
            problem(
                position,
                tr("band label {label!r} is used twice; labels must be unique", label=label),
            )
    for position in range(1, len(bands)):
        upper, band = bands[position - 1], bands[position]
        limit = upper.threshold
        assert limit is not None  # noqa: S101 - only the last band has none, checked above
        if band.threshold is not None and (
            band.threshold >= limit if higher else band.threshold <= limit
        ):
            word = tr("below") if higher else tr("above")
            problem(
                position,
                tr(
                    "bands overlap: {label!r} ({describe}) must start {word} {label2!r} "
                    "({describe2}); list the bands from the top down with strictly {value} "
                    "thresholds",
                    label=band.label,
                    describe=band.describe(),
                    word=word,
                    label2=upper.label,
                    describe2=upper.describe(),
                    value=tr("falling") if higher else tr("rising"),
                ),
            )
            continue
        end = band.below if higher else band.above
        if end is None or end == limit:
            continue
        covers = end > limit if higher else end < limit
        if covers:
            problem(
                position,
                tr(
                    "bands overlap: {label!r} ({describe}) reaches into {label2!r} "
                    "({describe2}); it must end where that band starts, {value}: "
                    "{number}",
                    label=band.label,
                    describe=band.describe(),
                    label2=upper.label,
                    describe2=upper.describe(),
                    value="below" if higher else "above",
                    number=exact_decimal(limit),
                ),
            )
        else:
            low, high = (end, limit) if higher else (limit, end)
            problem(
                position,
                tr(
                    "bands leave a gap: values from {number} to {number2} "
                    "(between {label!r} and {label2!r}) have no band; set {value}: "
                    "{number3}",
                    number=exact_decimal(low),
                    number2=exact_decimal(high),
                    label=band.label,
                    label2=upper.label,
                    value="below" if higher else "above",
                    number3=exact_decimal(limit),
                ),
            )
    top = bands[0]
    top_end = top.below if higher else top.above
    if top_end is not None:
        word = tr("from") if higher else tr("up to")
        problem(
            0,
            tr(
                "the top band ({label!r}) ends at {number}, so values {word} "
                "{number} have no band; the top band is open-ended, remove "
                "{value!r}",
                label=top.label,
                number=exact_decimal(top_end),
                word=word,
                value="below" if higher else "above",
            ),
        )
    return problems


def _check_index(indicator: Indicator, indicators: Mapping[str, Indicator]) -> list[RuleSetError]:
    spec = indicator.index
    assert spec is not None  # noqa: S101 - called for index indicators only
    iid = indicator.id
    problems: list[RuleSetError] = []
    weights_path = _path(iid, "index", "weights")
    if not spec.weights:
        problems.append(
            RuleSetError(
                tr("an index needs at least one component in 'weights'"),
                path=weights_path,
                indicator_id=iid,
            )
        )
        return problems
    if len(spec.weights) > MAX_COMPONENTS:
        problems.append(
            RuleSetError(
                tr(
                    "an index may have at most {limit} components (got {count})",
                    limit=MAX_COMPONENTS,
                    count=len(spec.weights),
                ),
                path=weights_path,
                indicator_id=iid,
            )
        )
        return problems
    total = sum(spec.weights.values(), Fraction(0))
    if total != 1:
        shown = " + ".join(exact_decimal(w) for w in spec.weights.values())
        problems.append(
            RuleSetError(
                tr(
                    "the weights of index {iid!r} must add up to exactly 1 ({shown} = "
                    "{number}); fix the weights",
                    iid=iid,
                    shown=shown,
                    number=exact_decimal(total),
                ),
                path=weights_path,
                indicator_id=iid,
            )
        )
    for component, weight in spec.weights.items():
        if weight <= 0:
            problems.append(
                RuleSetError(
                    tr(
                        "weight of {component!r} must be above 0 (got {number})",
                        component=component,
                        number=exact_decimal(weight),
                    ),
                    path=_path(iid, "index", "weights", component),
                    indicator_id=iid,
                )
            )
        if component == iid:
            problems.append(
                RuleSetError(
                    tr("index {iid!r} cannot be a component of itself", iid=iid),
                    path=_path(iid, "index", "weights", component),
                    indicator_id=iid,
                )
            )
    if (indicator.numerator, indicator.denominator) != index_formula(spec) or indicator.factor != 1:
        problems.append(
            RuleSetError(
                tr(
                    "the numerator, denominator and factor of index {iid!r} are derived "
                    "from its weights (see spmkit._rulesets.scoring.index_formula); do not "
                    "set them",
                    iid=iid,
                ),
                path=_path(iid),
                indicator_id=iid,
            )
        )
    del indicators  # unknown components are reported by check_references (as @refs)
    return problems


def check_scoring(indicators: Mapping[str, Indicator]) -> list[RuleSetError]:
    """Return every problem of the bands and indices of these indicators (empty when sound)."""
    problems: list[RuleSetError] = []
    for indicator in indicators.values():
        if indicator.bands:
            problems.extend(_check_bands(indicator.id, indicator.bands))
        if indicator.index is not None:
            problems.extend(_check_index(indicator, indicators))
    return problems
