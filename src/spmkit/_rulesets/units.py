"""The one unit registry of spmkit: SPM counting units and the physical units SPM needs.

Every unit spmkit reads (an input's ``unit``, a target's ``unit``, a quantity handed in
as data) is parsed here, by one :class:`pint.UnitRegistry` that is built on first use
(:func:`registry`), not when ``spmkit`` is imported: pint takes longer to import than all
of spmkit, and evaluating a loaded rule set never needs it.

The counting units are distinct *dimensions*, so that dividing persons by villages or
adding visits to cases is a dimension error, found when a rule set is loaded::

    person (orang)            village (desa, kelurahan)     household (rumah_tangga)
    couple (pus, pasangan)    puskesmas                     hospital (rumah_sakit)
    health_facility (fasyankes, sarana_kesehatan)           school (sekolah)
    visit (kunjungan)         case (kasus)                  outbreak (klb)
    item (butir): a requirement of mutu minimal (goods/services, staff)

Plurals work (``persons``, ``visits``). Scales are plain numbers: ``percent`` (``%``),
``permille`` (``‰``), and the ``per`` form ``case per 100000 person`` (also
``per 100,000 person``, ``per mille``), which is ``case / (100000 * person)``. The
physical units are the few SPM uses: metre (with kilo-, centi-, milli-), litre, gram,
second, minute, hour, day, week and year (365.25 days). Magnitudes are exact
(:class:`~fractions.Fraction`), so 1 m**3/day is exactly 1000 L/day.

The registry and its units are documented in ``docs/units.md``. Nothing else in spmkit
creates a registry.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

import attrs

from spmkit._caches import UNIT_LOCK, locked_cache
from spmkit._translation import Bilingual, tr
from spmkit.errors import UnknownUnitError

if TYPE_CHECKING:
    import pint

__all__ = [
    "COUNTING_UNITS",
    "MAX_UNIT_EXPONENT",
    "MAX_UNIT_SCALE_DIGITS",
    "MAX_UNIT_TEXT",
    "ParsedUnit",
    "conversion_factor",
    "describe",
    "factor_from",
    "is_counting",
    "known_units",
    "parse_unit",
    "quantity",
    "registry",
    "unit_text",
    "unit_words",
]

MAX_UNIT_TEXT: Final = 100
"""Longest unit text accepted (the longest useful one, ``case per 100,000 person``, has 24)."""

COUNTING_UNITS: Final = {
    "person": ("orang",),
    "household": ("rumah_tangga",),
    "couple": ("pus", "pasangan"),
    "village": ("desa", "kelurahan"),
    "puskesmas": (),
    "hospital": ("rumah_sakit",),
    "health_facility": ("fasyankes", "sarana_kesehatan"),
    "school": ("sekolah",),
    "visit": ("kunjungan",),
    "case": ("kasus",),
    "outbreak": ("klb",),
    "item": ("butir",),
}
"""Counting unit -> its Indonesian aliases. Each unit is its own dimension."""

_PHYSICAL: Final = (
    "kilo- = 1000 = k-",
    "hecto- = 100 = h-",
    "deci- = 0.1 = d-",
    "centi- = 0.01 = c-",
    "milli- = 0.001 = m-",
    "metre = [length] = m = meter",
    "gram = [mass] = g",
    "second = [time] = s = sec = detik",
    "minute = 60 * second = min = menit",
    "hour = 60 * minute = h = hr = jam",
    "day = 24 * hour = _ = hari",
    "week = 7 * day = _ = minggu",
    "year = 365.25 * day = _ = tahun",
    "litre = decimetre ** 3 = l = L = liter",
    "percent = 0.01 = % = persen",
    "permille = 0.001 = ‰ = per_mille",
)
"""Physical units and scales, in pint's definition syntax."""

_PHYSICAL_NAMES: Final = (
    "metre (m)",
    "kilometre (km)",
    "litre (L)",
    "gram (g)",
    "kilogram (kg)",
    "second (s)",
    "minute (min)",
    "hour (h, jam)",
    "day (hari)",
    "week (minggu)",
    "year (tahun)",
    "percent (%)",
    "permille (‰)",
)

