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
import re
import warnings
from pathlib import Path
from typing import Final

import attrs

from spmkit._rulesets.installed import impersonation, installed_rule_files
from spmkit._rulesets.model import RuleSet, Verification
from spmkit._rulesets.reader import load_rule_set, read_rule_file, shipped_rule_sets
from spmkit._translation import tr
from spmkit.errors import RuleSetNotFoundError, SpmkitError, SpmkitWarning, UsageError

__all__ = [
    "NATIONAL_LEVEL",
    "RuleSetRecord",
    "day_of",
    "jurisdiction_slug",
    "list_rule_sets",
    "rule_set_for",
]

NATIONAL_LEVEL: Final = "kabupaten/kota"
"""The level of a rule set that applies in every kabupaten and kota (a national SPM)."""

_PREFIXES: Final = re.compile(r"^(kabupaten|kab\.?|kota|provinsi|prov\.?)\s+", re.IGNORECASE)


def jurisdiction_slug(name: str) -> str:
    """The short slug of a jurisdiction's name: ``"Kabupaten Kulon Progo"`` -> ``kulon-progo``."""
    bare = _PREFIXES.sub("", name.strip())
    return re.sub(r"[^a-z0-9]+", "-", bare.casefold()).strip("-")


def _full_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().casefold()).strip("-")


def day_of(on: dt.date | int) -> dt.date:
    """The day a date or a year stands for (a year: its 31 December).

    Raises:
        UsageError: neither a date nor a year 1945-2100.
    """
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    if isinstance(on, int) and not isinstance(on, bool) and 1945 <= on <= 2100:
        return dt.date(on, 12, 31)
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

    @property
    def national(self) -> bool:
        """Whether it applies in every kabupaten and kota."""
        return self.level == NATIONAL_LEVEL

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

    def validity(self) -> str:
        """The validity as text: ``2011-02-17 .. open`` (``?`` when not declared)."""
        start = "?" if self.in_force_from is None else self.in_force_from.isoformat()
        end = "open" if self.in_force_until is None else self.in_force_until.isoformat()
        return f"{start} .. {end}"


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
    )


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
    return records


def list_rule_sets(
    jurisdiction: str | None = None, on: dt.date | int | None = None
) -> tuple[RuleSetRecord, ...]:
    """List the rule sets spmkit knows: shipped, and installed by other packages.

    >>> tuple(r.id for r in list_rule_sets("Kabupaten Kulon Progo", on=2012) if not r.national)
    ('kulon-progo-2011', 'kulon-progo-2011-overlay')

    Args:
        jurisdiction: only those that apply there (its own, and the national ones), by
            name (``"Kabupaten Kulon Progo"``) or slug (``"kulon-progo"``).
        on: only those in force on that date, or on 31 December of that year.

    Returns:
        :class:`RuleSetRecord` s, by id.

    Warns:
        SpmkitWarning: an installed rule set does not load (it is left out).

    Raises:
        UsageError: ``jurisdiction`` is not text, or ``on`` neither a date nor a year.
    """
    if jurisdiction is not None:
        _text_argument("jurisdiction", jurisdiction)
    day = None if on is None else day_of(on)
    records = [
        record
        for record in _all_records()
        if (jurisdiction is None or record.applies_to(jurisdiction))
        and (day is None or record.in_force_on(day))
    ]
    return tuple(sorted(records, key=lambda record: record.id))


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


def _text_argument(name: str, value: object) -> None:
    if not isinstance(value, str):
        msg = f"{name} must be text such as 'siak' (got {type(value).__name__})"
        raise UsageError(msg)


def rule_set_for(
    jurisdiction: str, on: dt.date | int, *, sector: str | None = "kesehatan"
) -> RuleSet:
    """Return the rule set that applied to a jurisdiction on a date (or in a year).

    The jurisdiction's own rule set if one is in force on that day, else the national
    one in force; of several, the one no other supersedes, then the latest in force.

    >>> rule_set_for("Kabupaten Kulon Progo", 2010).id
    'permenkes-741-2008'
    >>> rule_set_for("kulon-progo", 2012).id
    'kulon-progo-2011'

    Args:
        jurisdiction: a name (``"Kabupaten Kulon Progo"``) or slug (``"kulon-progo"``).
        on: a date, or a year (its 31 December).
        sector: the SPM field (``kesehatan``, ``pendidikan``, ``pekerjaan-umum``); None
            for any. A rule set that does not say its sector is taken for any.

    Warns:
        UnverifiedValuesWarning: as :func:`spmkit.load_rule_set`.

    Raises:
        RuleSetNotFoundError: none applies; the message and ``candidates`` name the rule
            sets of that jurisdiction (and the national ones) with their validity.
        UsageError: ``on`` is neither a date nor a year, or ``jurisdiction`` or
            ``sector`` is not text.
    """
    _text_argument("jurisdiction", jurisdiction)
    if sector is not None:
        _text_argument("sector", sector)
    day = day_of(on)
    records = [
        record
        for record in _all_records()
        if record.applies_to(jurisdiction)
        and (sector is None or record.sector is None or record.sector == sector)
    ]
    in_force = [record for record in records if record.in_force_on(day)]
    own = _best([record for record in in_force if not record.national])
    national = _best([record for record in in_force if record.national])
    chosen = own or national
    if chosen and (sector is not None or len({r.sector for r in chosen}) == 1):
        path = chosen[0].file
        assert path is not None  # noqa: S101 - catalogue records always have their file
        return load_rule_set(path)
    shown = "; ".join(f"{r.id} ({r.validity()})" for r in records) or "none"
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
