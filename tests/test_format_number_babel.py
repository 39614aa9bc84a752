"""format_number: Babel's symbols looked up once per language, the digits of Babel's pattern.

Writing a number used to import Babel (or fail to) and read its locale data for each
number: a table of 20,000 rows took minutes. The symbols are now looked up once, and a
failed import is remembered; the text is still exactly Babel's.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spmkit._messages import _LOCALES, _babel_separators, format_number, plain_number


@given(
    value=st.floats(min_value=-1e15, max_value=1e15)
    | st.sampled_from([0.005, 99.995, -0.0, 1234567.891, -2.5, 0.125, float("inf")]),
    lang=st.sampled_from(["id", "en"]),
    decimals=st.sampled_from([0, 1, 2, 4]),
)
def test_the_same_text_as_babels_format_decimal(value, lang, decimals):
    numbers = pytest.importorskip("babel.numbers")
    rounded = Decimal(f"{value:.{decimals}f}")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    expected = numbers.format_decimal(rounded, format=pattern, locale=_LOCALES[lang])
    assert format_number(value, lang, decimals) == expected


def test_values_written_by_hand():
    pytest.importorskip("babel")
    assert format_number(3582.5, "id") == "3.582,50"
    assert format_number(-1234567.891, "en") == "-1,234,567.89"
    assert format_number(4900, "id", 0) == "4.900"
    assert format_number(float("nan"), "id") == "NaN,00"  # not finite: Babel itself writes it


def test_a_failed_babel_import_is_tried_once(monkeypatch):
    """Without Babel, thousands of numbers try the import once, and match the fallback."""
    monkeypatch.setitem(sys.modules, "babel.numbers", None)  # `import babel.numbers` fails
    _babel_separators.cache_clear()
    try:
        texts = [format_number(n + 0.5, "id") for n in range(2_000)]
        assert _babel_separators.cache_info().misses == 1
        assert _babel_separators.cache_info().hits == 1_999
        assert texts == [plain_number(n + 0.5, "id") for n in range(2_000)]
        assert texts[1999] == "1.999,50"
    finally:
        _babel_separators.cache_clear()