_MULTIWORD: Final = {
    "rumah sakit": "rumah_sakit",
    "rumah tangga": "rumah_tangga",
    "sarana kesehatan": "sarana_kesehatan",
    "health facility": "health_facility",
}
"""Aliases written as two words, read as their one-word unit."""

_ALLOWED_TEXT: Final = re.compile(r"[\w %‰*/().,^ -]*\Z")
_PER: Final = re.compile(r"\A(?P<head>.*?)\s*\bper\b\s*(?P<count>[0-9][0-9,_]*)?\s*(?P<tail>.*)\Z")
_WORD: Final = re.compile(r"[^\W\d]\w*")
_TOKEN: Final = re.compile(
    r"\s*(?:(?P<name>[^\W\d]\w*|%|‰)|(?P<number>\d+(?:\.\d+)?)|(?P<op>\*\*|[*/^()+-]))"
)

MAX_UNIT_EXPONENT: Final = 12
"""Largest power in a unit (``m ** 3``; ``2 ** 1000000`` is refused before pint sees it)."""

MAX_UNIT_SCALE_DIGITS: Final = 40
"""Most digits of a unit's scale, estimated from its text before it is computed (``10**10**10``
is refused at once; ``case per 100,000 person`` has 6)."""


class _UnitGrammar:
    """spmkit's own small grammar of unit text, checked before pint parses it.

    ``product := power ([*/]? power)*``, ``power := atom (('**' | '^') exponent)?``,
    ``atom := name | number | '(' product ')'``, ``exponent := [+-]? integer`` at most
    :data:`MAX_UNIT_EXPONENT`. pint's tokenizer and evaluator raise foreign errors on
    ``person)``, ``()``, ``min()``, ``person^`` or ``*``, and compute ``10**10**10`` exactly;
    this grammar refuses them, and estimates the digits of the scale as it goes.
    """

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        stripped = text.rstrip()
        while position < len(stripped):
            match = _TOKEN.match(stripped, position)
            if match is None or match.end() == position:
                self.fail(tr("unexpected {found!r}", found=stripped[position:].strip()[:1]))
            assert match is not None  # noqa: S101 - fail raised otherwise
            kind = match.lastgroup or "op"
            self.tokens.append((kind, match[kind]))
            position = match.end()
        self.at = 0

    @staticmethod
    def fail(problem: Bilingual | str) -> None:
        raise _GrammarError(problem)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            self.fail(tr("it ends where a unit or number is expected"))
        assert token is not None  # noqa: S101 - fail raised otherwise
        self.at += 1
        return token

    def whole(self) -> int:
        """Check the whole text; return the estimated digits of its scale."""
        digits = self.product()
        token = self.peek()
        if token is not None:
            self.fail(tr("unexpected {found!r}", found=token[1]))
        return digits

    def product(self) -> int:
        digits = self.power()
        while (token := self.peek()) is not None and token[1] not in {")", "**", "^"}:
            if token[1] in {"*", "/"}:
                self.at += 1
            digits += self.power()
        return digits

    def power(self) -> int:
        digits = self.atom()
        token = self.peek()
        if token is not None and token[1] in {"**", "^"}:
            self.at += 1
            sign = self.peek()
            if sign is not None and sign[1] in {"+", "-"}:
                self.at += 1
            kind, value = self.take()
            if kind != "number" or "." in value or int(value[:6]) > MAX_UNIT_EXPONENT:
                self.fail(
                    tr(
                        "a power must be a whole number from -{limit} to {limit} (got {found!r})",
                        limit=MAX_UNIT_EXPONENT,
                        found=value,
                    )
                )
            digits *= max(int(value), 1)
        return digits

    def atom(self) -> int:
        kind, value = self.take()
        if kind == "name":
            return 0
        if kind == "number":
            return len(value.replace(".", ""))
        if value == "(":
            digits = self.product()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                self.fail(tr("a '(' is not closed"))
            self.at += 1
            return digits
        self.fail(tr("unexpected {found!r}", found=value))
        return 0  # pragma: no cover - fail raises


