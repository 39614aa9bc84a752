"""Texts in Indonesian and English from gettext catalogues: spmkit's problems and argparse.

spmkit's messages are written in English in the code and translated in a gettext
catalogue (``spmkit/locale/id/LC_MESSAGES/spmkit.po``, compiled to ``spmkit.mo`` beside
it): :func:`tr` formats a message in both languages at once and returns a
:class:`Bilingual` text, an ``str`` that is the English text (as before, so programs
comparing messages keep working) and also carries its Indonesian. A field that is itself
:class:`Bilingual` (a "did you mean" hint, the name of a key) is shown in the language of
the text around it.

The ``argparse`` catalogue beside it translates the standard library's own words
("usage:", "options", "the following arguments are required") by argparse's own message
ids; :func:`argparse_language` makes argparse use it while the command line is parsed.

Catalogues are read with the standard library's :mod:`gettext`, so no dependency is
needed at run time; Babel (the ``dev`` extra) compiles the ``.po`` files (``make
catalogues``) and a test checks every message of the code has its Indonesian.

This module imports only the standard library and :mod:`spmkit._numbers` (the one number
formatter, itself standard library only), so that :mod:`spmkit.errors` can use it.
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal, Self, TypeAlias

from spmkit._numbers import number_text

__all__ = [
    "CATALOGUE_DOMAINS",
    "Bilingual",
    "Language",
    "argparse_language",
    "both_notations",
    "catalogue",
    "gettext_in",
    "grouped",
    "in_language",
    "joined",
    "row_label",
    "tr",
]

Language: TypeAlias = Literal["id", "en"]
"""A language of spmkit's texts: ``"id"`` (Bahasa Indonesia) or ``"en"``."""

CATALOGUE_DOMAINS: Final = ("spmkit", "argparse")
"""The gettext domains shipped under ``spmkit/locale``: spmkit's messages and argparse's."""


class Bilingual(str):
    """English text that also carries its Indonesian: ``str`` is English, as before.

    Problems are built in both languages where they are found, so a program comparing
    texts keeps working and a reader gets them in their language.

    >>> text = Bilingual("row 5 refused", "baris 5 ditolak")
    >>> text == "row 5 refused", text.in_lang("id")
    (True, 'baris 5 ditolak')
    """

    __slots__ = ("indonesian",)
    indonesian: str

    def __new__(cls, english: str, indonesian: str) -> Self:
        made = super().__new__(cls, english)
        made.indonesian = indonesian
        return made

    def in_lang(self, lang: Language) -> str:
        """The text in ``lang``."""
        return self.indonesian if lang == "id" else str.__str__(self)

    def __reduce__(self) -> tuple[object, ...]:
        return (Bilingual, (str.__str__(self), self.indonesian))


def in_language(text: str, lang: Language) -> str:
    """``text`` in ``lang`` when it is :class:`Bilingual`, else as it is."""
    return text.in_lang(lang) if isinstance(text, Bilingual) else text


@functools.cache
def catalogue(domain: str) -> gettext.NullTranslations:
    """The Indonesian catalogue of ``domain`` (one of :data:`CATALOGUE_DOMAINS`).

    Without its compiled file (an installation that lost it) the texts stay English: an
    error message must never fail for want of its translation.
    """
    name = f"{domain}.mo"
    try:  # the package's own directory, as installed (importlib.resources: slow to import)
        with (Path(__file__).parent / "locale" / "id" / "LC_MESSAGES" / name).open("rb") as file:
            return gettext.GNUTranslations(file)
    except OSError:
        pass
    import importlib.resources  # noqa: PLC0415 - only for a package that is not plain files

    resource = importlib.resources.files("spmkit") / "locale" / "id" / "LC_MESSAGES"
    try:
        with (resource / name).open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except OSError:
        return gettext.NullTranslations()


