"""Reading the time keys of a rule file, for the reader and the overlay resolver.

``in_force``, ``supersedes`` and ``sector`` of a rule set, a target's ``schedule`` and
``baseline``, an indicator's ``corresponds_to`` and an input's ``same_as``. Problems are
reported through the calling reader, so they come with every other problem of the file,
at their lines. The model and the format are described in ``docs/time.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from spmkit._rulesets.model import Baseline, InForce, Source, Target
from spmkit._rulesets.schema import (
    BASELINE_KEYS,
    CORRESPONDENCE_KEYS,
    IN_FORCE_KEYS,
    INDICATOR_ID,
    INPUT_NAME,
    RULE_SET_ID,
)
from spmkit._translation import tr
from spmkit._yamlload import child_path

if TYPE_CHECKING:
    from spmkit._rulesets.builder import _Builder as _Reader

__all__ = [
    "MAX_SCHEDULE_YEARS",
    "SECTORS",
    "check_phasing",
    "read_correspondence",
    "read_in_force",
    "read_phasing",
    "read_same_as",
    "read_sector",
    "read_supersedes",
]

SECTORS: Final = (
    "pendidikan",
    "kesehatan",
    "pekerjaan_umum",
    "perumahan_rakyat",
    "trantibumlinmas",
    "sosial",
)
"""The six urusan of PP 2/2018 Pasal 5-10, as ``sector:`` writes them."""

MAX_SCHEDULE_YEARS: Final = 100
"""Most years in one target's schedule (a plan covers 5 to 20)."""


def _date(reader: _Reader, value: object, path: str, *, end: bool) -> tuple[dt.date | None, str]:
    """A date, or a year standing for 1 January (start) or 31 December (end)."""
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    year = reader.year(value, path, tr("a date (YYYY-MM-DD) or a year"))
    if year is None:
        return None, "day"
    return (dt.date(year, 12, 31) if end else dt.date(year, 1, 1)), "year"


def read_in_force(reader: _Reader, value: object, path: str = "$.in_force") -> InForce | None:
    """Read ``in_force: {from, until, source, until_source?, note?}``."""
    data = reader.mapping(value, path, IN_FORCE_KEYS, tr("in_force"))
    if data is None:
        return None
    start, precision = _date(reader, data.get("from"), child_path(path, "from"), end=False)
    end, end_precision = None, "day"
    if data.get("until") is not None:
        end, end_precision = _date(reader, data["until"], child_path(path, "until"), end=True)
    source = reader.read_source(data.get("source"), child_path(path, "source"))
    end_source = None
    if "until_source" in data:
        end_source = reader.read_source(data["until_source"], child_path(path, "until_source"))
    note = reader.text(data, "note", path, required=False)
    if start is None or source is None:
        return None
    if end is not None and end < start:
        reader.problem(
            child_path(path, "until"),
            tr("'until' {end} is before 'from' {start}", end=end, start=start),
        )
        return None
    return InForce(
        start=start,
        end=end,
        source=source,
        end_source=end_source,
        note=note,
        precision=precision,  # type: ignore[arg-type]
        end_precision=end_precision,  # type: ignore[arg-type]
    )


def _ids(reader: _Reader, value: object, path: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(v, str) and RULE_SET_ID.match(v) for v in value
    ):
        reader.problem(
            path,
            tr("{what!r} must be a list of rule-set ids (got {value!r})", what=what, value=value),
        )
        return ()
    return tuple(value)


def read_supersedes(reader: _Reader, data: Mapping[str, Any]) -> tuple[str, ...]:
    """Read ``supersedes: [rule-set ids]`` (absent: none)."""
    return _ids(reader, data.get("supersedes"), "$.supersedes", tr("supersedes"))


def read_sector(reader: _Reader, data: Mapping[str, Any]) -> str | None:
    """Read ``sector: kesehatan`` (the SPM field; absent: not said)."""
    value = data.get("sector")
    if value is None:
        return None
    if value not in SECTORS:
        reader.problem(
            "$.sector",
            tr(
                "'sector' must be one of the six SPM urusan of PP 2/2018: {items} (got {value!r})",
                items=", ".join(SECTORS),
                value=value,
            ),
        )
        return None
    return str(value)