class _GrammarError(Exception):
    """Unit text outside spmkit's unit grammar (turned into an UnknownUnitError)."""


def _check_grammar(expression: str, text: str) -> None:
    """Refuse unit text outside the grammar, or whose scale would be too large."""
    try:
        digits = _UnitGrammar(expression).whole()
    except _GrammarError as exc:
        msg = tr(
            "{text!r} is not a unit expression ({problem}); write e.g. 'L / (person * day)'",
            text=text,
            problem=str(exc),
        )
        raise UnknownUnitError(msg) from None
    if digits > MAX_UNIT_SCALE_DIGITS:
        msg = tr(
            "{text!r} has a scale of about {digits} digits; a unit's scale may have at most "
            "{limit} (docs/semantics.md, Limits)",
            text=text,
            digits=digits,
            limit=MAX_UNIT_SCALE_DIGITS,
        )
        raise UnknownUnitError(msg)


@functools.cache
def _indonesian_words() -> dict[str, str]:
    """The unit names a message may show, and their Indonesian (from the gettext catalogue)."""
    words = (
        tr("person"),
        tr("household"),
        tr("couple"),
        tr("village"),
        tr("puskesmas"),
        tr("hospital"),
        tr("health_facility"),
        tr("school"),
        tr("visit"),
        tr("case"),
        tr("outbreak"),
        tr("item"),
        tr("metre"),
        tr("kilometre"),
        tr("litre"),
        tr("gram"),
        tr("kilogram"),
        tr("second"),
        tr("minute"),
        tr("hour"),
        tr("day"),
        tr("week"),
        tr("year"),
        tr("percent"),
        tr("permille"),
    )
    return {str.__str__(word): word.in_lang("id") for word in words}


@functools.lru_cache(maxsize=256)
def unit_words(unit: str) -> Bilingual:
    """A unit as a message shows it: as written in English, its names in Indonesian.

    Names of units (and their plurals) are translated; symbols, numbers and operators
    stay as written. Needs no pint, so a bad value's message never loads it.

    >>> unit_words("L / (persons * day)").in_lang("id")
    'L / (orang * hari)'
    """
    words = _indonesian_words()

    def indonesian(match: re.Match[str]) -> str:
        word = match.group()
        found = words.get(word)
        if found is None and word.endswith("s"):
            found = words.get(word[:-1])
        return word if found is None else found

    return Bilingual(unit, _WORD.sub(indonesian, unit))


@locked_cache(None, UNIT_LOCK)
def registry() -> pint.UnitRegistry[Any]:
    """Return the one unit registry, building it on first use.

    Quantities given as data may come from any pint registry; they are converted by
    unit name. To build quantities that need no conversion, use :func:`quantity`.
    """
    import pint  # noqa: PLC0415 - see registry()

    # A registry without pint's default definitions: only the units listed in this module
    # exist, so an unknown name is an error that can list every known unit.
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(None, non_int_type=Fraction)
    for definition in iter_definitions():
        ureg.define(definition)
    return ureg


def quantity(value: float | Fraction, unit: str) -> pint.Quantity[Any]:
    """Return ``value`` in ``unit`` as a quantity of spmkit's registry.

    >>> quantity(3, "m**3/day").to("L/day")
    <Quantity(3000, 'litre / day')>
    """
    parsed = parse_unit(unit)
    magnitude = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    result: pint.Quantity[Any] = registry().Quantity(magnitude * parsed.scale, parsed.units)
    return result


def known_units() -> tuple[str, ...]:
    """Return the names of the units a rule file may use, with their aliases."""
    counting = (
        f"{name} ({', '.join(aliases)})" if aliases else name
        for name, aliases in COUNTING_UNITS.items()
    )
    return (*counting, *_PHYSICAL_NAMES)


