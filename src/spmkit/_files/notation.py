"""Numbers written as text, in Indonesian (``3.582``, ``96,81``) or English notation.

Indonesian files write ``3.582`` for three thousand five hundred and eighty-two and
``96,81`` for ninety-six point eight one. A value such as ``96,81`` or ``1.234.567``
settles the notation of the whole file; a value such as ``3.582`` reads differently
either way and settles nothing. The notation of a file is decided from every numeric
cell in it (:func:`decide_notation`): a column whose own values settle nothing takes
what the rest of the file shows, and only what stays ambiguous is refused, naming the
cells. spmkit never guesses a factor of a thousand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Final, Literal, TypeAlias

from spmkit._limits import digits_text_problem
from spmkit._translation import Bilingual, joined, tr
from spmkit.errors import UsageError

__all__ = [
    "Notation",
    "NotationEvidence",
    "NumberFormat",
    "decide_notation",
    "detect_number_format",
    "parse_number",
    "readings",
]

NumberFormat: TypeAlias = Literal["id", "en", "auto"]
"""How numbers written as text are read: Indonesian (``3.582,5``), English
(``3,582.5``), or decided from the file's own cells."""

Notation: TypeAlias = Literal["id", "en", "any"]
"""The notation a column is read in; ``any`` when no value depends on it."""

_PLAIN: Final = re.compile(r"\d+")
_PATTERNS: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    # Indonesian: '.' groups thousands, ',' is the decimal comma.
    "id": (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), re.compile(r"\d+,\d+")),
    # English: ',' groups thousands, '.' is the decimal point.
    "en": (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), re.compile(r"\d+\.\d+")),
}
_SHOWN_CELLS: Final = 5
_percent: Final = re.compile(r"\s*%\s*$")


def readings(text: str) -> dict[str, Fraction]:
    """Return the value ``text`` has under each notation it is valid in (none: not a number).

    >>> readings("3.582") == {"id": 3582, "en": Fraction(3582, 1000)}
    True
    >>> readings("96,81")
    {'id': Fraction(9681, 100)}
    """
    body = text.strip()
    if digits_text_problem(body) is not None:
        return {}  # over the digit limit: no reading (the cell is refused, naming its size)
    sign = 1
    if body.startswith("-"):
        sign, body = -1, body[1:].strip()
    if _PLAIN.fullmatch(body):
        return {"id": Fraction(int(body) * sign), "en": Fraction(int(body) * sign)}
    found: dict[str, Fraction] = {}
    for style, patterns in _PATTERNS.items():
        if any(pattern.fullmatch(body) for pattern in patterns):
            group, point = (".", ",") if style == "id" else (",", ".")
            found[style] = sign * Fraction(body.replace(group, "").replace(point, "."))
    return found


def parse_number(text: str, number_format: Literal["id", "en"]) -> Fraction:
    """Read a number written as text, exactly, in the given notation.

    >>> parse_number("3.582", "id"), parse_number("96,81", "id")
    (Fraction(3582, 1), Fraction(9681, 100))
    >>> parse_number("3,582.5", "en")
    Fraction(7165, 2)

    Raises:
        UsageError: the text is not a number in that notation (a ValueError).
    """
    found = readings(text)
    if number_format not in found:
        msg = (
            tr("{text!r} is not a number in Indonesian notation (e.g. 3.582 or 96,81)", text=text)
            if number_format == "id"
            else tr("{text!r} is not a number in English notation (e.g. 3,582 or 96.81)", text=text)
        )
        raise UsageError(msg)
    return found[number_format]


def _ambiguous(found: Mapping[str, Fraction]) -> bool:
    return len(found) == 2 and found["id"] != found["en"]


def detect_number_format(values: Iterable[str]) -> Literal["id", "en", "ambiguous", "any"]:
    """Say how a column's text values are written, from the values alone.

    ``"any"``: every value reads the same either way (whole numbers without grouping);
    ``"ambiguous"``: some value reads differently either way and no value settles it,
    or the values contradict each other.

    >>> detect_number_format(["3.582", "96,81"])
    'id'
    >>> detect_number_format(["3.582", "4.100"])
    'ambiguous'
    """
    evidence: set[str] = set()
    ambiguous = False
    for text in values:
        found = readings(text)
        if len(found) == 1:
            evidence.update(found)
        elif _ambiguous(found):
            ambiguous = True
    if len(evidence) == 1:
        return "id" if "id" in evidence else "en"
    if evidence or ambiguous:
        return "ambiguous"
    return "any"


def _both_ways(text: str) -> Bilingual:
    found = readings(text)
    return tr(
        "{id} in Indonesian notation, {en} in English notation",
        id=f"{float(found['id']):g}",
        en=f"{float(found['en']):g}",
    )


