"""The words the ``spmkit`` command prints, in Indonesian and English.

A small catalogue instead of gettext: the command has a few dozen labels, both languages
are maintained here side by side (a missing key is a test failure, not a silent English
fallback), and numbers are written the way each language writes them (``94,23`` in
Indonesian, ``94.23`` in English). Rule-file problems, bad data values and argparse's own
words come from the gettext catalogues of :mod:`spmkit._translation`; :class:`Bilingual` and
:data:`Language` live there and are re-exported here.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Final

from spmkit._evaluation.results import Status
from spmkit._rulesets.model import RuleSet
from spmkit._translation import Bilingual, Language, in_language, joined
from spmkit.errors import DataError, DataInvalid

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "Bilingual",
    "Language",
    "data_invalid_text",
    "data_problem_texts",
    "default_language",
    "format_number",
    "in_language",
    "message",
    "plain_number",
    "status_label",
]

LANGUAGES: Final[tuple[Language, ...]] = ("id", "en")

CATALOGUE: Final[dict[Language, dict[str, str]]] = {
    "en": {
        "status.met": "met",
        "status.not_met": "NOT MET",
        "status.no_data": "no data",
        "status.undefined": "undefined",
        "status.refused": "row refused",
        "col.indicator": "Indicator",
        "col.name": "Name",
        "col.achievement": "Achievement",
        "col.target": "Target",
        "col.deadline": "By",
        "col.status": "Status",
        "col.gap": "Gap",
        "col.region": "Region",
        "col.period": "Period",
        "summary": (
            "{met} met, {not_met} not met, {no_data} no data, {undefined} undefined "
            "of {total} indicators"
        ),
        "exceeds": "(!) numerator above denominator: the denominator is probably an estimate",
        "data": "Data: {heading}",
        "row": "row {number}",
        "row_heading": "{label} ({where})",
        "rows_summary": (
            "{evaluated} of {total} rows evaluated, {all_met} with every target met, {bad} refused"
        ),
        "row_refused": "{where}: refused: {problem}",
        "unknown_columns": "{source}: columns not used (not an input of {rule_set}): {columns}",
        "no_rows": "{source}: no data rows{year}",
        "no_rows_year": " for year {year}",
        "chart.title": "Achievement against target",
        "chart.axis": "Achievement",
        "chart.target": "target",
        "chart.grid_note": "Each cell: the achievement; the target is in brackets after the id.",
        "chart.hidden": "{count} indicators without data in any row are not shown.",
        "chart.no_chart": "Install spmkit[plot] (matplotlib) to include the chart.",
        "report.generated": "Made with spmkit {version}.",
        "report.legend": (
            "met: the achievement meets the target; NOT MET: it does not; no data: an "
            "input is missing, nothing is assumed; undefined: the denominator is zero."
        ),
        "explain.inputs": "Inputs",
        "explain.target": "Target",
        "explain.source": "Source",
        "explain.verification": "Verification",
        "explain.notes": "Notes",
        "explain.quote": "Quote",
        "no_deadline": "no deadline",
        "did_you_mean": "did you mean {name}?",
        "by": "by {year}",
        "missing": "missing",
        "optional_missing": (
            "{what} needs the optional package {package}: pip install 'spmkit[{extra}]'"
        ),
        "unknown_indicator": "rule set {rule_set} has no indicator {indicator!r}; it has: {known}",
        "check_ok": "{name}: ok ({count} indicators)",
        "verification.primary": "primary (checked against the regulation's text)",
        "verification.secondary": "secondary (from a document quoting the regulation)",
        "verification.unverified": "unverified",
        "note": "note",
    },
    "id": {
        "status.met": "tercapai",
        "status.not_met": "TIDAK TERCAPAI",
        "status.no_data": "tidak ada data",
        "status.undefined": "tak terdefinisi",
        "status.refused": "baris ditolak",
        "col.indicator": "Indikator",
        "col.name": "Nama",
        "col.achievement": "Capaian",
        "col.target": "Target",
        "col.deadline": "Batas",
        "col.status": "Status",
        "col.gap": "Selisih",
        "col.region": "Wilayah",
        "col.period": "Periode",
        "summary": (
            "{met} tercapai, {not_met} tidak tercapai, {no_data} tidak ada data, "
            "{undefined} tak terdefinisi dari {total} indikator"
        ),
        "exceeds": "(!) pembilang melebihi penyebut: penyebutnya kemungkinan perkiraan",
        "data": "Data: {heading}",
        "row": "baris {number}",
        "row_heading": "{label} ({where})",
        "rows_summary": (
            "{evaluated} dari {total} baris dievaluasi, {all_met} mencapai semua target, "
            "{bad} ditolak"
        ),
        "row_refused": "{where}: ditolak: {problem}",
        "unknown_columns": ("{source}: kolom tidak dipakai (bukan input {rule_set}): {columns}"),
        "no_rows": "{source}: tidak ada baris data{year}",
        "no_rows_year": " untuk tahun {year}",
        "chart.title": "Capaian terhadap target",
        "chart.axis": "Capaian",
        "chart.target": "target",
        "chart.grid_note": "Isi sel: capaian; target ada dalam kurung setelah nomor indikator.",
        "chart.hidden": "{count} indikator tanpa data di semua baris tidak ditampilkan.",
        "chart.no_chart": "Pasang spmkit[plot] (matplotlib) agar grafik ikut ditampilkan.",
        "report.generated": "Dibuat dengan spmkit {version}.",
        "report.legend": (
            "tercapai: capaian memenuhi target; TIDAK TERCAPAI: belum memenuhi; tidak ada "
            "data: ada input yang kosong, tidak ada yang diasumsikan; tak terdefinisi: "
            "penyebutnya nol."
        ),
        "explain.inputs": "Input",
        "explain.target": "Target",
        "explain.source": "Sumber",
        "explain.verification": "Verifikasi",
        "explain.notes": "Catatan",
        "explain.quote": "Kutipan",
        "no_deadline": "tanpa batas waktu",
        "did_you_mean": "maksudnya {name}?",
        "by": "tahun {year}",
        "missing": "kosong",
        "optional_missing": (
            "{what} memerlukan paket opsional {package}: pip install 'spmkit[{extra}]'"
        ),
        "unknown_indicator": (
            "rule set {rule_set} tidak memiliki indikator {indicator!r}; yang ada: {known}"
        ),
        "check_ok": "{name}: baik ({count} indikator)",
        "verification.primary": "primer (dicocokkan dengan teks peraturan)",
        "verification.secondary": "sekunder (dari dokumen yang mengutip peraturan)",
        "verification.unverified": "belum diverifikasi",
        "note": "catatan",
    },
}


def message(key: str, lang: Language, **fields: object) -> str:
    """Return the catalogue entry ``key`` in ``lang``, with ``fields`` filled in.

    >>> message("row", "id", number=4)
    'baris 4'

    Raises:
        KeyError: no such entry (a programming error: every key exists in both languages).
    """
    return CATALOGUE[lang][key].format(**fields)


def status_label(status: Status, lang: Language) -> str:
    """Return how a status is written (``NOT MET``, ``TIDAK TERCAPAI``)."""
    return CATALOGUE[lang][f"status.{status.value}"]


def default_language(rule_set: RuleSet | None) -> Language:
    """Indonesian for an Indonesian rule set, English otherwise (and with no rule set)."""
    if rule_set is not None and rule_set.language == "id":
        return "id"
    return "en"


def format_number(value: float | Fraction, lang: Language, decimals: int = 2) -> str:
    """Write a number with grouping the way ``lang`` does.

    Uses Babel's CLDR data when the ``locale`` extra is installed, and the same result
    from a plain swap of separators when it is not (Indonesian and English differ only
    in which of ``.`` and ``,`` groups thousands).

    >>> format_number(3582.5, "id"), format_number(3582.5, "en")
    ('3.582,50', '3,582.50')
    """
    number = float(value)
    table = _babel_separators(lang)
    if table is None:
        return plain_number(number, lang, decimals)
    if math.isfinite(number):  # Babel's digits are Python's, with its symbols: one lookup
        return f"{number:,.{decimals}f}".translate(table)
    from babel.numbers import format_decimal  # noqa: PLC0415 - found by _babel_separators

    rounded = Decimal(f"{number:.{decimals}f}")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(rounded, format=pattern, locale=_LOCALES[lang]))


@functools.cache
def _babel_separators(lang: Language) -> dict[int, str] | None:
    """Python's ``,`` ``.`` ``-`` to ``lang``'s symbols in Babel's data; None without Babel.

    Looked up once per language: importing Babel (or failing to) and reading its locale
    data cost about a millisecond, which per number made a table of 20,000 rows take
    minutes. ``f"{x:,.2f}"`` has the digits of Babel's ``#,##0.00`` (the value is rounded
    before Babel sees it, and both group by three), so only the symbols differ.
    """
    try:
        from babel.numbers import (  # noqa: PLC0415 - the optional locale extra
            get_decimal_symbol,
            get_group_symbol,
            get_minus_sign_symbol,
        )
    except ImportError:
        return None
    locale = _LOCALES[lang]
    return str.maketrans(
        {
            ",": get_group_symbol(locale),
            ".": get_decimal_symbol(locale),
            "-": get_minus_sign_symbol(locale),
        }
    )


_LOCALES: Final = {"id": "id_ID", "en": "en_US"}


def plain_number(value: float | Fraction, lang: Language, decimals: int = 2) -> str:
    """:func:`format_number` without Babel: Python's grouping, separators swapped for id.

    >>> plain_number(3582.5, "id")
    '3.582,50'
    """
    text = f"{float(value):,.{decimals}f}"
    if lang == "id":
        return text.translate(str.maketrans(",.", ".,"))
    return text


def data_problem_texts(error: DataInvalid) -> list[Bilingual]:
    """Each bad value of one record, in English (as the error says it) and Indonesian."""
    return [
        Bilingual(str(problem), problem.in_lang("id"))
        for problem in error.exceptions
        if isinstance(problem, DataError)
    ]


def data_invalid_text(error: DataInvalid) -> Bilingual:
    """Every bad value of one record on one line, in English and Indonesian."""
    return joined("; ", data_problem_texts(error))
