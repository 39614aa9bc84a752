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

__all__ = ["number_text", "rounded"]

Language = Literal["id", "en"]

_SEPARATORS: Final = {"id": (".", ","), "en": (",", ".")}
"""Per language: the thousands separator and the decimal mark."""


def rounded(value: Fraction | Decimal | float, decimals: int) -> Fraction:
    """The value rounded to ``decimals`` places, half to even, exactly.

    >>> rounded(Fraction(94996, 1000), 2), rounded(Fraction(5, 1000), 2)
    (Fraction(95, 1), Fraction(0, 1))
    """
    exact = value if isinstance(value, Fraction) else Fraction(value)
    scale = 10**decimals
    return Fraction(round(exact * scale), scale)


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
    thousands, mark = _SEPARATORS["id" if lang == "id" else "en"]
    scaled = round((value if isinstance(value, Fraction) else Fraction(value)) * 10**decimals)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**decimals)
    digits = f"{whole:,}".replace(",", thousands) if grouping else str(whole)
    return sign + digits + (mark + str(part).zfill(decimals) if decimals else "")
