"""The catalogue of rule sets: which exist, where they apply, and which applies when.

:func:`list_rule_sets` lists the shipped rule sets and those installed by other packages
(entry-point group ``spmkit.rule_sets``, :mod:`spmkit._rulesets.installed`), each as a
:class:`RuleSetRecord`. :func:`rule_set_for` answers "which rule applied here, then": the
regency's (or city's) own rule set if one is in force on that day, else the national
one in force, a rule set that another in force ``supersedes`` giving way to it.

Days and years: ``on`` is a date, or a year standing for its 31 December (the end of
the reporting year, when the year's achievement is judged). See docs/time.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import warnings
from pathlib import Path
from typing import Final

import attrs

from spmkit._arguments import wrong_type
from spmkit._rulesets.installed import impersonation, installed_rule_files
from spmkit._rulesets.model import RuleSet, Verification
from spmkit._rulesets.places import Place, find_places, place
from spmkit._rulesets.reader import load_rule_set, read_rule_file, shipped_rule_sets
from spmkit._translation import Bilingual, joined, tr
from spmkit.errors import RuleSetNotFoundError, SpmkitError, SpmkitWarning, UsageError

__all__ = [
    "LEVELS",
    "NATIONAL_LEVEL",
    "RuleSetRecord",
    "as_year",
    "day_of",
    "jurisdiction_slug",
    "list_rule_sets",
    "rule_set_for",
]

NATIONAL_LEVEL: Final = "kabupaten/kota"
"""The level of a rule set that applies in every kabupaten and kota (a national SPM)."""

LEVELS: Final = ("provinsi", "kabupaten/kota")
"""The levels ``list_rule_sets(level=)`` filters by (a kabupaten's or kota's own set is
``kabupaten/kota`` level)."""

_NATIONWIDE: Final = ("seluruh ", "setiap ", "semua ", "indonesia")
"""How a rule set for every province (or every regency) names its jurisdiction."""

_PREFIXES: Final = re.compile(r"^(kabupaten|kab\.?|kota|provinsi|prov\.?)\s+", re.IGNORECASE)


def jurisdiction_slug(name: str) -> str:
    """The short slug of a jurisdiction's name: ``"Kabupaten Kulon Progo"`` -> ``kulon-progo``."""
    bare = _PREFIXES.sub("", name.strip())
    return re.sub(r"[^a-z0-9]+", "-", bare.casefold()).strip("-")


def _full_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().casefold()).strip("-")


