"""The one number formatter: exact numbers written as Indonesian or English text.

Every renderer writes numbers through :func:`number_text`, so the terminal, Markdown,
HTML, xlsx labels, the explanation and the service's ``shown_value`` agree to the digit.
Rounding is exact (half to even, on the Fraction itself, never through a float), and
the output does not depend on whether Babel is installed: Indonesian groups thousands
with ``.`` and writes decimals after ``,`` (CLDR ``id``), English the other way round
(CLDR ``en``); ``tests/test_numbers.py`` checks the two agree with Babel where it is.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

__all__ = ["exact_decimals", "exact_text", "number_text", "rounded", "whole_text"]

Language = Literal["id", "en"]

_SEPARATORS: Final = {"id": (".", ","), "en": (",", ".")}
"""Per language: the thousands separator and the decimal mark."""


def rounded(value: Fraction | Decimal | float, decimals: int) -> Fraction:
    """The value rounded to ``decimals`` places, half to even, exactly.

    >>> rounded(Fraction(94996, 1000), 2), rounded(Fraction(5, 1000), 2)
    (Fraction(95, 1), Fraction(0, 1))
    """
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return Fraction(_scaled(exact, decimals), 10**decimals)


def _scaled(exact: Fraction, decimals: int) -> int:
    """``round(exact * 10**decimals)``, half to even, on the integers (no Fraction arithmetic)."""
    numerator, denominator = exact.as_integer_ratio()  # one call, not two properties
    scaled, rest = divmod(numerator * 10**decimals, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and scaled % 2):
        scaled += 1
    return int(scaled)


def number_text(
    value: Fraction | Decimal | float,
    lang: Language | str,
    decimals: int = 2,
    *,
    grouping: bool = True,
) -> str:
    """Write ``value`` with ``decimals`` places (exact rounding) the way ``lang`` does.

    >>> number_text(Fraction(35825, 10), "id"), number_text(3582.5, "en")
    ('3.582,50', '3,582.50')
    >>> number_text(Fraction(94996, 1000), "id", 3), number_text(-0.004, "en", 2)
    ('94,996', '0.00')
    """
    scaled = _scaled(value if isinstance(value, Fraction) else Fraction(value), decimals)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**decimals)
    digits = f"{whole:,}" if grouping else str(whole)
    text = sign + digits + (f".{part:0{decimals}d}" if decimals else "")
    return text.translate(_INDONESIAN) if lang == "id" else text


_INDONESIAN: Final = str.maketrans(",.", ".,")
"""Indonesian swaps English's thousands separator and decimal mark."""


def whole_text(value: int, lang: Language | str) -> str:
    """A whole number, grouped, as :func:`number_text` writes it with no decimals (faster).

    >>> whole_text(1234567, "id"), whole_text(-4900, "en")
    ('1.234.567', '-4,900')
    """
    text = f"{value:,}"
    return text.translate(_INDONESIAN) if lang == "id" else text


_MOST_EXACT: Final = 12
"""The most decimals a number is written exactly with before it is rounded."""


def exact_decimals(value: Fraction) -> int | None:
    """How many decimals write ``value`` exactly (95 -> 0, 1.5 -> 1); None for 1/3.

    >>> exact_decimals(Fraction(3, 2)), exact_decimals(Fraction(1, 3))
    (1, None)
    """
    denominator = value.denominator
    for decimals in range(_MOST_EXACT + 1):
        if (10**decimals) % denominator == 0:
            return decimals
    return None


def exact_text(
    value: Fraction, lang: Language | str, at_least: int = 0, most: int = _MOST_EXACT
) -> str:
    """A number as the rule file gives it (a target, a weight): exact, in ``lang``.

    >>> exact_text(Fraction(95), "id"), exact_text(Fraction(975, 10), "id")
    ('95', '97,5')
    >>> exact_text(Fraction(1, 3), "en", most=4)
    '0.3333'
    """
    decimals = exact_decimals(value)
    shown = most if decimals is None or decimals > most else decimals
    return number_text(value, lang, max(at_least, shown))


def two_decimals(values: list[float], lang: Language | str) -> list[str]:
    """Many floats with two decimals, grouped, as :func:`number_text` writes them.

    Only for floats whose exact value is not within a rounding error of a half-cent tie
    (the caller checks): then the float's own rounding is the exact value's.

    >>> two_decimals([3582.5, 0.125001], "id")
    ['3.582,50', '0,13']
    """
    thousands, mark = _SEPARATORS["id" if lang == "id" else "en"]
    marks = {ord("_"): thousands, ord("."): mark}  # Python's neutral "_" and "." placed
    return [f"{value:_.2f}".translate(marks) for value in values]