def read_phasing(
    reader: _Reader, data: Mapping[str, Any], path: str
) -> tuple[dict[int, Fraction], Baseline | None] | None:
    """Read a target's ``schedule: {year: value}`` and ``baseline: {year, value}``.

    Returns None when either is broken (the problems are reported).
    """
    before = len(reader.problems)
    schedule: dict[int, Fraction] = {}
    raw = data.get("schedule")
    sub = child_path(path, "schedule")
    if raw is not None and not isinstance(raw, dict):
        reader.problem(sub, tr("'schedule' must be a mapping of year to value"))
    elif isinstance(raw, dict):
        if len(raw) > MAX_SCHEDULE_YEARS:
            reader.problem(
                sub,
                tr(
                    "'schedule' may have at most {limit} years",
                    limit=MAX_SCHEDULE_YEARS,
                ),
            )
        else:
            for year, value in raw.items():
                where = child_path(sub, year)
                checked = reader.year(year, where, tr("a schedule year"))
                number = reader.number(value, where, tr("the value of {year!r}", year=year))
                if checked is not None and number is not None:
                    schedule[checked] = number
    baseline = None
    if "baseline" in data:
        base_path = child_path(path, "baseline")
        base = reader.mapping(data["baseline"], base_path, BASELINE_KEYS, tr("'baseline'"))
        if base is not None:
            year = reader.year(base.get("year"), child_path(base_path, "year"), tr("'year'"))
            value = reader.number(base.get("value"), child_path(base_path, "value"), tr("'value'"))
            if year is not None and value is not None:
                baseline = Baseline(year=year, value=value)
    if len(reader.problems) > before:
        return None
    return schedule, baseline


def check_phasing(
    reader: _Reader, target: Target, deadline: int | None, path: str, indicator_id: str
) -> None:
    """Check a phased target against its deadline: points in order, the final value agrees."""
    if not target.schedule and target.baseline is None:
        return
    where = child_path(path, "target")
    if deadline is None and target.baseline is not None and not target.schedule:
        reader.problem(
            where,
            tr("a 'baseline' runs to the final value at the deadline; give a 'deadline' year"),
            indicator_id,
        )
        return
    if deadline is None:
        return
    late = [year for year in target.schedule if year > deadline]
    if late:
        reader.problem(
            where,
            tr(
                "'schedule' has years after the deadline {deadline}: {late}; from the "
                "deadline on the final target value applies",
                deadline=deadline,
                late=late,
            ),
            indicator_id,
        )
    final = target.schedule.get(deadline)
    if final is not None and final != target.value:
        reader.problem(
            where,
            tr(
                "'schedule' gives {final} for the deadline {deadline} but the target "
                "'value' is {value}; they must agree",
                final=final,
                deadline=deadline,
                value=target.value,
            ),
            indicator_id,
        )
    if target.baseline is not None and target.baseline.year >= deadline:
        reader.problem(
            where,
            tr(
                "the baseline year {year} must be before the deadline {deadline}",
                year=target.baseline.year,
                deadline=deadline,
            ),
            indicator_id,
        )
    if target.baseline is not None and target.baseline.year in target.schedule:
        reader.problem(
            where,
            tr(
                "the baseline year {year} is also in the schedule; give it once",
                year=target.baseline.year,
            ),
            indicator_id,
        )


def read_correspondence(
    reader: _Reader, value: object, path: str, indicator_id: str
) -> tuple[dict[str, str], dict[str, Source]]:
    """Read ``corresponds_to: {rule-set-id: indicator-id | {indicator, source}}``."""
    ids: dict[str, str] = {}
    sources: dict[str, Source] = {}
    if value is None:
        return ids, sources
    if not isinstance(value, dict):
        reader.problem(
            path, tr("'corresponds_to' must map rule-set ids to indicator ids"), indicator_id
        )
        return ids, sources
    for rule_set_id, raw in value.items():
        entry = raw
        sub = child_path(path, rule_set_id)
        if not isinstance(rule_set_id, str) or not RULE_SET_ID.match(rule_set_id):
            reader.problem(
                sub,
                tr("{rule_set_id!r} is not a rule-set id", rule_set_id=rule_set_id),
                indicator_id,
            )
            continue
        source = None
        if isinstance(entry, dict):
            data = reader.mapping(entry, sub, CORRESPONDENCE_KEYS, tr("a correspondence"))
            entry = None if data is None else data.get("indicator")
            if data is not None and "source" in data:
                source = reader.read_source(data["source"], child_path(sub, "source"))
        if isinstance(entry, int) and not isinstance(entry, bool):
            entry = str(entry)
        if not isinstance(entry, str) or not INDICATOR_ID.match(entry):
            reader.problem(
                sub, tr("must be an indicator id (got {entry!r})", entry=entry), indicator_id
            )
            continue
        ids[rule_set_id] = entry
        if source is not None:
            sources[rule_set_id] = source
    return ids, sources


def read_same_as(reader: _Reader, value: object, path: str) -> dict[str, str]:
    """Read an input's ``same_as: {rule-set-id: input-name}``."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and RULE_SET_ID.match(k) and isinstance(v, str) and INPUT_NAME.match(v)
        for k, v in value.items()
    ):
        reader.problem(
            path, tr("'same_as' must map rule-set ids to input names (got {value!r})", value=value)
        )
        return {}
    return dict(value)
