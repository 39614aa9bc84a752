"""The cross-urusan SPM report: every urusan the data cover, for one region and year.

A region reports all six urusan of PP 2/2018 (pendidikan, kesehatan, pekerjaan umum,
perumahan rakyat, trantibumlinmas, sosial). :func:`report_spm` takes the data of each
urusan the region has, finds the rule set in force there for that urusan, level and
period, and returns per service the penerima (people served), the mutu minimal, the
index and its band, and the rule set that judged the row.

How service indices combine into one figure for an urusan, and urusan into one for the
region, is not invented here: an urusan figure is shown only when the rule set judging
it carries one (an index whose components are the service indices, with its source), and
no source read defines a regional figure, so there is none (docs/spm-report.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from spmkit._arguments import require
from spmkit._evaluation.quarterly import QUARTERS, quarterly_report, services_of
from spmkit._evaluation.results import IndicatorResult, Report
from spmkit._evaluation.scalar import evaluate
from spmkit._rulesets.catalogue import list_rule_sets, rule_set_for
from spmkit._rulesets.diff import diff
from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.reader import load_rule_set
from spmkit._rulesets.timekeys import SECTORS
from spmkit._translation import Bilingual, Language, in_language, tr
from spmkit.errors import DataError, DataInvalid, RuleSetNotFoundError, UsageError

__all__ = ["SECTORS", "ServiceRow", "SpmReport", "UrusanReport", "report_spm"]

_PROVINCE: Final = re.compile(r"\s*(provinsi|prov\.?)\s", re.IGNORECASE)
_QUARTER_END: Final = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_NATIONWIDE: Final = ("setiap ", "seluruh ")


def _why_no_regional() -> Bilingual:
    return tr(
        "no regional figure: no source read says how the urusan combine into one figure "
        "for a region (docs/spm-report.md)"
    )


def _why_no_urusan(rule_set_id: str) -> Bilingual:
    return tr(
        "no urusan figure: rule set {rule_set} has no indicator combining its service "
        "indices, and no source read says how they combine (docs/spm-report.md)",
        rule_set=rule_set_id,
    )


@attrs.frozen(kw_only=True)
class ServiceRow:
    """One service of one urusan: penerima, mutu, index and band, and who judged it.

    Attributes:
        urusan: the sector key (``pendidikan`` ...).
        service_type: the id of the service's *jenis pelayanan dasar* (``"A"``), if any.
        penerima: the result of the penerima indicator (served / must be served x 100).
        mutu: the result of the mutu minimal indicator; None when the rule set has none.
        index: the service's index (its band is the row's band); None when it has none.
        rule_set_id: the rule set whose indicators judged the row.
    """

    urusan: str
    service_type: str | None
    penerima: IndicatorResult
    mutu: IndicatorResult | None
    index: IndicatorResult | None
    rule_set_id: str

    @property
    def band(self) -> str | None:
        """The band of the index (of the penerima value when there is no index)."""
        return (self.index or self.penerima).band

    @property
    def band_en(self) -> str | None:
        """The band's English label, when the rule set gives one."""
        return (self.index or self.penerima).band_en

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: each of the three results as its ``to_dict()``."""
        return {
            "urusan": self.urusan,
            "service_type": self.service_type,
            "service": self.penerima.indicator_id,
            "name": self.penerima.name,
            "penerima": self.penerima.to_dict(),
            "mutu": None if self.mutu is None else self.mutu.to_dict(),
            "index": None if self.index is None else self.index.to_dict(),
            "band": self.band,
            "band_en": self.band_en,
            "rule_set": self.rule_set_id,
        }


@attrs.frozen(kw_only=True)
class UrusanReport:
    """One urusan: the rule set in force, the one that judged, and a row per service.

    Attributes:
        urusan: the sector key.
        in_force: the id of the rule set in force for the region, level and period.
        judged_by: the id of the rule set whose indicators judged the rows: ``in_force``,
            or (when that one has no index per service) an index rule set over the same
            base in force then (``indeks-spm-kesehatan-6-2024`` in 2025); the notes say so.
        title: the judging rule set's title; legal_basis: its citation.
        rows: one per service, in the rule set's order.
        urusan_figure: the urusan's figure, only where the judging rule set carries one
            (an index of its service indices, with a source); None otherwise.
        notes: what a reader must know: the index taken from another rule set, the
            formulas that differ from the rule set in force, why there is no urusan figure.
        report: the full report of the judging rule set (every indicator).
    """

    urusan: str
    in_force: str
    judged_by: str
    title: str
    legal_basis: str
    rows: tuple[ServiceRow, ...]
    urusan_figure: IndicatorResult | None
    notes: tuple[str, ...]
    report: Report

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (notes in English; ``notes_id`` in Indonesian)."""
        return {
            "urusan": self.urusan,
            "rule_set_in_force": self.in_force,
            "judged_by": self.judged_by,
            "title": self.title,
            "legal_basis": self.legal_basis,
            "services": [row.to_dict() for row in self.rows],
            "urusan_figure": None if self.urusan_figure is None else self.urusan_figure.to_dict(),
            "notes": [str(note) for note in self.notes],
            "notes_id": [_in(note, "id") for note in self.notes],
        }