def as_year(value: object) -> int | None:
    """A year 1945-2100 as a plain int: an int, a numpy or pandas integer; else None.

    >>> import numpy as np
    >>> as_year(np.int64(2012)), as_year(True), as_year(2012.0)
    (2012, None, None)
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return None
    try:
        year = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None
    return year if 1945 <= year <= 2100 else None


def day_of(on: dt.date | int) -> dt.date:
    """The day a date or a year stands for (a year: its 31 December).

    Raises:
        UsageError: neither a date nor a year 1945-2100.
    """
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    year = as_year(on)
    if year is not None:
        return dt.date(year, 12, 31)
    msg = tr("'on' must be a date or a year such as 2013 (got {on!r})", on=on)
    raise UsageError(msg)


@attrs.frozen(kw_only=True)
class RuleSetRecord:
    """One rule set in the catalogue: what it is, where and when it applies.

    Attributes:
        id: the rule set's id (what :func:`spmkit.load_rule_set` takes).
        title: its title.
        jurisdiction: the name of the jurisdiction (``"Kabupaten Kulon Progo"``).
        level: ``kabupaten``, ``kota``, ``provinsi``, or ``kabupaten/kota`` (national).
        in_force_from: first day in force; None when the file does not say.
        in_force_until: last day in force; None when in force or the end is unknown.
        supersedes: ids of the rule sets it replaces.
        verified_share: share of its values (target, deadline, formula of every
            indicator) verified against a primary text, 0.0 to 1.0.
        sector: the SPM field (``kesehatan`` ...), None when not said.
        province: the province of a regional rule set.
        extends: the rule set it is an overlay of, nearest first.
        file: the rule file.
        installed: True for a rule set registered by another package.
        place_code: the Kemendagri code of its jurisdiction (``"3401"``); None for a
            nationwide rule set or a place the gazetteer does not know.
        declared_until: the ``until`` its file declares (``in_force_until`` is the end
            the succession decides: the day before a successor comes into force).
        superseded_by: the rule sets that declare they replace it.
    """

    id: str
    title: str
    jurisdiction: str
    level: str
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    supersedes: tuple[str, ...]
    verified_share: float
    sector: str | None = None
    province: str | None = None
    extends: tuple[str, ...] = ()
    file: Path | None = None
    installed: bool = False
    place_code: str | None = None
    declared_until: dt.date | None = None
    superseded_by: tuple[str, ...] = ()

    @property
    def national(self) -> bool:
        """Whether it applies in every kabupaten and kota."""
        return self.level == NATIONAL_LEVEL

    @property
    def nationwide(self) -> bool:
        """Whether it applies in every kabupaten/kota, or in every province."""
        return self.national or (
            self.place_code is None and self.jurisdiction.strip().casefold().startswith(_NATIONWIDE)
        )

    def at_level(self, level: str) -> bool:
        """Whether it is a rule set of that level: ``provinsi`` or ``kabupaten/kota``."""
        if level == "provinsi":
            return self.level == "provinsi"
        return self.level in {"kabupaten", "kota", NATIONAL_LEVEL}

    def for_place(self, where: Place | str) -> bool:
        """Whether it applies there: the place's own, or nationwide at the place's level.

        ``where`` is a place of the gazetteer, or the name of a jurisdiction it does not
        know that a rule set is written for (matched by name or slug).
        """
        if isinstance(where, str):
            return self.national or (not self.nationwide and self.is_for(where))
        if self.nationwide:
            return self.at_level("kabupaten/kota" if where.regency else "provinsi")
        return self.place_code == where.code

    def in_force_on(self, day: dt.date) -> bool:
        """Whether it is in force on that day (a rule set without ``in_force`` never is)."""
        if self.in_force_from is None or day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until

    def applies_to(self, jurisdiction: str) -> bool:
        """Whether it applies to that jurisdiction (by name or slug): its own, or national."""
        if self.national:  # every kabupaten and kota; not a province
            return not jurisdiction.strip().casefold().startswith(("provinsi ", "prov. "))
        return self.is_for(jurisdiction)

    def is_for(self, jurisdiction: str) -> bool:
        """Whether it is that jurisdiction's own rule set (matched by name or slug)."""
        wanted = jurisdiction.strip()
        name = self.jurisdiction
        return wanted.casefold() == name.casefold() or _full_slug(wanted) in {
            jurisdiction_slug(name),
            _full_slug(name),
        }

    def validity(self) -> Bilingual:
        """The validity as text: ``2011-02-17 .. open`` (``?`` when not declared).

        An end the succession decides names the successor:
        ``2008-07-29 .. 2016-12-31 (superseded by permenkes-43-2016)``. ``str()`` is the
        English; ``in_lang("id")`` the Indonesian.
        """
        start = "?" if self.in_force_from is None else self.in_force_from.isoformat()
        if self.in_force_until is None:
            return tr("{start} .. open", start=start)
        end = self.in_force_until.isoformat()
        if self.in_force_until != self.declared_until:
            return tr(
                "{start} .. {end} (superseded by {ids})",
                start=start,
                end=end,
                ids=", ".join(self.superseded_by),
            )
        return joined("", [f"{start} .. {end}"])


