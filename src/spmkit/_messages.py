"""The words the ``spmkit`` command prints, by key, through the one gettext catalogue.

Each key names an English message id (``tr()``); its Indonesian is in
``locale/id/LC_MESSAGES/spmkit.po`` like every other message, so there is one way to
translate. Numbers are written by :func:`spmkit._numbers.number_text` (``94,23`` in
Indonesian, ``94.23`` in English). :class:`Bilingual` and :data:`Language` live in
:mod:`spmkit._translation` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Final

from spmkit._evaluation.results import Status
from spmkit._numbers import number_text
from spmkit._rulesets.model import RuleSet
from spmkit._translation import Bilingual, Language, in_language, joined, tr
from spmkit.errors import DataError, DataInvalid

__all__ = [
    "LANGUAGES",
    "Bilingual",
    "Language",
    "data_invalid_text",
    "data_problem_texts",
    "default_language",
    "format_number",
    "in_language",
    "message",
    "status_label",
]

LANGUAGES: Final[tuple[Language, ...]] = ("id", "en")

_MESSAGES: Final[dict[str, Callable[..., Bilingual]]] = {
    "status.met": lambda **f: tr("met", **f),
    "status.not_met": lambda **f: tr("NOT MET", **f),
    "status.no_data": lambda **f: tr("no data", **f),
    "status.undefined": lambda **f: tr("undefined", **f),
    "status.refused": lambda **f: tr("row refused", **f),
    "col.indicator": lambda **f: tr("Indicator", **f),
    "col.name": lambda **f: tr("Name", **f),
    "col.achievement": lambda **f: tr("Achievement", **f),
    "col.target": lambda **f: tr("Target", **f),
    "col.deadline": lambda **f: tr("By", **f),
    "col.status": lambda **f: tr("Status", **f),
    "col.gap": lambda **f: tr("Gap", **f),
    "col.region": lambda **f: tr("Region", **f),
    "col.period": lambda **f: tr("Period", **f),
    "summary": lambda **f: tr(
        "{met} met, {not_met} not met, {no_data} no data, {undefined} undefined "
        "of {total} indicators",
        **f,
    ),
    "exceeds": lambda **f: tr(
        "(!) numerator above denominator: the denominator is probably an estimate", **f
    ),
    "data": lambda **f: tr("Data: {heading}", **f),
    "row": lambda **f: tr("row {number}", **f),
    "row_heading": lambda **f: tr("{label} ({where})", **f),
    "rows_summary": lambda **f: tr(
        "{evaluated} of {total} rows evaluated, {all_met} with every target met, {bad} refused", **f
    ),
    "row_refused": lambda **f: tr("{where}: refused: {problem}", **f),
    "unknown_columns": lambda **f: tr(
        "{source}: columns not used (not an input of {rule_set}): {columns}", **f
    ),
    "no_rows": lambda **f: tr("{source}: no data rows{year}", **f),
    "no_rows_year": lambda **f: tr(" for year {year}", **f),
    "chart.title": lambda **f: tr("Achievement against target", **f),
    "chart.axis": lambda **f: tr("Achievement", **f),
    "chart.target": lambda **f: tr("target", **f),
    "chart.grid_note": lambda **f: tr(
        "Each cell: the achievement; the target is in brackets after the id.", **f
    ),
    "chart.hidden": lambda **f: tr(
        "{count} indicators without data in any row are not shown.", **f
    ),
    "chart.no_chart": lambda **f: tr(
        "Install spmkit[plot] (matplotlib) to include the chart.", **f
    ),
    "report.generated": lambda **f: tr("Made with spmkit {version}.", **f),
    "report.legend": lambda **f: tr(
        "met: the achievement meets the target; NOT MET: it does not; no data: an "
        "input is missing, nothing is assumed; undefined: the denominator is zero.",
        **f,
    ),
    "explain.inputs": lambda **f: tr("Inputs", **f),
    "explain.target": lambda **f: tr("Target", **f),
    "explain.source": lambda **f: tr("Source", **f),
    "explain.verification": lambda **f: tr("Verification", **f),
    "explain.notes": lambda **f: tr("Notes", **f),
    "explain.quote": lambda **f: tr("Quote", **f),
    "no_deadline": lambda **f: tr("no deadline", **f),
    "did_you_mean": lambda **f: tr("did you mean {name}?", **f),
    "by": lambda **f: tr("by {year}", **f),
    "missing": lambda **f: tr("missing", **f),
    "optional_missing": lambda **f: tr(
        "{what} needs the optional package {package}: pip install 'spmkit[{extra}]'", **f
    ),
    "unknown_indicator": lambda **f: tr(
        "rule set {rule_set} has no indicator {indicator!r}; it has: {known}", **f
    ),
    "check_ok": lambda **f: tr("{name}: ok ({count} indicators)", **f),
    "verification.primary": lambda **f: tr("primary (checked against the regulation's text)", **f),
    "verification.secondary": lambda **f: tr(
        "secondary (from a document quoting the regulation)", **f
    ),
    "verification.unverified": lambda **f: tr("unverified", **f),
    "note": lambda **f: tr("note", **f),
}
"""Every message the command line prints, by key: its English is the gettext message id."""


def message(key: str, lang: Language, **fields: object) -> str:
    """Return the message ``key`` in ``lang``, with ``fields`` filled in (gettext).

    >>> message("row", "id", number=4)
    'baris 4'

    Raises:
        KeyError: no such entry (a programming error).
    """
    return _MESSAGES[key](**fields).in_lang(lang)


def status_label(status: Status, lang: Language) -> str:
    """Return how a status is written (``NOT MET``, ``TIDAK TERCAPAI``)."""
    return message(f"status.{status.value}", lang)


def code_words(code: str) -> str:
    """A status or progress code (``not_met``, ``on_track``) as a reader reads it.

    English keeps the code itself (programs read it); Indonesian has its words.
    """
    words = {
        "met": tr("met"),
        "not_met": tr("not_met"),
        "no_data": tr("no_data"),
        "undefined": tr("undefined"),
        "on_track": tr("on_track"),
        "behind": tr("behind"),
        "overdue": tr("overdue"),
        "no_rule_set": tr("no_rule_set"),
    }
    return words.get(code, code)


def default_language(rule_set: RuleSet | None) -> Language:
    """Indonesian for an Indonesian rule set, English otherwise (and with no rule set)."""
    if rule_set is not None and rule_set.language == "id":
        return "id"
    return "en"


def format_number(value: float | Fraction, lang: Language, decimals: int = 2) -> str:
    """Write a number with grouping the way ``lang`` does: :func:`spmkit._numbers.number_text`.

    >>> format_number(3582.5, "id"), format_number(3582.5, "en")
    ('3.582,50', '3,582.50')
    """
    return number_text(value, lang, decimals)


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