@attrs.frozen
class ParsedUnit:
    """A unit as spmkit reasons about it: an exact scale times a pint unit.

    ``case per 100000 person`` is scale 1/100000 times ``case / person``; ``%`` is scale
    1 times ``percent``. Two parsed units are the *same* when they convert into each other
    with factor exactly 1 (see :meth:`same_as`); ``L/day`` and ``m**3/day`` have the same
    dimension but are not the same unit.
    """

    scale: Fraction
    units: Any = attrs.field(eq=False)  # a pint.Unit; typed loosely so pint stays unimported
    text: str = attrs.field(eq=False)
    _key: tuple[Any, ...] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        base = registry().Quantity(self.scale, self.units).to_base_units()
        object.__setattr__(self, "_key", (Fraction(base.magnitude), base.units))

    @property
    def dimensions(self) -> str:
        """The dimension in words, e.g. ``[person] / [village]`` or ``dimensionless``."""
        return "dimensionless" if self.dimensionless else _format(self.units.dimensionality)

    @property
    def dimensionless(self) -> bool:
        """True for plain numbers and scales (percent, per mille, per 100,000)."""
        return bool(self.units.dimensionless)

    def same_as(self, other: ParsedUnit) -> bool:
        """Whether a number in this unit means the same as that number in ``other``."""
        return self._key == other._key

    def factor_to(self, other: ParsedUnit) -> Fraction | None:
        """The number a value in this unit is multiplied by to be in ``other``.

        ``percent`` to ``1`` is 1/100; None when the dimensions differ.
        """
        if self._key[1] != other._key[1]:
            return None
        mine: Fraction = self._key[0]
        theirs: Fraction = other._key[0]
        return mine / theirs

    def same_dimension(self, other: ParsedUnit) -> bool:
        """Whether the two convert into each other (by any factor)."""
        return bool(self.units.dimensionality == other.units.dimensionality)

    def __mul__(self, other: ParsedUnit) -> ParsedUnit:
        scale = _bounded_scale(self.scale * other.scale)
        units = _bounded_powers(self.units * other.units)
        return ParsedUnit(scale, units, describe(scale, units))

    def __truediv__(self, other: ParsedUnit) -> ParsedUnit:
        scale = _bounded_scale(self.scale / other.scale)
        units = _bounded_powers(self.units / other.units)
        return ParsedUnit(scale, units, describe(scale, units))

    def scaled(self, factor: Fraction) -> ParsedUnit:
        """Return this unit times a plain number (1/100 turns a ratio into percent)."""
        scale = self.scale * factor
        return ParsedUnit(scale, self.units, describe(scale, self.units))

    def __str__(self) -> str:
        return self.text


def _bounded_scale(scale: Fraction) -> Fraction:
    """A product's scale, refused over :data:`MAX_UNIT_SCALE_DIGITS` (a chain of squares)."""
    bits = max(scale.numerator.bit_length(), scale.denominator.bit_length())
    if bits > MAX_UNIT_SCALE_DIGITS * 3.33:
        msg = tr(
            "a unit with a scale of about {digits} digits; a unit's scale may have at most "
            "{limit} (docs/semantics.md, Limits)",
            digits=int(bits / 3.3219),
            limit=MAX_UNIT_SCALE_DIGITS,
        )
        raise UnknownUnitError(msg)
    return scale


def _bounded_powers(units: Any) -> Any:  # noqa: ANN401 - a pint Unit
    """A product's units, refused with a power over :data:`MAX_UNIT_EXPONENT`."""
    powers = [abs(power) for power in units._units.values()]  # noqa: SLF001 - see unit_text
    if powers and max(powers) > MAX_UNIT_EXPONENT:
        msg = tr(
            "a unit to the power {power}; a power may be at most {limit} "
            "(docs/semantics.md, Limits)",
            power=max(powers),
            limit=MAX_UNIT_EXPONENT,
        )
        raise UnknownUnitError(msg)
    return units


_SCALE_WORDS: Final = {Fraction(1, 100): "percent", Fraction(1, 1000): "per mille"}