def _in(text: str, lang: Language) -> str:
    return in_language(text, lang)


@attrs.frozen(kw_only=True)
class SpmReport:
    """The SPM report of one region for one year (or quarter), across urusan.

    Attributes:
        jurisdiction: the region as given; level: ``provinsi`` or ``kabupaten/kota``.
        year: the reporting year; quarter: 1-4, or None for the whole year.
        day: the day whose rules apply (the end of the quarter, or 31 December).
        urusan: one :class:`UrusanReport` per urusan the data cover, in PP 2/2018 order.
        notes: notes on the whole report (why there is no regional figure).
    """

    jurisdiction: str
    level: str
    year: int
    quarter: int | None
    day: dt.date
    urusan: tuple[UrusanReport, ...]
    notes: tuple[str, ...]

    @property
    def rows(self) -> tuple[ServiceRow, ...]:
        """Every service row of every urusan, in order."""
        return tuple(row for section in self.urusan for row in section.rows)

    @property
    def period(self) -> str:
        """``2025`` or ``2025 TW2``."""
        return str(self.year) if self.quarter is None else f"{self.year} TW{self.quarter}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data of the whole report."""
        return {
            "jurisdiction": self.jurisdiction,
            "level": self.level,
            "year": self.year,
            "quarter": self.quarter,
            "rules_on": self.day.isoformat(),
            "urusan": [section.to_dict() for section in self.urusan],
            "regional_figure": None,
            "notes": [str(note) for note in self.notes],
            "notes_id": [_in(note, "id") for note in self.notes],
        }


def _services(rule_set: RuleSet) -> tuple[tuple[str, str, str], ...]:
    """``(penerima, mutu, index)`` of every service: an index of two ratios.

    An index whose components are indices (an urusan figure over service indices) is
    not a service.
    """
    return tuple(
        service
        for service in services_of(rule_set)
        if all(rule_set.indicators[part].index is None for part in service[:2])
    )


def _level_of(jurisdiction: str) -> str:
    return "provinsi" if _PROVINCE.match(jurisdiction + " ") else "kabupaten/kota"


def _at_level(level: str, wanted: str) -> bool:
    return level == "provinsi" if wanted == "provinsi" else level != "provinsi"