class NotationEvidence:
    """What a file's text cells say about its notation, gathered cell by cell.

    Only what the decision and its messages need is kept (the notations each column's
    cells settle, whether a cell is ambiguous, and the first few cells of each kind to
    name), so a file streamed in chunks is decided in bounded memory, exactly as a file
    read whole.
    """

    def __init__(self, columns: Iterable[str]) -> None:
        self.columns = list(columns)
        self._styles: dict[str, set[str]] = {column: set() for column in self.columns}
        self._ambiguous: dict[str, list[tuple[str, str]]] = {c: [] for c in self.columns}
        self._ambiguous_count: dict[str, int] = dict.fromkeys(self.columns, 0)
        self._settling: dict[str, list[tuple[str, str]]] = {c: [] for c in self.columns}
        self._other: set[str] = set()

    def add(self, column: str, where: str, text: str) -> None:
        """One text cell of an input column (``where``: ``"row 5"``)."""
        found = readings(_percent.sub("", text))
        if len(found) == 1:
            self._styles[column].update(found)
            if len(self._settling[column]) < _SHOWN_CELLS * 2:
                self._settling[column].append((where, text))
        elif _ambiguous(found):
            self._ambiguous_count[column] += 1
            if len(self._ambiguous[column]) < _SHOWN_CELLS:
                self._ambiguous[column].append((where, text))

    def add_other(self, text: str) -> None:
        """A text cell of another column: it may settle the notation of the file.

        A percentage (``95,8 %``) counts as the number it shows.
        """
        found = readings(_percent.sub("", text))
        if len(found) == 1:
            self._other.update(found)

    def add_separator(self, delimiter: str) -> None:
        """The file's CSV delimiter: ``;`` is what spreadsheets with a decimal comma write."""
        if delimiter == ";":
            self._other.add("id")

    def _found(self, column: str) -> str:
        styles = self._styles[column]
        if len(styles) == 1:
            return "id" if "id" in styles else "en"
        if styles or self._ambiguous_count[column]:
            return "ambiguous"
        return "any"

    def decide(self, declared: NumberFormat) -> tuple[dict[str, Notation], list[str]]:
        """Every column's notation, and one problem per column that stays ambiguous."""
        if declared != "auto":
            return dict.fromkeys(self.columns, declared), []
        found = {column: self._found(column) for column in self.columns}
        settled = {style for style in found.values() if style in {"id", "en"}} | self._other
        notations: dict[str, Notation] = {}
        problems: list[str] = []
        for column, style in found.items():
            if style in {"id", "en", "any"}:
                notations[column] = style  # type: ignore[assignment]
            elif len(self._styles[column]) > 1:
                problems.append(_mixed(column, self._settling[column]))
            elif len(settled) == 1:
                notations[column] = "id" if "id" in settled else "en"
            else:
                problems.append(
                    _ambiguous_problem(
                        column,
                        self._ambiguous[column],
                        self._ambiguous_count[column],
                        settled=bool(settled),
                    )
                )
        return notations, problems


def decide_notation(
    columns: Mapping[str, Sequence[tuple[str, str]]],
    declared: NumberFormat,
    *,
    evidence: Iterable[str] = (),
) -> tuple[dict[str, Notation], list[str]]:
    """Choose the notation of every column from the whole file; refuse what stays ambiguous.

    Args:
        columns: column -> its text cells, each as ``(where, text)`` (``"row 5"``).
        declared: ``"id"`` or ``"en"`` to impose a notation; ``"auto"`` to decide.
        evidence: other text cells of the file (columns not read as inputs), which may
            settle the notation too.

    Returns:
        column -> notation, and one problem per column that cannot be decided, naming
        its ambiguous cells.
    """
    gathered = NotationEvidence(columns)
    if declared == "auto":
        for column, cells in columns.items():
            for where, text in cells:
                gathered.add(column, where, text)
        for text in evidence:
            gathered.add_other(text)
    return gathered.decide(declared)


def _ambiguous_problem(
    column: str, cells: Sequence[tuple[str, str]], count: int, *, settled: bool
) -> str:
    _, text = cells[0]
    shown = joined(", ", [joined("", [w, f" ({t.strip()!r})"]) for w, t in cells[:_SHOWN_CELLS]])
    extra = count - _SHOWN_CELLS
    why = (
        tr(", and the file uses both notations elsewhere")
        if settled
        else tr(", and no cell of the file settles the notation")
    )
    return tr(
        "column {column!r}: cannot tell how its numbers are written ({text!r} is {both}{why}); "
        "ambiguous cells: {shown}{more}; declare the format: --number-format id (3.582 = three "
        "thousand five hundred eighty-two) or --number-format en (3.582 = three point five "
        "eight two)",
        column=column,
        text=text.strip(),
        both=_both_ways(text),
        why=why,
        shown=shown,
        more=tr(" and {count} more", count=extra) if extra > 0 else "",
    )


def _mixed(column: str, cells: Sequence[tuple[str, str]]) -> str:
    shown = joined(
        ", ",
        [
            joined("", [where, f" ({text.strip()!r}, {detect_number_format([text])})"])
            for where, text in _settling(cells)[: _SHOWN_CELLS * 2]
        ],
    )
    return tr(
        "column {column!r}: its values mix Indonesian (96,81) and English (96.81) "
        "notation: {shown}; write the column in one notation",
        column=column,
        shown=shown,
    )


def _settling(cells: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in cells if len(readings(text)) == 1]
