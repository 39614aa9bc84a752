"""The gazetteer: Indonesia's provinces and kabupaten/kota, by Kemendagri code and by name.

People write a regency many ways: ``Kabupaten Kulon Progo``, ``Kab. Kulon Progo``,
``KAB KULON PROGO``, ``Kulonprogo``, ``kulon-progo``, or its code ``3401`` (``34.01``).
:func:`find_places` reads all of them, and former names (``Toba Samosir``) and former
codes (``9101``, Merauke before Papua Selatan) too; :func:`place` insists on one place and
raises a :class:`~spmkit.errors.RuleSetNotFoundError` naming the closest names otherwise.

The list is ``wilayah.csv`` beside this module: 38 provinces and 514 kabupaten/kota of
Kepmendagri 300.2.2-2138/2025, its source and verification written at its top
(docs/places.md).
"""

from __future__ import annotations

import difflib
import functools
import re
from importlib import resources
from typing import Final

import attrs

from spmkit._translation import tr
from spmkit.errors import RuleSetNotFoundError

__all__ = ["Place", "all_places", "find_places", "place", "place_code"]

_MAX_NAME: Final = 200
"""Longest place name or code read (the longest official name has 39 characters)."""

_PREFIX: Final = re.compile(
    r"^(?:(?P<prov>provinsi|propinsi|prov)"
    r"|(?P<kota>kota\s+administrasi|kota\s+adm|kotamadya|kodya|kota)"
    r"|(?P<kab>kabupaten\s+administrasi|kabupaten\s+adm|kab\s+adm|kabupaten|kab))\s+"
)
_FIRST_KOTA: Final = 70
"""Kemendagri numbers a kabupaten 01-69 and a kota 71-99 within its province."""
_CODE: Final = re.compile(r"\d{2}(?:\.?\d{2})?\Z")

_PROVINCE_ALIASES: Final = {
    "dkijakarta": "31",
    "jakarta": "31",
    "diyogyakarta": "34",
    "diy": "34",
}
"""Province names as offices abbreviate them (DKI, DI, DIY)."""


@attrs.frozen(kw_only=True)
class Place:
    """One province or kabupaten/kota.

    Attributes:
        code: the Kemendagri code without dots: ``"34"`` (province), ``"3401"``.
        name: the official name: ``"Kabupaten Kulon Progo"``, ``"Daerah Istimewa Yogyakarta"``.
        level: ``provinsi``, ``kabupaten`` or ``kota``.
        former_names: names the code carried in older editions of the code list.
        former_codes: codes the place carried before (the Papua provinces of 2022).
    """

    code: str
    name: str
    level: str
    former_names: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()

    @property
    def province_code(self) -> str:
        """The code of its province (its own for a province)."""
        return self.code[:2]

    @property
    def bare(self) -> str:
        """The name without ``Kabupaten``/``Kota``: ``"Kulon Progo"``."""
        return re.sub(r"^(Kabupaten|Kota)\s+(Administrasi\s+)?", "", self.name)

    @property
    def regency(self) -> bool:
        """Whether it is a kabupaten or kota (the national SPM sets apply there)."""
        return self.level != "provinsi"

    def label(self) -> str:
        """The name and code: ``Kabupaten Kulon Progo (3401)``."""
        return f"{self.name} ({self.code})"


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _split(text: str) -> tuple[str | None, str]:
    """The level a name's prefix says (``kab``, ``kota``, ``prov`` or None) and its compact rest."""
    words = re.sub(r"[\s._\-/]+", " ", text.strip().casefold()).strip()
    match = _PREFIX.match(words + " ")
    if match is None:
        return None, _compact(words)
    return match.lastgroup, _compact(words[match.end() :])


@functools.cache
def all_places() -> tuple[Place, ...]:
    """Every province and kabupaten/kota of the shipped list, by code."""
    text = resources.files("spmkit._rulesets").joinpath("wilayah.csv").read_text("utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    found = []
    for line in rows[1:]:
        code, name, former_names, former_codes = line.split(",")
        level = "kota" if int(code[2:] or 0) >= _FIRST_KOTA else "kabupaten"
        if len(code) == len("34"):
            level = "provinsi"
        found.append(
            Place(
                code=code,
                name=name,
                level=level,
                former_names=tuple(n.split(" [")[0] for n in former_names.split(";") if n),
                former_codes=tuple(c for c in former_codes.split(";") if c),
            )
        )
    return tuple(found)


@functools.cache
def _index() -> tuple[dict[str, Place], dict[str, list[Place]]]:
    by_code: dict[str, Place] = {}
    by_name: dict[str, list[Place]] = {}
    for found in all_places():
        by_code[found.code] = found
        names = {found.bare, found.name, *found.former_names}
        for name in names:
            by_name.setdefault(_split(name)[1], []).append(found)
    for found in all_places():
        for code in found.former_codes:
            by_code.setdefault(code, found)
    for alias, code in _PROVINCE_ALIASES.items():
        by_name.setdefault(alias, []).insert(0, by_code[code])
    return by_code, {k: list(dict.fromkeys(v)) for k, v in by_name.items()}


_LEVELS: Final = {"prov": "provinsi", "kab": "kabupaten", "kota": "kota"}


def place_code(value: object) -> str | None:
    """A Kemendagri code as text without dots (``3401``, ``"34.01"``); None if not a code."""
    if hasattr(value, "item") and not isinstance(value, str | int):
        value = value.item()  # a numpy or pandas integer
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _CODE.match(value.strip()):
        return value.strip().replace(".", "")
    return None


def find_places(name: object) -> tuple[Place, ...]:
    """The places a name or code may mean: one, several (``Bandung``), or none.

    >>> [p.label() for p in find_places("KAB KULON PROGO")]
    ['Kabupaten Kulon Progo (3401)']
    >>> [p.code for p in find_places("Bandung")]
    ['3204', '3273']
    """
    by_code, by_name = _index()
    code = place_code(name)
    if code is not None:
        return (by_code[code],) if code in by_code else ()
    if not isinstance(name, str) or len(name) > _MAX_NAME:
        return ()
    level, key = _split(name)
    matches = by_name.get(key, [])
    if level is None:
        return tuple(matches)
    wanted = _LEVELS[level]
    return tuple(m for m in matches if m.level == wanted)


def suggestions(name: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The closest official names to a name (difflib), best first."""
    names = {p.name: p for p in all_places()}
    compact = {_split(n)[1]: n for n in [*names, *extra]}
    close = difflib.get_close_matches(_split(str(name)[:_MAX_NAME])[1], compact, n=5, cutoff=0.6)
    return [compact[c] for c in close]


def place(name: object, *, extra: tuple[str, ...] = ()) -> Place:
    """The one place a name or code means.

    Raises:
        RuleSetNotFoundError: no place has that name or code (the message and
            ``candidates`` hold the closest names), or several have (``Bandung``: say
            ``Kabupaten Bandung`` or ``Kota Bandung``).
    """
    matches = find_places(name)
    if len(matches) == 1:
        return matches[0]
    if matches:
        msg = tr(
            "{name!r} may be {choices}; say which (with Kabupaten, Kota or Provinsi, or the code)",
            name=name,
            choices=", ".join(m.label() for m in matches),
        )
        raise RuleSetNotFoundError(msg, candidates=[m.name for m in matches])
    close = suggestions(str(name), extra)
    msg = tr(
        "no province, kabupaten or kota is named {name!r} (nor has that Kemendagri code); "
        "closest: {close}",
        name=name,
        close=", ".join(close) or tr("none"),
    )
    raise RuleSetNotFoundError(msg, candidates=close)