def _in_force(jurisdiction: str, urusan: str, level: str, day: dt.date) -> RuleSet:
    """The rule set in force: the catalogue's answer, else the nationwide set of the level.

    The catalogue (:func:`rule_set_for`) knows the region's own rule sets and the
    national kabupaten/kota ones; a provincial urusan falls back here to the rule set
    written for every province, the latest in force that no other in force supersedes.
    """
    try:
        found = rule_set_for(jurisdiction, day, sector=urusan)
    except RuleSetNotFoundError:
        found = None
    if found is not None and _at_level(found.jurisdiction.level, level):
        return found
    records = [
        r
        for r in list_rule_sets(on=day)
        if r.sector == urusan
        and _at_level(r.level, level)
        and (r.is_for(jurisdiction) or r.jurisdiction.casefold().startswith(_NATIONWIDE))
    ]
    # As the catalogue: a superseded set gives way, and so does an overlay that reads
    # another candidate (the index over Permenkes 4/2019 is not a successor of it).
    replaced = {old for r in records for old in r.supersedes}
    present = {r.id for r in records if r.id not in replaced}
    kept = sorted(
        (r for r in records if r.id in present and not present.intersection(r.extends)),
        key=lambda r: (not r.is_for(jurisdiction), -(r.in_force_from or day).toordinal(), r.id),
    )
    if not kept:
        msg = tr(
            "no {level} rule set of urusan {urusan!r} is in force for {jurisdiction!r} on "
            "{day}; see spmkit list --on {year}",
            level=level,
            urusan=urusan,
            jurisdiction=jurisdiction,
            day=day,
            year=day.year,
        )
        raise RuleSetNotFoundError(msg, candidates=[r.id for r in records])
    assert kept[0].file is not None  # noqa: S101 - catalogue records have their file
    return load_rule_set(kept[0].file)


def _index_reading(rule_set: RuleSet, level: str, day: dt.date) -> RuleSet | None:
    """An index rule set over the same base, in force on ``day`` (for a set without one).

    ``permenkes-6-2024`` has no index per service; ``indeks-spm-kesehatan-6-2024`` (the SPM
    index over it, in force from 2024; before, ``indeks-spm-kesehatan`` over 4/2019) has.
    """
    family = {rule_set.id, *rule_set.extends}
    for record in list_rule_sets(on=day):
        if (
            record.id != rule_set.id
            and record.sector == rule_set.sector
            and _at_level(record.level, level)
            and family.intersection({record.id, *record.extends})
            and record.file is not None
        ):
            candidate = load_rule_set(record.file)
            if _services(candidate):
                return candidate
    return None


def _judged(rule_set: RuleSet, data: object, quarter: int | None, urusan: str) -> Report:
    """Evaluate one urusan's data: plain inputs, or inputs by quarter (so far, to ``quarter``)."""
    if not isinstance(data, Mapping):
        rule = tr("a mapping of input name to value, or of quarter (TW1-TW4) to one")
        msg = tr("the data of urusan {urusan!r} are not a mapping", urusan=urusan)
        raise DataInvalid(msg, [DataError(urusan, data, rule)])
    quarters = {str(k).upper(): v for k, v in data.items() if str(k).upper() in QUARTERS}
    last = QUARTERS[(quarter or 4) - 1]
    problems = [
        DataError(f"{urusan}.{key}", value, tr("a mapping of input name to value"))
        for key, value in data.items()
        if (quarters and str(key).upper() not in QUARTERS)
        or (quarters and not isinstance(value, Mapping))
    ]
    if quarters and not _services(rule_set):
        rule = tr("the figures so far, not by quarter: the rule set has no index per service")
        problems.append(DataError(urusan, sorted(quarters), rule))
    kept: dict[object, Mapping[str, object]] = {
        k: v for k, v in quarters.items() if k <= last and isinstance(v, Mapping)
    }
    if quarters and not kept:
        rule = tr("a quarter up to {quarter}", quarter=last)
        problems.append(DataError(urusan, sorted(quarters), rule))
    if problems:
        msg = tr("the data of urusan {urusan!r} are not usable", urusan=urusan)
        raise DataInvalid(msg, problems)
    try:
        if not quarters:
            return evaluate(rule_set, data)
        return quarterly_report(rule_set, kept, services=_services(rule_set)).reports[-1][1]
    except DataInvalid as exc:
        msg = tr(
            "the data of urusan {urusan!r} have bad values for rule set {rule_set!r}",
            urusan=urusan,
            rule_set=rule_set.id,
        )
        raise DataInvalid(
            msg,
            [
                DataError(f"{urusan}.{e.input_name}", e.value, e.rule, e.hint)
                for e in exc.exceptions
            ],
        ) from None