@functools.lru_cache(maxsize=128)
def _read(path: str, _stamp: tuple[int, int]) -> RuleSet:
    """A rule file, read once per content stamp (modification time and size)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        return read_rule_file(Path(path))


def _load(path: Path) -> RuleSet:
    stat = path.stat()
    return _read(str(path.resolve()), (stat.st_mtime_ns, stat.st_size))


def _record(rule_set: RuleSet, path: Path, *, installed: bool) -> RuleSetRecord:
    counts = rule_set.verification_counts()
    total = sum(counts.values())
    return RuleSetRecord(
        id=rule_set.id,
        title=rule_set.title,
        jurisdiction=rule_set.jurisdiction.name,
        level=rule_set.jurisdiction.level,
        province=rule_set.jurisdiction.province,
        in_force_from=rule_set.in_force_from,
        in_force_until=rule_set.in_force_until,
        supersedes=rule_set.supersedes,
        verified_share=counts[Verification.PRIMARY] / total if total else 0.0,
        sector=rule_set.sector,
        extends=rule_set.extends,
        file=path,
        installed=installed,
        place_code=_code_of(rule_set.jurisdiction.name, rule_set.jurisdiction.level),
        declared_until=rule_set.in_force_until,
    )


def _code_of(name: str, level: str) -> str | None:
    """The gazetteer code of a rule set's jurisdiction, if its name says one place."""
    wanted = {"provinsi": "provinsi", "kabupaten": "kabupaten", "kota": "kota"}.get(level)
    found = [p for p in find_places(name) if wanted is None or p.level == wanted]
    return found[0].code if len(found) == 1 else None


def _with_succession(records: list[RuleSetRecord]) -> list[RuleSetRecord]:
    """Each record's end as the succession decides: the day before a successor starts.

    A rule set ``supersedes`` ends where the first of its successors comes into force,
    unless its own ``until`` is earlier.
    """
    successors: dict[str, list[RuleSetRecord]] = {}
    for record in records:
        for old in record.supersedes:
            successors.setdefault(old, []).append(record)
    updated = []
    for record in records:
        after = successors.get(record.id, [])
        starts = [r.in_force_from for r in after if r.in_force_from is not None]
        end = record.in_force_until
        if starts:
            stop = min(starts) - dt.timedelta(days=1)
            end = stop if end is None else min(end, stop)
        updated.append(
            attrs.evolve(
                record, in_force_until=end, superseded_by=tuple(sorted(r.id for r in after))
            )
        )
    return updated


def _all_records() -> list[RuleSetRecord]:
    shipped = shipped_rule_sets()
    records = [_record(_load(path), path, installed=False) for path in shipped.values()]
    for rule_set_id, path in installed_rule_files().items():
        if rule_set_id in shipped:
            impersonation(rule_set_id, path, shipped)  # warns, naming both files
            continue
        try:
            rule_set = _load(path)
            if impersonation(rule_set.id, path, shipped) is None:
                records.append(_record(rule_set, path, installed=True))
        except SpmkitError as exc:
            warnings.warn(
                SpmkitWarning(f"installed rule set {path} skipped: it does not load ({exc})"),
                stacklevel=3,
            )
    return _with_succession(records)


def _where(jurisdiction: str | int, records: list[RuleSetRecord]) -> Place | str:
    """The place a jurisdiction names (a name or a Kemendagri code).

    A name the gazetteer does not know is kept as it is when a rule set is written for
    it (an installed rule set of a fictional or new jurisdiction).

    Raises:
        RuleSetNotFoundError: no such place and no rule set for it (the closest names
            are suggested), or a name several places share (``Bandung``).
    """
    found = find_places(jurisdiction)
    if len(found) == 1:
        return found[0]
    if isinstance(jurisdiction, str) and any(
        not r.nationwide and r.is_for(jurisdiction) for r in records
    ):
        return jurisdiction
    own = tuple(r.jurisdiction for r in records if not r.nationwide and r.place_code is None)
    return place(jurisdiction, extra=own)


def _sector_key(sector: str) -> str:
    return sector.strip().casefold().replace("-", "_")


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        msg = tr(
            "level must be one of {levels} (got {level!r})", levels=", ".join(LEVELS), level=level
        )
        raise UsageError(msg)