def _format(container: Any) -> str:  # noqa: ANN401 - a pint UnitsContainer
    """Write units or dimensions as pint does (``litre / day / person``), exponents exact.

    pint's own formatter cannot format the Fraction exponents of an exact registry.
    Terms are in alphabetical order on each side of the first ``/``.
    """

    def term(name: str, exponent: Fraction) -> str:
        power = abs(Fraction(exponent))
        shown = str(power.numerator) if power.denominator == 1 else f"({power})"
        return name if power == 1 else f"{name} ** {shown}"

    # Sorted by name: pint's containers keep the order of their cache history, and a
    # message must not depend on which rule sets were loaded before.
    items = sorted(container.items())
    above = " * ".join(term(n, e) for n, e in items if e > 0) or "1"
    below = "".join(f" / {term(n, e)}" for n, e in items if e < 0)
    return "dimensionless" if not items else f"{above}{below}"


def unit_text(units: Any) -> str:  # noqa: ANN401 - a pint.Unit of any registry
    """Write a pint unit as text that :func:`parse_unit` reads (``meter ** 3 / day``)."""
    return _format(units._units)  # noqa: SLF001 - pint's unit container; str() fails on Fractions


def describe(scale: Fraction, units: Any) -> str:  # noqa: ANN401 - a pint.Unit
    """Write a scaled unit in words: ``percent``, ``case per 100,000 person``, ``L / day``."""
    dimensionless = not units._units  # noqa: SLF001 - see unit_text
    if dimensionless:
        if scale == 1:
            return "a plain number"
        if scale in _SCALE_WORDS:
            return _SCALE_WORDS[scale]
    text = "" if dimensionless else unit_text(units)
    if scale == 1:
        return text
    if scale.numerator == 1:
        head, _, tail = text.partition(" / ")
        count = f"{scale.denominator:,}"
        return f"{head} per {count} {tail}".strip() if tail or not head else f"{head} / {count}"
    return f"{_fraction_text(scale)} {text}".strip()


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


@locked_cache(1024, UNIT_LOCK)
def parse_unit(text: str) -> ParsedUnit:
    """Parse a unit as written in a rule file.

    Accepts pint unit expressions over the units of this registry (``person``,
    ``L / (person * day)``, ``%``) and the ``per`` form (``case per 100000 person``,
    ``per 100,000 person``, ``per mille``).

    >>> str(parse_unit("case per 100,000 person"))
    'case per 100,000 person'
    >>> parse_unit("per mille").same_as(parse_unit("‰"))
    True

    Raises:
        UnknownUnitError: the text names a unit the registry does not define (the
            message lists the known units), or is not a unit expression.
    """
    import pint  # noqa: PLC0415 - see registry()

    if not isinstance(text, str):  # a unit missing from a rule file, say
        msg = tr("a unit must be text such as 'person' (got {kind})", kind=type(text).__name__)
        raise UnknownUnitError(msg)
    cleaned = " ".join(text.split())
    for words, name in _MULTIWORD.items():
        cleaned = cleaned.replace(words, name)
    if not cleaned or len(cleaned) > MAX_UNIT_TEXT or not _ALLOWED_TEXT.match(cleaned):
        msg = tr(
            "{text!r} is not a unit: write a unit such as 'person', 'L / day', '%' "
            "or 'case per 100000 person' (at most {limit} characters)",
            text=text,
            limit=MAX_UNIT_TEXT,
        )
        raise UnknownUnitError(msg)
    expression = _per_to_division(cleaned)
    _check_grammar(expression, text)
    ureg = registry()
    for word in _WORD.findall(expression):
        if word == "dimensionless":
            continue
        try:
            ureg.parse_units(word)
        except (pint.UndefinedUnitError, AttributeError, ValueError):
            raise UnknownUnitError(_unknown_message(word, text)) from None
    try:
        parsed = ureg.parse_expression(expression)
    except (pint.PintError, ValueError, TypeError, ZeroDivisionError, SyntaxError) as exc:
        msg = tr(
            "{text!r} is not a unit expression ({exc}); write e.g. 'L / (person * day)'",
            text=text,
            exc=exc,
        )
        raise UnknownUnitError(msg) from None
    if not isinstance(parsed, ureg.Quantity):
        scale, units = Fraction(parsed), ureg.dimensionless
    else:
        scale, units = Fraction(parsed.magnitude), parsed.units
    if scale <= 0:
        msg = tr("{text!r} is not a unit: its scale must be positive", text=text)
        raise UnknownUnitError(msg)
    return ParsedUnit(scale, units, {"%": "percent", "‰": "per mille"}.get(cleaned, cleaned))