def _urusan_figure(rule_set: RuleSet, report: Report, indices: set[str]) -> IndicatorResult | None:
    """An index of the rule set whose components are service indices, if it has one."""
    for indicator in rule_set.indicators.values():
        weights = indicator.index.weights if indicator.index is not None else {}
        if len(weights) > 1 and set(weights) <= indices:
            return report[indicator.id]
    return None


def _section(  # noqa: PLR0913 - one urusan of report_spm's arguments
    jurisdiction: str,
    urusan: str,
    level: str,
    data: object,
    period: tuple[dt.date, int | None],
    given: RuleSet | None,
) -> UrusanReport:
    day, quarter = period
    in_force = _in_force(jurisdiction, urusan, level, day) if given is None else given
    judged = in_force
    notes: list[str] = []
    if given is not None:
        notes.append(tr("{id} was given for this urusan (not looked up)", id=given.id))
    if not _services(in_force):
        reading = _index_reading(in_force, level, day)
        if reading is not None:
            judged = reading
            changed = diff(in_force, reading)
            differs = list(changed.changed_indicators)
            notes.append(
                tr(
                    "{in_force} (in force) has no mutu or index per service; the rows are "
                    "judged by {judged}, the index over {base}",
                    in_force=in_force.id,
                    judged=reading.id,
                    base=", ".join(reading.extends) or reading.id,
                )
            )
            if differs:
                notes.append(
                    tr(
                        "indicators whose formula or target in {judged} differs from "
                        "{in_force}: {ids}",
                        judged=reading.id,
                        in_force=in_force.id,
                        ids=", ".join(differs),
                    )
                )
        else:
            notes.append(
                tr(
                    "{in_force} has no mutu or index per service, and no index rule set over "
                    "it is in force: only the penerima rows are shown",
                    in_force=in_force.id,
                )
            )
    report = _judged(judged, data, quarter, urusan)
    services = _services(judged)
    if services:
        rows = tuple(
            ServiceRow(
                urusan=urusan,
                service_type=judged.indicators[p].service_type,
                penerima=report[p],
                mutu=report[m],
                index=report[i],
                rule_set_id=judged.id,
            )
            for p, m, i in services
        )
    else:
        rows = tuple(
            ServiceRow(
                urusan=urusan,
                service_type=indicator.service_type,
                penerima=report[indicator.id],
                mutu=None,
                index=None,
                rule_set_id=judged.id,
            )
            for indicator in judged.indicators.values()
            if indicator.index is None
        )
    figure = _urusan_figure(judged, report, {i for _p, _m, i in services})
    if figure is None:
        notes.append(_why_no_urusan(judged.id))
    return UrusanReport(
        urusan=urusan,
        in_force=in_force.id,
        judged_by=judged.id,
        title=judged.title,
        legal_basis=judged.legal_basis.cite(),
        rows=rows,
        urusan_figure=figure,
        notes=tuple(notes),
        report=report,
    )


def _given(rule_sets: Mapping[str, RuleSet | str | Path]) -> dict[str, RuleSet]:
    """The rule sets given per urusan, loaded; each must be of that urusan."""
    loaded: dict[str, RuleSet] = {}
    for urusan, chosen in rule_sets.items():
        rule_set = chosen if isinstance(chosen, RuleSet) else load_rule_set(chosen)
        if urusan not in SECTORS or rule_set.sector not in {None, urusan}:
            msg = tr(
                "rule set {id} was given for {urusan!r}, but its urusan is {sector!r}; "
                "the keys are {keys}",
                id=rule_set.id,
                urusan=urusan,
                sector=rule_set.sector,
                keys=", ".join(SECTORS),
            )
            raise UsageError(msg)
        loaded[urusan] = rule_set
    return loaded