def list_rule_sets(
    jurisdiction: str | int | None = None,
    on: dt.date | int | None = None,
    *,
    sector: str | None = None,
    level: str | None = None,
) -> tuple[RuleSetRecord, ...]:
    """List the rule sets spmkit knows: shipped, and installed by other packages.

    >>> tuple(r.id for r in list_rule_sets("Kab. Kulon Progo", on=2012) if not r.national)
    ('kulon-progo-2011', 'kulon-progo-2011-overlay')
    >>> tuple(r.id for r in list_rule_sets(on=2030, sector="kesehatan") if r.national)
    ('indeks-spm-kesehatan-6-2024', 'permenkes-6-2024')

    Args:
        jurisdiction: only those that apply there (its own, and the nationwide ones of
            its level), by name as people write it (``"Kab. Kulon Progo"``,
            ``"Kulonprogo"``), slug (``"kulon-progo"``) or Kemendagri code (``3401``).
        on: only those in force on that date, or on 31 December of that year; a rule set
            another supersedes ends where its successor starts.
        sector: only that SPM field (``kesehatan``, ``pendidikan``, ``pekerjaan_umum``,
            ``perumahan_rakyat``, ``trantibumlinmas``, ``sosial``; ``-`` or ``_`` alike).
        level: only ``provinsi`` or ``kabupaten/kota`` rule sets.

    Returns:
        :class:`RuleSetRecord` s, by id.

    Raises:
        RuleSetNotFoundError: ``jurisdiction`` is no known place (the closest are named).
        UsageError: a bad ``on`` or ``level``.

    Warns:
        SpmkitWarning: an installed rule set does not load (it is left out).

    Raises:
        UsageError: ``jurisdiction`` is not text, or ``on`` neither a date nor a year.
    """
    if jurisdiction is not None:
        _text_argument("jurisdiction", jurisdiction)
    day = None if on is None else day_of(on)
    _check_level(level)
    records = _all_records()
    where = None if jurisdiction is None else _where(jurisdiction, records)
    wanted = None if sector is None else _sector_key(sector)
    kept = [
        record
        for record in records
        if (where is None or record.for_place(where))
        and (day is None or record.in_force_on(day))
        and (wanted is None or (record.sector is not None and _sector_key(record.sector) == wanted))
        and (level is None or record.at_level(level))
    ]
    return tuple(sorted(kept, key=lambda record: record.id))


def _best(records: list[RuleSetRecord]) -> list[RuleSetRecord]:
    """Drop the superseded ones and order the rest, best first.

    Latest in force first; of two in force from the same day (one instrument written
    twice, as a file and as an overlay), the plain file first; then by id. An overlay
    of another candidate that does not supersede it is a reading of that rule set (the
    SPM index over Permenkes 4/2019, docs/index-spm.md) and gives way to it.
    """
    replaced = {old for record in records for old in record.supersedes}
    kept = [record for record in records if record.id not in replaced]
    present = {record.id for record in kept}
    kept = [record for record in kept if not present.intersection(record.extends)] or kept
    return sorted(
        kept,
        key=lambda r: (-(r.in_force_from or dt.date.min).toordinal(), bool(r.extends), r.id),
    )


def _notes(chosen: RuleSetRecord, where: Place | str, rule_set: RuleSet) -> list[str]:
    """What a result must say about the rule set chosen: national, open-ended."""
    notes: list[str] = []
    if chosen.nationwide and isinstance(where, Place):
        notes.append(
            tr(
                "{place} has no rule set of its own in force then that spmkit knows: "
                "this is the national rule set {id}",
                place=where.label(),
                id=chosen.id,
            )
        )
    in_force = rule_set.in_force
    if in_force is not None and chosen.in_force_until is None:
        why = f": {in_force.note}" if in_force.note else ""
        notes.append(
            tr(
                "{id} is in force from {start} with no known end (until: null; no revoking "
                "instrument was found){why}",
                id=chosen.id,
                start=in_force.start,
                why=why,
            )
        )
    return notes