def tr(template: str, /, **fields: object) -> Bilingual:
    """Format ``template`` (English, ``str.format`` fields) and its Indonesian translation.

    ``template`` must be a literal at the call site: it is the message id that Babel
    extracts and the catalogue translates. A message without a translation stays English
    in both (a test makes sure there is none).

    >>> tr("{what} must be a number (got {value!r})", what=tr("'factor'"), value="x").in_lang("id")
    "'factor' harus berupa angka (tertulis 'x')"
    """
    translated = _translated(template)
    for value in fields.values():
        if hasattr(value, "in_lang"):  # a field in both languages: its Indonesian here
            indonesian = {name: _indonesian(field) for name, field in fields.items()}
            return Bilingual(template.format(**fields), translated.format(**indonesian))
    return Bilingual(template.format(**fields), translated.format(**fields))


def row_label(number: int) -> Bilingual:
    """``row 5`` and ``baris 5``: the catalogue's ``"row {number}"``, for every row of a file.

    The same text as ``tr("row {number}", number=number)``, made without a lookup per row:
    a file of a million rows labels each one.

    >>> row_label(7).in_lang("id"), row_label(7) == tr("row {number}", number=7)
    ('baris 7', True)
    """
    return Bilingual(f"row {number}", _translated("row {number}").replace("{number}", str(number)))


@functools.lru_cache(maxsize=4096)
def _translated(template: str) -> str:
    """The Indonesian of a message id (looked up once: rows are labelled by the thousand)."""
    return catalogue("spmkit").gettext(template)


def joined(separator: str, texts: Iterable[str]) -> Bilingual:
    """``separator.join(texts)`` in each language (a plain ``str`` is the same in both).

    >>> joined("; ", [tr("at row {row}", row=3), "x"]).in_lang("id")
    'di baris 3; x'
    """
    parts = list(texts)
    return Bilingual(
        separator.join(parts), separator.join(in_language(part, "id") for part in parts)
    )


def both_notations(text: str) -> Bilingual:
    """A number written in English (``1,234.5``) and, by the one formatter, in Indonesian.

    The Indonesian is :func:`spmkit._numbers.number_text` of the same exact value with
    the same decimals (and grouping when the English groups); text that is not a plain
    decimal number (``1/3``) stays as it is in both.

    >>> both_notations("0.25").in_lang("id"), both_notations("1,234.5").in_lang("id")
    ('0,25', '1.234,5')
    """
    if _DECIMAL.fullmatch(text) is None:
        return Bilingual(text, text)
    whole, _, decimals = text.partition(".")
    exact = Decimal(text.replace(",", ""))
    return Bilingual(text, number_text(exact, "id", len(decimals), grouping="," in whole))


_DECIMAL: Final = re.compile(r"-?\d[\d,]*(\.\d+)?")
"""A number as Python or an English reader writes it: ``-1,234.5``."""


def grouped(number: int) -> Bilingual:
    """A whole number grouped as each language groups it: ``1,234`` and ``1.234``.

    >>> grouped(1234567).in_lang("id")
    '1.234.567'
    """
    return Bilingual(number_text(number, "en", 0), number_text(number, "id", 0))


def gettext_in(domain: str, message: str, lang: Language) -> str:
    """``message`` (a message id of ``domain``) in ``lang``.

    >>> gettext_in("argparse", "usage: ", "id")
    'penggunaan: '
    """
    return catalogue(domain).gettext(message) if lang == "id" else message


def _indonesian(value: object) -> object:
    """A field of a message as the Indonesian text shows it."""
    in_lang = getattr(value, "in_lang", None)
    return in_lang("id") if callable(in_lang) else value


@contextmanager
def argparse_language(lang: Language) -> Iterator[None]:
    """Let argparse write its own words in ``lang`` while the block runs.

    argparse looks every one of its texts up through gettext (its module-level ``_`` and
    ``ngettext``, bound to the process-wide default domain); inside the block they are
    looked up in spmkit's ``argparse`` catalogue instead, and restored after it, so
    nothing outside the command line changes. Build and parse the parser inside the
    block: argparse translates group titles when the parser is made.
    """
    import argparse  # noqa: PLC0415 - only the command line needs it

    if lang != "id":
        yield
        return
    translations = catalogue("argparse")
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = translations.gettext  # type: ignore[attr-defined]
    argparse.ngettext = translations.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