def report_spm(  # noqa: PLR0913 - the period, the level and the rule sets are each optional
    jurisdiction: str,
    data: Mapping[str, object],
    *,
    year: int,
    quarter: int | None = None,
    level: str | None = None,
    rule_sets: Mapping[str, RuleSet | str | Path] | None = None,
) -> SpmReport:
    """The SPM report of a region for a year (or quarter), for every urusan in ``data``.

    >>> import spmkit
    >>> data = {"sosial": {...}, "pendidikan": {...}}  # doctest: +SKIP
    >>> spmkit.report_spm("Kabupaten Contoh", data, year=2025).rows[0].band  # doctest: +SKIP

    Args:
        jurisdiction: the region (``"Kabupaten Kulon Progo"``, ``"Provinsi Jawa Tengah"``):
            its own rule sets are used where in force, else the national ones of its level.
        data: urusan key (``pendidikan``, ``kesehatan``, ``pekerjaan_umum``,
            ``perumahan_rakyat``, ``trantibumlinmas``, ``sosial``) -> that urusan's inputs:
            the figures of the period, or per quarter (``TW1`` ... ``TW4`` -> the inputs of
            that quarter; they are combined so far, as :func:`quarterly_report` does).
        year: the reporting year; the rules in force on its 31 December apply.
        quarter: 1-4: report the figures so far at that quarter, under the rules in force
            on its last day.
        level: ``provinsi`` or ``kabupaten/kota``; by default ``provinsi`` for a name
            starting "Provinsi", else ``kabupaten/kota``.
        rule_sets: urusan -> the rule set to judge it with (an object, a shipped id or a
            file) instead of the one in force: a draft, or a region's set not shipped.

    Raises:
        UsageError: no urusan in ``data``, a key that is not one of the six, a bad year,
            quarter or level.
        RuleSetNotFoundError: no rule set of an urusan is in force there then.
        DataInvalid: bad values (named ``urusan.input``).
    """
    require(jurisdiction, "jurisdiction", str, tr("text such as 'Kabupaten Kulon Progo'"))
    if isinstance(year, bool) or not isinstance(year, int) or not 1945 <= year <= 2100:
        raise UsageError(tr("year must be a year such as 2025 (got {year!r})", year=year))
    if quarter is not None and (isinstance(quarter, bool) or quarter not in _QUARTER_END):
        raise UsageError(tr("quarter must be 1, 2, 3 or 4 (got {q!r})", q=quarter))
    chosen = level or _level_of(jurisdiction)
    if chosen not in {"provinsi", "kabupaten/kota"}:
        raise UsageError(
            tr("level must be 'provinsi' or 'kabupaten/kota' (got {level!r})", level=chosen)
        )
    if not isinstance(data, Mapping) or not data:
        raise UsageError(
            tr("the data name no urusan; give one or more of: {keys}", keys=", ".join(SECTORS))
        )
    unknown = sorted(str(key) for key in data if key not in SECTORS)
    if unknown:
        raise UsageError(
            tr(
                "not an urusan of PP 2/2018: {unknown}; the keys are {keys}",
                unknown=", ".join(unknown),
                keys=", ".join(SECTORS),
            )
        )
    given = _given(rule_sets or {})
    month, day_of_month = _QUARTER_END[quarter or 4]
    day = dt.date(year, month, day_of_month)
    sections = tuple(
        _section(jurisdiction, urusan, chosen, data[urusan], (day, quarter), given.get(urusan))
        for urusan in SECTORS
        if urusan in data
    )
    return SpmReport(
        jurisdiction=jurisdiction,
        level=chosen,
        year=year,
        quarter=quarter,
        day=day,
        urusan=sections,
        notes=(_why_no_regional(),),
    )