def _text_argument(name: str, value: object, *, code: bool = True) -> None:
    """Refuse a place or sector that is neither text nor (for a place) a Kemendagri code."""
    if isinstance(value, str):
        return
    if code and not isinstance(value, bool) and hasattr(value, "__index__"):
        return  # 3401, numpy.int64(3401): a Kemendagri code
    raise wrong_type(name, tr("text such as 'Kab. Siak' or a Kemendagri code"), value)


def rule_set_for(
    jurisdiction: str | int, on: dt.date | int, *, sector: str | None = "kesehatan"
) -> RuleSet:
    """Return the rule set that applied to a jurisdiction on a date (or in a year).

    The jurisdiction's own rule set if one is in force on that day, else the national
    one in force; of several, the one no other supersedes, then the latest in force.
    The rule set returned carries, at the end of its ``notes``, what the result must
    say: that it is the national set (the place has none of its own), and that its end
    of validity is not known.

    >>> rule_set_for("Kabupaten Kulon Progo", 2010).id
    'permenkes-741-2008'
    >>> rule_set_for("Kab. Kulon Progo", 2012).id, rule_set_for(3401, 2012).id
    ('kulon-progo-2011', 'kulon-progo-2011')

    Args:
        jurisdiction: a name as people write it (``"Kab. Kulon Progo"``, ``"Kulonprogo"``),
            a slug (``"kulon-progo"``) or a Kemendagri code (``3401``, ``"34.01"``).
        on: a date, or a year (its 31 December).
        sector: the SPM field (``kesehatan``, ``pendidikan``, ``pekerjaan_umum``); None
            for any. A rule set that does not say its sector is taken for any.

    Warns:
        UnverifiedValuesWarning: as :func:`spmkit.load_rule_set`.

    Raises:
        RuleSetNotFoundError: the place is unknown (the closest names are suggested) or
            none applies; the message and ``candidates`` name the rule sets of that
            jurisdiction (and the national ones) with their validity.
        UsageError: ``on`` is neither a date nor a year, or ``jurisdiction`` or
            ``sector`` is not text.
    """
    _text_argument("jurisdiction", jurisdiction)
    if sector is not None:
        _text_argument("sector", sector, code=False)
    day = day_of(on)
    everything = _all_records()
    where = _where(jurisdiction, everything)
    wanted = None if sector is None else _sector_key(sector)
    records = [
        record
        for record in everything
        if record.for_place(where)
        and (wanted is None or record.sector is None or _sector_key(record.sector) == wanted)
    ]
    in_force = [record for record in records if record.in_force_on(day)]
    own = _best([record for record in in_force if not record.nationwide])
    national = _best([record for record in in_force if record.nationwide])
    chosen = own or national
    if chosen and (sector is not None or len({r.sector for r in chosen}) == 1):
        path = chosen[0].file
        assert path is not None  # noqa: S101 - catalogue records always have their file
        rule_set = load_rule_set(path)
        notes = _notes(chosen[0], where, rule_set)
        return attrs.evolve(rule_set, notes=(*rule_set.notes, *notes)) if notes else rule_set
    listed = joined("; ", [joined("", [r.id, " (", r.validity(), ")"]) for r in records])
    shown = listed or tr("none")
    if chosen:
        msg = tr(
            "several rule sets of different sectors apply to {jurisdiction!r} on "
            "{day}: {items}; pass sector='kesehatan' (or another)",
            jurisdiction=jurisdiction,
            day=day,
            items=", ".join(r.id for r in chosen),
        )
        raise RuleSetNotFoundError(msg, candidates=[r.id for r in chosen])
    msg = tr(
        "no rule set applies to {jurisdiction!r} on {day}{sector}; rule sets "
        "for it: {shown}. Load one by id with spmkit.load_rule_set, or add "
        "in_force to its file",
        jurisdiction=jurisdiction,
        day=day,
        sector="" if sector is None else tr(" in sector {sector!r}", sector=sector),
        shown=shown,
    )
    raise RuleSetNotFoundError(msg, candidates=[r.id for r in records])