def _per_to_division(text: str) -> str:
    """Rewrite ``A per N B`` as ``(A) / (N * (B))``; other text is returned as is."""
    match = _PER.match(text)
    if match is None:
        return text
    head = match["head"] or "1"
    count = (match["count"] or "").replace(",", "").replace("_", "")
    tail = match["tail"]
    if tail == "mille" and not count:
        return f"({head}) * permille"
    if not tail:
        tail = "1"
    return f"({head}) / ({count or 1} * ({tail}))"


def _unknown_message(word: str, text: str) -> str:
    names = [*COUNTING_UNITS, *(a for aliases in COUNTING_UNITS.values() for a in aliases)]
    names += [n.split(" ")[0] for n in _PHYSICAL_NAMES]
    lowered = {name.lower(): name for name in names}
    close = [lowered[word.lower()]] if word.lower() in lowered else []
    close = close or difflib.get_close_matches(word, names, n=1)
    hint = tr("did you mean {name!r}? ", name=close[0]) if close else ""
    where = "" if word == text else tr(" in {text!r}", text=text)
    return tr(
        "unknown unit {word!r}{where}; {hint}known units: {known}",
        word=word,
        where=where,
        hint=hint,
        known=", ".join(known_units()),
    )


def is_counting(unit: ParsedUnit) -> bool:
    """Whether a unit counts things one by one (``person``, ``village``; not ``1000 person``).

    Inputs in counting units are counts by default: whole numbers, 0 or more.
    """
    if unit.scale != 1:
        return False
    dimensions = dict(unit.units.dimensionality.items())
    return (
        len(dimensions) == 1
        and next(iter(dimensions.values())) == 1
        and any(key.strip("[]") in COUNTING_UNITS for key in dimensions)
    )


def factor_from(value: Any, target: str) -> Fraction | None:  # noqa: ANN401 - a pint.Quantity
    """Return the exact factor from a quantity's units (any registry) to unit ``target``.

    Cached by the units' names (pint units of different registries cannot be compared),
    so converting many quantities formats and parses each unit once. Reads the
    quantity's unit container directly: ``quantity.units`` builds a new Unit every call.

    Raises:
        UnknownUnitError: the units are not known to spmkit's registry.
    """
    names = getattr(value, "_units", None)
    if names is None:
        names = value.units._units  # noqa: SLF001 - see unit_text
    return _factor_from_names(names, target)


@locked_cache(1024, UNIT_LOCK)
def _factor_from_names(names: Any, target: str) -> Fraction | None:  # noqa: ANN401
    return conversion_factor(_format(names), target)


@locked_cache(1024, UNIT_LOCK)
def conversion_factor(source: str, target: str) -> Fraction | None:
    """Return the exact factor from unit ``source`` to unit ``target``; None if incompatible.

    >>> conversion_factor("meter ** 3 / day", "L / day")
    Fraction(1000, 1)

    Raises:
        UnknownUnitError: either text is not a known unit.
    """
    import pint  # noqa: PLC0415 - see registry()

    from_unit = parse_unit(source)
    to_unit = parse_unit(target)
    try:
        converted = registry().Quantity(from_unit.scale, from_unit.units).to(to_unit.units)
    except pint.DimensionalityError:
        return None
    return Fraction(converted.magnitude) / to_unit.scale


def iter_definitions() -> Iterator[str]:
    """Yield the registry's definitions in pint syntax (for docs and tests)."""
    yield from _PHYSICAL
    for name, aliases in COUNTING_UNITS.items():
        yield " = ".join((name, f"[{name}]", "_", *aliases))
